// The registry over the ICR organization inventory API and the CO2Trust Puro integration.
import { isAdmin, type Viewer } from '../../../lib/auth.ts';
import { alignByKey } from '../../../lib/batch.ts';
import { offsetConnection, windowFromPages, type Connection, type OffsetPage } from '../../../lib/connection.ts';
import { DomainError, unauthenticated } from '../../../lib/errors.ts';
import { UpstreamHttpError, type UpstreamClient } from '../../../lib/http-client.ts';
import {
  alreadyReviewedError,
  idempotencyMismatchError,
  insufficientBalanceError,
  noOffsetCreditsError,
  notEnoughOffsetCreditsError,
  offsetRetirementFingerprint,
  unknownCreditError,
  unknownOrganizationError,
  unknownRequestError,
} from '../rules.ts';
import type {
  CreditActionCommand,
  CreditTypeRecord,
  OffsetRetirementCommand,
  OrganizationRecord,
  PuroInventoryFilter,
  PuroInventoryOrder,
  RegistrySource,
  RetirementFilter,
  RetirementRecord,
  ReviewDecision,
  TokenRef,
} from '../source.ts';
import {
  ICR_IDEMPOTENCY_HEADER,
  ICR_ON_BEHALF_HEADER,
  ICR_ROUTES as ICR,
  PURO_ROUTES as PURO,
  type IcrActionBody,
  type IcrCredit,
  type IcrCreditRequest,
  type IcrInventory,
  type IcrPagination,
  type IcrProject,
  type IcrRetirement,
  type PuroCreditTypeWire,
  type PuroInventoryItemWire,
  type PuroPage,
  type PuroRetirementWire,
} from './client.ts';
import { fromIcr, fromPuro, toIcrAction } from './mappers.ts';

const PURO_ORDER = { VINTAGE: 'vintage', QUANTITY: 'quantity', CREDIT_TYPE_CODE: 'credit_type_code' } as const;
/** Largest page the batch lookups ask for. */
const BATCH_PAGE = 100;
const tokenKey = (t: TokenRef) => `${t.tokenAddress.toLowerCase()}|${t.tokenId}`;
/**
 * Offset retirements under way in this process, per ICR client and idempotency key: concurrent
 * twins share the first one's outcome instead of planning their own.
 */
const offsetRetirementsInFlight = new WeakMap<UpstreamClient, Map<string, { hash: string; done: Promise<RetirementRecord[]> }>>();
const byVintage = (a: RetirementRecord, b: RetirementRecord) => (a.vintage ?? 0) - (b.vintage ?? 0) || (a.creditId ?? '').localeCompare(b.creditId ?? '');

export class UpstreamRegistrySource implements RegistrySource {
  private readonly icr: UpstreamClient;
  private readonly puro: UpstreamClient;
  private readonly viewer: Viewer | null;
  /** The organization holding the marketplace's offset inventory. */
  private readonly offsetOrganizationId: string;
  /** Inventory answers of this request: `organization` checks access with the call `inventory` needs anyway. */
  private readonly inventories = new Map<string, Promise<IcrInventory | null>>();
  private creditTypeList: Promise<CreditTypeRecord[]> | null = null;

  constructor(icr: UpstreamClient, puro: UpstreamClient, viewer: Viewer | null, offsetOrganizationId: string) {
    this.icr = icr;
    this.puro = puro;
    this.viewer = viewer;
    this.offsetOrganizationId = offsetOrganizationId;
  }

  private me(): Viewer {
    if (!this.viewer) throw unauthenticated();
    return this.viewer;
  }

  /** The ICR decides membership: a user's calls name the user; an admin reads as the platform. */
  private acting(read: boolean): Record<string, string> {
    const viewer = this.me();
    return read && isAdmin(viewer) ? {} : { [ICR_ON_BEHALF_HEADER]: viewer.email };
  }

  private fetchInventory(organizationId: string, development: boolean): Promise<IcrInventory | null> {
    const key = `${organizationId}|${development}`;
    let known = this.inventories.get(key);
    if (!known) {
      known = this.icr.jsonOrNull<IcrInventory>({ path: ICR.inventory(organizationId), query: { development: development ? 'true' : undefined }, headers: this.acting(true) });
      this.inventories.set(key, known);
    }
    return known;
  }

  async organization(id: string): Promise<OrganizationRecord | null> {
    const inventory = await this.fetchInventory(id, false);
    return inventory ? { id, name: null } : null;
  }

  async inventory(organizationId: string, development: boolean, page: OffsetPage) {
    const inventory = await this.fetchInventory(organizationId, development);
    const credits = (inventory?.credits ?? []).map((c) => fromIcr.credit({ ...c, organizationId: c.organizationId ?? organizationId }));
    return offsetConnection(credits.slice(page.offset, page.offset + page.limit), page, credits.length);
  }

  async creditRequests(organizationId: string, page: OffsetPage) {
    const headers = this.acting(true);
    return windowFromPages(page, async (pageNumber, size) => {
      const res = await this.icr.json<{ pagination: IcrPagination; creditRequests: IcrCreditRequest[] }>({
        path: ICR.requests(organizationId),
        headers,
        query: { limit: size, page: pageNumber - 1 },
      });
      return { items: res.creditRequests.map(fromIcr.request), total: res.pagination.total };
    });
  }

  async creditRequest(organizationId: string, requestId: string) {
    const r = await this.icr.jsonOrNull<IcrCreditRequest>({ path: ICR.request(organizationId, requestId), headers: this.acting(true) });
    return r && fromIcr.request(r);
  }

  async puroInventory(filter: PuroInventoryFilter, order: PuroInventoryOrder, page: OffsetPage) {
    return windowFromPages(page, async (pageNumber, size) => {
      const res = await this.puro.json<PuroPage<PuroInventoryItemWire>>({
        path: PURO.inventory,
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

  private icrRetirementPages(offsetOrderIds: readonly string[] | null) {
    return async (pageNumber: number, size: number) => {
      const res = await this.icr.json<{ pagination: IcrPagination; retirements: IcrRetirement[] }>({
        path: ICR.retirements,
        query: { limit: size, page: pageNumber - 1, offsetOrderId: offsetOrderIds ? [...offsetOrderIds] : undefined },
      });
      return { items: res.retirements.map(fromIcr.retirement), total: res.pagination.total };
    };
  }

  private puroRetirementPages(offsetOrderIds: readonly string[] | null) {
    return async (pageNumber: number, size: number) => {
      const res = await this.puro.json<PuroPage<PuroRetirementWire>>({
        path: PURO.retirements,
        query: { page: pageNumber, size, offset_order_id: offsetOrderIds ? [...offsetOrderIds] : undefined },
      });
      return { items: res.items.map(fromPuro.retirement), total: res.total };
    };
  }

  /** ICR retirements first, then Puro: the window may span both lists. */
  async retirements(filter: RetirementFilter, page: OffsetPage): Promise<Connection<RetirementRecord>> {
    const orders = filter.offsetOrderId ? [filter.offsetOrderId] : null;
    if (filter.registry === 'ICR') return windowFromPages(page, this.icrRetirementPages(orders));
    if (filter.registry === 'PURO') return windowFromPages(page, this.puroRetirementPages(orders));
    const icr = await windowFromPages(page, this.icrRetirementPages(orders));
    const icrTotal = icr.totalCount ?? 0;
    const rest = { offset: Math.max(0, page.offset - icrTotal), limit: page.limit - icr.nodes.length };
    const puro = await windowFromPages(rest, this.puroRetirementPages(orders));
    return offsetConnection([...icr.nodes, ...puro.nodes], page, icrTotal + (puro.totalCount ?? 0));
  }

  private allCreditTypes(): Promise<CreditTypeRecord[]> {
    this.creditTypeList ??= this.puro.json<PuroCreditTypeWire[]>({ path: PURO.creditTypes }).then((list) => list.map(fromPuro.creditType));
    return this.creditTypeList;
  }

  async creditTypes(page: OffsetPage) {
    const all = await this.allCreditTypes();
    return offsetConnection(all.slice(page.offset, page.offset + page.limit), page, all.length);
  }

  async creditTypesByCodes(codes: readonly string[]) {
    return alignByKey(codes, await this.allCreditTypes(), (t) => t.code);
  }

  async creditsByTokens(tokens: readonly TokenRef[]) {
    const res = await this.icr.json<{ credits: IcrCredit[] }>({ path: ICR.credits, query: { token: tokens.map((t) => `${t.tokenAddress}:${t.tokenId}`) } });
    const records = res.credits.map((c) => fromIcr.credit({ ...c, organizationId: null }));
    return alignByKey(tokens.map(tokenKey), records, (r) => tokenKey({ tokenAddress: r.tokenAddress!, tokenId: r.tokenId! }));
  }

  async retirementsByOffsetOrders(offsetOrderIds: readonly string[]) {
    const [icr, puro] = await Promise.all([
      this.icrRetirementPages(offsetOrderIds)(1, BATCH_PAGE),
      this.puroRetirementPages(offsetOrderIds)(1, BATCH_PAGE),
    ]);
    const all = [...icr.items, ...puro.items];
    return offsetOrderIds.map((id) => all.filter((r) => r.offsetOrderId === id));
  }

  projectsByIds(ids: readonly string[]) {
    return Promise.all(ids.map(async (id) => {
      const p = await this.icr.jsonOrNull<IcrProject>({ path: ICR.project(id) });
      return p && fromIcr.project(p);
    }));
  }

  private body(cmd: CreditActionCommand): IcrActionBody {
    return {
      creditId: cmd.creditId,
      amount: Number(cmd.amount),
      ...(cmd.toOrganizationId ? { toOrganizationId: cmd.toOrganizationId } : {}),
      ...(cmd.toAddress ? { toAddress: cmd.toAddress } : {}),
      ...(cmd.retirement
        ? {
            retirementData: {
              reason: cmd.retirement.reason,
              beneficiaryName: cmd.retirement.beneficiaryName,
              comment: cmd.retirement.comment,
              ...(cmd.retirement.offsetOrderId ? { offsetOrderId: cmd.retirement.offsetOrderId } : {}),
            },
          }
        : {}),
    };
  }

  /** The ICR's refusals of an action are the same user errors the local ledger gives. */
  private async act(path: string, cmd: CreditActionCommand) {
    try {
      const key: Record<string, string> = cmd.idempotencyKey ? { [ICR_IDEMPOTENCY_HEADER]: cmd.idempotencyKey } : {};
      return fromIcr.request(
        await this.icr.json<IcrCreditRequest>({ method: 'POST', path, headers: { ...this.acting(false), ...key }, body: this.body(cmd), idempotent: Boolean(cmd.idempotencyKey) }),
      );
    } catch (error) {
      if (!(error instanceof UpstreamHttpError)) throw error;
      const message = typeof (error.body as { message?: unknown })?.message === 'string' ? (error.body as { message: string }).message : '';
      if (error.status === 404) throw cmd.toOrganizationId && message.includes(cmd.toOrganizationId) ? unknownOrganizationError(cmd.toOrganizationId) : unknownCreditError(cmd.creditId);
      if (error.status === 422) throw insufficientBalanceError(cmd.amount);
      if (error.status === 409 && cmd.idempotencyKey) throw idempotencyMismatchError();
      if (error.status === 400) throw new DomainError('INVALID', message || 'The registry refused the action', 'input');
      throw error;
    }
  }

  transactCredits(cmd: CreditActionCommand) {
    return this.act(ICR.action(cmd.organizationId, toIcrAction(cmd.action)), cmd);
  }

  requestCreditAction(cmd: CreditActionCommand) {
    return this.act(ICR.requestAction(cmd.organizationId, toIcrAction(cmd.action)), cmd);
  }

  async reviewCreditRequest(organizationId: string, requestId: string, decision: ReviewDecision) {
    const headers = this.acting(false);
    try {
      await this.icr.json<{ id: string }>({
        method: 'POST',
        path: ICR.review(organizationId, requestId),
        headers,
        body: { state: decision === 'ACCEPTED' ? 'Accepted' : 'Rejected' },
      });
    } catch (error) {
      if (error instanceof UpstreamHttpError && error.status === 404) throw unknownRequestError(requestId);
      if (error instanceof UpstreamHttpError && error.status === 409) throw alreadyReviewedError(requestId);
      throw error;
    }
    const r = await this.icr.json<IcrCreditRequest>({ path: ICR.request(organizationId, requestId), headers });
    return fromIcr.request(r);
  }

  /**
   * The retirements an idempotency key already made: the ICR lists the offset order's
   * retirements, and each carries the key in its comment (see rules.ts `offsetRetirementComment`).
   */
  private async offsetRetirementsOfKey(cmd: OffsetRetirementCommand): Promise<RetirementRecord[]> {
    const pages = this.icrRetirementPages([cmd.offsetOrderId]);
    const all: RetirementRecord[] = [];
    for (let page = 1; ; page++) {
      const { items, total } = await pages(page, BATCH_PAGE);
      all.push(...items);
      if (!items.length || all.length >= total) break;
    }
    const tag = `(key ${cmd.idempotencyKey})`;
    return all.filter((r) => r.organizationId === this.offsetOrganizationId && r.comment?.endsWith(tag)).sort(byVintage);
  }

  /**
   * Retires oldest vintage first, one ICR retire action per credit. Each action carries the
   * Idempotency-Key `<key>:<creditId>`, and the key's earlier retirements (found in the ICR's
   * retirement list) count as done, so a retry after a partial failure retires only the rest.
   */
  private async retireOffset(cmd: OffsetRetirementCommand): Promise<RetirementRecord[]> {
    const organizationId = this.offsetOrganizationId;
    const earlier = await this.offsetRetirementsOfKey(cmd);
    if (earlier.some((r) => r.comment !== cmd.comment || r.project?.id !== cmd.projectId || r.beneficiaryName !== cmd.beneficiaryName || r.reason !== cmd.reason)) throw idempotencyMismatchError();
    const done = earlier.reduce((sum, r) => sum + BigInt(r.amount.toFixed(0)), 0n);
    if (done >= cmd.tonnes) return earlier;
    const remaining = cmd.tonnes - done;

    // The platform's own key reads and acts for its offset inventory (no on-behalf user).
    const inventory = await this.icr.jsonOrNull<IcrInventory>({ path: ICR.inventory(organizationId) });
    const credits = (inventory?.credits ?? []).filter((c) => c.project?.id === cmd.projectId && c.amount > 0).sort((a, b) => Number(a.vintage) - Number(b.vintage) || a.id.localeCompare(b.id));
    const available = credits.reduce((sum, c) => sum + BigInt(c.amount), 0n);
    if (available === 0n) throw noOffsetCreditsError(cmd.projectId);
    if (available < remaining) throw notEnoughOffsetCreditsError(cmd.tonnes, available + done);

    let left = remaining;
    for (const credit of credits) {
      if (left === 0n) break;
      const amount = BigInt(credit.amount) < left ? BigInt(credit.amount) : left;
      left -= amount;
      const body: IcrActionBody = {
        creditId: credit.id,
        amount: Number(amount),
        retirementData: { reason: cmd.reason, beneficiaryName: cmd.beneficiaryName, comment: cmd.comment, offsetOrderId: cmd.offsetOrderId },
      };
      try {
        await this.icr.json<IcrCreditRequest>({
          method: 'POST',
          path: ICR.action(organizationId, 'retire'),
          headers: { [ICR_IDEMPOTENCY_HEADER]: `${cmd.idempotencyKey}:${credit.id}` },
          body,
          idempotent: true,
        });
      } catch (error) {
        if (!(error instanceof UpstreamHttpError)) throw error;
        // Another retirement took the tonnes between the inventory read and this action.
        if (error.status === 422) throw notEnoughOffsetCreditsError(cmd.tonnes, null);
        if (error.status === 404) throw noOffsetCreditsError(cmd.projectId);
        if (error.status === 409) throw idempotencyMismatchError();
        throw error;
      }
    }
    return this.offsetRetirementsOfKey(cmd);
  }

  retireCreditsForOffsetOrder(cmd: OffsetRetirementCommand): Promise<RetirementRecord[]> {
    let inFlight = offsetRetirementsInFlight.get(this.icr);
    if (!inFlight) offsetRetirementsInFlight.set(this.icr, (inFlight = new Map()));
    const hash = offsetRetirementFingerprint(cmd);
    const twin = inFlight.get(cmd.idempotencyKey);
    if (twin) return twin.hash === hash ? twin.done : Promise.reject(idempotencyMismatchError());
    const done = this.retireOffset(cmd).finally(() => inFlight.delete(cmd.idempotencyKey));
    inFlight.set(cmd.idempotencyKey, { hash, done });
    return done;
  }
}
