// Catalogue and listings: products, suppliers, traders, impact partners, NFTs, bundle orders and
// the products inside them. Who sees which record is policy.ts's (applied to every field).
import { inScope } from '../../../lib/access.ts';
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

export const tonnes = (amount: { toString(): string }) => ({ amount: amount.toString(), unit: 'T' as const });

/** Relay arguments, a filter and a sort direction (newest first by default) as a source listing. */
export function listing<F>(args: ConnectionArgs & { order?: SortDirection | null }, filter: F): Listing<F> {
  return { page: pageArgs(args), filter, order: args.order ?? 'DESC' };
}

export const catalogueQuery: QueryResolvers<Context> = {
  productOptions: (_root, args, ctx) => ctx.source.productOptions(listing(args, { productType: args.productType })),
  suppliers: (_root, args, ctx) => ctx.source.suppliers(listing(args, args.filter ?? {})),
  supplier: (_root, { id }, ctx) => ctx.loaders.supplier.load(id),
  supplierOptions: (_root, args, ctx) => ctx.source.supplierOptions(listing(args, {})),
  traders: (_root, args, ctx) => ctx.source.traders(listing(args, args.filter ?? {})),
  trader: (_root, { id }, ctx) => ctx.loaders.trader.load(id),
  impactPartners: (_root, args, ctx) => ctx.source.impactPartners(listing(args, {})),
  impactPartner: (_root, { id }, ctx) => ctx.loaders.impactPartner.load(id),
  nfts: (_root, args, ctx) => ctx.source.nfts(listing(args, { availableOnly: args.filter?.availableOnly })),
  mintableNfts: (_root, args, ctx) => ctx.source.nfts(listing(args, { mintableOnly: true })),
  bundleOrders: (_root, args, ctx) => ctx.source.bundleOrders(listing(args, args.filter ?? {})),
  bundleOrder: (_root, { id }, ctx) => ctx.loaders.bundleOrder.load(id),
  productOrders: (_root, args, ctx) => ctx.source.productOrders(listing(args, args.filter ?? {})),
  productOrder: async (_root, { id }, ctx) => {
    const line = await ctx.loaders.productOrder.load(id);
    // A line of a bundle order is seen with its bundle order, under the bundle's rule.
    return line &&
      inScope(ctx.access.of('BundleOrder'), (await ctx.loaders.bundleOrder.load(line.bundleOrderId)) ?? {}, null)
      ? line
      : null;
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
  bundleOrder: (p, _args, ctx) => ctx.loaders.bundleOrder.load(p.bundleOrderId),
  product: (p, _args, ctx) => ctx.loaders.product.load(p.productId),
  quantity: (p) => tonnes(p.quantity),
};
