// The port of offset orders (the orders API of the offset-orders provider): quotes, orders and
// certificates in domain types. `local/source.ts` (inventory in the marketplace database)
// and `upstream/source.ts` (the offset-orders REST API) implement it.
import type { Scope } from '../../../lib/access.ts';
import type { Connection, ConnectionArgs } from '../../../lib/connection.ts';
import type { EntityManager } from '../../../lib/db.ts';
import type { Decimal } from '../../../lib/decimal.ts';
import type { DomainError } from '../../../lib/errors.ts';
import type { MoneyValue } from '../source.ts';

/** A validated order or quote request, in domain units. */
export type OffsetRequest =
  | { kind: 'MASS'; grams: bigint; currency: string }
  | { kind: 'VALUE'; maximumMinor: bigint; currency: string }
  | { kind: 'ESTIMATE'; estimateId: string; currency: string };

export type OffsetOrderStatus = 'RECEIVED' | 'PLACED' | 'PAID' | 'RETIRING' | 'COMPLETE' | 'CANCELLED' | 'FAILED';
export type OffsetOrderType = 'BY_MASS' | 'BY_VALUE' | 'BY_ESTIMATE';

/** Tonnes bought from one bundle (one project) and what they cost. */
export interface OffsetAllocationRecord {
  bundleId: string;
  bundleName: string;
  projectId: string | null;
  projectName: string;
  /** Tonnes of CO2e. */
  mass: Decimal;
  /** Price of one tonne. */
  unitPrice: MoneyValue;
  cost: MoneyValue;
}

/** What an order would buy and cost. */
export interface OffsetQuoteRecord {
  /** Tonnes of CO2e. */
  mass: Decimal;
  totalCost: MoneyValue;
  allocations: OffsetAllocationRecord[];
}

/** An allocation line as a source answers it: Lune allocates to bundles, not projects. */
export interface OffsetAllocationView extends Omit<OffsetAllocationRecord, 'projectName'> {
  projectName: string | null;
}

/** A quote as a source answers it. */
export interface OffsetQuoteView extends Omit<OffsetQuoteRecord, 'allocations'> {
  allocations: OffsetAllocationView[];
}

/** UNKNOWN: a status or kind the offset-orders provider added after this layer was written. */
export type OffsetOrderStatusView = OffsetOrderStatus | 'UNKNOWN';
export type OffsetOrderTypeView = OffsetOrderType | 'UNKNOWN';

/**
 * An order as a source answers it. Mass, total cost and allocations are null while the provider
 * has not priced the order yet (a Lune order that is still `received`); local orders always have them.
 */
export interface OffsetOrderView extends Omit<
  OffsetOrderRecord,
  'mass' | 'totalCost' | 'allocations' | 'status' | 'type'
> {
  /** Tonnes of CO2e. */
  mass: Decimal | null;
  totalCost: MoneyValue | null;
  allocations: OffsetAllocationView[] | null;
  status: OffsetOrderStatusView;
  type: OffsetOrderTypeView;
}

/** An order of the marketplace's own inventory (local mode, demo data): priced and allocated when placed. */
export interface OffsetOrderRecord extends OffsetQuoteRecord {
  id: string;
  /** The buyer who placed the order (null for orders placed outside the marketplace). */
  ownerId: string | null;
  idempotencyKey: string | null;
  type: OffsetOrderType;
  status: OffsetOrderStatus;
  /** The maximum spend of an order by value. */
  maximumSpend: MoneyValue | null;
  estimateId: string | null;
  /** The name the certificate is issued to. */
  beneficiary: string | null;
  createdAt: Date;
}

/** Credits the registry retired for an offset order (listed on its certificate). */
export interface OffsetRetirementRecord {
  /** ICR or PURO. */
  registry: string;
  /** Serial numbers of the retired tonnes. */
  serialization: string | null;
  tonnes: Decimal;
  beneficiaryName: string | null;
  retiredAt: Date;
}

/** Where the registry retirement of sold grams stands. */
export type OffsetRetirementStatus = 'PENDING' | 'RETIRED' | 'BLOCKED';

/** Whole tonnes of one project that the registry retires as one named retirement (local mode). */
export interface OffsetPoolRetirementRecord {
  id: string;
  /** e.g. `Efficient Cookstoves Kenya pooled retirement #3`. */
  name: string;
  projectId: string;
  projectName: string;
  /** Whole tonnes. */
  tonnes: bigint;
  status: OffsetRetirementStatus;
  /** The registry's refusal while BLOCKED. */
  blockedReason: string | null;
  createdAt: Date;
}

/** Grams of one order in one project's pool: part of a named retirement, or still waiting in the pool. */
export interface OffsetRetirementShareRecord {
  projectId: string;
  projectName: string;
  grams: bigint;
  /** Null while the grams wait in the pool for the tonne they will complete. */
  retirement: OffsetPoolRetirementRecord | null;
}

/** How the registry retires an order's grams (local mode). */
export interface OffsetRetirementStateRecord {
  /** BLOCKED when any of its retirements is refused, else PENDING while any gram waits, else RETIRED. */
  status: OffsetRetirementStatus;
  blockedReason: string | null;
  shares: OffsetRetirementShareRecord[];
}

/** What a caller of `placeOrder` may add to the order. */
export interface PlaceOrderOptions {
  /** The name the certificate is issued to (local mode; Lune issues to its account's beneficiary). */
  beneficiary?: string | null;
  /**
   * Written in the transaction that records the order (local mode), so the caller's own record of
   * it commits or rolls back with the order. Not called by sources that place orders elsewhere.
   */
  alongside?: (tx: EntityManager, order: { id: string; costMinor: bigint; currency: string }) => Promise<void>;
}

/** Relay arguments over the caller's offset orders, newest first (each source reads the cursors). */
export interface OffsetOrderPage extends ConnectionArgs {
  /** False when the client did not select `totalCount`: the source may skip counting. */
  totalCount?: boolean;
}

/** Offset orders as seen by one caller (the source knows the viewer). */
export interface OffsetOrderSource {
  /** The currency quotes and orders are priced in when the buyer names none (default EUR). */
  readonly defaultCurrency?: string;
  /** Prices and allocates a request as an order would, creating nothing. */
  quote(request: OffsetRequest & { kind: 'MASS' | 'VALUE' }): Promise<OffsetQuoteView>;
  /** Many independent quotes at once (each as if alone); a refused one is its DomainError. */
  quotes(requests: readonly (OffsetRequest & { kind: 'MASS' | 'VALUE' })[]): Promise<(OffsetQuoteView | DomainError)[]>;
  /** Places an order for the viewer; same key and same request return the first order. */
  placeOrder(
    request: OffsetRequest,
    idempotencyKey: string | null,
    options?: PlaceOrderOptions,
  ): Promise<OffsetOrderView>;
  /** The orders inside the caller's scope (policy.ts: the buyer's own; all for an admin), newest first. */
  offsetOrders(
    page: OffsetOrderPage,
    scope: Scope,
    onPartFailure?: (failure: { orderId: string; error: unknown }) => void,
  ): Promise<Connection<OffsetOrderView>>;
  /** Orders by id, whoever owns them: the access policy decides who sees each; an Error fails its own id only. */
  offsetOrdersByIds(ids: readonly string[]): Promise<(OffsetOrderView | null | Error)[]>;
  offsetOrderByIdempotencyKey(ownerId: string, idempotencyKey: string): Promise<OffsetOrderView | null>;
  /**
   * How the registry retires each order's grams; null for an order with nothing pooled (placed
   * before pooled retirement, or by a provider that retires credits itself). Local mode only.
   */
  retirementStates?(orderIds: readonly string[]): Promise<(OffsetRetirementStateRecord | null)[]>;
  /** Pooled retirements by id. Local mode only. */
  poolRetirementsByIds?(ids: readonly string[]): Promise<(OffsetPoolRetirementRecord | null)[]>;
  /** The PDF certificate of a completed order; null when there is none. */
  certificatePdf(order: OffsetOrderView): Promise<Buffer | null>;
}

/**
 * A resold product as the gateway sends it to the marketplace: its id and the fields required
 * from footprints (JSON, so decimals are strings).
 */
export interface ResoldProductEmissions {
  id: string;
  footprint?: { total?: string | number | null } | null;
  yearlySalesVolumes?: { year: number; tonnes: string | number }[] | null;
}
