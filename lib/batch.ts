import DataLoader from 'dataloader';

/** Orders rows to match the requested keys (null where missing), as DataLoader needs. */
export function alignByKey<T, K = string>(keys: readonly K[], rows: readonly T[], keyOf: (row: T) => K): (T | null)[] {
  const map = new Map<K, T>();
  for (const row of rows) map.set(keyOf(row), row);
  return keys.map((k) => map.get(k) ?? null);
}

/** A per-request loader over a batch function (an Error fails only its own key); `maxBatchSize` follows the source's limit. */
export function loader<K, V>(
  batch: (keys: readonly K[]) => Promise<(V | null | Error)[]>,
  opts: { maxBatchSize?: number; cacheKeyFn?: (key: K) => unknown } = {},
) {
  return new DataLoader<K, V | null, unknown>(batch, {
    maxBatchSize: opts.maxBatchSize ?? 500,
    cacheKeyFn: opts.cacheKeyFn,
  });
}

export type Loader<K, V> = DataLoader<K, V | null, unknown>;

/**
 * Runs `task` for every item with at most `limit` in flight at once; results keep the input
 * order. A task's failure is its own result (the caller decides), never the others'.
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: 'fulfilled', value: await task(items[i]!) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
