import DataLoader from 'dataloader';

/** Orders rows to match the requested keys (null where missing), as DataLoader needs. */
export function alignByKey<T, K = string>(keys: readonly K[], rows: readonly T[], keyOf: (row: T) => K): (T | null)[] {
  const map = new Map<K, T>();
  for (const row of rows) map.set(keyOf(row), row);
  return keys.map((k) => map.get(k) ?? null);
}

/** A per-request loader over a batch function; `maxBatchSize` follows the source's limit. */
export function loader<K, V>(batch: (keys: readonly K[]) => Promise<(V | null)[]>, opts: { maxBatchSize?: number; cacheKeyFn?: (key: K) => unknown } = {}) {
  return new DataLoader<K, V | null, unknown>(batch, { maxBatchSize: opts.maxBatchSize ?? 500, cacheKeyFn: opts.cacheKeyFn });
}

export type Loader<K, V> = DataLoader<K, V | null, unknown>;
