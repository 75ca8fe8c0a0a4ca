// Keyset cursors (lib/connection.ts): a page stays put when rows are added or removed before it,
// `first`/`after` and `last`/`before` walk the same list both ways, and each page is one statement.
import { beforeEach, describe, expect, it } from '@jest/globals';
import Sqlite from 'better-sqlite3';
import { encodeCursor, keysetPage, keysetSlice, type ConnectionArgs, type ListOrder } from '../../lib/connection.ts';
import { whereSql } from '../../lib/rows.ts';

interface Order {
  id: string;
  createdAt: Date;
}

const newestFirst: ListOrder<Order> = {
  list: 'Order',
  keys: [
    { field: 'createdAt', direction: 'DESC', kind: 'date', of: (o) => o.createdAt },
    { field: 'id', direction: 'DESC', kind: 'string', of: (o) => o.id },
  ],
};

/** A table of orders on SQLite (dates as epoch milliseconds, as the ORM stores them), read by keyset pages. */
class OrderTable {
  readonly db = new Sqlite(':memory:');
  statements = 0;
  constructor() {
    this.db.exec('create table orders (id text primary key, created_at integer not null)');
  }
  insert(id: string, createdAt: Date) {
    this.db.prepare('insert into orders values (?, ?)').run(id, createdAt.getTime());
  }
  delete(id: string) {
    this.db.prepare('delete from orders where id = ?').run(id);
  }
  page(args: ConnectionArgs) {
    const page = keysetPage(args, newestFirst);
    const column = (field: string) => (field === 'createdAt' ? 'created_at' : 'id');
    const params: unknown[] = [];
    const bounds = whereSql({ column }, page.where, params);
    const order = page.order.map((o) => `${column(o.field)} ${o.direction}`).join(', ');
    this.statements++;
    const rows = this.db
      .prepare(`select id, created_at from orders ${bounds ? `where ${bounds}` : ''} order by ${order} limit ?`)
      .all(...params.map((p) => (p instanceof Date ? p.getTime() : p)), page.take) as {
      id: string;
      created_at: number;
    }[];
    return page.connection(rows.map((r) => ({ id: r.id, createdAt: new Date(r.created_at) })));
  }
}

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
const ids = (c: { nodes: Order[] }) => c.nodes.map((o) => o.id);

describe('keyset pages over SQL', () => {
  let table: OrderTable;

  beforeEach(() => {
    table = new OrderTable();
    // Ten orders, two of them at the same instant (the id breaks the tie).
    for (let i = 1; i <= 9; i++) table.insert(`o${i}`, at(i));
    table.insert('o9b', at(9));
  });

  it('a newer row does not repeat an order of page 1 on page 2', () => {
    const first = table.page({ first: 3 });
    expect(ids(first)).toEqual(['o9b', 'o9', 'o8']);
    table.insert('o10', at(10));
    const second = table.page({ first: 3, after: first.pageInfo.endCursor });
    expect(ids(second)).toEqual(['o7', 'o6', 'o5']);
  });

  it('deleting a row of page 1 skips nothing on page 2', () => {
    const first = table.page({ first: 3 });
    table.delete('o9');
    table.delete('o8');
    const second = table.page({ first: 3, after: first.pageInfo.endCursor });
    expect(ids(second)).toEqual(['o7', 'o6', 'o5']);
  });

  it('walks forwards then backwards through the same items, edges in list order both ways', () => {
    const forward: string[][] = [];
    let next = table.page({ first: 4 });
    forward.push(ids(next));
    while (next.pageInfo.hasNextPage) {
      next = table.page({ first: 4, after: next.pageInfo.endCursor });
      forward.push(ids(next));
    }
    expect(forward).toEqual([
      ['o9b', 'o9', 'o8', 'o7'],
      ['o6', 'o5', 'o4', 'o3'],
      ['o2', 'o1'],
    ]);

    const backward: string[][] = [];
    let page = table.page({ last: 4 });
    backward.push(ids(page));
    while (page.pageInfo.hasPreviousPage) {
      page = table.page({ last: 4, before: page.pageInfo.startCursor });
      backward.push(ids(page));
    }
    expect(backward).toEqual([
      ['o4', 'o3', 'o2', 'o1'],
      ['o8', 'o7', 'o6', 'o5'],
      ['o9b', 'o9'],
    ]);
    expect(backward.reverse().flat()).toEqual(forward.flat());
  });

  it('last/before returns the rows just before the cursor; pageInfo follows the Relay spec', () => {
    const all = table.page({ first: 10 });
    const fifth = all.edges[4]!.cursor;
    const before = table.page({ last: 2, before: fifth });
    expect(ids(before)).toEqual(['o8', 'o7']);
    expect(before.pageInfo).toEqual({
      hasPreviousPage: true,
      hasNextPage: false,
      startCursor: before.edges[0]!.cursor,
      endCursor: before.edges[1]!.cursor,
    });
    const start = table.page({ last: 5, before: all.edges[2]!.cursor });
    expect(ids(start)).toEqual(['o9b', 'o9']);
    expect(start.pageInfo.hasPreviousPage).toBe(false);
    // Both cursors bound the window.
    const between = table.page({ first: 10, after: all.edges[1]!.cursor, before: all.edges[5]!.cursor });
    expect(ids(between)).toEqual(['o8', 'o7', 'o6']);
    expect(between.pageInfo.hasNextPage).toBe(false);
  });

  it('reads each page in one statement', () => {
    table.statements = 0;
    const first = table.page({ first: 2 });
    table.page({ first: 2, after: first.pageInfo.endCursor });
    table.page({ last: 2, before: first.pageInfo.endCursor });
    expect(table.statements).toBe(3);
  });
});

describe('first and last together, as Relay sends them', () => {
  let table: OrderTable;

  beforeEach(() => {
    table = new OrderTable();
    for (let i = 1; i <= 9; i++) table.insert(`o${i}`, at(i));
  });

  it('beside before alone, pages back by last and ignores first (loadPrevious sends the fragment’s default first)', () => {
    const all = table.page({ first: 9 });
    const sixth = all.edges[5]!.cursor;
    const page = table.page({ first: 3, last: 2, before: sixth });
    expect(ids(page)).toEqual(ids(table.page({ last: 2, before: sixth })));
    expect(ids(page)).toEqual(['o6', 'o5']);
    expect(page.pageInfo.hasPreviousPage).toBe(true);
  });

  it('beside after alone, pages on by first and ignores last', () => {
    const all = table.page({ first: 9 });
    const page = table.page({ first: 2, last: 5, after: all.edges[1]!.cursor });
    expect(ids(page)).toEqual(['o7', 'o6']);
    expect(page.pageInfo.hasNextPage).toBe(true);
  });

  it('with no cursor or both cursors is BAD_USER_INPUT, and each size is still checked', () => {
    const all = table.page({ first: 9 });
    expect(() => table.page({ first: 2, last: 2 })).toThrow('either');
    expect(() => table.page({ first: 2, last: 2, after: all.edges[0]!.cursor, before: all.edges[5]!.cursor })).toThrow(
      'either',
    );
    expect(() => table.page({ first: 101, last: 2, before: all.edges[5]!.cursor })).toThrow(
      '"first" must be at most 100',
    );
  });
});

describe('keyset cursors', () => {
  it('refuses offset cursors, garbage, another list’s cursor and first with last', () => {
    expect(() => keysetPage({ after: encodeCursor('Order', { o: 3 }) }, newestFirst)).toThrow(
      'Invalid cursor in "after"',
    );
    expect(() => keysetPage({ before: encodeCursor('Order', { k: 'o3' }) }, newestFirst)).toThrow(
      'Invalid cursor in "before"',
    );
    expect(() => keysetPage({ after: 'not-a-cursor' }, newestFirst)).toThrow('Invalid cursor');
    expect(() =>
      keysetPage({ after: encodeCursor('Order', { p: ['only-one-key'], s: 'createdAt' }) }, newestFirst),
    ).toThrow('Invalid cursor');
    // A cursor of a list sorted by other keys (here by name) is refused, not compared with dates.
    expect(() =>
      keysetPage({ after: encodeCursor('Order', { p: ['Oats', 'o1'], s: 'name,id' }) }, newestFirst),
    ).toThrow('Invalid cursor');
    // Another list's cursor, even one sorted by the same keys.
    expect(() =>
      keysetPage(
        { after: encodeCursor('Transfer', { p: [{ d: at(5).getTime() }, 'o5'], s: 'createdAt,id' }) },
        newestFirst,
      ),
    ).toThrow('Invalid cursor');
    expect(() => keysetPage({ first: 1, last: 1 }, newestFirst)).toThrow('either');
    expect(() => keysetPage({ last: 101 }, newestFirst)).toThrow('"last" must be at most 100');
  });

  it('refuses a cursor whose values are not of the kinds of the list’s keys, or beyond what a database compares', () => {
    const cursor = (createdAt: unknown, id: unknown) =>
      encodeCursor('Order', { p: [createdAt, id], s: 'createdAt,id' });
    const good = { d: at(5).getTime() };
    expect(keysetPage({ after: cursor(good, 'o5') }, newestFirst).where).not.toEqual({});
    const tampered = [
      cursor('2026-01-01T00:00:00Z', 'o5'), // a date as a string
      cursor(at(5).getTime(), 'o5'), // a date as a bare number
      cursor({ d: 8.64e15 + 1 }, 'o5'), // beyond JavaScript's dates
      cursor({ d: 253_402_300_800_000 }, 'o5'), // year 10000
      cursor({ d: 1e300 }, 'o5'),
      cursor({ d: 1.5 }, 'o5'),
      cursor({ d: 1, b: '1' }, 'o5'),
      cursor(good, true), // a boolean id
      cursor(good, 5),
      cursor(good, null),
      cursor(good, { b: '5' }),
      cursor(good, ['o5']),
      cursor(good, 'o5\u0000'), // NUL, which no column holds
      cursor(good, 'x'.repeat(1001)),
    ];
    for (const after of tampered) expect(() => keysetPage({ after }, newestFirst)).toThrow('Invalid cursor in "after"');
    const byVintage: ListOrder<{ vintage: number; tonnes: bigint; id: string }> = {
      list: 'Credit',
      keys: [
        { field: 'vintage', direction: 'ASC', kind: 'integer', of: (r) => r.vintage },
        { field: 'tonnes', direction: 'ASC', kind: 'bigint', of: (r) => r.tonnes },
        { field: 'id', direction: 'ASC', kind: 'string', of: (r) => r.id },
      ],
    };
    const credit = (vintage: unknown, tonnes: unknown) =>
      encodeCursor('Credit', { p: [vintage, tonnes, 'c1'], s: 'vintage,tonnes,id' });
    expect(keysetPage({ after: credit(2024, { b: '9223372036854775807' }) }, byVintage).where).not.toEqual({});
    for (const after of [
      credit(2 ** 31, { b: '1' }),
      credit(2024.5, { b: '1' }),
      credit('2024', { b: '1' }),
      credit(2024, { b: '9223372036854775808' }),
      credit(2024, { b: '1e3' }),
      credit(2024, 1),
    ]) {
      expect(() => keysetPage({ after }, byVintage)).toThrow('Invalid cursor');
    }
  });

  it('keeps dates and bigints exact through the cursor', () => {
    const rows = [
      { id: 'a', tonnes: 9_007_199_254_740_993n },
      { id: 'b', tonnes: 9_007_199_254_740_992n },
      { id: 'c', tonnes: 1n },
    ];
    const byTonnes: ListOrder<(typeof rows)[number]> = {
      list: 'Holding',
      keys: [
        { field: 'tonnes', direction: 'DESC', kind: 'bigint', of: (r) => r.tonnes },
        { field: 'id', direction: 'ASC', kind: 'string', of: (r) => r.id },
      ],
    };
    const first = keysetSlice(rows, { first: 1 }, byTonnes);
    expect(keysetSlice(rows, { first: 1, after: first.pageInfo.endCursor }, byTonnes).nodes.map((r) => r.id)).toEqual([
      'b',
    ]);
    const page = keysetPage<Order>(
      { after: encodeCursor('Order', { p: [{ d: at(5).getTime() }, 'o5'], s: 'createdAt,id' }) },
      newestFirst,
    );
    expect(page.where).toEqual({
      $or: [{ createdAt: { $lt: at(5) } }, { createdAt: { $eq: at(5) }, id: { $lt: 'o5' } }],
    });
  });

  it('pages a list in memory with exact flags both ways', () => {
    const rows = Array.from({ length: 7 }, (_, i) => ({ id: `s${i}`, createdAt: at(i) }));
    const second = keysetSlice(
      rows,
      { first: 3, after: keysetSlice(rows, { first: 3 }, newestFirst).pageInfo.endCursor },
      newestFirst,
    );
    expect(second.nodes.map((r) => r.id)).toEqual(['s3', 's2', 's1']);
    expect(second.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    expect(second.totalCount).toBe(7);
    const back = keysetSlice(rows, { last: 3, before: second.pageInfo.startCursor }, newestFirst);
    expect(back.nodes.map((r) => r.id)).toEqual(['s6', 's5', 's4']);
    expect(back.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
  });
});
