// Builds the five server processes into dist/ (one minified ES module each, shared chunks beside
// them), which `npm start`, the image and the benchmark run. Why a build, when Node 24 runs the
// TypeScript sources as they are (the tests do): an idle process then holds neither the type
// stripper (+17 MB) nor the full source text of every module it imports (MikroORM, zod, undici,
// the GraphQL stack); a subgraph idles at about 130 MB instead of 175 (docs/benchmark.md).
// Packages that read files next to their own code at run time, or are native, stay outside the
// bundle and are loaded from node_modules as before.
//   node scripts/build.ts [--if-stale] [--out <folder directly below the repository>]
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../lib/paths.ts';
import { SUBGRAPHS } from '../subgraphs/index.ts';

export const DIST = join(ROOT, 'dist');

/** The entry point of each server, by the name of its file in dist/ (the one-shot migrate job runs from source). */
export const ENTRIES: Record<string, string> = {
  gateway: 'gateway/server.ts',
  ...Object.fromEntries(SUBGRAPHS.map((name) => [name, `subgraphs/${name}/server.ts`])),
};

/**
 * Native addons, WebAssembly or data files read from the package's own folder, optional drivers,
 * and packages some dependency also loads by `require` (one copy, from node_modules).
 */
export const EXTERNAL = [
  /^node:/,
  'better-sqlite3',
  'pdfkit',
  '@graphql-hive/router-query-planner',
  '@graphql-yoga/render-graphiql',
  /^@opentelemetry\//,
  '@graphql-hive/plugin-opentelemetry',
  'picomatch',
  'pg-native',
  'libsql',
  'mariadb',
  'mysql2',
  'tedious',
  'oracledb',
  'sqlite3',
];

const SOURCES = ['lib', 'demo', 'gateway', 'subgraphs', 'upstreams', 'scripts', 'schema', 'package-lock.json'];

/** The newest modification time of a file or of any file below a folder. */
function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(stats.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** Whether dist/ is missing an entry or older than any source or the installed packages. */
export function serversAreStale(): boolean {
  const built = Object.keys(ENTRIES).map((name) => join(DIST, `${name}.js`));
  if (!built.every(existsSync)) return true;
  const oldest = Math.min(...built.map((file) => statSync(file).mtimeMs));
  return Math.max(...SOURCES.map((s) => newest(join(ROOT, s)))) > oldest;
}

/** The file a server process runs, relative to the repository: its build in dist/. */
export const serverFile = (name: string) => `dist/${name}.js`;

/**
 * How every server process is started (`npm start`, the image, the benchmark), each measured with
 * `npm run bench` (docs/benchmark.md). V8's young generation otherwise grows to 64–128 MB per
 * process and stays committed at idle; capped at 4 MB it costs no measured CPU. The old generation
 * grows by half after a collection instead of V8's own factor (up to 4×): the gateway's peak under
 * load fell from 1.7× to 1.3× its idle size, CPU per request unchanged. Two malloc arenas instead
 * of one per thread: about 10 MB less each.
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=50'];
export const SERVER_ENV = { MALLOC_ARENA_MAX: '2' };

/** `dir`: where to build (a folder directly below the repository, as dist/ is). */
export async function buildServers(dir = DIST): Promise<void> {
  // Loaded here only: the supervisor that imports this module does not hold the bundler.
  const { build } = await import('rolldown');
  // Built beside and then moved in place, so a process starting meanwhile never finds half a build.
  const next = `${dir}.next-${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  await build({
    cwd: ROOT,
    input: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, join(ROOT, file)])),
    platform: 'node',
    external: EXTERNAL,
    logLevel: 'warn',
    output: {
      dir: next,
      format: 'esm',
      minify: true,
      // Class and function names stay: error names, entity names and logs read them.
      keepNames: true,
      sourcemap: true,
      // Beside the entries: code that finds the repository from its own URL (ROOT) sees the same parent.
      chunkFileNames: '[name]-[hash].js',
    },
  });
  rmSync(dir, { recursive: true, force: true });
  renameSync(next, dir);
}

/** Builds dist/ if it is missing or stale; true when it built. */
export async function ensureServersBuilt(): Promise<boolean> {
  if (!serversAreStale()) return false;
  await buildServers();
  return true;
}

if (import.meta.main) {
  const out = process.argv.indexOf('--out');
  const dir = out > 0 ? join(ROOT, process.argv[out + 1]!) : DIST;
  await (process.argv.includes('--if-stale') ? ensureServersBuilt() : buildServers(dir));
  console.log(`The servers are built in ${dir}`);
}
