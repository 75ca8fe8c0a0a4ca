// Hostile documents: each exceeds one limit of the gateway at its defaults and stays small on the wire.

/** `count` fragments, each spreading the next twice: 2^count fields once expanded. */
export function doublingFragments(count: number): string {
  const fragments = Array.from({ length: count }, (_, i) => {
    const next = i + 1 < count ? ` ...F${i + 1} ...F${i + 1}` : '';
    return `fragment F${i} on ProductConnection { totalCount pageInfo { hasNextPage }${next} }`;
  });
  return `query FanOut { products { ...F0 } }\n${fragments.join('\n')}`;
}

/** `count` aliases of one field, four characters each. */
export const aliases = (count: number) => `{ ${'a:a '.repeat(count)}}`;

/** Fields nested `levels` deep. */
export const nested = (levels: number) => `{ ${'a { '.repeat(levels - 1)}b${' }'.repeat(levels - 1)} }`;

/** One field carrying `count` directives. */
export const directives = (count: number) => `{ __typename${' @include(if: true)'.repeat(count)} }`;

/** Two nested pages of 100: 20,301 objects. */
export const COSTLY =
  '{ products(first: 100) { nodes { supplier { payments(first: 100) { nodes { amount { amount } } } } } } }';
