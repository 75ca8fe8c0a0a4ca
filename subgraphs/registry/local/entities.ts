// Registry tables: a ledger of carbon credits. Every tonne of an ICR credit has one serial
// number, so the ledger counts whole tonnes (integers) rather than grams: a credit's issued
// serial range is split into blocks, each with one status and one holder. Balances per
// (credit, organization) are kept beside the blocks and guarded by conditional updates.
import { defineEntity, p } from '@mikro-orm/core';
import { journalEntities } from '../journal/entities.ts';

export const OrganizationSchema = defineEntity({
  name: 'Organization',
  tableName: 'organizations',
  properties: {
    id: p.string().primary(),
    name: p.string(),
    createdAt: p.datetime(),
  },
});
export class Organization extends OrganizationSchema.class {}
OrganizationSchema.setClass(Organization);

/** Who may act for an organization: the users of the platform that are its members. */
export const MembershipSchema = defineEntity({
  name: 'Membership',
  tableName: 'memberships',
  uniques: [{ properties: ['organizationId', 'userId'] }],
  properties: {
    id: p.string().primary(),
    organizationId: p.string(),
    userId: p.string().index(),
    createdAt: p.datetime(),
  },
});
export class Membership extends MembershipSchema.class {}
MembershipSchema.setClass(Membership);

export const ProjectSchema = defineEntity({
  name: 'Project',
  tableName: 'projects',
  properties: {
    id: p.string().primary(),
    fullName: p.string(),
    num: p.string().nullable(),
    url: p.string().nullable(),
    publicUrl: p.string().nullable(),
  },
});
export class Project extends ProjectSchema.class {}
ProjectSchema.setClass(Project);

/** An ICR credit: one tokenised issuance of `supply` tonnes with serials serialFirst… */
export const CreditSchema = defineEntity({
  name: 'Credit',
  tableName: 'credits',
  uniques: [{ properties: ['tokenAddress', 'tokenId'] }],
  properties: {
    id: p.string().primary(),
    kind: p.string().$type<'EX_ANTE' | 'EX_POST'>(),
    tokenId: p.string(),
    tokenAddress: p.string(),
    projectId: p.string().index(),
    serialPrefix: p.string(),
    serialFirst: p.bigint().$type<bigint>(),
    vintage: p.integer(),
    supplyTonnes: p.bigint().$type<bigint>(),
    development: p.boolean(),
    createdAt: p.datetime(),
  },
});
export class Credit extends CreditSchema.class {}
CreditSchema.setClass(Credit);

/** Tonnes of a credit an organization holds (free) and has reserved for pending requests. */
export const BalanceSchema = defineEntity({
  name: 'Balance',
  tableName: 'balances',
  uniques: [{ properties: ['creditId', 'organizationId'] }],
  indexes: [{ properties: ['organizationId'] }],
  properties: {
    id: p.string().primary(),
    creditId: p.string(),
    organizationId: p.string(),
    // The conditional updates keep balances non-negative; the checks say so to the database too.
    heldTonnes: p.bigint().$type<bigint>().check('held_tonnes >= 0'),
    reservedTonnes: p.bigint().$type<bigint>().check('reserved_tonnes >= 0'),
  },
});
export class Balance extends BalanceSchema.class {}
BalanceSchema.setClass(Balance);

export type BlockStatus = 'HELD' | 'RESERVED' | 'RETIRED' | 'CANCELLED';

/** A contiguous serial range of a credit with one status and one holder. */
export const SerialBlockSchema = defineEntity({
  name: 'SerialBlock',
  tableName: 'serial_blocks',
  indexes: [{ properties: ['creditId', 'organizationId', 'status'] }, { properties: ['requestId'] }],
  properties: {
    id: p.string().primary(),
    creditId: p.string(),
    serialStart: p.bigint().$type<bigint>(),
    serialEnd: p.bigint().$type<bigint>(),
    status: p.string().$type<BlockStatus>(),
    /** Holding (or retiring, or cancelling) organization; null when held by a wallet address. */
    organizationId: p.string().nullable(),
    holderAddress: p.string().nullable(),
    /** The pending request that reserves the block. */
    requestId: p.string().nullable(),
    retirementId: p.string().nullable(),
  },
});
export class SerialBlock extends SerialBlockSchema.class {}
SerialBlockSchema.setClass(SerialBlock);

/** `requestedBy` of the requests a trusted service makes (retirements for offset orders), not a user id. */
export const SERVICE_REQUESTER = 'service';

export const CreditRequestSchema = defineEntity({
  name: 'CreditRequest',
  tableName: 'credit_requests',
  indexes: [{ properties: ['organizationId', 'createdAt'] }],
  properties: {
    id: p.string().primary(),
    organizationId: p.string(),
    action: p.string().$type<'TRANSFER' | 'RETIRE' | 'TRANSFER_RETIRE' | 'CANCEL'>(),
    state: p.string().$type<'PENDING' | 'PROCESSED' | 'REJECTED'>(),
    creditId: p.string(),
    amountTonnes: p.bigint().$type<bigint>(),
    toOrganizationId: p.string().nullable(),
    toAddress: p.string().nullable(),
    serialization: p.text().nullable(),
    txId: p.string().nullable(),
    retirementId: p.string().nullable(),
    retirementReason: p.text().nullable(),
    retirementComment: p.text().nullable(),
    beneficiaryName: p.string().nullable(),
    offsetOrderId: p.string().nullable(),
    requestedBy: p.string(),
    reviewedBy: p.string().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export class CreditRequest extends CreditRequestSchema.class {}
CreditRequestSchema.setClass(CreditRequest);

/** Idempotency keys of credit actions: one per (organization, key), with the input's hash. */
export const CreditActionKeySchema = defineEntity({
  name: 'CreditActionKey',
  tableName: 'credit_action_keys',
  uniques: [{ properties: ['organizationId', 'key'] }],
  properties: {
    id: p.string().primary(),
    organizationId: p.string(),
    key: p.string(),
    requestHash: p.string(),
    creditRequestId: p.string(),
    createdAt: p.datetime(),
  },
});
export class CreditActionKey extends CreditActionKeySchema.class {}
CreditActionKeySchema.setClass(CreditActionKey);

/**
 * Idempotency keys of retirements for offset orders: one per (organization, key), with the
 * input's hash and the retirements the key made (oldest vintage first).
 */
export const OffsetRetirementKeySchema = defineEntity({
  name: 'OffsetRetirementKey',
  tableName: 'offset_retirement_keys',
  uniques: [{ properties: ['organizationId', 'key'] }],
  properties: {
    id: p.string().primary(),
    organizationId: p.string(),
    key: p.string(),
    requestHash: p.string(),
    retirementIds: p.json<string[]>(),
    createdAt: p.datetime(),
  },
});
export class OffsetRetirementKey extends OffsetRetirementKeySchema.class {}
OffsetRetirementKeySchema.setClass(OffsetRetirementKey);

/** A retirement in the ICR ledger or one imported from Puro.earth. */
export const RetirementSchema = defineEntity({
  name: 'Retirement',
  tableName: 'retirements',
  indexes: [{ properties: ['offsetOrderId'] }, { properties: ['registry', 'retiredAt'] }],
  properties: {
    id: p.string().primary(),
    registry: p.string().$type<'ICR' | 'PURO'>(),
    offsetOrderId: p.string().nullable(),
    beneficiaryName: p.string().nullable(),
    reason: p.text().nullable(),
    comment: p.text().nullable(),
    amountTonnes: p.bigint().$type<bigint>(),
    vintage: p.integer().nullable(),
    serialization: p.text().nullable(),
    creditId: p.string().nullable(),
    projectId: p.string().nullable(),
    organizationId: p.string().nullable(),
    txId: p.string().nullable(),
    retiredAt: p.datetime(),
  },
});
export class Retirement extends RetirementSchema.class {}
RetirementSchema.setClass(Retirement);

export const PuroInventoryItemSchema = defineEntity({
  name: 'PuroInventoryItem',
  tableName: 'puro_inventory_items',
  properties: {
    id: p.string().primary(),
    creditTypeCode: p.string().index(),
    countryCode: p.string(),
    productionFacilityId: p.string(),
    productionFacilityName: p.string().nullable(),
    issuanceId: p.string(),
    vintage: p.integer(),
    quantityTonnes: p.bigint().$type<bigint>(),
    serialization: p.string().nullable(),
  },
});
export class PuroInventoryItem extends PuroInventoryItemSchema.class {}
PuroInventoryItemSchema.setClass(PuroInventoryItem);

export const CreditTypeSchema = defineEntity({
  name: 'CreditType',
  tableName: 'credit_types',
  properties: {
    code: p.string().primary(),
    name: p.string(),
    description: p.text().nullable(),
  },
});
export class CreditType extends CreditTypeSchema.class {}
CreditTypeSchema.setClass(CreditType);

export const entities = [
  OrganizationSchema,
  MembershipSchema,
  ProjectSchema,
  CreditSchema,
  BalanceSchema,
  SerialBlockSchema,
  CreditRequestSchema,
  CreditActionKeySchema,
  OffsetRetirementKeySchema,
  RetirementSchema,
  PuroInventoryItemSchema,
  CreditTypeSchema,
  // The layer's journals of its ICR writes (used in upstream mode).
  ...journalEntities,
];
