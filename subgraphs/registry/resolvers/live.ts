// Live updates of the registry: `creditRequestUpdated`. A credit request filed or reviewed, and a
// membership revoked, publish on CREDIT_REQUESTS_TOPIC where they happen; each stream checks its
// caller's membership again (fresh context) and reads the request with the caller's access.
import { isAdmin, requireViewer } from '../../../lib/auth.ts';
import { forbidden } from '../../../lib/errors.ts';
import { followTopics, subscriptionField, topicEvents } from '../../../lib/subscriptions.ts';
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

function updates(ctx: Context, organizationId: string) {
  return followTopics(
    topicEvents(ctx.live, [CREDIT_REQUESTS_TOPIC]),
    async () => {
      if (!(await mayFollow(ctx.renew(), organizationId))) throw refused(organizationId);
    },
    async function* (_first, changes) {
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
        if (creditRequest) yield { creditRequest };
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
