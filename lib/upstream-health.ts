// Health of a subgraph in upstream mode: it asks each upstream (a documented health route or a
// cheap documented read), with a short timeout, and reuses the answers for a few seconds so a
// probing load balancer does not become load on the upstream. A probe is one attempt through the
// upstream client's circuit breaker, under UPSTREAM_HEALTH_TIMEOUT_MS: a probe that times out
// counts as a failure like any call, a probe while the breaker fails calls fast is `down` (and
// once the breaker half-opens, the probe is its trial call). Answers are dropped whenever a
// breaker changes state and reused only while every breaker is closed, so `/health` says `up`
// exactly when calls go through again. A subgraph whose upstream has
// answered outside its contract within UPSTREAM_CONTRACT_WINDOW_MS is `degraded`: still up (HTTP
// 200), with `contract` naming each upstream and route (and the field; never a value).
import type { Config } from './config.ts';
import { UpstreamHttpError, type UpstreamClient, type UpstreamRequest } from './http-client.ts';
import type { HealthReport } from './subgraph.ts';
import { recentViolations } from './upstream-contract.ts';

export interface UpstreamProbe {
  /** The upstream's name in the report, e.g. "co2trust". */
  name: string;
  client: UpstreamClient;
  /** A documented, side-effect-free request (the caller names the document and section beside it). */
  request: UpstreamRequest;
  /**
   * Only contract violations of routes under this path count for this subgraph (e.g. `/puro/`
   * when the client's upstream serves other subgraphs too); default: every route of the client.
   */
  contractPathPrefix?: string;
}

/** The contract window when the configuration names none: five minutes. */
export const DEFAULT_CONTRACT_WINDOW_MS = 300_000;

export type UpstreamStatus = 'up' | 'down';

/**
 * Up when the upstream answers in time: a 2xx, or a 4xx other than 401/403 (the API answered;
 * e.g. an unknown organization). 401/403 are down: upstream mode cannot work with refused
 * credentials. 5xx, timeouts and network errors are down.
 */
async function ask(probe: UpstreamProbe, timeoutMs: number): Promise<UpstreamStatus> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<UpstreamStatus>((resolve) => {
    timer = setTimeout(() => resolve('down'), timeoutMs);
  });
  const answer = probe.client.request({ ...probe.request, idempotent: true, timeoutMs, retries: 0 }).then(
    (): UpstreamStatus => 'up',
    (error: unknown): UpstreamStatus =>
      error instanceof UpstreamHttpError && error.status < 500 && error.status !== 401 && error.status !== 403
        ? 'up'
        : 'down',
  );
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/health` of an upstream-mode subgraph: `{ up, source: 'upstream', upstreams: { <name>: up|down } }`,
 * plus `contract: [{ upstream, route, field, at }]` while an upstream has answered outside its
 * contract within the window (the subgraph is then `degraded`).
 */
export function upstreamHealth(
  probes: UpstreamProbe[],
  config: Pick<Config, 'UPSTREAM_HEALTH_TIMEOUT_MS' | 'UPSTREAM_HEALTH_CACHE_MS'> &
    Partial<Pick<Config, 'UPSTREAM_CONTRACT_WINDOW_MS'>>,
): () => Promise<HealthReport> {
  const windowMs = config.UPSTREAM_CONTRACT_WINDOW_MS ?? DEFAULT_CONTRACT_WINDOW_MS;
  let cached: { at: number; settled: boolean; report: Promise<HealthReport> } | null = null;
  for (const p of probes) p.client.onBreakerChange(() => (cached = null));
  const check = async (): Promise<HealthReport> => {
    const statuses = await Promise.all(
      probes.map(async (p) => [p.name, await ask(p, config.UPSTREAM_HEALTH_TIMEOUT_MS)] as const),
    );
    const upstreams = Object.fromEntries(statuses);
    return { up: statuses.every(([, s]) => s === 'up'), source: 'upstream', upstreams };
  };
  return async () => {
    const now = Date.now();
    // Concurrent probes share one check; a finished one is reused for UPSTREAM_HEALTH_CACHE_MS
    // while every breaker is closed (an open one fails the probe fast, or makes it the trial call).
    const fresh =
      cached && now - cached.at < config.UPSTREAM_HEALTH_CACHE_MS && !probes.some((p) => p.client.circuitOpen);
    if (!cached || (cached.settled && !fresh)) {
      const entry = { at: now, settled: false, report: check() };
      const done = () => void (entry.settled = true);
      entry.report.then(done, done);
      cached = entry;
    }
    const report = await cached.report;
    // Contract violations are read on every call (no upstream is asked for them).
    const contract = probes.flatMap((p) => recentViolations(p.client.name, windowMs, p.contractPathPrefix, now));
    return contract.length ? { ...report, contract } : report;
  };
}

/** Upstream mode with a database of its own (journals, memberships): up when both are. */
export function withDatabase(
  database: () => Promise<HealthReport>,
  upstreams: () => Promise<HealthReport>,
): () => Promise<HealthReport> {
  return async () => {
    const [own, remote] = await Promise.all([database(), upstreams()]);
    return { ...remote, up: own.up && remote.up, database: own.database };
  };
}
