// The demo data behind the offset page, read and ordered as the page does it (app/src/App.tsx,
// with the page's own operations): the page opens on a product that has a footprint, and every
// product it offers can be offset again and again by several buyers, each order quoted first and
// placed with its quote as the maximum spend, in both modes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { DEMO } from '../../demo/data.ts';
import { ROOT } from '../../lib/paths.ts';
import { MODES, tokenFor } from '../support/env.ts';
import { graphql, ok } from '../support/graphql.ts';
import { startStack, type Stack } from '../support/stack.ts';
import {
  AppGroupsDocument,
  AppOffsetQuoteDocument,
  AppOffsetResoldProductDocument,
  AppResoldProductsDocument,
  type AppResoldProductsQuery,
} from '../../app/src/__generated__/graphql.ts';
import { offerableProducts, openingGroup } from '../../app/src/products.ts';

type Product = NonNullable<AppResoldProductsQuery['resoldProducts']>['nodes'][number];

/** The page's documents are persisted ones: their text, by hash, is in the manifest beside them. */
const DOCUMENTS = JSON.parse(
  readFileSync(join(ROOT, 'app', 'src', '__generated__', 'persisted-documents.json'), 'utf8'),
) as Record<string, string>;
const textOf = (document: TypedDocumentNode<unknown, never>) =>
  DOCUMENTS[(document as unknown as { __meta__: { hash: string } }).__meta__.hash]!;

/** Orders per product and year the page offers, taken in turn by the buyers. */
const ORDERS_EACH = 4;

describe.each(MODES)('the offset page demo data (%s mode)', (mode) => {
  let stack: Stack;
  let buyers: { name: string; token: string }[];

  beforeAll(async () => {
    stack = await startStack(mode, { PAYMENT_OUTBOX_INTERVAL_MS: '50' });
    buyers = [
      { name: 'alice', token: await tokenFor(DEMO.users.alice) },
      { name: 'bob', token: await tokenFor(DEMO.users.bob) },
    ];
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });

  /** One of the page's operations, sent as the page sends it once the gateway knows its hash. */
  const send = <T, V extends Record<string, unknown>>(document: TypedDocumentNode<T, V>, variables: V, token: string) =>
    graphql<T>(stack.gateway.url, textOf(document as TypedDocumentNode<unknown, never>), variables, { token });

  const groupsAndProducts = async (token: string) => {
    const { groups } = ok(await send(AppGroupsDocument, {}, token));
    const byGroup = new Map<string, Product[]>();
    for (const g of groups ?? []) {
      const data = ok(await send(AppResoldProductsDocument, { groupId: g.id }, token));
      expect(data.resoldProducts?.pageInfo.hasNextPage).toBe(false);
      byGroup.set(g.id, data.resoldProducts?.nodes ?? []);
    }
    return { groups: groups ?? [], byGroup };
  };

  it('opens on a group whose first product has a footprint and sales to quote', async () => {
    const { groups, byGroup } = await groupsAndProducts(buyers[0]!.token);
    const opening = openingGroup(groups, byGroup);
    expect(opening).toBeDefined();
    const first = offerableProducts(byGroup.get(opening!)!)[0];
    expect(first?.footprint).not.toBeNull();
    expect(first?.yearlySalesVolumes.length).toBeGreaterThan(0);
  });

  it(`every product the page offers is quoted and offset ${ORDERS_EACH} times by two buyers, with no refusal`, async () => {
    const { byGroup } = await groupsAndProducts(buyers[0]!.token);
    const offered = [...byGroup.values()].flatMap(offerableProducts);
    // Every product of the demo data set that the page shows is one it can offset.
    expect(offered.length).toBeGreaterThanOrEqual(3);
    const refusals: string[] = [];
    let placed = 0;
    for (const product of offered) {
      for (const { year } of product.yearlySalesVolumes) {
        for (let n = 0; n < ORDERS_EACH; n++) {
          const buyer = buyers[n % buyers.length]!;
          const quoted = ok(await send(AppOffsetQuoteDocument, { id: product.id, year }, buyer.token)).resoldProduct
            ?.offsetQuote;
          if (!quoted) {
            refusals.push(`${product.name} ${year}: no quote for ${buyer.name}`);
            continue;
          }
          const answer = await send(
            AppOffsetResoldProductDocument,
            {
              input: {
                resoldProductId: product.id,
                year,
                idempotencyKey: `demo-${mode}-${product.id}-${year}-${n}`,
                maximumSpend: { amount: quoted.totalCost.amount, currency: quoted.totalCost.currency },
              },
            },
            buyer.token,
          );
          const result = answer.data?.offsetResoldProduct;
          const problems = [
            ...(answer.errors ?? []).map((e) => `${e.extensions?.code}: ${e.message}`),
            ...(result?.userErrors ?? []).map((e) => `${e.code}: ${e.message}`),
          ];
          if (problems.length || !result?.offsetOrder)
            refusals.push(`${product.name} ${year}, order ${n + 1} by ${buyer.name}: ${problems.join('; ')}`);
          else placed++;
        }
      }
    }
    expect(refusals).toEqual([]);
    expect(placed).toBe(offered.reduce((sum, p) => sum + p.yearlySalesVolumes.length, 0) * ORDERS_EACH);
  }, 120_000);
});
