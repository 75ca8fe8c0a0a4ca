// The subgraphs of the stack, in their order: the one list the start script, the composition,
// codegen, the scripts and the tests read. Manifests only (no server code), so it is cheap to
// import. The gateway does not import it: it takes the subgraphs from the composed supergraph.
import { z } from 'zod';
import {
  ENV_VARIABLES,
  loadConfig,
  subgraphVariables,
  variablesOf,
  type Config,
  type SubgraphManifest,
  type UpstreamManifest,
} from '../lib/config.ts';
import { SubgraphSchemas } from '../lib/sdl.ts';
import { footprints } from './footprints/manifest.ts';
import { marketplace } from './marketplace/manifest.ts';
import { payments } from './payments/manifest.ts';
import { registry } from './registry/manifest.ts';

export const MANIFESTS = [marketplace, payments, registry, footprints] as const;

export type SubgraphName = (typeof MANIFESTS)[number]['name'];

/** The subgraphs' names, in order. */
export const SUBGRAPHS: readonly SubgraphName[] = MANIFESTS.map((m) => m.name);

export function manifestOf(name: string): SubgraphManifest {
  const found = MANIFESTS.find((m) => m.name === name);
  if (!found) throw new Error(`no subgraph named "${name}" (subgraphs/index.ts lists ${SUBGRAPHS.join(', ')})`);
  return found;
}

/** The SDLs of every subgraph, as composed and served. */
export const schemas = new SubgraphSchemas(MANIFESTS);

/** The upstream APIs the subgraphs call, each once. */
export const UPSTREAMS: readonly UpstreamManifest[] = [
  ...new Map(MANIFESTS.flatMap((m): readonly UpstreamManifest[] => m.upstreams).map((u) => [u.name, u])).values(),
];

type Union<T> = (T extends unknown ? (x: T) => void : never) extends (x: infer I) => void ? I : never;

/** Every variable of the stack: the shared ones and every subgraph's. */
export type StackConfig = Config & Union<z.output<(typeof MANIFESTS)[number]['variables']>>;

/** The configuration of the whole stack (every subgraph's slice): for the start script, scripts and tests. */
export function loadStackConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const own = MANIFESTS.map((m) => m.variables.shape).reduce((all, shape) => all.extend(shape), z.object({}));
  return loadConfig(env, MANIFESTS, own) as unknown as StackConfig;
}

/** Names of every environment variable the processes read: shared, per subgraph and per upstream. */
export const ALL_VARIABLES = [
  ...new Set([
    ...ENV_VARIABLES,
    ...MANIFESTS.flatMap((m) => [...variablesOf(subgraphVariables(m)), ...variablesOf(m.variables)]),
  ]),
];
