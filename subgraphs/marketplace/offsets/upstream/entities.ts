// The layer's own record of the offset orders it placed at Lune (upstream mode), in the
// marketplace database: who placed which Lune order, with which key and which request.
import { defineEntity, p } from '@mikro-orm/core';

/**
 * PENDING: recorded, not sent (or provably not processed: 429/503). SENT: the POST is on its way.
 * DONE: Lune's order id is known. UNKNOWN: the POST may have reached Lune but no answer came (a
 * timeout, a reset, a 5xx, an unreadable 2xx); Lune's GET by idempotency key settles it. REFUSED:
 * Lune answered that it created nothing.
 */
export type OffsetJournalState = 'PENDING' | 'SENT' | 'DONE' | 'UNKNOWN' | 'REFUSED';

/**
 * One order request sent (or about to be sent) to Lune. (owner, client key) is unique, so a
 * buyer's key names one request; `luneKey` is the idempotency key Lune saw, derived from both.
 * Until DONE or REFUSED a retry resends the same Lune key, which Lune deduplicates, after asking
 * Lune for the order of that key.
 */
export const OffsetOrderJournalSchema = defineEntity({
  name: 'OffsetOrderJournalEntry',
  tableName: 'offset_order_journal',
  uniques: [{ properties: ['ownerId', 'clientKey'] }],
  indexes: [{ properties: ['ownerId', 'createdAt'] }, { properties: ['state', 'updatedAt'] }],
  properties: {
    id: p.string().primary(),
    ownerId: p.string(),
    /** The buyer's own idempotency key; null when the buyer gave none. */
    clientKey: p.string().nullable(),
    luneKey: p.string().unique(),
    requestHash: p.string(),
    state: p.string().$type<OffsetJournalState>(),
    luneOrderId: p.string().nullable().unique(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export class OffsetOrderJournalEntry extends OffsetOrderJournalSchema.class {}
OffsetOrderJournalSchema.setClass(OffsetOrderJournalEntry);
