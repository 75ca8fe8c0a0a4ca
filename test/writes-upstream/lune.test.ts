// Offset orders in upstream mode through a proxy that loses, delays, holds and garbles Lune's
// answers (test/support/upstream-faults.ts), against the contract fake of Lune's API: every
// logical order takes effect once at Lune (counted in the fake's own log), and the buyer is told
// the truth (the order, or UPSTREAM_OUTCOME_UNKNOWN naming its key, then the order).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { createLogger } from '../../lib/logger.ts';
import type { LuneAccountCurrency } from '../../subgraphs/marketplace/offsets/upstream/account.ts';
import { createLuneApi } from '../../subgraphs/marketplace/offsets/upstream/client.ts';
import { OffsetOrderJournalEntry } from '../../subgraphs/marketplace/offsets/upstream/entities.ts';
import { OffsetOrderJournal } from '../../subgraphs/marketplace/offsets/upstream/journal.ts';
import { resolveOpenOutcomes } from '../../subgraphs/marketplace/offsets/upstream/source.ts';
import { createMarketplaceApp, type MarketplaceApp } from '../../subgraphs/marketplace/server.ts';
import { startCo2TrustFake, type Co2TrustFake } from '../../fakes/co2trust.ts';
import { LUNE_ACCOUNTS, startLuneFake, type LuneFake } from '../../fakes/lune.ts';
import { tokenFor } from '../support/env.ts';
import { graphql, ok, type GraphQLResponse } from '../support/graphql.ts';
import { localOf } from '../support/ids.ts';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph.ts';
import { randomFaults, startUpstreamFaultProxy, type UpstreamFaultProxy } from '../support/upstream-faults.ts';

interface UserError {
  field: string[] | null;
  code: string;
  message: string;
}
interface Order {
  id: string;
  idempotencyKey: string | null;
  status: string;
}
type OrderResult = { offsetOrder: Order | null; userErrors: UserError[] };

const ORDER = 'id idempotencyKey status';
const ERRORS = 'userErrors { field code message }';
const BY_MASS = `mutation M($input: CreateOffsetOrderByMassInput!) { createOffsetOrderByMass(input: $input) { offsetOrder { ${ORDER} } ${ERRORS} } }`;
const BY_VALUE = `mutation M($input: CreateOffsetOrderByValueInput!) { createOffsetOrderByValue(input: $input) { offsetOrder { ${ORDER} } ${ERRORS} } }`;
const Q_VALUE = `query Q($input: OffsetQuoteByValueInput!) { offsetQuoteByValue(input: $input) { quote { mass { amount } } ${ERRORS} } }`;
const LIST = `query L($first: Int, $after: String) { offsetOrders(first: $first, after: $after) { nodes { ${ORDER} } pageInfo { hasNextPage endCursor } } }`;

const ACCOUNT = LUNE_ACCOUNTS.liveEur;
/** A subgraph timeout below the proxy's late answers. */
const TIMEOUT_MS = 400;

describe('offset orders through Lune under lost, late, held and garbled answers (upstream mode)', () => {
  let lune: LuneFake;
  let co2trust: Co2TrustFake;
  let proxy: UpstreamFaultProxy;
  let subgraph: TestSubgraph;
  let app: MarketplaceApp;
  let alice: string;

  const start = async (env: Record<string, string | undefined>) => {
    let created!: MarketplaceApp;
    const running = await startTestSubgraph(
      'marketplace',
      'upstream',
      async (config) => (created = await createMarketplaceApp(config)),
      {
        ...lune.env,
        // CO2Trust answers /health, so the subgraph's status is the offset-orders account's.
        CO2TRUST_BASE_URL: co2trust.url,
        OFFSET_ORDERS_BASE_URL: proxy.url,
        OFFSET_ORDERS_ACCOUNT_ID: ACCOUNT.id,
        OFFSET_ORDERS_ACCOUNT_CURRENCY: ACCOUNT.currency,
        UPSTREAM_RETRIES: '1',
        UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
        UPSTREAM_BREAKER_THRESHOLD: '10000',
        // No background pass unless a test asks for one: reads and retries settle outcomes here.
        OFFSET_FLOW_RESUME_INTERVAL_MS: '3600000',
        ...env,
      } as Record<string, string>,
    );
    return { running, app: created };
  };

  beforeAll(async () => {
    lune = await startLuneFake();
    co2trust = await startCo2TrustFake();
    proxy = await startUpstreamFaultProxy(lune.url, { delayMs: TIMEOUT_MS * 2 });
    ({ running: subgraph, app } = await start({}));
    alice = await tokenFor(DEMO.users.alice);
  });
  afterAll(async () => {
    await subgraph?.stop();
    await proxy?.stop();
    await lune?.stop();
    await co2trust?.stop();
  });

  const gql = <T>(query: string, variables: Record<string, unknown> = {}, token = alice, url = subgraph.url) =>
    graphql<T>(url, query, variables, { token });
  const byMass = (amount: string, idempotencyKey?: string, token = alice, url = subgraph.url) =>
    gql<{ createOffsetOrderByMass: OrderResult }>(
      BY_MASS,
      { input: { mass: { amount, unit: 'T' }, idempotencyKey } },
      token,
      url,
    );
  const orderPosts = () =>
    lune.calls.filter((c) => c.method === 'POST' && /^\/orders\/by-(mass|value|estimate)$/.test(c.path)).length;
  const listAll = async (token = alice, url = subgraph.url, first = 20) => {
    const out: Order[] = [];
    let after: string | null = null;
    for (;;) {
      const page: { offsetOrders: { nodes: Order[]; pageInfo: { hasNextPage: boolean; endCursor: string } } } = ok(
        await gql(LIST, { first, after }, token, url),
      );
      out.push(...page.offsetOrders.nodes);
      if (!page.offsetOrders.pageInfo.hasNextPage) return out;
      after = page.offsetOrders.pageInfo.endCursor;
    }
  };
  const journalRow = (db: MarketplaceApp, where: object) =>
    db.database!.fork().findOneOrFail(OffsetOrderJournalEntry, where);
  const newBuyer = () => tokenFor({ id: randomUUID(), email: 'buyer@buyer.example', name: 'Buyer', role: 'USER' });

  describe('limits, before any call to Lune', () => {
    it('999,999,999,999 t is refused INVALID on the mass; nothing reaches Lune', async () => {
      const orderCalls = () => lune.calls.filter((c) => c.path.startsWith('/orders')).length;
      const before = orderCalls();
      const res = ok(await byMass('999999999999', `huge-${randomUUID()}`)).createOffsetOrderByMass;
      expect(res).toEqual({
        offsetOrder: null,
        userErrors: [
          { field: ['input', 'mass', 'amount'], code: 'INVALID', message: 'Quantity is at most 1000000000 t' },
        ],
      });
      expect(orderCalls()).toBe(before);
    });

    it('a spend of 999,999,999,999.99 that would buy more than 10^9 t is refused after a quote; no order is placed', async () => {
      const posts = orderPosts();
      const quotes = () => lune.calls.filter((c) => c.path === '/orders/by-value/quote').length;
      const quoted = quotes();
      const res = ok(
        await gql<{ createOffsetOrderByValue: OrderResult }>(BY_VALUE, {
          input: { value: '999999999999.99', currency: 'EUR' },
        }),
      ).createOffsetOrderByValue;
      expect(res).toEqual({
        offsetOrder: null,
        userErrors: [{ field: ['input', 'value'], code: 'INVALID', message: 'Quantity is at most 1000000000 t' }],
      });
      const quote = ok(
        await gql<{ offsetQuoteByValue: { userErrors: UserError[] } }>(Q_VALUE, {
          input: { value: '999999999999.99', currency: 'EUR' },
        }),
      ).offsetQuoteByValue;
      expect(quote.userErrors.map((e) => [e.code, e.field])).toEqual([['INVALID', ['input', 'value']]]);
      expect(quotes()).toBe(quoted + 2);
      expect(orderPosts()).toBe(posts);
      // A spend that cannot reach the limit goes straight to the order.
      const small = ok(
        await gql<{ createOffsetOrderByValue: OrderResult }>(BY_VALUE, {
          input: { value: '1000.00', currency: 'EUR' },
        }),
      ).createOffsetOrderByValue;
      expect(small.userErrors).toEqual([]);
      expect(quotes()).toBe(quoted + 2);
      expect(orderPosts()).toBe(posts + 1);
    });
  });

  describe('the account currency', () => {
    it('an account in USD under a configured EUR: /health is degraded naming the route and field, and orders are refused, never placed', async () => {
      // Without Lune-Account the key acts for its default account, which is in USD.
      const wrong = await start({ OFFSET_ORDERS_ACCOUNT_ID: undefined, OFFSET_ORDERS_ACCOUNT_CURRENCY: 'EUR' });
      try {
        const health = (await (await fetch(new URL('/health', wrong.running.url))).json()) as {
          status: string;
          contract?: { upstream: string; route: string; field: string }[];
        };
        expect(health.status).toBe('degraded');
        expect(health.contract).toEqual([
          expect.objectContaining({ upstream: 'lune', route: 'GET /accounts/me', field: 'currency' }),
        ]);
        const posts = orderPosts();
        const res = await gql<{ createOffsetOrderByValue: OrderResult }>(
          BY_VALUE,
          { input: { value: '50', currency: 'EUR' } },
          alice,
          wrong.running.url,
        );
        expect(res.errors?.map((e) => [e.extensions?.code, e.extensions?.reason])).toEqual([
          ['UPSTREAM_UNAVAILABLE', 'ACCOUNT_CURRENCY_MISMATCH'],
        ]);
        expect(orderPosts()).toBe(posts);
      } finally {
        await wrong.running.stop();
      }
      // The configured account matches: up.
      const health = (await (await fetch(new URL('/health', subgraph.url))).json()) as { status: string };
      expect(health.status).toBe('up');
    });
  });

  describe('one effect per logical write, and a truthful answer', () => {
    it('Lune hangs: a keyless order is UPSTREAM_OUTCOME_UNKNOWN naming its key, then visible to its buyer once Lune executes it', async () => {
      const buyer = await newBuyer();
      const created = lune.ordersCreated();
      proxy.plan((r) => (r.method === 'POST' && r.path === '/orders/by-mass' ? 'hang' : null));
      const res = await byMass('1', undefined, buyer);
      proxy.plan(() => null);
      expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['UPSTREAM_OUTCOME_UNKNOWN']);
      const key = res.errors![0]!.extensions!.upstreamIdempotencyKey as string;
      expect(key).toMatch(/^mkt1-/);
      expect((await journalRow(app, { luneKey: key })).state).toBe('UNKNOWN');
      expect(await listAll(buyer)).toEqual([]);
      // Lune resumes and executes what it held (the POST and its resend: one key, one order).
      expect(proxy.hung()).toBeGreaterThan(0);
      await proxy.release();
      expect(lune.ordersCreated()).toBe(created + 1);
      const orders = await listAll(buyer);
      expect(orders.map((o) => o.id)).toHaveLength(1);
      const row = await journalRow(app, { luneKey: key });
      expect([row.state, row.luneOrderId]).toEqual(['DONE', localOf(orders[0]!.id)]);
      expect(lune.ordersCreated()).toBe(created + 1);
    });

    it('Lune hangs on a keyed order: the caller’s retry finds the order by key and sends nothing again', async () => {
      const key = `hang-${randomUUID()}`;
      proxy.plan((r) => (r.method === 'POST' && r.path === '/orders/by-mass' ? 'hang' : null));
      const first = await byMass('2', key);
      proxy.plan(() => null);
      expect(first.errors?.map((e) => [e.extensions?.code, e.extensions?.idempotencyKey])).toEqual([
        ['UPSTREAM_OUTCOME_UNKNOWN', key],
      ]);
      await proxy.release();
      const created = lune.ordersCreated();
      const posts = orderPosts();
      const retry = ok(await byMass('2', key)).createOffsetOrderByMass;
      expect(retry.userErrors).toEqual([]);
      expect(retry.offsetOrder!.idempotencyKey).toBe(key);
      expect(orderPosts()).toBe(posts);
      expect(lune.ordersCreated()).toBe(created);
    });

    it.each([
      ['lose', 'the answer lost after Lune acted'],
      ['late', 'an answer later than the timeout'],
      ['error5xx', 'a 500 after Lune acted'],
      ['unreadable', 'a 2xx with an unreadable body'],
      ['unavailable', 'a 503 before Lune acted'],
    ] as const)('%s (%s): one order at Lune, and the order answered', async (fault, _what) => {
      const key = `${fault}-${randomUUID()}`;
      const created = lune.ordersCreated();
      let first = true;
      proxy.plan((r) => {
        if (r.method !== 'POST' || r.path !== '/orders/by-mass' || !first) return null;
        first = false;
        return fault;
      });
      const res = ok(await byMass('1', key)).createOffsetOrderByMass;
      proxy.plan(() => null);
      expect(res.userErrors).toEqual([]);
      expect(lune.ordersCreated()).toBe(created + 1);
      const row = await journalRow(app, { clientKey: key });
      expect([row.state, row.luneOrderId]).toEqual(['DONE', localOf(res.offsetOrder!.id)]);
    });

    it('100 keyed orders under 30 % faults make exactly 100 Lune orders, all visible to their buyer', async () => {
      const buyer = await newBuyer();
      const created = lune.ordersCreated();
      const injected = proxy.faults.length;
      proxy.plan(
        randomFaults({ lose: 0.06, late: 0.06, error5xx: 0.06, unreadable: 0.06, unavailable: 0.06 }, (r) =>
          r.path.startsWith('/orders'),
        ),
      );
      const answers: Record<string, number> = {};
      const place = async (key: string) => {
        for (let attempt = 1; attempt <= 40; attempt++) {
          const res: GraphQLResponse<{ createOffsetOrderByMass: OrderResult }> = await byMass('0.5', key, buyer);
          if (!res.errors?.length) return res.data!.createOffsetOrderByMass.offsetOrder!.id;
          for (const e of res.errors)
            answers[String(e.extensions?.code)] = (answers[String(e.extensions?.code)] ?? 0) + 1;
        }
        throw new Error(`order ${key} never went through`);
      };
      const keys = Array.from({ length: 100 }, (_, i) => `storm-${i}`);
      const ids: string[] = [];
      try {
        for (let i = 0; i < keys.length; i += 10) ids.push(...(await Promise.all(keys.slice(i, i + 10).map(place))));
      } finally {
        proxy.plan(() => null);
      }
      expect(new Set(ids).size).toBe(100);
      expect(lune.ordersCreated()).toBe(created + 100);
      // Every failure the buyer saw was one of the two truthful ones.
      expect(
        Object.keys(answers).filter((c) => c !== 'UPSTREAM_OUTCOME_UNKNOWN' && c !== 'UPSTREAM_UNAVAILABLE'),
      ).toEqual([]);
      expect(proxy.faults.length - injected).toBeGreaterThan(20);
      const listed = await listAll(buyer);
      expect(new Set(listed.map((o) => o.id))).toEqual(new Set(ids));
      expect(
        await app.database!.fork().count(OffsetOrderJournalEntry, { clientKey: { $in: keys }, state: { $ne: 'DONE' } }),
      ).toBe(0);
    }, 120_000);

    it('a buyer’s list whose one order Lune cannot read answers the others, with a coded error naming that order', async () => {
      const buyer = await newBuyer();
      const ids: string[] = [];
      for (const amount of ['1', '2', '3'])
        ids.push(ok(await byMass(amount, `part-${randomUUID()}`, buyer)).createOffsetOrderByMass.offsetOrder!.id);
      const broken = localOf(ids[1]!);
      proxy.plan((r) => (r.method === 'GET' && r.path === `/orders/${broken}` ? 'error5xx' : null));
      const res = await gql<{ offsetOrders: { nodes: Order[] } | null }>(LIST, { first: 10 }, buyer);
      proxy.plan(() => null);
      expect(res.data?.offsetOrders?.nodes.map((o) => o.id)).toEqual([ids[2], ids[0]]);
      expect(res.errors).toEqual([
        expect.objectContaining({
          path: ['offsetOrders'],
          extensions: expect.objectContaining({
            code: 'UPSTREAM_UNAVAILABLE',
            upstream: 'lune',
            upstreamOrderId: broken,
            partial: true,
          }),
        }),
      ]);
    });

    it('the pass asks least recently asked first: rows Lune never received do not starve a newer one', async () => {
      // 25 open rows Lune has no order for, older than one it has.
      const em = app.database!.fork();
      const old = new Date(Date.now() - 3600_000);
      for (let i = 0; i < 25; i++) {
        em.create(OffsetOrderJournalEntry, {
          id: randomUUID(),
          ownerId: randomUUID(),
          clientKey: null,
          luneKey: `mkt1-never-${randomUUID()}`,
          requestHash: 'h',
          state: 'UNKNOWN',
          luneOrderId: null,
          createdAt: old,
          updatedAt: old,
        });
      }
      const key = `mkt1-arrived-${randomUUID()}`;
      const placed = await fetch(`${lune.url}/orders/by-mass`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${lune.env.OFFSET_ORDERS_API_KEY}`,
          'lune-account': ACCOUNT.id,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ mass: { amount: '1', unit: 't' }, idempotency_key: key }),
      });
      const orderId = ((await placed.json()) as { id: string }).id;
      em.create(OffsetOrderJournalEntry, {
        id: randomUUID(),
        ownerId: randomUUID(),
        clientKey: null,
        luneKey: key,
        requestHash: 'h',
        state: 'UNKNOWN',
        luneOrderId: null,
        createdAt: new Date(),
        updatedAt: new Date(),
      });
      await em.flush();
      const log = createLogger('marketplace', 'silent');
      const offsets = {
        api: createLuneApi(subgraph.config, log),
        account: null as unknown as LuneAccountCurrency,
        inFlight: new Map(),
        log,
      };
      const journal = new OffsetOrderJournal(app.database!.fork());
      try {
        // First pass: the 20 oldest, none of which Lune has; they go to the back of the queue.
        expect(await resolveOpenOutcomes(offsets, journal, { limit: 20 })).toBe(0);
        expect((await journalRow(app, { luneKey: key })).state).toBe('UNKNOWN');
        // Second pass: the 5 left, then the one Lune has.
        expect(await resolveOpenOutcomes(offsets, journal, { limit: 20 })).toBe(1);
      } finally {
        await offsets.api.close();
      }
      expect(await journalRow(app, { luneKey: key })).toMatchObject({ state: 'DONE', luneOrderId: orderId });
      await app.database!.fork().nativeDelete(OffsetOrderJournalEntry, { luneKey: { $like: 'mkt1-never-%' } });
    });

    it('the background pass settles an unknown outcome without any read or retry', async () => {
      const background = await start({ OFFSET_FLOW_RESUME_INTERVAL_MS: '50' });
      try {
        const buyer = await newBuyer();
        proxy.plan((r) => (r.method === 'POST' && r.path === '/orders/by-mass' ? 'hang' : null));
        const res = await byMass('1', undefined, buyer, background.running.url);
        proxy.plan(() => null);
        const key = res.errors![0]!.extensions!.upstreamIdempotencyKey as string;
        await proxy.release();
        let row = await journalRow(background.app, { luneKey: key });
        // Counted, not timed: each round is one look at the journal while the pass runs.
        for (let round = 0; round < 400 && row.state !== 'DONE'; round++) {
          await new Promise((r) => setTimeout(r, 25));
          row = await journalRow(background.app, { luneKey: key });
        }
        expect(row.state).toBe('DONE');
        expect(
          lune.calls.filter(
            (c) => c.method === 'GET' && c.path === `/orders/by-idempotency-key/${key}` && c.status === 200,
          ).length,
        ).toBeGreaterThan(0);
      } finally {
        await background.running.stop();
      }
    });
  });
});
