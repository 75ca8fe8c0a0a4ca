// Offset inventory and offset orders. Mass in grams and money in minor units, as integers, so
// `available_grams >= ?` guards are exact in SQLite and PostgreSQL alike.
import { defineEntity, p } from '@mikro-orm/core';
import { OffsetProductRunSchema } from '../flow/entities.ts';

/** A bundle of offset credits from one project, sold by the tonne. */
export const OffsetBundleSchema = defineEntity({
  name: 'OffsetBundle',
  tableName: 'offset_bundles',
  properties: {
    id: p.string().primary(),
    name: p.string(),
    projectId: p.string().nullable(),
    projectName: p.string(),
    pricePerTonneMinor: p.bigint().$type<bigint>(),
    currency: p.string(),
    availableGrams: p.bigint().$type<bigint>(),
    createdAt: p.datetime(),
  },
});
export class OffsetBundle extends OffsetBundleSchema.class {}
OffsetBundleSchema.setClass(OffsetBundle);

/** An estimate of emissions (a shipment, a flight) that an order can offset once. */
export const OffsetEmissionEstimateSchema = defineEntity({
  name: 'OffsetEmissionEstimate',
  tableName: 'offset_emission_estimates',
  properties: {
    id: p.string().primary(),
    description: p.string(),
    massGrams: p.bigint().$type<bigint>(),
    createdAt: p.datetime(),
  },
});
export class OffsetEmissionEstimate extends OffsetEmissionEstimateSchema.class {}
OffsetEmissionEstimateSchema.setClass(OffsetEmissionEstimate);

/**
 * An offset order. The (owner, idempotency key) pair is unique and the row keeps the hash of the
 * request, so the order table is also the idempotency record; one order per emission estimate.
 */
export const OffsetOrderSchema = defineEntity({
  name: 'OffsetOrder',
  tableName: 'offset_orders',
  uniques: [{ properties: ['ownerId', 'idempotencyKey'] }],
  indexes: [{ properties: ['ownerId', 'createdAt'] }, { properties: ['createdAt'] }],
  properties: {
    id: p.string().primary(),
    ownerId: p.string().nullable(),
    idempotencyKey: p.string().nullable(),
    requestHash: p.string(),
    type: p.string().$type<'BY_MASS' | 'BY_VALUE' | 'BY_ESTIMATE'>(),
    status: p.string().$type<'RECEIVED' | 'PLACED' | 'PAID' | 'RETIRING' | 'COMPLETE' | 'CANCELLED' | 'FAILED'>(),
    currency: p.string(),
    massGrams: p.bigint().$type<bigint>(),
    totalCostMinor: p.bigint().$type<bigint>(),
    maximumSpendMinor: p.bigint().$type<bigint>().nullable(),
    estimateId: p.string().nullable().unique(),
    beneficiary: p.string().nullable(),
    createdAt: p.datetime(),
  },
});
export class OffsetOrder extends OffsetOrderSchema.class {}
OffsetOrderSchema.setClass(OffsetOrder);

/** Grams of one order bought from one bundle, at the bundle's price when ordered. */
export const OffsetAllocationSchema = defineEntity({
  name: 'OffsetAllocation',
  tableName: 'offset_allocations',
  properties: {
    id: p.string().primary(),
    orderId: p.string().index(),
    position: p.integer(),
    bundleId: p.string(),
    bundleName: p.string(),
    projectId: p.string().nullable(),
    projectName: p.string(),
    grams: p.bigint().$type<bigint>(),
    pricePerTonneMinor: p.bigint().$type<bigint>(),
    costMinor: p.bigint().$type<bigint>(),
  },
});
export class OffsetAllocation extends OffsetAllocationSchema.class {}
OffsetAllocationSchema.setClass(OffsetAllocation);

/**
 * The retirement pool of one project: every gram sold of the project is appended to its stream
 * (`pooledGrams`, grams ever sold) and whole tonnes are cut from its start as they fill
 * (`retiredGrams`, always whole tonnes), so the registry never retires more than was sold.
 */
export const OffsetRetirementPoolSchema = defineEntity({
  name: 'OffsetRetirementPool',
  tableName: 'offset_retirement_pools',
  properties: {
    projectId: p.string().primary(),
    projectName: p.string(),
    pooledGrams: p.bigint().$type<bigint>(),
    retiredGrams: p.bigint().$type<bigint>(),
    /** Pooled retirements cut so far (the sequence number of the last one). */
    retirements: p.integer(),
  },
});
export class OffsetRetirementPool extends OffsetRetirementPoolSchema.class {}
OffsetRetirementPoolSchema.setClass(OffsetRetirementPool);

/** The grams of one order in a project's pool: the interval [startGram, endGram) of its stream. */
export const OffsetPoolShareSchema = defineEntity({
  name: 'OffsetPoolShare',
  tableName: 'offset_pool_shares',
  indexes: [{ properties: ['projectId', 'startGram'] }],
  properties: {
    id: p.string().primary(),
    orderId: p.string().index(),
    projectId: p.string(),
    projectName: p.string(),
    startGram: p.bigint().$type<bigint>(),
    endGram: p.bigint().$type<bigint>(),
  },
});
export class OffsetPoolShare extends OffsetPoolShareSchema.class {}
OffsetPoolShareSchema.setClass(OffsetPoolShare);

/**
 * Whole tonnes of one project's pool, [startGram, endGram) of its stream, that the registry
 * retires as one named retirement. Written with the order that filled them, together with the
 * service outbox message that asks the registry (its dedupe key names this id).
 */
export const OffsetPoolRetirementSchema = defineEntity({
  name: 'OffsetPoolRetirement',
  tableName: 'offset_pool_retirements',
  uniques: [{ properties: ['projectId', 'sequence'] }],
  indexes: [{ properties: ['projectId', 'startGram'] }],
  properties: {
    id: p.string().primary(),
    projectId: p.string(),
    projectName: p.string(),
    sequence: p.integer(),
    name: p.string(),
    startGram: p.bigint().$type<bigint>(),
    endGram: p.bigint().$type<bigint>(),
    createdAt: p.datetime(),
  },
});
export class OffsetPoolRetirement extends OffsetPoolRetirementSchema.class {}
OffsetPoolRetirementSchema.setClass(OffsetPoolRetirement);

export const offsetEntities = [
  OffsetBundleSchema,
  OffsetEmissionEstimateSchema,
  OffsetOrderSchema,
  OffsetAllocationSchema,
  OffsetRetirementPoolSchema,
  OffsetPoolShareSchema,
  OffsetPoolRetirementSchema,
  OffsetProductRunSchema,
];
