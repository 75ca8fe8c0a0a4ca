import { GraphQLError } from 'graphql';
import { requireService } from '../../../lib/auth.ts';
import { pageArgs, wantsTotalCount } from '../../../lib/connection.ts';
import { dec, type Decimal } from '../../../lib/decimal.ts';
import { ErrorCode, mutationPayload } from '../../../lib/errors.ts';
import { upstreamToGraphQLError } from '../../../lib/http-client.ts';
import { reportPartialFailure } from '../../../lib/partial-errors.ts';
import { commonResolvers } from '../../../lib/scalars.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import type { Context } from '../context.ts';
import { validateCreditAction, validateOffsetRetirement } from '../rules.ts';
import { CREDIT_REQUESTS_TOPIC, registrySubscriptions } from './live.ts';

/** A failed organization of a list as a coded error naming it (never the upstream's text). */
function partFailureOf(organizationId: string, error: unknown) {
  const known = error instanceof GraphQLError ? error : upstreamToGraphQLError(error);
  const code = (known?.extensions.code as ErrorCode | undefined) ?? ErrorCode.UPSTREAM_UNAVAILABLE;
  const why = code === ErrorCode.NOT_FOUND ? 'the ICR does not know it' : 'the ICR did not answer for it';
  return {
    code,
    message: `Retirements of organization ${organizationId} are missing from this list: ${why}`,
    extensions: { upstream: 'icr', organizationId },
  };
}

const tonnes = (amount: Decimal) => ({ amount: amount.toString(), unit: 'T' as const });

/** A credit request filed or reviewed, published for live updates (resolvers/live.ts): ids only. */
async function published<P extends { creditRequest: { id: string; fromOrganizationId: string } | null }>(
  ctx: Context,
  payload: Promise<P>,
): Promise<P> {
  const answer = await payload;
  if (answer.creditRequest)
    ctx.live.publish(CREDIT_REQUESTS_TOPIC, {
      organizationId: answer.creditRequest.fromOrganizationId,
      requestId: answer.creditRequest.id,
    });
  return answer;
}

export const resolvers: Resolvers<Context> = {
  ...commonResolvers,

  Query: {
    organization: (_root, { id }, ctx) => ctx.source.organization(id),
    puroInventory: (_root, args, ctx, info) =>
      ctx.source.puroInventory(
        args.filter ?? {},
        { field: args.orderBy?.field ?? 'VINTAGE', direction: args.orderBy?.direction ?? 'ASC' },
        pageArgs(args),
        wantsTotalCount(info),
      ),
    retirements: (_root, args, ctx, info) =>
      ctx.source.retirements(args.filter ?? {}, pageArgs(args), ({ organizationId, error }) =>
        reportPartialFailure(ctx, info.path, partFailureOf(organizationId, error)),
      ),
    creditTypes: (_root, args, ctx) => ctx.source.creditTypes(pageArgs(args)),
    organizationMembers: (_root, { organizationId }, ctx) => ctx.source.organizationMembers(organizationId),
  },

  Mutation: {
    transactCredits: (_root, { input }, ctx) =>
      published(
        ctx,
        mutationPayload('creditRequest', () => ctx.source.transactCredits(validateCreditAction(input))),
      ),
    requestCreditAction: (_root, { input }, ctx) =>
      published(
        ctx,
        mutationPayload('creditRequest', () => ctx.source.requestCreditAction(validateCreditAction(input))),
      ),
    reviewCreditRequest: (_root, { input }, ctx) =>
      published(
        ctx,
        mutationPayload('creditRequest', () =>
          ctx.source.reviewCreditRequest(input.organizationId, input.requestId, input.state),
        ),
      ),
    retireCreditsForOffsetOrder: (_root, { input }, ctx) => {
      requireService(ctx);
      return mutationPayload('retirements', () =>
        ctx.source.retireCreditsForOffsetOrder(validateOffsetRetirement(input)),
      );
    },
    grantOrganizationAccess: (_root, { input }, ctx) =>
      mutationPayload('member', () => ctx.source.grantOrganizationAccess(input.organizationId, input.userId)),
    revokeOrganizationAccess: async (_root, { input }, ctx) => {
      const payload = await mutationPayload('member', () =>
        ctx.source.revokeOrganizationAccess(input.organizationId, input.userId),
      );
      // Live updates: the organization's streams check their members again.
      if (payload.userErrors.length === 0)
        ctx.live.publish(CREDIT_REQUESTS_TOPIC, { organizationId: input.organizationId });
      return payload;
    },
  },

  Organization: {
    __resolveReference: (ref, ctx) => ctx.source.organization(ref.id),
    inventory: (org, args, ctx) => ctx.source.inventory(org.id, args.development ?? false, pageArgs(args)),
    creditRequests: (org, args, ctx) => ctx.source.creditRequests(org.id, pageArgs(args)),
    creditRequest: (org, { id }, ctx) => ctx.source.creditRequest(org.id, id),
  },

  Subscription: registrySubscriptions,

  Project: {
    __resolveReference: (ref, ctx) => ctx.loaders.project.load(ref.id),
  },

  CarbonCredit: {
    supply: (c) => (c.supply ? tonnes(c.supply) : null),
    amount: (c) => tonnes(c.amount),
    creditType: (c, _args, ctx) => (c.creditTypeCode ? ctx.loaders.creditType.load(c.creditTypeCode) : null),
  },

  CreditHolding: {
    id: (h) => `${h.organizationId}:${h.id}`,
    creditId: (h) => h.id,
    organization: (h, _args, ctx) => ctx.source.organization(h.organizationId),
    credit: (h, _args, ctx) =>
      h.tokenAddress && h.tokenId
        ? ctx.loaders.creditByToken.load({ tokenAddress: h.tokenAddress, tokenId: h.tokenId })
        : null,
    amount: (h) => tonnes(h.amount),
  },

  CreditType: {
    id: (t) => t.code,
  },

  SerialRange: {
    start: (r) => r.start.toString(),
    end: (r) => r.end.toString(),
    quantity: (r) => dec((r.end - r.start + 1n).toString()),
  },

  Retirement: {
    amount: (r) => tonnes(r.amount),
  },

  CreditRequest: {
    amount: (r) => tonnes(r.amount),
  },

  Nft: {
    credit: (nft, _args, ctx) =>
      ctx.loaders.creditByToken.load({ tokenAddress: nft.tokenAddress, tokenId: nft.tokenId }),
  },

  OffsetOrder: {
    retirements: async (order, _args, ctx) => (await ctx.loaders.retirementsByOffsetOrder.load(order.id)) ?? [],
  },

  // A pooled retirement is recorded under its own id where an order's id would be.
  OffsetPoolRetirement: {
    retirements: async (pool, _args, ctx) => (await ctx.loaders.retirementsByOffsetOrder.load(pool.id)) ?? [],
  },
};
