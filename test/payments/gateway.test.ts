// Payments through the real gateway: `me { ... }` and the payments of marketplace orders are
// resolved by the payments subgraph through entity references, in both modes.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { DEMO_PAYMENTS, demoPaymentTransactions } from '../../subgraphs/payments/local/seed.ts';
import { FAKE_CO2TRUST_SECRET, startCo2TrustFake, type Co2TrustFake } from '../../fakes/co2trust.ts';
import { MODES, TEST_SECRETS } from '../support/env.ts';
import {
  CreatePricedOrderDocument,
  CreateTransferDocument,
  OrderPaymentRecordsDocument,
  PaymentStatsCountDocument,
  SignInDocument,
  ViewerOrdersWithPaymentsDocument,
  ViewerPaymentAccountsDocument,
  type OrderPaymentRecordsQuery,
} from '../__generated__/operations.ts';
import { graphql, ok } from '../support/graphql.ts';
import { gid, localOf } from '../support/ids.ts';
import { startStack, type Stack } from '../support/stack.ts';

const { users: U } = DEMO;

describe.each(MODES)('payments through the gateway (%s mode)', (mode) => {
  let stack: Stack;
  let fake: Co2TrustFake | undefined;
  let alice = '';
  const url = () => stack.gateway.url;

  beforeAll(async () => {
    // Upstream: marketplace and payments on the CO2Trust fake; the other subgraphs stay local.
    if (mode === 'upstream') fake = await startCo2TrustFake();
    const env: Record<string, string> = fake
      ? {
          MARKETPLACE_SOURCE: 'upstream',
          PAYMENTS_SOURCE: 'upstream',
          CO2TRUST_BASE_URL: fake.url,
          CO2TRUST_BACKEND_SECRET_KEY: FAKE_CO2TRUST_SECRET,
        }
      : {};
    stack = await startStack('local', env);
    const login = ok(
      await graphql(
        url(),
        SignInDocument,
        { email: U.alice.email },
        { headers: { 'x-backend-secret-key': TEST_SECRETS.BACKEND_SECRET_KEY } },
      ),
    );
    alice = login.authenticate.accessToken!;
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await fake?.stop();
  });

  it("me { paymentTransactions bankAccounts transfers } answers the caller's own", async () => {
    const me = ok(await graphql(url(), ViewerPaymentAccountsDocument, {}, { token: alice })).me!;
    const mine = demoPaymentTransactions.filter((t) => t.payerId === U.alice.id || t.payeeId === U.alice.id);
    expect(me.id).toBe(gid('User', U.alice.id));
    expect(me.paymentTransactions.nodes.map((n) => n.id).sort()).toEqual(mine.map((t) => t.id).sort());
    expect(me.bankAccounts.nodes).toEqual([
      {
        id: DEMO_PAYMENTS.bankAccounts.alice,
        ibanLast4: '7466',
        availableBalance: { amount: '1000.00', currency: 'EUR' },
      },
    ]);
    expect(me.transfers.totalCount).toBe(1);
  });

  it("the caller's orders carry their payments", async () => {
    const me = ok(await graphql(url(), ViewerOrdersWithPaymentsDocument, {}, { token: alice })).me!;
    expect(me.orders.nodes.length).toBeGreaterThan(0);
    for (const order of me.orders.nodes) {
      const expected = demoPaymentTransactions.filter((t) => t.type === 'ORDER' && t.typeId === localOf(order.id));
      expect(order.payments.nodes.map((p) => p.id)).toEqual(expected.map((t) => t.id));
    }
    expect(me.orders.nodes.find((o) => o.id === gid('Order', DEMO.orders[0]))?.payments.nodes[0]?.amount).toEqual({
      amount: '325.00',
      currency: 'EUR',
    });
  });

  it('a transfer through the gateway lowers the available balance', async () => {
    const res = ok(
      await graphql(
        url(),
        CreateTransferDocument,
        {
          input: {
            bankAccountId: DEMO_PAYMENTS.bankAccounts.alice,
            amount: '25.50',
            currency: 'EUR',
            idempotencyKey: randomUUID(),
          },
        },
        { token: alice },
      ),
    );
    expect(res.createTransfer.userErrors).toEqual([]);
    expect(res.createTransfer.transfer).toEqual({
      amount: { amount: '25.50', currency: 'EUR' },
      bankAccount: { availableBalance: { amount: '974.50', currency: 'EUR' } },
    });
  });

  it('paymentStats is public', async () => {
    const data = ok(await graphql(url(), PaymentStatsCountDocument));
    expect(data.paymentStats.global.transactionCount).toBe(
      demoPaymentTransactions.filter((t) => t.status === 'COMPLETED').length,
    );
  });
});

describe('a marketplace purchase produces its payment record (local mode)', () => {
  let stack: Stack;
  const url = () => stack.gateway.url;

  beforeAll(async () => {
    stack = await startStack('local', { PAYMENT_OUTBOX_INTERVAL_MS: '50' });
  }, 60_000);
  afterAll(() => stack?.stop());

  it('createOrder in the marketplace leads to one ORDER payment transaction in payments', async () => {
    const login = ok(
      await graphql(
        url(),
        SignInDocument,
        { email: U.alice.email },
        { headers: { 'x-backend-secret-key': TEST_SECRETS.BACKEND_SECRET_KEY } },
      ),
    );
    const token = login.authenticate.accessToken!;
    const created = ok(
      await graphql(
        url(),
        CreatePricedOrderDocument,
        { input: { productId: DEMO.products[0], quantity: '2', idempotencyKey: randomUUID() } },
        { token },
      ),
    );
    expect(created.createOrder.userErrors).toEqual([]);
    const order = created.createOrder.order!;
    // The marketplace delivers the record asynchronously (outbox); wait for it, bounded.
    let payments: NonNullable<OrderPaymentRecordsQuery['order']>['payments']['nodes'] = [];
    for (let i = 0; i < 100 && payments.length === 0; i++) {
      payments = ok(await graphql(url(), OrderPaymentRecordsDocument, { id: order.id }, { token })).order!.payments
        .nodes;
      if (payments.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(payments).toEqual([
      { type: 'ORDER', typeId: localOf(order.id), payerId: U.alice.id, amount: order.totalPrice, status: 'COMPLETED' },
    ]);
  });
});
