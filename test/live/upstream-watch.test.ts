// Subscriptions in upstream mode hear changes made at the upstream provider itself: the state is
// changed directly in the contract fake (as CO2Trust, the ICR or Lune would change it) and the
// subscriber gets its event through the gateway over SSE, with other subgraphs' fields resolved.
// One read loop per followed object whatever the number of its subscribers, stopped when the last
// leaves and when the subgraph stops; the loop backs off while nothing changes; the bound on
// watched objects refuses with SUBSCRIPTION_LIMIT; another user's object is still refused.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { toGlobalId } from '../../lib/global-id.ts';
import type { Co2TrustFake } from '../../fakes/co2trust.ts';
import type { RunningFake } from '../../fakes/harness.ts';
import { FAKE_ICR_TOKEN } from '../../fakes/icr-strict.ts';
import type { LuneFake } from '../../fakes/lune.ts';
import { demoCredits } from '../../subgraphs/registry/local/seed.ts';
import { TEST_SECRETS } from '../support/env.ts';
import { graphql, ok } from '../support/graphql.ts';
import { localOf } from '../support/ids.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { sseSubscribe, type ExecutionResultLike, type SseSubscription } from './sse-client.ts';

const MIN_MS = 50;
const MAX_MS = 400;
const WATCH_MAX = 3;

const PAYMENT = `subscription($orderId: ID!) { orderPaymentUpdated(orderId: $orderId) { status payment { id status } order { id status } } }`;
const CREDIT_REQUESTS = `subscription($org: ID!) { creditRequestUpdated(organizationId: $org) { creditRequest { id action state amount { amount } } } }`;
const PROGRESS = `subscription($id: ID, $key: String) { offsetOrderProgress(id: $id, idempotencyKey: $key) { step final order { id status retirements { id } } } }`;
const ORDER = `mutation($input: CreateOffsetOrderByMassInput!) { createOffsetOrderByMass(input: $input) { offsetOrder { id status } userErrors { code message } } }`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const codesOf = (results: ExecutionResultLike[]) =>
  results.flatMap((r) => (r.errors ?? []).map((e) => e.extensions?.code));

describe('subscriptions in upstream mode hear changes made at the upstream', () => {
  let stack: Stack;
  const tokens: Record<'alice' | 'bob' | 'admin', string> = { alice: '', bob: '', admin: '' };
  let co2trust: Co2TrustFake;
  let icr: RunningFake;
  let lune: LuneFake;

  const fake = <F extends RunningFake>(name: string) => stack.fakes.find((f) => f.name === name) as F;
  const metricsOf = async (subgraph: 'payments' | 'registry' | 'marketplace') =>
    (await fetch(new URL('/metrics', stack.subgraphs[subgraph].url))).text();
  const gauge = async (subgraph: 'payments' | 'registry' | 'marketplace', name: string) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)$`, 'm').exec(await metricsOf(subgraph))?.[1] ?? NaN);
  /** Waits until a subgraph's gauge reads `value` (the subgraph sees a stream start or end a little after the client). */
  const gaugeReaches = async (subgraph: 'payments' | 'registry' | 'marketplace', name: string, value: number) => {
    for (let i = 0; i < 200 && (await gauge(subgraph, name)) !== value; i++) await sleep(25);
    return gauge(subgraph, name);
  };
  const paymentReads = (orderId: string) =>
    co2trust
      .callsTo('/co2trust-payments/v1/payment-transactions', 'GET')
      // A user's payments are read from their own list (the document filters it by page only).
      .filter((c) => c.query.includes(orderId) || c.path.endsWith('/payment-transactions/user')).length;

  beforeAll(async () => {
    stack = await startStack('upstream', {
      UPSTREAM_WATCH_MIN_INTERVAL_MS: String(MIN_MS),
      UPSTREAM_WATCH_MAX_INTERVAL_MS: String(MAX_MS),
      UPSTREAM_WATCH_MAX: String(WATCH_MAX),
      SUBSCRIPTIONS_HEARTBEAT_MS: '1000',
    });
    co2trust = fake<Co2TrustFake>('co2trust');
    icr = fake<RunningFake>('icr-strict');
    lune = fake<LuneFake>('lune');
    // Signed in through the layer: the tokens carry each user's CO2Trust token, as in production.
    for (const name of ['alice', 'bob', 'admin'] as const) {
      const login = ok(
        await graphql<{ authenticate: { accessToken: string } }>(
          stack.gateway.url,
          `mutation { authenticate(input: { email: "${DEMO.users[name].email}" }) { accessToken } }`,
          {},
          { headers: { 'x-backend-secret-key': TEST_SECRETS.BACKEND_SECRET_KEY } },
        ),
      );
      tokens[name] = login.authenticate.accessToken;
    }
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('sends a payment whose status changed at CO2Trust, with the order resolved from the marketplace; two subscribers share one read loop, which backs off and stops with the last', async () => {
    // Bob's order whose payment is still PENDING in the demo data.
    const orderId = DEMO.orders[3]!;
    const payment = co2trust.state.paymentTransactions.find((t) => t.typeId === orderId)!;
    expect(payment.status).toBe('PENDING');
    const variables = { orderId: toGlobalId('Order', orderId) };
    const one = await sseSubscribe(stack.gateway.url, PAYMENT, variables, { token: tokens.bob });
    const two = await sseSubscribe(stack.gateway.url, PAYMENT, variables, { token: tokens.bob });
    for (const sub of [one, two])
      expect((await sub.next())?.data?.orderPaymentUpdated).toMatchObject({
        status: 'PENDING',
        order: { id: variables.orderId },
      });
    expect(await gaugeReaches('payments', 'upstream_watches_active', 1)).toBe(1);

    // A quiet period: one loop, backing off from MIN_MS to MAX_MS, reads a bounded number of times
    // (without backoff 1200 / 50 = 24 reads; two loops with backoff twice the bound).
    co2trust.resetCalls();
    await sleep(1_200);
    const quiet = paymentReads(orderId);
    expect(quiet).toBeGreaterThanOrEqual(2);
    expect(quiet).toBeLessThanOrEqual(7);

    // CO2Trust settles the payment itself: both subscribers hear it, with the marketplace's order.
    payment.status = 'COMPLETED';
    for (const sub of [one, two]) {
      const event = await sub.next();
      expect(event?.errors).toBeUndefined();
      expect(event?.data?.orderPaymentUpdated).toEqual({
        status: 'COMPLETED',
        payment: { id: payment.id, status: 'COMPLETED' },
        order: { id: variables.orderId, status: expect.any(String) },
      });
    }

    one.close();
    await sleep(MAX_MS);
    expect(await gauge('payments', 'upstream_watches_active')).toBe(1);
    two.close();
    expect(await gaugeReaches('payments', 'upstream_watches_active', 0)).toBe(0);
    co2trust.resetCalls();
    await sleep(MAX_MS * 2);
    expect(paymentReads(orderId)).toBe(0);
    expect(await metricsOf('payments')).toMatch(/^upstream_watch_polls_total\{outcome="changed"[^}]*\} [1-9]/m);
  });

  it('sends credit requests filed and reviewed at the ICR itself to a member, and still refuses a non-member', async () => {
    const { nordicForest, carbonBuyer } = DEMO.organizations;
    const refused = await sseSubscribe(
      stack.gateway.url,
      CREDIT_REQUESTS,
      { org: nordicForest },
      { token: tokens.alice },
    );
    expect(codesOf(await refused.rest())).toEqual(['FORBIDDEN']);

    const sub = await sseSubscribe(stack.gateway.url, CREDIT_REQUESTS, { org: nordicForest }, { token: tokens.bob });
    expect(sub.status).toBe(200);
    // No first event: the request is filed once the stream is open, which is after the watch's first read.
    expect(await gaugeReaches('registry', 'subscriptions_active', 1)).toBe(1);
    expect(await gauge('registry', 'upstream_watches_active')).toBe(1);
    const atIcr = (path: string, body: unknown) =>
      fetch(`${icr.url}/organizations/${nordicForest}/inventory${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${FAKE_ICR_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (res) => {
        expect(res.status).toBe(200);
        return (await res.json()) as { id: string };
      });
    const filed = await atIcr('/requests/transfer', {
      creditId: demoCredits[0]!.id,
      amount: 1,
      toOrganizationId: carbonBuyer,
    });
    const first = await sub.next();
    expect(first?.data).toEqual({
      creditRequestUpdated: {
        creditRequest: { id: filed.id, action: 'TRANSFER', state: 'PENDING', amount: { amount: '1' } },
      },
    });
    await atIcr(`/request/${filed.id}/review`, { state: 'Accepted' });
    expect((await sub.next())?.data).toEqual({
      creditRequestUpdated: {
        creditRequest: { id: filed.id, action: 'TRANSFER', state: 'PROCESSED', amount: { amount: '1' } },
      },
    });
    sub.close();
    expect(await gaugeReaches('registry', 'upstream_watches_active', 0)).toBe(0);
  });

  it("follows a Lune order that Lune moves to paid and complete, with the registry's retirements resolved; another buyer's order is still NOT_FOUND", async () => {
    const placed = ok(
      await graphql<{ createOffsetOrderByMass: { offsetOrder: { id: string }; userErrors: unknown[] } }>(
        stack.gateway.url,
        ORDER,
        { input: { mass: { amount: '1', unit: 'T' }, idempotencyKey: 'watch-lune-1' } },
        { token: tokens.alice },
      ),
    ).createOffsetOrderByMass;
    expect(placed.userErrors).toEqual([]);
    const id = placed.offsetOrder.id;

    const stranger = await sseSubscribe(stack.gateway.url, PROGRESS, { id }, { token: tokens.bob });
    expect(codesOf(await stranger.rest())).toEqual(['NOT_FOUND']);

    const sub = await sseSubscribe(stack.gateway.url, PROGRESS, { id }, { token: tokens.alice });
    expect((await sub.next())?.data?.offsetOrderProgress).toMatchObject({ step: 'ORDERED', final: false });
    lune.setOrderStatus(localOf(id), 'paid');
    const paid = await sub.next();
    expect(paid?.errors).toBeUndefined();
    expect(paid?.data?.offsetOrderProgress).toEqual({
      step: 'PAID',
      final: false,
      order: { id, status: 'PAID', retirements: expect.any(Array) },
    });
    lune.setOrderStatus(localOf(id), 'retiring');
    lune.setOrderStatus(localOf(id), 'complete');
    const rest = await sub.rest();
    expect(rest.map((r) => r.data?.offsetOrderProgress)).toEqual([
      { step: 'CERTIFICATE_READY', final: true, order: { id, status: 'COMPLETE', retirements: expect.any(Array) } },
    ]);
    // The stream completed: its watch stopped.
    expect(await gaugeReaches('marketplace', 'upstream_watches_active', 0)).toBe(0);
  });

  it('refuses a subscription that needs one more watched object than UPSTREAM_WATCH_MAX with SUBSCRIPTION_LIMIT; a subscriber of a watched object joins', async () => {
    const open: SseSubscription[] = [];
    for (let i = 1; i <= WATCH_MAX; i++) {
      const sub = await sseSubscribe(stack.gateway.url, PROGRESS, { key: `watch-limit-${i}` }, { token: tokens.alice });
      expect((await sub.next())?.data?.offsetOrderProgress).toMatchObject({ step: 'WAITING' });
      open.push(sub);
    }
    const refused = await sseSubscribe(stack.gateway.url, PROGRESS, { key: 'watch-limit-x' }, { token: tokens.alice });
    expect(codesOf(await refused.rest())).toEqual(['SUBSCRIPTION_LIMIT']);
    const joined = await sseSubscribe(stack.gateway.url, PROGRESS, { key: 'watch-limit-1' }, { token: tokens.alice });
    expect((await joined.next())?.data?.offsetOrderProgress).toMatchObject({ step: 'WAITING' });
    expect(await gauge('marketplace', 'upstream_watches_active')).toBe(WATCH_MAX);
    for (const sub of [...open, joined]) sub.close();
    expect(await gaugeReaches('marketplace', 'upstream_watches_active', 0)).toBe(0);
  });

  it('keeps the stream open while CO2Trust fails, and sends the change made meanwhile once it answers again', async () => {
    const orderId = DEMO.orders[1]!;
    const payment = co2trust.state.paymentTransactions.find((t) => t.typeId === orderId)!;
    const sub = await sseSubscribe(
      stack.gateway.url,
      PAYMENT,
      { orderId: toGlobalId('Order', orderId) },
      { token: tokens.alice },
    );
    expect((await sub.next())?.data?.orderPaymentUpdated).toMatchObject({ status: 'COMPLETED' });
    const failedBefore = Number(
      /^upstream_watch_polls_total\{outcome="failed"[^}]*\} (\d+)$/m.exec(await metricsOf('payments'))?.[1] ?? 0,
    );
    // Fewer failures than open the circuit: the watch backs off and reads again.
    co2trust.fail({ method: 'GET', pathPrefix: '/co2trust-payments/v1/payment-transactions', status: 500, times: 3 });
    payment.status = 'FAILED';
    const event = await sub.next();
    expect(event?.errors).toBeUndefined();
    expect(event?.data?.orderPaymentUpdated).toMatchObject({ status: 'FAILED', payment: { id: payment.id } });
    const failedAfter = Number(
      /^upstream_watch_polls_total\{outcome="failed"[^}]*\} (\d+)$/m.exec(await metricsOf('payments'))?.[1] ?? 0,
    );
    expect(failedAfter - failedBefore).toBe(3);
    sub.close();
    expect(await gaugeReaches('payments', 'upstream_watches_active', 0)).toBe(0);
  });

  // Last: it stops payments.
  it('stops the watches when the subgraph stops: no upstream read after its streams ended', async () => {
    const orderId = DEMO.orders[0]!;
    const sub = await sseSubscribe(
      stack.gateway.url,
      PAYMENT,
      { orderId: toGlobalId('Order', orderId) },
      { token: tokens.alice },
    );
    expect((await sub.next())?.data?.orderPaymentUpdated).toMatchObject({ status: 'COMPLETED' });
    expect(await gaugeReaches('payments', 'upstream_watches_active', 1)).toBe(1);
    await stack.stopSubgraph('payments');
    expect(codesOf(await sub.rest())).toEqual(['SHUTTING_DOWN']);
    co2trust.resetCalls();
    await sleep(MAX_MS * 2);
    expect(paymentReads(orderId)).toBe(0);
  });
});
