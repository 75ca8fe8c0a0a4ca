// ICR and CO2Trust Puro wire shapes to domain records, and (for the contract fakes) back.
import { dec } from '../../../lib/decimal.ts';
import type { CarbonCreditRecord, CreditAction, CreditKind, CreditRequestRecord, CreditTypeRecord, ProjectRecord, RetirementRecord } from '../source.ts';
import type { DemoPuroItem, DemoRetirement } from '../local/seed.ts';
import type {
  IcrAction,
  IcrCredit,
  IcrCreditRequest,
  IcrCreditType,
  IcrProject,
  IcrRetirement,
  PuroCreditTypeWire,
  PuroInventoryItemWire,
  PuroRetirementWire,
} from './client.ts';

const KIND: Record<IcrCreditType, CreditKind> = { exAnte: 'EX_ANTE', exPost: 'EX_POST' };
const STATE = { pending: 'PENDING', processed: 'PROCESSED', rejected: 'REJECTED' } as const;
const vintage = (v: string | number | null | undefined) => (v === null || v === undefined || v === '' ? null : Number(v));

export const toIcrAction = (action: CreditAction): IcrAction => action.toLowerCase() as IcrAction;
export const toIcrKind = (kind: CreditKind): IcrCreditType => (kind === 'EX_ANTE' ? 'exAnte' : 'exPost');

export const fromIcr = {
  project: (p: IcrProject): ProjectRecord => ({ id: p.id, fullName: p.fullName, num: p.num ?? null, url: p.url ?? null, publicUrl: p.publicUrl ?? null }),
  credit: (c: IcrCredit): CarbonCreditRecord => ({
    id: c.id,
    registry: 'ICR',
    organizationId: c.organizationId ?? null,
    kind: KIND[c.type],
    tokenId: c.tokenId,
    tokenAddress: c.tokenAddress,
    project: c.project ? fromIcr.project(c.project) : null,
    serialization: c.serialization ?? null,
    // The ICR lists one serialization string per holding, not its ranges.
    serialRanges: [],
    vintage: vintage(c.vintage),
    supply: dec(c.supply),
    amount: dec(c.amount),
    creditTypeCode: null,
    countryCode: null,
    productionFacility: null,
    issuanceId: null,
  }),
  request: (r: IcrCreditRequest): CreditRequestRecord => ({
    id: r.id,
    action: r.action.toUpperCase() as CreditAction,
    state: STATE[r.state],
    kind: KIND[r.type] ?? null,
    creditId: r.creditId,
    tokenId: r.tokenId ?? null,
    tokenAddress: r.tokenAddress ?? null,
    serialization: r.serialization ?? null,
    vintage: vintage(r.vintage),
    amount: dec(r.amount),
    fromOrganizationId: r.fromOrganizationId,
    toOrganizationId: r.toOrganizationId ?? null,
    toAddress: r.toAddress ?? null,
    project: r.project ? fromIcr.project(r.project) : null,
    txId: r.txId ?? null,
    retirementId: r.retirementId ?? null,
    retirementReason: r.retirementReason ?? null,
    retirementComment: r.retirementComment ?? null,
    beneficiaryName: r.beneficiaryName ?? null,
    offsetOrderId: r.offsetOrderId ?? null,
    createdAt: new Date(r.createdAt),
    updatedAt: new Date(r.updatedAt),
  }),
  retirement: (r: IcrRetirement): RetirementRecord => ({
    id: r.id,
    registry: 'ICR',
    offsetOrderId: r.offsetOrderId ?? null,
    beneficiaryName: r.beneficiaryName ?? null,
    reason: r.retirementReason ?? null,
    comment: r.retirementComment ?? null,
    amount: dec(r.amount),
    vintage: vintage(r.vintage),
    serialization: r.serialization ?? null,
    creditId: r.creditId,
    project: r.project ? fromIcr.project(r.project) : null,
    organizationId: r.organizationId ?? null,
    txId: r.txId ?? null,
    retiredAt: new Date(r.createdAt),
  }),
};

export const fromPuro = {
  item: (i: PuroInventoryItemWire): CarbonCreditRecord => ({
    id: i.id,
    registry: 'PURO',
    organizationId: null,
    kind: null,
    tokenId: null,
    tokenAddress: null,
    project: null,
    serialization: i.serial_number_range ?? null,
    serialRanges: [],
    vintage: i.vintage,
    supply: null,
    amount: dec(i.quantity),
    creditTypeCode: i.credit_type_code,
    countryCode: i.country_code,
    productionFacility: { id: i.production_facility_id, name: i.production_facility_name ?? null },
    issuanceId: i.issuance_id,
  }),
  retirement: (r: PuroRetirementWire): RetirementRecord => ({
    id: r.id,
    registry: 'PURO',
    offsetOrderId: r.offset_order_id ?? null,
    beneficiaryName: r.beneficiary_name ?? null,
    reason: r.retirement_reason ?? null,
    comment: r.comment ?? null,
    amount: dec(r.quantity),
    vintage: r.vintage ?? null,
    serialization: r.serial_number_range ?? null,
    creditId: null,
    project: null,
    organizationId: null,
    txId: null,
    retiredAt: new Date(r.retired_at),
  }),
  creditType: (t: PuroCreditTypeWire): CreditTypeRecord => ({ code: t.code, name: t.name, description: t.description ?? null }),
};

/** The inverse mappers: demo records as the CO2Trust Puro endpoints serve them (contract fakes). */
export const toPuro = {
  item: (i: DemoPuroItem): PuroInventoryItemWire => ({
    id: i.id,
    credit_type_code: i.creditTypeCode,
    country_code: i.countryCode,
    production_facility_id: i.productionFacilityId,
    production_facility_name: i.productionFacilityName,
    issuance_id: i.issuanceId,
    vintage: i.vintage,
    quantity: i.quantityTonnes.toString(),
    serial_number_range: i.serialization,
  }),
  retirement: (r: DemoRetirement): PuroRetirementWire => ({
    id: r.id,
    beneficiary_name: r.beneficiaryName,
    retirement_reason: r.reason,
    comment: r.comment,
    quantity: r.amountTonnes.toString(),
    vintage: r.vintage,
    serial_number_range: r.serialization,
    retired_at: r.retiredAt.toISOString(),
    offset_order_id: r.offsetOrderId,
  }),
  creditType: (t: CreditTypeRecord): PuroCreditTypeWire => ({ code: t.code, name: t.name, description: t.description }),
};
