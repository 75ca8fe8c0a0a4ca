// A hung upstream (CO2Trust behind a proxy that stops answering) and its recovery, as payments in
// upstream mode and the gateway's /health see them: the hang is reported as that upstream within
// UPSTREAM_HEALTH_TIMEOUT_MS (the subgraph itself is not blamed); timeouts open the breaker, after
// which calls fail fast without reaching the upstream and /health says so; after the recovery
// /health says up exactly when calls go through again, also when calls sent during the hang time
// out only after it.
import { afterEach, describe, expect, it } from '@jest/globals';
import { checkHealth } from '../../gateway/health.ts';
import { createPaymentsApp } from '../../subgraphs/payments/server.ts';
import { FAKE_CO2TRUST_SECRET, startCo2TrustFake, type Co2TrustFake } from '../../fakes/co2trust.ts';
import { testConfig } from '../support/env.ts';
import { startFreezeProxy, type FreezeProxy } from '../support/freeze-proxy.ts';
import { graphql } from '../support/graphql.ts';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph.ts';

const STATS = '{ paymentStats { global { transactionCount } } }';

describe('a hung upstream and its recovery (payments, upstream mode)', () => {
  let fake: Co2TrustFake | undefined;
  let proxy: FreezeProxy | undefined;
  let payments: TestSubgraph | undefined;

  async function start(env: Record<string, string>) {
    fake = await startCo2TrustFake();
    proxy = await startFreezeProxy('127.0.0.1', Number(new URL(fake.url).port));
    payments = await startTestSubgraph('payments', 'upstream', createPaymentsApp, {
      CO2TRUST_BASE_URL: `http://127.0.0.1:${proxy.port}`,
      CO2TRUST_BACKEND_SECRET_KEY: FAKE_CO2TRUST_SECRET,
      UPSTREAM_RETRIES: '0',
      ...env,
    });
    return { proxy, payments };
  }
  afterEach(async () => {
    proxy?.thaw('drop');
    await payments?.stop();
    await proxy?.close();
    await fake?.stop();
    [fake, proxy, payments] = [undefined, undefined, undefined];
  });

  const health = async (s: TestSubgraph) => (await fetch(s.url.replace(/\/graphql$/, '/health'))).status;
  const stats = async (s: TestSubgraph) => (await graphql(s.url, STATS)).errors?.map((e) => e.extensions?.code) ?? [];

  it('is reported as that upstream within UPSTREAM_HEALTH_TIMEOUT_MS, without blaming the subgraph', async () => {
    // The default probe timeout (2 s), which the gateway's own wait for a subgraph used to equal.
    const { proxy, payments } = await start({ UPSTREAM_TIMEOUT_MS: '60000' });
    proxy.freeze();
    const report = await checkHealth(testConfig({ PAYMENTS_URL: payments.url }));
    expect(report.subgraphs.payments).toMatchObject({
      status: 'down',
      source: 'upstream',
      upstreams: { co2trust: 'down' },
    });
    expect(report.down).toContain('co2trust upstream (payments)');
    expect(report.down).not.toContain('payments subgraph');
    expect(proxy.held()).toBeGreaterThan(0);
  }, 30_000);

  it('timeouts open the breaker: calls then fail fast without reaching the upstream, and /health says down', async () => {
    const { proxy, payments } = await start({
      UPSTREAM_TIMEOUT_MS: '1000',
      UPSTREAM_BREAKER_THRESHOLD: '2',
      UPSTREAM_BREAKER_HALF_OPEN_MS: '600000',
      UPSTREAM_HEALTH_CACHE_MS: '600000',
    });
    // Up, and kept so: the answer would be served for ten minutes unless the breaker changes state.
    expect(await health(payments)).toBe(200);
    proxy.freeze();
    expect(await Promise.all([stats(payments), stats(payments)])).toEqual([
      ['UPSTREAM_UNAVAILABLE'],
      ['UPSTREAM_UNAVAILABLE'],
    ]);
    const sent = proxy.httpRequests();
    expect(await stats(payments)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(await health(payments)).toBe(503);
    expect(proxy.httpRequests()).toBe(sent);
  }, 30_000);

  it('after the recovery /health says up exactly when calls go through, though calls sent during the hang time out later', async () => {
    const { proxy, payments } = await start({
      UPSTREAM_TIMEOUT_MS: '4000',
      UPSTREAM_BREAKER_THRESHOLD: '2',
      UPSTREAM_BREAKER_HALF_OPEN_MS: '300',
      UPSTREAM_HEALTH_CACHE_MS: '600000',
    });
    expect(await health(payments)).toBe(200);
    const events: string[] = [];
    proxy.freeze();
    const first = Promise.all([stats(payments), stats(payments)]);
    // Two more calls, sent while the breaker is still closed, that time out two seconds after the first two.
    await new Promise((r) => setTimeout(r, 2000));
    const late = Promise.all([stats(payments), stats(payments)]).then(
      (codes) => (events.push('calls sent during the hang timed out'), codes),
    );
    expect(await first).toEqual([['UPSTREAM_UNAVAILABLE'], ['UPSTREAM_UNAVAILABLE']]);
    // The breaker is open: /health says so at once.
    expect(await health(payments)).toBe(503);
    // The upstream recovers for new connections; the calls sent during the hang never get an answer.
    proxy.thaw('keep-hung');
    await new Promise((r) => setTimeout(r, 400));
    // The health probe is the breaker's trial call: it closes it.
    expect(await health(payments)).toBe(200);
    events.push('health up');
    expect(await stats(payments)).toEqual([]);
    expect(await late).toEqual([['UPSTREAM_UNAVAILABLE'], ['UPSTREAM_UNAVAILABLE']]);
    expect(events).toEqual(['health up', 'calls sent during the hang timed out']);
    // Their timeouts, after the recovery, neither reopen the breaker nor turn /health down.
    const sent = proxy.httpRequests();
    expect(await stats(payments)).toEqual([]);
    expect(proxy.httpRequests()).toBe(sent + 1);
    expect(await health(payments)).toBe(200);
  }, 30_000);
});
