// Replicas are safe: two marketplaces and two registries on one PostgreSQL database, one payments,
// one footprints and the gateway in front, each replicated subgraph behind a small round-robin
// proxy (the gateway and the marketplace's outbox reach every subgraph through its proxy, which
// records what passes). Under concurrent load from distinct callers, with retried idempotency
// keys and both marketplace outboxes running, every payment record and every pooled retirement
// reaches its target exactly once, a key gives one order whichever replica it reaches, the
// ledgers stay whole, and a marketplace replica killed mid-load loses nothing it acknowledged.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { serveGateway, type RunningGateway } from '../../gateway/server.ts';
import type { StackConfig as Config } from '../../subgraphs/index.ts';
import { openDatabase, type Database } from '../../lib/db.ts';
import { DEMO } from '../../demo/data.ts';
import { closeServer, listen } from '../../lib/http-server.ts';
import { serveSubgraph, type RunningSubgraph } from '../../lib/subgraph.ts';
import { createFootprintsApp } from '../../subgraphs/footprints/server.ts';
import { ServiceOutbox } from '../../subgraphs/marketplace/outbox/entities.ts';
import { Order, Product, PurchaseIdempotencyKey } from '../../subgraphs/marketplace/local/entities.ts';
import { OffsetBundle, OffsetOrder, OffsetRetirementPool } from '../../subgraphs/marketplace/offsets/local/entities.ts';
import { createMarketplaceApp, type MarketplaceApp } from '../../subgraphs/marketplace/server.ts';
import { PaymentTransaction, entities as paymentsEntities } from '../../subgraphs/payments/local/entities.ts';
import { MIGRATIONS as PAYMENTS_MIGRATIONS, createPaymentsApp } from '../../subgraphs/payments/server.ts';
import { Balance, Credit, Retirement, entities as registryEntities } from '../../subgraphs/registry/local/entities.ts';
import { ledgerTotals } from '../../subgraphs/registry/local/ledger.ts';
import { MIGRATIONS as REGISTRY_MIGRATIONS, createRegistryApp } from '../../subgraphs/registry/server.ts';
import { until } from '../marketplace/helpers.ts';
import { freshStorage, testConfig, tokenFor, usingPostgres } from '../support/env.ts';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { CreateOrderDocument, PlaceOffsetOrderByMassDocument } from '../__generated__/operations.ts';
import { graphql, type GraphQLResponse } from '../support/graphql.ts';
import { localOf } from '../support/ids.ts';

/** One request that passed a proxy: the backend it reached, the request and the answer (parsed). */
interface Passed {
  backend: number;
  /** Requests the proxy had sent on before this one. */
  seq: number;
  request: { query?: string; variables?: Record<string, unknown> };
  status: number;
  answer: { data?: Record<string, { userErrors?: unknown[] } | null> | null } | null;
}

interface Proxy {
  url: string;
  backends: string[];
  /** Requests sent on to a backend so far. */
  dispatched: number;
  passed: Passed[];
  stop(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'accept-encoding',
]);

/**
 * A round-robin HTTP proxy: each request goes to the next backend; a backend that refuses the
 * connection (nothing was sent) is skipped for the next one, as a load balancer's health check
 * would; a connection lost mid-request is a 502 the caller may retry.
 */
async function startProxy(): Promise<Proxy> {
  let next = 0;
  const proxy: Proxy = { url: '', backends: [], dispatched: 0, passed: [], stop: () => closeServer(server, 1_000) };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k, v]) => !HOP_BY_HOP.has(k) && typeof v === 'string'),
      ) as Record<string, string>;
      for (let tries = 0; tries < proxy.backends.length; tries++) {
        const backend = next++ % proxy.backends.length;
        const target = new URL(req.url ?? '/', proxy.backends[backend]);
        const seq = proxy.dispatched++;
        try {
          const answer = await fetch(target, {
            method: req.method,
            headers,
            body: req.method === 'GET' ? undefined : body,
          });
          const text = await answer.text();
          proxy.passed.push({
            backend,
            seq,
            request: parseJson(body.toString()) ?? {},
            status: answer.status,
            answer: parseJson(text),
          });
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
          return void res.end(text);
        } catch (err) {
          if ((err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED') continue;
          break;
        }
      }
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ message: 'Bad gateway', extensions: { code: 'BAD_GATEWAY' } }] }));
    });
  });
  const port = await listen(server, '127.0.0.1', 0);
  proxy.url = `http://127.0.0.1:${port}/graphql`;
  return proxy;
}

function parseJson<T>(text: string): T | null {
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

/**
 * The outbox calls of `mutation` that passed a proxy, per message key (`keyOf` its input): how
 * many times each was sent and how many times the target accepted it (no user error).
 */
function deliveriesAt(proxy: Proxy, mutation: string, keyOf: (input: Record<string, unknown>) => string) {
  const sent = new Map<string, number>();
  const accepted = new Map<string, number>();
  for (const call of proxy.passed) {
    if (!call.request.query?.startsWith('mutation Deliver') || !call.request.query.includes(mutation)) continue;
    for (const [variable, input] of Object.entries(call.request.variables ?? {})) {
      const key = keyOf(input as Record<string, unknown>);
      sent.set(key, (sent.get(key) ?? 0) + 1);
      const result = call.answer?.data?.[variable === 'input' ? mutation : variable];
      if (call.status === 200 && result && result.userErrors?.length === 0)
        accepted.set(key, (accepted.get(key) ?? 0) + 1);
    }
  }
  return { sent, accepted };
}

const CREATE = CreateOrderDocument;
const OFFSET = PlaceOffsetOrderByMassDocument;
const KENYA = DEMO.offsetProjects[0];

type Payload = { order?: { id: string } | null; offsetOrder?: { id: string } | null; userErrors: { code: string }[] };

/** The (local) id a purchase answered, or null when the call failed (a transport error, a GraphQL error, a user error). */
function placedId(res: GraphQLResponse<Record<string, Payload>> | null): string | null {
  if (!res || res.errors?.length || !res.data) return null;
  const payload = Object.values(res.data)[0];
  if (!payload || payload.userErrors.length) return null;
  const id = (payload.order ?? payload.offsetOrder)?.id;
  return id ? localOf(id) : null;
}

/** Sends until the purchase is acknowledged, with the same idempotency key every time (a client's retry). */
async function placeRetrying<I>(
  url: string,
  purchase: TypedDocumentNode<Record<string, Payload>, { input: I }>,
  input: I,
  token: string,
): Promise<string> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const res = await graphql(url, purchase, { input }, { token }).catch(() => null);
    const id = placedId(res);
    if (id) return id;
    if (res?.data && Object.values(res.data)[0]?.userErrors.length)
      throw new Error(`refused: ${JSON.stringify(res.data)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never acknowledged: ${JSON.stringify(input)}`);
}

interface Replica {
  app: MarketplaceApp;
  running: RunningSubgraph;
}

const onPostgres = usingPostgres() ? describe : describe.skip;

onPostgres(
  'replicas on one PostgreSQL database: two marketplaces, two registries, one gateway (PostgreSQL only; skipped on SQLite, a file per machine that replicas cannot share)',
  () => {
    let storage: Awaited<ReturnType<typeof freshStorage>>;
    let config: Config;
    const proxies = {} as Record<'marketplace' | 'payments' | 'registry' | 'footprints', Proxy>;
    const marketplaces: Replica[] = [];
    const others: RunningSubgraph[] = [];
    let gateway: RunningGateway;
    let registryDb: Database;
    let paymentsDb: Database;
    const callers: { id: string; token: string }[] = [];
    /** What the load acknowledged: order ids by (caller, key). */
    const acknowledged = { orders: new Map<string, string>(), offsets: new Map<string, string>() };
    const before = {
      productGrams: 0n,
      bundleGrams: 0n,
      pooled: 0n,
      retired: 0n,
      kenyaRetired: 0n,
      messages: new Set<string>(),
    };

    const mdb = () => marketplaces.at(-1)!.app.database!.fork();
    const startMarketplace = async () => {
      const app = await createMarketplaceApp(config);
      const running = await serveSubgraph(app, config, 0);
      proxies.marketplace.backends.push(running.url);
      marketplaces.push({ app, running });
    };
    const kenyaRetired = async () => {
      const credits = await registryDb.fork().find(Credit, { projectId: KENYA, development: false });
      let retired = 0n;
      for (const c of credits) retired += (await ledgerTotals(registryDb.fork(), c.id)).retired;
      return retired;
    };

    beforeAll(async () => {
      storage = await freshStorage();
      for (const name of ['marketplace', 'payments', 'registry', 'footprints'] as const)
        proxies[name] = await startProxy();
      config = testConfig({
        ...storage.env,
        MARKETPLACE_URL: proxies.marketplace.url,
        PAYMENTS_URL: proxies.payments.url,
        REGISTRY_URL: proxies.registry.url,
        FOOTPRINTS_URL: proxies.footprints.url,
        PAYMENT_OUTBOX_INTERVAL_MS: '100',
      });
      // One after another, as a rollout does after the migration job: the first applies the
      // migrations and seeds; the next find both done.
      await startMarketplace();
      await startMarketplace();
      const serve = async (name: 'payments' | 'registry' | 'footprints', app: Parameters<typeof serveSubgraph>[0]) => {
        const running = await serveSubgraph(app, config, 0);
        proxies[name].backends.push(running.url);
        others.push(running);
      };
      await serve('registry', await createRegistryApp(config));
      await serve('registry', await createRegistryApp(config));
      await serve('payments', await createPaymentsApp(config));
      await serve('footprints', await createFootprintsApp(config));
      gateway = await serveGateway(config, 0);
      registryDb = await openDatabase(config, {
        name: 'registry',
        entities: registryEntities,
        migrationsPath: REGISTRY_MIGRATIONS,
      });
      paymentsDb = await openDatabase(config, {
        name: 'payments',
        entities: paymentsEntities,
        migrationsPath: PAYMENTS_MIGRATIONS,
      });
      for (let i = 0; i < 10; i++) {
        const id = randomUUID();
        callers.push({
          id,
          token: await tokenFor({ id, email: `buyer${i}@replicas.example`, role: 'USER', name: `Buyer ${i}` }),
        });
      }
      const em = mdb();
      before.productGrams = BigInt((await em.findOneOrFail(Product, { id: DEMO.products[0] })).availableGrams);
      before.bundleGrams = (await em.find(OffsetBundle, {})).reduce((s, b) => s + BigInt(b.availableGrams), 0n);
      const pools = await em.find(OffsetRetirementPool, {});
      before.pooled = pools.reduce((s, p) => s + BigInt(p.pooledGrams), 0n);
      before.retired = pools.reduce((s, p) => s + BigInt(p.retiredGrams), 0n);
      before.messages = new Set((await em.find(ServiceOutbox, {})).map((m) => m.id));
      before.kenyaRetired = await kenyaRetired();
    }, 90_000);

    afterAll(async () => {
      await gateway?.stop();
      for (const m of marketplaces) await m.running.stop().catch(() => undefined);
      for (const s of others) await s.stop();
      for (const p of Object.values(proxies)) await p.stop();
      await registryDb?.close();
      await paymentsDb?.close();
      await storage?.drop();
    }, 60_000);

    /** Every message the load wrote, once no new one is pending: the outboxes have drained. */
    const drained = async () => {
      await until(
        async () => (await mdb().count(ServiceOutbox, { status: { $ne: 'DELIVERED' } })) === 0,
        'every outbox message delivered',
        30_000,
      );
      return (await mdb().find(ServiceOutbox, {})).filter((m) => !before.messages.has(m.id));
    };

    it('200 orders and 100 offset orders from 10 callers, with retried keys, reach payments and the registry exactly once', async () => {
      // Each caller places 20 orders of 1 t and 10 offset orders of 100 kg, one after another; every
      // fifth purchase is sent twice at once with its key (a client retrying before the answer).
      await Promise.all(
        callers.map(async (caller, c) => {
          for (let n = 0; n < 30; n++) {
            const offset = n % 3 === 2;
            const key = `${offset ? 'offset' : 'order'}-${c}-${n}`;
            const place = () =>
              offset
                ? placeRetrying(
                    gateway.url,
                    OFFSET,
                    { mass: { amount: '100', unit: 'KG' }, idempotencyKey: key },
                    caller.token,
                  )
                : placeRetrying(
                    gateway.url,
                    CREATE,
                    { productId: DEMO.products[0], quantity: '1', idempotencyKey: key },
                    caller.token,
                  );
            const sends = n % 5 === 0 ? 2 : 1;
            const ids = await Promise.all(Array.from({ length: sends }, place));
            expect(new Set(ids).size).toBe(1);
            (offset ? acknowledged.offsets : acknowledged.orders).set(`${caller.id}:${key}`, ids[0]!);
          }
        }),
      );
      expect([acknowledged.orders.size, acknowledged.offsets.size]).toEqual([200, 100]);
      const orderIds = [...acknowledged.orders.values()];
      const offsetIds = [...acknowledged.offsets.values()];
      expect(new Set(orderIds).size).toBe(200);
      expect(new Set(offsetIds).size).toBe(100);
      const buyers = callers.map((c) => c.id);
      expect(await mdb().count(Order, { buyerId: { $in: buyers } })).toBe(200);
      expect(await mdb().count(OffsetOrder, { ownerId: { $in: buyers } })).toBe(100);

      // Both replicas served the load.
      const mutations = proxies.marketplace.passed.filter(
        (p) => p.request.query?.includes('createOrder') || p.request.query?.includes('createOffsetOrderByMass'),
      );
      expect(new Set(mutations.map((p) => p.backend))).toEqual(new Set([0, 1]));
      // Keys sent twice at once: some reached one replica with the first send and the other with the second.
      const backendsOf = (key: string) =>
        new Set(
          mutations.filter((p) => JSON.stringify(p.request.variables).includes(`"${key}"`)).map((p) => p.backend),
        );
      const twice = callers.flatMap((_, c) =>
        [0, 5, 10, 15, 20, 25].map((n) => `${n % 3 === 2 ? 'offset' : 'order'}-${c}-${n}`),
      );
      expect(twice.filter((key) => backendsOf(key).size === 2).length).toBeGreaterThan(0);

      const messages = await drained();
      const payments = messages.filter((m) => m.mutation === 'recordPaymentTransaction');
      const retirements = messages.filter((m) => m.mutation === 'retireCreditsForOffsetOrder');
      expect(payments).toHaveLength(200);
      // 100 × 100 kg = 10 t sold: at least 9 whole tonnes filled (the pool may hold a seeded remainder).
      expect(retirements.length).toBeGreaterThanOrEqual(9);

      // Payments: one row per order, and each record accepted once at the proxy.
      const rows = await paymentsDb.fork().find(PaymentTransaction, { externalReference: { $in: orderIds } });
      expect(rows.map((r) => r.externalReference).sort()).toEqual([...orderIds].sort());
      const paid = deliveriesAt(proxies.payments, 'recordPaymentTransaction', (input) =>
        String(input.externalReference),
      );
      expect([...paid.accepted.keys()].sort()).toEqual([...orderIds].sort());
      expect([...paid.sent.values(), ...paid.accepted.values()].every((n) => n === 1)).toBe(true);

      // The registry: each pooled retirement retired its tonnes once, through either registry replica.
      const requests = retirements.map(
        (m) =>
          JSON.parse(m.payload) as { offsetOrderId: string; projectId: string; tonnes: number; idempotencyKey: string },
      );
      const retired = await registryDb
        .fork()
        .find(Retirement, { offsetOrderId: { $in: requests.map((r) => r.offsetOrderId) } });
      for (const r of requests) {
        expect({
          pool: r.offsetOrderId,
          tonnes: retired
            .filter((row) => row.offsetOrderId === r.offsetOrderId)
            .reduce((s, row) => s + BigInt(row.amountTonnes), 0n),
        }).toEqual({ pool: r.offsetOrderId, tonnes: BigInt(r.tonnes) });
      }
      const asked = deliveriesAt(proxies.registry, 'retireCreditsForOffsetOrder', (input) =>
        String(input.idempotencyKey),
      );
      expect([...asked.accepted.keys()].sort()).toEqual(requests.map((r) => r.idempotencyKey).sort());
      expect([...asked.sent.values(), ...asked.accepted.values()].every((n) => n === 1)).toBe(true);

      // Stock and pools agree with what was sold and retired.
      const em = mdb();
      const tonnes = requests.reduce((s, r) => s + BigInt(r.tonnes), 0n);
      expect(
        before.productGrams - BigInt((await em.findOneOrFail(Product, { id: DEMO.products[0] })).availableGrams),
      ).toBe(200n * 1_000_000n);
      expect(
        before.bundleGrams - (await em.find(OffsetBundle, {})).reduce((s, b) => s + BigInt(b.availableGrams), 0n),
      ).toBe(100n * 100_000n);
      const pools = await em.find(OffsetRetirementPool, {});
      expect(pools.reduce((s, p) => s + BigInt(p.pooledGrams), 0n) - before.pooled).toBe(100n * 100_000n);
      expect(pools.reduce((s, p) => s + BigInt(p.retiredGrams), 0n) - before.retired).toBe(tonnes * 1_000_000n);
      expect(pools.every((p) => BigInt(p.retiredGrams) <= BigInt(p.pooledGrams))).toBe(true);
      const kenyaTonnes = requests.filter((r) => r.projectId === KENYA).reduce((s, r) => s + BigInt(r.tonnes), 0n);
      expect(kenyaTonnes).toBeGreaterThan(0n);
      expect((await kenyaRetired()) - before.kenyaRetired).toBe(kenyaTonnes);
    }, 120_000);

    it('the same key sent at once to both marketplace replicas gives one order', async () => {
      const [a, b] = marketplaces as [Replica, Replica];
      const caller = callers[0]!;
      const keys = Array.from({ length: 20 }, (_, i) => `both-${i}`);
      const pairs = await Promise.all(
        keys.map((key) =>
          Promise.all(
            [a, b].map((r) =>
              placeRetrying(
                r.running.url,
                CREATE,
                { productId: DEMO.products[2], quantity: '0.5', idempotencyKey: key },
                caller.token,
              ),
            ),
          ),
        ),
      );
      for (const [x, y] of pairs) expect(x).toBe(y);
      const keyRows = await mdb().find(PurchaseIdempotencyKey, { ownerId: caller.id, key: { $in: keys } });
      expect(keyRows.map((k) => k.orderId).sort()).toEqual(pairs.map(([x]) => x).sort());
      expect(await mdb().count(Order, { id: { $in: pairs.map(([x]) => x) } })).toBe(20);
      await drained();
      expect(
        await paymentsDb.fork().count(PaymentTransaction, { externalReference: { $in: pairs.map(([x]) => x) } }),
      ).toBe(20);
    }, 60_000);

    it('a marketplace replica killed mid-load loses no acknowledged order and duplicates none', async () => {
      const [victim] = marketplaces as [Replica, Replica];
      const acked = new Map<string, string>();
      let killed: Promise<void> | null = null;
      let dispatchedAtKill = 0;
      const kill = async () => {
        dispatchedAtKill = proxies.marketplace.dispatched;
        // Abruptly: open connections are cut (requests in flight get no answer), the outbox's calls
        // in flight are aborted, and the database pool goes.
        victim.running.server.closeAllConnections();
        victim.running.server.close();
        await victim.app.close();
      };
      await Promise.all(
        callers.map(async (caller, c) => {
          for (let n = 0; n < 10; n++) {
            const key = `kill-${c}-${n}`;
            acked.set(
              `${caller.id}:${key}`,
              await placeRetrying(
                gateway.url,
                CREATE,
                { productId: DEMO.products[0], quantity: '0.25', idempotencyKey: key },
                caller.token,
              ),
            );
            if (acked.size >= 30 && !killed) killed = kill();
          }
        }),
      );
      await killed;
      expect(acked.size).toBe(100);
      // The kill came mid-load: the survivor alone answered what came after it.
      const after = proxies.marketplace.passed.filter((p) => p.seq >= dispatchedAtKill);
      expect(after.length).toBeGreaterThan(0);
      expect(new Set(after.map((p) => p.backend))).toEqual(new Set([1]));
      const ids = [...acked.values()];
      expect(new Set(ids).size).toBe(100);

      // The survivor holds every acknowledged order, one per key, and delivers every payment record.
      const em = mdb();
      expect(await em.count(Order, { id: { $in: ids } })).toBe(100);
      const keys = await em.find(PurchaseIdempotencyKey, { key: { $like: 'kill-%' } });
      expect(keys.map((k) => k.orderId).sort()).toEqual([...ids].sort());
      expect(await em.count(Order, { buyerId: { $in: callers.map((c) => c.id) }, quantityGrams: 250_000n })).toBe(100);
      const messages = await drained();
      expect(
        messages.filter(
          (m) => m.mutation === 'recordPaymentTransaction' && ids.includes(JSON.parse(m.payload).externalReference),
        ),
      ).toHaveLength(100);
      const rows = await paymentsDb.fork().find(PaymentTransaction, { externalReference: { $in: ids } });
      expect(rows.map((r) => r.externalReference).sort()).toEqual([...ids].sort());
    }, 90_000);

    it('the ledgers are whole: every credit balanced, no balance negative, no stock negative', async () => {
      const reg = registryDb.fork();
      for (const credit of await reg.find(Credit, {})) {
        const t = await ledgerTotals(registryDb.fork(), credit.id);
        expect({
          credit: credit.id,
          whole: t.issued === t.held + t.reserved + t.retired + t.cancelled,
          serialsUnique: t.serialsUnique,
          balancesMatch: t.balancesMatch,
        }).toEqual({
          credit: credit.id,
          whole: true,
          serialsUnique: true,
          balancesMatch: true,
        });
      }
      expect(await reg.count(Balance, { $or: [{ heldTonnes: { $lt: 0n } }, { reservedTonnes: { $lt: 0n } }] })).toBe(0);
      const em = mdb();
      expect(await em.count(Product, { availableGrams: { $lt: 0n } })).toBe(0);
      expect(await em.count(OffsetBundle, { availableGrams: { $lt: 0n } })).toBe(0);
      // Every payment row belongs to an order, and every order of the callers has exactly one.
      const orders = await em.find(Order, { buyerId: { $in: callers.map((c) => c.id) } });
      expect(
        await paymentsDb.fork().count(PaymentTransaction, { externalReference: { $in: orders.map((o) => o.id) } }),
      ).toBe(orders.length);
      expect(orders).toHaveLength(320);
    });
  },
);

onPostgres('replicas starting at once on a fresh PostgreSQL database (PostgreSQL only: SQLite never migrates)', () => {
  it('one replica applies the migrations while the others wait; every replica starts and each migration is applied once', async () => {
    const storage = await freshStorage();
    // Demo data off, as in production: seeding is for a single process per subgraph.
    const config = testConfig({ ...storage.env, SEED_DEMO_DATA: 'false' });
    try {
      const started = await Promise.allSettled([
        createMarketplaceApp(config),
        createMarketplaceApp(config),
        createRegistryApp(config),
        createRegistryApp(config),
        createRegistryApp(config),
      ]);
      for (const s of started) if (s.status === 'fulfilled') await s.value.close();
      expect(started.map((s) => (s.status === 'fulfilled' ? 'started' : String(s.reason)))).toEqual(
        Array.from({ length: 5 }, () => 'started'),
      );
      const registry = await openDatabase(config, {
        name: 'registry',
        entities: registryEntities,
        migrationsPath: REGISTRY_MIGRATIONS,
      });
      try {
        const applied = await registry
          .fork()
          .getConnection()
          .execute<{ name: string }[]>('select name from "registry"."mikro_orm_migrations"');
        expect(applied.length).toBeGreaterThan(0);
        expect(new Set(applied.map((m) => m.name)).size).toBe(applied.length);
      } finally {
        await registry.close();
      }
    } finally {
      await storage.drop();
    }
  }, 60_000);
});
