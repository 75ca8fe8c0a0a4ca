// Offset orders are never free and the registry never retires more than was sold: a minimum order
// with costs rounded up, and pooled retirement checked against the real registry subgraph (its
// ledger, its offset inventory, a refusal while the inventory is exhausted and the top-up that
// unblocks it). Both subgraphs run in local mode, each with its own database.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { openDatabase, type Database } from '../../lib/db.ts';
import { DEMO } from '../../demo/data.ts';
import { ServiceOutbox } from '../../subgraphs/marketplace/outbox/entities.ts';
import {
  OffsetBundle,
  OffsetOrder,
  OffsetPoolShare,
  OffsetRetirementPool,
} from '../../subgraphs/marketplace/offsets/local/entities.ts';
import { createMarketplaceApp, type MarketplaceApp } from '../../subgraphs/marketplace/server.ts';
import {
  Balance,
  Credit,
  Membership,
  Retirement,
  entities as registryEntities,
} from '../../subgraphs/registry/local/entities.ts';
import { demoOffsetCredits } from '../../subgraphs/registry/local/seed.ts';
import { ledgerTotals } from '../../subgraphs/registry/local/ledger.ts';
import { MIGRATIONS as REGISTRY_MIGRATIONS, createRegistryApp } from '../../subgraphs/registry/server.ts';
import { tokenFor } from '../support/env.ts';
import { graphql, ok } from '../support/graphql.ts';
import { gid, localOf } from '../support/ids.ts';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph.ts';
import { data, pdfText, startMarketplace, until, type Marketplace } from './helpers.ts';

interface Share {
  mass: { amount: string; unit: string };
  retirement: { id: string; name: string; status: string } | null;
}
interface OrderState {
  id: string;
  retirementStatus: string | null;
  retirementBlockedReason: string | null;
  retirementShares: Share[];
}

const ERRORS = 'userErrors { field code message }';
const BY_MASS = `mutation M($input: CreateOffsetOrderByMassInput!) { createOffsetOrderByMass(input: $input) { offsetOrder { id totalCost { amount currency } mass { amount } } ${ERRORS} } }`;
const Q_MASS = `query Q($input: OffsetQuoteByMassInput!) { offsetQuoteByMass(input: $input) { quote { mass { amount } totalCost { amount } } ${ERRORS} } }`;
const Q_VALUE = `query Q($input: OffsetQuoteByValueInput!) { offsetQuoteByValue(input: $input) { quote { mass { amount } totalCost { amount } } ${ERRORS} } }`;
const STATE =
  'id retirementStatus retirementBlockedReason retirementShares { mass { amount unit } retirement { id name status } }';
const KENYA = DEMO.offsetProjects[0];
const OFFSETS = DEMO.organizations.marketplaceOffsets;
const [COOK22, COOK23] = demoOffsetCredits.cookstoves as [
  (typeof demoOffsetCredits.cookstoves)[0],
  (typeof demoOffsetCredits.cookstoves)[0],
];

describe('offset orders are never free (local mode)', () => {
  let m: Marketplace;
  let oneGram: Marketplace;

  beforeAll(async () => {
    m = await startMarketplace('local', { REGISTRY_URL: 'http://127.0.0.1:9/graphql' });
    oneGram = await startMarketplace('local', {
      REGISTRY_URL: 'http://127.0.0.1:9/graphql',
      OFFSET_MINIMUM_ORDER_GRAMS: '1',
    });
  });
  afterAll(async () => {
    await m?.stop();
    await oneGram?.stop();
  });

  const order = async (on: Marketplace, amount: string, unit = 'G') =>
    data(await on.as('alice', BY_MASS, { input: { mass: { amount, unit } } })).createOffsetOrderByMass;
  const written = async (on: Marketplace) => {
    const em = on.app.database!.fork();
    return {
      orders: await em.count(OffsetOrder, {}),
      stock: (await em.find(OffsetBundle, {}, { orderBy: { id: 'asc' } })).map((b) => BigInt(b.availableGrams)),
      pools: await em.count(OffsetRetirementPool, {}),
      messages: await em.count(ServiceOutbox, {}),
    };
  };

  it('refuses 50 one-gram orders (and the quote) as BELOW_MINIMUM, writing nothing', async () => {
    const before = await written(m);
    const results = await Promise.all(Array.from({ length: 50 }, () => order(m, '1')));
    for (const r of results) {
      expect(r.offsetOrder).toBeNull();
      expect(r.userErrors).toEqual([
        {
          field: ['input', 'mass'],
          code: 'BELOW_MINIMUM',
          message: 'An offset order is at least 0.001 t (1000 g); this one is 1 g',
        },
      ]);
    }
    expect(
      data(
        await m.as('alice', Q_MASS, { input: { mass: { amount: '999', unit: 'G' } } }),
      ).offsetQuoteByMass.userErrors.map((e: { code: string }) => e.code),
    ).toEqual(['BELOW_MINIMUM']);
    expect(await written(m)).toEqual(before);
  });

  it('prices the minimum order rounded up to the cent, and refuses a spend that buys less than the minimum', async () => {
    // 1 kg at 14.50 EUR per tonne is 0.0145 EUR: 0.02 EUR, never 0.01 or 0.00.
    const placed = await order(m, '1', 'KG');
    expect(placed.userErrors).toEqual([]);
    expect(placed.offsetOrder).toMatchObject({
      mass: { amount: '0.001' },
      totalCost: { amount: '0.02', currency: 'EUR' },
    });
    const cent = data(await m.as('alice', Q_VALUE, { input: { value: '0.01', currency: 'EUR' } })).offsetQuoteByValue;
    expect(cent.userErrors).toEqual([expect.objectContaining({ code: 'BELOW_MINIMUM', field: ['input', 'value'] })]);
    // 0.02 EUR buys 1 379 g (1.99955 cents, rounded up: 0.02 EUR), never more than the spend.
    expect(
      data(await m.as('alice', Q_VALUE, { input: { value: '0.02', currency: 'EUR' } })).offsetQuoteByValue.quote,
    ).toEqual({ mass: { amount: '0.001379' }, totalCost: { amount: '0.02' } });
  });

  it('with a minimum of one gram, 50 one-gram orders cost a cent each and retire nothing: their 50 g wait in the pool', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => order(oneGram, '1')));
    expect(results.flatMap((r) => r.userErrors)).toEqual([]);
    expect(results.map((r) => r.offsetOrder.totalCost.amount)).toEqual(Array.from({ length: 50 }, () => '0.01'));
    const pool = await oneGram.app.database!.fork().findOneOrFail(OffsetRetirementPool, { projectId: KENYA });
    expect({ pooled: BigInt(pool.pooledGrams), retired: BigInt(pool.retiredGrams) }).toEqual({
      pooled: 50n,
      retired: 0n,
    });
    expect(await oneGram.app.database!.fork().count(ServiceOutbox, { mutation: 'retireCreditsForOffsetOrder' })).toBe(
      0,
    );
  });
});

describe('pooled retirement in the registry (local mode, both subgraphs)', () => {
  let registry: TestSubgraph;
  let registryDb: Database;
  let marketplace: TestSubgraph;
  let app: MarketplaceApp;
  const logLines: Record<string, unknown>[] = [];
  /** Orders of the 150 whose 10 kg were retired, and those whose 10 kg wait in the pool. */
  const sample = { retired: [] as string[], pending: [] as string[] };
  const tokens = { alice: '', admin: '' };

  beforeAll(async () => {
    registry = await startTestSubgraph('registry', 'local', createRegistryApp);
    registryDb = await openDatabase(registry.config, {
      name: 'registry',
      entities: registryEntities,
      migrationsPath: REGISTRY_MIGRATIONS,
    });
    const log = pino(
      { level: 'warn' },
      { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    marketplace = await startTestSubgraph(
      'marketplace',
      'local',
      async (config) => (app = await createMarketplaceApp(config, log)),
      {
        REGISTRY_URL: registry.url,
        PAYMENT_OUTBOX_INTERVAL_MS: '40',
      },
    );
    tokens.alice = await tokenFor(DEMO.users.alice);
    tokens.admin = await tokenFor(DEMO.users.admin);
  }, 60_000);
  afterAll(async () => {
    await marketplace?.stop();
    await registryDb?.close();
    await registry?.stop();
  });

  const gql = <T>(url: string, query: string, variables: Record<string, unknown>, token: string) =>
    graphql<T>(url, query, variables, { token });
  const place = async (amount: string, unit: string) => {
    const res = ok(
      await gql<{ createOffsetOrderByMass: { offsetOrder: { id: string }; userErrors: unknown[] } }>(
        marketplace.url,
        BY_MASS,
        { input: { mass: { amount, unit } } },
        tokens.alice,
      ),
    );
    expect(res.createOffsetOrderByMass.userErrors).toEqual([]);
    return res.createOffsetOrderByMass.offsetOrder.id;
  };
  /** Places `count` orders of `kilograms` each in one request (aliased mutations run one after another). */
  const placeKilograms = async (count: number, kilograms = 1) => {
    const fields = Array.from(
      { length: count },
      (_, i) =>
        `o${i}: createOffsetOrderByMass(input: { mass: { amount: "${kilograms}", unit: KG } }) { offsetOrder { id } userErrors { code } }`,
    );
    const res = ok(
      await gql<Record<string, { offsetOrder: { id: string }; userErrors: unknown[] }>>(
        marketplace.url,
        `mutation { ${fields.join('\n')} }`,
        {},
        tokens.alice,
      ),
    );
    expect(Object.values(res).flatMap((r) => r.userErrors)).toEqual([]);
    return Object.values(res).map((r) => r.offsetOrder.id);
  };
  const states = async (ids: string[]) =>
    ok(
      await graphql<{ _entities: OrderState[] }>(
        marketplace.url,
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on OffsetOrder { ${STATE} } } }`,
        { r: ids.map((id) => ({ __typename: 'OffsetOrder', id })) },
        { token: tokens.admin },
      ),
    )._entities;
  const retirementMessages = () =>
    app
      .database!.fork()
      .find(ServiceOutbox, { mutation: 'retireCreditsForOffsetOrder' }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  const retiredFor = (poolRetirementId: string) =>
    registryDb.fork().find(Retirement, { offsetOrderId: poolRetirementId });
  const certificateText = async (id: string) => {
    const link = ok(
      await gql<{ offsetOrder: { certificate: { url: string } } }>(
        marketplace.url,
        `query C($id: ID!) { offsetOrder(id: $id) { certificate { url } } }`,
        { id },
        tokens.alice,
      ),
    );
    return pdfText(Buffer.from(await (await fetch(link.offsetOrder.certificate.url)).arrayBuffer()));
  };
  const transfer = (creditId: string, amount: bigint, from: string, to: string, token: string) =>
    gql<{ transactCredits: { userErrors: unknown[] } }>(
      registry.url,
      `mutation T($input: CreditActionInput!) { transactCredits(input: $input) { userErrors { code message } } }`,
      {
        input: { organizationId: from, action: 'TRANSFER', creditId, amount: amount.toString(), toOrganizationId: to },
      },
      token,
    ).then((res) => expect(ok(res).transactCredits.userErrors).toEqual([]));

  /**
   * The invariant, per project: what the marketplace may still have retired (its stock, the grams
   * waiting in the pool, and retirements not yet delivered) is at most what the registry's offset
   * inventory holds of the project.
   */
  const owedAndHeld = async () => {
    const em = app.database!.fork();
    const bundles = await em.find(OffsetBundle, {});
    const pools = new Map(
      (await em.find(OffsetRetirementPool, {})).map((p) => [
        p.projectId,
        BigInt(p.pooledGrams) - BigInt(p.retiredGrams),
      ]),
    );
    const undelivered = (await retirementMessages())
      .filter((row) => row.status !== 'DELIVERED')
      .map((row) => JSON.parse(row.payload) as { projectId: string; tonnes: number });
    const reg = registryDb.fork();
    return Promise.all(
      [...new Set(bundles.map((b) => b.projectId!))].map(async (projectId) => {
        const stock = bundles
          .filter((b) => b.projectId === projectId)
          .reduce((s, b) => s + BigInt(b.availableGrams), 0n);
        const inFlight = undelivered
          .filter((u) => u.projectId === projectId)
          .reduce((s, u) => s + BigInt(u.tonnes) * 1_000_000n, 0n);
        const credits = await reg.find(Credit, { projectId, development: false });
        const balances = await reg.find(Balance, {
          organizationId: OFFSETS,
          creditId: { $in: credits.map((c) => c.id) },
        });
        return {
          projectId,
          owed: stock + (pools.get(projectId) ?? 0n) + inFlight,
          held: balances.reduce((s, b) => s + BigInt(b.heldTonnes), 0n) * 1_000_000n,
        };
      }),
    );
  };
  const expectInvariant = async () => {
    for (const p of await owedAndHeld())
      expect({ projectId: p.projectId, within: p.owed <= p.held }).toEqual({ projectId: p.projectId, within: true });
  };

  it('the marketplace’s stock never exceeds the registry’s offset inventory, per project', async () => {
    const rows = await owedAndHeld();
    expect(rows.map((r) => r.projectId).sort()).toEqual([KENYA, DEMO.projects[0], DEMO.projects[1]].sort());
    await expectInvariant();
  });

  it('150 orders of 10 kg of one project retire exactly 1 t in the registry; each order shows its 10 kg share', async () => {
    const before = await ledgerTotals(registryDb.fork(), COOK22.id);
    const ids: string[] = [];
    // Six requests in flight at a time, so orders of one project race on its pool.
    let left = 6;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (left-- > 0) ids.push(...(await placeKilograms(25, 10)));
      }),
    );
    expect(new Set(ids).size).toBe(150);

    const messages = await retirementMessages();
    expect(messages.map((row) => JSON.parse(row.payload))).toEqual([
      expect.objectContaining({ projectId: KENYA, tonnes: 1 }),
    ]);
    const poolId = JSON.parse(messages[0]!.payload).offsetOrderId as string;
    await until(async () => (await retiredFor(poolId)).length > 0, 'the registry retirement');
    await app.outbox!.deliverDue();

    // The registry's ledger: exactly one more tonne retired, once.
    const after = await ledgerTotals(registryDb.fork(), COOK22.id);
    expect(after.retired - before.retired).toBe(1n);
    expect(after.held - before.held).toBe(-1n);
    expect(after.serialsUnique && after.balancesMatch).toBe(true);
    expect((await retiredFor(poolId)).map((r) => [BigInt(r.amountTonnes), r.serialization])).toEqual([
      [1n, 'ICR-KEN-1021-2022-46-46'],
    ]);
    const pool = await app.database!.fork().findOneOrFail(OffsetRetirementPool, { projectId: KENYA });
    expect({ pooled: BigInt(pool.pooledGrams), retired: BigInt(pool.retiredGrams) }).toEqual({
      pooled: 1_500_000n,
      retired: 1_000_000n,
    });

    // Each order: 10 kg, in the retirement (the first 100 to reach the pool) or still pooled.
    const name = 'Efficient Cookstoves Kenya pooled retirement #1';
    const all: OrderState[] = [];
    for (let i = 0; i < ids.length; i += 100) all.push(...(await states(ids.slice(i, i + 100))));
    const retired = all.filter((s) => s.retirementStatus === 'RETIRED');
    const pending = all.filter((s) => s.retirementStatus === 'PENDING');
    expect([retired.length, pending.length]).toEqual([100, 50]);
    for (const s of retired)
      expect(s.retirementShares).toEqual([
        {
          mass: { amount: '10000', unit: 'G' },
          retirement: { id: gid('OffsetPoolRetirement', poolId), name, status: 'RETIRED' },
        },
      ]);
    for (const s of pending)
      expect(s.retirementShares).toEqual([{ mass: { amount: '10000', unit: 'G' }, retirement: null }]);
    sample.retired = retired.map((s) => s.id);
    sample.pending = pending.map((s) => s.id);

    // The certificates say the same, with the registry's serial number.
    expect(await certificateText(retired[0]!.id)).toContain(
      `${name} (1 t of Efficient Cookstoves Kenya): 10000 g of this order, retired: ICR ICR-KEN-1021-2022-46-46 on `,
    );
    expect(await certificateText(pending[0]!.id)).toContain(
      'Pending: 10000 g in the pool of project Efficient Cookstoves Kenya',
    );
    await expectInvariant();
  }, 300_000);

  it('an exhausted offset inventory blocks the retirement with an operator alert; after a top-up the retry retires it', async () => {
    // The offset inventory loses its cookstove credits (a member moves them to another organization).
    await registryDb.fork().insert(Membership, {
      id: randomUUID(),
      organizationId: OFFSETS,
      userId: DEMO.users.admin.id,
      createdAt: new Date(),
    });
    const reg = registryDb.fork();
    for (const credit of [COOK22, COOK23]) {
      const held = BigInt(
        (await reg.findOneOrFail(Balance, { organizationId: OFFSETS, creditId: credit.id })).heldTonnes,
      );
      await transfer(credit.id, held, OFFSETS, DEMO.organizations.carbonBuyer, tokens.admin);
    }
    expect((await owedAndHeld()).find((p) => p.projectId === KENYA)).toMatchObject({ held: 0n });

    // 0.5 t more fills the pool's second tonne, which the registry cannot retire now.
    const id = await place('0.5', 'T');
    await until(async () => (await states([id]))[0]!.retirementStatus === 'BLOCKED', 'the blocked retirement');
    const [blocked] = await states([id]);
    expect(blocked!.retirementBlockedReason).toContain('NOT_FOUND');
    expect(blocked!.retirementShares).toEqual([
      {
        mass: { amount: '500000', unit: 'G' },
        retirement: expect.objectContaining({
          name: 'Efficient Cookstoves Kenya pooled retirement #2',
          status: 'BLOCKED',
        }),
      },
    ]);
    const message = (await retirementMessages()).at(-1)!;
    await until(
      async () => (await app.database!.fork().findOneOrFail(ServiceOutbox, { id: message.id })).attempts >= 2,
      'a retry',
    );
    expect((await app.database!.fork().findOneOrFail(ServiceOutbox, { id: message.id })).status).toBe('PENDING');
    // The operator alert: an error line with a stable event name, without the buyer's data.
    const alerts = logLines.filter((l) => l.event === 'offset_retirement_blocked');
    expect(alerts.length).toBeGreaterThanOrEqual(2);
    expect(alerts[0]).toMatchObject({
      level: 50,
      target: 'registry',
      mutation: 'retireCreditsForOffsetOrder',
      dedupeKey: message.dedupeKey,
    });
    expect(JSON.stringify(alerts)).not.toMatch(/alice|Alice Buyer|Bearer/i);

    expect(await certificateText(id)).toContain(
      'Efficient Cookstoves Kenya pooled retirement #2 (1 t of Efficient Cookstoves Kenya): 500000 g of this order, waiting for credits in the registry (retried).',
    );

    // Until it is unblocked, the project is not offered: quotes and orders fill from the next bundle.
    const quoteProject = async () =>
      ok(
        await gql<{ offsetQuoteByMass: { quote: { allocations: { projectId: string }[] } } }>(
          marketplace.url,
          `query { offsetQuoteByMass(input: { mass: { amount: "1", unit: KG } }) { quote { allocations { projectId } } } }`,
          {},
          tokens.alice,
        ),
      ).offsetQuoteByMass.quote.allocations.map((a) => a.projectId);
    expect(await quoteProject()).toEqual([DEMO.projects[0]]);
    const elsewhere = await place('1', 'KG');
    expect(
      await app.database!.fork().count(OffsetPoolShare, { orderId: localOf(elsewhere), projectId: DEMO.projects[0] }),
    ).toBe(1);

    // The operator tops the offset inventory up (here: the credits come back): the next retry retires the tonne.
    const before = await ledgerTotals(registryDb.fork(), COOK22.id);
    for (const credit of [COOK22, COOK23]) {
      const held = BigInt(
        (
          await reg.findOneOrFail(
            Balance,
            { organizationId: DEMO.organizations.carbonBuyer, creditId: credit.id },
            { refresh: true },
          )
        ).heldTonnes,
      );
      await transfer(credit.id, held, DEMO.organizations.carbonBuyer, OFFSETS, tokens.alice);
    }
    await until(async () => (await states([id]))[0]!.retirementStatus === 'RETIRED', 'the retirement after the top-up');
    expect(await quoteProject()).toEqual([KENYA]);
    expect((await states([id]))[0]!.retirementBlockedReason).toBeNull();
    const poolId = JSON.parse(message.payload).offsetOrderId as string;
    expect((await retiredFor(poolId)).map((r) => BigInt(r.amountTonnes))).toEqual([1n]);
    expect((await ledgerTotals(registryDb.fork(), COOK22.id)).retired - before.retired).toBe(1n);
    await expectInvariant();
  }, 60_000);

  it('the retirement state of a batch of orders costs the same SQL statements for 10 orders as for 100', async () => {
    // The dispatcher's polls would be counted too: the retirements are all delivered, stop it.
    await app.outbox!.stop();
    const cost = async (n: number) => {
      const ids = [...sample.retired.slice(0, n / 2), ...sample.pending.slice(0, n / 2)];
      const before = app.database!.queries.count;
      expect((await states(ids)).map((s) => s.id)).toEqual(ids);
      return app.database!.queries.count - before;
    };
    // Orders, allocations; shares, pools, the retirements covering them, their messages.
    expect(await cost(10)).toBe(6);
    expect(await cost(100)).toBe(6);
  });
});
