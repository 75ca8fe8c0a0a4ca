// GET /metrics on the gateway and the subgraphs: counters by operation, error code, subgraph,
// upstream route and status, and the marketplace's service outbox backlog read on scrape.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_QUERY } from '../../gateway/server.ts';
import { ServiceOutbox } from '../../subgraphs/marketplace/outbox/entities.ts';
import { createMarketplaceApp, type MarketplaceApp } from '../../subgraphs/marketplace/server.ts';
import { ViewerDocument } from '../__generated__/operations.ts';
import { usingPostgres } from '../support/env.ts';
import { graphql, ok } from '../support/graphql.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph.ts';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition. */
async function scrape(url: string): Promise<Sample[]> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  const samples: Sample[] = [];
  for (const line of (await res.text()).split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]),
    );
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample with this name and (at least) these labels. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

const metricsUrl = (graphqlUrl: string) => `${new URL(graphqlUrl).origin}/metrics`;

describe.each(['local', 'upstream'] as const)('metrics through the gateway (%s mode)', (mode) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(mode);
    for (let i = 0; i < 3; i++) ok(await graphql(stack.gateway.url, DEFAULT_QUERY));
    // A field that needs a token, asked without one: one UNAUTHENTICATED error.
    await graphql(stack.gateway.url, ViewerDocument);
  });
  afterAll(() => stack?.stop());

  it('the gateway counts requests, errors by code and subgraph fetches by operation and subgraph', async () => {
    const samples = await scrape(metricsUrl(stack.gateway.url));
    expect(valueOf(samples, 'graphql_envelop_request', { operationName: 'Overview', operationType: 'query' })).toBe(3);
    expect(valueOf(samples, 'graphql_envelop_request_duration_count', { operationName: 'Overview' })).toBe(3);
    expect(valueOf(samples, 'graphql_envelop_request', { operationName: 'Viewer' })).toBe(1);
    expect(valueOf(samples, 'graphql_envelop_error_result', { operationName: 'Viewer', code: 'UNAUTHENTICATED' })).toBe(
      1,
    );
    expect(valueOf(samples, 'graphql_envelop_error_result', { operationName: 'Overview' })).toBeUndefined();
    // paymentStats is the only payments field of Overview: one fetch per request.
    expect(valueOf(samples, 'graphql_gateway_subgraph_execute_duration_count', { subgraphName: 'payments' })).toBe(3);
    expect(valueOf(samples, 'process_resident_memory_bytes', { service: 'gateway' })).toBeGreaterThan(0);
  });

  it('a subgraph counts the operations it answered and serves the process metrics', async () => {
    const samples = await scrape(metricsUrl(stack.subgraphs.payments.url));
    const requests = samples.filter((s) => s.name === 'subgraph_requests_total');
    expect(requests.reduce((sum, s) => sum + s.value, 0)).toBe(3);
    expect(requests.every((s) => s.labels.service === 'payments' && s.labels.operationType === 'query')).toBe(true);
    expect(valueOf(samples, 'subgraph_request_duration_seconds_count', requests[0]!.labels)).toBe(requests[0]!.value);
    expect(samples.some((s) => s.name === 'subgraph_errors_total')).toBe(false);
    expect(valueOf(samples, 'nodejs_heap_size_used_bytes', { service: 'payments' })).toBeGreaterThan(0);
    if (mode === 'local' && usingPostgres()) {
      // The pool has opened a connection for those operations and nothing waits for one.
      expect(valueOf(samples, 'db_pool_connections', { database: 'payments', state: 'total' })).toBeGreaterThanOrEqual(
        1,
      );
      expect(valueOf(samples, 'db_pool_connections', { database: 'payments', state: 'waiting' })).toBe(0);
    } else if (!usingPostgres()) {
      expect(samples.some((s) => s.name === 'db_pool_connections')).toBe(false);
    }
  });

  if (mode === 'upstream') {
    it('upstream calls are counted by upstream, route-table name and status, with the breaker closed', async () => {
      const samples = await scrape(metricsUrl(stack.subgraphs.registry.url));
      // puroInventory: one call of the Puro inventory route for the first request; the gateway keeps
      // that public fetch for the two others (public-fetches.ts).
      expect(
        valueOf(samples, 'upstream_requests_total', {
          upstream: 'co2trust',
          route: 'inventory',
          method: 'GET',
          status: '200',
        }),
      ).toBe(1);
      expect(valueOf(samples, 'upstream_circuit_breaker_state', { upstream: 'co2trust' })).toBe(0);
      // No label carries a path or an id.
      const routes = samples.filter((s) => s.name === 'upstream_requests_total').map((s) => s.labels.route!);
      expect(routes.length).toBeGreaterThan(0);
      for (const route of routes) expect(route).toMatch(/^[a-zA-Z]+$/);
    });
  }
});

describe('service outbox gauges (marketplace, local mode)', () => {
  let app: MarketplaceApp;
  let subgraph: TestSubgraph;
  beforeAll(async () => {
    subgraph = await startTestSubgraph(
      'marketplace',
      'local',
      async (config) => (app = await createMarketplaceApp(config)),
    );
  });
  afterAll(() => subgraph?.stop());

  it('depth and oldest age move with the messages waiting, read with one SQL statement per scrape', async () => {
    const before = await scrape(metricsUrl(subgraph.url));
    const depth = valueOf(before, 'service_outbox_depth')!;
    expect(depth).toBeGreaterThanOrEqual(0);

    // A message written ten minutes ago whose next attempt is far off: it stays pending.
    const em = app.database!.fork();
    const id = randomUUID();
    const now = Date.now();
    await em.insert(ServiceOutbox, {
      id,
      target: 'payments',
      mutation: 'recordPaymentTransaction',
      dedupeKey: `recordPaymentTransaction:${id}`,
      payload: '{}',
      status: 'PENDING',
      attempts: 0,
      nextAttemptAt: new Date(now + 3_600_000),
      lockedUntil: null,
      closedAt: null,
      lastError: null,
      createdAt: new Date(now - 600_000),
    });
    app.database!.queries.reset();
    const waiting = await scrape(metricsUrl(subgraph.url));
    expect(app.database!.queries.count).toBe(1);
    expect(valueOf(waiting, 'service_outbox_depth')).toBe(depth + 1);
    expect(valueOf(waiting, 'service_outbox_oldest_age_seconds')).toBeGreaterThanOrEqual(600);

    await em.nativeUpdate(ServiceOutbox, { id }, { status: 'DELIVERED', closedAt: new Date() });
    const after = await scrape(metricsUrl(subgraph.url));
    expect(valueOf(after, 'service_outbox_depth')).toBe(depth);
  });
});
