// Purchases produce payment records in the payments subgraph through the outbox: written with the
// order, delivered after commit with retries, never lost and never delivered twice. Payments is
// played by a small stand-in GraphQL server that counts deliveries.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { startFake, type FakeRequest, type RunningFake } from '../../fakes/harness.ts';
import { createPaymentsApp } from '../../subgraphs/payments/server.ts';
import { TEST_SECRETS } from '../support/env.ts';
import { graphql } from '../support/graphql.ts';
import { localOf } from '../support/ids.ts';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph.ts';
import { PlaceBundleOrderDocument, PlaceOrderDocument } from '../__generated__/marketplace-operations.ts';
import { data, startMarketplace, type Marketplace } from './helpers.ts';

interface Recorded {
  externalReference: string;
  type: string;
  typeId: string;
  payerId: string;
  payeeId: string | null;
  amount: string;
  currency: string;
  status: string;
}

const CREATE = PlaceOrderDocument;
const BUNDLE = PlaceBundleOrderDocument;

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('marketplace payment records (local mode)', () => {
  let payments: RunningFake;
  let m: Marketplace;
  /** What the stand-in stored, by externalReference (payments is idempotent by it). */
  const stored = new Map<string, Recorded>();
  /** Every successful delivery, including repeats. */
  const deliveries: string[] = [];

  beforeAll(async () => {
    payments = await startFake('payments', [
      {
        method: 'POST',
        path: '/graphql',
        handler: (req: FakeRequest) => {
          if (req.headers.authorization !== `Bearer ${TEST_SECRETS.SERVICE_TOKEN}`) {
            return {
              status: 200,
              body: {
                errors: [{ message: 'This operation is for trusted services only', extensions: { code: 'FORBIDDEN' } }],
              },
            };
          }
          const input = (req.body as { variables: { input: Recorded } }).variables.input;
          deliveries.push(input.externalReference);
          if (!stored.has(input.externalReference)) stored.set(input.externalReference, input);
          return { status: 200, body: { data: { recordPaymentTransaction: { userErrors: [] } } } };
        },
      },
    ]);
    m = await startMarketplace('local', { PAYMENTS_URL: `${payments.url}/graphql`, PAYMENT_OUTBOX_INTERVAL_MS: '40' });
  });
  afterAll(async () => {
    await m?.stop();
    await payments?.stop();
  });

  it('records the payment of an order after it commits, retrying through a payments outage', async () => {
    payments.fail({ pathPrefix: '/graphql', status: 503, times: 2 });
    const input = { productId: DEMO.products[0], quantity: '2', idempotencyKey: 'outbox-first' };
    const order = data(await m.as('alice', CREATE, { input })).createOrder.order!;
    await until(() => stored.has(localOf(order.id)), 'the payment record');
    expect(stored.get(localOf(order.id))).toEqual({
      externalReference: localOf(order.id),
      type: 'ORDER',
      typeId: localOf(order.id),
      payerId: DEMO.users.alice.id,
      payeeId: null,
      amount: '65.00',
      currency: 'EUR',
      status: 'COMPLETED',
    });
    const attempts = payments.callsTo('/graphql');
    expect(attempts.map((c) => c.status)).toEqual([503, 503, 200]);
    expect(attempts.every((c) => c.headers.authorization === `Bearer ${TEST_SECRETS.SERVICE_TOKEN}`)).toBe(true);

    // A retried purchase with the same key returns the first order and records nothing new.
    const replay = data(await m.as('alice', CREATE, { input })).createOrder.order!;
    expect(replay.id).toBe(order.id);
    await pause(300);
    expect(deliveries.filter((ref) => ref === localOf(order.id))).toHaveLength(1);
    expect(payments.callsTo('/graphql')).toHaveLength(3);
  });

  it('delivers every record exactly once after a longer outage, for orders and bundle orders', async () => {
    payments.resetCalls();
    payments.fail({ pathPrefix: '/graphql', status: 500, times: 6 });
    const orders = await Promise.all([
      ...Array.from({ length: 4 }, (_, i) =>
        m
          .as(i % 2 ? 'alice' : 'bob', CREATE, { input: { productId: DEMO.products[2]!, quantity: '1.5' } })
          .then((r) => data(r).createOrder.order!),
      ),
      m
        .as('bob', BUNDLE, { input: { bundleOrderId: DEMO.bundleOrders[0]!, quantity: '1' } })
        .then((r) => data(r).createBundleOrder.order!),
    ]);
    await until(() => orders.every((o) => stored.has(localOf(o.id))), 'all payment records');
    for (const o of orders) {
      expect(stored.get(localOf(o.id))!.amount).toBe(o.totalPrice.amount);
      expect(deliveries.filter((ref) => ref === localOf(o.id))).toHaveLength(1);
    }
    expect(payments.callsTo('/graphql').filter((c) => c.status === 500)).toHaveLength(6);
    expect(payments.callsTo('/graphql').filter((c) => c.status === 200)).toHaveLength(orders.length);
  });

  it('a refused purchase writes no payment record', async () => {
    const before = deliveries.length;
    payments.resetCalls();
    const refused = data(
      await m.as('alice', CREATE, { input: { productId: DEMO.products[1], quantity: '100000' } }),
    ).createOrder;
    expect(refused.userErrors.map((e) => e.code)).toEqual(['INSUFFICIENT_INVENTORY']);
    await pause(300);
    expect(deliveries.length).toBe(before);
    expect(payments.callsTo('/graphql')).toHaveLength(0);
  });
});

describe('marketplace payment records in the payments subgraph (local mode)', () => {
  let payments: TestSubgraph;
  let m: Marketplace;

  beforeAll(async () => {
    payments = await startTestSubgraph('payments', 'local', createPaymentsApp);
    m = await startMarketplace('local', { PAYMENTS_URL: payments.url, PAYMENT_OUTBOX_INTERVAL_MS: '40' });
  });
  afterAll(async () => {
    await m?.stop();
    await payments?.stop();
  });

  it("an order's payment shows up as Order.payments in the payments subgraph", async () => {
    const order = data(await m.as('bob', CREATE, { input: { productId: DEMO.products[1]!, quantity: '0.5' } }))
      .createOrder.order!;
    const q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { payments { nodes { externalReference type typeId payerId amount { amount currency } status } } } } }`;
    let nodes: unknown[];
    const started = Date.now();
    for (;;) {
      const res = await graphql<{ _entities: { payments: { nodes: unknown[] } }[] }>(
        payments.url,
        q,
        { r: [{ __typename: 'Order', id: order.id }] },
        { token: m.tokens.bob },
      );
      nodes = res.data?._entities[0]?.payments.nodes ?? [];
      if (nodes.length || Date.now() - started > 15_000) break;
      await pause(50);
    }
    expect(nodes).toEqual([
      {
        externalReference: localOf(order.id),
        type: 'ORDER',
        typeId: localOf(order.id),
        payerId: DEMO.users.bob.id,
        amount: { amount: '72.50', currency: 'EUR' },
        status: 'COMPLETED',
      },
    ]);
  });
});
