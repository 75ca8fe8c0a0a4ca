// Local offset orders retire their credits in the registry through pooled retirements: sold grams
// join their project's pool, and each whole tonne they fill is one named `retireCreditsForOffsetOrder`
// written with the order that filled it and delivered after commit with retries (a refusal too:
// the retirement shows BLOCKED until the registry accepts it). The certificate lists the order's
// share of each retirement. The registry is played by a small stand-in GraphQL server that
// records calls and keeps retirements.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { ServiceOutbox } from '../../subgraphs/marketplace/outbox/entities.ts';
import { POOLED_RETIREMENT_BENEFICIARY } from '../../subgraphs/marketplace/outbox/service-messages.ts';
import { OffsetPoolShare, OffsetRetirementPool } from '../../subgraphs/marketplace/offsets/local/entities.ts';
import { startFake, type FakeRequest, type RunningFake } from '../../fakes/harness.ts';
import { TEST_SECRETS } from '../support/env.ts';
import { gid, localOf } from '../support/ids.ts';
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

interface PoolRetirement {
  id: string;
  name: string;
  projectId: string;
  mass: { amount: string; unit: string };
  status: string;
  blockedReason: string | null;
}
interface RetirementState {
  retirementStatus: string | null;
  retirementBlockedReason: string | null;
  retirementShares: { projectId: string; mass: { amount: string; unit: string }; retirement: PoolRetirement | null }[];
}

const BY_MASS = `mutation M($input: CreateOffsetOrderByMassInput!) {
  createOffsetOrderByMass(input: $input) { offsetOrder { id allocations { bundleId projectId mass { amount } } } userErrors { code message } }
}`;
const STATE = `query S($id: ID!) { offsetOrder(id: $id) { retirementStatus retirementBlockedReason
  retirementShares { projectId mass { amount unit } retirement { id name projectId mass { amount unit } status blockedReason } } } }`;
const KENYA = DEMO.offsetProjects[0];
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
      return {
        retireCreditsForOffsetOrder: {
          retirements: null,
          userErrors: [{ field: ['input', 'projectId'], code: refusal, message: `refused: ${refusal}` }],
        },
      };
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
          .map((r) => ({
            registry: 'ICR',
            serialization: `TEST-${r.projectId.slice(-4)}-1-${r.tonnes}`,
            amount: { amount: String(r.tonnes), unit: 'T' },
            beneficiaryName: r.beneficiaryName,
            retiredAt: RETIRED_AT,
          })),
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
            return {
              status: 200,
              body: {
                errors: [{ message: 'This operation is for trusted services only', extensions: { code: 'FORBIDDEN' } }],
              },
            };
          }
          const query = (req.body as { query: string }).query;
          if (query.includes('retireCreditsForOffsetOrder'))
            return { status: 200, body: { data: retirementRequest(req) } };
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
    const result = data(
      await m.as(who, BY_MASS, { input: { mass: { amount: tonnes, unit: 'T' }, idempotencyKey } }),
    ).createOffsetOrderByMass;
    expect(result.userErrors).toEqual([]);
    return result.offsetOrder as PlacedOrder;
  };
  const stateOf = async (orderId: string): Promise<RetirementState> =>
    data(await m.as('admin', STATE, { id: orderId })).offsetOrder;
  const retirementMessages = () =>
    m.app
      .database!.fork()
      .find(ServiceOutbox, { mutation: 'retireCreditsForOffsetOrder' }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  const pool = (projectId: string) => m.app.database!.fork().findOne(OffsetRetirementPool, { projectId });
  /** Grams of the project's pool that wait for a whole tonne. */
  const waiting = async (projectId: string) => {
    const p = await pool(projectId);
    return p ? BigInt(p.pooledGrams) - BigInt(p.retiredGrams) : 0n;
  };
  const retirementCalls = () =>
    registry.callsTo('/graphql').filter((c) => JSON.stringify(c.body).includes('retireCreditsForOffsetOrder'));
  const certificateText = async (orderId: string) => {
    const url = (data(await m.as('alice', CERTIFICATE, { id: orderId })).offsetOrder.certificate as { url: string })
      .url;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    return pdfText(Buffer.from(await res.arrayBuffer()));
  };
  const share = (grams: number, retirement: Partial<PoolRetirement> | null) => ({
    projectId: KENYA,
    mass: { amount: String(grams), unit: 'G' },
    retirement: retirement === null ? null : expect.objectContaining(retirement),
  });

  it('pools the grams of a project; the tonne they fill is one named retirement, delivered once through a registry outage', async () => {
    const first = await place('alice', '0.4', `pool-${randomUUID()}`);
    expect(first.allocations.map((a) => a.projectId)).toEqual([KENYA]);
    // 400 kg wait in the pool: nothing is sent to the registry.
    expect(await retirementMessages()).toEqual([]);
    expect(await stateOf(first.id)).toEqual({
      retirementStatus: 'PENDING',
      retirementBlockedReason: null,
      retirementShares: [share(400_000, null)],
    });

    registry.fail({ pathPrefix: '/graphql', status: 503, times: 2 });
    const second = await place('bob', '0.7');
    const [message] = await retirementMessages();
    expect(await retirementMessages()).toHaveLength(1);
    const poolId = JSON.parse(message!.payload).offsetOrderId as string;
    await until(() => retired.has(poolId), 'the pooled retirement');
    // The outcome is recorded just after the registry answers.
    await until(
      async () =>
        (await m.app.database!.fork().findOneOrFail(ServiceOutbox, { id: message!.id })).status === 'DELIVERED',
      'the delivered message',
    );
    expect(retired.get(poolId)).toEqual({
      offsetOrderId: poolId,
      projectId: KENYA,
      tonnes: 1,
      beneficiaryName: POOLED_RETIREMENT_BENEFICIARY,
      reason: 'Pooled offset retirement Efficient Cookstoves Kenya pooled retirement #1',
      idempotencyKey: poolId,
    });
    // Two refused attempts, then one delivery, with the service token.
    expect(registry.callsTo('/graphql').map((c) => c.status)).toEqual([503, 503, 200]);
    expect(
      registry.callsTo('/graphql').every((c) => c.headers.authorization === `Bearer ${TEST_SECRETS.SERVICE_TOKEN}`),
    ).toBe(true);
    expect(await m.app.database!.fork().findOneOrFail(ServiceOutbox, { id: message!.id })).toMatchObject({
      status: 'DELIVERED',
      attempts: 3,
      dedupeKey: `retireCreditsForOffsetOrder:${poolId}`,
    });

    const retirement = {
      id: gid('OffsetPoolRetirement', poolId),
      name: 'Efficient Cookstoves Kenya pooled retirement #1',
      projectId: KENYA,
      mass: { amount: '1', unit: 'T' },
      status: 'RETIRED',
      blockedReason: null,
    };
    expect(await stateOf(first.id)).toEqual({
      retirementStatus: 'RETIRED',
      retirementBlockedReason: null,
      retirementShares: [share(400_000, retirement)],
    });
    expect(await stateOf(second.id)).toEqual({
      retirementStatus: 'PENDING',
      retirementBlockedReason: null,
      retirementShares: [share(600_000, retirement), share(100_000, null)],
    });
    expect(await waiting(KENYA)).toBe(100_000n);

    // The pooled retirement is an entity of the marketplace (the registry adds its records); an unknown id is null.
    const entities = data(
      await m.as(
        'admin',
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on OffsetPoolRetirement { id name projectId projectName mass { amount unit } status blockedReason } } }`,
        {
          r: [
            { __typename: 'OffsetPoolRetirement', id: poolId },
            { __typename: 'OffsetPoolRetirement', id: randomUUID() },
          ],
        },
      ),
    )._entities;
    expect(entities).toEqual([{ ...retirement, projectName: 'Efficient Cookstoves Kenya' }, null]);

    // Nothing more is sent however often the dispatcher runs.
    await m.app.outbox!.deliverDue();
    expect(retirementCalls()).toHaveLength(3);
    expect(requests.filter((key) => key === poolId)).toHaveLength(1);
  });

  it('a retirement the registry refuses is BLOCKED, with its reason, and retried until the registry accepts it', async () => {
    unknownProjects.add(KENYA);
    const before = (await retirementMessages()).length;
    const order = await place('alice', '2');
    const message = (await retirementMessages())[before]!;
    // 100 kg left in the pool + 2 t: two whole tonnes in one retirement, 100 kg wait.
    expect(JSON.parse(message.payload)).toMatchObject({ projectId: KENYA, tonnes: 2 });
    await until(async () => (await stateOf(order.id)).retirementStatus === 'BLOCKED', 'the blocked state');
    const blocked = await stateOf(order.id);
    expect(blocked.retirementBlockedReason).toContain('NOT_FOUND');
    expect(blocked.retirementShares).toEqual([
      share(1_900_000, {
        name: 'Efficient Cookstoves Kenya pooled retirement #2',
        status: 'BLOCKED',
        mass: { amount: '2', unit: 'T' },
      }),
      share(100_000, null),
    ]);
    // Never closed: the message stays pending and is sent again with backoff.
    await until(
      () => requests.filter((key) => key === JSON.parse(message.payload).idempotencyKey).length >= 2,
      'a second attempt',
    );
    expect((await m.app.database!.fork().findOneOrFail(ServiceOutbox, { id: message.id })).status).toBe('PENDING');

    unknownProjects.clear();
    await until(
      async () => (await stateOf(order.id)).retirementShares[0]!.retirement!.status === 'RETIRED',
      'the retirement after the refusal',
    );
    expect(await stateOf(order.id)).toMatchObject({ retirementStatus: 'PENDING', retirementBlockedReason: null });
    expect(retired.get(JSON.parse(message.payload).idempotencyKey)).toMatchObject({ projectId: KENYA, tonnes: 2 });
  });

  it('an idempotent replay of an order pools and sends nothing new', async () => {
    const key = `retire-replay-${randomUUID()}`;
    const pooled = (await pool(KENYA))!.pooledGrams;
    const order = await place('alice', '0.4', key);
    const messages = (await retirementMessages()).length;
    const replay = await place('alice', '0.4', key);
    expect(replay.id).toBe(order.id);
    await m.app.outbox!.deliverDue();
    expect(await retirementMessages()).toHaveLength(messages);
    expect(await m.app.database!.fork().count(OffsetPoolShare, { orderId: localOf(order.id) })).toBe(1);
    expect(BigInt((await pool(KENYA))!.pooledGrams) - BigInt(pooled)).toBe(400_000n);
  });

  it('20 concurrent identical orders make one order whose grams join the pool once', async () => {
    const key = `retire-race-${randomUUID()}`;
    const pooled = BigInt((await pool(KENYA))!.pooledGrams);
    const messages = (await retirementMessages()).length;
    const orders = await Promise.all(Array.from({ length: 20 }, () => place('bob', '2.25', key)));
    const id = orders[0]!.id;
    expect(new Set(orders.map((o) => o.id))).toEqual(new Set([id]));
    expect(BigInt((await pool(KENYA))!.pooledGrams) - pooled).toBe(2_250_000n);
    expect(await m.app.database!.fork().count(OffsetPoolShare, { orderId: localOf(id) })).toBe(1);
    // 0.5 t were waiting: 2.75 t fill two whole tonnes, one retirement.
    expect(await retirementMessages()).toHaveLength(messages + 1);
    await until(
      async () => (await stateOf(id)).retirementShares[0]!.retirement?.status === 'RETIRED',
      'the retirement of the order',
    );
    expect(retired.get(JSON.parse((await retirementMessages()).at(-1)!.payload).idempotencyKey)).toMatchObject({
      tonnes: 2,
    });
  });

  it('the certificate shows the order’s share of each named retirement with its registry serials, and the grams still pooled', async () => {
    const order = await place('alice', '1.5', `retire-certificate-${randomUUID()}`);
    await until(
      async () => (await stateOf(order.id)).retirementShares.some((s) => s.retirement?.status === 'RETIRED'),
      'the retirement',
    );
    const state = await stateOf(order.id);
    const text = await certificateText(order.id);
    expect(text).toContain('Registry retirements');
    for (const s of state.retirementShares) {
      if (s.retirement) {
        const r = retired.get(localOf(s.retirement.id))!;
        expect(text).toContain(
          `${s.retirement.name} (${r.tonnes} t of Efficient Cookstoves Kenya): ${s.mass.amount} g of this order, retired: ICR TEST-${KENYA.slice(-4)}-1-${r.tonnes} on 2026-11-02.`,
        );
      } else {
        expect(text).toContain(`Pending: ${s.mass.amount} g in the pool of project Efficient Cookstoves Kenya`);
      }
    }
    expect(state.retirementShares.some((s) => s.retirement === null)).toBe(true);
    expect(text).not.toContain('not available');
  });

  it('when the registry cannot answer, the certificate says its retirement records are not available right now', async () => {
    const order = await place('alice', '1', `retire-outage-${randomUUID()}`);
    await until(
      async () => (await stateOf(order.id)).retirementShares.every((s) => s.retirement?.status !== 'PENDING'),
      'the retirement',
    );
    registry.fail({ pathPrefix: '/graphql', status: 503, times: 1 });
    const text = await certificateText(order.id);
    expect(text).toContain('Carbon Offset Certificate');
    expect(text).toContain('The registry retirement records are not available right now.');
    expect(text).not.toContain('TEST-');
  });
});
