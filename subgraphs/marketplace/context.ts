import type { CallerScope } from '../../lib/access.ts';
import type { AuthState, Role } from '../../lib/auth.ts';
import type { RequestContext } from '../../lib/subgraph.ts';
import type { MarketplaceLoaders } from './loaders.ts';
import type { OffsetOrderContext } from './offsets/module.ts';
import type { MarketplaceSource } from './source.ts';
import type { PubSub } from '../../lib/pubsub.ts';
import type { UpstreamWatcher } from '../../lib/upstream-watch.ts';

/** What marketplace resolvers receive: the request, its source (local or upstream) and loaders. */
export interface Context extends RequestContext, OffsetOrderContext {
  source: MarketplaceSource;
  /** The caller's scope per type of policy.ts (what the sources were given too). */
  access: CallerScope;
  loaders: MarketplaceLoaders;
  /** Signs an access token for a user (the secret stays in the server). */
  issueToken(user: {
    id: string;
    email: string;
    name: string | null;
    role: Role;
    upstreamToken?: string;
  }): Promise<{ token: string; expiresAt: Date }>;
  /** The caller a token just issued names (the rest of `authenticate`'s answer is theirs). */
  signedIn(token: string): Promise<AuthState>;
  /** True when the request carries the configured X-Backend-Secret-Key. */
  backendKeyValid: boolean;
  /** Where changes are published and subscriptions listen (lib/pubsub.ts). */
  live: PubSub;
  /** Upstream mode: watches what subscribers follow at the upstream (lib/upstream-watch.ts); null in local mode. */
  upstreamWatch: UpstreamWatcher | null;
  /** A new context for the same request (fresh loaders): a subscription reads changed records again. */
  renew(): Context;
}
