import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { dec, Decimal } from '../../lib/decimal.ts';
import { CertificateSigner } from '../../subgraphs/marketplace/offsets/certificate-link.ts';
import { OffsetBundle } from '../../subgraphs/marketplace/offsets/local/entities.ts';
import { demoOffsetBundles } from '../../subgraphs/marketplace/offsets/local/seed.ts';
import { createMarketplaceApp, type MarketplaceApp } from '../../subgraphs/marketplace/server.ts';
import { TEST_SECRETS, tokenFor } from '../support/env.ts';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { DocumentNode } from 'graphql';
import {
  OffsetOrderPageDocument,
  OrderOffsetByEstimateDocument,
  OrderOffsetByMassDocument,
  OrderOffsetByValueDocument,
  QuoteOffsetByMassDocument,
  QuoteOffsetByValueDocument,
  type MassUnit,
  type OffsetQuotePartsFragment,
  type OffsetOrderPageQuery,
} from '../__generated__/marketplace-operations.ts';
import { codes, gatewayGet, graphql, ok, type GraphQLResponse } from '../support/graphql.ts';
import { gid, localOf } from '../support/ids.ts';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph.ts';
import { pdfText } from './helpers.ts';

/** The demo offset orders by their global ids (the API's ids; arguments take them). */
const OO = DEMO.offsetOrders.map((id) => gid('OffsetOrder', id));

type Quote = OffsetQuotePartsFragment;

const ALLOCATION =
  'bundleId bundleName projectId projectName mass { amount unit } unitPrice { amount currency } cost { amount currency }';
const QUOTE = `mass { amount unit } totalCost { amount currency } allocations { ${ALLOCATION} }`;

const Q_MASS = QuoteOffsetByMassDocument;
const Q_VALUE = QuoteOffsetByValueDocument;
const BY_MASS = OrderOffsetByMassDocument;
const BY_VALUE = OrderOffsetByValueDocument;
const BY_ESTIMATE = OrderOffsetByEstimateDocument;
const LIST = OffsetOrderPageDocument;

const sum = (values: string[]) => values.reduce((s, v) => s.add(v), new Decimal(0));
const INITIAL_TONNES = sum(demoOffsetBundles.map((b) => dec(b.availableGrams.toString()).div(1_000_000).toString()));

// Upstream mode (Lune's API) has a suite of its own: offset-upstream.test.ts.
describe.each(['local'] as const)('offset orders (%s mode)', (mode) => {
  let subgraph: TestSubgraph;
  let app: MarketplaceApp;
  let alice: string;
  let bob: string;
  let admin: string;

  beforeAll(async () => {
    // Nothing listens at the registry URL: local certificates say its records are not available.
    const env: Record<string, string> = { UPSTREAM_RETRIES: '2', REGISTRY_URL: 'http://127.0.0.1:9/graphql' };
    subgraph = await startTestSubgraph(
      'marketplace',
      mode,
      async (config) => (app = await createMarketplaceApp(config)),
      env,
    );
    alice = await tokenFor(DEMO.users.alice);
    bob = await tokenFor(DEMO.users.bob);
    admin = await tokenFor(DEMO.users.admin);
  });
  afterAll(async () => {
    await subgraph?.stop();
  });

  // A typed operation answers its generated result type; a text (entity references, documents
  // built here) the type it is given.
  function gql<T, V>(query: TypedDocumentNode<T, V>, variables: V, token?: string): Promise<GraphQLResponse<T>>;
  function gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<GraphQLResponse<T>>;
  function gql(query: string | DocumentNode, variables: unknown = {}, token?: string) {
    return graphql(subgraph.url, query as string, variables as Record<string, unknown>, { token });
  }
  const quoteByMass = async (amount: string, unit: MassUnit = 'T', token = alice) =>
    ok(await gql(Q_MASS, { input: { mass: { amount, unit } } }, token)).offsetQuoteByMass;
  const orderByMass = async (amount: string, idempotencyKey?: string, token = alice, unit: MassUnit = 'T') =>
    ok(await gql(BY_MASS, { input: { mass: { amount, unit }, idempotencyKey } }, token)).createOffsetOrderByMass;
  const newBuyer = async (name: string) =>
    tokenFor({ id: randomUUID(), email: `${name.toLowerCase()}@buyer.example`, name, role: 'USER' });
  const allOrders = async (token: string) => {
    const out: OffsetOrderPageQuery['offsetOrders']['nodes'] = [];
    let after: string | null = null;
    for (;;) {
      const page: OffsetOrderPageQuery = ok(await gql(LIST, { first: 100, after }, token));
      out.push(...page.offsetOrders.nodes);
      if (!page.offsetOrders.pageInfo.hasNextPage) return out;
      after = page.offsetOrders.pageInfo.endCursor ?? null;
    }
  };

  it('needs a token for quotes, orders and lists', async () => {
    expect(codes(await gql(Q_MASS, { input: { mass: { amount: '1', unit: 'T' } } }))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await gql(BY_MASS, { input: { mass: { amount: '1', unit: 'T' } } }))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await gql(LIST, {}))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await gql(`{ offsetOrder(id: "${OO[0]}") { id } }`))).toEqual(['UNAUTHENTICATED']);
  });

  it('quotes a mass from the cheapest bundle, the same in any unit, and creates nothing', async () => {
    const before = await allOrders(admin);
    const quote = await quoteByMass('1.5');
    expect(quote.userErrors).toEqual([]);
    expect(quote.quote).toEqual({
      mass: { amount: '1.5', unit: 'T' },
      totalCost: { amount: '21.75', currency: 'EUR' },
      allocations: [
        {
          bundleId: DEMO.offsetBundles[0],
          bundleName: 'Kenya Cookstoves Bundle',
          projectId: DEMO.offsetProjects[0],
          projectName: 'Efficient Cookstoves Kenya',
          mass: { amount: '1.5', unit: 'T' },
          unitPrice: { amount: '14.50', currency: 'EUR' },
          cost: { amount: '21.75', currency: 'EUR' },
        },
      ],
    });
    expect((await quoteByMass('1500', 'KG')).quote).toEqual(quote.quote);
    expect((await quoteByMass('1500000', 'G')).quote).toEqual(quote.quote);
    expect(await allOrders(admin)).toEqual(before);
  });

  it('quotes a maximum spend: whole grams, never more than the maximum', async () => {
    const res = ok(await gql(Q_VALUE, { input: { value: '100.00', currency: 'EUR' } }, alice)).offsetQuoteByValue;
    expect(res.userErrors).toEqual([]);
    // 100.00 EUR at 14.50 EUR/t buys 6 896 551 g, which cost 99.9999895 EUR, 100.00 rounded.
    expect(res.quote!.mass).toEqual({ amount: '6.896551', unit: 'T' });
    expect(res.quote!.totalCost).toEqual({ amount: '100.00', currency: 'EUR' });
    expect(res.quote!.allocations.map((a) => a.bundleId)).toEqual([DEMO.offsetBundles[0]]);
  });

  it('refuses a non-positive quantity, a finer mass than a gram and an unknown currency as user errors', async () => {
    const zero = await quoteByMass('0');
    expect(zero.quote).toBeNull();
    expect(zero.userErrors).toEqual([expect.objectContaining({ code: 'INVALID', field: ['input', 'mass', 'amount'] })]);
    expect((await quoteByMass('-2')).userErrors.map((e) => e.code)).toEqual(['INVALID']);
    expect((await quoteByMass('0.0000001')).userErrors.map((e) => e.code)).toEqual(['INVALID']);
    const negative = ok(await gql(Q_VALUE, { input: { value: '-5', currency: 'EUR' } }, alice)).offsetQuoteByValue;
    expect(negative).toEqual({
      quote: null,
      userErrors: [expect.objectContaining({ code: 'INVALID', field: ['input', 'value'] })],
    });
    const usd = ok(await gql(Q_VALUE, { input: { value: '50', currency: 'USD' } }, alice)).offsetQuoteByValue;
    expect(usd.userErrors).toEqual([expect.objectContaining({ code: 'INVALID', field: ['input', 'currency'] })]);
    const zeroOrder = await orderByMass('0', 'zero-mass');
    expect(zeroOrder.offsetOrder).toBeNull();
    expect(zeroOrder.userErrors.map((e) => e.code)).toEqual(['INVALID']);
    expect(await gql(`{ offsetOrderByIdempotencyKey(idempotencyKey: "zero-mass") { id } }`, {}, alice)).toMatchObject({
      data: { offsetOrderByIdempotencyKey: null },
    });
    const badKey = await orderByMass('1', 'has a space');
    expect(badKey).toEqual({
      offsetOrder: null,
      userErrors: [expect.objectContaining({ code: 'INVALID', field: ['input', 'idempotencyKey'] })],
    });
  });

  it('a mass beyond 10^9 t is refused INVALID on the mass, before anything is read or written; 10^9 t itself is not', async () => {
    const before = await allOrders(admin);
    const huge = await orderByMass('999999999999', 'huge-mass');
    expect(huge).toEqual({
      offsetOrder: null,
      userErrors: [
        { field: ['input', 'mass', 'amount'], code: 'INVALID', message: 'Quantity is at most 1000000000 t' },
      ],
    });
    expect((await quoteByMass('1000000000.000001')).userErrors.map((e) => [e.code, e.message])).toEqual([
      ['INVALID', 'Quantity is at most 1000000000 t'],
    ]);
    expect((await quoteByMass('1000000000')).userErrors.map((e) => e.code)).toEqual(['INSUFFICIENT_INVENTORY']);
    expect(await allOrders(admin)).toEqual(before);
  });

  it('an order by mass buys exactly what its quote showed, across bundles', async () => {
    // More than the cheapest bundle has left, so the quote and the order span two bundles.
    const quote = (await quoteByMass('300')).quote!;
    expect(quote.allocations.map((a) => a.bundleId)).toEqual([DEMO.offsetBundles[0], DEMO.offsetBundles[1]]);
    expect(sum(quote.allocations.map((a) => a.mass.amount)).toString()).toBe('300');
    expect(sum(quote.allocations.map((a) => a.cost.amount)).toFixed(2)).toBe(quote.totalCost.amount);
    const placed = await orderByMass('300', `span-${mode}`);
    expect(placed.userErrors).toEqual([]);
    const order = placed.offsetOrder!;
    expect({ mass: order.mass, totalCost: order.totalCost, allocations: order.allocations }).toEqual(quote);
    expect(order).toMatchObject({
      type: 'BY_MASS',
      status: 'COMPLETE',
      idempotencyKey: `span-${mode}`,
      beneficiary: 'Alice Buyer',
      maximumSpend: null,
    });
    // The stock it took is gone: the cheapest bundle is empty now.
    expect((await quoteByMass('1')).quote!.allocations.map((a) => a.bundleId)).toEqual([DEMO.offsetBundles[1]]);
  });

  it('an order by value spends at most its maximum', async () => {
    const res = ok(
      await gql(BY_VALUE, { input: { value: '250.00', currency: 'EUR', idempotencyKey: 'value-1' } }, bob),
    ).createOffsetOrderByValue;
    expect(res.userErrors).toEqual([]);
    const order = res.offsetOrder!;
    expect(order).toMatchObject({
      type: 'BY_VALUE',
      status: 'COMPLETE',
      maximumSpend: { amount: '250.00', currency: 'EUR' },
      beneficiary: 'Bob Buyer',
    });
    expect(dec(order.totalCost!.amount).lte(250)).toBe(true);
    expect(dec(order.mass!.amount).gt(0)).toBe(true);
  });

  it('the same key and request return the first order; the same key with another request is IDEMPOTENCY_MISMATCH', async () => {
    const key = `retry-${randomUUID()}`;
    const first = (await orderByMass('2', key)).offsetOrder!;
    const again = await orderByMass('2000', key, alice, 'KG');
    expect(again.userErrors).toEqual([]);
    expect(again.offsetOrder).toEqual(first);
    const other = await orderByMass('3', key);
    expect(other.offsetOrder).toBeNull();
    expect(other.userErrors).toEqual([
      expect.objectContaining({ code: 'IDEMPOTENCY_MISMATCH', field: ['input', 'idempotencyKey'] }),
    ]);
    // Keys are per buyer: bob's same key is a new order of his.
    const bobs = (await orderByMass('2', key, bob)).offsetOrder!;
    expect(bobs.id).not.toBe(first.id);
    const byKey = ok(
      await gql<{ offsetOrderByIdempotencyKey: { id: string } | null }>(
        `query K($k: String!) { offsetOrderByIdempotencyKey(idempotencyKey: $k) { id } }`,
        { k: key },
        alice,
      ),
    );
    expect(byKey.offsetOrderByIdempotencyKey).toEqual({ id: first.id });
  });

  it('20 concurrent identical requests create exactly one order', async () => {
    const carol = await newBuyer('Carol');
    const key = `burst-${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 20 }, () => orderByMass('1.25', key, carol)));
    expect(results.flatMap((r) => r.userErrors)).toEqual([]);
    expect(new Set(results.map((r) => r.offsetOrder!.id)).size).toBe(1);
    const mine = await allOrders(carol);
    expect(mine.map((o) => o.id)).toEqual([results[0]!.offsetOrder!.id]);
  });

  it('orders by estimate: its mass, once per estimate, even under 20 concurrent requests', async () => {
    const dave = await newBuyer('Dave');
    const burst = await Promise.all(
      Array.from({ length: 20 }, () =>
        gql(BY_ESTIMATE, { input: { estimateId: DEMO.emissionEstimates[0], idempotencyKey: 'estimate-burst' } }, dave),
      ),
    );
    const payloads = burst.map((r) => ok(r).createOffsetOrderByEstimate);
    expect(payloads.flatMap((p) => p.userErrors)).toEqual([]);
    expect(new Set(payloads.map((p) => p.offsetOrder!.id)).size).toBe(1);
    expect(payloads[0]!.offsetOrder).toMatchObject({
      type: 'BY_ESTIMATE',
      estimateId: DEMO.emissionEstimates[0],
      mass: { amount: '12.5', unit: 'T' },
    });
    // A second order for the same estimate, by anyone, with another key: CONFLICT.
    const second = ok(
      await gql(BY_ESTIMATE, { input: { estimateId: DEMO.emissionEstimates[0], idempotencyKey: 'estimate-2' } }, alice),
    ).createOffsetOrderByEstimate;
    expect(second).toEqual({
      offsetOrder: null,
      userErrors: [expect.objectContaining({ code: 'CONFLICT', field: ['input', 'estimateId'] })],
    });
    // The demo order already offset the fleet estimate.
    const demo = ok(
      await gql(BY_ESTIMATE, { input: { estimateId: DEMO.emissionEstimates[2] } }, bob),
    ).createOffsetOrderByEstimate;
    expect(demo.userErrors.map((e) => e.code)).toEqual(['CONFLICT']);
    const unknown = ok(
      await gql(BY_ESTIMATE, { input: { estimateId: randomUUID() } }, bob),
    ).createOffsetOrderByEstimate;
    expect(unknown.userErrors).toEqual([
      expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'estimateId'] }),
    ]);
  });

  it('lists the caller’s orders newest first with cursors; an admin sees every buyer’s', async () => {
    const mine = await allOrders(alice);
    expect(mine.length).toBeGreaterThanOrEqual(4);
    const times = mine.map((o) => o.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    expect(mine.map((o) => o.id)).toEqual(expect.arrayContaining([OO[0], OO[2]]));
    expect(mine.map((o) => o.id)).not.toContain(OO[1]);
    const p1 = ok(await gql(LIST, { first: 2 }, alice)).offsetOrders;
    const p2 = ok(await gql(LIST, { first: 2, after: p1.pageInfo.endCursor }, alice)).offsetOrders;
    expect(p1.pageInfo.hasNextPage).toBe(true);
    expect([...p1.nodes, ...p2.nodes].map((n) => n.id)).toEqual(mine.slice(0, 4).map((o) => o.id));
    if (mode === 'local') expect(p1.totalCount).toBe(mine.length);
    const bobs = (await allOrders(bob)).map((o) => o.id);
    expect(bobs).toContain(OO[1]);
    expect(bobs).not.toContain(OO[0]);
    const every = (await allOrders(admin)).map((o) => o.id);
    expect(every).toEqual(expect.arrayContaining([...OO, ...mine.map((o) => o.id), ...bobs]));
    expect(codes(await gql(LIST, { first: 101 }, alice))).toEqual(['BAD_USER_INPUT']);
  });

  it('an offset order is visible to its buyer and admins only', async () => {
    const q = `query O($id: ID!) { offsetOrder(id: $id) { id buyer { id } } }`;
    expect(ok(await gql<{ offsetOrder: unknown }>(q, { id: OO[0] }, alice)).offsetOrder).toEqual({
      id: OO[0],
      buyer: { id: gid('User', DEMO.users.alice.id) },
    });
    expect(ok(await gql<{ offsetOrder: unknown }>(q, { id: OO[0] }, bob)).offsetOrder).toBeNull();
    expect(
      ok(
        await gql<{ offsetOrder: { id: string } }>(
          `query O($id: ID!) { offsetOrder(id: $id) { id } }`,
          { id: OO[0] },
          admin,
        ),
      ).offsetOrder,
    ).toEqual({ id: OO[0] });
    expect(ok(await gql<{ offsetOrder: unknown }>(q, { id: randomUUID() }, admin)).offsetOrder).toBeNull();
    const k = `query K($k: String!, $o: ID) { offsetOrderByIdempotencyKey(idempotencyKey: $k, ownerId: $o) { id } }`;
    expect(codes(await gql(k, { k: 'demo-alice-shipment-offset', o: DEMO.users.alice.id }, bob))).toEqual([
      'FORBIDDEN',
    ]);
    expect(
      ok(await gql<{ offsetOrderByIdempotencyKey: unknown }>(k, { k: 'demo-alice-shipment-offset' }, bob))
        .offsetOrderByIdempotencyKey,
    ).toBeNull();
    expect(
      ok(
        await gql<{ offsetOrderByIdempotencyKey: unknown }>(
          k,
          { k: 'demo-alice-shipment-offset', o: DEMO.users.alice.id },
          admin,
        ),
      ).offsetOrderByIdempotencyKey,
    ).toEqual({ id: OO[0] });
  });

  /**
   * The SQL statements a query costs, and how many went through the ORM: the least of three sends,
   * since the service outbox may deliver an earlier test's orders meanwhile (background statements
   * only ever add to a count).
   */
  const statementsOf = async <T>(send: () => Promise<T>) => {
    let least: { data: T; count: number; throughOrm: number } | undefined;
    for (let i = 0; i < 3; i++) {
      const before = { ...app.database!.queries };
      const data = await send();
      const { count, throughOrm } = app.database!.queries;
      const sent = { data, count: count - before.count, throughOrm: throughOrm - before.throughOrm };
      if (!least || sent.count < least.count) least = sent;
    }
    return least!;
  };

  it('resolves OffsetOrder entity references in one batch, hiding other buyers’ orders', async () => {
    const q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on OffsetOrder { id status mass { amount } allocations { projectName } } } }`;
    const reps = OO.map((id) => ({ __typename: 'OffsetOrder', id }));
    const { data, count, throughOrm } = await statementsOf(() =>
      gql<{ _entities: ({ id: string; status: string } | null)[] }>(q, { r: reps }, admin).then(ok),
    );
    expect(data._entities.map((e) => e?.id)).toEqual([...OO]);
    expect(data._entities.map((e) => e?.status)).toEqual(['COMPLETE', 'COMPLETE', 'RETIRING']);
    // One statement for the orders and one for their allocations, both plain rows (no ORM hydration).
    expect({ count, throughOrm }).toEqual({ count: 2, throughOrm: 0 });
    const asBob = ok(await gql<{ _entities: ({ id: string } | null)[] }>(q, { r: reps }, bob));
    expect(asBob._entities.map((e) => e?.id ?? null)).toEqual([null, OO[1], null]);
  });

  it('lists offset orders in plain-row statements: the page and its allocations, the total only when selected', async () => {
    const statements = (query: string) =>
      statementsOf(() =>
        gql<{ offsetOrders: { nodes: { id: string }[]; totalCount?: number } }>(query, {}, admin).then(ok),
      );
    const page = await statements(
      `{ offsetOrders(first: 5) { nodes { id mass { amount } allocations { projectName } } } }`,
    );
    expect(page.data.offsetOrders.nodes.length).toBeGreaterThan(0);
    expect(page).toMatchObject({ count: 2, throughOrm: 0 });
    const counted = await statements(
      `{ offsetOrders(first: 5) { totalCount nodes { id allocations { projectName } } } }`,
    );
    expect(counted.data.offsetOrders.totalCount).toBeGreaterThanOrEqual(counted.data.offsetOrders.nodes.length);
    // The total rides on the page's rows: no statement of its own.
    expect(counted).toMatchObject({ count: 2, throughOrm: 0 });
  });

  it('retirement state: a local order’s grams wait in its project’s pool; upstream the provider retires, so there is none', async () => {
    const q = `query S($id: ID!) { offsetOrder(id: $id) { retirementStatus retirementBlockedReason retirementShares { projectId mass { amount unit } retirement { name status } } } }`;
    type Share = { projectId: string; mass: { amount: string; unit: string }; retirement: { status: string } | null };
    type State = {
      offsetOrder: {
        retirementStatus: string | null;
        retirementBlockedReason: string | null;
        retirementShares: Share[];
      };
    };
    const placed = (await orderByMass('0.25', `state-${randomUUID()}`)).offsetOrder!;
    const state = ok(await gql<State>(q, { id: placed.id }, alice)).offsetOrder;
    // The demo orders were retired order by order before pooling: they have no pooled state.
    const demo = ok(await gql<State>(q, { id: OO[0] }, alice)).offsetOrder;
    expect(demo).toEqual({ retirementStatus: null, retirementBlockedReason: null, retirementShares: [] });
    // Nothing listens at the registry URL: an unreachable registry delays retirements (PENDING), it does not block them.
    expect(state.retirementStatus).toBe('PENDING');
    expect(state.retirementBlockedReason).toBeNull();
    // All its grams are accounted for: in a pooled retirement waiting for the registry, or in the pool.
    expect(state.retirementShares.reduce((sum, share) => sum + Number(share.mass.amount), 0)).toBe(250_000);
    expect(
      state.retirementShares.every(
        (share) => share.projectId === placed.allocations![0]!.projectId && share.mass.unit === 'G',
      ),
    ).toBe(true);
    expect(
      state.retirementShares
        .map((share) => share.retirement?.status ?? 'POOLED')
        .filter((status) => status !== 'POOLED' && status !== 'PENDING'),
    ).toEqual([]);
  });

  it('a completed order has a downloadable PDF certificate naming the buyer, the mass and the projects', async () => {
    const placed = (await orderByMass('4.2', `certificate-${randomUUID()}`)).offsetOrder!;
    const q = `query O($id: ID!) { offsetOrder(id: $id) { certificate { url expiresAt contentType } } }`;
    const cert = ok(
      await gql<{ offsetOrder: { certificate: { url: string; expiresAt: string; contentType: string } } }>(
        q,
        { id: placed.id },
        alice,
      ),
    ).offsetOrder.certificate;
    expect(cert.contentType).toBe('application/pdf');
    expect(new Date(cert.expiresAt).getTime()).toBeGreaterThan(Date.now());
    const res = await fetch(cert.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(pdf);
    expect(text).toContain('Carbon Offset Certificate');
    expect(text).toContain('Alice Buyer');
    expect(text).toContain('4.2 tonnes of CO2e');
    expect(text).toContain(localOf(placed.id));
    for (const a of placed.allocations!) {
      expect(text).toContain(a.projectName);
      expect(text).toContain(
        `${a.projectName} (${a.bundleName}): ${a.mass.amount} t at ${a.unitPrice.amount} EUR per tonne = ${a.cost.amount} EUR`,
      );
    }
  });

  it('the certificate link is access-controlled: signed and expiring, or the buyer’s bearer token', async () => {
    const id = DEMO.offsetOrders[0]; // certificate links name the local id
    const cert = ok(
      await gql<{ offsetOrder: { certificate: { url: string } } }>(
        `{ offsetOrder(id: "${id}") { certificate { url } } }`,
        {},
        alice,
      ),
    ).offsetOrder.certificate;
    const url = new URL(cert.url);
    const tampered = new URL(url);
    tampered.searchParams.set('signature', 'A'.repeat(43));
    expect((await fetch(tampered)).status).toBe(401);
    const otherOrder = new URL(url);
    otherOrder.pathname = otherOrder.pathname.replace(id, DEMO.offsetOrders[1]);
    expect((await fetch(otherOrder)).status).toBe(401);
    const stale = new CertificateSigner(TEST_SECRETS.JWT_SECRET).link(url.origin, id, Date.now() - 60 * 60 * 1000);
    expect((await fetch(stale.url)).status).toBe(401);
    const bare = `${url.origin}${url.pathname}`;
    expect((await fetch(bare)).status).toBe(401);
    expect((await gatewayGet(bare, bob)).status).toBe(404);
    // A token without the gateway's signature counts for nothing.
    expect((await fetch(bare, { headers: { authorization: `Bearer ${alice}` } })).status).toBe(401);
    const own = await gatewayGet(bare, alice);
    expect(own.status).toBe(200);
    expect(pdfText(Buffer.from(await own.arrayBuffer()))).toContain('Alice Buyer');
    expect((await gatewayGet(bare, admin)).status).toBe(200);
  });

  it('an order that is not complete has no certificate: NOT_FOUND', async () => {
    const res = await gql<{ offsetOrder: { id: string; certificate: unknown } }>(
      `{ offsetOrder(id: "${OO[2]}") { id status certificate { url } } }`,
      {},
      alice,
    );
    expect(codes(res)).toEqual(['NOT_FOUND']);
    expect(res.data?.offsetOrder).toMatchObject({ id: OO[2], certificate: null });
    const bare = `${new URL(subgraph.url).origin}/offset-certificates/${DEMO.offsetOrders[2]}.pdf`;
    expect((await gatewayGet(bare, alice)).status).toBe(404);
  });

  it('prices a resold product’s yearly emissions from the fields it requires of footprints', async () => {
    const q = `query R($r: [_Any!]!, $y: Int!) { _entities(representations: $r) { ... on ResoldProduct { id offsetQuote(year: $y) { ${QUOTE} } } } }`;
    const product = (n: number, total: string | null, volumes: [number, string][]) => ({
      __typename: 'ResoldProduct',
      id: DEMO.resoldProducts[n],
      footprint: total === null ? null : { total },
      yearlySalesVolumes: volumes.map(([year, tonnes]) => ({ year, tonnes })),
    });
    const reps = [
      product(0, '2.5', [
        [2024, '3'],
        [2025, '4'],
      ]),
      product(1, '0.3333333', [[2025, '1']]),
      product(2, null, [[2025, '9']]),
      product(3, '1.2', [[2024, '9']]),
    ];
    type Result = { _entities: { id: string; offsetQuote: Quote | null }[] };
    const { data, count } = await statementsOf(() => gql<Result>(q, { r: reps, y: 2025 }, alice).then(ok));
    // Both quotes priced from one read of the inventory (and one of blocked projects).
    expect(count).toBe(2);
    expect(data._entities.map((e) => e.id)).toEqual(DEMO.resoldProducts.map((id) => gid('ResoldProduct', id)));
    // 2.5 kg CO2e per kg x 4 t of product = 10 t CO2e, priced exactly as a quote by mass.
    expect(data._entities[0]!.offsetQuote).toEqual((await quoteByMass('10')).quote);
    // 0.3333333 t CO2e is rounded up to the gram.
    expect(data._entities[1]!.offsetQuote!.mass).toEqual({ amount: '0.333334', unit: 'T' });
    expect(data._entities[1]!.offsetQuote).toEqual((await quoteByMass('0.333334')).quote);
    // No footprint, or no sales that year: nothing to quote.
    expect(data._entities[2]!.offsetQuote).toBeNull();
    expect(data._entities[3]!.offsetQuote).toBeNull();
    expect(ok(await gql<Result>(q, { r: reps.slice(0, 1), y: 2024 }, alice))._entities[0]!.offsetQuote).toEqual(
      (await quoteByMass('7.5')).quote,
    );
    expect(codes(await gql(q, { r: reps.slice(0, 1), y: 2025 }))).toEqual(['UNAUTHENTICATED']);
  });

  it('concurrent orders that together exceed the inventory never allocate more than is available', async () => {
    const erin = await newBuyer('Erin');
    const placed = (await allOrders(admin)).filter((o) => !(OO as readonly string[]).includes(o.id));
    const remaining = INITIAL_TONNES.sub(sum(placed.map((o) => o.mass!.amount)));
    const size = 250;
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => orderByMass(String(size), `drain-${i}`, erin)),
    );
    const succeeded = results.filter((r) => r.offsetOrder);
    const refused = results.filter((r) => !r.offsetOrder);
    expect(succeeded).toHaveLength(remaining.div(size).floor().toNumber());
    expect(refused.flatMap((r) => r.userErrors.map((e) => e.code))).toEqual(
      refused.map(() => 'INSUFFICIENT_INVENTORY'),
    );
    for (const r of succeeded)
      expect(sum(r.offsetOrder!.allocations!.map((a) => a.mass.amount)).toString()).toBe(String(size));
    // Exactly what is left can still be bought, and not a gram more.
    const left = remaining.sub(succeeded.length * size);
    expect((await quoteByMass(left.toString())).quote!.mass.amount).toBe(left.toString());
    expect((await quoteByMass(left.add('0.000001').toString())).userErrors.map((e) => e.code)).toEqual([
      'INSUFFICIENT_INVENTORY',
    ]);
    const bundles = await app.database!.fork().find(OffsetBundle, {});
    expect(bundles.every((b) => BigInt(b.availableGrams) >= 0n)).toBe(true);
  });
});
