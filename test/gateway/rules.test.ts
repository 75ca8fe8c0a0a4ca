// The query limit rules and the bounded document cache, without a server.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { GraphQLError, buildSchema, parse, type OperationDefinitionNode } from 'graphql';
import { BoundedCache } from '../../gateway/document-cache.ts';
import {
  LimitCode,
  checkShape,
  measureDocument,
  operationCost,
  parseWithinTokens,
  type QueryLimits,
} from '../../gateway/limits.ts';
import { ROOT } from '../../lib/paths.ts';
import { doublingFragments } from './queries.ts';

const schema = buildSchema(readFileSync(join(ROOT, 'schema', 'api.graphql'), 'utf8'));
const LIMITS: QueryLimits = {
  maxTokens: 2000,
  maxAliases: 30,
  maxDirectives: 50,
  maxSelections: 2000,
  maxDepth: 15,
  maxCost: 10_000,
};
const cost = (query: string, variables: Record<string, unknown> = {}) => {
  const document = parse(query);
  return operationCost(schema, document, document.definitions[0] as OperationDefinitionNode, variables);
};

describe('document measures', () => {
  it('count fields, aliases and directives as executed: a fragment once per spread', () => {
    const m = measureDocument(
      parse(
        '{ a: products { ...C ...C } } fragment C on ProductConnection { n: totalCount @include(if: true) pageInfo { hasNextPage } }',
      ),
    );
    expect(m).toEqual({ aliases: 3, directives: 2, selections: 7, depth: 3 });
  });

  // Linear by construction, not by a clock: expanded, 30 doubling fragments are 2^30 fields, which
  // an expanding walk would not finish.
  it('measure 30 doubling fragments without expanding them (2^30 fields once expanded)', () => {
    const m = measureDocument(parse(doublingFragments(30)));
    expect(m.selections).toBeGreaterThan(2 ** 30);
    expect(checkShape(parse(doublingFragments(30)), LIMITS)?.extensions.code).toBe(LimitCode.selections);
  });

  it('follow fragments for depth and survive a fragment cycle (left to validation)', () => {
    expect(measureDocument(parse('{ a { ...F } } fragment F on T { b { c { d } } }')).depth).toBe(4);
    expect(
      measureDocument(parse('{ a { ...F } } fragment F on T { b { ...G } } fragment G on T { c { ...F } }')).depth,
    ).toBe(3);
  });

  it('refuse each limit with its own code', () => {
    const deep = `{ ${'a { '.repeat(16)}b${' }'.repeat(16)} }`;
    expect(checkShape(parse(deep), LIMITS)?.extensions.code).toBe(LimitCode.depth);
    expect(
      checkShape(parse(`{ ${Array.from({ length: 31 }, (_, i) => `a${i}: b`).join(' ')} }`), LIMITS)?.extensions.code,
    ).toBe(LimitCode.aliases);
    expect(checkShape(parse(`{ a${' @skip(if: false)'.repeat(51)} }`), LIMITS)?.extensions.code).toBe(
      LimitCode.directives,
    );
    expect(checkShape(parse(`{ a${' @skip(if: false)'.repeat(50)} }`), LIMITS)).toBeNull();
  });

  it('the token limit stops parsing with its code; other syntax errors stay syntax errors', () => {
    const refused = (() => {
      try {
        return parseWithinTokens(`{ ${'a '.repeat(2000)}}`, 2000);
      } catch (error) {
        return error as GraphQLError;
      }
    })();
    expect(refused).toBeInstanceOf(GraphQLError);
    expect((refused as GraphQLError).extensions.code).toBe(LimitCode.tokens);
    expect(parseWithinTokens(`{ ${'a '.repeat(1997)}}`, 2000).definitions).toHaveLength(1);
    expect(() => parseWithinTokens('{ products(first: ', 2000)).toThrow(/Syntax Error/);
  });
});

describe('operation cost', () => {
  it('an object field weighs 1 and a scalar 0; first multiplies the page', () => {
    expect(cost('{ products(first: 10) { totalCount nodes { name supplier { name } } } }')).toBe(1 + 10 * (1 + 1));
  });

  it('takes first from a variable, else the argument default, else 20', () => {
    const query = 'query($n: Int) { products(first: $n) { nodes { supplier { name } } } }';
    expect(cost(query, { n: 100 })).toBe(1 + 100 * 2);
    expect(cost(query)).toBe(1 + 20 * 2);
  });

  it('nested pages multiply; fragments are costed once and reused', () => {
    const query =
      '{ products(first: 100) { nodes { supplier { payments(first: 100) { nodes { amount { amount } } } } } } }';
    expect(cost(query)).toBe(1 + 100 * (1 + 1 + 1 + 100 * (1 + 1)));
    expect(
      cost(
        '{ products(first: 100) { ...P } } fragment P on ProductConnection { nodes { supplier { payments(first: 100) { nodes { amount { amount } } } } } }',
      ),
    ).toBe(cost(query));
  });

  it('a list outside a connection counts as 20 items; a mutation field weighs 10', () => {
    expect(cost('{ groups { id } }')).toBe(20 * 1);
    expect(cost('mutation { authenticate(input: { email: "a@b.example" }) { accessToken } }')).toBe(10);
  });

  it('introspection costs nothing', () => {
    expect(cost('{ __schema { types { fields { name } } } }')).toBe(0);
  });

  it('costs 30 doubling fragments without expanding them', () => {
    expect(cost(doublingFragments(30))).toBeGreaterThan(2 ** 30);
  });
});

describe('bounded cache', () => {
  const cache = (maxEntries: number, maxBytes: number) =>
    new BoundedCache<string>({ maxEntries, maxBytes, sizeOf: (key, value) => key.length + value.length });

  it('evicts the least recently used entry past the entry limit', () => {
    const c = cache(2, 1000);
    c.set('a', '1');
    c.set('b', '2');
    expect(c.get('a')).toBe('1');
    c.set('c', '3');
    expect([c.get('a'), c.get('b'), c.get('c')]).toEqual(['1', undefined, '3']);
    expect(c.size).toBe(2);
  });

  it('evicts past the byte limit and keeps its byte count exact', () => {
    const c = cache(100, 10);
    c.set('a', '1234');
    c.set('b', '1234');
    expect(c.bytes).toBe(10);
    c.set('c', '1');
    expect(c.get('a')).toBeUndefined();
    expect(c.bytes).toBe(7);
    c.set('b', '1');
    expect(c.bytes).toBe(4);
  });

  it('does not keep an entry larger than the whole budget', () => {
    const c = cache(100, 10);
    c.set('a', '1');
    c.set('big', 'x'.repeat(20));
    expect(c.get('big')).toBeUndefined();
    expect(c.get('a')).toBe('1');
  });
});
