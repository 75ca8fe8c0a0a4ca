// The service outbox's table: shared by both modes (payment records and pooled retirements are
// delivered to the other subgraphs whichever source the marketplace reads from).
import { defineEntity, p } from '@mikro-orm/core';

/**
 * Calls to other subgraphs' service-only mutations (payment records, credit retirements), written
 * in the transaction of what causes them and delivered afterwards by the outbox dispatcher.
 */
export const ServiceOutboxSchema = defineEntity({
  name: 'ServiceOutbox',
  tableName: 'service_outbox',
  indexes: [{ properties: ['status', 'nextAttemptAt'] }],
  properties: {
    id: p.string().primary(),
    /** The subgraph that serves the mutation. */
    target: p.string().$type<'payments' | 'registry'>(),
    /** The mutation field, e.g. recordPaymentTransaction. */
    mutation: p.string(),
    /** One message per effect: `<mutation>:<key of the effect>`. */
    dedupeKey: p.string().unique(),
    /** The mutation's `input`, as JSON. */
    payload: p.text(),
    status: p.string().$type<'PENDING' | 'DELIVERED' | 'REJECTED'>(),
    attempts: p.integer(),
    nextAttemptAt: p.datetime(),
    lockedUntil: p.datetime().nullable(),
    /** When the message was delivered or rejected. */
    closedAt: p.datetime().nullable(),
    /** Why the last attempt failed, or why the target rejected the message. */
    lastError: p.text().nullable(),
    createdAt: p.datetime(),
  },
});
export class ServiceOutbox extends ServiceOutboxSchema.class {}
ServiceOutboxSchema.setClass(ServiceOutbox);
