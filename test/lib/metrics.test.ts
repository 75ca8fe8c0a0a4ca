import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { UpstreamClient } from '../../lib/http-client.ts';
import { processRegistry, routeNamer } from '../../lib/metrics.ts';
import { freePort } from '../support/free-port.ts';
import { json, startFake, type RunningFake } from '../../fakes/harness.ts';

const ROUTES = {
  orders: '/orders',
  order: (id: string) => `/orders/${encodeURIComponent(id)}`,
  certificate: (id: string) => `/orders/${encodeURIComponent(id)}/certificate`,
  upsertOne: (model: string, id: string) => `/upsert/${model}/${encodeURIComponent(id)}`,
  byMass: '/orders/by-mass',
} as const;

async function sampleValue(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = await processRegistry.getSingleMetric(name)!.get();
  return metric.values.find((v) => Object.entries(labels).every(([k, value]) => String(v.labels[k]) === value))?.value;
}

describe('routeNamer', () => {
  const name = routeNamer(ROUTES);

  it('names a path by its route-table entry, never by its ids', () => {
    expect(name('/orders')).toBe('orders');
    expect(name('/orders?page=2')).toBe('orders');
    expect(name('/orders/by-mass')).toBe('byMass');
    expect(name('/orders/ab12-cd34')).toBe('order');
    expect(name('/orders/ab12-cd34/certificate')).toBe('certificate');
    expect(name('/upsert/product/alice%40buyer.example')).toBe('upsertOne');
  });

  it('answers "other" for a path the table does not list, or when there is no table', () => {
    expect(name('/orders/1/2/3')).toBe('other');
    expect(routeNamer(undefined)('/anything/123')).toBe('other');
  });
});

describe('upstream call metrics', () => {
  let fake: RunningFake;
  const logger = pino({ level: 'silent' });
  beforeAll(async () => {
    fake = await startFake('metrics-demo', [
      { method: 'GET', path: '/orders/{id}', handler: (req) => json({ id: req.params.id }) },
    ]);
  });
  afterAll(() => fake.stop());

  it('counts each call by upstream, route and status', async () => {
    const client = new UpstreamClient({
      name: 'metrics-demo',
      baseUrl: fake.url,
      timeoutMs: 15_000,
      retries: 0,
      breakerThreshold: 5,
      halfOpenAfterMs: 60_000,
      logger,
      routes: ROUTES,
    });
    await client.json({ path: '/orders/o-1' });
    await client.json({ path: '/orders/o-2' });
    fake.fail({ pathPrefix: '/orders/o-3', status: 404, times: 1 });
    await client.jsonOrNull({ path: '/orders/o-3' });
    expect(
      await sampleValue('upstream_requests_total', {
        upstream: 'metrics-demo',
        route: 'order',
        method: 'GET',
        status: '200',
      }),
    ).toBe(2);
    expect(
      await sampleValue('upstream_requests_total', {
        upstream: 'metrics-demo',
        route: 'order',
        method: 'GET',
        status: '404',
      }),
    ).toBe(1);
    const durations = (await processRegistry.getSingleMetric('upstream_request_duration_seconds')!.get()).values;
    expect(
      durations.find(
        (v) =>
          (v as { metricName?: string }).metricName === 'upstream_request_duration_seconds_count' &&
          v.labels.upstream === 'metrics-demo',
      )?.value,
    ).toBe(3);
    await client.close();
  });

  it('shows the circuit breaker open after repeated failures, and unreachable calls by status', async () => {
    const port = await freePort();
    const client = new UpstreamClient({
      name: 'metrics-down',
      baseUrl: `http://127.0.0.1:${port}`,
      timeoutMs: 1_000,
      retries: 0,
      breakerThreshold: 2,
      halfOpenAfterMs: 60_000,
      logger,
      routes: ROUTES,
    });
    expect(await sampleValue('upstream_circuit_breaker_state', { upstream: 'metrics-down' })).toBe(0);
    for (let i = 0; i < 3; i++) await expect(client.json({ path: '/orders' })).rejects.toThrow();
    expect(await sampleValue('upstream_circuit_breaker_state', { upstream: 'metrics-down' })).toBe(1);
    // The third call failed fast on the open breaker: it never left the process.
    expect(
      await sampleValue('upstream_requests_total', {
        upstream: 'metrics-down',
        route: 'orders',
        status: 'unreachable',
      }),
    ).toBe(2);
    await client.close();
  });
});
