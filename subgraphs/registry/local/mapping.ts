// Rows (integer tonnes and serials) to domain records (decimals).
import { dec } from '../../../lib/decimal.ts';
import { joinSerializations, serialization } from '../rules.ts';
import type {
  CarbonCreditRecord,
  CreditRequestRecord,
  CreditTypeRecord,
  ProjectRecord,
  RetirementRecord,
  SerialRangeRecord,
} from '../source.ts';
import type {
  Credit,
  CreditRequest,
  CreditType,
  Project,
  PuroInventoryItem,
  Retirement,
  SerialBlock,
} from './entities.ts';

export const toRecord = {
  project: (p: Project): ProjectRecord => ({
    id: p.id,
    fullName: p.fullName,
    num: p.num ?? null,
    url: p.url ?? null,
    publicUrl: p.publicUrl ?? null,
  }),

  creditType: (t: CreditType): CreditTypeRecord => ({ code: t.code, name: t.name, description: t.description ?? null }),

  ranges: (credit: Credit, blocks: SerialBlock[]): SerialRangeRecord[] =>
    [...blocks]
      .sort((a, b) => (a.serialStart < b.serialStart ? -1 : 1))
      .map((b) => ({
        start: b.serialStart,
        end: b.serialEnd,
        serialization: serialization(credit.serialPrefix, b.serialStart, b.serialEnd),
      })),

  /** An ICR credit as held by `organizationId` (null: the token-level view). */
  icrCredit: (
    c: Credit,
    project: ProjectRecord | null,
    organizationId: string | null,
    heldTonnes: bigint,
    blocks: SerialBlock[],
  ): CarbonCreditRecord => {
    const serialRanges = organizationId ? toRecord.ranges(c, blocks) : [];
    // The token-level view (no holder) shows the serial range the credit was issued with.
    const issued = serialization(c.serialPrefix, c.serialFirst, c.serialFirst + c.supplyTonnes - 1n);
    return {
      id: c.id,
      registry: 'ICR',
      organizationId,
      kind: c.kind,
      tokenId: c.tokenId,
      tokenAddress: c.tokenAddress,
      project,
      serialization: organizationId ? joinSerializations(serialRanges.map((r) => r.serialization)) : issued,
      serialRanges,
      vintage: c.vintage,
      supply: dec(c.supplyTonnes.toString()),
      amount: dec(heldTonnes.toString()),
      creditTypeCode: null,
      countryCode: null,
      productionFacility: null,
      issuanceId: null,
    };
  },

  puroItem: (i: PuroInventoryItem): CarbonCreditRecord => ({
    id: i.id,
    registry: 'PURO',
    organizationId: null,
    kind: null,
    tokenId: null,
    tokenAddress: null,
    project: null,
    serialization: i.serialization ?? null,
    serialRanges: [],
    vintage: i.vintage,
    supply: null,
    amount: dec(i.quantityTonnes.toString()),
    creditTypeCode: i.creditTypeCode,
    countryCode: i.countryCode,
    productionFacility: { id: i.productionFacilityId, name: i.productionFacilityName ?? null },
    issuanceId: i.issuanceId,
  }),

  retirement: (r: Retirement, project: ProjectRecord | null): RetirementRecord => ({
    id: r.id,
    registry: r.registry,
    offsetOrderId: r.offsetOrderId ?? null,
    beneficiaryName: r.beneficiaryName ?? null,
    reason: r.reason ?? null,
    comment: r.comment ?? null,
    amount: dec(r.amountTonnes.toString()),
    vintage: r.vintage ?? null,
    serialization: r.serialization ?? null,
    creditId: r.creditId ?? null,
    project,
    organizationId: r.organizationId ?? null,
    txId: r.txId ?? null,
    retiredAt: r.retiredAt,
  }),

  creditRequest: (r: CreditRequest, credit: Credit | null, project: ProjectRecord | null): CreditRequestRecord => ({
    id: r.id,
    action: r.action,
    state: r.state,
    kind: credit?.kind ?? null,
    creditId: r.creditId,
    tokenId: credit?.tokenId ?? null,
    tokenAddress: credit?.tokenAddress ?? null,
    serialization: r.serialization ?? null,
    vintage: credit?.vintage ?? null,
    amount: dec(r.amountTonnes.toString()),
    fromOrganizationId: r.organizationId,
    toOrganizationId: r.toOrganizationId ?? null,
    toAddress: r.toAddress ?? null,
    project,
    txId: r.txId ?? null,
    retirementId: r.retirementId ?? null,
    retirementReason: r.retirementReason ?? null,
    retirementComment: r.retirementComment ?? null,
    beneficiaryName: r.beneficiaryName ?? null,
    offsetOrderId: r.offsetOrderId ?? null,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  }),
};
