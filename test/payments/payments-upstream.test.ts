// Upstream mode of payments against the CO2Trust contract fake: paymentStats reads the documented
// stats routes at most once each per request, and bodies are checked at the client boundary.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPaymentsApp } from '../../subgraphs/payments/server.ts';
import { FAKE_CO2TRUST_SECRET, startCo2TrustFake, type Co2TrustFake } from '../fakes/co2trust.ts';
import { graphql } from '../support/graphql.ts';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph.ts';

const STATS = '/co2trust-payments/v1/payment-stats';
const GLOBAL = 'global { transactionCount volumes { volume { amount currency } transactionCount } }';
const QUARTERLY = 'quarterly { year quarter transactionCount volumes { volume { amount currency } } }';

describe('payments upstream contract', () => {
  let fake: Co2TrustFake;
  let subgraph: TestSubgraph;

  beforeAll(async () => {
    fake = await startCo2TrustFake();
    subgraph = await startTestSubgraph('payments', 'upstream', createPaymentsApp, { CO2TRUST_BASE_URL: fake.url, CO2TRUST_BACKEND_SECRET_KEY: FAKE_CO2TRUST_SECRET });
  });
  afterAll(async () => {
    await subgraph?.stop();
    await fake?.stop();
  });

  const ask = async (query: string) => {
    fake.resetCalls();
    const res = await graphql<Record<string, unknown>>(subgraph.url, query);
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
      fake.fail({ method: 'GET', pathPrefix: `${STATS}/global`, status: 200, body: { transaction_count: 2, volumes: [{ currency: 'EUR', amount: 12.5, transaction_count: '2', note: 'extra' }], extra: true } });
      const { res } = await ask(`{ paymentStats { ${GLOBAL} } }`);
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual({ paymentStats: { global: { transactionCount: 2, volumes: [{ volume: { amount: '12.50', currency: 'EUR' }, transactionCount: 2 }] } } });
    });

    it.each([
      ['a renamed field', { transaction_count: 2, volumes: [{ currency: 'EUR', total: '12.50', transaction_count: 2 }] }, 'volumes[0].amount', 'is missing'],
      ['a string that is not a number', { transaction_count: 2, volumes: [{ currency: 'EUR', amount: 'twelve', transaction_count: 2 }] }, 'volumes[0].amount', 'is invalid'],
      ['a missing list', { transaction_count: 2 }, 'volumes', 'is missing'],
    ])('%s is an UPSTREAM_CONTRACT error naming the route and field', async (_what, body, field, problem) => {
      fake.fail({ method: 'GET', pathPrefix: `${STATS}/global`, status: 200, body });
      const { res } = await ask(`{ paymentStats { ${GLOBAL} } }`);
      expect(res.errors).toHaveLength(1);
      const error = res.errors![0]!;
      expect(error.extensions).toEqual({ code: 'UPSTREAM_CONTRACT', upstream: 'co2trust-payments', route: `GET ${STATS}/global`, field });
      expect(error.message).toContain(`${field} ${problem}`);
    });
  });
});
