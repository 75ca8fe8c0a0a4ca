// Local offset orders retire their credits in the registry through the service outbox: one
// `retireCreditsForOffsetOrder` per allocation line, written with the order and delivered after
// commit with retries; the certificate lists the registry's retirements of the order. The
// registry is played by a small stand-in GraphQL server that records calls and keeps retirements.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { gramsToTonnes } from '../../lib/decimal.ts';
import { DEMO } from '../../lib/demo.ts';
import { ServiceOutbox } from '../../subgraphs/marketplace/local/entities.ts';
import { demoOffsetBundles } from '../../subgraphs/marketplace/offsets/local/seed.ts';
import { startFake, type FakeRequest, type RunningFake } from '../fakes/harness.ts';
import { TEST_SECRETS } from '../support/env.ts';
import { data, pdfText, startMarketplace, until, type Marketplace } from './helpers.ts';

interface RetirementInput {
  offsetOrderId: string;
  projectId: string;
  tonnes: number;
  beneficiaryName: string;
  reason: string;
  idempotencyKey: string;
}
interface Allocation {
  bundleId: string;
  projectId: string;
  mass: { amount: string };
}
interface PlacedOrder {
  id: string;
  allocations: Allocation[];
}

const BY_MASS = `mutation M($input: CreateOffsetOrderByMassInput!) {
  createOffsetOrderByMass(input: $input) { offsetOrder { id allocations { bundleId projectId mass { amount } } } userErrors { code message } }
}`;
const CERTIFICATE = `query C($id: ID!) { offsetOrder(id: $id) { certificate { url } } }`;

const RETIRED_AT = '2026-11-02T09:30:00.000Z';

describe('offset order retirements in the registry (local mode)', () => {
  let registry: RunningFake;
  let m: Marketplace;
  /** Retirements the stand-in recorded, by idempotency key (the registry is idempotent by it). */
  const retired = new Map<string, RetirementInput>();
  /** Every retirement request that reached the stand-in's resolver, by idempotency key. */
  const requests: string[] = [];
  /** Projects the stand-in does not know (NOT_FOUND), and one-off refusals by project. */
  const unknownProjects = new Set<string>();
  const refuseOnce = new Map<string, string>();

  const retirementRequest = (req: FakeRequest) => {
    const input = (req.body as { variables: { input: RetirementInput } }).variables.input;
    requests.push(input.idempotencyKey);
    const refusal = unknownProjects.has(input.projectId) ? 'NOT_FOUND' : refuseOnce.get(input.projectId);
    if (refusal) {
      refuseOnce.delete(input.projectId);
      return { retireCreditsForOffsetOrder: { retirements: null, userErrors: [{ field: ['input', 'projectId'], code: refusal, message: `refused: ${refusal}` }] } };
    }
    if (!retired.has(input.idempotencyKey)) retired.set(input.idempotencyKey, input);
    return { retireCreditsForOffsetOrder: { retirements: [], userErrors: [] } };
  };
  const retirementsOfOrders = (req: FakeRequest) => {
    const reps = (req.body as { variables: { representations: { id: string }[] } }).variables.representations;
    return {
      _entities: reps.map(({ id }) => ({
        retirements: [...retired.values()]
          .filter((r) => r.offsetOrderId === id)
          .map((r) => ({ registry: 'ICR', serialization: `TEST-${r.projectId.slice(-4)}-1-${r.tonnes}`, amount: { amount: String(r.tonnes), unit: 'T' }, beneficiaryName: r.beneficiaryName, retiredAt: RETIRED_AT })),
      })),
    };
  };

  beforeAll(async () => {
    registry = await startFake('registry', [
      {
        method: 'POST',
        path: '/graphql',
        handler: (req: FakeRequest) => {
          if (req.headers.authorization !== `Bearer ${TEST_SECRETS.SERVICE_TOKEN}`) {
            return { status: 200, body: { errors: [{ message: 'This operation is for trusted services only', extensions: { code: 'FORBIDDEN' } }] } };
          }
          const query = (req.body as { query: string }).query;
          if (query.includes('retireCreditsForOffsetOrder')) return { status: 200, body: { data: retirementRequest(req) } };
          if (query.includes('_entities')) return { status: 200, body: { data: retirementsOfOrders(req) } };
          return { status: 200, body: { errors: [{ message: 'unexpected operation' }] } };
        },
      },
    ]);
    m = await startMarketplace('local', { REGISTRY_URL: `${registry.url}/graphql`, PAYMENT_OUTBOX_INTERVAL_MS: '40' });
  });
  afterAll(async () => {
    await m?.stop();
    await registry?.stop();
  });

  const place = async (who: 'alice' | 'bob', tonnes: string, idempotencyKey?: string): Promise<PlacedOrder> => {
    const result = data(await m.as(who, BY_MASS, { input: { mass: { amount: tonnes, unit: 'T' }, idempotencyKey } })).createOffsetOrderByMass;
    expect(result.userErrors).toEqual([]);
    return result.offsetOrder as PlacedOrder;
  };
  const messagesOf = (orderId: string) => m.app.database!.fork().find(ServiceOutbox, { dedupeKey: { $like: `retireCreditsForOffsetOrder:${orderId}:%` } }, { orderBy: { dedupeKey: 'asc' } });
  const requestsFor = (orderId: string) => requests.filter((key) => key.startsWith(`${orderId}:`));
  const retirementCalls = () => registry.callsTo('/graphql').filter((c) => JSON.stringify(c.body).includes('retireCreditsForOffsetOrder'));
  const certificateText = async (orderId: string) => {
    const url = (data(await m.as('alice', CERTIFICATE, { id: orderId })).offsetOrder.certificate as { url: string }).url;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    return pdfText(Buffer.from(await res.arrayBuffer()));
  };

  it('retires each allocation line once, in whole tonnes rounded up, retrying through a registry outage', async () => {
    // All the Kenya stock and 2.5 t more: two lines, of which neither is whole tonnes.
    const kenyaGrams = demoOffsetBundles.find((b) => b.id === DEMO.offsetBundles[0])!.availableGrams;
    const tonnes = gramsToTonnes(kenyaGrams + 2_500_000n).toString();
    registry.fail({ pathPrefix: '/graphql', status: 503, times: 2 });
    const order = await place('alice', tonnes, `retire-${randomUUID()}`);
    expect(order.allocations.map((a) => a.bundleId)).toEqual([DEMO.offsetBundles[0], DEMO.offsetBundles[1]]);

    await until(() => requestsFor(order.id).length === 2, 'both retirements');
    const expected = [
      { projectId: DEMO.offsetProjects[0], tonnes: Math.ceil(Number(kenyaGrams) / 1e6), bundleId: DEMO.offsetBundles[0] },
      { projectId: DEMO.projects[0], tonnes: 3, bundleId: DEMO.offsetBundles[1] },
    ];
    for (const e of expected) {
      expect(retired.get(`${order.id}:${e.bundleId}`)).toEqual({
        offsetOrderId: order.id,
        projectId: e.projectId,
        tonnes: e.tonnes,
        beneficiaryName: 'Alice Buyer',
        reason: `Offset order ${order.id}`,
        idempotencyKey: `${order.id}:${e.bundleId}`,
      });
    }
    // Two refused attempts, then one delivery per line, all with the service token.
    expect(registry.callsTo('/graphql').map((c) => c.status)).toEqual([503, 503, 200, 200]);
    expect(registry.callsTo('/graphql').every((c) => c.headers.authorization === `Bearer ${TEST_SECRETS.SERVICE_TOKEN}`)).toBe(true);
    const messages = await messagesOf(order.id);
    expect(messages.map((row) => ({ target: row.target, mutation: row.mutation, status: row.status, attempts: row.attempts }))).toEqual([
      { target: 'registry', mutation: 'retireCreditsForOffsetOrder', status: 'DELIVERED', attempts: 2 },
      { target: 'registry', mutation: 'retireCreditsForOffsetOrder', status: 'DELIVERED', attempts: 2 },
    ]);

    // Nothing more is sent however often the dispatcher runs.
    await m.app.outbox!.deliverDue();
    expect(requestsFor(order.id)).toHaveLength(2);
  });

  it('retries a retirement the registry refuses for now (INSUFFICIENT_BALANCE) until it is recorded', async () => {
    refuseOnce.set(DEMO.projects[0], 'INSUFFICIENT_BALANCE');
    const order = await place('bob', '1.2');
    await until(() => retired.has(`${order.id}:${DEMO.offsetBundles[1]}`), 'the retirement after a refusal');
    expect(retired.get(`${order.id}:${DEMO.offsetBundles[1]}`)).toMatchObject({ projectId: DEMO.projects[0], tonnes: 2, beneficiaryName: 'Bob Buyer' });
    expect(requestsFor(order.id)).toHaveLength(2);
    const [message] = await messagesOf(order.id);
    expect(message).toMatchObject({ status: 'DELIVERED', attempts: 2 });
  });

  it('a NOT_FOUND from the registry closes the message as rejected, with its reason, and it is never sent again', async () => {
    unknownProjects.add(DEMO.projects[0]);
    try {
      const order = await place('alice', '1');
      await until(async () => (await messagesOf(order.id))[0]?.status === 'REJECTED', 'the rejection');
      const [message] = await messagesOf(order.id);
      expect(message).toMatchObject({ status: 'REJECTED', attempts: 1 });
      expect(message!.closedAt).not.toBeNull();
      expect(message!.lastError).toContain('NOT_FOUND');
      // Even when its retry time has come, a rejected message stays closed.
      await m.app.database!.fork().nativeUpdate(ServiceOutbox, { id: message!.id }, { nextAttemptAt: new Date(0) });
      await m.app.outbox!.deliverDue();
      await m.app.outbox!.deliverDue();
      expect(requestsFor(order.id)).toHaveLength(1);
      expect([...retired.values()].some((r) => r.offsetOrderId === order.id)).toBe(false);
    } finally {
      unknownProjects.clear();
    }
  });

  it('an idempotent replay of an order enqueues and sends nothing new', async () => {
    const key = `retire-replay-${randomUUID()}`;
    const order = await place('alice', '0.4', key);
    await until(() => requestsFor(order.id).length === 1, 'the retirement');
    const replay = await place('alice', '0.4', key);
    expect(replay.id).toBe(order.id);
    await m.app.outbox!.deliverDue();
    expect(await messagesOf(order.id)).toHaveLength(1);
    expect(requestsFor(order.id)).toHaveLength(1);
    expect(retired.get(`${order.id}:${DEMO.offsetBundles[1]}`)!.tonnes).toBe(1);
  });

  it('20 concurrent identical orders make one order whose lines are delivered once each', async () => {
    const key = `retire-race-${randomUUID()}`;
    const before = retirementCalls().length;
    const orders = await Promise.all(Array.from({ length: 20 }, () => place('bob', '2.25', key)));
    const id = orders[0]!.id;
    expect(new Set(orders.map((o) => o.id))).toEqual(new Set([id]));
    await until(() => requestsFor(id).length === orders[0]!.allocations.length, 'the retirements of the order');
    await m.app.outbox!.deliverDue();
    expect(await messagesOf(id)).toHaveLength(orders[0]!.allocations.length);
    expect(requestsFor(id)).toEqual(orders[0]!.allocations.map((a) => `${id}:${a.bundleId}`));
    expect(retirementCalls().length - before).toBe(orders[0]!.allocations.length);
  });

  it('the certificate lists the registry retirements of the order', async () => {
    const order = await place('alice', '3.5', `retire-certificate-${randomUUID()}`);
    await until(() => retired.has(`${order.id}:${DEMO.offsetBundles[1]}`), 'the retirement');
    const text = await certificateText(order.id);
    expect(text).toContain('Registry retirements');
    expect(text).toContain(`ICR TEST-${DEMO.projects[0].slice(-4)}-1-4: 4 t for Alice Buyer, retired 2026-11-02`);
    expect(text).not.toContain('not available');
  });

  it('when the registry cannot answer, the certificate says its retirement records are not available right now', async () => {
    const order = await place('alice', '0.3', `retire-outage-${randomUUID()}`);
    await until(() => retired.has(`${order.id}:${DEMO.offsetBundles[1]}`), 'the retirement');
    registry.fail({ pathPrefix: '/graphql', status: 503, times: 1 });
    const text = await certificateText(order.id);
    expect(text).toContain('Carbon Offset Certificate');
    expect(text).toContain('The registry retirement records are not available right now.');
    expect(text).not.toContain('TEST-');
  });
});
