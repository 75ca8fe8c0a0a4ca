import { loader } from '../../lib/batch.ts';
import type { MarketplaceSource, ProductOrderRecord } from './source.ts';

/** Per-request DataLoaders: every entity reference and by-id lookup goes through one batch. */
export function createLoaders(source: MarketplaceSource) {
  return {
    user: loader((ids: readonly string[]) => source.usersByIds(ids)),
    product: loader((ids: readonly string[]) => source.productsByIds(ids)),
    supplier: loader((ids: readonly string[]) => source.suppliersByIds(ids)),
    order: loader((ids: readonly string[]) => source.ordersByIds(ids)),
    nft: loader((ids: readonly string[]) => source.nftsByIds(ids)),
    trader: loader((ids: readonly string[]) => source.tradersByIds(ids)),
    impactPartner: loader((ids: readonly string[]) => source.impactPartnersByIds(ids)),
    bundleOrder: loader((ids: readonly string[]) => source.bundleOrdersByIds(ids)),
    productOrder: loader((ids: readonly string[]) => source.productOrdersByIds(ids)),
    productOrdersOfBundle: loader<string, ProductOrderRecord[]>((ids) => source.productOrdersByBundleIds(ids)),
  };
}

export type MarketplaceLoaders = ReturnType<typeof createLoaders>;
