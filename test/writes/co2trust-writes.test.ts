// Exactly-once CO2Trust writes (marketplace and payments, upstream mode), measured from outside:
// a fault-injecting proxy sits between the layer and the CO2Trust fake (written from the document,
// which defines no idempotency), and every write mutation is driven through each fault. What the
// upstream did is read from the fake's own call log and state: one accepted request per logical
// write, and a truthful answer (the result; or UPSTREAM_OUTCOME_UNKNOWN naming the key, then the
// result on a retry with it).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { DEMO } from '../../demo/data.ts';
import { dec } from '../../lib/decimal.ts';
import { createMarketplaceApp } from '../../subgraphs/marketplace/server.ts';
import { DEMO_PAYMENTS } from '../../subgraphs/payments/local/seed.ts';
import { createPaymentsApp } from '../../subgraphs/payments/server.ts';
import { FAKE_CO2TRUST_SECRET, startCo2TrustFake, type Co2TrustFake } from '../../fakes/co2trust.ts';
import { TEST_SECRETS, tokenFor } from '../support/env.ts';
import { seeded, startFaultProxy, type FaultKind, type FaultProxy } from '../support/fault-proxy.ts';
import { codes, graphql, ok, type GraphQLResponse } from '../support/graphql.ts';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph.ts';

const CORE = '/co2trust-services/v1';
const PAY = '/co2trust-payments/v1';
const TIMEOUT_MS = 600;
/** The journal's settle time in these subgraphs (4 × the upstream timeout). */
const SETTLE_MS = TIMEOUT_MS * 4;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A valid German IBAN for a serial number (check digits computed as ISO 13616 says). */
function iban(n: number): string {
  const bban = `37040044${String(n).padStart(10, '0')}`;
  const digits = `${bban}131400`;
  let rest = 0;
  for (const c of digits) rest = (rest * 10 + Number(c)) % 97;
  return `DE${String(98 - rest).padStart(2, '0')}${bban}`;
}

interface Write {
  name: string;
  subgraph: 'marketplace' | 'payments';
  who: 'admin' | 'alice';
  method: 'POST' | 'PUT';
  /** The upstream path of the write (the fault's prefix). */
  path: (round: number) => string;
  /** The mutation, with one `$input` variable. */
  query: string;
  input: (round: number) => Record<string, unknown>;
  /** The payload field holding the record. */
  field: string;
}

describe('exactly-once CO2Trust writes under faults', () => {
  let fake: Co2TrustFake;
  let proxy: FaultProxy;
  let marketplace: TestSubgraph;
  let payments: TestSubgraph;
  let tokens: Record<'admin' | 'alice', string>;
  const round = { n: 0 };
  /** Per round, the order hash syncOrder syncs (a pending order the fake holds). */
  const hashes = new Map<number, string>();

  beforeAll(async () => {
    fake = await startCo2TrustFake();
    proxy = await startFaultProxy(fake.url);
    const env = {
      CO2TRUST_BASE_URL: proxy.url,
      CO2TRUST_BACKEND_SECRET_KEY: FAKE_CO2TRUST_SECRET,
      UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
      UPSTREAM_BREAKER_THRESHOLD: '100000',
      UPSTREAM_RETRIES: '2',
    };
    [marketplace, payments] = await Promise.all([
      startTestSubgraph('marketplace', 'upstream', createMarketplaceApp, env),
      startTestSubgraph('payments', 'upstream', createPaymentsApp, env),
    ]);
    const { admin, alice } = DEMO.users;
    tokens = {
      admin: await tokenFor(admin, { upstreamToken: `co2t_${admin.id}` }),
      alice: await tokenFor(alice, { upstreamToken: `co2t_${alice.id}` }),
    };
    // Alice has money to transfer: a completed payment to her, as the upstream would hold it.
    fake.state.paymentTransactions.push({
      ...fake.state.paymentTransactions[0]!,
      id: randomUUID(),
      externalReference: 'writes-funding',
      payeeId: alice.id,
      status: 'COMPLETED',
      amount: { amount: dec('1000'), currency: 'EUR' },
      type: 'ORDER',
      createdAt: new Date(),
    });
  }, 60_000);
  afterAll(async () => {
    await Promise.all([marketplace?.stop(), payments?.stop()]);
    await proxy?.stop();
    await fake?.stop();
  });

  const WRITES: Write[] = [
    {
      name: 'createOrder',
      subgraph: 'marketplace',
      who: 'alice',
      method: 'POST',
      path: () => `${CORE}/orders`,
      query:
        'mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { id } userErrors { code message } } }',
      input: () => ({ productId: DEMO.products[0], quantity: '0.001', idempotencyKey: randomUUID() }),
      field: 'order',
    },
    {
      name: 'createBundleOrder',
      subgraph: 'marketplace',
      who: 'alice',
      method: 'POST',
      path: () => `${CORE}/bundle-orders`,
      query:
        'mutation($input: CreateBundleOrderInput!) { createBundleOrder(input: $input) { order { id } userErrors { code message } } }',
      input: () => ({ bundleOrderId: DEMO.bundleOrders[0], quantity: '0.001', idempotencyKey: randomUUID() }),
      field: 'order',
    },
    {
      name: 'syncOrder',
      subgraph: 'marketplace',
      who: 'admin',
      method: 'POST',
      path: (r) => `${CORE}/sync/${hashes.get(r)}`,
      query:
        'mutation($input: SyncOrderInput!) { syncOrder(input: $input) { order { id status } changed userErrors { code } } }',
      input: (r) => ({ orderHash: hashes.get(r) }),
      field: 'order',
    },
    ...(['product', 'supplier', 'trader', 'impactPartner', 'nft'] as const).map((model): Write => {
      const Model = model[0]!.toUpperCase() + model.slice(1);
      const fields: Record<typeof model, (r: number) => Record<string, unknown>> = {
        product: (r) => ({
          name: `Product ${r}-${randomUUID()}`,
          productType: 'REMOVAL',
          supplierId: DEMO.suppliers[0],
          pricePerTonne: { amount: '12.50', currency: 'EUR' },
          availableQuantity: '10',
        }),
        supplier: (r) => ({ name: `Supplier ${r}-${randomUUID()}` }),
        trader: (r) => ({ name: `Trader ${r}-${randomUUID()}` }),
        impactPartner: (r) => ({ name: `Partner ${r}-${randomUUID()}` }),
        nft: (r) => ({
          name: `Nft ${r}`,
          tokenAddress: `0x${randomUUID().replaceAll('-', '')}`,
          tokenId: String(r),
          quantity: '1',
        }),
      };
      return {
        name: `create${Model}`,
        subgraph: 'marketplace',
        who: 'admin',
        method: 'POST',
        path: () => `${CORE}/upsert/${model === 'impactPartner' ? 'impact_partner' : model}`,
        query: `mutation($input: Create${Model}Input!) { create${Model}(input: $input) { ${model} { id name } userErrors { code message } } }`,
        input: fields[model],
        field: model,
      };
    }),
    ...(['product', 'supplier', 'trader', 'impactPartner', 'nft'] as const).map((model): Write => {
      const Model = model[0]!.toUpperCase() + model.slice(1);
      const ids = {
        product: DEMO.products[1],
        supplier: DEMO.suppliers[1],
        trader: DEMO.traders[0],
        impactPartner: DEMO.impactPartners[0],
        nft: DEMO.nfts[0],
      };
      return {
        name: `update${Model}`,
        subgraph: 'marketplace',
        who: 'admin',
        method: 'PUT',
        path: () => `${CORE}/upsert/${model === 'impactPartner' ? 'impact_partner' : model}/${ids[model]}`,
        query: `mutation($input: Update${Model}Input!) { update${Model}(input: $input) { ${model} { id name } userErrors { code message } } }`,
        input: (r) => ({ id: ids[model], name: `Renamed ${r}` }),
        field: model,
      };
    }),
    {
      name: 'subscribeToMailingList',
      subgraph: 'marketplace',
      who: 'admin',
      method: 'POST',
      path: () => `${CORE}/mailing-list`,
      query:
        'mutation($input: SubscribeToMailingListInput!) { subscribeToMailingList(input: $input) { entry { id email } userErrors { code } } }',
      input: (r) => ({ email: `reader-${r}-${randomUUID().slice(0, 8)}@example.com` }),
      field: 'entry',
    },
    {
      name: 'createBankAccount',
      subgraph: 'payments',
      who: 'alice',
      method: 'POST',
      path: () => `${PAY}/bank-accounts`,
      query:
        'mutation($input: CreateBankAccountInput!) { createBankAccount(input: $input) { bankAccount { id ibanLast4 } userErrors { code message } } }',
      input: (r) => ({
        holderName: 'Alice Buyer',
        iban: iban(1000 + r),
        bic: 'COBADEFFXXX',
        currency: 'EUR',
        countryCode: 'DE',
      }),
      field: 'bankAccount',
    },
    {
      name: 'createTransfer',
      subgraph: 'payments',
      who: 'alice',
      method: 'POST',
      path: () => `${PAY}/transfers`,
      query:
        'mutation($input: CreateTransferInput!) { createTransfer(input: $input) { transfer { id amount { amount } } userErrors { code message } } }',
      input: (r) => ({
        bankAccountId: DEMO_PAYMENTS.bankAccounts.alice,
        amount: '0.01',
        currency: 'EUR',
        idempotencyKey: randomUUID(),
        reference: `round ${r}`,
      }),
      field: 'transfer',
    },
  ];

  type Answer = GraphQLResponse<Record<string, Record<string, unknown> | null>>;
  const send = (w: Write, input: Record<string, unknown>): Promise<Answer> =>
    graphql(
      w.subgraph === 'marketplace' ? marketplace.url : payments.url,
      w.query,
      { input },
      { token: tokens[w.who] },
    ) as Promise<Answer>;
  const record = (w: Write, res: Answer) =>
    (res.data?.[w.name] as Record<string, unknown> | null | undefined)?.[w.field] as
      Record<string, unknown> | null | undefined;
  const code = (res: Answer) => res.errors?.[0]?.extensions?.code;

  /**
   * Sends a write and retries it as a client would until it has an answer that is not
   * UPSTREAM_OUTCOME_UNKNOWN: the same input, and the key the layer named. Returns every answer.
   */
  async function untilKnown(w: Write, input: Record<string, unknown>, maxTries = 20): Promise<Answer[]> {
    const answers: Answer[] = [];
    for (let i = 0; i < maxTries; i++) {
      const res = await send(w, input);
      answers.push(res);
      if (code(res) !== 'UPSTREAM_OUTCOME_UNKNOWN' && code(res) !== 'UPSTREAM_UNAVAILABLE') return answers;
      if (code(res) === 'UPSTREAM_OUTCOME_UNKNOWN')
        expect(res.errors![0]!.extensions!.idempotencyKey).toEqual(expect.any(String));
      await sleep(SETTLE_MS / 4);
    }
    throw new Error(`${w.name}: no known outcome after ${maxTries} tries`);
  }

  /** Accepted requests of a write that reached the fake (its own call log). */
  const accepted = (w: Write, r: number, since: number) =>
    fake.calls
      .slice(since)
      .filter((c) => c.method === w.method && c.path === w.path(r) && c.status >= 200 && c.status < 300).length;

  const FIRST_ANSWER: Record<FaultKind, 'unknown' | 'result'> = {
    lose: 'unknown',
    late: 'unknown',
    hang: 'unknown',
    fail: 'unknown',
    failAfter: 'unknown',
    garble: 'result',
  };

  it.each(['lose', 'late', 'failAfter', 'hang', 'fail', 'garble'] as FaultKind[])(
    'every write mutation under "%s": one upstream effect, a truthful answer',
    async (kind) => {
      const r = ++round.n;
      const hash = `0xsync${r}${randomUUID().replaceAll('-', '')}`;
      hashes.set(r, hash);
      fake.state.orders.push({
        ...fake.state.orders.find((o) => o.buyerId === DEMO.users.alice.id)!,
        id: randomUUID(),
        orderHash: hash,
        status: 'PENDING',
        createdAt: new Date(),
      });
      proxy.clear();
      const since = fake.calls.length;
      for (const w of WRITES)
        proxy.inject({
          kind,
          method: w.method,
          pathPrefix: w.path(r),
          status: 500,
          delayMs: TIMEOUT_MS * 2,
          body: { ok: true },
        });
      const inputs = WRITES.map((w) => w.input(r));
      const runs = await Promise.all(WRITES.map((w, i) => untilKnown(w, inputs[i]!)));
      for (const [i, w] of WRITES.entries()) {
        const answers = runs[i]!;
        const first = answers[0]!;
        const last = answers.at(-1)!;
        const label = `${w.name} under ${kind}`;
        expect([label, last.errors]).toEqual([label, undefined]);
        expect([label, record(w, last)?.id]).toEqual([label, expect.any(String)]);
        if (w.method === 'PUT') {
          // A PUT sets what it sends: sent again safely, the record holds the input once.
          expect([label, record(w, last)?.name]).toEqual([label, `Renamed ${r}`]);
          continue;
        }
        expect([label, accepted(w, r, since)]).toEqual([label, 1]);
        if (FIRST_ANSWER[kind] === 'unknown') {
          expect([label, code(first)]).toEqual([label, 'UPSTREAM_OUTCOME_UNKNOWN']);
        } else {
          // Accepted, never UPSTREAM_CONTRACT (a machine loaded enough to trip the timeout makes it unknown, then settled).
          expect([label, first.errors === undefined || code(first) === 'UPSTREAM_OUTCOME_UNKNOWN']).toEqual([
            label,
            true,
          ]);
        }
        const again = await send(w, inputs[i]!);
        if (w.name === 'createBankAccount') {
          // The upstream refuses a second account with the IBAN itself: a repeat is CONFLICT, as in local mode.
          expect([
            label,
            (again.data?.[w.name] as { userErrors: { code: string }[] }).userErrors.map((e) => e.code),
          ]).toEqual([label, ['CONFLICT']]);
          continue;
        }
        // A repeat of a sync or a sign-up is run again, as local mode does: the same record, no second effect.
        if (w.name === 'syncOrder' || w.name === 'subscribeToMailingList') {
          expect([label, record(w, again)?.id]).toEqual([label, record(w, last)?.id]);
          continue;
        }
        // A catalogue create has no key field: a repeat of one that succeeded is a new record, as in local mode.
        if (w.name.startsWith('create') && !('idempotencyKey' in inputs[i]!)) continue;
        // Asked again with the same key, the write is answered from the journal: nothing is sent.
        expect([label, record(w, again)?.id]).toEqual([label, record(w, last)?.id]);
        expect([label, accepted(w, r, since)]).toEqual([label, 1]);
      }
    },
    60_000,
  );

  it('100 transfers under 30 % faults of every kind: 100 payouts, each answered with its own transfer', async () => {
    const transfer = WRITES.find((w) => w.name === 'createTransfer')!;
    const before = fake.state.transfers.length;
    const random = seeded(20261207);
    const kinds: FaultKind[] = ['lose', 'late', 'hang', 'fail', 'failAfter', 'garble'];
    proxy.clear();
    // 30 % of the POSTs get a fault, the kind drawn per fault.
    for (let i = 0; i < 400; i++)
      proxy.inject({
        kind: kinds[Math.floor(random() * kinds.length)]!,
        method: 'POST',
        pathPrefix: `${PAY}/transfers`,
        rate: 0.3,
        status: 500,
        delayMs: TIMEOUT_MS * 2,
      });
    const inputs = Array.from({ length: 100 }, (_, i) => ({ ...transfer.input(0), reference: `payout ${i}` }));
    const results: Answer[][] = [];
    for (let batch = 0; batch < 100; batch += 50)
      results.push(
        ...(await Promise.all(inputs.slice(batch, batch + 50).map((input) => untilKnown(transfer, input, 40)))),
      );
    proxy.clear();
    const made = fake.state.transfers.slice(before);
    const faulted = proxy.log.filter(
      (l) => l.path === `${PAY}/transfers` && l.method === 'POST' && l.action !== 'forward',
    ).length;
    expect(faulted).toBeGreaterThan(10);
    expect(made).toHaveLength(100);
    expect(new Set(made.map((t) => t.reference)).size).toBe(100);
    const answered = results.map((answers) => record(transfer, answers.at(-1)!)!.id);
    expect(new Set(answered).size).toBe(100);
    for (const [i, id] of answered.entries()) expect(made.find((t) => t.id === id)?.reference).toBe(`payout ${i}`);
  }, 120_000);

  describe('regressions', () => {
    const transferWrite = () => WRITES.find((w) => w.name === 'createTransfer')!;
    const byName = (name: string) => WRITES.find((w) => w.name === name)!;
    type Payload = {
      transfer: { id: string } | null;
      userErrors: { code: string; message: string; field?: string[] }[];
    };

    it('a transfer is sent without an idempotency header or field the document does not define; the same key replays it, another request is IDEMPOTENCY_MISMATCH with nothing sent', async () => {
      proxy.clear();
      const w = transferWrite();
      const input = w.input(900);
      const since = fake.calls.length;
      const first = await send(w, input);
      const id = record(w, first)!.id;
      const posts = () => fake.calls.slice(since).filter((c) => c.method === 'POST' && c.path === `${PAY}/transfers`);
      expect(posts()).toHaveLength(1);
      expect(posts()[0]!.headers['idempotency-key']).toBeUndefined();
      expect(Object.keys(posts()[0]!.body as object).sort()).toEqual([
        'amount',
        'bank_account_id',
        'currency',
        'reference',
      ]);
      expect(record(w, await send(w, input))!.id).toBe(id);
      const other = (await send(w, { ...input, amount: '0.02' })).data!.createTransfer as unknown as Payload;
      expect(other).toEqual({
        transfer: null,
        userErrors: [
          { code: 'IDEMPOTENCY_MISMATCH', message: 'This idempotency key was used for a different transfer' },
        ],
      });
      expect(posts()).toHaveLength(1);
    });

    it('a late answer, then a retry with the key: the first transfer, not a second payout', async () => {
      proxy.clear();
      const w = transferWrite();
      const input = w.input(901);
      const since = fake.calls.length;
      proxy.inject({ kind: 'late', method: 'POST', pathPrefix: `${PAY}/transfers`, delayMs: TIMEOUT_MS * 2 });
      const first = await send(w, input);
      expect(codes(first)).toEqual(['UPSTREAM_OUTCOME_UNKNOWN']);
      expect(first.errors![0]!.message).toContain(String(input.idempotencyKey));
      const retry = await send(w, input);
      expect(retry.errors).toBeUndefined();
      expect(fake.calls.slice(since).filter((c) => c.method === 'POST' && c.path === `${PAY}/transfers`)).toHaveLength(
        1,
      );
      expect(fake.state.transfers.filter((t) => t.reference === input.reference)).toHaveLength(1);
      expect(record(w, retry)!.id).toBe(fake.state.transfers.find((t) => t.reference === input.reference)!.id);
    });

    it('a write without a key gets one from the layer in extensions; a retry of the same request after a lost answer is the same trader', async () => {
      proxy.clear();
      const w = byName('createTrader');
      const input = w.input(902);
      proxy.inject({ kind: 'lose', method: 'POST', pathPrefix: `${CORE}/upsert/trader` });
      const lost = await send(w, input);
      expect(codes(lost)).toEqual(['UPSTREAM_OUTCOME_UNKNOWN']);
      const key = lost.errors![0]!.extensions!.idempotencyKey;
      expect(key).toMatch(/^auto-/);
      const retry = await send(w, input);
      expect(retry.extensions?.idempotencyKey).toBe(key);
      expect(fake.state.traders.filter((t) => t.name === input.name)).toHaveLength(1);
      expect(record(w, retry)!.id).toBe(fake.state.traders.find((t) => t.name === input.name)!.id);
    });

    it("an order without the buyer's key gets the layer's key in extensions; a retry with it after a lost answer is that order, a retry without it a new order", async () => {
      proxy.clear();
      const w = byName('createOrder');
      const { idempotencyKey: _none, ...input } = w.input(905);
      const since = fake.calls.length;
      const plain = await send(w, input);
      expect(plain.extensions?.idempotencyKey).toMatch(/^auto-/);
      proxy.inject({ kind: 'lose', method: 'POST', pathPrefix: `${CORE}/orders` });
      const lost = await send(w, input);
      const key = lost.errors![0]!.extensions!.idempotencyKey as string;
      expect(codes(lost)).toEqual(['UPSTREAM_OUTCOME_UNKNOWN']);
      const retry = await send(w, { ...input, idempotencyKey: key });
      expect(retry.errors).toBeUndefined();
      const posts = fake.calls.slice(since).filter((c) => c.method === 'POST' && c.path === `${CORE}/orders`);
      expect(posts).toHaveLength(2);
      expect(new Set([record(w, plain)!.id, record(w, retry)!.id]).size).toBe(2);
    });

    it('an accepted write whose answer is not the record is answered with the record (found through documented reads), never UPSTREAM_CONTRACT', async () => {
      proxy.clear();
      for (const name of ['createProduct', 'createTrader', 'createImpactPartner', 'createSupplier', 'createNft']) {
        const w = byName(name);
        const input = w.input(903);
        proxy.inject({ kind: 'garble', method: 'POST', pathPrefix: w.path(903), body: { status: 'created' } });
        const res = await send(w, input);
        expect([name, res.errors]).toEqual([name, undefined]);
        expect([name, record(w, res)?.name]).toEqual([name, input.name]);
      }
      const w = byName('updateTrader');
      proxy.inject({ kind: 'garble', method: 'PUT', pathPrefix: w.path(903), body: { updated: true } });
      const res = await send(w, w.input(903));
      expect(res.errors).toBeUndefined();
      expect(record(w, res)?.name).toBe('Renamed 903');
      expect(res.extensions?.warnings).toEqual([{ code: 'UPSTREAM_ANSWER_UNREADABLE', message: expect.any(String) }]);
    });

    it("upstream text never reaches a client: refusals are in the layer's words", async () => {
      proxy.clear();
      const transfer = transferWrite();
      proxy.inject({
        kind: 'fail',
        method: 'POST',
        pathPrefix: `${PAY}/transfers`,
        status: 404,
        body: {
          code: 'bank_account_not_found',
          message: 'Bank account DE89370400440532013000 of jane@example.com not found',
          field: 'bank_account_id',
        },
      });
      const missing = (await send(transfer, transfer.input(904))).data!.createTransfer as unknown as Payload;
      expect(missing).toEqual({
        transfer: null,
        userErrors: [{ code: 'NOT_FOUND', message: 'Bank account not found' }],
      });
      const product = byName('createProduct');
      proxy.inject({
        kind: 'fail',
        method: 'POST',
        pathPrefix: product.path(904),
        status: 400,
        body: { message: 'price_per_unit is required for jane@example.com' },
      });
      const refused = await send(product, product.input(904));
      expect(JSON.stringify(refused)).not.toMatch(/price_per_unit|jane@|DE89/);
      expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
    });

    it('an anonymous mailing-list sign-up whose answer was lost is never sent again (only an admin may read the list)', async () => {
      proxy.clear();
      const email = `anon-${randomUUID().slice(0, 8)}@example.com`;
      const since = fake.calls.length;
      proxy.inject({ kind: 'lose', method: 'POST', pathPrefix: `${CORE}/mailing-list` });
      const ask = () =>
        graphql(
          marketplace.url,
          'mutation($input: SubscribeToMailingListInput!) { subscribeToMailingList(input: $input) { entry { id } } }',
          { input: { email } },
        );
      expect(codes(await ask())).toEqual(['UPSTREAM_OUTCOME_UNKNOWN']);
      expect(codes(await ask())).toEqual(['UPSTREAM_OUTCOME_UNKNOWN']);
      expect(fake.calls.slice(since).filter((c) => c.method === 'POST')).toHaveLength(1);
      expect(fake.state.mailingList.filter((m) => m.email === email)).toHaveLength(1);
    });

    it("a service's payment is recorded in the layer's own store (no route the document lacks), once per reference, and listed with the upstream's", async () => {
      proxy.clear();
      const since = fake.calls.length;
      const RECORD =
        'mutation($input: RecordPaymentTransactionInput!) { recordPaymentTransaction(input: $input) { paymentTransaction { id externalReference } userErrors { code message } } }';
      const input = {
        externalReference: `offset-${randomUUID()}`,
        type: 'ORDER',
        typeId: DEMO.orders[0],
        payerId: DEMO.users.bob.id,
        payeeId: DEMO.users.alice.id,
        amount: '12.00',
        currency: 'EUR',
      };
      const service = { authorization: `Bearer ${TEST_SECRETS.SERVICE_TOKEN}` };
      type Rec = {
        recordPaymentTransaction: { paymentTransaction: { id: string } | null; userErrors: { code: string }[] };
      };
      const first = ok(
        await graphql<Rec>(payments.url, RECORD, { input }, { headers: service }),
      ).recordPaymentTransaction;
      const again = ok(
        await graphql<Rec>(payments.url, RECORD, { input }, { headers: service }),
      ).recordPaymentTransaction;
      expect(again.paymentTransaction!.id).toBe(first.paymentTransaction!.id);
      const other = ok(
        await graphql<Rec>(payments.url, RECORD, { input: { ...input, amount: '13.00' } }, { headers: service }),
      ).recordPaymentTransaction;
      expect(other.userErrors.map((e) => e.code)).toEqual(['IDEMPOTENCY_MISMATCH']);
      expect(fake.calls.slice(since).filter((c) => c.method === 'POST')).toEqual([]);
      const listed = ok(
        await graphql<{ paymentTransactions: { nodes: { id: string }[] } }>(
          payments.url,
          `{ paymentTransactions(first: 100, filter: { type: ORDER, typeId: "${DEMO.orders[0]}" }) { nodes { id } } }`,
          {},
          { token: tokens.alice },
        ),
      );
      expect(listed.paymentTransactions.nodes.map((n) => n.id)).toContain(first.paymentTransaction!.id);
    });
  });
});
