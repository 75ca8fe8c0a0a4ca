import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { Decimal, minorUnits } from '../../lib/decimal.ts';
import {
  DEMO_PAYMENTS,
  demoBankAccounts,
  demoPaymentTransactions,
  demoTransfers,
} from '../../subgraphs/payments/local/seed.ts';
import { createPaymentsApp, type PaymentsApp } from '../../subgraphs/payments/server.ts';
import { FAKE_CO2TRUST_SECRET, startCo2TrustFake, type Co2TrustFake } from '../../fakes/co2trust.ts';
import { MODES, TEST_SECRETS, tokenFor } from '../support/env.ts';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { codes, graphql, ok, type GraphQLResponse } from '../support/graphql.ts';
import {
  CreateBankAccountDocument,
  CreateTransferDocument,
  PaymentStatsCountDocument,
  PaymentStatsDocument,
  PaymentTransactionCountDocument,
  PaymentTransactionIdsCountedDocument,
  PaymentTransactionIdsUncountedDocument,
  PaymentTransactionsFilteredDocument,
  PaymentTransactionsPageDocument,
  PaymentTransactionsVisibleDocument,
  RecordPaymentStatusDocument,
  RecordPaymentTransactionDocument,
  type CreateBankAccountInput,
  type CreateTransferInput,
  type PaymentTransactionsPageQuery,
  type RecordPaymentTransactionInput,
  type TransactionFieldsFragment as Tx,
} from '../__generated__/payments-operations.ts';
import { localOf } from '../support/ids.ts';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph.ts';

const { users: U, orders: O, suppliers: S, nfts: N } = DEMO;
type DemoUser = (typeof U)[keyof typeof U];
type Money = { amount: string; currency: string };
type Conn<T> = { totalCount: number; nodes: T[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };

const TX_FIELDS = 'id type typeId payerId payeeId amount { amount currency } status';
const PAYMENTS_PATH = '/co2trust-payments/v1/payment-transactions';

/** A total the query selected: present, and a number. */
function total(n: number | null | undefined): number {
  expect(typeof n).toBe('number');
  return n!;
}

/** Completed volumes per currency and count, computed here from the seed, apart from the code under test. */
function expectedTotals(rows: typeof demoPaymentTransactions) {
  const done = rows.filter((t) => t.status === 'COMPLETED');
  const by = new Map<string, { sum: Decimal; n: number }>();
  for (const t of done) {
    const v = by.get(t.amount.currency) ?? { sum: new Decimal(0), n: 0 };
    by.set(t.amount.currency, { sum: v.sum.add(t.amount.amount), n: v.n + 1 });
  }
  const volumes = [...by.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, v]) => ({
      volume: { amount: v.sum.toFixed(minorUnits(currency)), currency },
      transactionCount: v.n,
    }));
  return { transactionCount: done.length, volumes };
}

const ENTITIES = (type: string, selection: string) =>
  `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${type} { id ${selection} } } }`;
const reps = (typename: string, ids: readonly string[]) => ({ r: ids.map((id) => ({ __typename: typename, id })) });

describe.each(MODES)('payments (%s mode)', (mode) => {
  let subgraph: TestSubgraph;
  let app: PaymentsApp;
  let fake: Co2TrustFake | undefined;
  const tokens = new Map<string, string>();
  const service = { authorization: `Bearer ${TEST_SECRETS.SERVICE_TOKEN}` };

  beforeAll(async () => {
    const env: Record<string, string> = {};
    if (mode === 'upstream') {
      fake = await startCo2TrustFake();
      Object.assign(env, { CO2TRUST_BASE_URL: fake.url, CO2TRUST_BACKEND_SECRET_KEY: FAKE_CO2TRUST_SECRET });
    }
    subgraph = await startTestSubgraph(
      'payments',
      mode,
      async (config) => (app = await createPaymentsApp(config)),
      env,
    );
    for (const u of Object.values(U)) tokens.set(u.id, await tokenFor(u, { upstreamToken: `co2t_${u.id}` }));
  });
  afterAll(async () => {
    await subgraph?.stop();
    await fake?.stop();
  });

  const as = (user: DemoUser) => ({ token: tokens.get(user.id)! });
  /** Sends an operation as a user (or anonymously): a typed one answers its result type. */
  function query<T, V>(q: TypedDocumentNode<T, V>, vars: V, user?: DemoUser): Promise<GraphQLResponse<T>>;
  function query<T = Record<string, unknown>>(
    q: string,
    vars?: Record<string, unknown>,
    user?: DemoUser,
  ): Promise<GraphQLResponse<T>>;
  function query(q: string | TypedDocumentNode<unknown, unknown>, vars: unknown = {}, user?: DemoUser) {
    return graphql(subgraph.url, q as string, vars as Record<string, unknown>, { ...(user ? as(user) : {}) });
  }

  /** What a user's payment data looks like now: used to prove that a refused request wrote nothing. */
  async function ledgerOf(user: DemoUser) {
    const q = ENTITIES(
      'User',
      'paymentTransactions { totalCount } bankAccounts(first: 100) { totalCount nodes { id availableBalance { amount currency } } } transfers { totalCount }',
    );
    type R = {
      _entities: {
        paymentTransactions: { totalCount: number };
        bankAccounts: Conn<{ id: string; availableBalance: Money }>;
        transfers: { totalCount: number };
      }[];
    };
    const data = ok(await query<R>(q, reps('User', [user.id]), user))._entities[0]!;
    const all = ok(await query(PaymentTransactionCountDocument, {}, U.admin));
    return {
      transactions: data.paymentTransactions.totalCount,
      allTransactions: total(all.paymentTransactions.totalCount),
      bankAccounts: data.bankAccounts.totalCount,
      transfers: data.transfers.totalCount,
      balances: data.bankAccounts.nodes.map((a) => a.availableBalance),
    };
  }

  async function balanceOf(user: DemoUser, accountId: string): Promise<Decimal> {
    const q = ENTITIES('User', 'bankAccounts(first: 100) { nodes { id availableBalance { amount currency } } }');
    type R = { _entities: { bankAccounts: { nodes: { id: string; availableBalance: Money }[] } }[] };
    const account = ok(await query<R>(q, reps('User', [user.id]), user))._entities[0]!.bankAccounts.nodes.find(
      (a) => a.id === accountId,
    )!;
    return new Decimal(account.availableBalance.amount);
  }

  /** The mutation with a value its input type refuses (an unknown enum value): a text. */
  const RECORD_UNTYPED = `mutation($input: RecordPaymentTransactionInput!) { recordPaymentTransaction(input: $input) { paymentTransaction { id } userErrors { field code message } } }`;

  const aliceAccount = DEMO_PAYMENTS.bankAccounts.alice;
  const bobAccount = {
    holderName: 'Bob Buyer',
    iban: 'DE89 3704 0044 0532 0130 00',
    bic: 'COBADEFFXXX',
    currency: 'EUR',
    countryCode: 'DE',
  };
  let bobAccountId = '';

  it('paymentStats are public and match totals computed independently from the seed', async () => {
    const data = ok(await query(PaymentStatsDocument, {}));
    expect(data.paymentStats.global).toEqual(expectedTotals(demoPaymentTransactions));
    expect(data.paymentStats.global.transactionCount).toBe(10);
    const quarters = new Map<string, typeof demoPaymentTransactions>();
    for (const t of demoPaymentTransactions) {
      const key = `${t.createdAt.getUTCFullYear()}-${Math.ceil((t.createdAt.getUTCMonth() + 1) / 3)}`;
      quarters.set(key, [...(quarters.get(key) ?? []), t]);
    }
    const expected = [...quarters.entries()]
      .map(([key, rows]) => ({
        year: Number(key.split('-')[0]),
        quarter: Number(key.split('-')[1]),
        ...expectedTotals(rows),
      }))
      .filter((q) => q.transactionCount > 0)
      .sort((a, b) => a.year - b.year || a.quarter - b.quarter);
    expect(data.paymentStats.quarterly).toEqual(expected);
    expect(data.paymentStats.quarterly.map((q) => `${q.year}Q${q.quarter}`)).toEqual(['2025Q4', '2026Q1', '2026Q2']);
  });

  it('paymentTransactions: an admin pages through every transaction, newest first', async () => {
    const seen: Tx[] = [];
    let after: string | null = null;
    for (;;) {
      const page: PaymentTransactionsPageQuery = ok(await query(PaymentTransactionsPageDocument, { after }, U.admin));
      expect(page.paymentTransactions.totalCount).toBe(demoPaymentTransactions.length);
      seen.push(...page.paymentTransactions.nodes);
      if (!page.paymentTransactions.pageInfo.hasNextPage) break;
      after = page.paymentTransactions.pageInfo.endCursor;
    }
    const newestFirst = [...demoPaymentTransactions].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    expect(seen.map((t) => t.id)).toEqual(newestFirst.map((t) => t.id));
    expect(seen.find((t) => t.id === DEMO_PAYMENTS.transactions[3])).toEqual({
      id: DEMO_PAYMENTS.transactions[3],
      type: 'ORDER',
      typeId: O[1],
      payerId: U.alice.id,
      payeeId: null,
      amount: { amount: '362.50', currency: 'EUR' },
      status: 'COMPLETED',
    });
  });

  it('paymentTransactions reads plain rows: one statement for a page, its total (when selected) beside its rows', async () => {
    const newestFirst = [...demoPaymentTransactions]
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
      .map((t) => t.id);
    app.queries?.reset();
    const page = ok(await query(PaymentTransactionIdsUncountedDocument, {}, U.admin));
    if (mode === 'local') expect(app.queries!.count).toBe(1);
    expect(page.paymentTransactions.nodes.map((n) => n.id)).toEqual(newestFirst.slice(0, 3));
    expect(page.paymentTransactions.pageInfo.hasNextPage).toBe(true);
    expect(page.paymentTransactions).not.toHaveProperty('totalCount');
    app.queries?.reset();
    const counted = ok(await query(PaymentTransactionIdsCountedDocument, {}, U.admin));
    if (mode === 'local') expect(app.queries!.count).toBe(1);
    expect(counted.paymentTransactions.totalCount).toBe(demoPaymentTransactions.length);
  });

  it("a user's accounts with balances and transfers with their account: one statement per list and per batch", async () => {
    const q = ENTITIES(
      'User',
      'bankAccounts { nodes { id availableBalance { amount currency } } } transfers { nodes { id bankAccount { id ibanLast4 } } }',
    );
    type R = {
      _entities: {
        bankAccounts: Conn<{ id: string; availableBalance: Money }>;
        transfers: Conn<{ id: string; bankAccount: { id: string; ibanLast4: string } }>;
      }[];
    };
    app.queries?.reset();
    const me = ok(await query<R>(q, reps('User', [U.alice.id]), U.alice))._entities[0]!;
    // Accounts, transfers, then the balances of the accounts and the accounts of the transfers.
    if (mode === 'local') expect(app.queries!.count).toBe(4);
    expect(me.bankAccounts.nodes.map((a) => a.id)).toEqual([aliceAccount]);
    expect(me.transfers.nodes.map((t) => t.bankAccount)).toEqual([{ id: aliceAccount, ibanLast4: '7466' }]);
  });

  it('paymentTransactions filters by type and by type id', async () => {
    const q = PaymentTransactionsFilteredDocument;
    for (const type of ['ORDER', 'SUPPLIER', 'NFT'] as const) {
      const data = ok(await query(q, { f: { type }, first: 100 }, U.admin));
      const expected = demoPaymentTransactions.filter((t) => t.type === type);
      expect(data.paymentTransactions.totalCount).toBe(expected.length);
      expect(data.paymentTransactions.nodes.map((n) => n.id).sort()).toEqual(expected.map((t) => t.id).sort());
    }
    fake?.resetCalls();
    const one = ok(await query(q, { f: { type: 'NFT', typeId: N[0] }, first: 100 }, U.admin));
    if (mode === 'upstream') {
      const sent = new URLSearchParams(fake!.callsTo(PAYMENTS_PATH)[0]!.query);
      expect(Object.fromEntries(sent)).toEqual({
        payment_transaction_type: 'nft',
        payment_transaction_type_id: N[0],
        order: 'desc',
        page: '1',
        size: '100',
      });
    }
    expect(one.paymentTransactions.nodes.map((n) => n.id).sort()).toEqual(
      demoPaymentTransactions
        .filter((t) => t.typeId === N[0])
        .map((t) => t.id)
        .sort(),
    );
    const all = ok(await query(q, { f: { type: 'ALL' }, first: 100 }, U.admin));
    expect(all.paymentTransactions.totalCount).toBe(demoPaymentTransactions.length);
  });

  it('paymentTransactions: a user sees only what they paid or received; no token is UNAUTHENTICATED', async () => {
    const data = ok(await query(PaymentTransactionsVisibleDocument, {}, U.alice));
    const mine = demoPaymentTransactions.filter((t) => t.payerId === U.alice.id || t.payeeId === U.alice.id);
    expect(data.paymentTransactions.nodes.map((t) => t.id).sort()).toEqual(mine.map((t) => t.id).sort());
    expect(codes(await query(PaymentTransactionCountDocument, {}))).toEqual(['UNAUTHENTICATED']);
  });

  // Upstream, "Get User Payment Transactions" takes `page`, `size`, `order` only (CO2Trust API,
  // line 291): a user's type filter is applied by the layer, never sent.
  it("paymentTransactions: a user's type filter keeps only their own payments of that type", async () => {
    fake?.resetCalls();
    for (const type of ['ORDER', 'SUPPLIER', 'NFT'] as const) {
      const data = ok(await query(PaymentTransactionsFilteredDocument, { f: { type }, first: 100 }, U.alice));
      const expected = demoPaymentTransactions.filter(
        (t) => t.type === type && (t.payerId === U.alice.id || t.payeeId === U.alice.id),
      );
      expect(data.paymentTransactions.totalCount).toBe(expected.length);
      expect(data.paymentTransactions.nodes.map((n) => n.id).sort()).toEqual(expected.map((t) => t.id).sort());
    }
    if (mode === 'upstream') {
      const calls = fake!.callsTo(`${PAYMENTS_PATH}/user`);
      expect(calls.length).toBeGreaterThan(0);
      for (const c of calls)
        expect([...new URLSearchParams(c.query).keys()].every((k) => ['page', 'size', 'order'].includes(k))).toBe(true);
    }
  });

  it('unknown filter values, a type id without a type and oversized pages are BAD_USER_INPUT', async () => {
    const q = PaymentTransactionsFilteredDocument;
    // An enum value the schema does not have cannot be a typed variable: a text.
    const unknownType = `query($f: PaymentTransactionFilter) { paymentTransactions(filter: $f) { totalCount } }`;
    expect(codes(await query(unknownType, { f: { type: 'REFUND' } }, U.admin))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await query(q, { f: { typeId: O[0] } }, U.admin))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await query(q, { f: { type: 'ALL', typeId: O[0] } }, U.admin))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await query(q, { f: { type: 'ORDER', typeId: '' } }, U.admin))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await query(q, { first: 101 }, U.admin))).toEqual(['BAD_USER_INPUT']);
  });

  // Upstream, `payment_transaction_type_id` is "Filter by specific ID" (CO2Trust API, "List Payment
  // Transactions", line 284): one id per call, never a list.
  it('Order.payments for 50 order references is one batch: one SQL statement, or one upstream call per order', async () => {
    const ids = [...O, ...Array.from({ length: 45 }, () => randomUUID())];
    const q = ENTITIES('Order', `payments { totalCount nodes { ${TX_FIELDS} } }`);
    app.queries?.reset();
    fake?.resetCalls();
    const data = ok(await query<{ _entities: { id: string; payments: Conn<Tx> }[] }>(q, reps('Order', ids), U.admin));
    if (mode === 'local') expect(app.queries!.count).toBe(1);
    else {
      const sent = fake!
        .callsTo(PAYMENTS_PATH)
        .map((c) => new URLSearchParams(c.query).get('payment_transaction_type_id'));
      expect(sent.sort()).toEqual([...ids].sort());
    }
    expect(data._entities).toHaveLength(50);
    for (const e of data._entities) {
      const expected = demoPaymentTransactions.filter((t) => t.type === 'ORDER' && t.typeId === localOf(e.id));
      expect(e.payments.totalCount).toBe(expected.length);
      expect(e.payments.nodes.map((t) => t.id)).toEqual(expected.map((t) => t.id));
    }
    expect(data._entities[0]!.payments.nodes[0]!.amount).toEqual({ amount: '325.00', currency: 'EUR' });
  });

  it('Supplier.payments and Nft.payments page per parent in one batch each (upstream: one call per parent)', async () => {
    const q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Supplier { id payments(first: 1) { totalCount nodes { id } pageInfo { hasNextPage } } } ... on Nft { id payments(first: 1) { totalCount nodes { id } pageInfo { hasNextPage } } } } }`;
    const r = [...S.map((id) => ({ __typename: 'Supplier', id })), ...N.map((id) => ({ __typename: 'Nft', id }))];
    app.queries?.reset();
    fake?.resetCalls();
    type R = {
      _entities: {
        id: string;
        payments: { totalCount: number; nodes: { id: string }[]; pageInfo: { hasNextPage: boolean } };
      }[];
    };
    const data = ok(await query<R>(q, { r }, U.admin));
    if (mode === 'local') expect(app.queries!.count).toBe(2);
    else expect(fake!.callsTo(PAYMENTS_PATH).length).toBe(S.length + N.length);
    for (const e of data._entities) {
      const expected = demoPaymentTransactions
        .filter((t) => t.typeId === localOf(e.id))
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
      expect(e.payments.totalCount).toBe(expected.length);
      expect(e.payments.nodes.map((n) => n.id)).toEqual(expected.slice(0, 1).map((t) => t.id));
      expect(e.payments.pageInfo.hasNextPage).toBe(expected.length > 1);
    }
    // The second page of NFT 1's payments.
    const first = ok(
      await query<{ _entities: { payments: Conn<{ id: string }> }[] }>(
        ENTITIES('Nft', 'payments(first: 2) { totalCount nodes { id } pageInfo { hasNextPage endCursor } }'),
        reps('Nft', [N[0]]),
        U.admin,
      ),
    );
    const cursor = first._entities[0]!.payments.pageInfo.endCursor;
    const second = ok(
      await query<{ _entities: { payments: Conn<{ id: string }> }[] }>(
        ENTITIES('Nft', `payments(first: 2, after: "${cursor}") { totalCount nodes { id } pageInfo { hasNextPage } }`),
        reps('Nft', [N[0]]),
        U.admin,
      ),
    );
    const all = demoPaymentTransactions
      .filter((t) => t.typeId === N[0])
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
      .map((t) => t.id);
    expect([...first._entities[0]!.payments.nodes, ...second._entities[0]!.payments.nodes].map((n) => n.id)).toEqual(
      all,
    );
    expect(second._entities[0]!.payments.pageInfo.hasNextPage).toBe(false);
  });

  it("a user sees only their own payments of an order; another user's are hidden", async () => {
    const q = ENTITIES('Order', 'payments { totalCount nodes { id } }');
    type R = { _entities: { id: string; payments: Conn<{ id: string }> }[] };
    const bob = ok(await query<R>(q, reps('Order', [O[0], O[2]]), U.bob));
    expect(bob._entities.map((e) => e.payments.totalCount)).toEqual([0, 1]);
    expect(codes(await query(q, reps('Order', [O[0]])))).toEqual(['UNAUTHENTICATED']);
  });

  it("me: the caller's transactions, bank accounts (last four only) and transfers", async () => {
    fake?.resetCalls();
    const q = ENTITIES(
      'User',
      `paymentTransactions(first: 100) { totalCount nodes { id } } bankAccounts { totalCount nodes { id holderName ibanLast4 bic currency countryCode availableBalance { amount currency } } } transfers { totalCount nodes { id amount { amount currency } status reference bankAccount { id ibanLast4 } } }`,
    );
    const res = await query<{ _entities: Record<string, Conn<Record<string, unknown>>>[] }>(
      q,
      reps('User', [U.alice.id]),
      U.alice,
    );
    const me = ok(res)._entities[0]!;
    const mine = demoPaymentTransactions.filter((t) => t.payerId === U.alice.id || t.payeeId === U.alice.id);
    expect(me.paymentTransactions!.nodes.map((n) => n.id).sort()).toEqual(mine.map((t) => t.id).sort());
    // Completed incoming payments minus transfers, computed here from the seed.
    const incoming = mine
      .filter((t) => t.payeeId === U.alice.id && t.status === 'COMPLETED' && t.amount.currency === 'EUR')
      .reduce((s, t) => s.add(t.amount.amount), new Decimal(0));
    const out = demoTransfers
      .filter((t) => t.userId === U.alice.id)
      .reduce((s, t) => s.add(t.amount.amount), new Decimal(0));
    expect(incoming.sub(out).toFixed(2)).toBe('1000.00');
    expect(me.bankAccounts!.nodes).toEqual([
      {
        id: aliceAccount,
        holderName: 'Alice Buyer',
        ibanLast4: '7466',
        bic: 'ESSESESS',
        currency: 'EUR',
        countryCode: 'SE',
        availableBalance: { amount: incoming.sub(out).toFixed(2), currency: 'EUR' },
      },
    ]);
    expect(me.transfers!.nodes).toEqual([
      {
        id: DEMO_PAYMENTS.transfers[0],
        amount: { amount: '50.00', currency: 'EUR' },
        status: 'COMPLETED',
        reference: 'First payout',
        bankAccount: { id: aliceAccount, ibanLast4: '7466' },
      },
    ]);
    expect(JSON.stringify(res)).not.toContain(demoBankAccounts[0]!.iban.slice(4, 16));
    if (mode === 'upstream') {
      const call = fake!.callsTo('/co2trust-payments/v1/bank-accounts', 'GET')[0]!;
      expect(call.headers.authorization).toBe(`Bearer co2t_${U.alice.id}`);
    }
  });

  it('another user, with their payment data, does not exist for the caller; an admin may read it', async () => {
    for (const field of ['paymentTransactions', 'bankAccounts', 'transfers']) {
      const q = ENTITIES('User', `${field} { totalCount }`);
      const bob = await query(q, reps('User', [U.alice.id]), U.bob);
      expect([bob.data, codes(bob)]).toEqual([{ _entities: [null] }, []]);
      const admin = ok(
        await query<{ _entities: Record<string, { totalCount: number }>[] }>(q, reps('User', [U.alice.id]), U.admin),
      );
      // Upstream, CO2Trust lists bank accounts and transfers for the token's own user only (no
      // documented user filter): an admin sees another user's payments, not their accounts or payouts.
      if (mode === 'local' || field === 'paymentTransactions')
        expect(admin._entities[0]![field]!.totalCount).toBeGreaterThan(0);
      else expect(admin._entities[0]![field]!.totalCount).toBe(0);
    }
  });

  it("an admin reads several users' lists in one batch per field, paginated", async () => {
    const users = [U.alice.id, U.bob.id, U.admin.id];
    const q = ENTITIES(
      'User',
      'paymentTransactions(first: 2) { totalCount nodes { id } pageInfo { hasNextPage } } bankAccounts(first: 1) { totalCount } transfers(first: 1) { totalCount nodes { id } }',
    );
    type R = {
      _entities: {
        id: string;
        paymentTransactions: Conn<{ id: string }>;
        bankAccounts: { totalCount: number };
        transfers: Conn<{ id: string }>;
      }[];
    };
    app.queries?.reset();
    const data = ok(await query<R>(q, reps('User', users), U.admin));
    // One statement per field for all three users (an upstream call per user: its lists are per user).
    if (mode === 'local') expect(app.queries!.count).toBe(3);
    for (const e of data._entities) {
      const mine = demoPaymentTransactions
        .filter((t) => t.payerId === localOf(e.id) || t.payeeId === localOf(e.id))
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
      expect(e.paymentTransactions.totalCount).toBe(mine.length);
      expect(e.paymentTransactions.nodes.map((n) => n.id)).toEqual(mine.slice(0, 2).map((t) => t.id));
      expect(e.paymentTransactions.pageInfo.hasNextPage).toBe(mine.length > 2);
      // Upstream, the admin's token lists only the admin's own accounts and payouts (see above).
      const theirs = mode === 'local' || localOf(e.id) === U.admin.id;
      expect(e.bankAccounts.totalCount).toBe(
        theirs ? demoBankAccounts.filter((a) => a.userId === localOf(e.id)).length : 0,
      );
      expect(e.transfers.nodes.map((n) => n.id)).toEqual(
        theirs ? demoTransfers.filter((t) => t.userId === localOf(e.id)).map((t) => t.id) : [],
      );
    }
  });

  it('createBankAccount stores an account and returns only the last four characters', async () => {
    const before = await ledgerOf(U.bob);
    const res = await query(CreateBankAccountDocument, { input: bobAccount }, U.bob);
    const created = ok(res).createBankAccount;
    expect(created.userErrors).toEqual([]);
    expect(created.bankAccount).toMatchObject({
      holderName: 'Bob Buyer',
      ibanLast4: '3000',
      bic: 'COBADEFFXXX',
      currency: 'EUR',
      countryCode: 'DE',
      availableBalance: { amount: '600.00', currency: 'EUR' },
    });
    expect(JSON.stringify(res)).not.toContain('370400440532');
    bobAccountId = created.bankAccount!.id;
    expect((await ledgerOf(U.bob)).bankAccounts).toBe(before.bankAccounts + 1);
  });

  it('createBankAccount refuses bad input and duplicates, writing nothing', async () => {
    const before = await ledgerOf(U.bob);
    const attempt = async (input: Partial<CreateBankAccountInput>) =>
      ok(await query(CreateBankAccountDocument, { input: { ...bobAccount, ...input } }, U.bob)).createBankAccount;
    const duplicate = await attempt({ iban: 'de89370400440532013000' });
    expect(duplicate.bankAccount).toBeNull();
    expect(duplicate.userErrors).toEqual([expect.objectContaining({ field: ['input', 'iban'], code: 'CONFLICT' })]);
    expect((await attempt({ iban: 'DE89370400440532013001' })).userErrors).toEqual([
      expect.objectContaining({ field: ['input', 'iban'], code: 'INVALID' }),
    ]);
    expect((await attempt({ iban: 'DE8937040044' })).userErrors).toEqual([
      expect.objectContaining({ field: ['input', 'iban'], code: 'INVALID' }),
    ]);
    expect((await attempt({ bic: 'COBA-DE' })).userErrors).toEqual([
      expect.objectContaining({ field: ['input', 'bic'], code: 'INVALID' }),
    ]);
    expect((await attempt({ bic: 'COBAXXFF' })).userErrors).toEqual([
      expect.objectContaining({ field: ['input', 'bic'], code: 'INVALID' }),
    ]);
    expect((await attempt({ countryCode: 'SE' })).userErrors).toEqual([
      expect.objectContaining({ field: ['input', 'countryCode'], code: 'INVALID' }),
    ]);
    expect((await attempt({ holderName: '  ' })).userErrors).toEqual([
      expect.objectContaining({ field: ['input', 'holderName'], code: 'REQUIRED' }),
    ]);
    expect(
      codes(await query(CreateBankAccountDocument, { input: { ...bobAccount, currency: 'EURO' } }, U.bob)),
    ).toEqual(['BAD_USER_INPUT']);
    expect(
      codes(
        await query(CreateBankAccountDocument, {
          input: { ...bobAccount, iban: 'GB82WEST12345698765432', countryCode: 'GB' },
        }),
      ),
    ).toEqual(['UNAUTHENTICATED']);
    expect(await ledgerOf(U.bob)).toEqual(before);
    if (mode === 'upstream')
      expect(fake!.callsTo('/co2trust-payments/v1/bank-accounts', 'POST').filter((c) => c.status !== 201)).toHaveLength(
        1,
      );
  });

  it('the same new IBAN sent 10 times at once makes one account; the others are CONFLICT', async () => {
    const input = {
      holderName: 'Ada Admin',
      iban: 'GB82 WEST 1234 5698 7654 32',
      bic: 'NWBKGB2L',
      currency: 'GBP',
      countryCode: 'GB',
    };
    const results = await Promise.all(
      Array.from({ length: 10 }, () => query(CreateBankAccountDocument, { input }, U.admin)),
    );
    const payloads = results.map((r) => ok(r).createBankAccount);
    expect(payloads.filter((p) => p.bankAccount !== null)).toHaveLength(1);
    for (const p of payloads.filter((x) => x.bankAccount === null))
      expect(p.userErrors.map((e) => e.code)).toEqual(['CONFLICT']);
    expect((await ledgerOf(U.admin)).bankAccounts).toBe(1);
  });

  it('createTransfer refuses bad amounts, a currency mismatch and unknown accounts, writing nothing', async () => {
    const before = await ledgerOf(U.alice);
    const attempt = async (input: Partial<CreateTransferInput>) =>
      ok(
        await query(
          CreateTransferDocument,
          {
            input: {
              bankAccountId: aliceAccount,
              amount: '10.00',
              currency: 'EUR',
              idempotencyKey: randomUUID(),
              ...input,
            },
          },
          U.alice,
        ),
      ).createTransfer;
    for (const [amount, field] of [
      ['0', 'amount'],
      ['-5.00', 'amount'],
      ['10.001', 'amount'],
    ] as const) {
      const r = await attempt({ amount });
      expect(r.transfer).toBeNull();
      expect(r.userErrors).toEqual([expect.objectContaining({ field: ['input', field], code: 'INVALID' })]);
    }
    expect((await attempt({ currency: 'SEK' })).userErrors).toEqual([
      expect.objectContaining({ field: ['input', 'currency'], code: 'INVALID' }),
    ]);
    expect((await attempt({ bankAccountId: randomUUID() })).userErrors).toEqual([
      expect.objectContaining({ field: ['input', 'bankAccountId'], code: 'NOT_FOUND' }),
    ]);
    expect((await attempt({ amount: '5000.00' })).userErrors).toEqual([
      expect.objectContaining({ field: ['input', 'amount'], code: 'INSUFFICIENT_BALANCE' }),
    ]);
    expect((await attempt({ idempotencyKey: '' })).userErrors).toEqual([
      expect.objectContaining({ field: ['input', 'idempotencyKey'], code: 'INVALID' }),
    ]);
    expect(
      codes(
        await query(
          CreateTransferDocument,
          { input: { bankAccountId: aliceAccount, amount: 'ten', currency: 'EUR', idempotencyKey: 'k' } },
          U.alice,
        ),
      ),
    ).toEqual(['BAD_USER_INPUT']);
    expect(await ledgerOf(U.alice)).toEqual(before);
  });

  it("createTransfer from another user's bank account is FORBIDDEN and writes nothing", async () => {
    const before = [await ledgerOf(U.alice), await ledgerOf(U.bob)];
    const res = await query(
      CreateTransferDocument,
      { input: { bankAccountId: aliceAccount, amount: '10.00', currency: 'EUR', idempotencyKey: randomUUID() } },
      U.bob,
    );
    expect(codes(res)).toEqual(['FORBIDDEN']);
    const admin = await query(
      CreateTransferDocument,
      { input: { bankAccountId: aliceAccount, amount: '10.00', currency: 'EUR', idempotencyKey: randomUUID() } },
      U.admin,
    );
    expect(codes(admin)).toEqual(['FORBIDDEN']);
    expect([await ledgerOf(U.alice), await ledgerOf(U.bob)]).toEqual(before);
  });

  it('createTransfer is idempotent: a retry returns the first transfer, 20 identical requests at once make one', async () => {
    const start = await balanceOf(U.bob, bobAccountId);
    const input = {
      bankAccountId: bobAccountId,
      amount: '10',
      currency: 'EUR',
      idempotencyKey: `payout-${randomUUID()}`,
      reference: 'Weekly payout',
    };
    const results = await Promise.all(
      Array.from({ length: 20 }, () => query(CreateTransferDocument, { input }, U.bob)),
    );
    const ids = new Set(results.map((r) => ok(r).createTransfer.transfer?.id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toBeTruthy();
    expect(ok(results[0]!).createTransfer.transfer).toMatchObject({
      amount: { amount: '10.00', currency: 'EUR' },
      status: 'PENDING',
      bankAccount: { id: bobAccountId },
    });
    expect((await balanceOf(U.bob, bobAccountId)).toFixed(2)).toBe(start.sub(10).toFixed(2));
    const retry = ok(
      await query(CreateTransferDocument, { input: { ...input, amount: '10.00' } }, U.bob),
    ).createTransfer;
    expect(retry.transfer?.id).toBe([...ids][0]);
    const mismatch = ok(
      await query(CreateTransferDocument, { input: { ...input, amount: '11.00' } }, U.bob),
    ).createTransfer;
    expect(mismatch.transfer).toBeNull();
    expect(mismatch.userErrors).toEqual([
      expect.objectContaining({ field: ['input', 'idempotencyKey'], code: 'IDEMPOTENCY_MISMATCH' }),
    ]);
    expect((await balanceOf(U.bob, bobAccountId)).toFixed(2)).toBe(start.sub(10).toFixed(2));
  });

  it('20 concurrent transfers that together exceed the balance never overdraw it', async () => {
    const start = await balanceOf(U.alice, aliceAccount);
    expect(start.gt(0)).toBe(true);
    const amount = start.div(7).toDecimalPlaces(2, Decimal.ROUND_DOWN);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        query(
          CreateTransferDocument,
          {
            input: {
              bankAccountId: aliceAccount,
              amount: amount.toFixed(2),
              currency: 'EUR',
              idempotencyKey: randomUUID(),
            },
          },
          U.alice,
        ),
      ),
    );
    const payloads = results.map((r) => ok(r).createTransfer);
    const succeeded = payloads.filter((p) => p.transfer !== null).length;
    expect(succeeded).toBe(start.div(amount).floor().toNumber());
    for (const p of payloads.filter((x) => x.transfer === null))
      expect(p.userErrors.map((e) => e.code)).toEqual(['INSUFFICIENT_BALANCE']);
    const end = await balanceOf(U.alice, aliceAccount);
    expect(end.gte(0)).toBe(true);
    expect(end.toFixed(2)).toBe(start.sub(amount.mul(succeeded)).toFixed(2));
  });

  it('recordPaymentTransaction is for trusted services only', async () => {
    const input: RecordPaymentTransactionInput = {
      externalReference: `pi_${randomUUID()}`,
      type: 'ORDER',
      typeId: O[3],
      payerId: U.bob.id,
      amount: '130.00',
      currency: 'EUR',
    };
    expect(codes(await query(RecordPaymentTransactionDocument, { input }, U.admin))).toEqual(['FORBIDDEN']);
    expect(codes(await query(RecordPaymentTransactionDocument, { input }))).toEqual(['FORBIDDEN']);
    const wrong = await graphql(
      subgraph.url,
      RecordPaymentTransactionDocument,
      { input },
      { headers: { authorization: 'Bearer not-the-service-token-0123456789abcdef' } },
    );
    expect(wrong.data?.recordPaymentTransaction ?? null).toBeNull();
  });

  it('recordPaymentTransaction records once per external reference and credits the payee', async () => {
    const before = await ledgerOf(U.alice);
    const start = await balanceOf(U.alice, aliceAccount);
    const input: RecordPaymentTransactionInput = {
      externalReference: `nft-sale-${randomUUID()}`,
      type: 'NFT',
      typeId: N[0],
      payerId: U.bob.id,
      payeeId: U.alice.id,
      amount: '40',
      currency: 'EUR',
    };
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        graphql(subgraph.url, RecordPaymentTransactionDocument, { input }, { headers: service }),
      ),
    );
    const ids = new Set(results.map((r) => ok(r).recordPaymentTransaction.paymentTransaction?.id));
    expect(ids.size).toBe(1);
    expect(ok(results[0]!).recordPaymentTransaction.paymentTransaction).toMatchObject({
      type: 'NFT',
      typeId: N[0],
      payerId: U.bob.id,
      payeeId: U.alice.id,
      amount: { amount: '40.00', currency: 'EUR' },
      status: 'COMPLETED',
      externalReference: input.externalReference,
    });
    const after = await ledgerOf(U.alice);
    expect(after.allTransactions).toBe(before.allTransactions + 1);
    expect((await balanceOf(U.alice, aliceAccount)).toFixed(2)).toBe(start.add(40).toFixed(2));

    const mismatch = ok(
      await graphql(
        subgraph.url,
        RecordPaymentTransactionDocument,
        { input: { ...input, amount: '41' } },
        { headers: service },
      ),
    ).recordPaymentTransaction;
    expect(mismatch.userErrors).toEqual([
      expect.objectContaining({ field: ['input', 'externalReference'], code: 'IDEMPOTENCY_MISMATCH' }),
    ]);
    const stats = ok(await query(PaymentStatsCountDocument, {}));
    expect(stats.paymentStats.global.transactionCount).toBe(
      demoPaymentTransactions.filter((t) => t.status === 'COMPLETED').length + 1,
    );
    const nft = ok(
      await query<{ _entities: { payments: { totalCount: number } }[] }>(
        ENTITIES('Nft', 'payments { totalCount }'),
        reps('Nft', [N[0]]),
        U.admin,
      ),
    );
    expect(nft._entities[0]!.payments.totalCount).toBe(
      demoPaymentTransactions.filter((t) => t.typeId === N[0]).length + 1,
    );
  });

  it('recordPaymentTransaction refuses bad input, writing nothing', async () => {
    const before = await ledgerOf(U.alice);
    const base: RecordPaymentTransactionInput = {
      externalReference: `pi_${randomUUID()}`,
      type: 'ORDER',
      typeId: O[3],
      payerId: U.bob.id,
      amount: '130.00',
      currency: 'EUR',
    };
    const attempt = async (input: Partial<RecordPaymentTransactionInput>) =>
      ok(
        await graphql(
          subgraph.url,
          RecordPaymentTransactionDocument,
          { input: { ...base, ...input } },
          { headers: service },
        ),
      ).recordPaymentTransaction;
    expect((await attempt({ amount: '0' })).userErrors).toEqual([
      expect.objectContaining({ field: ['input', 'amount'], code: 'INVALID' }),
    ]);
    expect((await attempt({ amount: '-1' })).userErrors).toEqual([
      expect.objectContaining({ field: ['input', 'amount'], code: 'INVALID' }),
    ]);
    expect((await attempt({ externalReference: ' ' })).userErrors).toEqual([
      expect.objectContaining({ field: ['input', 'externalReference'], code: 'INVALID' }),
    ]);
    expect((await attempt({ payeeId: U.bob.id })).userErrors).toEqual([
      expect.objectContaining({ field: ['input', 'payeeId'], code: 'INVALID' }),
    ]);
    expect(
      codes(await graphql(subgraph.url, RECORD_UNTYPED, { input: { ...base, type: 'REFUND' } }, { headers: service })),
    ).toEqual(['BAD_USER_INPUT']);
    expect(await ledgerOf(U.alice)).toEqual(before);
  });
});

describe('payments upstream failures', () => {
  let subgraph: TestSubgraph;
  let fake: Co2TrustFake;

  beforeAll(async () => {
    fake = await startCo2TrustFake();
    subgraph = await startTestSubgraph('payments', 'upstream', createPaymentsApp, {
      CO2TRUST_BASE_URL: fake.url,
      CO2TRUST_BACKEND_SECRET_KEY: FAKE_CO2TRUST_SECRET,
    });
  });
  afterAll(async () => {
    await subgraph?.stop();
    await fake?.stop();
  });

  it('an upstream failure is UPSTREAM_UNAVAILABLE and reveals nothing of the upstream body', async () => {
    fake.fail({
      pathPrefix: '/co2trust-payments/v1/payment-stats',
      status: 500,
      body: { message: 'password=hunter2 at db-7' },
    });
    const res = await graphql(subgraph.url, PaymentStatsCountDocument);
    expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(JSON.stringify(res)).not.toContain('hunter2');
  });

  it('a rate-limited call is retried after Retry-After and then succeeds', async () => {
    fake.resetCalls();
    fake.fail({ pathPrefix: '/co2trust-payments/v1/payment-stats', status: 429, headers: { 'retry-after': '0' } });
    const data = ok(await graphql(subgraph.url, PaymentStatsCountDocument));
    expect(data.paymentStats.global.transactionCount).toBe(10);
    expect(fake.callsTo('/co2trust-payments/v1/payment-stats').map((c) => c.status)).toEqual([429, 200]);
  });

  it("recording a payment calls no upstream route (the document has none): it is the layer's own record", async () => {
    fake.resetCalls();
    const input: RecordPaymentTransactionInput = {
      externalReference: `pi_${randomUUID()}`,
      type: 'ORDER',
      typeId: O[3],
      payerId: U.bob.id,
      amount: '130.00',
      currency: 'EUR',
      status: 'PENDING',
    };
    const res = ok(
      await graphql(
        subgraph.url,
        RecordPaymentStatusDocument,
        { input },
        { headers: { authorization: `Bearer ${TEST_SECRETS.SERVICE_TOKEN}` } },
      ),
    );
    expect(res.recordPaymentTransaction.paymentTransaction).toEqual({ status: 'PENDING' });
    expect(fake.calls).toEqual([]);
  });
});
