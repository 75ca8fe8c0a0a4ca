// Subscriptions when the owning subgraph dies: the marketplace runs as a process of its own and is
// killed (SIGKILL, no graceful stop) while streams are open. Each client gets one coded error
// (STREAM_INTERRUPTED) and the end of its stream, over SSE and over WebSocket, instead of a stream
// that hangs or an uncoded error; while it is down a new one is UPSTREAM_UNAVAILABLE; once the
// marketplace is back, a new subscription follows an order from before it is placed to its
// certificate, each step once. A subgraph that only enriches events (the registry) being down is
// an error in those events, and the stream goes on.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { serveGateway, type RunningGateway } from '../../gateway/server.ts';
import type { StackConfig as Config, SubgraphName } from '../../subgraphs/index.ts';
import { ROOT } from '../../lib/paths.ts';
import { serveSubgraph, type RunningSubgraph } from '../../lib/subgraph.ts';
import { graphql, ok } from '../support/graphql.ts';
import { TEST_SECRETS, freshStorage, testConfig, tokenFor } from '../support/env.ts';
import { freePort } from '../support/free-port.ts';
import { subgraphFactory } from '../support/stack.ts';
import { sseSubscribe } from './sse-client.ts';
import { wsSubscribe } from './ws-client.ts';

const PROGRESS = `subscription($key: String) { offsetOrderProgress(idempotencyKey: $key) { step final order { id status } } }`;
const ORDER = `mutation($input: CreateOffsetOrderByMassInput!) { createOffsetOrderByMass(input: $input) { offsetOrder { id } userErrors { code } } }`;
const WAITING = { data: { offsetOrderProgress: { step: 'WAITING', final: false, order: null } } };
const buyer = { id: 'killed-buyer', email: 'killed-buyer@example.test', role: 'USER' as const };

const codesOf = (results: { errors?: { extensions?: { code?: string } }[] }[]) =>
  results.flatMap((r) => (r.errors ?? []).map((e) => e.extensions?.code));

describe('a subgraph killed mid-stream', () => {
  let storage: Awaited<ReturnType<typeof freshStorage>>;
  let env: Record<string, string>;
  let config: Config;
  let gateway: RunningGateway;
  const others: Partial<Record<'payments' | 'registry' | 'footprints', RunningSubgraph>> = {};
  let marketplace: { child: ChildProcess; exited: Promise<unknown>; output: () => string } | null = null;
  let token: string;

  /** The marketplace as its own process (the same configuration as the rest), up once it answers /health. */
  const startMarketplace = async () => {
    const child = spawn(process.execPath, [join(ROOT, 'subgraphs/marketplace/server.ts')], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += String(d)));
    child.stderr!.on('data', (d) => (output += String(d)));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    marketplace = { child, exited, output: () => output };
    const health = new URL('/health', config.urlOf('marketplace'));
    for (let i = 0; i < 600; i++) {
      if (child.exitCode !== null) throw new Error(`the marketplace exited: ${output}`);
      if ((await fetch(health).catch(() => null))?.ok) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the marketplace did not start: ${output}`);
  };
  const serveOther = async (name: 'payments' | 'registry' | 'footprints') => {
    others[name] = await serveSubgraph(await (await subgraphFactory(name))(config), config, config.portOf(name));
  };
  const killMarketplace = async () => {
    marketplace!.child.kill('SIGKILL');
    await marketplace!.exited;
    marketplace = null;
  };

  beforeAll(async () => {
    storage = await freshStorage();
    const ports = Object.fromEntries(
      await Promise.all(
        (['marketplace', 'payments', 'registry', 'footprints'] as SubgraphName[]).map(async (n) => [
          `${n.toUpperCase()}_PORT`,
          String(await freePort()),
        ]),
      ),
    ) as Record<string, string>;
    env = {
      ...TEST_SECRETS,
      ...storage.env,
      ...ports,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      PAYMENT_OUTBOX_INTERVAL_MS: '50',
    };
    config = testConfig(env);
    for (const name of ['payments', 'registry', 'footprints'] as const) await serveOther(name);
    await startMarketplace();
    gateway = await serveGateway(config, 0);
    token = await tokenFor(buyer);
  }, 90_000);

  afterAll(async () => {
    if (marketplace) await killMarketplace();
    await gateway?.stop();
    for (const s of Object.values(others)) await s.stop();
    await storage?.drop();
  }, 30_000);

  it('ends open streams with one coded error, then completes them, over SSE and WebSocket', async () => {
    const sse = await sseSubscribe(gateway.url, PROGRESS, { key: 'killed-sse' }, { token });
    expect(await sse.next()).toEqual(WAITING);
    const ws = wsSubscribe(gateway.url, PROGRESS, { key: 'killed-ws' }, token);
    await ws.received(1);
    expect(ws.results).toEqual([WAITING]);

    const killed = Date.now();
    await killMarketplace();
    const rest = await sse.rest();
    // The WebSocket stream completes (an `error` message or a closed socket would reject).
    await ws.ended;
    // Promptly (not after a heartbeat or a timeout), with a code, and nothing else.
    expect(Date.now() - killed).toBeLessThan(5_000);
    expect(rest).toHaveLength(1);
    expect(codesOf(rest)).toEqual(['STREAM_INTERRUPTED']);
    // Not the event before again: the error alone.
    expect(rest[0]!.data).toBeUndefined();
    expect(ws.results.slice(1).map((r) => codesOf([r]))).toEqual([['STREAM_INTERRUPTED']]);
    await ws.close();

    // While it is down, a new subscription is refused as any request to it is.
    const refused = await sseSubscribe(gateway.url, PROGRESS, { key: 'killed-down' }, { token });
    const answer = refused.refusal ? [refused.refusal] : await refused.rest();
    expect(codesOf(answer)).toEqual(['UPSTREAM_UNAVAILABLE']);
  }, 60_000);

  it('after the subgraph returns, a new subscription follows an order to its certificate, each step once', async () => {
    await startMarketplace();
    const sub = await sseSubscribe(gateway.url, PROGRESS, { key: 'killed-again' }, { token });
    expect(await sub.next()).toEqual(WAITING);
    ok(
      await graphql(
        gateway.url,
        ORDER,
        { input: { mass: { amount: '1', unit: 'T' }, idempotencyKey: 'killed-again' } },
        { token },
      ),
    );
    const rest = await sub.rest();
    const steps = rest.map((r) => (r.data?.offsetOrderProgress as { step: string }).step);
    expect(codesOf(rest)).toEqual([]);
    expect(new Set(steps).size).toBe(steps.length);
    expect(steps.at(-1)).toBe('CERTIFICATE_READY');
  }, 60_000);

  it('a subgraph that cannot enrich an event leaves the stream open: that event carries the error', async () => {
    const query = `subscription($key: String) { offsetOrderProgress(idempotencyKey: $key) { step final order { id retirementShares { retirement { retirements { id } } } } } }`;
    await others.registry!.stop();
    delete others.registry;
    const sub = await sseSubscribe(gateway.url, query, { key: 'enrich-down' }, { token });
    expect(await sub.next()).toEqual(WAITING);
    ok(
      await graphql(
        gateway.url,
        ORDER,
        { input: { mass: { amount: '1', unit: 'T' }, idempotencyKey: 'enrich-down' } },
        { token },
      ),
    );
    // The order's step, with the registry's part missing: an error at the nested field, not the end.
    const enriched = (await sub.next())!;
    expect((enriched.data?.offsetOrderProgress as { step: string }).step).not.toBe('WAITING');
    expect(codesOf([enriched])).toContain('UPSTREAM_UNAVAILABLE');
    expect(codesOf([enriched])).not.toContain('STREAM_INTERRUPTED');
    // The registry returns: the retirement is delivered, and the same stream reaches the certificate.
    await serveOther('registry');
    const rest = await sub.rest();
    expect(codesOf(rest)).not.toContain('STREAM_INTERRUPTED');
    expect((rest.at(-1)!.data!.offsetOrderProgress as { step: string }).step).toBe('CERTIFICATE_READY');
  }, 60_000);
});
