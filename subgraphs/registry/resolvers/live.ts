// Live updates of the registry: `creditRequestUpdated`. A credit request filed or reviewed, and a
// membership revoked, publish on CREDIT_REQUESTS_TOPIC where they happen; each stream checks its
// caller's membership again (fresh context) and reads the request with the caller's access.
import { requireViewer } from '../../../lib/auth.ts';
import { forbidden } from '../../../lib/errors.ts';
import { subscriptionField, topicEvents } from '../../../lib/subscriptions.ts';
import type { SubscriptionResolvers } from '../__generated__/resolvers-types.ts';
import type { Context } from '../context.ts';
import type { CreditRequestRecord } from '../source.ts';

export const CREDIT_REQUESTS_TOPIC = 'registry.credit-requests';

/** Members of the organization and admins follow its requests (the CreditRequest rule's audiences). */
async function mayFollow(ctx: Context, organizationId: string): Promise<boolean> {
  return ctx.auth.viewer?.role === 'ADMIN' || ctx.auth.service || (await ctx.memberOf(organizationId));
}

const refused = (organizationId: string) =>
  forbidden(`Only members of organization ${organizationId} follow its credit requests`);

async function updates(ctx: Context, organizationId: string) {
  const changes = topicEvents(ctx.live, [CREDIT_REQUESTS_TOPIC]);
  if (!(await mayFollow(ctx.renew(), organizationId))) {
    await changes.return?.();
    throw refused(organizationId);
  }
  const events = (async function* () {
    try {
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
    } finally {
      await changes.return?.();
    }
  })();
  const end = events.return.bind(events);
  return Object.assign(events, {
    return: async () => {
      await changes.return?.();
      return end(undefined);
    },
  });
}

export const registrySubscriptions: SubscriptionResolvers<Context> = {
  creditRequestUpdated: subscriptionField((args: { organizationId: string }, ctx: Context) => {
    requireViewer(ctx);
    return updates(ctx, args.organizationId);
  }) as unknown as SubscriptionResolvers<Context>['creditRequestUpdated'],
};
