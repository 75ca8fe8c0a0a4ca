// The registry over the ICR (upstream mode) through a proxy that loses, garbles and fails the
// ICR's answers (test/support/upstream-faults.ts), against the strict ICR fake holding the demo
// data: lists that fan out answer their parts, retirement data follows the document (no comment
// needed), an unknown organization is reported on its own field, and a write that may have
// reached the ICR is never sent again (its effects counted by the fake).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { Membership } from '../../subgraphs/registry/local/entities.ts';
import { demoCredits } from '../../subgraphs/registry/local/seed.ts';
import { createRegistryApp } from '../../subgraphs/registry/server.ts';
import { startCo2TrustFake, type Co2TrustFake } from '../../fakes/co2trust.ts';
import { FAKE_ICR_TOKEN, effectCount, startIcrDemoFake, type IcrFake } from '../../fakes/icr-demo.ts';
import { tokenFor } from '../support/env.ts';
import { graphql, type GraphQLResponse } from '../support/graphql.ts';
import { localOf } from '../support/ids.ts';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph.ts';
import { startUpstreamFaultProxy, type UpstreamFault, type UpstreamFaultProxy } from '../support/upstream-faults.ts';

const NORDIC = DEMO.organizations.nordicForest;
const C1 = demoCredits[0]!;
const RETIREMENTS = `query R { retirements(first: 100, filter: { registry: ICR }) { totalCount nodes { id organizationId } } }`;
const TRANSACT = `mutation T($input: CreditActionInput!) { transactCredits(input: $input) { creditRequest { id state } userErrors { field code message } } }`;
type Transacted = GraphQLResponse<{
  transactCredits: {
    creditRequest: { id: string; state: string } | null;
    userErrors: { field: string[] | null; code: string; message: string }[];
  } | null;
}>;

describe('the registry over the ICR under faults (upstream mode)', () => {
  let icr: IcrFake;
  let co2trust: Co2TrustFake;
  let proxy: UpstreamFaultProxy;
  let subgraph: TestSubgraph;
  let bob: string;
  /** An organization the layer has a member of, which the ICR does not know. */
  const stranger = randomUUID();

  beforeAll(async () => {
    icr = await startIcrDemoFake();
    co2trust = await startCo2TrustFake();
    proxy = await startUpstreamFaultProxy(icr.url);
    subgraph = await startTestSubgraph('registry', 'upstream', createRegistryApp, {
      ICR_BASE_URL: proxy.url,
      ICR_API_TOKEN: FAKE_ICR_TOKEN,
      CO2TRUST_BASE_URL: co2trust.url,
      UPSTREAM_TIMEOUT_MS: '1000',
      UPSTREAM_RETRIES: '2',
      UPSTREAM_BREAKER_THRESHOLD: '100000',
    });
    bob = await tokenFor(DEMO.users.bob);
    const em = (
      subgraph.app as unknown as { database: { fork(): import('../../lib/db.ts').EntityManager } }
    ).database.fork();
    em.create(Membership, {
      id: randomUUID(),
      organizationId: stranger,
      userId: DEMO.users.bob.id,
      createdAt: new Date(),
    });
    await em.flush();
  });
  afterAll(async () => {
    await subgraph?.stop();
    await proxy?.stop();
    await icr?.stop();
    await co2trust?.stop();
  });

  const retirements = () =>
    graphql<{ retirements: { totalCount: number; nodes: { id: string; organizationId: string | null }[] } | null }>(
      subgraph.url,
      RETIREMENTS,
    );
  const transact = (input: Record<string, unknown>) =>
    graphql(subgraph.url, TRANSACT, { input }, { token: bob }) as Promise<Transacted>;
  const posts = (path: string) => icr.calls.filter((c) => c.method === 'POST' && c.path === path).length;

  describe('lists that fan out answer their parts', () => {
    it('an organization the ICR does not know: the others’ retirements, and a NOT_FOUND naming it on `retirements`', async () => {
      const res = await retirements();
      expect(res.data?.retirements?.nodes.length).toBeGreaterThan(0);
      expect(res.errors).toEqual([
        expect.objectContaining({
          path: ['retirements'],
          extensions: { code: 'NOT_FOUND', upstream: 'icr', organizationId: stranger, partial: true },
        }),
      ]);
    });

    it('one organization’s requests failing (a 500) costs its own part only', async () => {
      const all = (await retirements()).data!.retirements!.nodes;
      const ofOrg = all.find(
        (r) => r.organizationId && localOf(r.organizationId) !== DEMO.organizations.marketplaceOffsets,
      )!.organizationId!;
      const org = localOf(ofOrg);
      proxy.plan((r) =>
        r.method === 'GET' && r.path === `/organizations/${org}/inventory/requests` ? 'error5xx' : null,
      );
      const res = await retirements();
      proxy.plan(() => null);
      expect((res.errors ?? []).map((e) => [e.path, e.extensions?.code, e.extensions?.organizationId])).toEqual(
        expect.arrayContaining([[['retirements'], 'UPSTREAM_UNAVAILABLE', org]]),
      );
      const shown = res.data!.retirements!.nodes.map((r) => r.id);
      const missing = all.filter((r) => !shown.includes(r.id));
      expect(missing.length).toBeGreaterThan(0);
      expect(missing.every((r) => r.organizationId === ofOrg)).toBe(true);
      expect(shown.every((id) => all.some((r) => r.id === id))).toBe(true);
      expect(JSON.stringify(res)).not.toMatch(/Cannot|Internal/);
    });
  });

  describe('mapping', () => {
    it('a retirement without a comment is sent without one, as the document allows', async () => {
      const before = posts(`/organizations/${NORDIC}/inventory/action/retire`);
      const res = await transact({
        organizationId: NORDIC,
        action: 'RETIRE',
        creditId: C1.id,
        amount: '1',
        retirement: { reason: 'Carbon offsetting', beneficiaryName: 'Nordic Forest Carbon AB' },
      });
      expect(res.data?.transactCredits?.userErrors).toEqual([]);
      expect(res.data?.transactCredits?.creditRequest?.state).toBe('PROCESSED');
      const sent = icr.calls.filter((c) => c.path === `/organizations/${NORDIC}/inventory/action/retire`);
      expect(sent).toHaveLength(before + 1);
      expect((sent.at(-1)!.body as { retirementData: Record<string, unknown> }).retirementData).toEqual({
        reason: 'Carbon offsetting',
        beneficiaryName: 'Nordic Forest Carbon AB',
      });
    });

    it('an organization the ICR does not know is NOT_FOUND on input.organizationId, not on the credit; nothing is sent', async () => {
      const before = icr.calls.filter((c) => c.method === 'POST').length;
      const res = await transact({ organizationId: stranger, action: 'CANCEL', creditId: C1.id, amount: '1' });
      expect(res.data?.transactCredits?.userErrors).toEqual([
        expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'organizationId'] }),
      ]);
      expect(icr.calls.filter((c) => c.method === 'POST').length).toBe(before);
    });
  });

  describe('a write that may have reached the ICR is never sent again', () => {
    it.each(['lose', 'error5xx', 'unreadable', 'late'] as UpstreamFault[])(
      '%s: UPSTREAM_OUTCOME_UNKNOWN, one POST, one effect; the retry learns the outcome without sending',
      async (fault) => {
        const path = `/organizations/${NORDIC}/inventory/action/cancel`;
        const key = `${fault}-${randomUUID()}`;
        const effects = effectCount(icr);
        const sent = posts(path);
        let first = true;
        proxy.plan((r) => {
          if (r.method !== 'POST' || r.path !== path || !first) return null;
          first = false;
          return fault;
        });
        const input = { organizationId: NORDIC, action: 'CANCEL', creditId: C1.id, amount: '1', idempotencyKey: key };
        const res = await transact(input);
        proxy.plan(() => null);
        expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['UPSTREAM_OUTCOME_UNKNOWN']);
        expect(posts(path)).toBe(sent + 1);
        expect(effectCount(icr)).toBe(effects + 1);
        const retry = await transact(input);
        expect(retry.errors).toBeUndefined();
        expect(retry.data?.transactCredits?.creditRequest?.state).toBe('PROCESSED');
        expect(posts(path)).toBe(sent + 1);
        expect(effectCount(icr)).toBe(effects + 1);
      },
    );
  });
});
