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
  offsetOrderId: string;
  projectId: string;
  /** Whole tonnes, at least 1. */
  tonnes: number;
  beneficiaryName: string;
  reason: string;
  idempotencyKey: string;
}

/** The buyer pays the marketplace: suppliers are not users, so there is no payee user. */
export function paymentForOrder(o: { id: string; buyerId: string; supplierId: string; total: Decimal; currency: string }): PaymentRecord {
  return { externalReference: o.id, type: 'ORDER', typeId: o.id, payerId: o.buyerId, payeeId: null, amount: o.total.toFixed(minorUnits(o.currency)), currency: o.currency, status: 'COMPLETED' };
}

const GRAMS_PER_TONNE = 1_000_000n;

/**
 * One retirement per allocation line of a completed offset order, in whole tonnes rounded up (the
 * platform never under-retires). Lines without a registry project have nothing to retire.
 */
export function retirementsForOffsetOrder(order: {
  id: string;
  beneficiary: string;
  lines: readonly { bundleId: string; projectId: string | null; grams: bigint }[];
}): OffsetRetirementRequest[] {
  return order.lines
    .filter((line): line is typeof line & { projectId: string } => line.projectId !== null && line.grams > 0n)
    .map((line) => ({
      offsetOrderId: order.id,
      projectId: line.projectId,
      tonnes: Number((line.grams + GRAMS_PER_TONNE - 1n) / GRAMS_PER_TONNE),
      beneficiaryName: order.beneficiary,
      reason: `Offset order ${order.id}`,
      idempotencyKey: `${order.id}:${line.bundleId}`,
    }));
}
