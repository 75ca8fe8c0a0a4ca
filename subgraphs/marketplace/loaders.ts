import { loader } from '../../lib/batch.ts';
import type { MarketplaceSource } from './source.ts';

/** Per-request DataLoaders: every entity reference and by-id lookup goes through one batch. */
export function createLoaders(source: MarketplaceSource) {
  return {
    user: loader((ids: readonly string[]) => source.usersByIds(ids)),
    product: loader((ids: readonly string[]) => source.productsByIds(ids)),
    supplier: loader((ids: readonly string[]) => source.suppliersByIds(ids)),
    order: loader((ids: readonly string[]) => source.ordersByIds(ids)),
    nft: loader((ids: readonly string[]) => source.nftsByIds(ids)),
  };
}

export type MarketplaceLoaders = ReturnType<typeof createLoaders>;
