// The layer's own record of the offset orders it placed at Lune (upstream mode), in the
// marketplace database: who placed which Lune order, with which key and which request.
import { defineEntity, p } from '@mikro-orm/core';

export type OffsetJournalState = 'PENDING' | 'ACCEPTED' | 'REFUSED';

/**
 * One order request sent (or about to be sent) to Lune. (owner, client key) is unique, so a
 * buyer's key names one request; `luneKey` is the idempotency key Lune saw, derived from both.
 * PENDING until Lune answers: a retry then resends the same Lune key, which Lune deduplicates.
 */
export const OffsetOrderJournalSchema = defineEntity({
  name: 'OffsetOrderJournalEntry',
  tableName: 'offset_order_journal',
  uniques: [{ properties: ['ownerId', 'clientKey'] }],
  indexes: [{ properties: ['ownerId', 'createdAt'] }],
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
