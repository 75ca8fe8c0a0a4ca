// Lune's parsed responses (wire.ts) to the marketplace's offset records. Lune prices in the
// account's currency and allocates to bundles (projects come later and are not bundles), so an
// allocation has no project; fields Lune has not set yet stay null.
import type { MoneyValue } from '../../source.ts';
import type {
  OffsetAllocationView,
  OffsetOrderStatusView,
  OffsetOrderTypeView,
  OffsetOrderView,
  OffsetQuoteView,
} from '../source.ts';
import { LuneOrder, type LuneOrderBundle, type LuneQuote } from './wire.ts';

/** Who placed a Lune order through the marketplace, and with which key (from the journal). */
export interface OffsetOwnership {
  ownerId: string;
  clientKey: string | null;
}

const money = (amount: MoneyValue['amount'], currency: string): MoneyValue => ({ amount, currency });

function allocation(b: LuneOrderBundle, currency: string): OffsetAllocationView {
  return {
    bundleId: b.bundle_id,
    bundleName: b.bundle_name,
    projectId: null,
    projectName: null,
    mass: b.quantity,
    unitPrice: money(b.unit_price, currency),
    cost: money(b.offset_cost, currency),
  };
}

const STATUS: Record<LuneOrder['status'], OffsetOrderStatusView> = {
  received: 'RECEIVED',
  placed: 'PLACED',
  paid: 'PAID',
  retiring: 'RETIRING',
  cancelled: 'CANCELLED',
  complete: 'COMPLETE',
  failed: 'FAILED',
  unknown: 'UNKNOWN',
};

/** An order by estimate is a `quantity` order that names its estimate. */
function typeOf(o: Pick<LuneOrder, 'type' | 'estimate_id'>): OffsetOrderTypeView {
  if (o.estimate_id) return 'BY_ESTIMATE';
  return o.type === 'quantity' ? 'BY_MASS' : o.type === 'value' ? 'BY_VALUE' : 'UNKNOWN';
}

export const fromLune = {
  /** The total is what the buyer pays: offsets plus Lune's commission. */
  quote: (q: LuneQuote): OffsetQuoteView => ({
    mass: q.estimated_quantity,
    totalCost: money(q.estimated_total_cost, q.currency),
    allocations: q.bundles.map((b) => allocation(b, q.currency)),
  }),
  order: (o: LuneOrder, owner: OffsetOwnership | null): OffsetOrderView => ({
    id: o.id,
    ownerId: owner?.ownerId ?? null,
    idempotencyKey: owner?.clientKey ?? null,
    type: typeOf(o),
    status: STATUS[o.status],
    mass: o.quantity,
    totalCost: o.total_cost === null ? null : money(o.total_cost, o.currency),
    allocations: o.bundles === null ? null : o.bundles.map((b) => allocation(b, o.currency)),
    maximumSpend: o.type === 'value' && o.requested_value !== null ? money(o.requested_value, o.currency) : null,
    estimateId: o.estimate_id,
    // Lune issues certificates to the account's beneficiary; orders carry none of their own.
    beneficiary: null,
    createdAt: o.created_at,
  }),
};

/** What the layer knows of an order it placed, for a 2xx body it cannot read in full. */
export interface PlacedOrderFallback {
  kind: 'MASS' | 'VALUE' | 'ESTIMATE';
  estimateId: string | null;
  /** The id to answer with when the body has none. */
  fallbackId: string;
}

/**
 * The order of a 2xx answer to an order POST. Never throws: Lune has placed the order, so a body
 * that breaks the definition still yields the order, with nulls for what cannot be read.
 */
export function placedOrderOf(body: unknown, owner: OffsetOwnership, fallback: PlacedOrderFallback): OffsetOrderView {
  const parsed = LuneOrder.safeParse(body);
  if (parsed.success) return fromLune.order(parsed.data, owner);
  const raw = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const id = typeof raw.id === 'string' && raw.id ? raw.id : fallback.fallbackId;
  const createdAt =
    typeof raw.created_at === 'string' && !Number.isNaN(Date.parse(raw.created_at))
      ? new Date(raw.created_at)
      : new Date();
  const status =
    typeof raw.status === 'string' && raw.status in STATUS ? STATUS[raw.status as LuneOrder['status']] : 'UNKNOWN';
  return {
    id,
    ownerId: owner.ownerId,
    idempotencyKey: owner.clientKey,
    type: fallback.kind === 'MASS' ? 'BY_MASS' : fallback.kind === 'VALUE' ? 'BY_VALUE' : 'BY_ESTIMATE',
    status,
    mass: null,
    totalCost: null,
    allocations: null,
    maximumSpend: null,
    estimateId: fallback.estimateId,
    beneficiary: null,
    createdAt,
  };
}
