// Offsetting a product survives what stops it half-way: the marketplace process
// killed (SIGKILL) right after a step commits, and payments down when the payment is due. The run
// resumes where it stopped, by itself or on a retry, and ends with one order and one payment.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ALL_VARIABLES as ENV_VARIABLES, type StackConfig as Config } from '../../subgraphs/index.ts';
import { openDatabase, type Database } from '../../lib/db.ts';
import { DEMO } from '../../demo/data.ts';
import { ROOT } from '../../lib/paths.ts';
import { serveSubgraph, type RunningSubgraph } from '../../lib/subgraph.ts';
import { entities } from '../../subgraphs/marketplace/entities.ts';
import { OffsetProductRun } from '../../subgraphs/marketplace/offsets/flow/entities.ts';
import { MIGRATIONS } from '../../subgraphs/marketplace/server.ts';
import type { LuneFake } from '../../fakes/lune.ts';
import { until } from '../marketplace/helpers.ts';
import { tokenFor } from '../support/env.ts';
import {
  OffsetResoldProductDocument,
  OrderPaymentAmountsDocument,
  ResoldProductOffsetOrderIdsDocument,
  UpdateResoldProductDocument,
} from '../__generated__/operations.ts';
import { graphql, ok } from '../support/graphql.ts';
import { gid } from '../support/ids.ts';
import { startStack, subgraphFactory, type Stack } from '../support/stack.ts';

const OATS = DEMO.resoldProducts[1]!;

/** The environment the stack's processes read, as a process of its own would get it. */
function processEnv(config: Config, extra: Record<string, string>): NodeJS.ProcessEnv {
  const values = ENV_VARIABLES.flatMap((name) => {
    const value = (config as unknown as Record<string, unknown>)[name];
    return value === undefined ? [] : [[name, String(value)]];
  });
  return { PATH: process.env.PATH, ...Object.fromEntries(values), LOG_LEVEL: 'silent', ...extra };
}

describe('offsetting a product resumes after a crash or an outage (local mode)', () => {
  let stack: Stack;
  let alice: string;
  let admin: string;
  let child: ChildProcess | null = null;
  let payments: RunningSubgraph | null = null;
  let db: Database;

  beforeAll(async () => {
    stack = await startStack('local', { PAYMENT_OUTBOX_INTERVAL_MS: '50', OFFSET_FLOW_RESUME_INTERVAL_MS: '100' });
    alice = await tokenFor(DEMO.users.alice);
    admin = await tokenFor(DEMO.users.admin);
    // 10 t of oats sold in 2025 at 0.61 kg CO2e per kg: 6.1 t CO2e per order, well within the inventory.
    const oats = {
      id: OATS,
      name: 'Organic Rolled Oats 750 g',
      pickUpLocation: 'Järna, SE',
      productionLocation: 'Järna, SE',
      shipToLocation: 'Stockholm, SE',
      yearlySalesVolumes: [{ year: 2025, tonnes: '10' }],
    };
    ok(await graphql(stack.gateway.url, UpdateResoldProductDocument, { input: oats }, { token: admin }));
    db = await openDatabase(stack.config, { name: 'marketplace', entities, migrationsPath: MIGRATIONS });
  }, 60_000);
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child!.once('exit', resolve));
    }
    await payments?.stop();
    await db?.close();
    await stack?.stop();
  });

  const offset = (idempotencyKey: string) =>
    graphql(
      stack.gateway.url,
      OffsetResoldProductDocument,
      { input: { resoldProductId: OATS, year: 2025, idempotencyKey } },
      { token: alice },
    );
  const paymentsOf = async (orderId: string) =>
    ok(await graphql(stack.gateway.url, OrderPaymentAmountsDocument, { id: orderId }, { token: admin }))
      .paymentTransactions.nodes.length;
  const runOf = (idempotencyKey: string) =>
    db.fork().findOne(OffsetProductRun, { buyerId: DEMO.users.alice.id, idempotencyKey });
  const productOrders = async () =>
    ok(
      await graphql(stack.gateway.url, ResoldProductOffsetOrderIdsDocument, { id: OATS }, { token: alice }),
    ).resoldProduct!.offsetOrders.nodes.map((o) => o.id);

  /** The marketplace as a process of its own on the stack's marketplace port. */
  async function startMarketplaceProcess(extra: Record<string, string> = {}): Promise<ChildProcess> {
    const started = spawn(process.execPath, [join(ROOT, 'subgraphs/marketplace/server.ts')], {
      env: processEnv(stack.config, extra),
      stdio: 'ignore',
    });
    child = started;
    const health = `http://127.0.0.1:${stack.config.portOf('marketplace')}/health`;
    await until(async () => (await fetch(health).catch(() => null))?.status === 200, 'the marketplace process', 30_000);
    return started;
  }

  it('payments down when the payment is due: the order is placed at once and paid once payments is back', async () => {
    await stack.stopSubgraph('payments');
    const placed = ok(await offset('oats-outage')).offsetResoldProduct;
    expect(placed.userErrors).toEqual([]);
    const orderId = placed.offsetOrder!.id;
    expect((await runOf('oats-outage'))?.step).toBe('ORDERED');

    payments = await serveSubgraph(
      await (
        await subgraphFactory('payments')
      )(stack.config),
      stack.config,
      stack.config.portOf('payments'),
    );
    await until(async () => (await runOf('oats-outage'))?.step === 'COMPLETE', 'the run to complete');
    expect(await paymentsOf(orderId)).toBe(1);
    // A retry after completion is the same order, and pays nothing more.
    expect(ok(await offset('oats-outage')).offsetResoldProduct.offsetOrder!.id).toBe(orderId);
    expect(await paymentsOf(orderId)).toBe(1);
  });

  it.each(['MEASURED', 'ORDERED'])(
    'the marketplace killed right after %s: a restart finishes the run with one order and one payment',
    async (step) => {
      const key = `oats-crash-${step}`;
      if (!child) await stack.stopSubgraph('marketplace');
      const doomed = await startMarketplaceProcess({ OFFSET_FLOW_CRASH_AFTER: step });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        doomed.once('exit', (_code, signal) => resolve(signal)),
      );
      const before = await productOrders().catch(() => null);
      const answer = await offset(key);
      expect(answer.data?.offsetResoldProduct ?? null).toBeNull();
      expect(await exited).toBe('SIGKILL');
      expect((await runOf(key))?.step).toBe(step);

      const restarted = await startMarketplaceProcess();
      // The resumer finishes the run by itself: no request needed.
      await until(async () => (await runOf(key))?.step === 'COMPLETE', 'the resumed run to complete', 30_000);
      const run = (await runOf(key))!;
      expect(await paymentsOf(run.orderId!)).toBe(1);
      // The buyer's retry returns the order the run placed; exactly one order was added for the product.
      expect(ok(await offset(key)).offsetResoldProduct.offsetOrder!.id).toBe(gid('OffsetOrder', run.orderId!));
      const after = await productOrders();
      expect(after.filter((id) => !(before ?? []).includes(id))).toEqual([gid('OffsetOrder', run.orderId!)]);
      expect(await paymentsOf(run.orderId!)).toBe(1);

      restarted.kill('SIGTERM');
      await new Promise((resolve) => restarted.once('exit', resolve));
    },
    90_000,
  );
});

describe('offsetting a product while payments is down (upstream mode)', () => {
  let stack: Stack;
  let payments: RunningSubgraph | null = null;
  let db: Database;

  beforeAll(async () => {
    stack = await startStack('upstream', { PAYMENT_OUTBOX_INTERVAL_MS: '50', OFFSET_FLOW_RESUME_INTERVAL_MS: '100' });
    db = await openDatabase(stack.config, { name: 'marketplace', entities, migrationsPath: MIGRATIONS });
  }, 60_000);
  afterAll(async () => {
    await payments?.stop();
    await db?.close();
    await stack?.stop();
  });

  it('Lune takes the order at once; the payment is recorded once payments is back', async () => {
    const alice = await tokenFor(DEMO.users.alice);
    const admin = await tokenFor(DEMO.users.admin);
    const lune = stack.fakes.find((f) => f.name === 'lune') as LuneFake;
    await stack.stopSubgraph('payments');
    const input = { resoldProductId: DEMO.resoldProducts[0], year: 2025, idempotencyKey: 'oat-drink-outage' };
    const placed = ok(
      await graphql(stack.gateway.url, OffsetResoldProductDocument, { input }, { token: alice }),
    ).offsetResoldProduct;
    const orderId = placed.offsetOrder!.id;
    expect(lune.ordersCreated()).toBe(1);
    const run = () =>
      db.fork().findOneOrFail(OffsetProductRun, { buyerId: DEMO.users.alice.id, idempotencyKey: input.idempotencyKey });
    expect((await run()).step).toBe('ORDERED');

    payments = await serveSubgraph(
      await (
        await subgraphFactory('payments')
      )(stack.config),
      stack.config,
      stack.config.portOf('payments'),
    );
    await until(async () => (await run()).step === 'COMPLETE', 'the run to complete');
    const paid = ok(await graphql(stack.gateway.url, OrderPaymentAmountsDocument, { id: orderId }, { token: admin }));
    expect(paid.paymentTransactions.nodes).toHaveLength(1);
    expect(lune.ordersCreated()).toBe(1);
  });
});
