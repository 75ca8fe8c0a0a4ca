import type { Scope } from '../../../../lib/access.ts';
import type { Viewer } from '../../../../lib/auth.ts';
import { afterKeyPage, keysetConnection } from '../../../../lib/connection.ts';
import { dec, minorUnits } from '../../../../lib/decimal.ts';
import { DomainError, ErrorCode, apiError, badInput, unauthenticated } from '../../../../lib/errors.ts';
import { UpstreamHttpError, UpstreamUnreachableError } from '../../../../lib/http-client.ts';
import type { Logger } from '../../../../lib/logger.ts';
import { GRAMS_PER_TONNE, minorToDecimal, requestHash } from '../allocation.ts';
import type { OffsetOrderPage, OffsetOrderView, OffsetOrderSource, OffsetRequest } from '../source.ts';
import { LUNE_MAX_LIMIT, contractError, type LuneApi } from './client.ts';
import type { OffsetOrderJournalEntry } from './entities.ts';
import type { OffsetOrderJournal } from './journal.ts';
import { fromLune, placedOrderOf, type OffsetOwnership } from './mappers.ts';
import { luneErrorOf, type LuneOrder } from './wire.ts';

const FIELD_OF = { MASS: 'input.mass', VALUE: 'input.value', ESTIMATE: 'input.estimateId' } as const;

/** What every request of one process shares: the API, the account's currency, orders in flight. */
export interface LuneOffsets {
  api: LuneApi;
  /** The Lune account's currency (OFFSET_ORDERS_ACCOUNT_CURRENCY): every price is in it. */
  accountCurrency: string;
  /** Order requests being sent now, by Lune key: concurrent duplicates in this process share one POST. */
  inFlight: Map<string, Promise<OffsetOrderView>>;
  log: Logger;
}

/**
 * Offset orders through Lune's API with the marketplace's API key. The marketplace database keeps
 * the journal of the orders placed through it: who owns which Lune order, and each buyer's keys.
 */
export class UpstreamOffsetOrderSource implements OffsetOrderSource {
  readonly defaultCurrency: string;
  private readonly lune: LuneOffsets;
  private readonly journal: OffsetOrderJournal;
  private readonly viewer: Viewer | null;

  constructor(lune: LuneOffsets, journal: OffsetOrderJournal, viewer: Viewer | null) {
    this.lune = lune;
    this.journal = journal;
    this.viewer = viewer;
    this.defaultCurrency = lune.accountCurrency;
  }

  async quote(request: OffsetRequest & { kind: 'MASS' | 'VALUE' }) {
    this.checkCurrency(request);
    try {
      const quote = await this.lune.api.quote(request.kind, demandBody(request));
      // Lune prices in its account's currency; another one means the configuration is wrong.
      if (quote.currency !== this.lune.accountCurrency) throw contractError(`POST /orders/by-${request.kind === 'MASS' ? 'mass' : 'value'}/quote`, 'currency');
      return fromLune.quote(quote);
    } catch (error) {
      throw refusalOf(error, request) ?? luneFailure(error);
    }
  }

  /** One POST per quote: the API has no batch quote. */
  quotes(requests: readonly (OffsetRequest & { kind: 'MASS' | 'VALUE' })[]) {
    return Promise.all(requests.map((r) => this.quote(r).catch((error: unknown) => (error instanceof DomainError ? error : Promise.reject(error)))));
  }

  async placeOrder(request: OffsetRequest, idempotencyKey: string | null): Promise<OffsetOrderView> {
    const viewer = this.viewer;
    if (!viewer) throw unauthenticated();
    this.checkCurrency(request);
    const hash = requestHash(request);
    let entry = idempotencyKey ? await this.journal.byClientKey(viewer.id, idempotencyKey) : null;
    entry ??= await this.journal.open({ ownerId: viewer.id, clientKey: idempotencyKey, requestHash: hash });
    if (entry.requestHash !== hash) {
      throw new DomainError('IDEMPOTENCY_MISMATCH', 'This idempotency key was already used for a different offset order request', 'input.idempotencyKey');
    }
    const owner = { ownerId: viewer.id, clientKey: idempotencyKey };
    if (entry.state === 'ACCEPTED' && entry.luneOrderId) {
      const first = await this.lune.api.order(entry.luneOrderId);
      if (first) return fromLune.order(first, owner);
    }
    const running = this.lune.inFlight.get(entry.luneKey);
    if (running) return running;
    const sending = this.send(request, entry, owner).finally(() => this.lune.inFlight.delete(entry.luneKey));
    this.lune.inFlight.set(entry.luneKey, sending);
    return sending;
  }

  /**
   * Sends the order with the entry's Lune key. Lune deduplicates the key, so a resend after a lost
   * answer (here, by the HTTP client, or by the buyer retrying) never buys twice.
   */
  private async send(request: OffsetRequest, entry: OffsetOrderJournalEntry, owner: OffsetOwnership): Promise<OffsetOrderView> {
    const body = { ...demandBody(request), idempotency_key: entry.luneKey, metadata: { buyer_id: owner.ownerId } };
    let answer: unknown;
    try {
      answer = await this.lune.api.createOrder(request.kind, body);
    } catch (error) {
      const placed = await this.placedDespite(error, entry.luneKey);
      if (placed) return this.accept(entry, placed, owner);
      const refusal = refusalOf(error, request);
      if (refusal) await this.journal.refused(entry.id);
      throw refusal ?? luneFailure(error);
    }
    const order = placedOrderOf(answer, owner, { kind: request.kind, estimateId: request.kind === 'ESTIMATE' ? request.estimateId : null, fallbackId: entry.id });
    if (order.totalCost && order.totalCost.currency !== this.lune.accountCurrency) {
      this.lune.log.error({ offsetOrderId: order.id, currency: order.totalCost.currency }, 'Lune priced an order in another currency than OFFSET_ORDERS_ACCOUNT_CURRENCY');
    }
    await this.recordAccepted(entry, order.id);
    return order;
  }

  /** After a failed POST: the order Lune placed anyway (a repeated key, or an answer lost on the way). */
  private async placedDespite(error: unknown, luneKey: string): Promise<LuneOrder | null> {
    const repeated = error instanceof UpstreamHttpError && error.status === 409 && luneErrorOf(error.body).code === 'order_idempotency_already_exists';
    const unanswered = error instanceof UpstreamUnreachableError || (error instanceof UpstreamHttpError && error.status >= 500);
    if (!repeated && !unanswered) return null;
    try {
      return await this.lune.api.orderByIdempotencyKey(luneKey);
    } catch (lookup) {
      if (repeated) throw lookup;
      return null;
    }
  }

  private async accept(entry: OffsetOrderJournalEntry, order: LuneOrder, owner: OffsetOwnership): Promise<OffsetOrderView> {
    await this.recordAccepted(entry, order.id);
    return fromLune.order(order, owner);
  }

  /** The journal learns the Lune order id; if it cannot, the order still stands (a retry finds it by key). */
  private async recordAccepted(entry: OffsetOrderJournalEntry, luneOrderId: string): Promise<void> {
    try {
      await this.journal.accepted(entry.id, luneOrderId);
    } catch (error) {
      this.lune.log.error({ err: error, journalId: entry.id, offsetOrderId: luneOrderId }, 'could not record an accepted Lune order in the journal');
    }
  }

  async offsetOrders(args: OffsetOrderPage, scope: Scope) {
    // Lune pages forwards after an order id only.
    const page = afterKeyPage(args, 'OffsetOrder');
    const { limit, afterKey } = page;
    try {
      if (scope.all) {
        // The account's list as Lune pages it; owners come from the journal in one statement.
        const listed = await this.lune.api.orders(Math.min(limit, LUNE_MAX_LIMIT), afterKey);
        const owners = await this.journal.byLuneOrderIds(listed.data.map((o) => o.id));
        const records = listed.data.map((o) => fromLune.order(o, ownershipOf(owners.get(o.id))));
        const connection = keysetConnection(records, page, (o) => o.id, { hasPreviousPage: afterKey !== null, totalCount: null });
        return { ...connection, pageInfo: { ...connection.pageInfo, hasNextPage: listed.has_more } };
      }
      // A buyer's orders are the journal's (Lune cannot filter by buyer): one GET per order shown.
      if (scope.ownerId === null) return keysetConnection([], page, (o: OffsetOrderView) => o.id, { hasPreviousPage: false, totalCount: null });
      const entries = await this.journal.page(scope.ownerId, limit + 1, afterKey);
      if (!entries) throw badInput('Invalid cursor in "after"', 'after');
      const orders = await Promise.all(entries.map((e) => this.lune.api.order(e.luneOrderId!)));
      const records = orders.flatMap((o, i) => (o ? [fromLune.order(o, ownershipOf(entries[i]))] : []));
      return keysetConnection(records, page, (o) => o.id, { hasPreviousPage: afterKey !== null, totalCount: null });
    } catch (error) {
      throw luneFailure(error);
    }
  }

  /** One GET per id (the API has no batch lookup; the DataLoader merges repeats); owners in one statement. */
  async offsetOrdersByIds(ids: readonly string[]) {
    try {
      const [orders, owners] = await Promise.all([Promise.all(ids.map((id) => this.lune.api.order(id))), this.journal.byLuneOrderIds(ids)]);
      return orders.map((o) => o && fromLune.order(o, ownershipOf(owners.get(o.id))));
    } catch (error) {
      throw luneFailure(error);
    }
  }

  async offsetOrderByIdempotencyKey(ownerId: string, idempotencyKey: string) {
    const entry = await this.journal.byClientKey(ownerId, idempotencyKey);
    if (!entry || entry.state === 'REFUSED') return null;
    try {
      const order = entry.luneOrderId ? await this.lune.api.order(entry.luneOrderId) : await this.lune.api.orderByIdempotencyKey(entry.luneKey);
      if (!order) return null;
      if (!entry.luneOrderId) await this.recordAccepted(entry, order.id);
      return fromLune.order(order, ownershipOf(entry));
    } catch (error) {
      throw luneFailure(error);
    }
  }

  async certificatePdf(order: OffsetOrderView) {
    try {
      return await this.lune.api.certificate(order.id);
    } catch (error) {
      throw luneFailure(error);
    }
  }

  /** Lune prices in its account's currency only: another one is refused before any call. */
  private checkCurrency(request: OffsetRequest): void {
    const account = this.lune.accountCurrency;
    if (request.currency !== account) {
      throw new DomainError('INVALID', `Offsets are priced in ${account} on this account; ${request.currency} is not accepted`, 'input.currency');
    }
  }
}

const ownershipOf = (entry: OffsetOrderJournalEntry | undefined): OffsetOwnership | null => (entry ? { ownerId: entry.ownerId, clientKey: entry.clientKey ?? null } : null);

/** The body that says what to buy: a mass in tonnes, a maximum spend, or an estimate (openapi request schemas). */
function demandBody(request: OffsetRequest): Record<string, unknown> {
  switch (request.kind) {
    case 'MASS':
      return { mass: { amount: dec(request.grams.toString()).div(GRAMS_PER_TONNE.toString()).toFixed(), unit: 't' } };
    case 'VALUE':
      return { value: minorToDecimal(request.maximumMinor, request.currency).toFixed(minorUnits(request.currency)) };
    case 'ESTIMATE':
      return { estimate_id: request.estimateId };
  }
}

/** Lune's refusals of a request, by `error_code`: user errors with the codes local mode gives. */
function refusalOf(error: unknown, request: OffsetRequest): DomainError | null {
  if (!(error instanceof UpstreamHttpError) || ![400, 404, 409].includes(error.status)) return null;
  const { code, message } = luneErrorOf(error.body);
  const say = (fallback: string) => message ?? fallback;
  if (code === 'estimate_not_found' || (request.kind === 'ESTIMATE' && (error.status === 404 || code === 'id_invalid'))) {
    return new DomainError('NOT_FOUND', say(`Emission estimate ${request.kind === 'ESTIMATE' ? request.estimateId : ''} not found`), 'input.estimateId');
  }
  if (code === 'estimate_order_already_placed') return new DomainError('CONFLICT', say('An offset order for this emission estimate has already been placed'), 'input.estimateId');
  if (code === 'order_quantity_invalid') return new DomainError('INVALID', say('The request results in a non-positive quantity'), FIELD_OF[request.kind]);
  if (error.status === 409 && code !== 'account_suspended' && code !== 'order_idempotency_already_exists') {
    return new DomainError('CONFLICT', say('The offset-orders service reported a conflict'), request.kind === 'ESTIMATE' ? 'input.estimateId' : 'input');
  }
  return null;
}

/** Lune failures that are the marketplace's, not the caller's, as coded GraphQL errors; others pass to the shared mapping. */
function luneFailure(error: unknown): unknown {
  if (!(error instanceof UpstreamHttpError)) return error;
  const { code, message } = luneErrorOf(error.body);
  const reason = code ? { reason: code } : {};
  if (error.status === 401) return apiError(ErrorCode.UPSTREAM_UNAVAILABLE, 'The offset-orders service refused the marketplace credentials');
  if (error.status === 409 && code === 'account_suspended') return apiError(ErrorCode.UPSTREAM_UNAVAILABLE, 'The offset-orders account of the marketplace is suspended', reason);
  if (error.status === 415) return apiError(ErrorCode.INTERNAL_SERVER_ERROR, 'The offset-orders service refused the request format');
  if (error.status === 400) return apiError(ErrorCode.BAD_USER_INPUT, message ?? 'The offset-orders service rejected the request', reason);
  return error;
}
