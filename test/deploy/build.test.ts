// The servers' build (scripts/build.ts), which `npm start`, the image and the benchmark run: built
// into a folder of its own, its five processes start and answer the bench query through the gateway.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SUBGRAPHS } from '../../subgraphs/index.ts';
import { DEMO } from '../../demo/data.ts';
import { ROOT } from '../../lib/paths.ts';
import { promisify } from 'node:util';
import { ENTRIES, EXTERNAL, SERVER_ENV, SERVER_NODE_FLAGS } from '../../scripts/build.ts';
import { TEST_SECRETS, freshStorage, tokenFor, usingPostgres } from '../support/env.ts';
import { graphql } from '../support/graphql.ts';
import { freePort } from '../support/free-port.ts';

const BENCH_QUERY = readFileSync(join(ROOT, 'bench', 'query.graphql'), 'utf8');

/**
 * A module hook for the started servers: appends to $LOADS_FILE every package a built module loads
 * from node_modules (a package the build should have held, loaded again, is a second copy in memory).
 */
const LOADS_HOOK = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';
registerHooks({ resolve(specifier, context, next) {
  const resolved = next(specifier, context);
  if (resolved.url.includes('/node_modules/') && !(context.parentURL ?? '').includes('/node_modules/')) appendFileSync(process.env.LOADS_FILE, resolved.url.split('/node_modules/').pop() + '\\n');
  return resolved;
} });
`)}`;

/** The package name of a path below node_modules (`@scope/name/...` or `name/...`). */
const packageOf = (path: string) =>
  path
    .split('/')
    .slice(0, path.startsWith('@') ? 2 : 1)
    .join('/');

async function waitFor(url: string) {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

describe('the built servers', () => {
  // A folder directly below the repository, as dist/ is, and of this run only (suites may run side by side).
  const folder = `.build-test-${randomBytes(4).toString('hex')}`;
  const dir = join(ROOT, folder);
  const loadsFile = join(dir, 'loads.txt');
  const children: ChildProcess[] = [];
  let storage: Awaited<ReturnType<typeof freshStorage>>;
  let gatewayPort: number;

  beforeAll(async () => {
    // As npm start builds: the build script in a process of its own.
    await promisify(execFile)(process.execPath, [join(ROOT, 'scripts', 'build.ts'), '--out', folder], { cwd: ROOT });
    storage = await freshStorage();
    gatewayPort = await freePort();
    const ports = Object.fromEntries(
      await Promise.all(SUBGRAPHS.map(async (n) => [`${n.toUpperCase()}_PORT`, String(await freePort())])),
    );
    const env = {
      ...SERVER_ENV,
      PATH: process.env.PATH!,
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      ...TEST_SECRETS,
      ...storage.env,
      ...ports,
      GATEWAY_PORT: String(gatewayPort),
      LOADS_FILE: loadsFile,
    };
    const start = (name: keyof typeof ENTRIES) => {
      const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, '--import', LOADS_HOOK, join(dir, `${name}.js`)], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
    };
    for (const name of SUBGRAPHS) start(name);
    await Promise.all(SUBGRAPHS.map((n) => waitFor(`http://127.0.0.1:${ports[`${n.toUpperCase()}_PORT`]}/health`)));
    start('gateway');
    await waitFor(`http://127.0.0.1:${gatewayPort}/health`);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise((resolve) =>
            c.exitCode !== null ? resolve(null) : (c.once('exit', resolve), c.kill('SIGTERM')),
          ),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
    await storage?.drop();
  });

  it('answer the bench query across the four subgraphs through the gateway', async () => {
    const token = await tokenFor(DEMO.users.alice);
    const { data, errors } = await graphql<{
      me: { id: string };
      products: { totalCount: number };
      nft: { credit: unknown };
      resoldProduct: { footprint: unknown };
    }>(`http://127.0.0.1:${gatewayPort}/graphql`, BENCH_QUERY, {}, { token });
    expect(errors ?? []).toEqual([]);
    expect(data?.me.id).toBeTruthy();
    expect(data?.products.totalCount).toBeGreaterThan(0);
    expect(data?.nft.credit).toBeTruthy();
    expect(data?.resoldProduct.footprint).toBeTruthy();
  });

  it('refuse a request without the token a field needs, as the sources do', async () => {
    const { errors } = await graphql(`http://127.0.0.1:${gatewayPort}/graphql`, '{ me { id } }');
    expect(errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('are started by the image with the flags and malloc setting npm start uses', () => {
    const role = readFileSync(join(ROOT, 'scripts', 'role'), 'utf8');
    expect(role).toContain(`exec node ${SERVER_NODE_FLAGS.join(' ')} "dist/$1.js"`);
    for (const [name, value] of Object.entries(SERVER_ENV))
      expect(role).toContain(`export ${name}="\${${name}:-${value}}"`);
  });

  it('load from node_modules only the packages the build leaves out (no second copy of a bundled one)', () => {
    expect(existsSync(loadsFile)).toBe(true);
    const loaded = [...new Set(readFileSync(loadsFile, 'utf8').trim().split('\n').map(packageOf))].sort();
    expect(loaded).toContain(usingPostgres() ? '@graphql-hive/router-query-planner' : 'better-sqlite3');
    const outside = (name: string) => EXTERNAL.some((e) => (typeof e === 'string' ? e === name : e.test(name)));
    // On PostgreSQL the versioned migrations run from their TypeScript files, which import their
    // base class from node_modules: that one package (and what it imports) is loaded twice there.
    const expected = usingPostgres() ? ['@mikro-orm/migrations'] : [];
    expect(loaded.filter((name) => !outside(name))).toEqual(expected);
  });
});
