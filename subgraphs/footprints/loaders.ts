import { alignByKey, loader } from '../../lib/batch.ts';
import { BATCH_MAX } from './rules.ts';
import type { FootprintRecord, FootprintsSource, ProductRef, SupplierPeriodRecord } from './source.ts';

/**
 * Per-request DataLoaders: entity references, by-id lookups and per-product data each go
 * through one batch. Footprints batch at the API's limit of 256 products per call.
 */
export function createLoaders(source: FootprintsSource) {
  const byProduct = { maxBatchSize: BATCH_MAX, cacheKeyFn: (ref: ProductRef) => ref.id };
  return {
    group: loader(async (ids: readonly string[]) => alignByKey(ids, await source.groups(), (g) => g.id)),
    resoldProduct: loader((ids: readonly string[]) => source.resoldProductsByIds(ids), { maxBatchSize: BATCH_MAX }),
    productSupplier: loader((ids: readonly string[]) => source.productSuppliersByIds(ids)),
    footprint: loader<ProductRef, FootprintRecord>((refs) => source.footprints('FOOTPRINT', refs), byProduct),
    footprintBaseline: loader<ProductRef, FootprintRecord>((refs) => source.footprints('BASELINE', refs), byProduct),
    currentSupplier: loader((ids: readonly string[]) => source.currentSuppliers(ids)),
    supplierPeriods: loader<string, SupplierPeriodRecord[]>((ids) => source.supplierPeriods(ids)),
  };
}

export type FootprintsLoaders = ReturnType<typeof createLoaders>;
