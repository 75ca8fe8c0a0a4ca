import { describe, expect, it } from '@jest/globals';
import { Kind, parse, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import {
  afterKeyPage,
  decodeCursor,
  encodeCursor,
  offsetConnection,
  offsetPage,
  wantsTotalCount,
  windowFromPages,
} from '../../lib/connection.ts';
import { DecimalScalar, isCountryCode, isCurrencyCode } from '../../lib/scalars.ts';

const rows = Array.from({ length: 23 }, (_, i) => i);

describe('connections', () => {
  it('turns first/after into offset windows and cursors into positions', () => {
    expect(offsetPage({}, 'Product')).toEqual({ list: 'Product', offset: 0, limit: 20 });
    const page = offsetPage({ first: 5, after: encodeCursor('Product', { o: 9 }) }, 'Product');
    expect(page).toEqual({ list: 'Product', offset: 10, limit: 5 });
    const conn = offsetConnection(rows.slice(10, 16), page, rows.length);
    expect(conn.nodes).toEqual([10, 11, 12, 13, 14]);
    expect(decodeCursor(conn.pageInfo.endCursor!, 'Product')).toEqual({ o: 14 });
    expect(conn.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
  });

  it('pages backwards with last/before', () => {
    expect(offsetPage({ last: 3, before: encodeCursor('Product', { o: 10 }) }, 'Product')).toEqual({
      list: 'Product',
      offset: 7,
      limit: 3,
    });
    expect(offsetPage({ last: 30, before: encodeCursor('Product', { o: 2 }) }, 'Product')).toEqual({
      list: 'Product',
      offset: 0,
      limit: 2,
    });
  });

  it('reads first with last by the one cursor given, as Relay’s loadPrevious and loadNext send them', () => {
    expect(offsetPage({ first: 20, last: 3, before: encodeCursor('Product', { o: 10 }) }, 'Product')).toEqual({
      list: 'Product',
      offset: 7,
      limit: 3,
    });
    expect(offsetPage({ first: 5, last: 20, after: encodeCursor('Product', { o: 9 }) }, 'Product')).toEqual({
      list: 'Product',
      offset: 10,
      limit: 5,
    });
    expect(() =>
      offsetPage(
        { first: 5, last: 3, after: encodeCursor('Product', { o: 1 }), before: encodeCursor('Product', { o: 9 }) },
        'Product',
      ),
    ).toThrow('either');
  });

  it('refuses sizes above the maximum, negative sizes and garbage cursors', () => {
    expect(() => offsetPage({ first: 101 }, 'Product')).toThrow('"first" must be at most 100');
    expect(() => offsetPage({ first: -1 }, 'Product')).toThrow('non-negative');
    expect(() => offsetPage({ after: 'nope' }, 'Product')).toThrow('Invalid cursor');
    expect(() => offsetPage({ first: 1, last: 1 }, 'Product')).toThrow('either');
  });

  it('refuses another list’s cursor, a key cursor and offsets that are not small non-negative integers', () => {
    for (const after of [
      encodeCursor('Supplier', { o: 3 }),
      encodeCursor('Product', { k: 'p3' }),
      encodeCursor('Product', { o: -1 }),
      encodeCursor('Product', { o: 1.5 }),
      encodeCursor('Product', { o: 2 ** 31 }),
      encodeCursor('Product', { o: '3' } as never),
      Buffer.from(JSON.stringify({ o: 3 })).toString('base64url'),
      Buffer.from('[1]').toString('base64url'),
      '',
    ]) {
      expect(() => offsetPage({ after }, 'Product')).toThrow('Invalid cursor in "after"');
    }
    expect(() => afterKeyPage({ after: encodeCursor('OffsetOrder', { k: 'a\u0000' }) }, 'OffsetOrder')).toThrow(
      'Invalid cursor',
    );
    expect(() => afterKeyPage({ after: encodeCursor('ResoldProduct', { k: 'p1' }) }, 'OffsetOrder')).toThrow(
      'Invalid cursor',
    );
    expect(afterKeyPage({ after: encodeCursor('OffsetOrder', { k: 'o1' }) }, 'OffsetOrder')).toEqual({
      list: 'OffsetOrder',
      limit: 20,
      afterKey: 'o1',
    });
  });

  it('serves any window from a page/size upstream with at most two page requests', async () => {
    const requests: [number, number][] = [];
    const fetchPage = async (n: number, size: number) => {
      requests.push([n, size]);
      return { items: rows.slice((n - 1) * size, n * size), total: rows.length };
    };
    const aligned = await windowFromPages({ list: 'Product', offset: 10, limit: 5 }, fetchPage);
    expect(aligned.nodes).toEqual([10, 11, 12, 13, 14]);
    expect(requests).toEqual([[3, 5]]);
    requests.length = 0;
    const straddling = await windowFromPages({ list: 'Product', offset: 7, limit: 5 }, fetchPage);
    expect(straddling.nodes).toEqual([7, 8, 9, 10, 11]);
    expect(requests).toEqual([
      [2, 5],
      [3, 5],
    ]);
    const tail = await windowFromPages({ list: 'Product', offset: 20, limit: 5 }, fetchPage);
    expect(tail.nodes).toEqual([20, 21, 22]);
    expect(tail.pageInfo.hasNextPage).toBe(false);
  });
});

describe('scalars', () => {
  it('accepts decimal strings and integers, never floats', () => {
    expect(DecimalScalar.parseValue('12.50').toString()).toBe('12.5');
    expect(DecimalScalar.parseValue(3).toString()).toBe('3');
    expect(() => DecimalScalar.parseValue(0.1)).toThrow('Decimal cannot represent');
    expect(() => DecimalScalar.parseValue('1e5')).toThrow('Decimal cannot represent');
    expect(DecimalScalar.serialize('145.00')).toBe('145.00');
  });

  it('validates ISO country and currency codes', () => {
    expect(isCountryCode('SE')).toBe(true);
    expect(isCountryCode('XX')).toBe(false);
    expect(isCountryCode('se')).toBe(false);
    expect(isCurrencyCode('EUR')).toBe(true);
    expect(isCurrencyCode('EUX')).toBe(false);
  });
});

describe('wantsTotalCount', () => {
  /** The `info` of the first root field of a query. */
  const infoOf = (query: string) => {
    const doc = parse(query);
    const operation = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
    const fragments = Object.fromEntries(
      doc.definitions
        .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
        .map((f) => [f.name.value, f]),
    );
    return { fieldNodes: [operation.selectionSet.selections[0] as FieldNode], fragments };
  };

  it('is true when totalCount is selected directly, in an inline fragment or in a named fragment', () => {
    expect(wantsTotalCount(infoOf('{ products { totalCount nodes { id } } }'))).toBe(true);
    expect(wantsTotalCount(infoOf('{ products { ... on ProductConnection { totalCount } } }'))).toBe(true);
    expect(
      wantsTotalCount(
        infoOf('query { products { ...F } } fragment F on ProductConnection { nodes { id } totalCount }'),
      ),
    ).toBe(true);
  });

  it('is false when only nodes, edges or pageInfo are selected (a nested totalCount does not count)', () => {
    expect(wantsTotalCount(infoOf('{ products { nodes { id } pageInfo { hasNextPage } } }'))).toBe(false);
    expect(wantsTotalCount(infoOf('{ products { edges { node { orders { totalCount } } } } }'))).toBe(false);
  });
});
