import { Kind, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { badInput } from './errors.ts';

/**
 * The one cursor codec: opaque base64url of a small JSON position in one list. A cursor names its
 * list (`l`: the kind of object and, for keyset lists, `s`: the names of the sort keys) and holds an
 * offset (`o`, upstream lists that page by offset), a key (`k`, upstream lists that page after an
 * id) or the sort-key values of a row (`p`, local lists). A cursor that does not decode to a
 * position of the list it is sent to (not ours, another list's, a value of another type than the
 * list's key or beyond what the database compares) is BAD_USER_INPUT "Invalid cursor", before
 * any statement or upstream call.
 */
type Position = { o: number } | { k: string } | { p: unknown[]; s: string };

/** The largest offset a cursor may hold (upstream page numbers are 32-bit integers). */
const MAX_CURSOR_OFFSET = 2 ** 31 - 1;
/** The longest string a cursor may hold as a key (ids, names and codes are far shorter). */
const MAX_CURSOR_STRING = 1_000;

const invalidCursor = (argument: string) => badInput(`Invalid cursor in "${argument}"`, argument);

/** A string a cursor may carry as a key: bounded, without the NUL character no column can hold. */
const isKeyString = (v: unknown): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= MAX_CURSOR_STRING && !v.includes('\u0000');

export function encodeCursor(list: string, position: Position): string {
  return Buffer.from(JSON.stringify({ l: list, ...position })).toString('base64url');
}

/** The position a cursor holds in `list`; anything else is "Invalid cursor" on `argument`. */
export function decodeCursor(cursor: string, list: string, argument = 'after'): Position {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor(argument);
  }
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && 'l' in parsed && parsed.l === list) {
    if (
      'o' in parsed &&
      Number.isSafeInteger(parsed.o) &&
      (parsed.o as number) >= 0 &&
      (parsed.o as number) <= MAX_CURSOR_OFFSET
    )
      return { o: parsed.o as number };
    if ('k' in parsed && isKeyString(parsed.k)) return { k: parsed.k };
    if ('p' in parsed && Array.isArray(parsed.p) && 's' in parsed && typeof parsed.s === 'string')
      return { p: parsed.p as unknown[], s: parsed.s };
  }
  throw invalidCursor(argument);
}

export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface PageLimits {
  /** Page size when neither `first` nor `last` is given. */
  defaultSize?: number;
  /** Largest page a client may ask for; more is BAD_USER_INPUT. */
  maxSize?: number;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/**
 * Relay arguments with their sizes checked (at most the maximum; `first` with `last` only as
 * `requestedPage` allows), cursors as sent: the source reads them as keyset or offset positions.
 */
export function pageArgs(args: ConnectionArgs, limits: PageLimits = {}): ConnectionArgs {
  const page = requestedPage(args, limits.maxSize ?? MAX_PAGE_SIZE);
  return { first: page.first ?? null, after: page.after ?? null, last: page.last ?? null, before: page.before ?? null };
}

/** A validated window over an ordered list: skip `offset`, take `limit`; `list` names it in its cursors. */
export interface OffsetPage {
  list: string;
  offset: number;
  limit: number;
}

function checkSize(value: number, name: string, max: number) {
  if (!Number.isInteger(value) || value < 0) throw badInput(`"${name}" must be a non-negative integer`, name);
  if (value > max) throw badInput(`"${name}" must be at most ${max}`, name);
}

/**
 * The page asked for, sizes checked. `first` with `last` is read by the one cursor given: with
 * `before` alone the page counts back by `last` and `first` is dropped (Relay's `loadPrevious`
 * sends its fragment's default `first` beside `last`), with `after` alone it counts on by `first`
 * and `last` is dropped; with no cursor or both it is BAD_USER_INPUT.
 */
function requestedPage(args: ConnectionArgs, max: number): ConnectionArgs {
  if (args.first != null) checkSize(args.first, 'first', max);
  if (args.last != null) checkSize(args.last, 'last', max);
  if (args.first == null || args.last == null) return args;
  if (args.before != null && args.after == null) return { ...args, first: null };
  if (args.after != null && args.before == null) return { ...args, last: null };
  throw badInput(
    'Pass either "first" or "last", not both (both only beside one cursor: "last" with "before", "first" with "after")',
    'last',
  );
}

/**
 * Turns Relay arguments into an offset window over `list` (its cursors name it); `last`/`before`
 * page backwards from `before`.
 */
export function offsetPage(requested: ConnectionArgs, list: string, limits: PageLimits = {}): OffsetPage {
  const args = requestedPage(requested, limits.maxSize ?? MAX_PAGE_SIZE);
  const size = limits.defaultSize ?? DEFAULT_PAGE_SIZE;
  const offsetOf = (cursor: string, name: string) => {
    const p = decodeCursor(cursor, list, name);
    if (!('o' in p)) throw invalidCursor(name);
    return p.o;
  };
  if (args.last != null || args.before != null) {
    const end = args.before != null ? offsetOf(args.before, 'before') : null;
    if (end === null) throw badInput('"last" needs "before" on this list', 'before');
    const limit = Math.min(args.last ?? size, end);
    return { list, offset: end - limit, limit };
  }
  const offset = args.after != null ? offsetOf(args.after, 'after') + 1 : 0;
  return { list, offset, limit: args.first ?? size };
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number | null;
}

/**
 * Builds a connection from one window of rows. Pass up to `limit + 1` rows: the extra row only
 * tells that a next page exists.
 */
export function offsetConnection<T>(rows: T[], page: OffsetPage, totalCount: number | null = null): Connection<T> {
  const nodes = rows.slice(0, page.limit);
  const hasNextPage = rows.length > page.limit || (totalCount !== null && page.offset + nodes.length < totalCount);
  const edges = nodes.map((node, i) => ({ cursor: encodeCursor(page.list, { o: page.offset + i }), node }));
  return {
    edges,
    nodes,
    pageInfo: {
      hasNextPage,
      hasPreviousPage: page.offset > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount,
  };
}

/** Connection over a keyset (e.g. "start after this id"): each cursor carries its row's key. */
export function keysetConnection<T>(
  rows: T[],
  page: AfterKeyPage,
  keyOf: (row: T) => string,
  opts: { hasPreviousPage: boolean; totalCount?: number | null },
): Connection<T> {
  const nodes = rows.slice(0, page.limit);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(page.list, { k: keyOf(node) }), node }));
  return {
    edges,
    nodes,
    pageInfo: {
      hasNextPage: rows.length > page.limit,
      hasPreviousPage: opts.hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: opts.totalCount ?? null,
  };
}

/** A page of a list that pages after a key: how many, after which key, and the list's name for its cursors. */
export interface AfterKeyPage {
  list: string;
  limit: number;
  afterKey: string | null;
}

/**
 * Validates `first`/`after` of a list that pages after an id only (an upstream without a way
 * back): the limit and the key to start after; `last`/`before` are refused.
 */
export function afterKeyPage(args: ConnectionArgs, list: string, limits: PageLimits = {}): AfterKeyPage {
  const max = limits.maxSize ?? MAX_PAGE_SIZE;
  if (args.last != null || args.before != null)
    throw badInput('This list pages forwards only: use "first" and "after"', 'last');
  if (args.first != null) checkSize(args.first, 'first', max);
  let afterKey: string | null = null;
  if (args.after != null) {
    const p = decodeCursor(args.after, list, 'after');
    if (!('k' in p)) throw invalidCursor('after');
    afterKey = p.k;
  }
  return { list, limit: args.first ?? limits.defaultSize ?? DEFAULT_PAGE_SIZE, afterKey };
}

export type SortDirection = 'ASC' | 'DESC';
/** A value a list sorts by; dates and bigints keep their type through the cursor. */
export type SortValue = string | number | bigint | boolean | Date;

/** The column type of a sort key, which a cursor's value must have: a string column (`string`), a timestamp (`date`), a 32-bit integer, a 64-bit integer (`bigint`) or a boolean. */
export type SortKind = 'string' | 'date' | 'integer' | 'bigint' | 'boolean';
interface SortKindValue {
  string: string;
  date: Date;
  integer: number;
  bigint: bigint;
  boolean: boolean;
}

/** One column of a list's order; the last one is unique (the id), so every row has its own place. */
export type SortKey<T> = {
  [K in SortKind]: {
    /** The entity property (the column for raw SQL is the caller's mapping of it). */
    field: string;
    direction: SortDirection;
    kind: K;
    of: (row: T) => SortKindValue[K];
  };
}[SortKind];

/** A list's order: its name, which its cursors carry (another list's cursor is refused), and its sort keys. */
export interface ListOrder<T> {
  list: string;
  keys: readonly SortKey<T>[];
}

const packValue = (v: SortValue): unknown =>
  v instanceof Date ? { d: v.getTime() } : typeof v === 'bigint' ? { b: v.toString() } : v;

/** Timestamps from year 1 to year 9999: what both databases store and JavaScript dates hold. */
const MIN_DATE_MS = -62_135_596_800_000;
const MAX_DATE_MS = 253_402_300_799_999;
const INT32 = 2 ** 31;
const INT64 = 2n ** 63n;

/** A cursor's value read back as the key's kind, or undefined when it is not one (or not comparable in the database). */
function unpackValue(kind: SortKind, v: unknown): SortValue | undefined {
  const packed = (tag: string) =>
    v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && tag in v
      ? (v as Record<string, unknown>)[tag]
      : undefined;
  switch (kind) {
    case 'string':
      return typeof v === 'string' && v.length <= MAX_CURSOR_STRING && !v.includes('\u0000') ? v : undefined;
    case 'boolean':
      return typeof v === 'boolean' ? v : undefined;
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v) && v >= -INT32 && v < INT32 ? v : undefined;
    case 'date': {
      const ms = packed('d');
      return typeof ms === 'number' && Number.isInteger(ms) && ms >= MIN_DATE_MS && ms <= MAX_DATE_MS
        ? new Date(ms)
        : undefined;
    }
    case 'bigint': {
      const digits = packed('b');
      if (typeof digits !== 'string' || !/^-?\d{1,19}$/.test(digits)) return undefined;
      const n = BigInt(digits);
      return n >= -INT64 && n < INT64 ? n : undefined;
    }
  }
}

/** The names of a list's sort keys, which its cursors carry: a cursor of a list sorted otherwise is refused. */
const sortNames = (sort: readonly SortKey<never>[]) => sort.map((k) => k.field).join(',');

/** The sort-key values a cursor of this list carries; an offset cursor, another list's or a value of another kind is refused. */
function positionOf(cursor: string, name: string, order: ListOrder<never>): SortValue[] {
  const p = decodeCursor(cursor, order.list, name);
  const sort = order.keys;
  const values =
    'p' in p && p.s === sortNames(sort) && p.p.length === sort.length
      ? p.p.map((v, i) => unpackValue(sort[i]!.kind, v))
      : [];
  if (values.length !== sort.length || values.some((v) => v === undefined)) throw invalidCursor(name);
  return values as SortValue[];
}

/** A filter in the ORM's query shape (also what `whereSql` in lib/rows.ts renders). */
export type KeysetFilter = Record<string, unknown>;

/** Rows strictly after (`$gt` for ASC) or before a position in the list's order. */
function pastPosition(sort: readonly SortKey<never>[], values: SortValue[], side: 'after' | 'before'): KeysetFilter {
  const branches = sort.map((key, i) => {
    const ascending = (key.direction === 'ASC') === (side === 'after');
    const branch: KeysetFilter = {};
    for (let j = 0; j < i; j++) branch[sort[j]!.field] = { $eq: values[j] };
    branch[key.field] = { [ascending ? '$gt' : '$lt']: values[i] };
    return branch;
  });
  return { $or: branches };
}

const compareValues = (a: SortValue, b: SortValue) => {
  const x = a instanceof Date ? a.getTime() : a;
  const y = b instanceof Date ? b.getTime() : b;
  return x < y ? -1 : x > y ? 1 : 0;
};

/** One validated keyset page of a list, and how to read it. */
export interface KeysetPage<T> {
  /** Rows between the cursors, in the ORM's filter shape (`{}` when no cursor is given). */
  where: KeysetFilter;
  /** Paging backwards (`last`, or `before` without `first`): rows are read in reverse. */
  backward: boolean;
  /** The order to read in: the list's order, reversed when paging backwards (`last`). */
  order: { field: string; direction: SortDirection }[];
  /** Rows to read: the page and one more, which tells whether the list goes on that way. */
  take: number;
  /** The connection of the rows read in `order` (at most `take` of them), edges in list order. */
  connection(rows: T[], totalCount?: number | null): Connection<T>;
}

/**
 * Turns Relay arguments into a keyset page over a list sorted by `sort` (the last key unique):
 * `first`/`after` read forwards, `last`/`before` backwards, both cursors bound the window. A
 * cursor is its row's sort-key values, so a page stays put when rows are added or removed before
 * it. As the Relay spec allows, `hasPreviousPage` of a forward page and `hasNextPage` of a
 * backward page are false (finding out would cost another statement).
 */
export function keysetPage<T>(
  requested: ConnectionArgs,
  listOrder: ListOrder<T>,
  limits: PageLimits = {},
): KeysetPage<T> {
  const args = requestedPage(requested, limits.maxSize ?? MAX_PAGE_SIZE);
  const sort = listOrder.keys;
  const keys = sort as readonly SortKey<never>[];
  const after = args.after != null ? positionOf(args.after, 'after', listOrder as ListOrder<never>) : null;
  const before = args.before != null ? positionOf(args.before, 'before', listOrder as ListOrder<never>) : null;
  const backward = args.last != null || (args.before != null && args.first == null);
  const size = args.first ?? args.last ?? limits.defaultSize ?? DEFAULT_PAGE_SIZE;
  const bounds = [after && pastPosition(keys, after, 'after'), before && pastPosition(keys, before, 'before')].filter(
    (f): f is KeysetFilter => f !== null,
  );
  const flip = (d: SortDirection): SortDirection => (d === 'ASC' ? 'DESC' : 'ASC');
  return {
    where: bounds.length === 0 ? {} : bounds.length === 1 ? bounds[0]! : { $and: bounds },
    backward,
    order: sort.map((k) => ({ field: k.field, direction: backward ? flip(k.direction) : k.direction })),
    take: size + 1,
    connection(rows, totalCount = null) {
      const more = rows.length > size;
      const page = rows.slice(0, size);
      if (backward) page.reverse();
      const names = sortNames(keys);
      return connectionOf(
        page,
        (row) => encodeCursor(listOrder.list, { p: sort.map((k) => packValue(k.of(row))), s: names }),
        {
          hasNextPage: !backward && more,
          hasPreviousPage: backward && more,
          totalCount,
        },
      );
    },
  };
}

/** The list `list` by creation time, newest first unless `direction` is ASC, ties broken by id: most lists' order. */
export function byCreation<E extends { createdAt: Date; id: string }>(
  list: string,
  direction: SortDirection = 'DESC',
): ListOrder<E> {
  return {
    list,
    keys: [
      { field: 'createdAt', direction, kind: 'date', of: (row) => row.createdAt },
      { field: 'id', direction, kind: 'string', of: (row) => row.id },
    ],
  };
}

/** The ORM's `orderBy` of a keyset page (property order is the sort order). */
export const ormOrderBy = (page: Pick<KeysetPage<unknown>, 'order'>): Record<string, SortDirection> =>
  Object.fromEntries(page.order.map((o) => [o.field, o.direction]));

/**
 * A keyset page over a list already in memory, in list order (small lists a source reads whole).
 * Here both page flags are exact.
 */
export function keysetSlice<T>(
  all: readonly T[],
  args: ConnectionArgs,
  listOrder: ListOrder<T>,
  limits: PageLimits = {},
): Connection<T> {
  const page = keysetPage(args, listOrder, limits);
  const sort = listOrder.keys;
  const position = (cursor: string | null | undefined, name: string) =>
    cursor == null ? null : positionOf(cursor, name, listOrder as ListOrder<never>);
  const after = position(args.after, 'after');
  const before = position(args.before, 'before');
  /** Where a row stands against a position in list order: < 0 before it, > 0 after it. */
  const cmpTo = (row: T, values: readonly SortValue[]) => {
    for (const [i, key] of sort.entries()) {
      const c = compareValues(key.of(row), values[i]!);
      if (c !== 0) return key.direction === 'ASC' ? c : -c;
    }
    return 0;
  };
  const sorted = [...all].sort((a, b) =>
    cmpTo(
      a,
      sort.map((k) => k.of(b)),
    ),
  );
  const inside = sorted.filter((row) => (!after || cmpTo(row, after) > 0) && (!before || cmpTo(row, before) < 0));
  const read = page.backward ? [...inside].reverse() : inside;
  const connection = page.connection(read.slice(0, page.take), sorted.length);
  const first = connection.nodes[0];
  const last = connection.nodes.at(-1);
  connection.pageInfo.hasPreviousPage ||=
    first !== undefined ? sorted.indexOf(first) > 0 : after !== null && sorted.some((row) => cmpTo(row, after) <= 0);
  connection.pageInfo.hasNextPage ||=
    last !== undefined
      ? sorted.indexOf(last) < sorted.length - 1
      : before !== null && sorted.some((row) => cmpTo(row, before) >= 0);
  return connection;
}

function connectionOf<T>(
  nodes: T[],
  cursorOf: (node: T) => string,
  info: { hasNextPage: boolean; hasPreviousPage: boolean; totalCount: number | null },
): Connection<T> {
  const edges = nodes.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    nodes,
    pageInfo: {
      hasNextPage: info.hasNextPage,
      hasPreviousPage: info.hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: info.totalCount,
  };
}

/** The same page with its nodes replaced, in order, by `nodes` (the records of the rows read). */
export function withNodes<T, R>(connection: Connection<T>, nodes: R[]): Connection<R> {
  return { ...connection, nodes, edges: connection.edges.map((edge, i) => ({ cursor: edge.cursor, node: nodes[i]! })) };
}

/** One page of a page/size upstream list. */
export interface UpstreamPage<T> {
  items: T[];
  total: number | null;
}

/**
 * Serves an offset window from an upstream that pages by page number and size (1-based pages):
 * one request when the window is page-aligned, two when it straddles a page boundary.
 */
export async function windowFromPages<T>(
  page: OffsetPage,
  fetchPage: (pageNumber: number, size: number) => Promise<UpstreamPage<T>>,
): Promise<Connection<T>> {
  if (page.limit === 0) {
    const probe = await fetchPage(1, 1);
    return offsetConnection([], page, probe.total);
  }
  const size = page.limit;
  const first = Math.floor(page.offset / size) + 1;
  const skip = page.offset - (first - 1) * size;
  const a = await fetchPage(first, size);
  let items = a.items.slice(skip);
  let total = a.total;
  if (items.length < size && a.items.length === size && (total === null || page.offset + items.length < total)) {
    const b = await fetchPage(first + 1, size);
    items = items.concat(b.items);
    total = b.total ?? total;
  }
  const more = total === null ? items.length > size : null;
  return offsetConnection(more ? items : items.slice(0, size), page, total);
}

/** The part of a resolver's `info` that tells which fields the client selected under it. */
export interface SelectionInfo {
  fieldNodes: readonly FieldNode[];
  fragments: Record<string, FragmentDefinitionNode>;
}

/**
 * True when the client selected `totalCount` on this connection field (directly, in an inline
 * fragment or a named one), so a source can skip counting when it did not.
 */
export function wantsTotalCount(info: SelectionInfo): boolean {
  const selects = (set: SelectionSetNode | undefined): boolean =>
    !!set?.selections.some((s) => {
      if (s.kind === Kind.FIELD) return s.name.value === 'totalCount';
      if (s.kind === Kind.INLINE_FRAGMENT) return selects(s.selectionSet);
      return selects(info.fragments[s.name.value]?.selectionSet);
    });
  return info.fieldNodes.some((node) => selects(node.selectionSet));
}
