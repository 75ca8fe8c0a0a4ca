// What the layer itself records about its writes to the ICR, in the registry's own database in
// both modes (upstream mode opens the database for these alone; local mode has them unused):
// the idempotency journal (one row per key) and the effect journal (one row per ICR write).
import { defineEntity, p } from '@mikro-orm/core';

/** `PENDING`: being sent; `DONE`: the ICR answered, `result` holds what the key returns; `UNKNOWN`: the answer was lost. */
export type WriteKeyState = 'PENDING' | 'DONE' | 'UNKNOWN';

/**
 * One idempotency key of an ICR write: unique per (scope, organization, key), with the hash of
 * the input it was first used with. `ACTION` keys are shared by transactCredits and
 * requestCreditAction (as in the local ledger); `OFFSET` keys belong to retireCreditsForOffsetOrder.
 */
export const IcrWriteKeySchema = defineEntity({
  name: 'IcrWriteKey',
  tableName: 'icr_write_keys',
  uniques: [{ properties: ['scope', 'organizationId', 'key'] }],
  properties: {
    id: p.string().primary(),
    scope: p.string().$type<'ACTION' | 'OFFSET'>(),
    organizationId: p.string(),
    key: p.string(),
    requestHash: p.string(),
    state: p.string().$type<WriteKeyState>(),
    /** The JSON answer a replay returns (a credit request, or a list of retirements). */
    result: p.json<unknown>().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export class IcrWriteKey extends IcrWriteKeySchema.class {}
IcrWriteKeySchema.setClass(IcrWriteKey);

/** `SENDING`: the POST is under way; `DONE`: the ICR answered it; `UNKNOWN`: it may or may not have taken effect. */
export type EffectState = 'SENDING' | 'DONE' | 'UNKNOWN';

/**
 * One write sent to the ICR through the layer (an action, a request, or a review's outcome), with
 * what the ICR answered. The ICR lists no retirements and knows no offset orders, so the
 * retirements of offset orders and the layer's history come from here.
 */
export const IcrEffectSchema = defineEntity({
  name: 'IcrEffect',
  tableName: 'icr_effects',
  indexes: [{ properties: ['offsetOrderId'] }, { properties: ['organizationId', 'createdAt'] }],
  // One ICR request answers one journaled write: reconciliations racing for a request cannot both claim it.
  uniques: [{ properties: ['icrRequestId'] }],
  properties: {
    id: p.string().primary(),
    keyId: p.string().nullable(),
    organizationId: p.string(),
    /** `action` (executed at once) or `request` (pending review). */
    route: p.string().$type<'action' | 'request'>(),
    action: p.string().$type<'TRANSFER' | 'RETIRE' | 'TRANSFER_RETIRE' | 'CANCEL'>(),
    creditId: p.string(),
    amountTonnes: p.bigint().$type<bigint>(),
    toOrganizationId: p.string().nullable(),
    toAddress: p.string().nullable(),
    offsetOrderId: p.string().nullable(),
    /** The exact JSON body sent, so an unknown outcome can be matched against the ICR's requests. */
    body: p.json<unknown>(),
    state: p.string().$type<EffectState>(),
    /** The ICR credit request id, once known. */
    icrRequestId: p.string().nullable(),
    /** The ICR's credit request as last read (JSON of the domain record). */
    request: p.json<unknown>().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export class IcrEffect extends IcrEffectSchema.class {}
IcrEffectSchema.setClass(IcrEffect);

export const journalEntities = [IcrWriteKeySchema, IcrEffectSchema];
