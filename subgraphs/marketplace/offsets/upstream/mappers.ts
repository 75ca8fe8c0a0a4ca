// Offset-orders API JSON to the marketplace's domain records, and back (for the contract fake).
import { dec, minorUnits } from '../../../../lib/decimal.ts';
import type { OffsetAllocationRecord, OffsetOrderRecord, OffsetQuoteRecord } from '../source.ts';
import type { OffsetApiBundleAllocation, OffsetApiOrder, OffsetApiQuote } from './client.ts';

const TYPES = { mass: 'BY_MASS', value: 'BY_VALUE', estimate: 'BY_ESTIMATE' } as const;

/** The buyer's own key: upstream keys are `<buyer id>:<key>`. */
export function buyerKeyOf(upstreamKey: string | null, buyerId: string | null): string | null {
  if (!upstreamKey) return null;
  return buyerId && upstreamKey.startsWith(`${buyerId}:`) ? upstreamKey.slice(buyerId.length + 1) : upstreamKey;
}

export const upstreamKeyOf = (buyerId: string, key: string) => `${buyerId}:${key}`;

function allocation(a: OffsetApiBundleAllocation, currency: string): OffsetAllocationRecord {
  return {
    bundleId: a.bundle_id,
    bundleName: a.bundle_name,
    projectId: a.project_id,
    projectName: a.project_name,
    mass: dec(a.quantity),
    unitPrice: { amount: dec(a.unit_price), currency },
    cost: { amount: dec(a.offset_cost), currency },
  };
}

export const fromOffsetApi = {
  quote: (q: OffsetApiQuote): OffsetQuoteRecord => ({
    mass: dec(q.quantity),
    totalCost: { amount: dec(q.total_cost), currency: q.currency },
    allocations: q.bundles.map((b) => allocation(b, q.currency)),
  }),
  order: (o: OffsetApiOrder): OffsetOrderRecord => {
    const ownerId = o.metadata?.buyer_id ?? null;
    return {
      ...fromOffsetApi.quote(o),
      id: o.id,
      ownerId,
      idempotencyKey: buyerKeyOf(o.idempotency_key, ownerId),
      type: TYPES[o.type],
      status: o.status.toUpperCase() as OffsetOrderRecord['status'],
      maximumSpend: o.requested_value ? { amount: dec(o.requested_value), currency: o.currency } : null,
      estimateId: o.estimate_id,
      beneficiary: o.beneficiary,
      createdAt: new Date(o.created_at),
    };
  },
};

const amount = (v: { toFixed(n: number): string }, currency: string) => v.toFixed(minorUnits(currency));

/** The inverse, used by the contract fake to serve the demo orders as the API would. */
export const toOffsetApi = {
  quote: (q: OffsetQuoteRecord): OffsetApiQuote => {
    const currency = q.totalCost.currency;
    return {
      quantity: q.mass.toString(),
      currency,
      offset_cost: amount(q.totalCost.amount, currency),
      total_cost: amount(q.totalCost.amount, currency),
      bundles: q.allocations.map((a) => ({
        bundle_id: a.bundleId,
        bundle_name: a.bundleName,
        project_id: a.projectId,
        project_name: a.projectName,
        quantity: a.mass.toString(),
        unit_price: amount(a.unitPrice.amount, currency),
        offset_cost: amount(a.cost.amount, currency),
      })),
    };
  },
  order: (o: OffsetOrderRecord, requestHash: string, certificateUrl: string | null): OffsetApiOrder => ({
    ...toOffsetApi.quote(o),
    id: o.id,
    idempotency_key: o.idempotencyKey && o.ownerId ? upstreamKeyOf(o.ownerId, o.idempotencyKey) : o.idempotencyKey,
    type: o.type === 'BY_MASS' ? 'mass' : o.type === 'BY_VALUE' ? 'value' : 'estimate',
    status: o.status.toLowerCase() as OffsetApiOrder['status'],
    requested_value: o.maximumSpend ? amount(o.maximumSpend.amount, o.maximumSpend.currency) : null,
    estimate_id: o.estimateId,
    beneficiary: o.beneficiary,
    metadata: o.ownerId ? { buyer_id: o.ownerId, request_hash: requestHash } : { request_hash: requestHash },
    certificate: o.status === 'COMPLETE' ? certificateUrl : null,
    created_at: o.createdAt.toISOString(),
  }),
};
