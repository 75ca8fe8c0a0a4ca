import type { Scope } from '../../../../lib/access.ts';
import type { Viewer } from '../../../../lib/auth.ts';
import { afterKeyPage, keysetConnection } from '../../../../lib/connection.ts';
import { dec, minorUnits } from '../../../../lib/decimal.ts';
import { DomainError, ErrorCode, apiError, badInput, unauthenticated } from '../../../../lib/errors.ts';
import { UpstreamHttpError } from '../../../../lib/http-client.ts';
import { MAX_SPEND_WITHOUT_MASS_CHECK, assertMassWithinLimit } from '../../../../lib/limits.ts';
import type { Logger } from '../../../../lib/logger.ts';
import { GRAMS_PER_TONNE, minorToDecimal, requestHash } from '../allocation.ts';
import type { OffsetOrderPage, OffsetOrderView, OffsetOrderSource, OffsetRequest } from '../source.ts';
import type { LuneAccountCurrency } from './account.ts';
import { LUNE_MAX_LIMIT, contractError, type LuneApi } from './client.ts';
import type { OffsetOrderJournalEntry } from './entities.ts';
import type { OffsetOrderJournal } from './journal.ts';
import { fromLune, placedOrderOf, type OffsetOwnership } from './mappers.ts';
import { LuneOrder, luneErrorOf } from './wire.ts';

const FIELD_OF = { MASS: 'input.mass', VALUE: 'input.value', ESTIMATE: 'input.estimateId' } as const;

/** What every request of one process shares: the API, the account's currency, orders in flight. */
export interface LuneOffsets {
  api: LuneApi;
  /** The configured currency (OFFSET_ORDERS_ACCOUNT_CURRENCY), checked against Lune's account. */
  account: LuneAccountCurrency;
  /** Order requests being sent now, by Lune key: concurrent duplicates in this process share one POST. */
  inFlight: Map<string, Promise<OffsetOrderView>>;
  log: Logger;
}

/** Open outcomes a query of a buyer's orders settles first (one GET each), so a list stays cheap. */
export const RESOLVE_ON_READ = 5;
/** Open outcomes are asked about for this long after the order request; older ones stay UNKNOWN in the journal for an operator. */
export const RESOLVE_HORIZON_MS = 7 * 24 * 3600_000;

/** The coded error of an order whose POST got no answer: it may exist; the key names it. */
export function outcomeUnknown(entry: Pick<OffsetOrderJournalEntry, 'clientKey' | 'luneKey'>) {
  const retry = entry.clientKey
    ? 'Retry with the same idempotencyKey, or read offsetOrderByIdempotencyKey, to learn the outcome: it is never placed twice.'
    : 'It appears in offsetOrders once Lune confirms it; it is never placed twice.';
  return apiError(
    ErrorCode.UPSTREAM_OUTCOME_UNKNOWN,
    `The offset-orders service did not answer this order and may have placed it. ${retry}`,
    {
      idempotencyKey: entry.clientKey,
      upstreamIdempotencyKey: entry.luneKey,
    },
  );
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
    this.defaultCurrency = lune.account.configured;
  }

  async quote(request: OffsetRequest & { kind: 'MASS' | 'VALUE' }) {
    this.checkCurrency(request);
    if (request.kind === 'MASS') assertMassWithinLimit(request.grams, 'input.mass.amount');
    try {
      await this.lune.account.assertUsable();
      const quote = await this.quoteAtLune(request);
      return fromLune.quote(quote);
    } catch (error) {
      throw refusalOf(error, request) ?? luneFailure(error);
    }
  }

  /** Lune's quote, in the account's currency and within the mass limit. */
  private async quoteAtLune(request: OffsetRequest & { kind: 'MASS' | 'VALUE' }) {
    const quote = await this.lune.api.quote(request.kind, demandBody(request));
    // Lune prices in its account's currency; another one means the configuration is wrong.
    if (quote.currency !== this.lune.account.configured)
      throw contractError(`POST /orders/by-${request.kind === 'MASS' ? 'mass' : 'value'}/quote`, 'currency');
    if (request.kind === 'VALUE') assertMassWithinLimit(gramsOfTonnes(quote.estimated_quantity), FIELD_OF.VALUE);
    return quote;
  }

  /** One POST per quote: the API has no batch quote. */
  quotes(requests: readonly (OffsetRequest & { kind: 'MASS' | 'VALUE' })[]) {
    return Promise.all(
      requests.map((r) =>
        this.quote(r).catch((error: unknown) => (error instanceof DomainError ? error : Promise.reject(error))),
      ),
    );
  }

  async placeOrder(request: OffsetRequest, idempotencyKey: string | null): Promise<OffsetOrderView> {
    const viewer = this.viewer;
    if (!viewer) throw unauthenticated();
    this.checkCurrency(request);
    if (request.kind === 'MASS') assertMassWithinLimit(request.grams, 'input.mass.amount');
    const hash = requestHash(request);
    let entry = idempotencyKey ? await this.journal.byClientKey(viewer.id, idempotencyKey) : null;
    if (entry && entry.requestHash !== hash) {
      throw new DomainError(
        'IDEMPOTENCY_MISMATCH',
        'This idempotency key was already used for a different offset order request',
        'input.idempotencyKey',
      );
    }
    const owner = { ownerId: viewer.id, clientKey: idempotencyKey };
    if (entry?.state === 'DONE' && entry.luneOrderId) {
      const first = await this.lune.api
        .order(entry.luneOrderId)
        .catch((error: unknown) => Promise.reject(luneFailure(error)));
      if (first) return fromLune.order(first, owner);
    }
    try {
      await this.lune.account.assertUsable();
      // A spend that could buy more than the mass limit is quoted first (a quote creates nothing).
      if (
        request.kind === 'VALUE' &&
        minorToDecimal(request.maximumMinor, request.currency).gt(MAX_SPEND_WITHOUT_MASS_CHECK)
      )
        await this.quoteAtLune(request);
    } catch (error) {
      throw refusalOf(error, request) ?? luneFailure(error);
    }
    entry ??= await this.journal.open({ ownerId: viewer.id, clientKey: idempotencyKey, requestHash: hash });
    if (entry.requestHash !== hash) {
      throw new DomainError(
        'IDEMPOTENCY_MISMATCH',
        'This idempotency key was already used for a different offset order request',
        'input.idempotencyKey',
      );
    }
    const running = this.lune.inFlight.get(entry.luneKey);
    if (running) return running;
    const opened = entry;
    const sending = this.send(request, opened, owner).finally(() => this.lune.inFlight.delete(opened.luneKey));
    this.lune.inFlight.set(opened.luneKey, sending);
    return sending;
  }

  /**
   * Sends the order with the entry's Lune key. An entry that was sent before is first looked up
   * by that key; Lune deduplicates the key, so a resend after a lost answer never buys twice.
   */
  private async send(
    request: OffsetRequest,
    entry: OffsetOrderJournalEntry,
    owner: OffsetOwnership,
  ): Promise<OffsetOrderView> {
    if (entry.state === 'SENT' || entry.state === 'UNKNOWN') {
      let placed: LuneOrder | null;
      try {
        placed = await this.lune.api.orderByIdempotencyKey(entry.luneKey);
      } catch (error) {
        // Lune cannot say whether the earlier POST placed the order: the outcome stays open.
        this.lune.log.warn(
          { err: error, journalId: entry.id },
          'could not look up a Lune order by its idempotency key',
        );
        throw outcomeUnknown(entry);
      }
      if (placed) return this.accept(entry, placed, owner);
    }
    const body = { ...demandBody(request), idempotency_key: entry.luneKey, metadata: { buyer_id: owner.ownerId } };
    await this.journal.sent(entry.id);
    let answer: unknown;
    try {
      answer = await this.lune.api.createOrder(request.kind, body);
    } catch (error) {
      const refusal = refusalOf(error, request);
      if (refusal) {
        await this.journal.refused(entry.id);
        throw refusal;
      }
      if (notProcessed(error)) {
        await this.journal.notSent(entry.id);
        throw luneFailure(error);
      }
      // Any other 4xx (401, 415, a suspended account): Lune answered and created nothing.
      if (error instanceof UpstreamHttpError && error.status < 500 && !isRepeatedKey(error)) {
        await this.journal.refused(entry.id);
        throw luneFailure(error);
      }
      return this.settleLost(entry, owner, error);
    }
    const parsed = LuneOrder.safeParse(answer);
    const id = parsed.success ? parsed.data.id : idOf(answer);
    // A 2xx whose body names no order: the order exists, Lune's key finds it.
    if (!id) return this.settleLost(entry, owner, contractError(`POST /orders/by-${request.kind.toLowerCase()}`, 'id'));
    const order = placedOrderOf(answer, owner, {
      kind: request.kind,
      estimateId: request.kind === 'ESTIMATE' ? request.estimateId : null,
      fallbackId: id,
    });
    if (order.totalCost && order.totalCost.currency !== this.lune.account.configured) {
      this.lune.log.error(
        { offsetOrderId: order.id, currency: order.totalCost.currency },
        'Lune priced an order in another currency than OFFSET_ORDERS_ACCOUNT_CURRENCY',
      );
    }
    await this.recordDone(entry, order.id);
    return order;
  }

  /**
   * After a POST that may have reached Lune (no answer, a 5xx, an unreadable 2xx, a repeated key):
   * the order of the key if Lune has it; else the row is UNKNOWN and the caller learns so, with the key.
   */
  private async settleLost(
    entry: OffsetOrderJournalEntry,
    owner: OffsetOwnership,
    error: unknown,
  ): Promise<OffsetOrderView> {
    const repeated = isRepeatedKey(error);
    let placed: LuneOrder | null = null;
    try {
      placed = await this.lune.api.orderByIdempotencyKey(entry.luneKey);
    } catch (lookup) {
      this.lune.log.warn({ err: lookup, journalId: entry.id }, 'could not look up a Lune order by its idempotency key');
    }
    if (placed) return this.accept(entry, placed, owner);
    if (repeated) {
      // Lune says the key is taken, yet shows no order of it: the outcome stays open.
      this.lune.log.error({ journalId: entry.id }, 'Lune refused a repeated idempotency key but has no order for it');
    }
    await this.journal.unknown(entry.id);
    this.lune.log.warn(
      { journalId: entry.id, reason: error instanceof Error ? error.message : String(error) },
      'an offset order POST got no usable answer: its outcome is unknown',
    );
    throw outcomeUnknown(entry);
  }

  private async accept(
    entry: OffsetOrderJournalEntry,
    order: LuneOrder,
    owner: OffsetOwnership,
  ): Promise<OffsetOrderView> {
    await this.recordDone(entry, order.id);
    return fromLune.order(order, owner);
  }

  /** The journal learns the Lune order id; if it cannot, the order still stands (a retry finds it by key). */
  private async recordDone(entry: OffsetOrderJournalEntry, luneOrderId: string): Promise<void> {
    try {
      await this.journal.done(entry.id, luneOrderId);
    } catch (error) {
      this.lune.log.error(
        { err: error, journalId: entry.id, offsetOrderId: luneOrderId },
        'could not record a placed Lune order in the journal',
      );
    }
  }

  async offsetOrders(
    args: OffsetOrderPage,
    scope: Scope,
    onPartFailure: (failure: { orderId: string; error: unknown }) => void = () => undefined,
  ) {
    // Lune pages forwards after an order id only.
    const page = afterKeyPage(args, 'OffsetOrder');
    const { limit, afterKey } = page;
    try {
      if (scope.all) {
        // The account's list as Lune pages it; owners come from the journal in one statement.
        const listed = await this.lune.api.orders(Math.min(limit, LUNE_MAX_LIMIT), afterKey);
        const owners = await this.journal.byLuneOrderIds(listed.data.map((o) => o.id));
        const records = listed.data.map((o) => fromLune.order(o, ownershipOf(owners.get(o.id))));
        const connection = keysetConnection(records, page, (o) => o.id, {
          hasPreviousPage: afterKey !== null,
          totalCount: null,
        });
        return { ...connection, pageInfo: { ...connection.pageInfo, hasNextPage: listed.has_more } };
      }
      // A buyer's orders are the journal's (Lune cannot filter by buyer): one GET per order shown.
      if (scope.ownerId === null)
        return keysetConnection([], page, (o: OffsetOrderView) => o.id, { hasPreviousPage: false, totalCount: null });
      // Orders whose answer was lost become visible here once Lune has them.
      if (afterKey === null)
        await resolveOpenOutcomes(this.lune, this.journal, { ownerId: scope.ownerId, limit: RESOLVE_ON_READ });
      const entries = await this.journal.page(scope.ownerId, limit + 1, afterKey);
      if (!entries) throw badInput('Invalid cursor in "after"', 'after');
      // One GET per order: one that fails costs its own order only, reported beside the list.
      const settled = await Promise.allSettled(entries.map((e) => this.lune.api.order(e.luneOrderId!)));
      const failed = settled.filter((r) => r.status === 'rejected');
      if (failed.length && failed.length === settled.length) throw (failed[0] as PromiseRejectedResult).reason;
      const records = settled.flatMap((r, i) => {
        if (r.status === 'rejected') {
          onPartFailure({ orderId: entries[i]!.luneOrderId!, error: luneFailure(r.reason) });
          return [];
        }
        return r.value ? [fromLune.order(r.value, ownershipOf(entries[i]))] : [];
      });
      return keysetConnection(records, page, (o) => o.id, { hasPreviousPage: afterKey !== null, totalCount: null });
    } catch (error) {
      throw luneFailure(error);
    }
  }

  /** One GET per id (the API has no batch lookup; the DataLoader merges repeats); owners in one statement. A failed GET fails its own id. */
  async offsetOrdersByIds(ids: readonly string[]) {
    const [settled, owners] = await Promise.all([
      Promise.allSettled(ids.map((id) => this.lune.api.order(id))),
      this.journal.byLuneOrderIds(ids),
    ]);
    return settled.map((r): OffsetOrderView | null | Error => {
      if (r.status === 'rejected') {
        const failure = luneFailure(r.reason);
        return failure instanceof Error ? failure : new Error(String(failure));
      }
      return r.value && fromLune.order(r.value, ownershipOf(owners.get(r.value.id)));
    });
  }

  async offsetOrderByIdempotencyKey(ownerId: string, idempotencyKey: string) {
    const entry = await this.journal.byClientKey(ownerId, idempotencyKey);
    if (!entry || entry.state === 'REFUSED' || entry.state === 'PENDING') return null;
    try {
      const order = entry.luneOrderId
        ? await this.lune.api.order(entry.luneOrderId)
        : await this.lune.api.orderByIdempotencyKey(entry.luneKey);
      if (!order) return null;
      if (!entry.luneOrderId) await this.recordDone(entry, order.id);
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
    const account = this.lune.account.configured;
    if (request.currency !== account) {
      throw new DomainError(
        'INVALID',
        `Offsets are priced in ${account} on this account; ${request.currency} is not accepted`,
        'input.currency',
      );
    }
  }
}

/**
 * Asks Lune, by idempotency key, about journal rows whose outcome is open (SENT or UNKNOWN): a buyer's (on a read of their orders) or any
 * buyer's (the background pass), at most `limit` GETs, least recently asked first. A found order
 * makes its row DONE; a row Lune has no order for stays open (it may still arrive) and goes to the
 * back of the queue, until RESOLVE_HORIZON_MS after its request.
 */
export async function resolveOpenOutcomes(
  lune: LuneOffsets,
  journal: OffsetOrderJournal,
  opts: { ownerId?: string; limit: number },
): Promise<number> {
  const now = Date.now();
  const open = await journal.unresolved({
    ownerId: opts.ownerId,
    since: new Date(now - RESOLVE_HORIZON_MS),
    limit: opts.limit,
  });
  let settled = 0;
  for (const entry of open) {
    // A row being sent by this process is settled by its sender.
    if (lune.inFlight.has(entry.luneKey)) continue;
    let order: LuneOrder | null;
    try {
      order = await lune.api.orderByIdempotencyKey(entry.luneKey);
    } catch (error) {
      lune.log.warn({ err: error, journalId: entry.id }, 'could not settle an open offset order outcome');
      break;
    }
    if (!order) {
      await journal.asked(entry.id);
      continue;
    }
    await journal.done(entry.id, order.id);
    settled++;
    lune.log.info(
      { journalId: entry.id, offsetOrderId: order.id },
      'an offset order whose answer was lost is placed: recorded',
    );
  }
  return settled;
}

/** The background pass: settles open outcomes every `intervalMs`, a bounded batch each time. */
export function startOutcomeResolver(
  lune: LuneOffsets,
  journal: () => OffsetOrderJournal,
  intervalMs: number,
  batch = 20,
) {
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    running ??= resolveOpenOutcomes(lune, journal(), { limit: batch })
      .catch((error: unknown) => lune.log.warn({ err: error }, 'the offset order outcome pass failed'))
      .finally(() => (running = null));
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

/** 429 and 503 after the client's retries: Lune did not process the request. */
const notProcessed = (error: unknown) =>
  error instanceof UpstreamHttpError && (error.status === 429 || error.status === 503);
const isRepeatedKey = (error: unknown) =>
  error instanceof UpstreamHttpError &&
  error.status === 409 &&
  luneErrorOf(error.body).code === 'order_idempotency_already_exists';
const idOf = (body: unknown): string | null => {
  const id = body && typeof body === 'object' ? (body as Record<string, unknown>).id : null;
  return typeof id === 'string' && id ? id : null;
};
const gramsOfTonnes = (tonnes: { mul(n: string): { toFixed(dp: number): string } }) =>
  BigInt(tonnes.mul(GRAMS_PER_TONNE.toString()).toFixed(0));

const ownershipOf = (entry: OffsetOrderJournalEntry | undefined): OffsetOwnership | null =>
  entry ? { ownerId: entry.ownerId, clientKey: entry.clientKey ?? null } : null;

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
  if (
    code === 'estimate_not_found' ||
    (request.kind === 'ESTIMATE' && (error.status === 404 || code === 'id_invalid'))
  ) {
    return new DomainError(
      'NOT_FOUND',
      say(`Emission estimate ${request.kind === 'ESTIMATE' ? request.estimateId : ''} not found`),
      'input.estimateId',
    );
  }
  if (code === 'estimate_order_already_placed')
    return new DomainError(
      'CONFLICT',
      say('An offset order for this emission estimate has already been placed'),
      'input.estimateId',
    );
  if (code === 'order_quantity_invalid')
    return new DomainError('INVALID', say('The request results in a non-positive quantity'), FIELD_OF[request.kind]);
  if (error.status === 409 && code !== 'account_suspended' && code !== 'order_idempotency_already_exists') {
    return new DomainError(
      'CONFLICT',
      say('The offset-orders service reported a conflict'),
      request.kind === 'ESTIMATE' ? 'input.estimateId' : 'input',
    );
  }
  return null;
}

/** Lune failures that are the marketplace's, not the caller's, as coded GraphQL errors; others pass to the shared mapping. */
function luneFailure(error: unknown): unknown {
  if (!(error instanceof UpstreamHttpError)) return error;
  const { code, message } = luneErrorOf(error.body);
  const reason = code ? { reason: code } : {};
  if (error.status === 401)
    return apiError(ErrorCode.UPSTREAM_UNAVAILABLE, 'The offset-orders service refused the marketplace credentials');
  if (error.status === 409 && code === 'account_suspended')
    return apiError(
      ErrorCode.UPSTREAM_UNAVAILABLE,
      'The offset-orders account of the marketplace is suspended',
      reason,
    );
  if (error.status === 415)
    return apiError(ErrorCode.INTERNAL_SERVER_ERROR, 'The offset-orders service refused the request format');
  if (error.status === 400)
    return apiError(ErrorCode.BAD_USER_INPUT, message ?? 'The offset-orders service rejected the request', reason);
  return error;
}
