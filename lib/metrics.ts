// Prometheus metrics. Each server (the gateway, each subgraph) has its own set of metrics for its
// GraphQL traffic and the Node process metrics; upstream calls and circuit breakers are counted in
// one process-wide set that a subgraph's /metrics adds to its own. Labels never carry ids,
// emails or tokens: operation names, error codes, upstream and route-table names, statuses.
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { CircuitState } from 'cockatiel';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export { Registry };

/** Latency buckets (seconds) shared by every duration histogram. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Upstream calls, circuit breakers: one per process whatever the servers it runs. */
export const processRegistry = new Registry();

const upstreamRequests = new Counter({
  name: 'upstream_requests_total',
  help: 'HTTP calls to upstream REST APIs by upstream, route-table name, method and status (a number, or "unreachable")',
  labelNames: ['upstream', 'route', 'method', 'status'] as const,
  registers: [processRegistry],
});

const upstreamDuration = new Histogram({
  name: 'upstream_request_duration_seconds',
  help: 'Latency of one HTTP call to an upstream REST API (each retry is a call)',
  labelNames: ['upstream', 'route', 'method'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [processRegistry],
});

const breakerState = new Gauge({
  name: 'upstream_circuit_breaker_state',
  help: 'Circuit breaker of an upstream: 0 closed, 1 open, 2 half-open, 3 isolated',
  labelNames: ['upstream'] as const,
  registers: [processRegistry],
});

/** Connection pools by database (a subgraph name), read on scrape. */
const pools = new Map<string, { totalCount: number; idleCount: number; waitingCount: number }>();

new Gauge({
  name: 'db_pool_connections',
  help: 'PostgreSQL pool of a subgraph: connections open (total), idle, and queries waiting for one (waiting)',
  labelNames: ['database', 'state'] as const,
  registers: [processRegistry],
  collect() {
    this.reset();
    for (const [database, pool] of pools) {
      this.set({ database, state: 'total' }, pool.totalCount);
      this.set({ database, state: 'idle' }, pool.idleCount);
      this.set({ database, state: 'waiting' }, pool.waitingCount);
    }
  },
});

/** Exports a connection pool's use (the `pg` pool's counts) as `db_pool_connections`. */
export function watchDatabasePool(
  database: string,
  pool: { totalCount: number; idleCount: number; waitingCount: number },
): void {
  pools.set(database, pool);
}

/** Records one completed upstream HTTP call (`status` is the HTTP status, or null when there was no answer). */
export function recordUpstreamCall(
  upstream: string,
  route: string,
  method: string,
  status: number | null,
  seconds: number,
): void {
  upstreamRequests.inc({ upstream, route, method, status: status === null ? 'unreachable' : String(status) });
  upstreamDuration.observe({ upstream, route, method }, seconds);
}

export function recordBreakerState(upstream: string, state: CircuitState): void {
  breakerState.set({ upstream }, state);
}

type RouteTable = Readonly<Record<string, string | ((...args: never[]) => string)>>;

const PARAM = 'ROUTEPARAM';

/**
 * Names a request path by its entry in a client's route table (e.g. `inventory` for
 * `/organizations/<id>/inventory`), so metric labels never carry ids; an unlisted path is `other`.
 */
export function routeNamer(table: RouteTable | undefined): (path: string) => string {
  if (!table) return () => 'other';
  const exact = new Map<string, string>();
  const patterns: { name: string; regex: RegExp; literal: number }[] = [];
  for (const [name, route] of Object.entries(table)) {
    if (typeof route === 'string') {
      exact.set(route, name);
      continue;
    }
    const args = Array.from({ length: route.length }, (_, i) => `${PARAM}${i}`);
    const template = (route as (...a: string[]) => string)(...args);
    const source = template.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(new RegExp(`${PARAM}\\d+`, 'g'), '[^/]+');
    patterns.push({
      name,
      regex: new RegExp(`^${source}$`),
      literal: template.replace(new RegExp(`${PARAM}\\d+`, 'g'), '').length,
    });
  }
  // The most literal template wins: `/orders/{id}/certificate` before `/orders/{id}`.
  patterns.sort((a, b) => b.literal - a.literal);
  return (path) => {
    const bare = path.split('?')[0]!;
    return exact.get(bare) ?? patterns.find((p) => p.regex.test(bare))?.name ?? 'other';
  };
}

/** A server's own set of metrics with the default Node process metrics (CPU, memory, event loop, GC). */
export function createServerRegistry(service: string): Registry {
  const metrics = new Registry();
  metrics.setDefaultLabels({ service });
  collectDefaultMetrics({ register: metrics });
  return metrics;
}

/**
 * Gauges whose values are read when Prometheus scrapes, all from one `read` per scrape (e.g. a
 * queue's depth and oldest age from one SQL query). `help` names each gauge.
 */
export function gaugesOnScrape<N extends string>(
  metrics: Registry,
  help: Record<N, string>,
  read: () => Promise<Record<N, number>>,
): void {
  let reading: Promise<Record<N, number>> | null = null;
  // A failed read (the database is down) is NaN, so the rest of the scrape still answers.
  const once = () =>
    (reading ??= read()
      .catch(() => ({}) as Record<N, number>)
      .finally(() => (reading = null)));
  for (const name of Object.keys(help) as N[]) {
    new Gauge({
      name,
      help: help[name],
      registers: [metrics],
      async collect() {
        this.set((await once())[name] ?? Number.NaN);
      },
    });
  }
}

/** The GraphQL error codes of a response, `INTERNAL_SERVER_ERROR` when one has none. */
function errorCodes(errors: readonly { extensions?: Record<string, unknown> }[] | undefined): string[] {
  return (errors ?? []).map((e) =>
    typeof e.extensions?.code === 'string' ? e.extensions.code : 'INTERNAL_SERVER_ERROR',
  );
}

/** Requests, errors by code and latency of a subgraph's GraphQL operations, by operation name. */
export function subgraphMetricsPlugin<C extends BaseContext>(metrics: Registry): ApolloServerPlugin<C> {
  const requests = new Counter({
    name: 'subgraph_requests_total',
    help: 'GraphQL operations a subgraph answered, by operation name and type',
    labelNames: ['operationName', 'operationType'] as const,
    registers: [metrics],
  });
  const errors = new Counter({
    name: 'subgraph_errors_total',
    help: 'GraphQL errors a subgraph answered, by operation name and error code',
    labelNames: ['operationName', 'operationType', 'code'] as const,
    registers: [metrics],
  });
  const duration = new Histogram({
    name: 'subgraph_request_duration_seconds',
    help: 'Time a subgraph took to answer a GraphQL operation',
    labelNames: ['operationName', 'operationType'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [metrics],
  });
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operation, operationName, response }) {
          const labels = {
            operationName: operationName ?? 'Anonymous',
            operationType: operation?.operation ?? 'unknown',
          };
          requests.inc(labels);
          duration.observe(labels, (performance.now() - started) / 1000);
          const body = response.body.kind === 'single' ? response.body.singleResult : response.body.initialResult;
          for (const code of errorCodes(body.errors)) errors.inc({ ...labels, code });
        },
      };
    },
  };
}

/** The Prometheus text of several registries (a server's own, then the process-wide one). */
export async function metricsText(...registries: Registry[]): Promise<string> {
  const parts = await Promise.all(registries.map((r) => r.metrics()));
  return parts.join('\n');
}

export const METRICS_CONTENT_TYPE = processRegistry.contentType;
