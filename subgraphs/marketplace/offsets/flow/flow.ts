// Offsetting a resold product end to end, exactly once: a persisted state machine per buyer and
// idempotency key. Each step commits its journal entry with its local effect; calls to other
// systems carry keys derived from the run, so a step interrupted anywhere (a crash, an outage) is
// resumed, by a retry of the buyer or by the resumer, and never done twice.
import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { GraphQLError } from 'graphql';
import { isAdmin, type Viewer } from '../../../../lib/auth.ts';
import { alignByKey } from '../../../../lib/batch.ts';
import {
  byCreation,
  keysetPage,
  ormOrderBy,
  withNodes,
  type Connection,
  type ConnectionArgs,
} from '../../../../lib/connection.ts';
import type { Database, EntityManager } from '../../../../lib/db.ts';
import { fromMinor, toMinor } from '../../../../lib/decimal.ts';
import { DomainError, ErrorCode, apiError, type UserErrorCode } from '../../../../lib/errors.ts';
import { upstreamToGraphQLError } from '../../../../lib/http-client.ts';
import { assertMassWithinLimit } from '../../../../lib/limits.ts';
import type { Logger } from '../../../../lib/logger.ts';
import type { ServiceOutboxPort } from '../../outbox/port.ts';
import type { OffsetOrderSource, OffsetOrderView } from '../source.ts';
import { OffsetProductRun, type OffsetProductStep } from './entities.ts';
import { measureProduct, type FootprintsEndpoint } from './footprints.ts';
import { offsetProductHash, type OffsetProductRequest } from './input.ts';

const PAYMENT = 'recordPaymentTransaction';

/** Another run of the same key took this step first: read the run again and go on from there. */
class StepTaken extends Error {}

export interface OffsetProductFlowOptions {
  db: Database;
  footprints: FootprintsEndpoint;
  /** The offset orders of one buyer (the resumer acts for the run's buyer, without a token). */
  offsetsFor(viewer: Viewer): OffsetOrderSource;
  /** Where the payment records of placed orders are written (in the order's transaction) and read back. */
  outbox: ServiceOutboxPort;
  /** A payment record was committed to the service outbox: deliver it now. */
  paymentQueued(): void;
  /** Test-only failpoint: the process dies abruptly right after committing this step. */
  crashAfter: OffsetProductStep | null;
  log: Logger;
  /** Told after a run's step is committed (live updates re-read the run). */
  stepped?: () => void;
}

/** The buyer a run acts for: the resumer has only the id the run recorded. */
const buyerOf = (run: OffsetProductRun): Viewer => ({
  id: run.buyerId,
  email: '',
  name: run.beneficiary,
  role: 'USER',
  scopes: [],
});

/**
 * The idempotency key of the order a run places: a derived key (`offset-product:<run id>`), not the
 * buyer's. The buyer's key names the run (unique per buyer in offset_product_runs), and the buyer
 * may have used the same key for an offset order of their own, which must stay another order; the
 * run's id is recorded before the order is placed, so a resumed run, acting without the buyer,
 * finds its order. docs/api.md states it (Recovery).
 */
export const orderKeyOf = (runId: string) => `offset-product:${runId}`;

export class OffsetProductFlow {
  private readonly opts: OffsetProductFlowOptions;

  constructor(opts: OffsetProductFlowOptions) {
    this.opts = opts;
  }

  /**
   * Offsets a product's year for the viewer and returns the order. A new key measures and quotes
   * first (refusals write nothing); a known key with the same input resumes its run.
   */
  async offset(
    viewer: Viewer,
    callerToken: string,
    request: OffsetProductRequest,
    defaultCurrency: string,
  ): Promise<OffsetOrderView> {
    const hash = offsetProductHash(request);
    let run = await this.runByKey(viewer.id, request.idempotencyKey);
    if (!run) run = await this.start(viewer, callerToken, request, hash, defaultCurrency);
    if (run.requestHash !== hash) {
      throw new DomainError(
        'IDEMPOTENCY_MISMATCH',
        'This idempotency key was already used to offset another product, year or spend limit',
        'input.idempotencyKey',
      );
    }
    const advanced = await this.advance(run).catch((error: unknown) => {
      // The run is recorded: an outage stops this answer, not the offset, which the resumer finishes.
      const failure = error instanceof GraphQLError ? error : upstreamToGraphQLError(error);
      const code = String(failure?.extensions.code);
      if (failure && RESUMABLE.has(code)) {
        throw apiError(
          code as ErrorCode,
          `${failure.message}. The offset is recorded and completed in the background; retry with the same idempotencyKey for its order`,
          failure.extensions,
        );
      }
      throw error;
    });
    const [order] = await this.opts.offsetsFor(viewer).offsetOrdersByIds([advanced.orderId!]);
    if (order instanceof Error) throw order;
    if (!order) throw new Error(`offset order ${advanced.orderId} of run ${run.id} not found`);
    return order;
  }

  /** MEASURED: reads footprints as the caller, quotes, checks the spend limit, then records the run. */
  private async start(
    viewer: Viewer,
    callerToken: string,
    request: OffsetProductRequest,
    hash: string,
    defaultCurrency: string,
  ): Promise<OffsetProductRun> {
    const measured = await measureProduct(this.opts.footprints, callerToken, request.resoldProductId, request.year);
    // A year's emissions beyond the mass limit are refused before any quote (both modes).
    assertMassWithinLimit(measured.grams, 'input.resoldProductId');
    const currency = request.maximumSpend?.currency ?? defaultCurrency;
    const quote = await this.opts.offsetsFor(viewer).quote({ kind: 'MASS', grams: measured.grams, currency });
    const costMinor = toMinor(quote.totalCost.amount, quote.totalCost.currency);
    const limit = request.maximumSpend;
    if (limit && (quote.totalCost.currency !== limit.currency || costMinor > limit.minor))
      throw aboveLimit(request.year, costMinor, limit.minor, quote.totalCost.currency, limit.currency);
    const now = new Date();
    const em = this.opts.db.fork();
    const run = em.create(OffsetProductRun, {
      id: randomUUID(),
      buyerId: viewer.id,
      idempotencyKey: request.idempotencyKey,
      requestHash: hash,
      resoldProductId: request.resoldProductId,
      productName: measured.productName,
      year: request.year,
      step: 'MEASURED',
      footprintKgPerKg: measured.footprintKgPerKg,
      salesTonnes: measured.salesTonnes,
      grams: measured.grams,
      currency: quote.totalCost.currency,
      quotedCostMinor: costMinor,
      maximumSpendMinor: limit?.minor ?? null,
      beneficiary: request.beneficiary ?? viewer.name ?? viewer.email,
      orderId: null,
      refusalCode: null,
      refusalField: null,
      refusalMessage: null,
      createdAt: now,
      updatedAt: now,
    });
    try {
      await em.flush();
    } catch (error) {
      // The same key started concurrently: that run is this request's run.
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      const first = await this.runByKey(viewer.id, request.idempotencyKey);
      if (!first) throw error;
      return first;
    }
    this.crashPoint('MEASURED');
    this.opts.stepped?.();
    return run;
  }

  /** Takes a run as far as it can go now; returns it as it stands (ORDERED at least). */
  async advance(run: OffsetProductRun): Promise<OffsetProductRun> {
    for (;;) {
      try {
        if (run.step === 'REFUSED') throw refusalOf(run);
        if (run.step === 'MEASURED') await this.placeOrder(run);
        else if (run.step === 'ORDERED') await this.completeWhenPaid(run);
        return (await this.runById(run.id))!;
      } catch (error) {
        if (!(error instanceof StepTaken)) throw error;
        run = (await this.runById(run.id))!;
      }
    }
  }

  /**
   * ORDERED: places the order under the run's key and, in one transaction with it where the order
   * is local (else right after the provider's answer), moves the run on and queues the payment.
   */
  private async placeOrder(run: OffsetProductRun): Promise<void> {
    let journaled = false;
    const derivedKey = orderKeyOf(run.id);
    const order = await this.opts
      .offsetsFor(buyerOf(run))
      .placeOrder({ kind: 'MASS', grams: run.grams, currency: run.currency }, derivedKey, {
        beneficiary: run.beneficiary,
        alongside: async (tx, placed) => {
          // Stock taken since the quote may cost more: the limit holds for the order itself.
          if (run.maximumSpendMinor != null && placed.costMinor > run.maximumSpendMinor)
            throw aboveLimit(run.year, placed.costMinor, run.maximumSpendMinor, placed.currency);
          await this.journalOrdered(tx, run, placed);
          journaled = true;
        },
      })
      .catch(async (error: unknown) => {
        if (error instanceof DomainError) await this.refuse(run, error);
        throw error;
      });
    if (!journaled) {
      // A provider's order may not be priced yet: the payment is the quote the buyer accepted.
      const costMinor = order.totalCost
        ? toMinor(order.totalCost.amount, order.totalCost.currency)
        : run.quotedCostMinor;
      await this.opts.db.fork().transactional((tx) =>
        this.journalOrdered(tx, run, {
          id: order.id,
          costMinor,
          currency: order.totalCost?.currency ?? run.currency,
        }),
      );
    }
    this.crashPoint('ORDERED');
    this.opts.paymentQueued();
    this.opts.stepped?.();
  }

  private async journalOrdered(
    tx: EntityManager,
    run: OffsetProductRun,
    order: { id: string; costMinor: bigint; currency: string },
  ): Promise<void> {
    const moved = await tx.nativeUpdate(
      OffsetProductRun,
      { id: run.id, step: 'MEASURED' },
      { step: 'ORDERED', orderId: order.id, updatedAt: new Date() },
    );
    if (moved !== 1) throw new StepTaken();
    const derivedKey = orderKeyOf(run.id);
    await this.opts.outbox.enqueue(tx, PAYMENT, derivedKey, {
      externalReference: derivedKey,
      type: 'ORDER',
      typeId: order.id,
      payerId: run.buyerId,
      payeeId: null,
      amount: fromMinor(order.costMinor, order.currency),
      currency: order.currency,
      status: 'COMPLETED',
    });
  }

  /** REFUSED: the order was refused; every retry of the key answers the same user error. */
  private async refuse(run: OffsetProductRun, error: DomainError): Promise<void> {
    const update = {
      step: 'REFUSED' as const,
      refusalCode: error.code,
      refusalField: error.field?.join('.') ?? null,
      refusalMessage: error.message,
      updatedAt: new Date(),
    };
    const moved = await this.opts.db.fork().nativeUpdate(OffsetProductRun, { id: run.id, step: 'MEASURED' }, update);
    if (moved !== 1) throw new StepTaken();
    this.opts.log.info({ offsetProductRunId: run.id, code: error.code }, 'offset product run refused when ordering');
    this.opts.stepped?.();
  }

  /** COMPLETE once payments has the payment record (the service outbox delivers and retries it). */
  private async completeWhenPaid(run: OffsetProductRun): Promise<void> {
    const em = this.opts.db.fork();
    const derivedKey = orderKeyOf(run.id);
    const payment = (await this.opts.outbox.outcomes(em, PAYMENT, [derivedKey])).get(derivedKey);
    if (payment?.status !== 'DELIVERED') return;
    const moved = await em.nativeUpdate(
      OffsetProductRun,
      { id: run.id, step: 'ORDERED' },
      { step: 'COMPLETE', updatedAt: new Date() },
    );
    if (moved !== 1) throw new StepTaken();
    this.crashPoint('COMPLETE');
    this.opts.stepped?.();
  }

  /**
   * Resumes runs left between steps (a crash, an outage): the oldest first, each untouched for
   * `idleMs` so a run a request is advancing now is left to it. Returns how many it looked at.
   */
  async resumeIdle(idleMs: number, limit = 100): Promise<number> {
    const em = this.opts.db.fork();
    const runs = await em.find(
      OffsetProductRun,
      { step: { $in: ['MEASURED', 'ORDERED'] }, updatedAt: { $lte: new Date(Date.now() - idleMs) } },
      { orderBy: { updatedAt: 'ASC', id: 'ASC' }, limit },
    );
    for (const run of runs) {
      try {
        const after = await this.advance(run);
        // A run still waiting (its payment not delivered yet) goes to the back of the queue.
        if (after.step === run.step)
          await em.nativeUpdate(OffsetProductRun, { id: run.id, step: run.step }, { updatedAt: new Date() });
      } catch (err) {
        this.opts.log.warn(
          { err, offsetProductRunId: run.id, step: run.step },
          'offset product run not resumed; will retry',
        );
      }
    }
    return runs.length;
  }

  /** The runs of these orders (one statement), for the links between orders and products. */
  async runsByOrderIds(orderIds: readonly string[]): Promise<(OffsetProductRun | null)[]> {
    const runs = await this.opts.db.fork().find(OffsetProductRun, { orderId: { $in: [...orderIds] } });
    return alignByKey(orderIds, runs, (r) => r.orderId!);
  }

  /** The order ids placed for a product, newest first: the viewer's (every buyer's for an admin). */
  async orderIdsOfProduct(viewer: Viewer, resoldProductId: string, args: ConnectionArgs): Promise<Connection<string>> {
    const em = this.opts.db.fork();
    const mine = {
      resoldProductId,
      orderId: { $ne: null },
      ...(isAdmin(viewer) ? {} : { buyerId: viewer.id }),
    };
    const page = keysetPage(args, byCreation<OffsetProductRun>('OffsetProductRun'));
    const rows = await em.find(
      OffsetProductRun,
      { $and: [mine, page.where] },
      { orderBy: ormOrderBy(page), limit: page.take },
    );
    const connection = page.connection(rows, await em.count(OffsetProductRun, mine));
    return withNodes(
      connection,
      connection.nodes.map((r) => r.orderId!),
    );
  }

  /** The run of a buyer's key, or null (also read by live updates). */
  runByKey(buyerId: string, idempotencyKey: string) {
    return this.opts.db.fork().findOne(OffsetProductRun, { buyerId, idempotencyKey });
  }

  private runById(id: string) {
    return this.opts.db.fork().findOne(OffsetProductRun, { id });
  }

  private crashPoint(step: OffsetProductStep): void {
    if (this.opts.crashAfter === step) process.kill(process.pid, 'SIGKILL');
  }
}

/** Errors of an unavailable system: the run is resumed later, so the answer says so. */
const RESUMABLE = new Set<string>([ErrorCode.UPSTREAM_UNAVAILABLE, ErrorCode.RATE_LIMITED]);

function aboveLimit(
  year: number,
  costMinor: bigint,
  limitMinor: bigint,
  currency: string,
  limitCurrency = currency,
): DomainError {
  return new DomainError(
    'QUOTE_ABOVE_MAXIMUM_SPEND',
    `Offsetting ${year} costs ${fromMinor(costMinor, currency)} ${currency}, above the maximum spend of ${fromMinor(limitMinor, limitCurrency)} ${limitCurrency}`,
    'input.maximumSpend',
  );
}

function refusalOf(run: OffsetProductRun): DomainError {
  return new DomainError(
    (run.refusalCode ?? 'CONFLICT') as UserErrorCode,
    run.refusalMessage ?? 'The offset order was refused',
    run.refusalField ?? undefined,
  );
}

/** Runs `resumeIdle` every `intervalMs` in the background, one pass at a time. */
export function startResumer(flow: OffsetProductFlow, intervalMs: number, log: Logger): { stop(): Promise<void> } {
  let running: Promise<unknown> | null = null;
  const tick = () => {
    running ??= flow
      .resumeIdle(intervalMs)
      .catch((err: unknown) => log.error({ err }, 'offset product resumer pass failed'))
      .finally(() => (running = null));
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
