// The registry as its own system of record: a ledger of serial-numbered tonnes. The port is served
// by three parts over one unit of work: reads (reads.ts), credit actions and their review
// (credit-actions.ts) and offset orders' retirements (offset-retirements.ts), the last two on the
// ledger's primitives (ledger.ts).
import type { ConnectionArgs } from '../../../lib/connection.ts';
import type { Database, EntityManager } from '../../../lib/db.ts';
import type { OrganizationAccess } from '../access.ts';
import { unknownOrganizationError } from '../rules.ts';
import type {
  CreditActionCommand,
  OffsetRetirementCommand,
  PuroInventoryFilter,
  PuroInventoryOrder,
  RegistrySource,
  RetirementFilter,
  ReviewDecision,
  TokenRef,
} from '../source.ts';
import { LocalCreditActions } from './credit-actions.ts';
import { Organization } from './entities.ts';
import { LocalOffsetRetirements } from './offset-retirements.ts';
import { LocalRegistryReads } from './reads.ts';

export class LocalRegistrySource implements RegistrySource {
  private readonly em: EntityManager;
  /** Who may act for which organization (memberships, admins). */
  private readonly access: OrganizationAccess;
  private readonly reads: LocalRegistryReads;
  private readonly actions: LocalCreditActions;
  private readonly offsets: LocalOffsetRetirements;

  constructor(db: Database, access: OrganizationAccess, offsetOrganizationId: string) {
    this.em = db.fork();
    this.access = access;
    this.reads = new LocalRegistryReads(db, this.em, access);
    this.actions = new LocalCreditActions(this.em, access, this.reads);
    this.offsets = new LocalOffsetRetirements(this.em, this.reads, offsetOrganizationId);
  }

  // ---- reads ----

  organization(id: string) {
    return this.reads.organization(id);
  }

  inventory(organizationId: string, development: boolean, args: ConnectionArgs) {
    return this.reads.inventory(organizationId, development, args);
  }

  creditRequests(organizationId: string, args: ConnectionArgs) {
    return this.reads.creditRequests(organizationId, args);
  }

  creditRequest(organizationId: string, requestId: string) {
    return this.reads.creditRequest(organizationId, requestId);
  }

  puroInventory(filter: PuroInventoryFilter, order: PuroInventoryOrder, args: ConnectionArgs, totalCount = true) {
    return this.reads.puroInventory(filter, order, args, totalCount);
  }

  retirements(filter: RetirementFilter, args: ConnectionArgs) {
    return this.reads.retirements(filter, args);
  }

  creditTypes(args: ConnectionArgs) {
    return this.reads.creditTypes(args);
  }

  creditsByTokens(tokens: readonly TokenRef[]) {
    return this.reads.creditsByTokens(tokens);
  }

  retirementsByOffsetOrders(offsetOrderIds: readonly string[]) {
    return this.reads.retirementsByOffsetOrders(offsetOrderIds);
  }

  projectsByIds(ids: readonly string[]) {
    return this.reads.projectsByIds(ids);
  }

  creditTypesByCodes(codes: readonly string[]) {
    return this.reads.creditTypesByCodes(codes);
  }

  // ---- the ledger ----

  transactCredits(cmd: CreditActionCommand) {
    return this.actions.transactCredits(cmd);
  }

  requestCreditAction(cmd: CreditActionCommand) {
    return this.actions.requestCreditAction(cmd);
  }

  reviewCreditRequest(organizationId: string, requestId: string, decision: ReviewDecision) {
    return this.actions.reviewCreditRequest(organizationId, requestId, decision);
  }

  retireCreditsForOffsetOrder(cmd: OffsetRetirementCommand) {
    return this.offsets.retireCreditsForOffsetOrder(cmd);
  }

  // ---- access ----

  organizationMembers(organizationId: string) {
    return this.access.members(organizationId);
  }

  async grantOrganizationAccess(organizationId: string, userId: string) {
    await this.access.members(organizationId); // admins only
    if (!(await this.em.fork().findOne(Organization, { id: organizationId })))
      throw unknownOrganizationError(organizationId, 'input.organizationId');
    return this.access.grant(organizationId, userId);
  }

  revokeOrganizationAccess(organizationId: string, userId: string) {
    return this.access.revoke(organizationId, userId);
  }
}
