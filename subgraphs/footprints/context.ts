import type { RequestContext } from '../../lib/subgraph.ts';
import type { FootprintsLoaders } from './loaders.ts';
import type { FootprintsSource } from './source.ts';

/** What footprints resolvers receive: the request, its source (local or upstream) and loaders. */
export interface Context extends RequestContext {
  source: FootprintsSource;
  loaders: FootprintsLoaders;
}
