import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices, compositionHasErrors } from '@theguild/federation-composition';
import { print } from 'graphql';
import { SUBGRAPHS, type SubgraphName } from '../lib/config.ts';
import { ROOT, subgraphTypeDefs } from '../lib/subgraph.ts';

/** The URL written into the supergraph; the gateway overrides it from config at run time. */
export const defaultSubgraphUrl = (_name: SubgraphName, i: number) => `http://127.0.0.1:${4001 + i}/graphql`;

export interface Composed {
  supergraphSdl: string;
  publicSdl: string;
}

/** Build-time composition of the four subgraphs; throws with every composition error. */
export function composeSupergraph(): Composed {
  const present = SUBGRAPHS.filter((name) => existsSync(join(ROOT, 'subgraphs', name, 'schema.graphql')));
  const result = composeServices(
    present.map((name) => ({ name, typeDefs: subgraphTypeDefs(name), url: defaultSubgraphUrl(name, SUBGRAPHS.indexOf(name)) })),
  );
  if (compositionHasErrors(result)) {
    throw new Error(`Composition failed:\n${result.errors.map((e) => `  ${e.message}`).join('\n')}`);
  }
  return { supergraphSdl: `${result.supergraphSdl.trim()}\n`, publicSdl: `${print(result.publicDocumentNode).trim()}\n` };
}
