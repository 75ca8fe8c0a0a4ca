// Live updates of the registry: `creditRequestUpdated`. A credit request filed or reviewed, and a
// membership revoked, publish on CREDIT_REQUESTS_TOPIC where they happen; each stream checks its
// caller's membership again (fresh context) and reads the request with the caller's access.
// Upstream mode: requests filed or reviewed at the ICR itself are seen by watching the
// organization's newest requests while someone follows them (lib/upstream-watch.ts), which
// publishes the same message for each request that is new or changed state.
import { pageArgs } from '../../../lib/connection.ts';
import { isAdmin, requireViewer } from '../../../lib/auth.ts';
import { forbidden } from '../../../lib/errors.ts';
import { followTopics, subscriptionField, topicEvents } from '../../../lib/subscriptions.ts';
import { heldWhileListening } from '../../../lib/upstream-watch.ts';
import type { SubscriptionResolvers } from '../__generated__/resolvers-types.ts';
import type { Context } from '../context.ts';
import type { CreditRequestRecord } from '../source.ts';

export const CREDIT_REQUESTS_TOPIC = 'registry.credit-requests';

/** Members of the organization and admins follow its requests (the CreditRequest rule's audiences). */
async function mayFollow(ctx: Context, organizationId: string): Promise<boolean> {
  return isAdmin(ctx.auth.viewer) || ctx.auth.service || (await ctx.memberOf(organizationId));
}

const refused = (organizationId: string) =>
  forbidden(`Only members of organization ${organizationId} follow its credit requests`);

/** Requests the watch reads per organization: the newest page of the ICR's list (its largest). */
export const WATCHED_REQUESTS = 100;

/**
 * Upstream mode: the organization's newest credit requests, watched at the ICR while the stream
 * is open (read with the subscriber's context: the registry's own ICR credentials, after the
 * subscriber's membership was checked; members and admins see the same list). A request that
 * appears or changes state publishes the message a request filed or reviewed here publishes.
 */
async function watchUpstream(ctx: Context, organizationId: string): Promise<(() => void) | null> {
  if (!ctx.upstreamWatch) return null;
  return ctx.upstreamWatch.watch(CREDIT_REQUESTS_TOPIC, organizationId, {
    read: async () => {
      const page = await ctx.renew().source.creditRequests(organizationId, pageArgs({ first: WATCHED_REQUESTS }));
      return Object.fromEntries(page.nodes.map((r) => [r.id, [r.state, r.updatedAt.toISOString()]]));
    },
    message: (requestId) => ({ organizationId, requestId }),
  });
}

/** Events a stream remembers, so a request is not sent twice in the same state (heard from two places). */
const REMEMBERED = 1_000;

function updates(ctx: Context, organizationId: string) {
  const watched = heldWhileListening(topicEvents(ctx.live, [CREDIT_REQUESTS_TOPIC]));
  return followTopics(
    watched.changes,
    async () => {
      if (!(await mayFollow(ctx.renew(), organizationId))) throw refused(organizationId);
      const release = await watchUpstream(ctx, organizationId);
      if (release) watched.hold(release);
    },
    async function* (_first, changes) {
      const sent = new Map<string, string>();
      for await (const change of changes) {
        if (change.organizationId !== organizationId) continue;
        const fresh = ctx.renew();
        // Access revoked since the start: the stream ends.
        if (!(await mayFollow(fresh, organizationId))) throw refused(organizationId);
        if (typeof change.requestId !== 'string') continue;
        const creditRequest: CreditRequestRecord | null = await fresh.source.creditRequest(
          organizationId,
          change.requestId,
        );
        if (!creditRequest) continue;
        // A request filed through the layer upstream is published by the layer, then seen by the watch.
        const state = `${creditRequest.state}\n${creditRequest.updatedAt.toISOString()}`;
        if (sent.get(creditRequest.id) === state) continue;
        sent.delete(creditRequest.id);
        sent.set(creditRequest.id, state);
        if (sent.size > REMEMBERED) sent.delete(sent.keys().next().value!);
        yield { creditRequest };
      }
    },
  );
}

export const registrySubscriptions: SubscriptionResolvers<Context> = {
  creditRequestUpdated: subscriptionField((args: { organizationId: string }, ctx: Context) => {
    requireViewer(ctx);
    return updates(ctx, args.organizationId);
  }) as unknown as SubscriptionResolvers<Context>['creditRequestUpdated'],
};
