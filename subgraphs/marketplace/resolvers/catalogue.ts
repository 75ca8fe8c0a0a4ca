// Catalogue and listings: products, suppliers, traders, impact partners, NFTs, bundle orders and
// the products inside them. Public records for everyone; non-public ones for their owner or an admin.
import { pageArgs, type ConnectionArgs } from '../../../lib/connection.ts';
import type {
  BundleOrderResolvers,
  ImpactPartnerResolvers,
  MarketplaceOptionResolvers,
  ProductOrderResolvers,
  QueryResolvers,
  TraderResolvers,
} from '../__generated__/resolvers-types.ts';
import type { Context } from '../context.ts';
import type { Listing, SortDirection } from '../source.ts';
import { visibleOrNull } from '../visibility.ts';

export const tonnes = (amount: { toString(): string }) => ({ amount: amount.toString(), unit: 'T' as const });

/** Relay arguments, a filter and a sort direction (newest first by default) as a source listing. */
export function listing<F>(args: ConnectionArgs & { order?: SortDirection | null }, filter: F): Listing<F> {
  return { page: pageArgs(args), filter, order: args.order ?? 'DESC' };
}

/** Records without an owner: public ones for everyone, all for an admin. */
const noOwner = () => null;

export const catalogueQuery: QueryResolvers<Context> = {
  productOptions: (_root, args, ctx) => ctx.source.productOptions(listing(args, { productType: args.productType })),
  suppliers: (_root, args, ctx) => ctx.source.suppliers(listing(args, args.filter ?? {})),
  supplier: async (_root, { id }, ctx) => visibleOrNull(ctx.auth.viewer, await ctx.loaders.supplier.load(id), noOwner),
  supplierOptions: (_root, args, ctx) => ctx.source.supplierOptions(listing(args, {})),
  traders: (_root, args, ctx) => ctx.source.traders(listing(args, args.filter ?? {})),
  trader: async (_root, { id }, ctx) => visibleOrNull(ctx.auth.viewer, await ctx.loaders.trader.load(id), noOwner),
  impactPartners: (_root, args, ctx) => ctx.source.impactPartners(listing(args, {})),
  impactPartner: async (_root, { id }, ctx) => visibleOrNull(ctx.auth.viewer, await ctx.loaders.impactPartner.load(id), noOwner),
  nfts: (_root, args, ctx) => ctx.source.nfts(listing(args, { availableOnly: args.filter?.availableOnly })),
  mintableNfts: (_root, args, ctx) => ctx.source.nfts(listing(args, { mintableOnly: true })),
  bundleOrders: (_root, args, ctx) => ctx.source.bundleOrders(listing(args, args.filter ?? {})),
  bundleOrder: async (_root, { id }, ctx) => visibleOrNull(ctx.auth.viewer, await ctx.loaders.bundleOrder.load(id), noOwner),
  productOrders: (_root, args, ctx) => ctx.source.productOrders(listing(args, args.filter ?? {})),
  productOrder: async (_root, { id }, ctx) => {
    const line = await ctx.loaders.productOrder.load(id);
    // Visible when its bundle order is.
    return line && visibleOrNull(ctx.auth.viewer, await ctx.loaders.bundleOrder.load(line.bundleOrderId), noOwner) ? line : null;
  },
};

export const Trader: TraderResolvers<Context> = {
  supplier: (t, _args, ctx) => (t.supplierId ? ctx.loaders.supplier.load(t.supplierId) : null),
};

export const ImpactPartner: ImpactPartnerResolvers<Context> = {};

export const MarketplaceOption: MarketplaceOptionResolvers<Context> = {};

export const BundleOrder: BundleOrderResolvers<Context> = {
  product: async (b, _args, ctx) => (await ctx.loaders.product.load(b.productId))!,
  supplier: async (b, _args, ctx) => (await ctx.loaders.supplier.load(b.supplierId))!,
  quantity: (b) => tonnes(b.quantity),
  isAvailable: (b) => b.availableQuantity.gt(0),
  productOrders: async (b, _args, ctx) => (await ctx.loaders.productOrdersOfBundle.load(b.id)) ?? [],
};

export const ProductOrder: ProductOrderResolvers<Context> = {
  bundleOrder: async (p, _args, ctx) => visibleOrNull(ctx.auth.viewer, await ctx.loaders.bundleOrder.load(p.bundleOrderId), noOwner),
  product: async (p, _args, ctx) => visibleOrNull(ctx.auth.viewer, await ctx.loaders.product.load(p.productId), (r) => r.ownerId),
  quantity: (p) => tonnes(p.quantity),
};
