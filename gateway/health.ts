import type { Config } from '../lib/config.ts';
import type { RecentViolation } from '../lib/upstream-contract.ts';

export interface SubgraphHealth {
  /** `degraded`: up, but an upstream answered outside its contract recently (see `contract`). */
  status: 'up' | 'down' | 'degraded';
  url: string;
  source?: 'local' | 'upstream';
  database?: { kind: string; status: 'up' | 'down' };
  /** Upstream mode: each upstream API the subgraph asked. */
  upstreams?: Record<string, 'up' | 'down'>;
  /** Upstream routes that answered outside their contract recently. */
  contract?: RecentViolation[];
  error?: string;
}

export interface HealthReport {
  status: 'up' | 'down';
  /** Names of the parts that are down; empty when all are up. */
  down: string[];
  subgraphs: Record<string, SubgraphHealth>;
}

/**
 * How much longer than a subgraph's own upstream probes (UPSTREAM_HEALTH_TIMEOUT_MS) the gateway
 * waits for its /health: a subgraph whose upstream hangs answers that the upstream is down, and
 * the subgraph is not taken for down itself. Two seconds: one was too little for a subgraph that
 * probes its database and its upstream at once on a loaded machine (it was taken for down).
 */
const GRACE_MS = 2000;

async function probe(name: string, graphqlUrl: string, timeoutMs: number): Promise<SubgraphHealth> {
  const url = graphqlUrl.replace(/\/graphql$/, '/health');
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.json()) as {
      up?: boolean;
      source?: 'local' | 'upstream';
      database?: { kind: string; up: boolean };
      upstreams?: Record<string, 'up' | 'down'>;
      contract?: RecentViolation[];
    };
    const up = res.ok && body.up;
    return {
      status: !up ? 'down' : body.contract?.length ? 'degraded' : 'up',
      url: graphqlUrl,
      source: body.source,
      ...(body.database ? { database: { kind: body.database.kind, status: body.database.up ? 'up' : 'down' } } : {}),
      ...(body.upstreams ? { upstreams: body.upstreams } : {}),
      ...(up && body.contract?.length ? { contract: body.contract } : {}),
    };
  } catch (error) {
    const reason =
      error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : 'unreachable';
    return { status: 'down', url: graphqlUrl, error: `${name} subgraph ${reason}` };
  }
}

/** Each subgraph's and each database's status; up only when every part is up. */
export async function checkHealth(config: Config): Promise<HealthReport> {
  const timeoutMs = config.UPSTREAM_HEALTH_TIMEOUT_MS + GRACE_MS;
  const results = await Promise.all(
    config.subgraphs.map(async (name) => [name, await probe(name, config.urlOf(name), timeoutMs)] as const),
  );
  const subgraphs = Object.fromEntries(results) as Record<string, SubgraphHealth>;
  const down: string[] = [];
  for (const [name, h] of results) {
    const upstreamsDown = Object.entries(h.upstreams ?? {}).filter(([, s]) => s === 'down');
    if (upstreamsDown.length > 0) down.push(...upstreamsDown.map(([u]) => `${u} upstream (${name})`));
    else if (h.status === 'down' && !h.database) down.push(`${name} subgraph`);
    else if (h.database?.status === 'down') down.push(`${name} database`);
    else if (h.status === 'down') down.push(`${name} subgraph`);
  }
  return { status: down.length === 0 ? 'up' : 'down', down, subgraphs };
}
