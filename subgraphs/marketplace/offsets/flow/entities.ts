// The runs of `offsetResoldProduct`: one row per buyer and idempotency key, with the step reached
// and everything later steps need (they never read footprints again, so a background resumer can
// finish a run without the buyer's token).
import { defineEntity, p } from '@mikro-orm/core';

/**
 * MEASURED: footprint and sales read, quoted within the spend limit; nothing bought yet.
 * ORDERED: the offset order is placed and its payment record waits in the service outbox.
 * COMPLETE: payments has recorded the payment (the registry retires through the order's pools).
 * REFUSED: the order was refused when placed (e.g. the stock moved since the quote); nothing bought.
 */
export type OffsetProductStep = 'MEASURED' | 'ORDERED' | 'COMPLETE' | 'REFUSED';
export const OFFSET_PRODUCT_STEPS: readonly OffsetProductStep[] = ['MEASURED', 'ORDERED', 'COMPLETE', 'REFUSED'];

export const OffsetProductRunSchema = defineEntity({
  name: 'OffsetProductRun',
  tableName: 'offset_product_runs',
  uniques: [{ properties: ['buyerId', 'idempotencyKey'] }, { properties: ['orderId'] }],
  indexes: [{ properties: ['buyerId', 'resoldProductId', 'createdAt'] }, { properties: ['step', 'updatedAt'] }],
  properties: {
    id: p.string().primary(),
    buyerId: p.string(),
    idempotencyKey: p.string(),
    /** Fingerprint of the input (`offsetProductHash`): a retry with another input is a mismatch. */
    requestHash: p.string(),
    resoldProductId: p.string(),
    /** The product's name when measured, for the certificate. */
    productName: p.string(),
    year: p.integer(),
    step: p.string().$type<OffsetProductStep>(),
    /** The footprint as footprints gave it: kg CO2e per kg of product. */
    footprintKgPerKg: p.string(),
    /** Tonnes of product sold in `year`. */
    salesTonnes: p.string(),
    /** Grams of CO2e to offset (footprint x sales, rounded up). */
    grams: p.bigint().$type<bigint>(),
    currency: p.string(),
    quotedCostMinor: p.bigint().$type<bigint>(),
    maximumSpendMinor: p.bigint().$type<bigint>().nullable(),
    beneficiary: p.string(),
    orderId: p.string().nullable(),
    /** The user error a REFUSED run answers every retry with (`code`, `field` path dotted, message). */
    refusalCode: p.string().nullable(),
    refusalField: p.string().nullable(),
    refusalMessage: p.string().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export class OffsetProductRun extends OffsetProductRunSchema.class {}
OffsetProductRunSchema.setClass(OffsetProductRun);
