// Offset orders in upstream mode against the contract fake of Lune's API (fakes/lune.ts,
// written from Lune's definition): the wire format both ways, the journal (idempotency per buyer,
// ownership), errors by `error_code`, and that a write Lune accepted is never reported as failed.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { createMarketplaceApp, type MarketplaceApp } from '../../subgraphs/marketplace/server.ts';
import { OffsetOrderJournalEntry } from '../../subgraphs/marketplace/offsets/upstream/entities.ts';
import { LUNE_ACCOUNTS, LUNE_API_KEYS, luneError, startLuneFake, type LuneFake } from '../../fakes/lune.ts';
import { tokenFor } from '../support/env.ts';
import { codes, graphql, ok } from '../support/graphql.ts';
import { gid, localOf } from '../support/ids.ts';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph.ts';

interface Money {
  amount: string;
  currency: string;
}
interface Allocation {
  bundleId: string;
  bundleName: string;
  projectId: string | null;
  projectName: string | null;
  mass: { amount: string; unit: string };
  unitPrice: Money;
  cost: Money;
}
interface Quote {
  mass: { amount: string; unit: string };
  totalCost: Money;
  allocations: Allocation[];
}
interface OffsetOrder {
  id: string;
  idempotencyKey: string | null;
  type: string;
  status: string;
  mass: { amount: string; unit: string } | null;
  totalCost: Money | null;
  maximumSpend: Money | null;
  estimateId: string | null;
  allocations: Allocation[] | null;
  createdAt: string;
}
interface UserError {
  field: string[] | null;
  code: string;
  message: string;
}
type QuoteResult = { quote: Quote | null; userErrors: UserError[] };
type OrderResult = { offsetOrder: OffsetOrder | null; userErrors: UserError[] };

const ALLOCATION =
  'bundleId bundleName projectId projectName mass { amount unit } unitPrice { amount currency } cost { amount currency }';
const QUOTE = `mass { amount unit } totalCost { amount currency } allocations { ${ALLOCATION} }`;
const ORDER = `id idempotencyKey type status mass { amount unit } totalCost { amount currency } maximumSpend { amount currency } estimateId allocations { ${ALLOCATION} } createdAt`;
const ERRORS = 'userErrors { field code message }';
const Q_MASS = `query Q($input: OffsetQuoteByMassInput!) { offsetQuoteByMass(input: $input) { quote { ${QUOTE} } ${ERRORS} } }`;
const Q_VALUE = `query Q($input: OffsetQuoteByValueInput!) { offsetQuoteByValue(input: $input) { quote { ${QUOTE} } ${ERRORS} } }`;
const BY_MASS = `mutation M($input: CreateOffsetOrderByMassInput!) { createOffsetOrderByMass(input: $input) { offsetOrder { ${ORDER} } ${ERRORS} } }`;
const BY_VALUE = `mutation M($input: CreateOffsetOrderByValueInput!) { createOffsetOrderByValue(input: $input) { offsetOrder { ${ORDER} } ${ERRORS} } }`;
const BY_ESTIMATE = `mutation M($input: CreateOffsetOrderByEstimateInput!) { createOffsetOrderByEstimate(input: $input) { offsetOrder { ${ORDER} } ${ERRORS} } }`;
const ONE = `query O($id: ID!) { offsetOrder(id: $id) { ${ORDER} } }`;
const BY_KEY = `query K($key: String!, $owner: ID) { offsetOrderByIdempotencyKey(idempotencyKey: $key, ownerId: $owner) { id idempotencyKey } }`;
const LIST = `query L($first: Int, $after: String) { offsetOrders(first: $first, after: $after) { nodes { id idempotencyKey status } pageInfo { hasNextPage endCursor } } }`;

const ACCOUNT = LUNE_ACCOUNTS.liveEur;

describe('offset orders through Lune (upstream mode)', () => {
  let subgraph: TestSubgraph;
  let app: MarketplaceApp;
  let lune: LuneFake;
  let alice: string;
  let bob: string;
  let admin: string;

  beforeAll(async () => {
    lune = await startLuneFake();
    subgraph = await startTestSubgraph(
      'marketplace',
      'upstream',
      async (config) => (app = await createMarketplaceApp(config)),
      {
        ...lune.env,
        OFFSET_ORDERS_ACCOUNT_ID: ACCOUNT.id,
        OFFSET_ORDERS_ACCOUNT_CURRENCY: ACCOUNT.currency,
        UPSTREAM_RETRIES: '3',
        UPSTREAM_TIMEOUT_MS: '1000',
        // Random faults below must not open the circuit for the whole suite.
        UPSTREAM_BREAKER_THRESHOLD: '10000',
      },
    );
    alice = await tokenFor(DEMO.users.alice);
    bob = await tokenFor(DEMO.users.bob);
    admin = await tokenFor(DEMO.users.admin);
  });
  afterAll(async () => {
    await subgraph?.stop();
    await lune?.stop();
  });

  const gql = <T>(query: string, variables: Record<string, unknown> = {}, token = alice) =>
    graphql<T>(subgraph.url, query, variables, { token });
  const orderByMass = async (amount: string, idempotencyKey?: string, token = alice) =>
    ok(
      await gql<{ createOffsetOrderByMass: OrderResult }>(
        BY_MASS,
        { input: { mass: { amount, unit: 'T' }, idempotencyKey } },
        token,
      ),
    ).createOffsetOrderByMass;
  const orderById = async (id: string, token = alice) =>
    ok(await gql<{ offsetOrder: OffsetOrder | null }>(ONE, { id }, token)).offsetOrder;
  /** Lune itself, called directly with the marketplace's key and account. */
  const direct = async (path: string, body: unknown) => {
    const res = await fetch(`${lune.url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${LUNE_API_KEYS.live}`,
        'lune-account': ACCOUNT.id,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });
    return (await res.json()) as Record<string, unknown>;
  };
  const postsTo = (path: string) => lune.calls.filter((c) => c.method === 'POST' && c.path === path);

  describe('the wire contract', () => {
    it('quotes by mass and by value read Lune’s estimated quantity and total (fees included), per bundle', async () => {
      const lunes = await direct('/orders/by-mass/quote', { mass: { amount: '2', unit: 't' } });
      const byMass = ok(
        await gql<{ offsetQuoteByMass: QuoteResult }>(Q_MASS, { input: { mass: { amount: '2000', unit: 'KG' } } }),
      ).offsetQuoteByMass;
      expect(byMass.userErrors).toEqual([]);
      const bundles = lunes.bundles as {
        bundle_id: string;
        bundle_name: string;
        quantity: string;
        unit_price: string;
        offset_cost: string;
      }[];
      expect(byMass.quote).toEqual({
        mass: { amount: lunes.estimated_quantity, unit: 'T' },
        totalCost: { amount: Number(lunes.estimated_total_cost).toFixed(2), currency: 'EUR' },
        allocations: bundles.map((b) => ({
          bundleId: b.bundle_id,
          bundleName: b.bundle_name,
          projectId: null,
          projectName: null,
          mass: { amount: String(Number(b.quantity)), unit: 'T' },
          unitPrice: { amount: Number(b.unit_price).toFixed(2), currency: 'EUR' },
          cost: { amount: Number(b.offset_cost).toFixed(2), currency: 'EUR' },
        })),
      });
      // What Lune was sent: a mass in tonnes and nothing the definition does not list.
      expect(postsTo('/orders/by-mass/quote').at(-1)!.body).toEqual({ mass: { amount: '2', unit: 't' } });

      const byValue = ok(
        await gql<{ offsetQuoteByValue: QuoteResult }>(Q_VALUE, { input: { value: '100', currency: 'EUR' } }),
      ).offsetQuoteByValue;
      expect(postsTo('/orders/by-value/quote').at(-1)!.body).toEqual({ value: '100.00' });
      const lunesByValue = await direct('/orders/by-value/quote', { value: '100.00' });
      expect(byValue.quote!.totalCost).toEqual({
        amount: Number(lunesByValue.estimated_total_cost).toFixed(2),
        currency: 'EUR',
      });
      expect(byValue.quote!.mass.amount).toBe(String(Number(lunesByValue.estimated_quantity)));
    });

    it('sends the API key as a bearer token and the client account as Lune-Account, and never returns the key', async () => {
      const res = await gql(Q_MASS, { input: { mass: { amount: '1', unit: 'T' } } });
      const call = lune.calls.at(-1)!;
      expect(call.headers.authorization).toBe(`Bearer ${LUNE_API_KEYS.live}`);
      expect(call.headers['lune-account']).toBe(ACCOUNT.id);
      expect(JSON.stringify(res)).not.toContain(LUNE_API_KEYS.live);
    });

    it('an order by mass answers Lune’s received order with nulls, then its allocation once placed', async () => {
      const placed = await orderByMass('1.5', `mass-${randomUUID()}`);
      expect(placed.userErrors).toEqual([]);
      expect(placed.offsetOrder).toMatchObject({
        type: 'BY_MASS',
        status: 'RECEIVED',
        mass: null,
        totalCost: null,
        allocations: null,
        maximumSpend: null,
        estimateId: null,
      });
      const sent = postsTo('/orders/by-mass').at(-1)!.body as Record<string, unknown>;
      expect(Object.keys(sent).sort()).toEqual(['idempotency_key', 'mass', 'metadata']);
      expect(sent.mass).toEqual({ amount: '1.5', unit: 't' });
      // A read finds it placed (the fake places on read): mass, total and bundles are set.
      const read = await orderById(placed.offsetOrder!.id);
      expect(read).toMatchObject({
        id: placed.offsetOrder!.id,
        status: 'PLACED',
        mass: { amount: '1.5', unit: 'T' },
        totalCost: { currency: 'EUR' },
      });
      expect(read!.allocations!.length).toBeGreaterThan(0);
      // Lune retires the credits itself: no pooled retirement state here.
      const state = ok(
        await gql<{ offsetOrder: unknown }>(
          `query S($id: ID!) { offsetOrder(id: $id) { retirementStatus retirementShares { projectId } } }`,
          { id: read!.id },
        ),
      ).offsetOrder;
      expect(state).toEqual({ retirementStatus: null, retirementShares: [] });
    });

    it('an order by value keeps its maximum spend; an order by estimate its estimate', async () => {
      const byValue = ok(
        await gql<{ createOffsetOrderByValue: OrderResult }>(BY_VALUE, { input: { value: '80.00', currency: 'EUR' } }),
      ).createOffsetOrderByValue;
      expect(byValue.offsetOrder).toMatchObject({
        type: 'BY_VALUE',
        status: 'RECEIVED',
        maximumSpend: { amount: '80.00', currency: 'EUR' },
        mass: null,
      });
      expect(postsTo('/orders/by-value').at(-1)!.body).toMatchObject({ value: '80.00' });

      const estimateId = lune.addEstimate(ACCOUNT.id, { amount: '750', unit: 'kg' });
      const byEstimate = ok(
        await gql<{ createOffsetOrderByEstimate: OrderResult }>(BY_ESTIMATE, { input: { estimateId } }),
      ).createOffsetOrderByEstimate;
      expect(byEstimate.offsetOrder).toMatchObject({ type: 'BY_ESTIMATE', status: 'RECEIVED', estimateId });
      expect(await orderById(byEstimate.offsetOrder!.id)).toMatchObject({
        type: 'BY_ESTIMATE',
        mass: { amount: '0.75' },
      });
      // A second order for the same estimate: Lune's nested 409 estimate_order_already_placed.
      const again = ok(
        await gql<{ createOffsetOrderByEstimate: OrderResult }>(BY_ESTIMATE, { input: { estimateId } }),
      ).createOffsetOrderByEstimate;
      expect(again.offsetOrder).toBeNull();
      expect(again.userErrors.map((e) => [e.code, e.field])).toEqual([['CONFLICT', ['input', 'estimateId']]]);
      // An estimate Lune does not know: estimate_not_found.
      const unknown = ok(
        await gql<{ createOffsetOrderByEstimate: OrderResult }>(BY_ESTIMATE, {
          input: { estimateId: 'ESTIMATEnone0000000000000000000' },
        }),
      ).createOffsetOrderByEstimate;
      expect(unknown.userErrors.map((e) => [e.code, e.field])).toEqual([['NOT_FOUND', ['input', 'estimateId']]]);
    });

    it('a spend or a price in another currency than the account’s is a user error, before any call', async () => {
      const before = lune.calls.length;
      const quote = ok(
        await gql<{ offsetQuoteByValue: QuoteResult }>(Q_VALUE, { input: { value: '10000', currency: 'JPY' } }),
      ).offsetQuoteByValue;
      expect(quote.userErrors).toEqual([
        {
          field: ['input', 'currency'],
          code: 'INVALID',
          message: 'Offsets are priced in EUR on this account; JPY is not accepted',
        },
      ]);
      const order = ok(
        await gql<{ createOffsetOrderByValue: OrderResult }>(BY_VALUE, { input: { value: '50.00', currency: 'USD' } }),
      ).createOffsetOrderByValue;
      expect(order.userErrors.map((e) => [e.code, e.field])).toEqual([['INVALID', ['input', 'currency']]]);
      const byMass = ok(
        await gql<{ createOffsetOrderByMass: OrderResult }>(BY_MASS, {
          input: { mass: { amount: '1', unit: 'T' }, currency: 'USD' },
        }),
      ).createOffsetOrderByMass;
      expect(byMass.userErrors.map((e) => e.code)).toEqual(['INVALID']);
      expect(lune.calls.length).toBe(before);
    });

    it('maps Lune’s nested error codes: order_quantity_invalid, account_suspended, validation_error', async () => {
      lune.fail({
        method: 'POST',
        pathPrefix: '/orders/by-mass/quote',
        ...luneError(409, 'order_quantity_invalid', 'The quote results in a non-positive quantity'),
        status: 409,
      });
      const quote = ok(
        await gql<{ offsetQuoteByMass: QuoteResult }>(Q_MASS, { input: { mass: { amount: '0.000001', unit: 'T' } } }),
      ).offsetQuoteByMass;
      expect(quote.userErrors).toEqual([
        { field: ['input', 'mass'], code: 'INVALID', message: 'The quote results in a non-positive quantity' },
      ]);

      lune.fail({
        method: 'POST',
        pathPrefix: '/orders/by-mass',
        ...luneError(409, 'account_suspended', 'Account is suspended'),
        status: 409,
      });
      const suspended = await gql(BY_MASS, { input: { mass: { amount: '1', unit: 'T' } } });
      expect(suspended.errors?.map((e) => [e.extensions?.code, e.extensions?.reason])).toEqual([
        ['UPSTREAM_UNAVAILABLE', 'account_suspended'],
      ]);

      lune.fail({
        method: 'POST',
        pathPrefix: '/orders/by-value/quote',
        ...luneError(400, 'validation_error', 'value must be a decimal string'),
        status: 400,
      });
      const invalid = await gql(Q_VALUE, { input: { value: '10', currency: 'EUR' } });
      expect(invalid.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
        ['BAD_USER_INPUT', 'value must be a decimal string'],
      ]);
    });

    it('maps 401 and 415 to server-side codes and a lasting 429 to RATE_LIMITED', async () => {
      lune.fail({
        method: 'POST',
        pathPrefix: '/orders/by-mass/quote',
        ...luneError(401, 'unauthorised', 'Invalid API key'),
        status: 401,
      });
      expect(codes(await gql(Q_MASS, { input: { mass: { amount: '1', unit: 'T' } } }))).toEqual([
        'UPSTREAM_UNAVAILABLE',
      ]);
      lune.fail({ method: 'POST', pathPrefix: '/orders/by-mass/quote', status: 415, body: '' });
      expect(codes(await gql(Q_MASS, { input: { mass: { amount: '1', unit: 'T' } } }))).toEqual([
        'INTERNAL_SERVER_ERROR',
      ]);
      // Every attempt (the first and UPSTREAM_RETRIES more) is refused.
      lune.fail({ method: 'GET', pathPrefix: '/orders', status: 429, headers: { 'retry-after': '0' }, times: 4 });
      expect(codes(await gql(ONE, { id: 'ORDERnone' }))).toEqual(['RATE_LIMITED']);
    });

    it('a response that breaks the definition is UPSTREAM_CONTRACT naming upstream, route and field', async () => {
      lune.fail({
        method: 'POST',
        pathPrefix: '/orders/by-mass/quote',
        status: 200,
        body: { currency: 'EUR', estimated_quantity: '1', bundles: [] },
      });
      const res = await gql(Q_MASS, { input: { mass: { amount: '1', unit: 'T' } } });
      expect(res.errors?.map((e) => e.extensions)).toEqual([
        {
          code: 'UPSTREAM_CONTRACT',
          upstream: 'lune',
          route: 'POST /orders/by-mass/quote',
          field: 'estimated_offset_cost',
        },
      ]);
    });

    it('unknown statuses and types are UNKNOWN, numbers are read as decimals', async () => {
      const placed = (await orderByMass('1', `odd-${randomUUID()}`)).offsetOrder!;
      const res = await fetch(`${lune.url}/orders/${localOf(placed.id)}`, {
        headers: { authorization: `Bearer ${LUNE_API_KEYS.live}`, 'lune-account': ACCOUNT.id },
      });
      const body = (await res.json()) as Record<string, unknown>;
      lune.fail({
        method: 'GET',
        pathPrefix: `/orders/${localOf(placed.id)}`,
        status: 200,
        body: { ...body, status: 'on_hold', type: 'subscription', quantity: 1, total_cost: 12.5 },
      });
      expect(await orderById(placed.id)).toMatchObject({
        status: 'UNKNOWN',
        type: 'UNKNOWN',
        mass: { amount: '1' },
        totalCost: { amount: '12.50' },
      });
    });
  });

  describe('a write Lune accepted is never reported as failed', () => {
    it('an order POST answered 2xx with a body that breaks the definition still returns the order', async () => {
      const before = lune.ordersCreated();
      lune.fail({
        method: 'POST',
        pathPrefix: '/orders/by-mass',
        status: 200,
        afterEffect: true,
        body: { id: 'LUNEorderWITHOUTfields', status: 'received' },
      });
      const res = await orderByMass('1', `broken-${randomUUID()}`);
      expect(res.userErrors).toEqual([]);
      expect(res.offsetOrder).toMatchObject({
        id: gid('OffsetOrder', 'LUNEorderWITHOUTfields'),
        status: 'RECEIVED',
        type: 'BY_MASS',
        mass: null,
        totalCost: null,
        allocations: null,
      });
      expect(lune.ordersCreated()).toBe(before + 1);
    });

    it('a lost answer is resent with the same Lune key: one order, reported once', async () => {
      const before = lune.ordersCreated();
      lune.fail({ method: 'POST', pathPrefix: '/orders/by-mass', status: 0, afterEffect: true });
      const res = await orderByMass('1', `lost-${randomUUID()}`);
      expect(res.offsetOrder!.id).toEqual(expect.any(String));
      expect(lune.ordersCreated()).toBe(before + 1);
      const keys = postsTo('/orders/by-mass')
        .slice(-2)
        .map((c) => (c.body as { idempotency_key: string }).idempotency_key);
      expect(keys[0]).toBe(keys[1]);
    });

    it('an order without a key still sends Lune a key of its own, so resending is safe', async () => {
      const before = lune.ordersCreated();
      lune.fail({ method: 'POST', pathPrefix: '/orders/by-mass', status: 0, afterEffect: true });
      const res = await orderByMass('1');
      expect(res.userErrors).toEqual([]);
      expect(lune.ordersCreated()).toBe(before + 1);
      const [lost, resent] = postsTo('/orders/by-mass')
        .slice(-2)
        .map((c) => (c.body as { idempotency_key?: string }).idempotency_key);
      expect(lost).toMatch(/^mkt1-/);
      expect(resent).toBe(lost);
    });
  });

  describe('the journal', () => {
    it('the same key and request replay the first order; another request is the IDEMPOTENCY_MISMATCH local mode gives', async () => {
      const key = `replay-${randomUUID()}`;
      const before = lune.ordersCreated();
      const first = await orderByMass('2', key);
      const again = ok(
        await gql<{ createOffsetOrderByMass: OrderResult }>(BY_MASS, {
          input: { mass: { amount: '2000', unit: 'KG' }, idempotencyKey: key },
        }),
      ).createOffsetOrderByMass;
      expect(again.offsetOrder!.id).toBe(first.offsetOrder!.id);
      expect(again.offsetOrder!.idempotencyKey).toBe(key);
      const posts = postsTo('/orders/by-mass').length;
      const other = await orderByMass('3', key);
      expect(other).toEqual({
        offsetOrder: null,
        userErrors: [
          {
            field: ['input', 'idempotencyKey'],
            code: 'IDEMPOTENCY_MISMATCH',
            message: 'This idempotency key was already used for a different offset order request',
          },
        ],
      });
      expect(postsTo('/orders/by-mass')).toHaveLength(posts);
      expect(lune.ordersCreated()).toBe(before + 1);
    });

    it('a 100-character key (and a 200-character one) fits Lune’s 100-character limit', async () => {
      for (const length of [100, 200]) {
        const key = 'k'.repeat(length);
        const res = await orderByMass('1', key);
        expect(res.userErrors).toEqual([]);
        expect(res.offsetOrder!.idempotencyKey).toBe(key);
        const sent = (postsTo('/orders/by-mass').at(-1)!.body as { idempotency_key: string }).idempotency_key;
        expect(sent.length).toBeLessThanOrEqual(100);
        expect(
          ok(await gql<{ offsetOrderByIdempotencyKey: { id: string } | null }>(BY_KEY, { key }))
            .offsetOrderByIdempotencyKey!.id,
        ).toBe(res.offsetOrder!.id);
      }
    });

    it('30 concurrent identical keyed orders make one Lune order', async () => {
      const key = `burst-${randomUUID()}`;
      const before = lune.ordersCreated();
      const results = await Promise.all(Array.from({ length: 30 }, () => orderByMass('1.25', key)));
      expect(results.flatMap((r) => r.userErrors)).toEqual([]);
      expect(new Set(results.map((r) => r.offsetOrder!.id)).size).toBe(1);
      expect(lune.ordersCreated()).toBe(before + 1);
      const rows = await app.database!.fork().find(OffsetOrderJournalEntry, { clientKey: key });
      expect(rows.map((r) => [r.state, r.luneOrderId])).toEqual([['DONE', localOf(results[0]!.offsetOrder!.id)]]);
    });

    it('keys are per buyer: the same key of two buyers makes two orders', async () => {
      const key = `shared-${randomUUID()}`;
      const a = await orderByMass('1', key, alice);
      const b = await orderByMass('1', key, bob);
      expect(a.offsetOrder!.id).not.toBe(b.offsetOrder!.id);
    });

    it('an order belongs to its buyer: another buyer reads null, as in local mode; an admin reads it', async () => {
      const key = `mine-${randomUUID()}`;
      const placed = (await orderByMass('1', key)).offsetOrder!;
      expect(await orderById(placed.id, bob)).toBeNull();
      expect((await orderById(placed.id, admin))!.id).toBe(placed.id);
      expect(
        ok(await gql<{ offsetOrderByIdempotencyKey: unknown }>(BY_KEY, { key }, bob)).offsetOrderByIdempotencyKey,
      ).toBeNull();
      expect(codes(await gql(BY_KEY, { key, owner: DEMO.users.alice.id }, bob))).toEqual(['FORBIDDEN']);
      expect(
        ok(
          await gql<{ offsetOrderByIdempotencyKey: { id: string } }>(
            BY_KEY,
            { key, owner: DEMO.users.alice.id },
            admin,
          ),
        ).offsetOrderByIdempotencyKey.id,
      ).toBe(placed.id);
      // Orders of the Lune account placed elsewhere belong to nobody here: only an admin sees them.
      const elsewhere = (await direct('/orders/by-mass', { mass: { amount: '1', unit: 't' } })) as { id: string };
      expect(await orderById(elsewhere.id)).toBeNull();
      expect((await orderById(elsewhere.id, admin))!.idempotencyKey).toBeNull();
    });

    it('a buyer lists their own orders newest first from the journal; an admin pages through Lune’s list', async () => {
      const carol = await tokenFor({ id: randomUUID(), email: 'carol@buyer.example', name: 'Carol', role: 'USER' });
      const placed: string[] = [];
      for (let i = 0; i < 3; i++) placed.push((await orderByMass('1', `list-${i}`, carol)).offsetOrder!.id);
      type Page = {
        offsetOrders: {
          nodes: { id: string; idempotencyKey: string }[];
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
      };
      const p1 = ok(await gql<Page>(LIST, { first: 2 }, carol)).offsetOrders;
      expect(p1.nodes.map((n) => n.id)).toEqual([placed[2], placed[1]]);
      expect(p1.pageInfo.hasNextPage).toBe(true);
      const p2 = ok(await gql<Page>(LIST, { first: 2, after: p1.pageInfo.endCursor }, carol)).offsetOrders;
      expect(p2.nodes.map((n) => [n.id, n.idempotencyKey])).toEqual([[placed[0], 'list-0']]);
      expect(p2.pageInfo.hasNextPage).toBe(false);
      const all = ok(await gql<Page>(LIST, { first: 100 }, admin)).offsetOrders;
      expect(all.nodes.slice(0, 3).map((n) => n.id)).toEqual([placed[2], placed[1], placed[0]]);
      expect(lune.calls.at(-1)!.query).toBe('?limit=100');
      // Lune pages forwards only: paging back is refused with a clear message, before any call.
      const calls = lune.calls.length;
      const back = await gql(
        `query B($before: String) { offsetOrders(last: 2, before: $before) { nodes { id } } }`,
        { before: p2.pageInfo.endCursor },
        carol,
      );
      expect(codes(back)).toEqual(['BAD_USER_INPUT']);
      expect(back.errors![0]!.message).toBe('This list pages forwards only: use "first" and "after"');
      expect(lune.calls.length).toBe(calls);
    });
  });
});

describe('offset orders through Lune under faults (upstream mode)', () => {
  let subgraph: TestSubgraph;
  let lune: LuneFake;

  beforeAll(async () => {
    lune = await startLuneFake();
    subgraph = await startTestSubgraph('marketplace', 'upstream', createMarketplaceApp, {
      ...lune.env,
      OFFSET_ORDERS_ACCOUNT_ID: ACCOUNT.id,
      OFFSET_ORDERS_ACCOUNT_CURRENCY: ACCOUNT.currency,
      UPSTREAM_RETRIES: '4',
      UPSTREAM_TIMEOUT_MS: '1000',
      UPSTREAM_BREAKER_THRESHOLD: '10000',
    });
  });
  afterAll(async () => {
    await subgraph?.stop();
    await lune?.stop();
  });

  it('under 50 % random 503s, then lost and timed-out answers, 100 keyed orders make exactly 100 Lune orders', async () => {
    const buyer = await tokenFor({ id: randomUUID(), email: 'dana@buyer.example', name: 'Dana', role: 'USER' });
    const place = async (key: string) => {
      // A client retrying its own request with its key, as it would after an error.
      for (let attempt = 1; attempt <= 30; attempt++) {
        const res = await graphql<{ createOffsetOrderByMass: OrderResult }>(
          subgraph.url,
          BY_MASS,
          { input: { mass: { amount: '0.5', unit: 'T' }, idempotencyKey: key } },
          { token: buyer },
        );
        if (!res.errors?.length) return res.data!.createOffsetOrderByMass.offsetOrder!.id;
        expect(res.errors.map((e) => e.extensions?.code)).toEqual([
          expect.stringMatching(/^UPSTREAM_(UNAVAILABLE|OUTCOME_UNKNOWN)$/),
        ]);
      }
      throw new Error(`order ${key} never went through`);
    };
    // Faults are consumed in this order, each only when drawn: 60 503s on any call (half the
    // calls draw one), then 20 answers lost after the client's timeout and 20 lost at once (half
    // the order POSTs), with 503s on half the lookups meanwhile.
    lune.fail({ pathPrefix: '/orders', status: 503, rate: 0.5, times: 60 });
    lune.fail({
      method: 'POST',
      pathPrefix: '/orders/by-mass',
      status: 0,
      afterEffect: true,
      delayMs: 1_100,
      rate: 0.5,
      times: 20,
    });
    lune.fail({ method: 'POST', pathPrefix: '/orders/by-mass', status: 0, afterEffect: true, rate: 0.5, times: 20 });
    lune.fail({ method: 'GET', pathPrefix: '/orders', status: 503, rate: 0.5, times: 40 });
    const keys = Array.from({ length: 100 }, (_, i) => `storm-${i}`);
    const ids: string[] = [];
    for (let i = 0; i < keys.length; i += 10) ids.push(...(await Promise.all(keys.slice(i, i + 10).map(place))));
    expect(new Set(ids).size).toBe(100);
    expect(lune.ordersCreated()).toBe(100);
    expect(lune.calls.filter((c) => c.status === 503).length).toBeGreaterThan(0);
    expect(lune.calls.filter((c) => c.status === 0).length).toBeGreaterThan(0);
    // Retrying any of them replays: still 100.
    expect(await place('storm-7')).toBe(ids[7]);
    expect(lune.ordersCreated()).toBe(100);
  }, 180_000);
});
