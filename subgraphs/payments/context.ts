import type { RequestContext } from '../../lib/subgraph.ts';
import type { PaymentsLoaders } from './loaders.ts';
import type { PaymentsSource } from './source.ts';
import type { PubSub } from '../../lib/pubsub.ts';
import type { UpstreamWatcher } from '../../lib/upstream-watch.ts';

/** What payments resolvers receive: the request, its source (local or upstream) and loaders. */
export interface Context extends RequestContext {
  source: PaymentsSource;
  loaders: PaymentsLoaders;
  /** Where changes are published and subscriptions listen (lib/pubsub.ts). */
  live: PubSub;
  /** Upstream mode: watches what subscribers follow at the upstream (lib/upstream-watch.ts); null in local mode. */
  upstreamWatch: UpstreamWatcher | null;
  /** A new context for the same request (fresh loaders): a subscription reads changed records again. */
  renew(): Context;
}
