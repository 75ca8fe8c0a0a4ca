// The registry's writes to the ICR under faults (upstream mode): the idempotency journal makes a
// keyed write take effect once, a write that may have reached the ICR is never sent again, and
// its outcome is learned from the ICR's credit requests. The fake counts the ICR's effects.
import { afterEach, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { demoCredits } from '../../subgraphs/registry/local/seed.ts';
import { createRegistryApp } from '../../subgraphs/registry/server.ts';
import { startCo2TrustFake, type Co2TrustFake } from '../../fakes/co2trust.ts';
import { FAKE_ICR_TOKEN, effectCount, startIcrDemoFake as startIcrFake, type IcrFake } from '../../fakes/icr-demo.ts';
import { tokenFor } from '../support/env.ts';
import { codes, graphql, type GraphQLResponse } from '../support/graphql.ts';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph.ts';
import { undocumented } from './icr-contract.ts';

const NORDIC = DEMO.organizations.nordicForest;
const C1 = demoCredits[0]!;
const ACTIONS = `/organizations/${NORDIC}/inventory/action`;
const TRANSACT = `mutation T($input: CreditActionInput!) { transactCredits(input: $input) { creditRequest { id state } userErrors { code } } }`;
type Answer = GraphQLResponse<{
  transactCredits: { creditRequest: { id: string; state: string } | null; userErrors: { code: string }[] } | null;
}>;

interface Setup {
  icr: IcrFake;
  co2trust: Co2TrustFake;
  subgraph: TestSubgraph;
  bob: string;
  transact(key: string | null): Promise<Answer>;
}

let running: Setup | null = null;
afterEach(async () => {
  if (!running) return;
  // Whatever happened, every ICR call kept to the document.
  expect(undocumented(running.icr.calls)).toEqual([]);
  await running.subgraph.stop();
  await running.icr.stop();
  await running.co2trust.stop();
  running = null;
});

/** A fresh ICR fake and registry (a given timeout, and a breaker that random faults do not open). */
async function setup(timeoutMs = 1_500): Promise<Setup> {
  const icr = await startIcrFake();
  const co2trust = await startCo2TrustFake();
  const subgraph = await startTestSubgraph('registry', 'upstream', createRegistryApp, {
    ICR_BASE_URL: icr.url,
    ICR_API_TOKEN: FAKE_ICR_TOKEN,
    CO2TRUST_BASE_URL: co2trust.url,
    UPSTREAM_TIMEOUT_MS: String(timeoutMs),
    UPSTREAM_RETRIES: '3',
    UPSTREAM_BREAKER_THRESHOLD: '100000',
  });
  const bob = await tokenFor(DEMO.users.bob);
  const transact = (key: string | null) =>
    graphql(
      subgraph.url,
      TRANSACT,
      {
        input: {
          organizationId: NORDIC,
          action: 'CANCEL',
          creditId: C1.id,
          amount: '1',
          ...(key ? { idempotencyKey: key } : {}),
        },
      },
      { token: bob },
    ) as Promise<Answer>;
  running = { icr, co2trust, subgraph, bob, transact };
  return running;
}

/** Runs `n` tasks, `width` at a time. */
async function inBatches<T>(n: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += width)
    out.push(...(await Promise.all(Array.from({ length: Math.min(width, n - i) }, (_, j) => task(i + j)))));
  return out;
}

const requestId = (a: Answer) => a.data?.transactCredits?.creditRequest?.id ?? null;

describe('ICR writes under faults (upstream mode)', () => {
  it('under 50 % random 503s, 100 keyed writes make exactly 100 effects, and retries replay them', async () => {
    const { icr, transact } = await setup();
    icr.fail({ method: 'POST', pathPrefix: ACTIONS, status: 503, rate: 0.5, times: 1_000_000 });
    const ids = new Map<number, string>();
    for (let round = 0; round < 20 && ids.size < 100; round++) {
      const todo = Array.from({ length: 100 }, (_, i) => i).filter((i) => !ids.has(i));
      const answers = await inBatches(todo.length, 10, (j) => transact(`storm-503-${todo[j]}`));
      answers.forEach((a, j) => {
        if (requestId(a)) ids.set(todo[j]!, requestId(a)!);
        // A 503 is "not processed": the write failed cleanly and its key stays free. (On a loaded
        // machine an attempt may also time out: unknown, settled by the next round.)
        else expect(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_OUTCOME_UNKNOWN']).toContain(codes(a)[0]);
      });
      expect(effectCount(icr)).toBeLessThanOrEqual(100);
    }
    expect(ids.size).toBe(100);
    expect(effectCount(icr)).toBe(100);
    expect(new Set(ids.values()).size).toBe(100);
    const posts = icr.callsTo(ACTIONS, 'POST').length;
    const replays = await inBatches(100, 20, (i) => transact(`storm-503-${i}`));
    expect(replays.map(requestId)).toEqual(Array.from({ length: 100 }, (_, i) => ids.get(i)));
    expect(icr.callsTo(ACTIONS, 'POST').length).toBe(posts);
    expect(effectCount(icr)).toBe(100);
  }, 120_000);

  it('under forced timeouts after the effect, 100 keyed writes never make more than 100 effects; retries learn every outcome', async () => {
    const { icr, transact } = await setup();
    // Half of the actions take effect, then answer only after the client's timeout (and never).
    icr.fail({
      method: 'POST',
      pathPrefix: ACTIONS,
      status: 0,
      afterEffect: true,
      delayMs: 2_500,
      rate: 0.5,
      times: 1_000_000,
    });
    const first = await inBatches(100, 10, (i) => transact(`storm-lost-${i}`));
    await new Promise((r) => setTimeout(r, 2_600));
    const unknown = first.map((a, i) => [a, i] as const).filter(([a]) => !requestId(a));
    for (const [a] of unknown) expect(codes(a)).toEqual(['UPSTREAM_OUTCOME_UNKNOWN']);
    expect(unknown.length).toBeGreaterThan(0);
    // Every write reached the ICR once: a lost answer never made a second POST.
    expect(icr.callsTo(ACTIONS, 'POST').length).toBe(100);
    expect(effectCount(icr)).toBe(100);

    const posts = icr.callsTo(ACTIONS, 'POST').length;
    const retried = await inBatches(100, 10, (i) => transact(`storm-lost-${i}`));
    expect(retried.flatMap((a) => a.errors ?? [])).toEqual([]);
    first.forEach((a, i) => {
      if (requestId(a)) expect(requestId(retried[i]!)).toBe(requestId(a));
    });
    // The unknown ones were reconciled from the ICR's credit requests, not sent again.
    expect(icr.callsTo(ACTIONS, 'POST').length).toBe(posts);
    expect(new Set(retried.map(requestId)).size).toBe(100);
    expect(effectCount(icr)).toBe(100);
  }, 120_000);

  it('30 concurrent identical keyed writes make one effect', async () => {
    const { icr, transact } = await setup();
    const answers = await Promise.all(Array.from({ length: 30 }, () => transact('burst-30')));
    expect(answers.flatMap((a) => a.errors ?? [])).toEqual([]);
    expect(new Set(answers.map(requestId)).size).toBe(1);
    expect(icr.callsTo(ACTIONS, 'POST')).toHaveLength(1);
    expect(effectCount(icr)).toBe(1);
  });

  it('a write without a key whose answer was lost is reported unknown and never sent again', async () => {
    const { icr, transact } = await setup();
    icr.fail({ method: 'POST', pathPrefix: ACTIONS, status: 0, afterEffect: true });
    const lost = await transact(null);
    expect(codes(lost)).toEqual(['UPSTREAM_OUTCOME_UNKNOWN']);
    expect(lost.data?.transactCredits ?? null).toBeNull();
    expect(icr.callsTo(ACTIONS, 'POST')).toHaveLength(1);
    expect(effectCount(icr)).toBe(1);
  });

  it('a keyed write lost before it reached the ICR stays unknown until the grace period shows no trace, then is sent once', async () => {
    const { icr, transact } = await setup(300);
    icr.fail({ method: 'POST', pathPrefix: ACTIONS, status: 0 });
    expect(codes(await transact('lost-on-the-way'))).toEqual(['UPSTREAM_OUTCOME_UNKNOWN']);
    expect(codes(await transact('lost-on-the-way'))).toEqual(['UPSTREAM_OUTCOME_UNKNOWN']);
    expect(icr.callsTo(ACTIONS, 'POST')).toHaveLength(1);
    expect(effectCount(icr)).toBe(0);
    // Ten timeouts (3 s here) without a matching credit request: the write never took effect.
    await new Promise((r) => setTimeout(r, 3_200));
    const sent = await transact('lost-on-the-way');
    expect(sent.errors).toBeUndefined();
    expect(requestId(sent)).not.toBeNull();
    expect(icr.callsTo(ACTIONS, 'POST')).toHaveLength(2);
    expect(effectCount(icr)).toBe(1);
    expect(requestId(await transact('lost-on-the-way'))).toBe(requestId(sent));
  }, 30_000);
});

describe('ICR reads under faults (upstream mode)', () => {
  it('a failing ICR part is null with a coded error, the rest answers, and no upstream text reaches the client', async () => {
    const { icr, subgraph, bob } = await setup();
    icr.fail({
      method: 'GET',
      pathPrefix: '/organizations',
      status: 500,
      body: { message: 'Cannot GET /organizations' },
      times: 1_000,
    });
    const res = await graphql<{ retirements: unknown; creditTypes: { totalCount: number } }>(
      subgraph.url,
      '{ retirements(first: 5) { totalCount } creditTypes(first: 1) { totalCount } }',
    );
    expect(res.data?.retirements).toBeNull();
    expect(res.data?.creditTypes.totalCount).toBe(4);
    expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE']);
    const nft = await graphql<{ _entities: { credit: unknown }[] }>(
      subgraph.url,
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Nft { id credit { id } } } }',
      { r: [{ __typename: 'Nft', id: DEMO.nfts[0], ...DEMO.tokens[0] }] },
      { token: bob },
    );
    expect(nft.data?._entities[0]!.credit).toBeNull();
    expect(codes(nft)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(JSON.stringify([res, nft])).not.toMatch(/Cannot GET|injected/);
  });

  it('parses tolerantly (decimal strings, unknown kinds) and names the route and field of a broken answer as UPSTREAM_CONTRACT', async () => {
    const { icr, subgraph, bob } = await setup();
    const credit = {
      id: 'exPost-9-0x9',
      tokenId: '9',
      tokenAddress: '0x9',
      project: null,
      serialization: 'ICR-X-1-5',
      vintage: 2020,
      supply: '1000',
      unit: 'tonne',
      amount: '12.5',
      type: 'exSomething',
    };
    icr.fail({
      method: 'GET',
      pathPrefix: `/organizations/${NORDIC}/inventory`,
      status: 200,
      body: { credits: [credit], organizationId: NORDIC },
    });
    const q =
      'query($id: ID!) { organization(id: $id) { inventory { nodes { creditId amount { amount } credit { kind vintage supply { amount } } } } } }';
    const tolerant = await graphql<{ organization: { inventory: { nodes: unknown[] } } }>(
      subgraph.url,
      q,
      { id: NORDIC },
      { token: bob },
    );
    expect(tolerant.errors).toBeUndefined();
    expect(tolerant.data!.organization.inventory.nodes).toEqual([
      {
        creditId: credit.id,
        amount: { amount: '12.5' },
        credit: { kind: null, vintage: 2020, supply: { amount: '1000' } },
      },
    ]);

    icr.fail({
      method: 'GET',
      pathPrefix: `/organizations/${NORDIC}/inventory`,
      status: 200,
      body: { credits: [{ ...credit, amount: undefined }], organizationId: NORDIC },
    });
    const broken = await graphql(subgraph.url, q, { id: NORDIC }, { token: bob });
    expect(codes(broken)).toEqual(['UPSTREAM_CONTRACT']);
    expect(broken.errors![0]!.extensions).toMatchObject({
      upstream: 'icr',
      route: 'GET /organizations/{id}/inventory',
      field: 'credits[0].amount',
    });
  });
});
