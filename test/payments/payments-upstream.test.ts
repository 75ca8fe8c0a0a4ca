// Upstream mode of payments against the CO2Trust contract fake: paymentStats reads the documented
// stats routes at most once each per request, and bodies are checked at the client boundary.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { DEMO } from '../../demo/data.ts';
import { DEMO_PAYMENTS } from '../../subgraphs/payments/local/seed.ts';
import { createPaymentsApp } from '../../subgraphs/payments/server.ts';
import { toCo2Trust } from '../../subgraphs/payments/upstream/mappers.ts';
import { FAKE_CO2TRUST_SECRET, startCo2TrustFake, type Co2TrustFake } from '../../fakes/co2trust.ts';
import { tokenFor } from '../support/env.ts';
import { graphql } from '../support/graphql.ts';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph.ts';

const BASE = '/co2trust-payments/v1';
const STATS = `${BASE}/payment-stats`;
const GLOBAL = 'global { transactionCount volumes { volume { amount currency } transactionCount } }';
const QUARTERLY = 'quarterly { year quarter transactionCount volumes { volume { amount currency } } }';

describe('payments upstream contract', () => {
  let fake: Co2TrustFake;
  let subgraph: TestSubgraph;

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

  const ask = async (query: string, variables?: Record<string, unknown>, token?: string) => {
    fake.resetCalls();
    // As the gateway: entity lookups (`_entities`) answer only the gateway.
    const res = await graphql<Record<string, unknown>>(subgraph.url, query, variables, { ...(token ? { token } : {}) });
    return { res, paths: fake.calls.map((c) => `${c.method} ${c.path}`) };
  };

  describe('paymentStats', () => {
    it('both parts are one GET /payment-stats', async () => {
      const { res, paths } = await ask(`{ paymentStats { ${GLOBAL} ${QUARTERLY} } again: paymentStats { ${GLOBAL} } }`);
      expect(res.errors).toBeUndefined();
      expect(paths).toEqual([`GET ${STATS}`]);
      const stats = res.data!.paymentStats as { global: { transactionCount: number }; quarterly: unknown[] };
      expect(stats.global.transactionCount).toBeGreaterThan(0);
      expect(stats.quarterly.length).toBeGreaterThan(0);
    });

    it('one part alone is its own documented route', async () => {
      expect((await ask(`{ paymentStats { ${GLOBAL} } }`)).paths).toEqual([`GET ${STATS}/global`]);
      expect((await ask(`{ paymentStats { ${QUARTERLY} } }`)).paths).toEqual([`GET ${STATS}/quarterly`]);
    });

    it('amounts given as JSON numbers, and extra fields, are accepted', async () => {
      fake.fail({
        method: 'GET',
        pathPrefix: `${STATS}/global`,
        status: 200,
        body: {
          transaction_count: 2,
          volumes: [{ currency: 'EUR', amount: 12.5, transaction_count: '2', note: 'extra' }],
          extra: true,
        },
      });
      const { res } = await ask(`{ paymentStats { ${GLOBAL} } }`);
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual({
        paymentStats: {
          global: {
            transactionCount: 2,
            volumes: [{ volume: { amount: '12.50', currency: 'EUR' }, transactionCount: 2 }],
          },
        },
      });
    });

    it.each([
      [
        'a renamed field',
        { transaction_count: 2, volumes: [{ currency: 'EUR', total: '12.50', transaction_count: 2 }] },
        'volumes[0].amount',
        'is missing',
      ],
      [
        'a string that is not a number',
        { transaction_count: 2, volumes: [{ currency: 'EUR', amount: 'twelve', transaction_count: 2 }] },
        'volumes[0].amount',
        'is invalid',
      ],
      ['a missing list', { transaction_count: 2 }, 'volumes', 'is missing'],
    ])('%s is an UPSTREAM_CONTRACT error naming the route and field', async (_what, body, field, problem) => {
      fake.fail({ method: 'GET', pathPrefix: `${STATS}/global`, status: 200, body });
      const { res } = await ask(`{ paymentStats { ${GLOBAL} } }`);
      expect(res.errors).toHaveLength(1);
      const error = res.errors![0]!;
      expect(error.extensions).toEqual({
        code: 'UPSTREAM_CONTRACT',
        upstream: 'co2trust-payments',
        route: `GET ${STATS}/global`,
        field,
      });
      expect(error.message).toContain(`${field} ${problem}`);
    });
  });

  describe('payment transactions, bank accounts and transfers', () => {
    const alice = DEMO.users.alice;
    const token = () => tokenFor(alice, { upstreamToken: `co2t_${alice.id}` });
    const page = (items: unknown[]) => ({ items, total: items.length, page: 1, size: 20, pages: 1 });
    const wireTx = () =>
      toCo2Trust.paymentTransaction(
        fake.state.paymentTransactions.find((t) => t.payerId === alice.id)!,
      ) as unknown as Record<string, unknown>;
    const wireAccount = () =>
      toCo2Trust.bankAccount(fake.state.bankAccounts.find((a) => a.userId === alice.id)!) as unknown as Record<
        string,
        unknown
      >;
    const USER = `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { bankAccounts { nodes { id holderName ibanLast4 } } transfers { nodes { id status amount { amount } } } } } }`;

    it("reads the caller's own list once per request, however many parts of the request need it", async () => {
      const { res, paths } = await ask(
        `query($r: [_Any!]!) {
          paymentTransactions(filter: { type: ORDER }) { totalCount }
          _entities(representations: $r) {
            ... on Order { payments { totalCount } }
            ... on Nft { payments { totalCount } }
            ... on User { paymentTransactions { totalCount } }
          }
        }`,
        {
          r: [
            { __typename: 'Order', id: DEMO.orders[0] },
            { __typename: 'Nft', id: DEMO.nfts[0] },
            { __typename: 'User', id: alice.id },
          ],
        },
        await token(),
      );
      expect(res.errors).toBeUndefined();
      expect(paths.filter((p) => p === `GET ${BASE}/payment-transactions/user`)).toHaveLength(1);
    });

    it('an unknown transaction status is UNKNOWN, an amount as a JSON number is read exactly', async () => {
      fake.fail({
        method: 'GET',
        pathPrefix: `${BASE}/payment-transactions`,
        status: 200,
        body: page([{ ...wireTx(), status: 'SUCCEEDED', amount: 145.5, gateway: 'extra' }]),
      });
      const { res } = await ask(
        '{ paymentTransactions { nodes { status amount { amount currency } } } }',
        {},
        await token(),
      );
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual({
        paymentTransactions: { nodes: [{ status: 'UNKNOWN', amount: { amount: '145.50', currency: 'EUR' } }] },
      });
    });

    it('a null holder name is UPSTREAM_CONTRACT naming the field, never the account data', async () => {
      fake.fail({
        method: 'GET',
        pathPrefix: `${BASE}/bank-accounts`,
        status: 200,
        body: page([{ ...wireAccount(), holder_name: null }]),
      });
      const { res } = await ask(USER, { r: [{ __typename: 'User', id: alice.id }] }, await token());
      expect(res.errors?.map((e) => [e.path, e.extensions?.code, e.extensions?.route, e.extensions?.field])).toEqual([
        [['_entities', 0, 'bankAccounts'], 'UPSTREAM_CONTRACT', `GET ${BASE}/bank-accounts`, 'items[0].holder_name'],
      ]);
      const iban = String(wireAccount().iban);
      expect(res.errors![0]!.message).not.toContain(iban);
      expect(res.errors![0]!.message).not.toContain(iban.slice(-4));
      // bankAccounts is non-null on User: the entity is null, the error says why.
      expect(res.data).toEqual({ _entities: [null] });
    });

    it('an unknown transfer status is UNKNOWN', async () => {
      const wire = toCo2Trust.transfer(fake.state.transfers.find((t) => t.userId === alice.id)!);
      fake.fail({
        method: 'GET',
        pathPrefix: `${BASE}/transfers`,
        status: 200,
        body: page([{ ...wire, status: 'in_transit' }]),
      });
      const { res } = await ask(USER, { r: [{ __typename: 'User', id: alice.id }] }, await token());
      const user = (res.data!._entities as { transfers: { nodes: { status: string }[] } }[])[0]!;
      expect(user.transfers.nodes.map((t) => t.status)).toEqual(['UNKNOWN']);
    });

    it('createTransfer sends the amount as a JSON number', async () => {
      const { res } = await ask(
        'mutation($input: CreateTransferInput!) { createTransfer(input: $input) { transfer { id } userErrors { code } } }',
        {
          input: {
            bankAccountId: DEMO_PAYMENTS.bankAccounts.alice,
            amount: '1.50',
            currency: 'EUR',
            idempotencyKey: randomUUID(),
          },
        },
        await token(),
      );
      expect(res.errors).toBeUndefined();
      const post = fake.callsTo(`${BASE}/transfers`, 'POST')[0]!;
      expect((post.body as { amount: unknown }).amount).toBe(1.5);
    });
  });
});
