// The contract part of an upstream-mode subgraph's /health: a route that answered outside its
// contract within the window makes the subgraph `degraded` (still up), naming upstream, route
// and field and never a value; outside the window, or on another upstream's routes, it does not.
import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import type { UpstreamClient } from '../../lib/http-client.ts';
import { UpstreamContractError, parseUpstream, recentViolations } from '../../lib/upstream-contract.ts';
import { upstreamHealth } from '../../lib/upstream-health.ts';

const schema = z.object({ amount: z.number(), email: z.string() });
const violate = (upstream: string, route: string) => {
  expect(() => parseUpstream(schema, { email: 'someone@example.com' }, { upstream, route })).toThrow(
    UpstreamContractError,
  );
};
/** A client whose probe always answers 200. */
const answering = (name: string) =>
  ({
    name,
    circuitOpen: false,
    onBreakerChange: () => {},
    request: async () => ({ status: 200, headers: {}, body: {} }),
  }) as unknown as UpstreamClient;
const config = { UPSTREAM_HEALTH_TIMEOUT_MS: 1000, UPSTREAM_HEALTH_CACHE_MS: 0 };

describe('upstream contract health', () => {
  it('lists the routes of an upstream that violated its contract within the window, newest first', () => {
    violate('alpha', 'GET /things/{id}');
    violate('alpha', 'GET /other');
    const now = Date.now();
    expect(recentViolations('alpha', 60_000, '', now).map((v) => [v.upstream, v.route, v.field])).toEqual(
      expect.arrayContaining([
        ['alpha', 'GET /things/{id}', 'amount'],
        ['alpha', 'GET /other', 'amount'],
      ]),
    );
    expect(recentViolations('beta', 60_000, '', now)).toEqual([]);
  });

  it('forgets a violation once the window has passed', () => {
    violate('gamma', 'GET /things');
    const later = Date.now() + 60_001;
    expect(recentViolations('gamma', 60_000, '', Date.now())).toHaveLength(1);
    expect(recentViolations('gamma', 60_000, '', later)).toEqual([]);
  });

  it('counts only the routes under a path prefix when one is given', () => {
    violate('delta', 'GET /puro/inventory');
    violate('delta', 'GET /co2trust-services/v1/products');
    expect(recentViolations('delta', 60_000, '/puro/').map((v) => v.route)).toEqual(['GET /puro/inventory']);
  });

  it('a subgraph is up, with `contract` naming the violations and no values; without violations there is no `contract`', async () => {
    const clean = await upstreamHealth(
      [{ name: 'epsilon', client: answering('epsilon'), request: { path: '/health' } }],
      config,
    )();
    expect(clean).toEqual({ up: true, source: 'upstream', upstreams: { epsilon: 'up' } });

    violate('epsilon', 'GET /things');
    const report = await upstreamHealth(
      [{ name: 'epsilon', client: answering('epsilon'), request: { path: '/health' } }],
      config,
    )();
    expect(report.up).toBe(true);
    expect(report.contract).toEqual([
      { upstream: 'epsilon', route: 'GET /things', field: 'amount', at: expect.any(String) },
    ]);
    expect(JSON.stringify(report)).not.toContain('someone@example.com');
  });

  it('a window of zero forgets a violation once time moves on; the health report uses the configured window', async () => {
    violate('zeta', 'GET /things');
    expect(recentViolations('zeta', 0, '', Date.now() + 1)).toEqual([]);
    const report = await upstreamHealth([{ name: 'zeta', client: answering('zeta'), request: { path: '/health' } }], {
      ...config,
      UPSTREAM_CONTRACT_WINDOW_MS: 300_000,
    })();
    expect(report.contract?.map((c) => c.route)).toEqual(['GET /things']);
  });
});
