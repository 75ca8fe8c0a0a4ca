// Which of a group's resold products the page offers, and the group it opens on. A product is
// offered when it can be quoted: it has a footprint and a year of sales. One without (e.g. its
// supplier has not published a footprint yet) could never be priced, so it is not listed.
import type { AppResoldProductsQuery } from './__generated__/graphql.ts';

export type Product = NonNullable<AppResoldProductsQuery['resoldProducts']>['nodes'][number];

/** The products the page offers, in the API's order. */
export const offerableProducts = (products: readonly Product[]): Product[] =>
  products.filter((p) => p.footprint !== null && p.yearlySalesVolumes.length > 0);

/** The first group with a product to offer (else the first group): the page opens on it. */
export const openingGroup = (
  groups: readonly { id: string }[],
  productsOf: ReadonlyMap<string, readonly Product[]>,
): string | undefined =>
  (groups.find((g) => offerableProducts(productsOf.get(g.id) ?? []).length > 0) ?? groups[0])?.id;
