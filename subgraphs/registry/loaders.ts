import { loader } from '../../lib/batch.ts';
import type { RegistrySource, RetirementRecord, TokenRef } from './source.ts';

/** Per-request DataLoaders: entity references and contributed fields resolve in one batch each. */
export function createLoaders(source: RegistrySource) {
  return {
    creditByToken: loader((tokens: readonly TokenRef[]) => source.creditsByTokens(tokens), {
      cacheKeyFn: (t) => `${t.tokenAddress.toLowerCase()}|${t.tokenId}`,
      maxBatchSize: 100,
    }),
    retirementsByOffsetOrder: loader<string, RetirementRecord[]>((ids) => source.retirementsByOffsetOrders(ids), {
      maxBatchSize: 100,
    }),
    project: loader((ids: readonly string[]) => source.projectsByIds(ids)),
    creditType: loader((codes: readonly string[]) => source.creditTypesByCodes(codes)),
  };
}

export type RegistryLoaders = ReturnType<typeof createLoaders>;
