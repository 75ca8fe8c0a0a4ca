import { Kind, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { badInput } from './errors.ts';

/** The one cursor codec: opaque base64url of a small JSON position. */
type Position = { o: number } | { k: string };

export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

export function decodeCursor(cursor: string, argument = 'after'): Position {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (parsed && typeof parsed === 'object') {
      if ('o' in parsed && Number.isInteger(parsed.o) && (parsed.o as number) >= 0) return { o: parsed.o as number };
      if ('k' in parsed && typeof parsed.k === 'string') return { k: parsed.k };
    }
  } catch {
    // fall through to the error below
  }
  throw badInput(`Invalid cursor in "${argument}"`, argument);
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

/** A validated window over an ordered list: skip `offset`, take `limit`. */
export interface OffsetPage {
  offset: number;
  limit: number;
}

function checkSize(value: number, name: string, max: number) {
  if (!Number.isInteger(value) || value < 0) throw badInput(`"${name}" must be a non-negative integer`, name);
  if (value > max) throw badInput(`"${name}" must be at most ${max}`, name);
}

/** Turns Relay arguments into an offset window; `last`/`before` page backwards from `before`. */
export function offsetPage(args: ConnectionArgs, limits: PageLimits = {}): OffsetPage {
  const max = limits.maxSize ?? MAX_PAGE_SIZE;
  const size = limits.defaultSize ?? DEFAULT_PAGE_SIZE;
  if (args.first != null) checkSize(args.first, 'first', max);
  if (args.last != null) checkSize(args.last, 'last', max);
  if (args.first != null && args.last != null) throw badInput('Pass either "first" or "last", not both', 'last');
  const offsetOf = (cursor: string, name: string) => {
    const p = decodeCursor(cursor, name);
    if (!('o' in p)) throw badInput(`Invalid cursor in "${name}"`, name);
    return p.o;
  };
  if (args.last != null || args.before != null) {
    const end = args.before != null ? offsetOf(args.before, 'before') : null;
    if (end === null) throw badInput('"last" needs "before" on this list', 'before');
    const limit = Math.min(args.last ?? size, end);
    return { offset: end - limit, limit };
  }
  const offset = args.after != null ? offsetOf(args.after, 'after') + 1 : 0;
  return { offset, limit: args.first ?? size };
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
  const edges = nodes.map((node, i) => ({ cursor: encodeCursor({ o: page.offset + i }), node }));
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
  limit: number,
  keyOf: (row: T) => string,
  opts: { hasPreviousPage: boolean; totalCount?: number | null },
): Connection<T> {
  const nodes = rows.slice(0, limit);
  const edges = nodes.map((node) => ({ cursor: encodeCursor({ k: keyOf(node) }), node }));
  return {
    edges,
    nodes,
    pageInfo: {
      hasNextPage: rows.length > limit,
      hasPreviousPage: opts.hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: opts.totalCount ?? null,
  };
}

/** Validates `first`/`after` of a keyset list and returns the limit and the key to start after. */
export function keysetPage(args: ConnectionArgs, limits: PageLimits = {}): { limit: number; afterKey: string | null } {
  const max = limits.maxSize ?? MAX_PAGE_SIZE;
  if (args.last != null || args.before != null) throw badInput('This list pages forwards only: use "first" and "after"', 'last');
  if (args.first != null) checkSize(args.first, 'first', max);
  let afterKey: string | null = null;
  if (args.after != null) {
    const p = decodeCursor(args.after, 'after');
    if (!('k' in p)) throw badInput('Invalid cursor in "after"', 'after');
    afterKey = p.k;
  }
  return { limit: args.first ?? limits.defaultSize ?? DEFAULT_PAGE_SIZE, afterKey };
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
export async function windowFromPages<T>(page: OffsetPage, fetchPage: (pageNumber: number, size: number) => Promise<UpstreamPage<T>>): Promise<Connection<T>> {
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
