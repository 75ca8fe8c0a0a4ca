// The service outbox as its callers see it: a call to another subgraph's service mutation is
// written in the caller's transaction under a dedupe key naming its effect, delivered afterwards
// with retries, and its outcome read back by that key. Offset orders use the outbox through this
// port only (checked by the structure test); the table and the dispatcher stay behind it.
import type { EntityManager } from '../../../lib/db.ts';
import type { OffsetRetirementRequest, PaymentRecord } from './service-messages.ts';

export { pooledRetirementRequest, type OffsetRetirementRequest, type PaymentRecord } from './service-messages.ts';

/** The service mutations the marketplace calls, and the input each takes. */
export interface ServiceMutationInputs {
  recordPaymentTransaction: PaymentRecord;
  retireCreditsForOffsetOrder: OffsetRetirementRequest;
}
export type ServiceMutation = keyof ServiceMutationInputs;

/** What became of one call. */
export interface ServiceCallOutcome {
  /** PENDING: waiting for delivery or for a retry; DELIVERED: the target has it; REJECTED: refused as invalid, not retried. */
  status: 'PENDING' | 'DELIVERED' | 'REJECTED';
  /** The target's refusal (its user errors), or why the call was rejected; null when the target did not refuse it. */
  refusal: string | null;
}

export interface ServiceOutboxPort {
  /**
   * Writes a call in the caller's transaction `tx`. `key` names the effect (an order id, a
   * retirement id): one call per mutation and key.
   */
  enqueue<M extends ServiceMutation>(
    tx: EntityManager,
    mutation: M,
    key: string,
    input: ServiceMutationInputs[M],
    now?: Date,
  ): Promise<void>;
  /** The outcomes of the calls of `mutation` for these keys, by key (a key never enqueued is absent). */
  outcomes(
    em: EntityManager,
    mutation: ServiceMutation,
    keys: readonly string[],
  ): Promise<Map<string, ServiceCallOutcome>>;
  /** The inputs of the calls of `mutation` the target refuses now (still pending: they are retried). */
  refusedInputs<M extends ServiceMutation>(em: EntityManager, mutation: M): Promise<ServiceMutationInputs[M][]>;
  /** Delivers what was just committed now, rather than on the next poll. */
  kick(): void;
}
