// Subscriptions through the gateway, over GraphQL over SSE: a buyer follows an offset order from
// before it is placed to its certificate, with fields of other subgraphs resolved for each event;
// refusals are coded; the stream ends when the token expires.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startStack, type Stack } from '../support/stack.ts';
import { TEST_SECRETS, TEST_SIGNING_KEY, tokenFor } from '../support/env.ts';
import { signRequest } from '../../lib/signature.ts';
import { DEMO } from '../../demo/data.ts';
import { toGlobalId } from '../../lib/global-id.ts';
import { demoCredits } from '../../subgraphs/registry/local/seed.ts';
import { graphql, ok } from '../support/graphql.ts';
import { sseSubscribe, type ExecutionResultLike } from './sse-client.ts';
import { wsSubscribe } from './ws-client.ts';

const PROGRESS = `subscription Progress($key: String, $id: ID) {
  offsetOrderProgress(idempotencyKey: $key, id: $id) {
    step final detail
    order { id status retirementStatus retirementShares { projectName retirement { id retirements { id } } } }
  }
}`;

const ORDER = `mutation Order($input: CreateOffsetOrderByMassInput!) { createOffsetOrderByMass(input: $input) { offsetOrder { id } userErrors { code message } } }`;

const buyer = { id: 'live-buyer-1', email: 'live-buyer-1@example.test', role: 'USER' as const };
const other = { id: 'live-buyer-2', email: 'live-buyer-2@example.test', role: 'USER' as const };

describe('offset order progress through the gateway (SSE)', () => {
  let stack: Stack;
  let token: string;

  beforeAll(async () => {
    stack = await startStack('local', {
      PAYMENT_OUTBOX_INTERVAL_MS: '50',
      SUBSCRIPTIONS_MAX_PER_CALLER: '3',
      SUBSCRIPTIONS_HEARTBEAT_MS: '50',
    });
    token = await tokenFor(buyer);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('sends each step of an order placed after subscribing, in order, with registry fields resolved', async () => {
    const sub = await sseSubscribe(stack.gateway.url, PROGRESS, { key: 'live-1' }, { token });
    expect(sub.status).toBe(200);
    const first = await sub.next();
    expect(first).toEqual({
      data: { offsetOrderProgress: { step: 'WAITING', final: false, detail: null, order: null } },
    });
    ok(
      await graphql(
        stack.gateway.url,
        ORDER,
        { input: { mass: { amount: '1', unit: 'T' }, idempotencyKey: 'live-1' } },
        { token },
      ),
    );
    const rest = await sub.rest();
    const steps = rest.map((r) => (r.data?.offsetOrderProgress as { step: string }).step);
    // Steps only move forward, one event per change, and the stream completes after the final one.
    const order = STEPS.map((s) => steps.indexOf(s)).filter((i) => i >= 0);
    expect(order).toEqual([...order].sort((x, y) => x - y));
    expect(new Set(steps).size).toBe(steps.length);
    expect(steps.at(-1)).toBe('CERTIFICATE_READY');
    expect(rest.every((r) => !r.errors)).toBe(true);
    const last = rest.at(-1)!.data!.offsetOrderProgress as {
      final: boolean;
      order: {
        status: string;
        retirementStatus: string;
        retirementShares: { retirement: { retirements: { id: string }[] } }[];
      };
    };
    expect(last.final).toBe(true);
    expect(last.order).toMatchObject({ status: 'COMPLETE', retirementStatus: 'RETIRED' });
    // `retirements` is the registry's: resolved by the gateway for the event like any query.
    expect(last.order.retirementShares[0]!.retirement.retirements.length).toBeGreaterThan(0);
  });

  it('sends the same steps over WebSocket (graphql-ws), and counts streams and events on /metrics', async () => {
    const results = await overWebSocket(stack.gateway.url, PROGRESS, { key: 'live-ws' }, token, async () => {
      ok(
        await graphql(
          stack.gateway.url,
          ORDER,
          { input: { mass: { amount: '1', unit: 'T' }, idempotencyKey: 'live-ws' } },
          { token },
        ),
      );
    });
    const steps = results.map((r) => (r.data?.offsetOrderProgress as { step: string }).step);
    expect(steps[0]).toBe('WAITING');
    expect(steps.at(-1)).toBe('CERTIFICATE_READY');
    expect(results.every((r) => !r.errors)).toBe(true);
    const metrics = await (await fetch(new URL('/metrics', stack.gateway.url))).text();
    expect(metrics).toMatch(/gateway_subscription_events_total\{transport="websocket"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/gateway_subscription_events_total\{transport="sse"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/gateway_subscriptions_active\{transport="websocket"[^}]*\} 0/);
  });

  it("refuses an anonymous subscriber and another buyer's order with a code", async () => {
    const anonymous = await sseSubscribe(stack.gateway.url, PROGRESS, { key: 'live-anon' });
    expect(codesOf(await anonymous.rest())).toEqual(['UNAUTHENTICATED']);

    const placed = ok(
      await graphql<{ createOffsetOrderByMass: { offsetOrder: { id: string } } }>(
        stack.gateway.url,
        ORDER,
        { input: { mass: { amount: '0.5', unit: 'T' }, idempotencyKey: 'live-2' } },
        { token },
      ),
    );
    const id = placed.createOffsetOrderByMass.offsetOrder.id;
    const stranger = await sseSubscribe(stack.gateway.url, PROGRESS, { id }, { token: await tokenFor(other) });
    const got = await stranger.rest();
    expect(codesOf(got)).toEqual(['NOT_FOUND']);
    const both = await sseSubscribe(stack.gateway.url, PROGRESS, { id, key: 'live-2' }, { token });
    expect(codesOf(await both.rest())).toEqual(['BAD_USER_INPUT']);

    // The buyer's own order waits for a pooled tonne (half a tonne sold): the step says why.
    const own = await sseSubscribe(stack.gateway.url, PROGRESS, { id }, { token });
    const current = (await own.next())!.data!.offsetOrderProgress as { step: string; detail: string };
    own.close();
    expect(['WAITING_FOR_POOLED_TONNE', 'CERTIFICATE_READY']).toContain(current.step);
    if (current.step === 'WAITING_FOR_POOLED_TONNE') expect(current.detail).toMatch(/whole tonnes/);
  });

  it('ends the stream with UNAUTHENTICATED when the token expires', async () => {
    const shortLived = await tokenFor(buyer, { ttlSeconds: 2 });
    const sub = await sseSubscribe(stack.gateway.url, PROGRESS, { key: 'live-expiry' }, { token: shortLived });
    expect((await sub.next())?.data).toEqual({
      offsetOrderProgress: { step: 'WAITING', final: false, detail: null, order: null },
    });
    // Nothing happens to the order; the next (and last) event is the expiry.
    expect(codesOf(await sub.rest())).toEqual(['UNAUTHENTICATED']);
  });

  it("refuses a caller's subscription beyond SUBSCRIPTIONS_MAX_PER_CALLER with SUBSCRIPTION_LIMIT, and admits one again once a stream ends", async () => {
    const busy = await tokenFor({ id: 'live-busy', email: 'live-busy@example.test', role: 'USER' });
    const open = await Promise.all(
      [1, 2, 3].map((i) => sseSubscribe(stack.gateway.url, PROGRESS, { key: `busy-${i}` }, { token: busy })),
    );
    for (const sub of open) expect(await sub.next()).toEqual(WAITING);
    const refused = await sseSubscribe(stack.gateway.url, PROGRESS, { key: 'busy-4' }, { token: busy });
    expect(codesOf(await refused.rest())).toEqual(['SUBSCRIPTION_LIMIT']);
    // Another caller is not held back by this one.
    const another = await sseSubscribe(stack.gateway.url, PROGRESS, { key: 'busy-other' }, { token });
    expect(await another.next()).toEqual(WAITING);
    another.close();
    open[0]!.close();
    // The subgraph sees the closed stream once the gateway ends its own: a new one is admitted then.
    let admitted: ExecutionResultLike | null = null;
    for (let attempt = 0; attempt < 50 && !admitted?.data; attempt++) {
      const again = await sseSubscribe(stack.gateway.url, PROGRESS, { key: 'busy-5' }, { token: busy });
      admitted = await again.next();
      again.close();
    }
    expect(admitted).toEqual(WAITING);
    for (const sub of open) sub.close();
  });

  it("sends a marketplace order's payment as payments records it, with the order resolved from the marketplace", async () => {
    const alice = DEMO.users.alice;
    const orderId = toGlobalId('Order', DEMO.orders[0]!);
    const query = `subscription($orderId: ID!) { orderPaymentUpdated(orderId: $orderId) { status payment { externalReference amount { amount currency } } order { id status } } }`;
    const sub = await sseSubscribe(stack.gateway.url, query, { orderId }, { token: await tokenFor(alice) });
    const first = (await sub.next())!.data!.orderPaymentUpdated as { order: { id: string; status: string } };
    expect(first.order).toMatchObject({ id: orderId });
    // `status` of the order is the marketplace's: resolved by the gateway for the event.
    expect(typeof first.order.status).toBe('string');
    const RECORD = `mutation($input: RecordPaymentTransactionInput!) { recordPaymentTransaction(input: $input) { userErrors { code } } }`;
    const input = {
      externalReference: 'live-payment-1',
      type: 'ORDER',
      typeId: DEMO.orders[0],
      payerId: alice.id,
      amount: '12.50',
      currency: 'EUR',
      status: 'COMPLETED',
    };
    expect(ok(await graphql(stack.gateway.url, RECORD, { input }, { token: TEST_SECRETS.SERVICE_TOKEN }))).toEqual({
      recordPaymentTransaction: { userErrors: [] },
    });
    const next = (await sub.next())!;
    sub.close();
    expect(next.errors).toBeUndefined();
    expect(next.data!.orderPaymentUpdated).toMatchObject({
      status: 'COMPLETED',
      payment: { externalReference: 'live-payment-1', amount: { amount: '12.50', currency: 'EUR' } },
    });
  });

  it("sends an organization's credit requests to its members only, and ends the stream when access is revoked", async () => {
    const { nordicForest, carbonBuyer } = DEMO.organizations;
    const query = `subscription($org: ID!) { creditRequestUpdated(organizationId: $org) { creditRequest { action state amount { amount } } } }`;
    const alice = await sseSubscribe(
      stack.gateway.url,
      query,
      { org: nordicForest },
      { token: await tokenFor(DEMO.users.alice) },
    );
    expect(codesOf(await alice.rest())).toEqual(['FORBIDDEN']);

    const bobToken = await tokenFor(DEMO.users.bob);
    const bob = await sseSubscribe(stack.gateway.url, query, { org: nordicForest }, { token: bobToken });
    expect(bob.status).toBe(200);
    const REQUEST = `mutation($input: CreditActionInput!) { requestCreditAction(input: $input) { creditRequest { id } userErrors { code } } }`;
    // This stream sends no first event: the request is filed once the registry counts the stream open.
    const metrics = new URL('/metrics', stack.subgraphs.registry.url);
    for (let i = 0; i < 200 && !/^subscriptions_active\S* 1$/m.test(await (await fetch(metrics)).text()); i++)
      await new Promise((r) => setTimeout(r, 25));
    const first = bob.next();
    const filed = await graphql<{ requestCreditAction: { userErrors: unknown[] } }>(
      stack.gateway.url,
      REQUEST,
      {
        input: {
          organizationId: nordicForest,
          action: 'TRANSFER',
          creditId: demoCredits[0]!.id,
          amount: '1',
          toOrganizationId: carbonBuyer,
        },
      },
      { token: bobToken },
    );
    expect(ok(filed).requestCreditAction.userErrors).toEqual([]);
    expect((await first)?.data).toEqual({
      creditRequestUpdated: { creditRequest: { action: 'TRANSFER', state: 'PENDING', amount: { amount: '1' } } },
    });

    const REVOKE = `mutation($input: OrganizationAccessInput!) { revokeOrganizationAccess(input: $input) { userErrors { code } } }`;
    ok(
      await graphql(
        stack.gateway.url,
        REVOKE,
        { input: { organizationId: nordicForest, userId: DEMO.users.bob.id } },
        { token: await tokenFor(DEMO.users.admin) },
      ),
    );
    expect(codesOf(await bob.rest())).toEqual(['FORBIDDEN']);
  });

  it('keeps an idle subgraph stream alive with heartbeats, for a request the gateway signed', async () => {
    // The marketplace's own fields only: the subgraph alone cannot answer another's.
    const query =
      'subscription($key: String) { offsetOrderProgress(idempotencyKey: $key) { step final detail order { id } } }';
    const body = JSON.stringify({ query, variables: { key: 'live-heartbeat' } });
    const signature = signRequest(TEST_SIGNING_KEY, {
      method: 'POST',
      path: '/graphql',
      body,
      authorization: `Bearer ${token}`,
    });
    const sub = await sseSubscribe(
      stack.subgraphs.marketplace.url,
      query,
      { key: 'live-heartbeat' },
      { token, headers: signature },
    );
    expect(await sub.next()).toEqual(WAITING);
    // Nothing happens to the order: what arrives are heartbeats (SSE comments), counted, never events.
    const next = sub.next();
    for (let i = 0; i < 400 && sub.heartbeats() < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(sub.heartbeats()).toBeGreaterThanOrEqual(2);
    sub.close();
    expect(await next).toBeNull();
  });

  // Last: it stops the marketplace.
  it('completes open streams with SHUTTING_DOWN when the owning subgraph stops', async () => {
    const sub = await sseSubscribe(stack.gateway.url, PROGRESS, { key: 'live-shutdown' }, { token });
    expect(await sub.next()).toEqual(WAITING);
    await stack.stopSubgraph('marketplace');
    expect(codesOf(await sub.rest())).toEqual(['SHUTTING_DOWN']);
  });
});

/** Every result of one subscription over graphql-ws until it completes (or errors); `started` runs after the first. */
async function overWebSocket(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  token: string,
  started: () => Promise<void>,
): Promise<ExecutionResultLike[]> {
  const sub = wsSubscribe(url, query, variables, token);
  try {
    await sub.received(1);
    await started();
    await sub.ended;
  } finally {
    await sub.close();
  }
  return sub.results;
}

const WAITING = { data: { offsetOrderProgress: { step: 'WAITING', final: false, detail: null, order: null } } };

const STEPS = [
  'WAITING',
  'MEASURED',
  'ORDERED',
  'PAID',
  'WAITING_FOR_POOLED_TONNE',
  'RETIREMENT_BLOCKED',
  'CERTIFICATE_READY',
  'REFUSED',
];

const codesOf = (results: { errors?: { extensions?: { code?: string } }[] }[]) =>
  results.flatMap((r) => (r.errors ?? []).map((e) => e.extensions?.code));
