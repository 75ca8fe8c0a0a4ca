// Offset orders: arguments -> offset source (through per-request loaders) -> GraphQL shape.
import { GraphQLError } from 'graphql';
import { isAdmin, requireViewer } from '../../../lib/auth.ts';
import { pageArgs, wantsTotalCount } from '../../../lib/connection.ts';
import { DomainError, ErrorCode, apiError, forbidden, mutationPayload } from '../../../lib/errors.ts';
import { upstreamToGraphQLError } from '../../../lib/http-client.ts';
import { reportPartialFailure } from '../../../lib/partial-errors.ts';
import type { MutationResolvers, QueryResolvers, Resolvers } from '../__generated__/resolvers-types.ts';
import type { Context } from '../context.ts';
import {
  DEFAULT_OFFSET_CURRENCY,
  estimateRequest,
  checkedIdempotencyKey,
  massRequest,
  valueRequest,
  yearlyEmissionGrams,
} from './allocation.ts';
import { offsetProductFields, offsetProductMutations, offsetProductOrderFields } from './flow/resolvers.ts';

const tonnes = (amount: { toString(): string }) => ({ amount: amount.toString(), unit: 'T' as const });

/** The source's currency when the buyer names none (Lune: the account's currency). */
const currencyOf = (ctx: Context, currency: string | null | undefined) =>
  currency ?? ctx.offsets.defaultCurrency ?? DEFAULT_OFFSET_CURRENCY;

export const offsetOrderQueries: QueryResolvers<Context> = {
  offsetQuoteByMass: (_root, { input }, ctx) =>
    mutationPayload('quote', () =>
      ctx.offsets.quote(massRequest({ ...input, currency: currencyOf(ctx, input.currency) })),
    ),
  offsetQuoteByValue: (_root, { input }, ctx) => mutationPayload('quote', () => ctx.offsets.quote(valueRequest(input))),
  offsetOrders: (_root, args, ctx, info) => {
    requireViewer(ctx);
    // An order the upstream could not read is left out, with a coded error naming it beside the list.
    return ctx.offsets.offsetOrders(
      { ...pageArgs(args), totalCount: wantsTotalCount(info) },
      ctx.access.of('OffsetOrder'),
      ({ orderId, error }) => {
        const known = error instanceof GraphQLError ? error : upstreamToGraphQLError(error);
        reportPartialFailure(ctx, info.path, {
          code: (known?.extensions.code as ErrorCode | undefined) ?? ErrorCode.UPSTREAM_UNAVAILABLE,
          message: `Lune order ${orderId} is missing from this list: the offset-orders service did not answer for it`,
          extensions: { upstream: 'lune', upstreamOrderId: orderId },
        });
      },
    );
  },
  offsetOrder: (_root, { id }, ctx) => ctx.offsetLoaders.offsetOrder.load(id),
  offsetOrderByIdempotencyKey: async (_root, { idempotencyKey, ownerId }, ctx) => {
    const viewer = requireViewer(ctx);
    const owner = ownerId ?? viewer.id;
    if (owner !== viewer.id && !isAdmin(viewer))
      throw forbidden("Only an admin may look up another buyer's offset orders");
    return ctx.offsets.offsetOrderByIdempotencyKey(owner, idempotencyKey);
  },
};

export const offsetOrderMutations: MutationResolvers<Context> = {
  createOffsetOrderByMass: (_root, { input }, ctx) =>
    mutationPayload('offsetOrder', () =>
      ctx.offsets.placeOrder(
        massRequest({ ...input, currency: currencyOf(ctx, input.currency) }),
        checkedIdempotencyKey(input.idempotencyKey),
      ),
    ),
  createOffsetOrderByValue: (_root, { input }, ctx) =>
    mutationPayload('offsetOrder', () =>
      ctx.offsets.placeOrder(valueRequest(input), checkedIdempotencyKey(input.idempotencyKey)),
    ),
  createOffsetOrderByEstimate: (_root, { input }, ctx) =>
    mutationPayload('offsetOrder', () =>
      ctx.offsets.placeOrder(
        estimateRequest({ ...input, currency: currencyOf(ctx, input.currency) }),
        checkedIdempotencyKey(input.idempotencyKey),
      ),
    ),
  ...offsetProductMutations,
};

const grams = (amount: bigint) => ({ amount: amount.toString(), unit: 'G' as const });

export const offsetOrderTypes: Pick<
  Resolvers<Context>,
  | 'OffsetOrder'
  | 'OffsetQuote'
  | 'OffsetAllocation'
  | 'OffsetPoolRetirement'
  | 'OffsetRetirementShare'
  | 'ResoldProduct'
> = {
  OffsetOrder: {
    __resolveReference: (ref, ctx) => ctx.offsetLoaders.offsetOrder.load(ref.id),
    mass: (o) => (o.mass === null ? null : tonnes(o.mass)),
    buyer: (o, _args, ctx) => (o.ownerId ? ctx.loaders.user.load(o.ownerId) : null),
    certificate: (o, _args, ctx) => {
      if (o.status !== 'COMPLETE')
        throw apiError(
          ErrorCode.NOT_FOUND,
          `Offset order ${o.id} has no certificate: it is ${o.status.toLowerCase()}, not complete`,
        );
      return ctx.offsetCertificateLink(o.id);
    },
    retirementStatus: async (o, _args, ctx) => (await ctx.offsetLoaders.retirementState.load(o.id))?.status ?? null,
    retirementBlockedReason: async (o, _args, ctx) =>
      (await ctx.offsetLoaders.retirementState.load(o.id))?.blockedReason ?? null,
    retirementShares: async (o, _args, ctx) => (await ctx.offsetLoaders.retirementState.load(o.id))?.shares ?? [],
    ...offsetProductOrderFields,
  },
  OffsetPoolRetirement: {
    __resolveReference: (ref, ctx) => ctx.offsetLoaders.poolRetirement.load(ref.id),
    mass: (r) => ({ amount: r.tonnes.toString(), unit: 'T' as const }),
  },
  OffsetRetirementShare: {
    mass: (s) => grams(s.grams),
  },
  OffsetQuote: {
    mass: (q) => tonnes(q.mass),
  },
  OffsetAllocation: {
    mass: (a) => tonnes(a.mass),
  },
  ResoldProduct: {
    ...offsetProductFields,
    offsetQuote: async (product, { year }, ctx) => {
      const grams = yearlyEmissionGrams(product, year);
      if (grams === null || grams <= 0n) return null;
      try {
        return await ctx.offsetLoaders.massQuote.load({ kind: 'MASS', grams, currency: currencyOf(ctx, null) });
      } catch (error) {
        // No payload on this field: a refused quote is a coded error (e.g. not enough inventory).
        if (error instanceof DomainError)
          throw apiError(error.code === 'INVALID' ? ErrorCode.BAD_USER_INPUT : ErrorCode.CONFLICT, error.message, {
            reason: error.code,
          });
        throw error;
      }
    },
  },
};
