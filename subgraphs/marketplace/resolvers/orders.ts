// Purchases: orders of products and of bundle orders, their reconciliation with on-chain
// transactions, and the caller's own orders and NFTs.
import { requireViewer } from '../../../lib/auth.ts';
import { DomainError, mutationPayload, notFound } from '../../../lib/errors.ts';
import type { MutationResolvers, QueryResolvers, UserResolvers } from '../__generated__/resolvers-types.ts';
import type { Context } from '../context.ts';
import { listing } from './catalogue.ts';
import { idempotencyKey, purchaseQuantity } from './validation.ts';

export const ordersQuery: QueryResolvers<Context> = {};

export const ordersMutation: MutationResolvers<Context> = {
  createOrder: (_root, { input }, ctx) =>
    mutationPayload('order', async () => {
      requireViewer(ctx);
      const quantity = purchaseQuantity(input.quantity);
      const orderHash = input.orderHash?.trim() || null;
      return ctx.source.createOrder({
        productId: input.productId,
        quantity,
        isPublic: input.isPublic ?? false,
        orderHash,
        idempotencyKey: idempotencyKey(input.idempotencyKey),
      });
    }),

  createBundleOrder: (_root, { input }, ctx) =>
    mutationPayload('order', async () => {
      requireViewer(ctx);
      const quantity = purchaseQuantity(input.quantity);
      return ctx.source.createBundleOrder({
        bundleOrderId: input.bundleOrderId,
        quantity,
        isPublic: input.isPublic ?? false,
        idempotencyKey: idempotencyKey(input.idempotencyKey),
      });
    }),

  syncOrder: async (_root, { input }, ctx) => {
    requireViewer(ctx);
    const hash = input.orderHash.trim();
    if (!hash)
      return {
        order: null,
        changed: false,
        userErrors: [new DomainError('REQUIRED', 'An order hash is required', 'input.orderHash').toUserError()],
      };
    const result = await ctx.source.syncOrder(hash);
    if (!result) throw notFound('Order with transaction hash', hash);
    return { order: result.order, changed: result.changed, userErrors: [] };
  },
};

export const userPurchases: UserResolvers<Context> = {
  // A user is seen only by the user and admins (policy.ts): these lists need no rule of their own.
  purchasedOrders: (user, args, ctx) => ctx.source.orders(listing(args, { buyerId: user.id, purchasedOnly: true })),
  nfts: (user, args, ctx) => ctx.source.nfts(listing(args, { ownerId: user.id, availableOnly: args.availableOnly })),
};
