import type { RequestContext } from '../../lib/subgraph.ts';
import type { RegistryLoaders } from './loaders.ts';
import type { RegistrySource } from './source.ts';
import type { PubSub } from '../../lib/pubsub.ts';
import type { UpstreamWatcher } from '../../lib/upstream-watch.ts';

/** What registry resolvers receive: the request, its source (local or upstream) and loaders. */
export interface Context extends RequestContext {
  source: RegistrySource;
  loaders: RegistryLoaders;
  /** Whether the caller is a member of an organization (the access rules' `member`). */
  memberOf(organizationId: string): Promise<boolean>;
  /** Where changes are published and subscriptions listen (lib/pubsub.ts). */
  live: PubSub;
  /** Upstream mode: watches what subscribers follow at the upstream (lib/upstream-watch.ts); null in local mode. */
  upstreamWatch: UpstreamWatcher | null;
  /** A new context for the same request (fresh loaders and memberships): a subscription reads again. */
  renew(): Context;
}
