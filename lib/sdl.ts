// The subgraphs' SDLs as served and composed, read from their folders: what the gateway's
// composition and the subgraph servers share, without loading any server code.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, type DocumentNode } from 'graphql';
import { SUBGRAPHS, type SubgraphName } from './config.ts';
import { NODE_OWNER, entityCatalogue, nodeSdl, type EntityCatalogue } from './global-id.ts';
import { ROOT } from './paths.ts';
import { applyStringLimits, type StringLimits } from './string-limits.ts';

/** A subgraph's own schema.graphql, as written. */
export const ownSdl = (name: SubgraphName) => readFileSync(join(ROOT, 'subgraphs', name, 'schema.graphql'), 'utf8');

let catalogue: EntityCatalogue | undefined;
/** Every entity type of the supergraph, read from the subgraph SDLs. */
export function entities(): EntityCatalogue {
  catalogue ??= entityCatalogue(
    SUBGRAPHS.filter((n) => existsSync(join(ROOT, 'subgraphs', n, 'schema.graphql'))).map((n) => [n, parse(ownSdl(n))]),
  );
  return catalogue;
}

/**
 * The SDL of a subgraph: its own schema.graphql plus the shared value types, and for the owner of
 * `Node` the interface, `node`/`nodes` and every entity type as its implementation.
 */
export function subgraphSdl(name: SubgraphName): string {
  const own = ownSdl(name);
  const common = readFileSync(join(ROOT, 'schema', 'common.graphql'), 'utf8');
  const node = name === NODE_OWNER ? `\n${nodeSdl(parse(own), entities())}` : '';
  return `${own}\n${common}${node}`;
}

const limited = new Map<SubgraphName, ReturnType<typeof applyStringLimits>>();
const withLimits = (name: SubgraphName) => {
  let found = limited.get(name);
  if (!found) limited.set(name, (found = applyStringLimits(parse(subgraphSdl(name)))));
  return found;
};

/** The subgraph's SDL as served and composed: every string input's description states its length limit. */
export function subgraphTypeDefs(name: SubgraphName): DocumentNode {
  return withLimits(name).document;
}

/** The length limit of every string input of a subgraph, by schema coordinate (declared in its SDL). */
export function subgraphStringLimits(name: SubgraphName): StringLimits {
  return withLimits(name).limits;
}
