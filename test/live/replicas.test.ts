// Live updates across replicas: two gateways, two marketplaces, and payments, the registry and
// footprints, on one PostgreSQL database, with the pub/sub in Redis. Gateway A reaches marketplace
// replica 1 only and gateway B replica 2 only, and only replica 2 delivers its outbox, so every
// change of the order is made on replica 2: a subscriber on gateway A (its stream on replica 1)
// hears it through Redis alone. Both replicas hear every message; each subscriber still gets each
// step once, in order, over SSE and over WebSocket.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { serveGateway, type RunningGateway } from '../../gateway/server.ts';
import type { StackConfig as Config } from '../../subgraphs/index.ts';
import { serveSubgraph, type RunningSubgraph } from '../../lib/subgraph.ts';
import { graphql, ok } from '../support/graphql.ts';
import { freshStorage, testConfig, tokenFor, usingPostgres } from '../support/env.ts';
import { freePort } from '../support/free-port.ts';
import { subgraphFactory } from '../support/stack.ts';
import { sseSubscribe, type ExecutionResultLike } from './sse-client.ts';
import { wsSubscribe } from './ws-client.ts';

const PROGRESS = `subscription($key: String) { offsetOrderProgress(idempotencyKey: $key) { step final order { id status } } }`;
const ORDER = `mutation($input: CreateOffsetOrderByMassInput!) { createOffsetOrderByMass(input: $input) { offsetOrder { id } userErrors { code } } }`;
const WAITING = { data: { offsetOrderProgress: { step: 'WAITING', final: false, order: null } } };
const STEPS = ['WAITING', 'ORDERED', 'PAID', 'WAITING_FOR_POOLED_TONNE', 'RETIREMENT_BLOCKED', 'CERTIFICATE_READY'];

const stepsOf = (results: ExecutionResultLike[]) =>
  results.map((r) => (r.data?.offsetOrderProgress as { step: string } | null)?.step ?? 'ERROR');

/** Steps received once each, in their order, ending with the certificate. */
function expectEachStepOnceInOrder(results: ExecutionResultLike[]) {
  expect(results.filter((r) => r.errors)).toEqual([]);
  const steps = stepsOf(results);
  expect(steps[0]).toBe('WAITING');
  expect(steps.at(-1)).toBe('CERTIFICATE_READY');
  expect(new Set(steps).size).toBe(steps.length);
  const positions = steps.map((s) => STEPS.indexOf(s));
  expect(positions).toEqual([...positions].sort((a, b) => a - b));
}

const onPostgres = usingPostgres() ? describe : describe.skip;

onPostgres(
  'live updates across replicas: two gateways, two marketplaces, Redis (PostgreSQL only; skipped on SQLite, a file per machine that replicas cannot share)',
  () => {
    let storage: Awaited<ReturnType<typeof freshStorage>>;
    const subgraphs: RunningSubgraph[] = [];
    const gateways: RunningGateway[] = [];
    const buyer = { id: 'replica-live-buyer', email: 'replica-live@example.test', role: 'USER' as const };
    let token: string;

    beforeAll(async () => {
      storage = await freshStorage();
      const ports = {
        marketplace1: await freePort(),
        marketplace2: await freePort(),
        payments: await freePort(),
        registry: await freePort(),
        footprints: await freePort(),
      };
      const url = (port: number) => `http://127.0.0.1:${port}/graphql`;
      const env = {
        ...storage.env,
        REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/12',
        MARKETPLACE_URL: url(ports.marketplace1),
        PAYMENTS_URL: url(ports.payments),
        REGISTRY_URL: url(ports.registry),
        FOOTPRINTS_URL: url(ports.footprints),
        PAYMENT_OUTBOX_INTERVAL_MS: '50',
      };
      const serve = async (
        name: 'marketplace' | 'payments' | 'registry' | 'footprints',
        config: Config,
        port: number,
      ) => subgraphs.push(await serveSubgraph(await (await subgraphFactory(name))(config), config, port));
      // Replica 1 delivers no outbox message while the test runs (its next pass is minutes away):
      // what changes the order happens on replica 2.
      await serve('marketplace', testConfig({ ...env, PAYMENT_OUTBOX_INTERVAL_MS: '600000' }), ports.marketplace1);
      await serve('marketplace', testConfig(env), ports.marketplace2);
      for (const name of ['payments', 'registry', 'footprints'] as const)
        await serve(name, testConfig(env), ports[name]);
      gateways.push(await serveGateway(testConfig(env), 0));
      gateways.push(await serveGateway(testConfig({ ...env, MARKETPLACE_URL: url(ports.marketplace2) }), 0));
      token = await tokenFor(buyer);
    }, 90_000);

    afterAll(async () => {
      for (const g of gateways) await g.stop();
      for (const s of subgraphs) await s.stop();
      await storage?.drop();
    }, 60_000);

    it('a subscriber on gateway A gets each step of an order placed through gateway B once, in order (SSE and WebSocket)', async () => {
      const [a, b] = gateways as [RunningGateway, RunningGateway];
      const key = 'replicas-live-1';
      const overSse = await sseSubscribe(a.url, PROGRESS, { key }, { token });
      expect(await overSse.next()).toEqual(WAITING);
      const overWs = wsSubscribe(a.url, PROGRESS, { key }, token);
      await overWs.received(1);
      expect(overWs.results).toEqual([WAITING]);
      // The same order followed on replica 2 too: both replicas have a stream for it.
      const onB = await sseSubscribe(b.url, PROGRESS, { key }, { token });
      expect(await onB.next()).toEqual(WAITING);

      const placed = ok(
        await graphql<{ createOffsetOrderByMass: { offsetOrder: { id: string } } }>(
          b.url,
          ORDER,
          { input: { mass: { amount: '1', unit: 'T' }, idempotencyKey: key } },
          { token },
        ),
      );
      const orderId = placed.createOffsetOrderByMass.offsetOrder.id;

      const sse = [WAITING, ...(await overSse.rest())];
      await overWs.ended;
      const ws = overWs.results;
      const b2 = [WAITING, ...(await onB.rest())];
      await overWs.close();
      for (const results of [sse, ws, b2]) {
        expectEachStepOnceInOrder(results);
        const last = results.at(-1)!.data!.offsetOrderProgress as { final: boolean; order: { id: string } };
        expect(last).toMatchObject({ final: true, order: { id: orderId } });
      }
      // Gateway A's streams are on replica 1, which changed nothing: they heard replica 2 through Redis.
      expect(stepsOf(sse).length).toBeGreaterThan(1);
      expect(stepsOf(ws).length).toBeGreaterThan(1);
    }, 60_000);
  },
);
