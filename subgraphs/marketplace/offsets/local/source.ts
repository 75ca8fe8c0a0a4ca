import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, raw } from '@mikro-orm/core';
import { scopeFilter, type Scope } from '../../../../lib/access.ts';
import type { Viewer } from '../../../../lib/auth.ts';
import { alignByKey } from '../../../../lib/batch.ts';
import { byCreation, keysetPage, withNodes } from '../../../../lib/connection.ts';
import type { Database, EntityManager } from '../../../../lib/db.ts';
import { keysetRows, readerOf, rowsByIds, rowsWhere, type RowFilter } from '../../../../lib/rows.ts';
import { DomainError, unauthenticated } from '../../../../lib/errors.ts';
import { renderOffsetCertificate } from '../certificate-pdf.ts';
import {
  allocateOffsets,
  quoteRecordOf,
  requestHash,
  type OffsetBundleStock,
  type OffsetDemand,
} from '../allocation.ts';
import type {
  OffsetOrderPage,
  OffsetOrderRecord,
  OffsetOrderSource,
  OffsetRequest,
  OffsetRetirementRecord,
  PlaceOrderOptions,
} from '../source.ts';
import { OffsetProductRun } from '../flow/entities.ts';
import { OffsetAllocation, OffsetBundle, OffsetEmissionEstimate, OffsetOrder } from './entities.ts';
import { bundleStock, offsetOrderRecord } from './mapping.ts';
import type { ServiceOutboxPort } from '../../outbox/port.ts';
import { blockedProjects, poolOrderGrams, poolRetirementsByIds, retirementStates } from './retirement-pool.ts';

/** Another order took the stock this allocation counted on: allocate again from fresh rows. */
class StockMoved extends Error {}

const ATTEMPTS = 5;

const TYPE_OF = { MASS: 'BY_MASS', VALUE: 'BY_VALUE', ESTIMATE: 'BY_ESTIMATE' } as const;

/** What the registry recorded for an order: its own retirements and those of the pooled retirements it shares in. */
export interface RegistryRetirements {
  order: OffsetRetirementRecord[];
  pools: Map<string, OffsetRetirementRecord[]>;
}

/** What local offset orders need of the rest of the federation. */
export interface OffsetRegistryLink {
  /** The service outbox the pooled retirements reach the registry through. */
  outbox: ServiceOutboxPort;
  /** An order committed (its id and buyer): the pooled retirements it filled wait in the service outbox. */
  orderPlaced(order: { id: string; ownerId: string }): void;
  /** The registry's retirements of an order and of pooled retirements; null when the registry cannot be reached. */
  retirementsOf(offsetOrderId: string, poolRetirementIds: readonly string[]): Promise<RegistryRetirements | null>;
}

/** Offset orders allocated from the marketplace's own inventory; the registry retires the credits. */
export class LocalOffsetOrderSource implements OffsetOrderSource {
  private readonly db: Database;
  private readonly em: EntityManager;
  private readonly viewer: Viewer | null;
  private readonly registry: OffsetRegistryLink;
  /** The smallest order or quote, in grams (OFFSET_MINIMUM_ORDER_GRAMS). */
  private readonly minimumGrams: bigint;

  constructor(db: Database, viewer: Viewer | null, registry: OffsetRegistryLink, minimumGrams: bigint) {
    this.db = db;
    this.em = db.fork();
    this.viewer = viewer;
    this.registry = registry;
    this.minimumGrams = minimumGrams;
  }

  async quote(request: OffsetRequest & { kind: 'MASS' | 'VALUE' }) {
    const [quote] = await this.quotes([request]);
    if (quote instanceof DomainError) throw quote;
    return quote!;
  }

  /** One read of the inventory (and of blocked projects) for all the quotes. */
  async quotes(requests: readonly (OffsetRequest & { kind: 'MASS' | 'VALUE' })[]) {
    const currencies = [...new Set(requests.map((r) => r.currency))];
    const em = this.em.fork();
    const stock = await offeredStock(
      this.registry.outbox,
      em,
      await em.find(OffsetBundle, { currency: { $in: currencies } }),
    );
    return requests.map((request) => {
      try {
        return quoteRecordOf(allocateOffsets(stock, request, this.minimumGrams));
      } catch (error) {
        if (error instanceof DomainError) return error;
        throw error;
      }
    });
  }

  async placeOrder(
    request: OffsetRequest,
    idempotencyKey: string | null,
    options: PlaceOrderOptions = {},
  ): Promise<OffsetOrderRecord> {
    const viewer = this.viewer;
    if (!viewer) throw unauthenticated();
    const hash = requestHash(request);
    if (idempotencyKey) {
      const first = await this.byKey(viewer.id, idempotencyKey);
      if (first) return replay(first, hash);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const id = await this.placeOnce(viewer, request, idempotencyKey, hash, options);
        this.registry.orderPlaced({ id, ownerId: viewer.id });
        return (await this.offsetOrdersByIds([id]))[0]!;
      } catch (error) {
        if (error instanceof StockMoved && attempt < ATTEMPTS) continue;
        const raced =
          error instanceof UniqueConstraintViolationException ||
          (error instanceof DomainError && error.code === 'CONFLICT');
        if (raced && idempotencyKey) {
          // A concurrent request with the same key committed first: answer as it did.
          const first = await this.byKey(viewer.id, idempotencyKey);
          if (first) return replay(first, hash);
        }
        if (error instanceof UniqueConstraintViolationException && request.kind === 'ESTIMATE') throw estimateTaken();
        if (error instanceof StockMoved)
          throw new DomainError(
            'INSUFFICIENT_INVENTORY',
            'Offset inventory is changing too quickly, try again',
            'input',
          );
        throw error;
      }
    }
  }

  /** One transaction: allocate from current stock, take it with guarded decrements, record the order. */
  private placeOnce(
    viewer: Viewer,
    request: OffsetRequest,
    idempotencyKey: string | null,
    hash: string,
    options: PlaceOrderOptions,
  ): Promise<string> {
    return this.em.fork().transactional(async (tx) => {
      let demand: OffsetDemand;
      if (request.kind === 'ESTIMATE') {
        const estimate = await tx.findOne(OffsetEmissionEstimate, { id: request.estimateId });
        if (!estimate)
          throw new DomainError('NOT_FOUND', `Emission estimate ${request.estimateId} not found`, 'input.estimateId');
        if ((await tx.count(OffsetOrder, { estimateId: estimate.id })) > 0) throw estimateTaken();
        demand = { kind: 'MASS', grams: estimate.massGrams, currency: request.currency };
      } else {
        demand = request;
      }
      const bundles = await tx.find(OffsetBundle, { currency: request.currency });
      const allocation = allocateOffsets(
        await offeredStock(this.registry.outbox, tx, bundles),
        demand,
        this.minimumGrams,
      );
      // Cheapest first is also a fixed lock order, so concurrent orders cannot deadlock.
      for (const line of allocation.lines) {
        const taken = await tx.nativeUpdate(
          OffsetBundle,
          { id: line.bundleId, availableGrams: { $gte: line.grams } },
          { availableGrams: raw('available_grams - ?', [line.grams.toString()]) },
        );
        if (taken !== 1) throw new StockMoved();
      }
      const id = randomUUID();
      const now = new Date();
      const beneficiary = options.beneficiary ?? viewer.name ?? viewer.email;
      tx.create(OffsetOrder, {
        id,
        ownerId: viewer.id,
        idempotencyKey,
        requestHash: hash,
        type: TYPE_OF[request.kind],
        // Stock is taken and priced in the same transaction: the order is complete when committed.
        status: 'COMPLETE',
        currency: allocation.currency,
        massGrams: allocation.grams,
        totalCostMinor: allocation.costMinor,
        maximumSpendMinor: request.kind === 'VALUE' ? request.maximumMinor : null,
        estimateId: request.kind === 'ESTIMATE' ? request.estimateId : null,
        beneficiary,
        createdAt: now,
      });
      allocation.lines.forEach((line, position) =>
        tx.create(OffsetAllocation, {
          id: randomUUID(),
          orderId: id,
          position,
          bundleId: line.bundleId,
          bundleName: line.bundleName,
          projectId: line.projectId,
          projectName: line.projectName,
          grams: line.grams,
          pricePerTonneMinor: line.pricePerTonneMinor,
          costMinor: line.costMinor,
        }),
      );
      // The grams join their projects' pools; the tonnes they fill (and their outbox messages) commit or roll back with the order.
      await poolOrderGrams(this.registry.outbox, tx, id, allocation.lines, now);
      await options.alongside?.(tx, { id, costMinor: allocation.costMinor, currency: allocation.currency });
      await tx.flush();
      return id;
    });
  }

  private async byKey(ownerId: string, idempotencyKey: string) {
    const em = this.em.fork();
    const order = await em.findOne(OffsetOrder, { ownerId, idempotencyKey });
    if (!order) return null;
    return { order, record: offsetOrderRecord(order, await em.find(OffsetAllocation, { orderId: order.id })) };
  }

  /** Read paths are plain rows (lib/rows.ts): the page, its total only when asked, and the allocation lines of all its orders. */
  async offsetOrders(args: OffsetOrderPage, scope: Scope) {
    const page = keysetPage(args, byCreation<OffsetOrder>('OffsetOrder'));
    const mine = scopeFilter(scope, ['ownerId']) as RowFilter;
    const connection = await keysetRows(this.db, readerOf(this.db, OffsetOrder), mine, page, args.totalCount !== false);
    return withNodes(connection, await this.withAllocations(connection.nodes));
  }

  async offsetOrdersByIds(ids: readonly string[]) {
    const rows = await rowsByIds(this.db, readerOf(this.db, OffsetOrder), ids);
    return alignByKey(ids, await this.withAllocations(rows), (o) => o.id);
  }

  async offsetOrderByIdempotencyKey(ownerId: string, idempotencyKey: string) {
    return (await this.byKey(ownerId, idempotencyKey))?.record ?? null;
  }

  retirementStates(orderIds: readonly string[]) {
    return retirementStates(this.registry.outbox, this.em.fork(), orderIds);
  }

  poolRetirementsByIds(ids: readonly string[]) {
    return poolRetirementsByIds(this.registry.outbox, this.em.fork(), ids);
  }

  async certificatePdf(order: OffsetOrderRecord) {
    if (order.status !== 'COMPLETE') return null;
    const [state] = await this.retirementStates([order.id]);
    const shares = state?.shares ?? [];
    const poolIds = [...new Set(shares.flatMap((s) => (s.retirement ? [s.retirement.id] : [])))];
    const registry = await this.registry.retirementsOf(order.id, poolIds);
    const run = await this.em.fork().findOne(OffsetProductRun, { orderId: order.id });
    const product = run && {
      name: run.productName,
      year: run.year,
      footprintKgPerKg: run.footprintKgPerKg,
      salesTonnes: run.salesTonnes,
    };
    return renderOffsetCertificate(
      order,
      registry?.order ?? null,
      shares.map((share) => ({
        share,
        registry: share.retirement ? (registry?.pools.get(share.retirement.id) ?? null) : null,
      })),
      product,
    );
  }

  /** Records with their allocation lines, read in one statement for all orders. */
  private async withAllocations(rows: OffsetOrder[]): Promise<OffsetOrderRecord[]> {
    if (rows.length === 0) return [];
    const lines = await rowsWhere(this.db, readerOf(this.db, OffsetAllocation), {
      orderId: { $in: rows.map((r) => r.id) },
    });
    const byOrder = Map.groupBy(lines, (l) => l.orderId);
    return rows.map((r) => offsetOrderRecord(r, byOrder.get(r.id) ?? []));
  }
}

/** The stock on offer: a project whose retirement the registry refuses offers nothing until it is unblocked. */
async function offeredStock(
  outbox: ServiceOutboxPort,
  em: EntityManager,
  bundles: OffsetBundle[],
): Promise<OffsetBundleStock[]> {
  const blocked = await blockedProjects(outbox, em);
  return bundles
    .map(bundleStock)
    .map((b) => (b.projectId !== null && blocked.has(b.projectId) ? { ...b, availableGrams: 0n } : b));
}

function replay(first: { order: OffsetOrder; record: OffsetOrderRecord }, hash: string): OffsetOrderRecord {
  if (first.order.requestHash !== hash) {
    throw new DomainError(
      'IDEMPOTENCY_MISMATCH',
      'This idempotency key was already used for a different offset order request',
      'input.idempotencyKey',
    );
  }
  return first.record;
}

const estimateTaken = () =>
  new DomainError('CONFLICT', 'An offset order for this emission estimate has already been placed', 'input.estimateId');
