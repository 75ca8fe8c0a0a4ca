// Entities resolve in batches: the number of SQL statements (local) or upstream calls (upstream)
// of a query does not grow with the number of orders it lists.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { DEMO } from '../../demo/data.ts';
import { dec } from '../../lib/decimal.ts';
import { Order } from '../../subgraphs/marketplace/local/entities.ts';
import { toRow } from '../../subgraphs/marketplace/local/mapping.ts';
import { demoProducts } from '../../subgraphs/marketplace/local/seed.ts';
import type { OrderRecord } from '../../subgraphs/marketplace/source.ts';
import { MODES } from '../support/env.ts';
import { gid, localOf } from '../support/ids.ts';
import { data, startMarketplace, type Marketplace } from './helpers.ts';

const EXTRA_ORDERS = 120;

describe.each(MODES)('marketplace federation and batching (%s mode)', (mode) => {
  let m: Marketplace;
  const seeded: OrderRecord[] = [];

  beforeAll(async () => {
    m = await startMarketplace(mode);
    const buyers = [DEMO.users.alice.id, DEMO.users.bob.id];
    const products = demoProducts.filter((p) => p.productType !== 'BUNDLE' && p.isPublic);
    for (let i = 0; i < EXTRA_ORDERS; i++) {
      const product = products[i % products.length]!;
      const quantity = dec(i + 1);
      seeded.push({
        id: randomUUID(),
        productId: product.id,
        supplierId: product.supplierId,
        buyerId: buyers[i % 2]!,
        quantity,
        unitPrice: product.pricePerTonne,
        totalPrice: { amount: product.pricePerTonne.amount.mul(quantity), currency: 'EUR' },
        status: 'COMPLETED',
        isPublic: i % 3 === 0,
        orderHash: null,
        bundleOrderId: null,
        createdAt: new Date(Date.UTC(2026, 5, 1, 0, i)),
      });
    }
    if (mode === 'local') {
      const em = m.app.database!.fork();
      for (const o of seeded) await em.insert(Order, toRow.order(o));
    } else {
      m.fake!.state.orders.push(...seeded);
    }
  });
  afterAll(async () => {
    await m?.stop();
  });

  /** Runs a query (as the admin unless told) and returns how many SQL statements or upstream calls it made. */
  const cost = async (query: string, variables?: Record<string, unknown>, who: 'alice' | 'admin' = 'admin') => {
    if (mode === 'local') m.app.database!.queries.reset();
    else m.fake!.resetCalls();
    const result = data(await m.as(who, query, variables));
    const count = mode === 'local' ? m.app.database!.queries.count : m.fake!.calls.length;
    return { result, count, throughOrm: mode === 'local' ? m.app.database!.queries.throughOrm : 0 };
  };

  const LIST = `query($n: Int!) { orders(first: $n) { nodes { id supplier { id name } product { id name supplier { name } } bundleOrder { id } } } }`;

  it('listing 100 orders with their supplier and product costs the same as listing 10', async () => {
    const ten = await cost(LIST, { n: 10 });
    const hundred = await cost(LIST, { n: 100 });
    expect(ten.result.orders.nodes).toHaveLength(10);
    expect(hundred.result.orders.nodes).toHaveLength(100);
    expect(
      hundred.result.orders.nodes.every(
        (o: { supplier: { name: string }; product: { name: string } }) => o.supplier.name && o.product.name,
      ),
    ).toBe(true);
    expect(hundred.count).toBe(ten.count);
    // local: orders window + count, products, suppliers; upstream: the orders page, then one
    // documented GET /{resource}/{id} per distinct product and supplier (whatever the order count).
    const products = new Set(hundred.result.orders.nodes.map((o: { product: { id: string } }) => o.product.id));
    const suppliers = new Set(hundred.result.orders.nodes.map((o: { supplier: { id: string } }) => o.supplier.id));
    expect(hundred.count).toBeLessThanOrEqual(mode === 'local' ? 4 : 1 + products.size + suppliers.size);
  });

  it('resolves 100 Order, Product, Supplier, NFT and User references in one batch per type', async () => {
    const orders = seeded.slice(0, 100).map((o) => ({ __typename: 'Order', id: o.id }));
    const others = [
      ...DEMO.products.slice(0, 3).map((id) => ({ __typename: 'Product', id })),
      ...DEMO.suppliers.map((id) => ({ __typename: 'Supplier', id })),
      ...DEMO.nfts.map((id) => ({ __typename: 'Nft', id })),
      { __typename: 'User', id: DEMO.users.admin.id },
    ];
    const q = `query($r: [_Any!]!) { _entities(representations: $r) {
      ... on Order { id totalPrice { amount } supplier { name } }
      ... on Product { id name }
      ... on Supplier { id name }
      ... on Nft { id tokenAddress tokenId }
      ... on User { id email }
    } }`;
    const { result, count } = await cost(q, { r: [...orders, ...others] });
    expect(result._entities).toHaveLength(100 + others.length);
    expect(result._entities.slice(0, 100).map((e: { id: string }) => localOf(e.id))).toEqual(orders.map((o) => o.id));
    expect(result._entities.at(-1)).toEqual({ id: gid('User', DEMO.users.admin.id), email: DEMO.users.admin.email });
    // Local: one lookup per entity type. Upstream: one documented GET /{resource}/{id} per distinct
    // id (users come from the token), the supplier of every order included.
    const distinct = new Set([...orders, ...others].filter((r) => r.__typename !== 'User').map((r) => r.id)).size;
    expect(count).toBeLessThanOrEqual(mode === 'local' ? 5 : distinct);
  });

  // The marketplace's part of bench/query.graphql, as the gateway's planner sends it (with a
  // products page smaller than the demo catalogue, so that a next page exists).
  const benchPart = (productsTotal: string, ordersTotal: string) => `query {
    me { id orders(first: 5) { ${ordersTotal} nodes { id totalPrice { amount currency } __typename } } }
    products(first: 3) { ${productsTotal} nodes { id name pricePerTonne { amount currency } supplier { name } } }
    nft(id: "${DEMO.nfts[0]}") { id tokenId __typename tokenAddress }
  }`;

  (mode === 'local' ? it : it.skip)(
    'serves the bench query in one statement per list and per entity batch, counting only when asked (local mode only: counts SQL statements, and upstream there are none)',
    async () => {
      const asSent = await cost(benchPart('totalCount', ''), undefined, 'alice');
      expect(asSent.result.products.nodes).toHaveLength(3);
      expect(asSent.result.products.totalCount).toBeGreaterThan(3);
      expect(asSent.result.me.orders.nodes.length).toBeGreaterThan(0);
      expect(asSent.result.nft.tokenId).toBeTruthy();
      // user, orders page, products page (its total beside each row), suppliers of the products, the NFT.
      expect(asSent.count).toBe(5);
      // Read paths are plain rows: none of them goes through the ORM's unit of work.
      expect(asSent.throughOrm).toBe(0);
      // No totalCount selected: the same statements without the count, and the page still knows that more follow.
      const uncounted = await cost(benchPart('pageInfo { hasNextPage }', ''), undefined, 'alice');
      expect(uncounted.count).toBe(5);
      expect(uncounted.result.products.pageInfo.hasNextPage).toBe(true);
      // totalCount on both lists (also through a fragment): still one statement per list.
      const both = await cost(
        benchPart('totalCount', '...Total').replace(
          'query {',
          'fragment Total on OrderConnection { totalCount }\nquery {',
        ),
        undefined,
        'alice',
      );
      expect(both.count).toBe(5);
      expect(both.result.me.orders.totalCount).toBeGreaterThanOrEqual(asSent.result.me.orders.nodes.length);
    },
  );

  (mode === 'local' ? it : it.skip)(
    'a keyset page after or before a cursor is one statement, its total too, but for an empty page (local mode only: counts SQL statements, and upstream there are none)',
    async () => {
      const PAGE = `query($after: String, $before: String, $first: Int, $last: Int) { orders(first: $first, after: $after, last: $last, before: $before) { nodes { id } pageInfo { startCursor endCursor } } }`;
      const first = await cost(PAGE, { first: 3 });
      expect(first.count).toBe(1);
      const next = await cost(PAGE, { first: 3, after: first.result.orders.pageInfo.endCursor });
      expect(next.count).toBe(1);
      const back = await cost(PAGE, { last: 3, before: next.result.orders.pageInfo.startCursor });
      expect(back.count).toBe(1);
      expect(back.result.orders.nodes).toEqual(first.result.orders.nodes);
      const counted = await cost(PAGE.replace('nodes { id }', 'totalCount nodes { id }'), {
        last: 3,
        before: next.result.orders.pageInfo.startCursor,
      });
      expect(counted.count).toBe(1);
      // The total rides on the page's rows; a page before the first row has none, so it costs a count of its own.
      const total = (await cost(PAGE.replace('nodes { id }', 'totalCount nodes { id }'), { first: 3 })).result.orders
        .totalCount;
      expect(total).toBeGreaterThan(3);
      expect(counted.result.orders.totalCount).toBe(total);
      const before = await cost(PAGE.replace('nodes { id }', 'totalCount nodes { id }'), {
        last: 3,
        before: first.result.orders.pageInfo.startCursor,
      });
      expect(before.result.orders.nodes).toEqual([]);
      expect(before.result.orders.totalCount).toBe(total);
      expect(before.count).toBe(2);
    },
  );
});
