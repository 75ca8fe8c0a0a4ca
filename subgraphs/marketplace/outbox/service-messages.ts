// What the marketplace asks other subgraphs to record, as the inputs of their service-only
// mutations. Each message is written to the service outbox in the transaction of its cause.
import { minorUnits, type Decimal } from '../../../lib/decimal.ts';

/** The `RecordPaymentTransactionInput` of the payments subgraph. */
export interface PaymentRecord {
  externalReference: string;
  type: 'ORDER';
  typeId: string;
  payerId: string;
  payeeId: string | null;
  amount: string;
  currency: string;
  status: 'COMPLETED';
}

/** The `RetireCreditsForOffsetOrderInput` of the registry subgraph. */
export interface OffsetRetirementRequest {
  /** The offset order or, for pooled retirements, the pooled retirement's id. */
  offsetOrderId: string;
  projectId: string;
  /** Whole tonnes, at least 1. */
  tonnes: number;
  beneficiaryName: string;
  reason: string;
  idempotencyKey: string;
}

/** The buyer pays the marketplace: suppliers are not users, so there is no payee user. */
export function paymentForOrder(o: {
  id: string;
  buyerId: string;
  supplierId: string;
  total: Decimal;
  currency: string;
}): PaymentRecord {
  return {
    externalReference: o.id,
    type: 'ORDER',
    typeId: o.id,
    payerId: o.buyerId,
    payeeId: null,
    amount: o.total.toFixed(minorUnits(o.currency)),
    currency: o.currency,
    status: 'COMPLETED',
  };
}

/** The beneficiary a pooled retirement is recorded for: the buyers whose grams filled it (each certificate names its buyer). */
export const POOLED_RETIREMENT_BENEFICIARY = 'Carbon Marketplace offset buyers';

/**
 * The retirement of one pooled retirement: whole tonnes of one project, filled by the grams of one
 * or more offset orders. The registry records the pooled retirement's id as the offset order id
 * and is idempotent by it; no buyer's name or id leaves the marketplace.
 */
export function pooledRetirementRequest(retirement: {
  id: string;
  name: string;
  projectId: string;
  tonnes: bigint;
}): OffsetRetirementRequest {
  return {
    offsetOrderId: retirement.id,
    projectId: retirement.projectId,
    tonnes: Number(retirement.tonnes),
    beneficiaryName: POOLED_RETIREMENT_BENEFICIARY,
    reason: `Pooled offset retirement ${retirement.name}`,
    idempotencyKey: retirement.id,
  };
}
