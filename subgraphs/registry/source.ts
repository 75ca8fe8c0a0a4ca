// The port of the registry subgraph: the data operations its resolvers need, in domain types.
// `local/` (MikroORM, the system of record: a credit ledger) and `upstream/` (the ICR API and
// the CO2Trust Puro integration) implement it.
import type { Connection, ConnectionArgs } from '../../lib/connection.ts';
import type { Decimal } from '../../lib/decimal.ts';

export type Registry = 'ICR' | 'PURO';
export type CreditAction = 'TRANSFER' | 'RETIRE' | 'TRANSFER_RETIRE' | 'CANCEL';
export type CreditKind = 'EX_ANTE' | 'EX_POST';
/** `UNKNOWN`: a state the upstream answered that the layer does not know. */
export type CreditRequestState = 'PENDING' | 'PROCESSED' | 'REJECTED' | 'UNKNOWN';
export type ReviewDecision = 'ACCEPTED' | 'REJECTED';
export type SortDirection = 'ASC' | 'DESC';

export interface ProjectRecord {
  id: string;
  fullName: string;
  num: string | null;
  url: string | null;
  publicUrl: string | null;
}

/** A platform user who may act for an organization. */
export interface OrganizationMemberRecord {
  organizationId: string;
  userId: string;
  grantedAt: Date;
}

export interface OrganizationRecord {
  id: string;
  name: string | null;
}

export interface SerialRangeRecord {
  start: bigint;
  end: bigint;
  serialization: string;
}

export interface CreditTypeRecord {
  code: string;
  name: string;
  description: string | null;
}

/** An ICR credit holding or a Puro inventory item; amounts in tonnes. */
export interface CarbonCreditRecord {
  id: string;
  registry: Registry;
  organizationId: string | null;
  kind: CreditKind | null;
  tokenId: string | null;
  tokenAddress: string | null;
  project: ProjectRecord | null;
  serialization: string | null;
  serialRanges: SerialRangeRecord[];
  vintage: number | null;
  supply: Decimal | null;
  amount: Decimal;
  creditTypeCode: string | null;
  countryCode: string | null;
  productionFacility: { id: string; name: string | null } | null;
  issuanceId: string | null;
}

/** What one organization holds of one ICR credit: the credit's record with the holder's tonnes and serials. */
export interface CreditHoldingRecord extends CarbonCreditRecord {
  organizationId: string;
}

export interface RetirementRecord {
  id: string;
  registry: Registry;
  offsetOrderId: string | null;
  beneficiaryName: string | null;
  reason: string | null;
  comment: string | null;
  /** Tonnes. */
  amount: Decimal;
  vintage: number | null;
  serialization: string | null;
  creditId: string | null;
  project: ProjectRecord | null;
  organizationId: string | null;
  txId: string | null;
  retiredAt: Date;
}

export interface CreditRequestRecord {
  id: string;
  /** `UNKNOWN`: an action the upstream answered that the layer does not know. */
  action: CreditAction | 'UNKNOWN';
  state: CreditRequestState;
  kind: CreditKind | null;
  creditId: string;
  tokenId: string | null;
  tokenAddress: string | null;
  serialization: string | null;
  vintage: number | null;
  /** Tonnes. */
  amount: Decimal;
  fromOrganizationId: string;
  toOrganizationId: string | null;
  toAddress: string | null;
  project: ProjectRecord | null;
  txId: string | null;
  retirementId: string | null;
  retirementReason: string | null;
  retirementComment: string | null;
  beneficiaryName: string | null;
  offsetOrderId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One failed part of a list that fans out (upstream mode): which organization, and the coded failure. */
export interface PartFailure {
  organizationId: string;
  error: unknown;
}

export interface RetirementData {
  reason: string;
  beneficiaryName: string;
  /** Optional, as in the ICR document's `retirementData`. */
  comment: string | null;
  offsetOrderId: string | null;
}

/** A validated credit action (see rules.ts `validateCreditAction`). */
export interface CreditActionCommand {
  organizationId: string;
  action: CreditAction;
  creditId: string;
  /** Whole tonnes, > 0. */
  amount: bigint;
  toOrganizationId: string | null;
  toAddress: string | null;
  retirement: RetirementData | null;
  /** Per organization: a retry with the same key and input returns the first result. */
  idempotencyKey: string | null;
}

/** A validated retirement for an offset order (see rules.ts `validateOffsetRetirement`). */
export interface OffsetRetirementCommand {
  offsetOrderId: string;
  projectId: string;
  /** Whole tonnes, > 0. */
  tonnes: bigint;
  beneficiaryName: string;
  reason: string;
  /** Recorded on every retirement: names the offset order, the tonnes asked for and the key. */
  comment: string;
  idempotencyKey: string;
}

export interface PuroInventoryFilter {
  creditTypeCode?: string | null;
  countryCode?: string | null;
  productionFacilityId?: string | null;
  issuanceId?: string | null;
  vintage?: number | null;
}

export type PuroInventoryOrderField = 'VINTAGE' | 'QUANTITY' | 'CREDIT_TYPE_CODE';
export interface PuroInventoryOrder {
  field: PuroInventoryOrderField;
  direction: SortDirection;
}

export interface RetirementFilter {
  registry?: Registry | null;
  offsetOrderId?: string | null;
}

export interface TokenRef {
  tokenAddress: string;
  tokenId: string;
}

export interface RegistrySource {
  /**
   * The organization, when the viewer may see it (member or admin), decided from the layer's own
   * memberships before anything else is read; null when it does not exist or the viewer may not see it.
   */
  organization(id: string): Promise<OrganizationRecord | null>;
  inventory(
    organizationId: string,
    development: boolean,
    page: ConnectionArgs,
  ): Promise<Connection<CreditHoldingRecord>>;
  creditRequests(organizationId: string, page: ConnectionArgs): Promise<Connection<CreditRequestRecord>>;
  creditRequest(organizationId: string, requestId: string): Promise<CreditRequestRecord | null>;

  /** `totalCount`: whether the caller selected it (local mode counts only then). */
  puroInventory(
    filter: PuroInventoryFilter,
    order: PuroInventoryOrder,
    page: ConnectionArgs,
    totalCount?: boolean,
  ): Promise<Connection<CarbonCreditRecord>>;
  /**
   * `onPartFailure` hears of each part of a list read from several upstream calls that failed
   * (e.g. one organization's requests): the list answers the parts that succeeded.
   */
  retirements(
    filter: RetirementFilter,
    page: ConnectionArgs,
    onPartFailure?: (failure: PartFailure) => void,
  ): Promise<Connection<RetirementRecord>>;
  creditTypes(page: ConnectionArgs): Promise<Connection<CreditTypeRecord>>;

  /** Token-level credits by token address and id, in one batch. */
  creditsByTokens(tokens: readonly TokenRef[]): Promise<(CarbonCreditRecord | null)[]>;
  /** Retirements of each offset order, in one batch. */
  retirementsByOffsetOrders(offsetOrderIds: readonly string[]): Promise<RetirementRecord[][]>;
  projectsByIds(ids: readonly string[]): Promise<(ProjectRecord | null)[]>;
  creditTypesByCodes(codes: readonly string[]): Promise<(CreditTypeRecord | null)[]>;

  /** Executes a validated action at once; returns the processed request. */
  transactCredits(command: CreditActionCommand): Promise<CreditRequestRecord>;
  /** Files a pending request and reserves its amount. */
  requestCreditAction(command: CreditActionCommand): Promise<CreditRequestRecord>;
  reviewCreditRequest(
    organizationId: string,
    requestId: string,
    decision: ReviewDecision,
  ): Promise<CreditRequestRecord>;
  /**
   * Retires tonnes of one project from the offset organization's inventory, oldest vintage first,
   * one retirement per credit; the caller is a trusted service (checked by the resolver).
   */
  retireCreditsForOffsetOrder(command: OffsetRetirementCommand): Promise<RetirementRecord[]>;

  /** Admins only: who may act for the organization. */
  organizationMembers(organizationId: string): Promise<OrganizationMemberRecord[]>;
  /** Admins only: lets a user act for an existing organization (granting twice is harmless). */
  grantOrganizationAccess(organizationId: string, userId: string): Promise<OrganizationMemberRecord>;
  /** Admins only: takes the access back; NOT_FOUND when the user had none. */
  revokeOrganizationAccess(organizationId: string, userId: string): Promise<OrganizationMemberRecord>;
}
