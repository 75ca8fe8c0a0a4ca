// Read paths without the ORM's unit of work: plain rows from `Database.select`, shaped like the
// entity (property names, bigint, boolean, Date) so the same record mappers serve both.
import type { EntityClass } from '@mikro-orm/core';
import type { Connection, KeysetPage } from './connection.ts';
import type { Database } from './db.ts';

type Kind = 'bigint' | 'boolean' | 'Date' | 'number' | 'string' | 'json';
interface Column {
  property: string;
  column: string;
  kind: Kind;
}

/** One entity's table, read as plain rows. */
export interface RowReader<E> {
  /** The quoted table name for this database. */
  table: string;
  /** `"col1", "col2", …`: every persisted column, in the order `toEntity` expects. */
  columns: string;
  /** The quoted column of a property, for WHERE and ORDER BY. */
  column(property: string): string;
  /** A row of `select <columns>` as the entity's plain shape. */
  toEntity(row: Record<string, unknown>): E;
}

const toBigInt = (v: unknown) => (typeof v === 'bigint' ? v : BigInt(v as string | number));
const convert: Record<Kind, (v: unknown) => unknown> = {
  bigint: toBigInt,
  // SQLite stores 0/1 (read as bigint), PostgreSQL a boolean.
  boolean: (v) => v === true || v === 1n || v === 1,
  // SQLite stores epoch milliseconds, PostgreSQL a timestamp.
  Date: (v) => (v instanceof Date ? v : new Date(typeof v === 'bigint' ? Number(v) : (v as string | number))),
  number: (v) => (typeof v === 'bigint' ? Number(v) : typeof v === 'string' ? Number(v) : v),
  string: (v) => v,
  // SQLite stores JSON text; the PostgreSQL driver may hand it over parsed already.
  json: (v) => (typeof v === 'string' ? JSON.parse(v) : v),
};

const kindOf = (runtimeType: string, type: unknown): Kind => {
  if (String(type).toLowerCase().startsWith('json')) return 'json';
  return (['bigint', 'boolean', 'Date', 'number'].includes(runtimeType) ? runtimeType : 'string') as Kind;
};

/** Builds the reader of an entity from the ORM's metadata (so table and columns never drift). */
export function rowReader<E extends object>(db: Database, entity: EntityClass<E>): RowReader<E> {
  const meta = db.orm.getMetadata().get(entity);
  const columns: Column[] = meta.props
    .filter((p) => p.persist !== false && p.fieldNames?.length === 1)
    .map((p) => ({ property: p.name, column: p.fieldNames[0]!, kind: kindOf(p.runtimeType, p.type) }));
  const byProperty = new Map(columns.map((c) => [c.property, `"${c.column}"`]));
  return {
    table: db.table(meta.tableName),
    columns: columns.map((c) => `"${c.column}"`).join(', '),
    column(property) {
      const quoted = byProperty.get(property);
      if (!quoted) throw new Error(`${meta.className} has no column for ${property}`);
      return quoted;
    },
    toEntity(row) {
      const out: Record<string, unknown> = {};
      for (const c of columns) {
        const v = row[c.column];
        out[c.property] = v === null || v === undefined ? null : convert[c.kind](v);
      }
      return out as E;
    },
  };
}

/** `?, ?, ?` for an IN list of n values. */
export const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** Reads the rows of these ids in one statement (in no particular order). */
export async function rowsByIds<E extends { id: string }>(
  db: Database,
  reader: RowReader<E>,
  ids: readonly string[],
): Promise<E[]> {
  return ids.length === 0 ? [] : rowsWhere(db, reader, { id: { $in: [...ids] } });
}

/** Reads the rows matching a filter in one statement, ordered by `orderBy` (properties, ascending) if given. */
export async function rowsWhere<E>(
  db: Database,
  reader: RowReader<E>,
  filter: RowFilter,
  orderBy: readonly string[] = [],
): Promise<E[]> {
  const params: unknown[] = [];
  const condition = whereSql(reader, filter, params);
  const order = orderBy.length ? ` order by ${orderBy.map((p) => `${reader.column(p)} asc`).join(', ')}` : '';
  const rows = await db.select(
    `select ${reader.columns} from ${reader.table}${condition ? ` where ${condition}` : ''}${order}`,
    params,
  );
  return rows.map((r) => reader.toEntity(r));
}

/**
 * A filter in the ORM's query shape, limited to what read paths use: equality (null, boolean,
 * string, number, bigint), `$in`, `$nin`, `$eq`, `$gt`, `$gte`, `$lt`, `$lte` (also for dates), and
 * nested `$and` / `$or`.
 */
export type RowFilter = { [key: string]: unknown };

const OPERATORS: Record<string, string> = { $eq: '=', $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' };

/** Turns a filter into a SQL condition with `?` parameters ('' when it filters nothing). */
export function whereSql<E>(reader: Pick<RowReader<E>, 'column'>, filter: RowFilter, params: unknown[]): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and' || key === '$or') {
      const inner = (value as RowFilter[]).map((f) => whereSql(reader, f, params)).filter(Boolean);
      if (key === '$or' && inner.length < (value as RowFilter[]).length) continue; // one branch matches everything
      if (inner.length) parts.push(`(${inner.join(key === '$and' ? ' and ' : ' or ')})`);
      continue;
    }
    const column = reader.column(key);
    if (value === null) parts.push(`${column} is null`);
    else if (typeof value === 'boolean') parts.push(`${column} = ${value}`);
    else if (typeof value !== 'object') {
      parts.push(`${column} = ?`);
      params.push(value);
    } else {
      for (const [op, operand] of Object.entries(value as object)) {
        if (op === '$in' || op === '$nin') {
          const list = operand as unknown[];
          if (!list.length) parts.push(op === '$in' ? 'false' : 'true');
          else {
            parts.push(`${column} ${op === '$in' ? 'in' : 'not in'} (${placeholders(list.length)})`);
            params.push(...list);
          }
        } else if (OPERATORS[op]) {
          parts.push(`${column} ${OPERATORS[op]} ?`);
          params.push(operand);
        } else throw new Error(`Unsupported filter operator ${op}`);
      }
    }
  }
  return parts.join(' and ');
}

/** Plain-row readers, built once per database and entity. */
const readers = new WeakMap<Database, Map<EntityClass<object>, RowReader<object>>>();

/** The reader of an entity's table on this database, made on first use. */
export function readerOf<E extends object>(db: Database, entity: EntityClass<E>): RowReader<E> {
  let perDb = readers.get(db);
  if (!perDb) readers.set(db, (perDb = new Map()));
  let found = perDb.get(entity as EntityClass<object>);
  if (!found) perDb.set(entity as EntityClass<object>, (found = rowReader(db, entity as EntityClass<object>)));
  return found as RowReader<E>;
}

/** The column that carries a list's total beside each row of its page. */
const TOTAL = 'total_count__';

/**
 * One keyset page of the rows matching `filter`, in one statement: the page (one row more than
 * asked tells whether the list goes on) and, only when `totalCount` is asked, the total beside each
 * row (an uncorrelated subquery, computed once). A page that comes back empty after or before a
 * cursor has no row to carry the total: then, and only then, a second statement counts (without a
 * cursor, an empty page means an empty list: `take` is always the page and one more row).
 */
export async function keysetRows<E>(
  db: Database,
  reader: RowReader<E>,
  filter: RowFilter,
  page: KeysetPage<E>,
  totalCount: boolean,
): Promise<Connection<E>> {
  const params: unknown[] = [];
  const condition = whereSql(reader, filter, params);
  const from = `from ${reader.table}${condition ? ` where ${condition}` : ''}`;
  const pageParams = [...params];
  const bounds = whereSql(reader, page.where as RowFilter, pageParams);
  const within = bounds ? `${condition ? ' and' : ' where'} ${bounds}` : '';
  const order = page.order.map((o) => `${reader.column(o.field)} ${o.direction.toLowerCase()}`).join(', ');
  const counted = totalCount ? `, (select count(*) ${from}) as "${TOTAL}"` : '';
  const rows = await db.select<Record<string, unknown>>(
    `select ${reader.columns}${counted} ${from}${within} order by ${order} limit ?`,
    [...(totalCount ? params : []), ...pageParams, page.take],
  );
  const counts = async () => Number((await db.select<{ n: unknown }>(`select count(*) as "n" ${from}`, params))[0]!.n);
  const total = !totalCount ? null : rows.length > 0 ? Number(rows[0]![TOTAL]) : bounds ? await counts() : 0;
  return page.connection(
    rows.map((r) => reader.toEntity(r)),
    total,
  );
}
