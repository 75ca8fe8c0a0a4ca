// The start banner's line about storage: where the subgraphs that keep a database keep it, and
// what each keeps there (its data in local mode; in upstream mode only the layer's own records,
// such as write journals and memberships), read from what the subgraphs report on /health.
import type { Config, SubgraphName } from '../lib/config.ts';
import { describeDatabaseUrl } from '../lib/db.ts';

const list = (names: readonly string[]) =>
  names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;

/** The storage line, given the subgraphs that opened a database (each reports it on /health). */
export function storageLine(
  config: Pick<Config, 'DATABASE_URL' | 'dataDir' | 'sourceOf'>,
  subgraphs: readonly SubgraphName[],
  withDatabase: readonly SubgraphName[],
): string {
  if (withDatabase.length === 0) return 'Storage: none (every subgraph reads and writes its upstream API)';
  const where = config.DATABASE_URL
    ? `PostgreSQL at ${describeDatabaseUrl(config.DATABASE_URL)} (schemas ${withDatabase.join(', ')})`
    : `SQLite files in ${config.dataDir} (${withDatabase.map((n) => `${n}.sqlite`).join(', ')})`;
  const local = withDatabase.filter((n) => config.sourceOf(n) === 'local');
  const upstream = withDatabase.filter((n) => config.sourceOf(n) === 'upstream');
  const none = subgraphs.filter((n) => !withDatabase.includes(n));
  const kept = [
    local.length === subgraphs.length ? "every subgraph's data" : local.length ? `the data of ${list(local)}` : '',
    upstream.length ? `only the layer's own records (write journals, memberships) of ${list(upstream)}` : '',
    none.length ? `${list(none)} ${none.length === 1 ? 'keeps' : 'keep'} nothing (the upstream API holds it all)` : '',
  ].filter(Boolean);
  return `Storage: ${where}: ${kept.join('; ')}`;
}
