// The idempotency journal and the effect journal of ICR writes (tables in ./entities.ts).
//
// A keyed write first claims its key (a unique row, PENDING): a twin that finds the row waits
// for it and replays its result, or gets CONFLICT when it waits too long; the same key with a
// different input is IDEMPOTENCY_MISMATCH, as in the local ledger. Every POST is journaled
// before it is sent (SENDING) and settled after: DONE with the ICR's answer, removed when the
// ICR provably did not act (a refusal, or a request that never left), or UNKNOWN when it may have
// acted (timeout, reset, a 5xx other than 503). An UNKNOWN write is never sent again: a retry
// reconciles it from the organization's credit requests (see `reconcile`).
import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '../../../lib/db.ts';
import { dec } from '../../../lib/decimal.ts';
import { ErrorCode, apiError } from '../../../lib/errors.ts';
import { idempotencyMismatchError } from '../rules.ts';
import type { CreditActionCommand, CreditRequestRecord, RetirementRecord } from '../source.ts';
import { IcrEffect, IcrWriteKey } from './entities.ts';

export type KeyScope = 'ACTION' | 'OFFSET';

/** What claiming a key found. */
export type Claim =
  | { kind: 'fresh'; keyId: string }
  | { kind: 'done'; keyId: string; result: unknown }
  | { kind: 'unknown'; keyId: string };

export interface JournalTiming {
  /** How long a twin waits for the first request with its key before CONFLICT. */
  waitMs: number;
  /** How long after an unknown outcome a write with no trace in the ICR counts as never applied. */
  graceMs: number;
  /** Tolerated clock difference between the layer and the ICR when matching requests. */
  skewMs: number;
}

const POLL_MS = 25;

export const outcomeUnknown = () =>
  apiError(
    ErrorCode.UPSTREAM_OUTCOME_UNKNOWN,
    'The registry did not confirm this write and it may have taken effect; it was not sent again. Retry with the same idempotencyKey to learn the outcome.',
  );

/** A credit request as stored in JSON and back (Decimal and Date revived). */
export function storeRequest(r: CreditRequestRecord): unknown {
  return JSON.parse(JSON.stringify(r));
}
export function loadRequest(json: unknown): CreditRequestRecord {
  const r = json as Record<string, unknown>;
  return {
    ...(r as unknown as CreditRequestRecord),
    amount: dec(r.amount as string),
    createdAt: new Date(r.createdAt as string),
    updatedAt: new Date(r.updatedAt as string),
  };
}

/** The retirement a processed RETIRE or TRANSFER_RETIRE request made. */
export function retirementOf(r: CreditRequestRecord, offsetOrderId: string | null): RetirementRecord | null {
  if (r.state !== 'PROCESSED' || (r.action !== 'RETIRE' && r.action !== 'TRANSFER_RETIRE')) return null;
  return {
    id: r.retirementId ?? r.id,
    registry: 'ICR',
    offsetOrderId,
    beneficiaryName: r.beneficiaryName,
    reason: r.retirementReason,
    comment: r.retirementComment,
    amount: r.amount,
    vintage: r.vintage,
    serialization: r.serialization,
    creditId: r.creditId,
    project: r.project,
    organizationId: r.action === 'TRANSFER_RETIRE' ? r.toOrganizationId : r.fromOrganizationId,
    txId: r.txId,
    retiredAt: r.updatedAt,
  };
}

const retirementOfEffect = (e: IcrEffect) =>
  e.request ? retirementOf(loadRequest(e.request), e.offsetOrderId ?? null) : null;

/** Does the ICR request carry exactly what the journaled command sent? */
function sameContent(e: IcrEffect, r: CreditRequestRecord): boolean {
  const body = e.body as { retirementData?: { reason: string; beneficiaryName: string; comment: string } };
  return (
    r.action === e.action &&
    r.creditId === e.creditId &&
    r.amount.eq(e.amountTonnes.toString()) &&
    (r.toOrganizationId ?? null) === (e.toOrganizationId ?? null) &&
    (r.toAddress ?? null) === (e.toAddress ?? null) &&
    (r.beneficiaryName ?? null) === (body.retirementData?.beneficiaryName ?? null) &&
    (r.retirementReason ?? null) === (body.retirementData?.reason ?? null) &&
    (r.retirementComment ?? null) === (body.retirementData?.comment ?? null) &&
    // An action executes at once; a request may have been reviewed since.
    (e.route === 'request' || r.state !== 'PENDING')
  );
}

export class WriteJournal {
  private readonly em: () => EntityManager;
  private readonly timing: JournalTiming;

  constructor(em: () => EntityManager, timing: JournalTiming) {
    this.em = em;
    this.timing = timing;
  }

  // ---- the idempotency journal ----

  /** Claims a key, or finds what an earlier request with it did (waiting while it runs). */
  async claim(scope: KeyScope, organizationId: string, key: string, requestHash: string): Promise<Claim> {
    const now = new Date();
    const id = randomUUID();
    try {
      await this.em().insert(IcrWriteKey, {
        id,
        scope,
        organizationId,
        key,
        requestHash,
        state: 'PENDING',
        result: null,
        createdAt: now,
        updatedAt: now,
      });
      return { kind: 'fresh', keyId: id };
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
    }
    const deadline = Date.now() + this.timing.waitMs;
    for (;;) {
      const row = await this.em().findOne(IcrWriteKey, { scope, organizationId, key });
      // The first request was refused and freed the key: this one may use it.
      if (!row) return this.claim(scope, organizationId, key, requestHash);
      if (row.requestHash !== requestHash) throw idempotencyMismatchError();
      if (row.state === 'DONE') return { kind: 'done', keyId: row.id, result: row.result };
      if (row.state === 'UNKNOWN') return { kind: 'unknown', keyId: row.id };
      if (Date.now() > deadline)
        throw apiError(ErrorCode.CONFLICT, 'A request with this idempotency key is still in progress; retry later');
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  /** Takes over an UNKNOWN key once its writes are reconciled (conditional: one taker wins). */
  async retake(keyId: string): Promise<boolean> {
    return (
      (await this.em().nativeUpdate(
        IcrWriteKey,
        { id: keyId, state: 'UNKNOWN' },
        { state: 'PENDING', updatedAt: new Date() },
      )) === 1
    );
  }

  async settleKey(keyId: string, result: unknown): Promise<void> {
    await this.em().nativeUpdate(IcrWriteKey, { id: keyId }, { state: 'DONE', result, updatedAt: new Date() });
  }

  async keyUnknown(keyId: string): Promise<void> {
    await this.em().nativeUpdate(IcrWriteKey, { id: keyId }, { state: 'UNKNOWN', updatedAt: new Date() });
  }

  /** Frees a key whose writes provably did nothing, so it serves another request. */
  async releaseKey(keyId: string): Promise<void> {
    await this.em().nativeDelete(IcrWriteKey, { id: keyId });
  }

  // ---- the effect journal ----

  /** Journals a POST before it is sent. */
  async begin(
    route: 'action' | 'request',
    cmd: CreditActionCommand,
    body: unknown,
    keyId: string | null,
  ): Promise<string> {
    const id = randomUUID();
    const now = new Date();
    await this.em().insert(IcrEffect, {
      id,
      keyId,
      organizationId: cmd.organizationId,
      route,
      action: cmd.action as IcrEffect['action'],
      creditId: cmd.creditId,
      amountTonnes: cmd.amount,
      toOrganizationId: cmd.toOrganizationId,
      toAddress: cmd.toAddress,
      offsetOrderId: cmd.retirement?.offsetOrderId ?? null,
      body,
      state: 'SENDING',
      icrRequestId: null,
      request: null,
      createdAt: now,
      updatedAt: now,
    });
    return id;
  }

  async done(effectId: string, request: CreditRequestRecord): Promise<void> {
    await this.em().nativeUpdate(
      IcrEffect,
      { id: effectId },
      { state: 'DONE', icrRequestId: request.id, request: storeRequest(request), updatedAt: new Date() },
    );
  }

  async unknown(effectId: string): Promise<void> {
    await this.em().nativeUpdate(IcrEffect, { id: effectId }, { state: 'UNKNOWN', updatedAt: new Date() });
  }

  /** The ICR provably did not act: nothing to remember. */
  async drop(effectId: string): Promise<void> {
    await this.em().nativeDelete(IcrEffect, { id: effectId });
  }

  /** A later read of a journaled request (e.g. after its review). */
  async refresh(request: CreditRequestRecord): Promise<void> {
    await this.em().nativeUpdate(
      IcrEffect,
      { icrRequestId: request.id, state: 'DONE' },
      { request: storeRequest(request), updatedAt: new Date() },
    );
  }

  async effect(effectId: string): Promise<IcrEffect | null> {
    return this.em().findOne(IcrEffect, { id: effectId });
  }

  async effectsOfKey(keyId: string): Promise<IcrEffect[]> {
    return this.em().find(IcrEffect, { keyId }, { orderBy: { createdAt: 'ASC', id: 'ASC' } });
  }

  /**
   * Settles an UNKNOWN write from the organization's credit requests (newest first): a request
   * with exactly the content sent, created after it was sent, and claimed by no other journaled
   * write, is its outcome. With none, the write counts as never applied once `graceMs` passed;
   * before that it stays unknown.
   */
  async reconcile(
    effect: IcrEffect,
    recentRequests: (since: Date) => Promise<CreditRequestRecord[]>,
  ): Promise<'done' | 'not-applied' | 'unknown'> {
    // A twin of the same content still waiting for its answer may own the request: decide later.
    const twinsInFlight = await this.em().count(IcrEffect, {
      organizationId: effect.organizationId,
      state: 'SENDING',
      action: effect.action,
      creditId: effect.creditId,
      amountTonnes: effect.amountTonnes,
    });
    if (twinsInFlight > 0) return 'unknown';
    const since = new Date(effect.createdAt.getTime() - this.timing.skewMs);
    const candidates = (await recentRequests(since)).filter((r) => r.createdAt >= since && sameContent(effect, r));
    if (candidates.length) {
      const claimed = new Set(
        (
          await this.em().find(
            IcrEffect,
            { icrRequestId: { $in: candidates.map((r) => r.id) } },
            { fields: ['icrRequestId'] },
          )
        ).map((e) => e.icrRequestId),
      );
      // Oldest first: the earliest unclaimed request is the likeliest answer to the earliest write.
      for (const match of candidates
        .filter((r) => !claimed.has(r.id))
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())) {
        try {
          const won = await this.em().nativeUpdate(
            IcrEffect,
            { id: effect.id, state: 'UNKNOWN' },
            { state: 'DONE', icrRequestId: match.id, request: storeRequest(match), updatedAt: new Date() },
          );
          return won === 1 ? 'done' : 'unknown';
        } catch (error) {
          // Another reconciliation claimed this request first: try the next one.
          if (!(error instanceof UniqueConstraintViolationException)) throw error;
        }
      }
    }
    if (Date.now() - effect.createdAt.getTime() < this.timing.graceMs) return 'unknown';
    await this.em().nativeDelete(IcrEffect, { id: effect.id, state: 'UNKNOWN' });
    return 'not-applied';
  }

  // ---- history ----

  /** Retirements made through the layer for these offset orders, newest first. */
  async retirementsOfOffsetOrders(offsetOrderIds: readonly string[]): Promise<RetirementRecord[]> {
    if (!offsetOrderIds.length) return [];
    const rows = await this.em().find(
      IcrEffect,
      { offsetOrderId: { $in: [...offsetOrderIds] }, state: 'DONE' },
      { orderBy: { createdAt: 'DESC', id: 'DESC' } },
    );
    return rows.map(retirementOfEffect).filter((r): r is RetirementRecord => r !== null);
  }

  /** Every retirement made through the layer, with the offset order it fulfils. */
  async retirements(): Promise<RetirementRecord[]> {
    const rows = await this.em().find(
      IcrEffect,
      { action: { $in: ['RETIRE', 'TRANSFER_RETIRE'] }, state: 'DONE' },
      { orderBy: { createdAt: 'DESC', id: 'DESC' } },
    );
    return rows.map(retirementOfEffect).filter((r): r is RetirementRecord => r !== null);
  }

  /** The offset order of each journaled ICR request id. */
  async offsetOrdersOfRequests(requestIds: readonly string[]): Promise<Map<string, string>> {
    if (!requestIds.length) return new Map();
    const rows = await this.em().find(
      IcrEffect,
      { icrRequestId: { $in: [...requestIds] }, offsetOrderId: { $ne: null } },
      { fields: ['icrRequestId', 'offsetOrderId'] },
    );
    return new Map(rows.map((e) => [e.icrRequestId!, e.offsetOrderId!]));
  }
}
