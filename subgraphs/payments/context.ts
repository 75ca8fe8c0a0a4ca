import type { RequestContext } from '../../lib/subgraph.ts';
import type { PaymentsLoaders } from './loaders.ts';
import type { PaymentsSource } from './source.ts';

/** What payments resolvers receive: the request, its source (local or upstream) and loaders. */
export interface Context extends RequestContext {
  source: PaymentsSource;
  loaders: PaymentsLoaders;
}
