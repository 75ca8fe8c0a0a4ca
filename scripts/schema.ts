// The schema as a contract, from the command line (see docs/schema.md):
//   node scripts/schema.ts check               the current schemas against the released ones (npm run lint runs it)
//   node scripts/schema.ts release <version>   makes the current schemas the released ones (npm run schema:release)
//   node scripts/schema.ts publish <folder>    writes the released public schema as a release artifact (npm run schema:publish)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { buildSchema, parse, type GraphQLSchema } from 'graphql';
import { ROOT } from '../lib/paths.ts';
import { SUBGRAPHS, schemas } from '../subgraphs/index.ts';
import {
  CHANGELOG,
  checkContract,
  formatReport,
  knownOperations,
  latestRelease,
  PUBLIC_SURFACE,
  readReleased,
  releaseSchemas,
  type Surface,
} from './schema-contract.ts';

/** The SDL of each surface as it is now: the composed public schema and every subgraph's. */
export function currentSdls(): { name: string; sdl: string }[] {
  return [
    { name: PUBLIC_SURFACE, sdl: readFileSync(join(ROOT, 'schema', 'api.graphql'), 'utf8') },
    ...SUBGRAPHS.map((name) => ({ name, sdl: schemas.sdl(name) })),
  ];
}

/** A surface's schema: the public one as written, a subgraph's as its server builds it. */
export const schemaOf = (name: string, sdl: string): GraphQLSchema =>
  name === PUBLIC_SURFACE ? buildSchema(sdl) : buildSubgraphSchema([{ typeDefs: parse(sdl) }]);

/** The check on the repository at `root`: exit status 0 when it passes. */
export async function check(root: string, log: (line: string) => void): Promise<boolean> {
  const changelog = readFileSync(join(root, CHANGELOG), 'utf8');
  const released = readReleased(root, PUBLIC_SURFACE);
  if (!released) {
    log(`schema check failed: no released schema in schema/released/ (npm run schema:release -- <version> makes one)`);
    return false;
  }
  const latest = latestRelease(changelog);
  if (latest !== released.version) {
    log(
      `schema check failed: schema/released/ holds ${released.version} but ${CHANGELOG}'s latest release is ${latest ?? 'none'}`,
    );
    return false;
  }
  const surfaces: Surface[] = currentSdls().map(({ name, sdl }) => {
    const snapshot = name === PUBLIC_SURFACE ? released : readReleased(root, name);
    return { name, current: schemaOf(name, sdl), released: snapshot ? schemaOf(name, snapshot.sdl) : null };
  });
  const { operations, problems } = knownOperations(root);
  const report = await checkContract({ surfaces, operations, changelog });
  report.problems.unshift(...problems);
  report.ok &&= problems.length === 0;
  log(
    formatReport(
      report,
      `the released schema ${released.version} (schema/released/), ${operations.length} known operations`,
    ),
  );
  return report.ok;
}

/**
 * Writes the released public schema (and the supergraph) of this version into `folder`, named by
 * the version; refuses, with the reason, when the schema in the repository is not the released one.
 */
export function publish(root: string, folder: string): string[] | string {
  const released = readReleased(root, PUBLIC_SURFACE);
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  const current = readFileSync(join(root, 'schema', 'api.graphql'), 'utf8');
  if (!released || released.version !== version || !released.sdl.endsWith(`\n${current}`)) {
    return `the schema of ${version} is not the released one: npm run schema:release -- <version> first`;
  }
  mkdirSync(folder, { recursive: true });
  const files = {
    [`carbon-federation-${version}.graphql`]: current,
    [`carbon-federation-${version}.supergraph.graphql`]: readFileSync(
      join(root, 'schema', 'supergraph.graphql'),
      'utf8',
    ),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, name), text);
  return Object.keys(files).map((name) => join(folder, name));
}

async function main(command: string | undefined, arg: string | undefined): Promise<number> {
  if (command === 'check') return (await check(ROOT, console.log)) ? 0 : 1;
  if (command === 'release' && arg) {
    // The first release has nothing to be checked against.
    if (readReleased(ROOT, PUBLIC_SURFACE) && !(await check(ROOT, console.log))) return 1;
    releaseSchemas(ROOT, arg, currentSdls(), new Date().toISOString().slice(0, 10));
    // The image's version (GET / answers it) is the schema's.
    execFileSync('npm', ['version', arg, '--no-git-tag-version', '--allow-same-version'], {
      cwd: ROOT,
      stdio: 'ignore',
    });
    console.log(`released the schema as ${arg}: schema/released/, ${CHANGELOG} and package.json; commit them`);
    return 0;
  }
  if (command === 'publish' && arg) {
    const written = publish(ROOT, resolve(arg));
    if (typeof written === 'string') console.error(written);
    else console.log(`wrote ${written.join(', ')}`);
    return typeof written === 'string' ? 1 : 0;
  }
  console.error('usage: node scripts/schema.ts check | release <version> | publish <folder>');
  return 2;
}

if (import.meta.main) process.exit(await main(process.argv[2], process.argv[3]));
