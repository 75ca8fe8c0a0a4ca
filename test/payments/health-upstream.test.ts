// In upstream mode /health asks the upstream (CO2Trust's documented GET /health) instead of
// saying "up" unasked, and the gateway's health check names the upstream that is down.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { checkHealth } from '../../gateway/health.ts';
import { createPaymentsApp } from '../../subgraphs/payments/server.ts';
import { FAKE_CO2TRUST_SECRET, startCo2TrustFake, type Co2TrustFake } from '../../fakes/co2trust.ts';
import { testConfig } from '../support/env.ts';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph.ts';

const health = async (s: TestSubgraph) => {
  const res = await fetch(s.url.replace(/\/graphql$/, '/health'));
  return {
    status: res.status,
    body: (await res.json()) as { status: string; up: boolean; upstreams?: Record<string, string> },
  };
};

describe('upstream health (payments)', () => {
  let fake: Co2TrustFake;
  let fresh: TestSubgraph;
  let cached: TestSubgraph;

  beforeAll(async () => {
    fake = await startCo2TrustFake();
    const env = {
      CO2TRUST_BASE_URL: fake.url,
      CO2TRUST_BACKEND_SECRET_KEY: FAKE_CO2TRUST_SECRET,
      UPSTREAM_HEALTH_TIMEOUT_MS: '300',
      UPSTREAM_RETRIES: '0',
    };
    fresh = await startTestSubgraph('payments', 'upstream', createPaymentsApp, {
      ...env,
      UPSTREAM_HEALTH_CACHE_MS: '0',
    });
    cached = await startTestSubgraph('payments', 'upstream', createPaymentsApp, {
      ...env,
      UPSTREAM_HEALTH_CACHE_MS: '600000',
    });
  });
  afterAll(async () => {
    await fresh?.stop();
    await cached?.stop();
    await fake?.stop();
  });

  it('asks CO2Trust GET /health and reports it', async () => {
    fake.resetCalls();
    const { status, body } = await health(fresh);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'up', up: true, source: 'upstream', upstreams: { co2trust: 'up' } });
    expect(fake.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /health']);
  });

  it('reuses an answer for UPSTREAM_HEALTH_CACHE_MS', async () => {
    await health(cached);
    fake.resetCalls();
    await Promise.all([health(cached), health(cached), health(cached)]);
    expect(fake.calls).toHaveLength(0);
  });

  it('an upstream that answers 503 or too late is down (503)', async () => {
    fake.fail({ method: 'GET', pathPrefix: '/health', status: 503 });
    expect(await health(fresh)).toMatchObject({
      status: 503,
      body: { status: 'down', upstreams: { co2trust: 'down' } },
    });
    fake.fail({ method: 'GET', pathPrefix: '/health', status: 200, delayMs: 3_000 });
    const started = Date.now();
    expect(await health(fresh)).toMatchObject({ status: 503, body: { upstreams: { co2trust: 'down' } } });
    // The timeout is the behaviour: generous bound over the 300 ms configured.
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('with the upstream stopped, the subgraph and the gateway health name it', async () => {
    await fake.stop();
    expect(await health(fresh)).toMatchObject({
      status: 503,
      body: { status: 'down', upstreams: { co2trust: 'down' } },
    });
    const report = await checkHealth(testConfig({ PAYMENTS_URL: fresh.url }));
    expect(report.status).toBe('down');
    expect(report.down).toContain('co2trust upstream (payments)');
    expect(report.subgraphs.payments).toMatchObject({
      status: 'down',
      source: 'upstream',
      upstreams: { co2trust: 'down' },
    });
  });
});
