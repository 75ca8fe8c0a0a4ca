import { requireViewer } from '../../../lib/auth.ts';
import { pageArgs, wantsTotalCount } from '../../../lib/connection.ts';
import { DomainError, unauthenticated } from '../../../lib/errors.ts';
import { commonResolvers } from '../../../lib/scalars.ts';
import { isEmail } from '../../../lib/rules.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import type { Context } from '../context.ts';
import { adminMutation, adminQuery } from './admin.ts';
import { BundleOrder, ImpactPartner, MarketplaceOption, ProductOrder, Trader, catalogueQuery } from './catalogue.ts';
import { ordersMutation, userPurchases } from './orders.ts';
import { offsetOrderMutations, offsetOrderQueries, offsetOrderTypes } from '../offsets/resolvers.ts';
import { offsetOrderSubscriptions } from '../offsets/live.ts';

const tonnes = (amount: { toString(): string }) => ({ amount: amount.toString(), unit: 'T' as const });

export const resolvers: Resolvers<Context> = {
  ...commonResolvers,
  ...offsetOrderTypes,

  Query: {
    ...catalogueQuery,
    ...adminQuery,
    ...offsetOrderQueries,
    me: (_root, _args, ctx) => ctx.loaders.user.load(requireViewer(ctx).id),
    products: (_root, args, ctx, info) =>
      ctx.source.products({
        page: pageArgs(args),
        filter: args.filter ?? {},
        order: args.order ?? 'DESC',
        totalCount: wantsTotalCount(info),
      }),
    product: (_root, { id }, ctx) => ctx.loaders.product.load(id),
    orders: (_root, args, ctx, info) =>
      ctx.source.orders({
        page: pageArgs(args),
        filter: args.filter ?? {},
        order: args.order ?? 'DESC',
        totalCount: wantsTotalCount(info),
      }),
    order: (_root, { id }, ctx) => ctx.loaders.order.load(id),
    nft: (_root, { id }, ctx) => ctx.loaders.nft.load(id),
  },

  Mutation: {
    ...ordersMutation,
    ...adminMutation,
    ...offsetOrderMutations,
    authenticate: async (_root, { input }, ctx) => {
      if (!ctx.backendKeyValid) throw unauthenticated('A valid X-Backend-Secret-Key header is required');
      const email = input.email.trim().toLowerCase();
      if (!isEmail(email)) {
        return {
          accessToken: null,
          tokenType: null,
          expiresAt: null,
          user: null,
          userErrors: [new DomainError('INVALID', 'Enter a valid email address', 'input.email').toUserError()],
        };
      }
      const { user, upstreamToken } = await ctx.source.authenticate({ email, name: input.name });
      const { token, expiresAt } = await ctx.issueToken({ ...user, upstreamToken });
      // The rest of this answer is for the user just signed in: their own record passes the User rule.
      ctx.auth = await ctx.signedIn(token);
      return { accessToken: token, tokenType: 'Bearer', expiresAt, user, userErrors: [] };
    },
  },

  Subscription: offsetOrderSubscriptions,

  User: {
    __resolveReference: (ref, ctx) => ctx.loaders.user.load(ref.id),
    orders: (user, args, ctx, info) =>
      ctx.source.orders({
        page: pageArgs(args),
        filter: { buyerId: user.id },
        order: 'DESC',
        totalCount: wantsTotalCount(info),
      }),
    ...userPurchases,
  },

  Trader,
  ImpactPartner,
  MarketplaceOption,
  BundleOrder,
  ProductOrder,

  Product: {
    __resolveReference: (ref, ctx) => ctx.loaders.product.load(ref.id),
    supplier: async (p, _args, ctx) => (await ctx.loaders.supplier.load(p.supplierId))!,
  },

  Supplier: {
    __resolveReference: (ref, ctx) => ctx.loaders.supplier.load(ref.id),
  },

  Order: {
    __resolveReference: (ref, ctx) => ctx.loaders.order.load(ref.id),
    product: async (o, _args, ctx) => (await ctx.loaders.product.load(o.productId))!,
    supplier: async (o, _args, ctx) => (await ctx.loaders.supplier.load(o.supplierId))!,
    buyer: (o, _args, ctx) => ctx.loaders.user.load(o.buyerId),
    bundleOrder: (o, _args, ctx) => (o.bundleOrderId ? ctx.loaders.bundleOrder.load(o.bundleOrderId) : null),
    quantity: (o) => tonnes(o.quantity),
  },

  Nft: {
    __resolveReference: (ref, ctx) => ctx.loaders.nft.load(ref.id),
    supplier: (n, _args, ctx) => (n.supplierId ? ctx.loaders.supplier.load(n.supplierId) : null),
    quantity: (n) => tonnes(n.quantity),
  },
};
