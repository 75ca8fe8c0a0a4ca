// ICR and CO2Trust Puro wire shapes to domain records, and (for the contract fakes) back.
import type {
  CarbonCreditRecord,
  CreditAction,
  CreditRequestRecord,
  CreditTypeRecord,
  ProjectRecord,
  RetirementRecord,
} from '../source.ts';
import type { DemoPuroItem, DemoRetirement } from '../local/seed.ts';
import type { IcrCreditParsed, IcrCreditRequestParsed, IcrProjectParsed } from './icr-schemas.ts';
import type { IcrAction, PuroCreditTypeWire, PuroInventoryItemWire, PuroParsed, PuroRetirementWire } from './client.ts';

export const toIcrAction = (action: CreditAction): IcrAction => action.toLowerCase() as IcrAction;

/** Parsed ICR answers (icr-schemas.ts) to domain records; `organizationId` is the organization of the route. */
export const fromIcr = {
  project: (p: IcrProjectParsed): ProjectRecord => ({
    id: p.id,
    fullName: p.fullName,
    num: p.num,
    url: p.url,
    publicUrl: p.publicUrl,
  }),
  credit: (c: IcrCreditParsed, organizationId: string | null): CarbonCreditRecord => ({
    id: c.id,
    registry: 'ICR',
    organizationId,
    kind: c.type,
    tokenId: c.tokenId,
    tokenAddress: c.tokenAddress,
    project: c.project ? fromIcr.project(c.project) : null,
    serialization: c.serialization,
    // The ICR lists one serialization string per holding, not its ranges.
    serialRanges: [],
    vintage: c.vintage,
    supply: c.supply,
    amount: c.amount,
    creditTypeCode: null,
    countryCode: null,
    productionFacility: null,
    issuanceId: null,
  }),
  request: (r: IcrCreditRequestParsed, organizationId: string): CreditRequestRecord => ({
    id: r.id,
    action: r.action,
    state: r.state,
    kind: r.type,
    creditId: r.creditId,
    tokenId: r.tokenId,
    tokenAddress: r.tokenAddress,
    serialization: r.serialization,
    vintage: r.vintage,
    amount: r.amount,
    fromOrganizationId: r.fromOrganizationId ?? organizationId,
    toOrganizationId: r.toOrganizationId,
    toAddress: r.toAddress,
    project: r.project ? fromIcr.project(r.project) : null,
    txId: r.txId,
    retirementId: r.retirementId,
    retirementReason: r.retirementReason,
    retirementComment: r.retirementComment,
    beneficiaryName: r.beneficiaryName,
    // The ICR does not know offset orders: the layer's effect journal adds them.
    offsetOrderId: null,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt ?? r.createdAt,
  }),
};

type PuroItem = PuroParsed<'inventory'>['items'][number];
type PuroRetirement = PuroParsed<'retirements'>['items'][number];

/** Parsed CO2Trust Puro answers (PURO_SCHEMAS) to domain records. */
export const fromPuro = {
  item: (i: PuroItem): CarbonCreditRecord => ({
    id: i.id,
    registry: 'PURO',
    organizationId: null,
    kind: null,
    tokenId: null,
    tokenAddress: null,
    project: null,
    serialization: i.serial_number_range,
    serialRanges: [],
    vintage: i.vintage,
    supply: null,
    amount: i.quantity,
    creditTypeCode: i.credit_type_code,
    countryCode: i.country_code,
    productionFacility:
      i.production_facility_id === null ? null : { id: i.production_facility_id, name: i.production_facility_name },
    issuanceId: i.issuance_id,
  }),
  retirement: (r: PuroRetirement): RetirementRecord => ({
    id: r.id,
    registry: 'PURO',
    offsetOrderId: r.offset_order_id,
    beneficiaryName: r.beneficiary_name,
    reason: r.retirement_reason,
    comment: r.comment,
    amount: r.quantity,
    vintage: r.vintage,
    serialization: r.serial_number_range,
    creditId: null,
    project: null,
    organizationId: null,
    txId: null,
    retiredAt: r.retired_at,
  }),
  creditType: (t: PuroParsed<'creditTypes'>[number]): CreditTypeRecord => ({
    code: t.code,
    name: t.name,
    description: t.description,
  }),
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
