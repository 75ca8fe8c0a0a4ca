// The registry over the ICR organization inventory API and the CO2Trust Puro integration, with
// what the ICR does not offer kept by the layer itself: who may act for an organization
// (../access.ts, checked before any ICR call), an idempotency journal and an effect journal of
// every write (../journal/), from which the history of retirements and offset orders is read.
import { alignByKey } from '../../../lib/batch.ts';
import {
  offsetConnection,
  offsetPage,
  windowFromPages,
  type Connection,
  type ConnectionArgs,
} from '../../../lib/connection.ts';
import { DomainError } from '../../../lib/errors.ts';
import type { UpstreamClient, UpstreamRequest } from '../../../lib/http-client.ts';
import type { Logger } from '../../../lib/logger.ts';
import { parseUpstream } from '../../../lib/upstream-contract.ts';
import type { OrganizationAccess } from '../access.ts';
import { loadRequest, outcomeUnknown, retirementOf, type WriteJournal } from '../journal/writes.ts';
import {
  alreadyReviewedError,
  fingerprint,
  insufficientBalanceError,
  joinSerializations,
  noOffsetCreditsError,
  notEnoughOffsetCreditsError,
  offsetRetirementFingerprint,
  unknownCreditError,
  unknownOrganizationError,
  unknownRequestError,
} from '../rules.ts';
import type {
  CarbonCreditRecord,
  CreditActionCommand,
  CreditRequestRecord,
  CreditTypeRecord,
  OffsetRetirementCommand,
  OrganizationRecord,
  PartFailure,
  ProjectRecord,
  PuroInventoryFilter,
  PuroInventoryOrder,
  RegistrySource,
  RetirementFilter,
  RetirementRecord,
  ReviewDecision,
  TokenRef,
} from '../source.ts';
import { PURO_ROUTES as PURO, PURO_SCHEMAS, type IcrActionBody, type PuroParsed } from './client.ts';
import { IcrRefusal, isOutcomeUnknown, maybeApplied, type IcrApi } from './icr.ts';
import { fromPuro, toIcrAction } from './mappers.ts';
import { allocateOffsetTonnes, offsetRetireAction } from '../offset-allocation.ts';

const PURO_ORDER = { VINTAGE: 'vintage', QUANTITY: 'quantity', CREDIT_TYPE_CODE: 'credit_type_code' } as const;
/** Largest page the batch lookups ask for. */
const BATCH_PAGE = 100;
const tokenKey = (t: TokenRef) => `${t.tokenAddress.toLowerCase()}|${t.tokenId}`;
const newestFirst = (a: RetirementRecord, b: RetirementRecord) =>
  b.retiredAt.getTime() - a.retiredAt.getTime() || (a.id < b.id ? 1 : -1);
const byVintage = (a: RetirementRecord, b: RetirementRecord) =>
  (a.vintage ?? 0) - (b.vintage ?? 0) || (a.creditId ?? '').localeCompare(b.creditId ?? '');

export interface UpstreamRegistryDeps {
  icr: IcrApi;
  puro: UpstreamClient;
  journal: WriteJournal;
  access: OrganizationAccess;
  /** The organization holding the marketplace's offset inventory. */
  offsetOrganizationId: string;
  /** Where contract violations are logged (once per route and field). */
  logger?: Logger;
}

export class UpstreamRegistrySource implements RegistrySource {
  private readonly icr: IcrApi;
  private readonly puro: UpstreamClient;
  private readonly journal: WriteJournal;
  private readonly access: OrganizationAccess;
  private readonly offsetOrganizationId: string;
  private readonly logger: Logger | undefined;
  /** Inventory answers of this request: `organization` and `inventory` share one call. */
  private readonly inventories = new Map<string, Promise<CarbonCreditRecord[] | null>>();
  private creditTypeList: Promise<CreditTypeRecord[]> | null = null;

  constructor(deps: UpstreamRegistryDeps) {
    this.icr = deps.icr;
    this.puro = deps.puro;
    this.journal = deps.journal;
    this.access = deps.access;
    this.offsetOrganizationId = deps.offsetOrganizationId;
    this.logger = deps.logger;
  }

  private fetchInventory(organizationId: string, development: boolean): Promise<CarbonCreditRecord[] | null> {
    const key = `${organizationId}|${development}`;
    let known = this.inventories.get(key);
    if (!known) {
      known = this.icr.inventory(organizationId, development);
      this.inventories.set(key, known);
    }
    return known;
  }

  /** The organizations the layer knows: those with members, and the offset inventory. */
  private async knownOrganizations(): Promise<string[]> {
    return [...new Set([...(await this.access.organizationsWithMembers()), this.offsetOrganizationId])].sort();
  }

  async organization(id: string): Promise<OrganizationRecord | null> {
    // One the caller may not see is answered as absent, and the ICR is not asked.
    if (!(await this.access.maySee(id))) return null;
    return (await this.fetchInventory(id, false)) ? { id, name: null } : null;
  }

  async inventory(organizationId: string, development: boolean, args: ConnectionArgs) {
    const page = offsetPage(args, 'CreditHolding');
    await this.access.assertMayAct(organizationId);
    const credits = (await this.fetchInventory(organizationId, development)) ?? [];
    const holdings = credits.map((c) => ({ ...c, organizationId: c.organizationId ?? organizationId }));
    return offsetConnection(holdings.slice(page.offset, page.offset + page.limit), page, holdings.length);
  }

  async creditRequests(organizationId: string, args: ConnectionArgs) {
    const page = offsetPage(args, 'CreditRequest');
    await this.access.assertMayAct(organizationId);
    const connection = await windowFromPages(page, (pageNumber, size) =>
      this.icr.requestsPage(organizationId, pageNumber - 1, size),
    );
    return this.withOffsetOrders(connection);
  }

  async creditRequest(organizationId: string, requestId: string) {
    await this.access.assertMayAct(organizationId);
    const r = await this.icr.request(organizationId, requestId);
    return (
      r &&
      (await this.withOffsetOrders(offsetConnection([r], { list: 'CreditRequest', offset: 0, limit: 1 }))).nodes[0]!
    );
  }

  /** The ICR does not know offset orders: the journal adds the offset order a request was made for. */
  private async withOffsetOrders(
    connection: Connection<CreditRequestRecord>,
  ): Promise<Connection<CreditRequestRecord>> {
    const orders = await this.journal.offsetOrdersOfRequests(connection.nodes.map((r) => r.id));
    if (!orders.size) return connection;
    const add = (r: CreditRequestRecord) => ({ ...r, offsetOrderId: orders.get(r.id) ?? r.offsetOrderId });
    return {
      ...connection,
      nodes: connection.nodes.map(add),
      edges: connection.edges.map((e) => ({ ...e, node: add(e.node) })),
    };
  }

  /** A CO2Trust Puro read, parsed once here by its route's schema (PURO_SCHEMAS). */
  private async puroRead<K extends keyof typeof PURO>(
    route: K,
    req: { query?: UpstreamRequest['query'] },
  ): Promise<PuroParsed<K>> {
    const body = await this.puro.json<unknown>({ ...req, path: PURO[route] });
    return parseUpstream(PURO_SCHEMAS[route], body, {
      upstream: this.puro.name,
      route: `GET ${PURO[route]}`,
      logger: this.logger,
    }) as PuroParsed<K>;
  }

  async puroInventory(filter: PuroInventoryFilter, order: PuroInventoryOrder, args: ConnectionArgs) {
    const page = offsetPage(args, 'PuroInventory');
    return windowFromPages(page, async (pageNumber, size) => {
      const res = await this.puroRead('inventory', {
        query: {
          page: pageNumber,
          size,
          order_by: `${order.direction === 'DESC' ? '-' : ''}${PURO_ORDER[order.field]}`,
          credit_type_code: filter.creditTypeCode,
          country_code: filter.countryCode,
          production_facility_id: filter.productionFacilityId,
          issuance_id: filter.issuanceId,
          vintage: filter.vintage,
        },
      });
      return { items: res.items.map(fromPuro.item), total: res.total };
    });
  }

  private puroRetirementPages(offsetOrderIds: readonly string[] | null) {
    return async (pageNumber: number, size: number) => {
      const res = await this.puroRead('retirements', {
        query: { page: pageNumber, size, offset_order_id: offsetOrderIds ? [...offsetOrderIds] : undefined },
      });
      return { items: res.items.map(fromPuro.retirement), total: res.total };
    };
  }

  /**
   * ICR retirements, newest first. For an offset order: the journal alone (only the layer knows
   * offset orders). Otherwise the processed RETIRE and TRANSFER_RETIRE requests of every known
   * organization (documented reads), with the journal's offset orders, and the journal's own.
   */
  private async icrRetirements(
    offsetOrderId: string | null,
    onPartFailure: (failure: PartFailure) => void,
  ): Promise<RetirementRecord[]> {
    if (offsetOrderId) return this.journal.retirementsOfOffsetOrders([offsetOrderId]);
    const organizations = await this.knownOrganizations();
    // One organization that fails (unknown to the ICR, unreachable) costs its own part only.
    const settled = await Promise.allSettled(organizations.map((id) => this.icr.allRequests(id)));
    // Nothing answered: the list has no part to show, it fails as a whole.
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed && settled.every((r) => r.status === 'rejected')) throw failed.reason;
    const requests = settled.flatMap((result, i) => {
      if (result.status === 'fulfilled') return result.value;
      onPartFailure({ organizationId: organizations[i]!, error: result.reason });
      return [];
    });
    const orders = await this.journal.offsetOrdersOfRequests(requests.map((r) => r.id));
    const read = requests
      .map((r) => retirementOf(r, orders.get(r.id) ?? null))
      .filter((r): r is RetirementRecord => r !== null);
    const seen = new Set(read.map((r) => r.id));
    const journaled = (await this.journal.retirements()).filter((r) => !seen.has(r.id));
    return [...read, ...journaled].sort(newestFirst);
  }

  /** ICR retirements first, then Puro: the window may span both lists. */
  async retirements(
    filter: RetirementFilter,
    args: ConnectionArgs,
    onPartFailure: (failure: PartFailure) => void = () => undefined,
  ): Promise<Connection<RetirementRecord>> {
    const page = offsetPage(args, 'Retirement');
    const orders = filter.offsetOrderId ? [filter.offsetOrderId] : null;
    if (filter.registry === 'PURO') return windowFromPages(page, this.puroRetirementPages(orders));
    const icr = await this.icrRetirements(filter.offsetOrderId ?? null, onPartFailure);
    if (filter.registry === 'ICR')
      return offsetConnection(icr.slice(page.offset, page.offset + page.limit), page, icr.length);
    const mine = icr.slice(page.offset, page.offset + page.limit);
    const rest = { list: page.list, offset: Math.max(0, page.offset - icr.length), limit: page.limit - mine.length };
    const puro = await windowFromPages(rest, this.puroRetirementPages(orders));
    return offsetConnection([...mine, ...puro.nodes], page, icr.length + (puro.totalCount ?? 0));
  }

  private allCreditTypes(): Promise<CreditTypeRecord[]> {
    this.creditTypeList ??= this.puroRead('creditTypes', {}).then((list) => list.map(fromPuro.creditType));
    return this.creditTypeList;
  }

  async creditTypes(args: ConnectionArgs) {
    const page = offsetPage(args, 'CreditType');
    const all = await this.allCreditTypes();
    return offsetConnection(all.slice(page.offset, page.offset + page.limit), page, all.length);
  }

  async creditTypesByCodes(codes: readonly string[]) {
    return alignByKey(codes, await this.allCreditTypes(), (t) => t.code);
  }

  /** The production inventories of every known organization (one call each, shared by the request). */
  private async knownCredits(): Promise<CarbonCreditRecord[]> {
    const organizations = await this.knownOrganizations();
    return (await Promise.all(organizations.map((id) => this.fetchInventory(id, false)))).flatMap(
      (credits) => credits ?? [],
    );
  }

  /**
   * The ICR has no token lookup: a token's credit is read from the inventories of the known
   * organizations, with the tonnes and the serial ranges they hold together.
   */
  async creditsByTokens(tokens: readonly TokenRef[]) {
    const byToken = new Map<string, CarbonCreditRecord>();
    for (const c of await this.knownCredits()) {
      const key = tokenKey({ tokenAddress: c.tokenAddress!, tokenId: c.tokenId! });
      const seen = byToken.get(key);
      byToken.set(
        key,
        seen
          ? {
              ...seen,
              amount: seen.amount.plus(c.amount),
              serialization: joinSerializations(
                [seen.serialization, c.serialization].filter((x): x is string => Boolean(x)),
              ),
            }
          : { ...c, organizationId: null, serialRanges: [] },
      );
    }
    return tokens.map((t) => byToken.get(tokenKey(t)) ?? null);
  }

  /** ICR retirements from the journal (no ICR call), Puro retirements in one call. */
  async retirementsByOffsetOrders(offsetOrderIds: readonly string[]) {
    const [icr, puro] = await Promise.all([
      this.journal.retirementsOfOffsetOrders(offsetOrderIds),
      this.puroRetirementPages(offsetOrderIds)(1, BATCH_PAGE),
    ]);
    const all = [...icr, ...puro.items];
    return offsetOrderIds.map((id) => all.filter((r) => r.offsetOrderId === id));
  }

  /** The ICR has no project route: projects are read from the known organizations' inventories. */
  async projectsByIds(ids: readonly string[]) {
    const projects = (await this.knownCredits()).map((c) => c.project).filter((p): p is ProjectRecord => p !== null);
    return alignByKey(ids, projects, (p) => p.id);
  }

  // ---- writes ----

  private body(cmd: CreditActionCommand): IcrActionBody {
    return {
      creditId: cmd.creditId,
      amount: Number(cmd.amount),
      ...(cmd.toOrganizationId ? { toOrganizationId: cmd.toOrganizationId } : {}),
      ...(cmd.toAddress ? { toAddress: cmd.toAddress } : {}),
      // The document's retirement data; the offset order stays in the journal.
      // `comment` only when given: the document does not require it.
      ...(cmd.retirement
        ? {
            retirementData: {
              reason: cmd.retirement.reason,
              beneficiaryName: cmd.retirement.beneficiaryName,
              ...(cmd.retirement.comment ? { comment: cmd.retirement.comment } : {}),
            },
          }
        : {}),
    };
  }

  /**
   * The ICR's refusals of an action as the user errors the local ledger gives: a 404 or 422 that
   * names the receiving organization or the credit is NOT_FOUND for it, another 422 is
   * INSUFFICIENT_BALANCE, a 400 is INVALID.
   */
  private refusal(error: unknown, cmd: CreditActionCommand): unknown {
    if (!(error instanceof IcrRefusal)) return error;
    if (error.status === 404 || error.status === 422) {
      if (cmd.toOrganizationId && error.mentions(cmd.toOrganizationId))
        return unknownOrganizationError(cmd.toOrganizationId);
      if (error.status === 404 && error.mentions(cmd.organizationId) && !error.mentions(cmd.creditId))
        return unknownOrganizationError(cmd.organizationId, 'input.organizationId');
      if (error.status === 404 || error.mentions(cmd.creditId)) return unknownCreditError(cmd.creditId);
      return insufficientBalanceError(cmd.amount);
    }
    if (error.status === 400) return new DomainError('INVALID', 'The registry refused the action as invalid', 'input');
    return error;
  }

  /**
   * Reads the organization's inventory before a write, so a credit it does not hold or an amount
   * above its free tonnes is the local ledger's user error and nothing is sent. The ICR still
   * decides: a refusal after a race maps through `refusal`.
   */
  private async precheck(cmd: CreditActionCommand): Promise<void> {
    const inventory = await this.fetchInventory(cmd.organizationId, false);
    // The ICR does not know the acting organization: that is the organization's fault, not the credit's.
    if (inventory === null) throw unknownOrganizationError(cmd.organizationId, 'input.organizationId');
    const credit = inventory.find((c) => c.id === cmd.creditId);
    if (!credit) throw unknownCreditError(cmd.creditId);
    if (credit.amount.lt(cmd.amount.toString())) throw insufficientBalanceError(cmd.amount);
  }

  /** Sends one journaled POST: DONE with the answer, dropped when refused, UNKNOWN when it may have acted. */
  private async send(
    route: 'action' | 'request',
    cmd: CreditActionCommand,
    keyId: string | null,
  ): Promise<CreditRequestRecord> {
    const body = this.body(cmd);
    const effectId = await this.journal.begin(route, cmd, body, keyId);
    let record: CreditRequestRecord;
    try {
      record = await this.icr.post(route, cmd.organizationId, toIcrAction(cmd.action), body);
    } catch (error) {
      if (maybeApplied(error)) {
        await this.journal.unknown(effectId);
        throw outcomeUnknown();
      }
      await this.journal.drop(effectId);
      throw this.refusal(error, cmd);
    }
    record = { ...record, offsetOrderId: cmd.retirement?.offsetOrderId ?? null };
    await this.journal.done(effectId, record);
    return record;
  }

  /** Credit requests of an organization created since a moment (for reconciliation). */
  private recentRequests(organizationId: string) {
    return async (since: Date) => (await this.icr.allRequests(organizationId)).filter((r) => r.createdAt >= since);
  }

  /**
   * Settles the UNKNOWN writes of a key from the ICR's requests. Throws UPSTREAM_OUTCOME_UNKNOWN
   * while one stays unknown; otherwise takes the key over for the caller.
   */
  private async reconcileKey(keyId: string, organizationId: string): Promise<void> {
    for (const effect of await this.journal.effectsOfKey(keyId)) {
      if (effect.state === 'DONE') continue;
      const outcome = await this.journal.reconcile(effect, this.recentRequests(organizationId));
      if (outcome === 'unknown') throw outcomeUnknown();
    }
    if (!(await this.journal.retake(keyId))) throw outcomeUnknown();
  }

  private async replayAction(result: unknown): Promise<CreditRequestRecord> {
    const [effectId] = (result as { effectIds: string[] }).effectIds;
    const effect = await this.journal.effect(effectId!);
    return { ...loadRequest(effect!.request), offsetOrderId: effect!.offsetOrderId ?? null };
  }

  /**
   * A credit action with the journals: without a key, one journaled POST. With a key: the first
   * request sends, a retry replays, a twin waits, another input is IDEMPOTENCY_MISMATCH, and an
   * unknown outcome is reconciled before anything is sent again.
   */
  private async write(route: 'action' | 'request', cmd: CreditActionCommand): Promise<CreditRequestRecord> {
    await this.access.assertMayAct(cmd.organizationId);
    if (!cmd.idempotencyKey) {
      await this.precheck(cmd);
      return this.send(route, cmd, null);
    }
    const claim = await this.journal.claim(
      'ACTION',
      cmd.organizationId,
      cmd.idempotencyKey,
      fingerprint(route === 'action' ? 'TRANSACT' : 'REQUEST', cmd),
    );
    if (claim.kind === 'done') return this.replayAction(claim.result);
    if (claim.kind === 'unknown') {
      await this.reconcileKey(claim.keyId, cmd.organizationId);
      const settled = (await this.journal.effectsOfKey(claim.keyId)).filter((e) => e.state === 'DONE');
      if (settled.length) {
        const result = { effectIds: settled.map((e) => e.id) };
        await this.journal.settleKey(claim.keyId, result);
        return this.replayAction(result);
      }
    }
    try {
      await this.precheck(cmd);
      const record = await this.send(route, cmd, claim.keyId);
      const [effect] = (await this.journal.effectsOfKey(claim.keyId)).filter((e) => e.state === 'DONE');
      await this.journal.settleKey(claim.keyId, { effectIds: [effect!.id] });
      return record;
    } catch (error) {
      if (isOutcomeUnknown(error)) await this.journal.keyUnknown(claim.keyId);
      else await this.journal.releaseKey(claim.keyId);
      throw error;
    }
  }

  transactCredits(cmd: CreditActionCommand) {
    return this.write('action', cmd);
  }

  requestCreditAction(cmd: CreditActionCommand) {
    return this.write('request', cmd);
  }

  async reviewCreditRequest(organizationId: string, requestId: string, decision: ReviewDecision) {
    await this.access.assertMayAct(organizationId);
    const state = decision === 'ACCEPTED' ? 'Accepted' : 'Rejected';
    try {
      await this.icr.review(organizationId, requestId, state);
    } catch (error) {
      if (error instanceof IcrRefusal && error.status === 404) throw unknownRequestError(requestId);
      if (error instanceof IcrRefusal && error.status === 409) throw alreadyReviewedError(requestId);
      if (!maybeApplied(error)) throw error;
      // The answer was lost: the request itself tells whether the review took effect.
      const now = await this.icr.request(organizationId, requestId);
      if (!now || now.state === 'PENDING' || now.state === 'UNKNOWN') throw outcomeUnknown();
    }
    const r = await this.icr.request(organizationId, requestId);
    if (!r) throw unknownRequestError(requestId);
    await this.journal.refresh(r);
    return (await this.withOffsetOrders(offsetConnection([r], { list: 'CreditRequest', offset: 0, limit: 1 })))
      .nodes[0]!;
  }

  private async offsetReplay(keyId: string): Promise<RetirementRecord[]> {
    const effects = (await this.journal.effectsOfKey(keyId)).filter((e) => e.state === 'DONE' && e.request);
    return effects
      .map((e) => retirementOf(loadRequest(e.request), e.offsetOrderId ?? null))
      .filter((r): r is RetirementRecord => r !== null)
      .sort(byVintage);
  }

  /**
   * Retires oldest vintage first, one journaled ICR retire action per credit, under one key: a
   * retry after a partial failure retires only what the key's journaled retirements lack.
   */
  async retireCreditsForOffsetOrder(cmd: OffsetRetirementCommand): Promise<RetirementRecord[]> {
    const organizationId = this.offsetOrganizationId;
    const claim = await this.journal.claim(
      'OFFSET',
      organizationId,
      cmd.idempotencyKey,
      offsetRetirementFingerprint(cmd),
    );
    if (claim.kind === 'done') return this.offsetReplay(claim.keyId);
    if (claim.kind === 'unknown') await this.reconcileKey(claim.keyId, organizationId);
    const keyId = claim.keyId;
    try {
      const done = (await this.journal.effectsOfKey(keyId))
        .filter((e) => e.state === 'DONE')
        .reduce((sum, e) => sum + e.amountTonnes, 0n);
      if (done < cmd.tonnes) await this.retireRemaining(cmd, done, keyId);
      const effects = (await this.journal.effectsOfKey(keyId)).filter((e) => e.state === 'DONE');
      await this.journal.settleKey(keyId, { effectIds: effects.map((e) => e.id) });
      return this.offsetReplay(keyId);
    } catch (error) {
      const progressed = (await this.journal.effectsOfKey(keyId)).length > 0;
      // A retry continues what the key began; a key that did nothing is free again.
      if (isOutcomeUnknown(error) || progressed) await this.journal.keyUnknown(keyId);
      else await this.journal.releaseKey(keyId);
      throw error;
    }
  }

  private async retireRemaining(cmd: OffsetRetirementCommand, done: bigint, keyId: string): Promise<void> {
    const organizationId = this.offsetOrganizationId;
    const credits = ((await this.icr.inventory(organizationId, false)) ?? []).filter(
      (c) => c.project?.id === cmd.projectId && c.amount.gt(0),
    );
    const whole = (c: CarbonCreditRecord) => BigInt(c.amount.floor().toFixed(0));
    for (const { credit, amount } of allocateOffsetTonnes(cmd, credits, whole, done)) {
      const action = offsetRetireAction(organizationId, credit.id, amount, cmd);
      try {
        await this.send('action', action, keyId);
      } catch (error) {
        // Another retirement took the tonnes between the inventory read and this action.
        if (error instanceof DomainError && error.code === 'INSUFFICIENT_BALANCE')
          throw notEnoughOffsetCreditsError(cmd.tonnes, null);
        if (error instanceof DomainError && error.code === 'NOT_FOUND') throw noOffsetCreditsError(cmd.projectId);
        throw error;
      }
    }
  }

  // ---- access ----

  organizationMembers(organizationId: string) {
    return this.access.members(organizationId);
  }

  async grantOrganizationAccess(organizationId: string, userId: string) {
    await this.access.members(organizationId); // admins only, before the ICR is asked
    if (!(await this.fetchInventory(organizationId, false)))
      throw unknownOrganizationError(organizationId, 'input.organizationId');
    return this.access.grant(organizationId, userId);
  }

  revokeOrganizationAccess(organizationId: string, userId: string) {
    return this.access.revoke(organizationId, userId);
  }
}
