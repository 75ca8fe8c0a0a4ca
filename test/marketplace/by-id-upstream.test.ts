// Upstream mode resolves ids through the documented GET /{resource}/{id} routes only: one call
// per distinct id per request, a bounded number in flight, a 404 is null for that id alone.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { demoOrders } from '../../subgraphs/marketplace/local/seed.ts';
import type { OrderRecord } from '../../subgraphs/marketplace/source.ts';
import { gid, localOf } from '../support/ids.ts';
import { data, startMarketplace, type Marketplace } from './helpers.ts';

const BOUND = 3;
const CORE = '/co2trust-services/v1';

describe('marketplace by-id lookups (upstream mode)', () => {
  let m: Marketplace;
  const extra: OrderRecord[] = [];

  beforeAll(async () => {
    m = await startMarketplace('upstream', { CO2TRUST_BY_ID_CONCURRENCY: String(BOUND) });
    for (let i = 0; i < 7; i++)
      extra.push({ ...demoOrders[0]!, id: randomUUID(), createdAt: new Date(Date.UTC(2026, 0, 1, 0, i)) });
    m.fake!.state.orders.push(...extra);
  });
  afterAll(async () => {
    await m?.stop();
  });

  const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id } ... on Product { id name } } }`;

  it('30 references to 10 distinct orders cost 10 calls, never more than the bound in flight', async () => {
    const ten = [...DEMO.orders.slice(0, 3), ...extra.map((o) => o.id)];
    expect(new Set(ten).size).toBe(10);
    const reps = [...ten, ...ten, ...ten].map((id) => ({ __typename: 'Order', id }));
    m.fake!.state.byIdReads.delayMs = 30;
    m.fake!.state.byIdReads.maxInFlight = 0;
    m.fake!.resetCalls();
    try {
      const res = data(await m.as('admin', ENTITIES, { r: reps }));
      expect(res._entities.map((e: { id: string }) => localOf(e.id))).toEqual(reps.map((r) => r.id));
    } finally {
      m.fake!.state.byIdReads.delayMs = 0;
    }
    const calls = m.fake!.calls;
    expect(calls).toHaveLength(10);
    expect(calls.every((c) => c.method === 'GET' && c.query === '' && c.path.startsWith(`${CORE}/orders/`))).toBe(true);
    expect(new Set(calls.map((c) => c.path.split('/').at(-1)))).toEqual(new Set(ten));
    expect(m.fake!.state.byIdReads.maxInFlight).toBeGreaterThan(1);
    expect(m.fake!.state.byIdReads.maxInFlight).toBeLessThanOrEqual(BOUND);
  });

  it('an unknown id is null for that id alone; the others still resolve', async () => {
    const missing = randomUUID();
    m.fake!.resetCalls();
    const res = await m.as(
      null,
      `{ a: product(id: "${DEMO.products[0]}") { id name } b: product(id: "${missing}") { id } c: supplier(id: "${DEMO.suppliers[0]}") { id } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      a: { id: gid('Product', DEMO.products[0]), name: expect.any(String) },
      b: null,
      c: { id: gid('Supplier', DEMO.suppliers[0]) },
    });
    expect(m.fake!.calls.map((c) => `${c.method} ${c.path}`).sort()).toEqual(
      [
        `GET ${CORE}/products/${DEMO.products[0]}`,
        `GET ${CORE}/products/${missing}`,
        `GET ${CORE}/suppliers/${DEMO.suppliers[0]}`,
      ].sort(),
    );
  });

  it('a failing id fails only its own entry, not the batch', async () => {
    const [good, bad] = [DEMO.products[0]!, DEMO.products[1]!];
    m.fake!.fail({ method: 'GET', pathPrefix: `${CORE}/products/${bad}`, status: 500, times: 10 });
    const res = await m.as(null, `{ a: product(id: "${good}") { id } b: product(id: "${bad}") { id } }`);
    expect(res.data).toEqual({ a: { id: gid('Product', good) }, b: null });
    expect(res.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['b'], 'UPSTREAM_UNAVAILABLE']]);
  });

  it('every documented by-id route is used (products, orders, NFTs, suppliers, traders, impact partners, bundle and product orders)', async () => {
    m.fake!.resetCalls();
    const s = m.fake!.state;
    const q = `{
      product(id: "${s.products[0]!.id}") { id } order(id: "${s.orders[0]!.id}") { id } nft(id: "${s.nfts[0]!.id}") { id }
      supplier(id: "${s.suppliers[0]!.id}") { id } trader(id: "${s.traders[0]!.id}") { id } impactPartner(id: "${s.impactPartners[0]!.id}") { id }
      bundleOrder(id: "${s.bundleOrders[0]!.id}") { id } productOrder(id: "${s.productOrders[0]!.id}") { id }
    }`;
    const res = data(await m.as('admin', q));
    expect(Object.values(res).every((v) => v !== null)).toBe(true);
    const routes = new Set(m.fake!.calls.map((c) => c.path.split('/').slice(3, 4)[0]));
    expect(routes).toEqual(
      new Set([
        'products',
        'orders',
        'nfts',
        'suppliers',
        'traders',
        'impact-partners',
        'bundle-orders',
        'product-orders',
      ]),
    );
    expect(m.fake!.calls.every((c) => !c.query.includes('ids='))).toBe(true);
  });
});
