// The write journal of upstream mode: one row per logical write sent to an upstream that defines
// no idempotency of its own. It makes every keyed write exactly-once from the outside:
// - the same caller, operation and key with the same request replays the stored result, with
//   another request it is IDEMPOTENCY_MISMATCH (local mode's code and message), nothing is sent;
// - a write is sent at most once while it may have arrived: a lost or late answer leaves the row
//   UNKNOWN and the caller gets UPSTREAM_OUTCOME_UNKNOWN naming the key; a retry with the key
//   looks for the write's effect through the upstream's documented reads and answers it;
// - a 2xx is an accepted write (DONE) even when its body cannot be read: the caller gets what is
//   known and a coded warning (`UPSTREAM_ANSWER_UNREADABLE`) in the response's `extensions`.
// A write whose input has no key field gets one from the layer, derived from the caller and the
// request: a retry of the same request whose outcome was unknown (within AUTO_KEY_WINDOW_MS) is
// matched to it and settled, while a repeat of one that succeeded is a new write, as in local
// mode. The key is returned in `extensions.idempotencyKey` (and named by UPSTREAM_OUTCOME_UNKNOWN).
// A write whose input has a key field but was given none gets a fresh key (`freshKey`).
import { createHash, randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, defineEntity, p } from '@mikro-orm/core';
import type { EntityManager } from './db.ts';
import { ErrorCode, apiError, DomainError } from './errors.ts';
import { UpstreamHttpError, UpstreamUnreachableError } from './http-client.ts';
import type { Logger } from './logger.ts';

/**
 * PENDING: recorded, not sent yet. SENT: on its way. DONE: the upstream accepted it (result kept).
 * UNKNOWN: it may have taken effect (the answer was lost, late or a 5xx); never sent again unless
 * the documented reads show, after SETTLE_MS, that it did not arrive.
 */
export type WriteState = 'PENDING' | 'SENT' | 'DONE' | 'UNKNOWN';

export const WriteJournalSchema = defineEntity({
  name: 'WriteJournalEntry',
  tableName: 'write_journal',
  // One logical write per upstream record: two rows can never both claim the same record.
  uniques: [{ properties: ['caller', 'operation', 'key'] }, { properties: ['operation', 'upstreamId'] }],
  properties: {
    id: p.string().primary(),
    /** Who wrote: the caller's user id, or `anonymous`. */
    caller: p.string(),
    /** The mutation, e.g. `createTransfer`. */
    operation: p.string(),
    /** The caller's idempotency key, or the layer's (`auto-…`). */
    key: p.string(),
    requestHash: p.string(),
    state: p.string().$type<WriteState>(),
    /** The id the upstream gave the record written, once known. */
    upstreamId: p.string().nullable(),
    /** The upstream's record as JSON (personal data redacted by the caller of the journal). */
    result: p.text().nullable(),
    /** A coded warning given with the result, e.g. UPSTREAM_ANSWER_UNREADABLE. */
    warning: p.string().nullable(),
    attempts: p.integer(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export class WriteJournalEntry extends WriteJournalSchema.class {}
WriteJournalSchema.setClass(WriteJournalEntry);

/** A retry of a request without a key matches an unknown outcome of the first one within this window. */
export const AUTO_KEY_WINDOW_MS = 10 * 60_000;
/** After this long, a write the documented reads do not show did not arrive: it may be sent again. */
export const DEFAULT_SETTLE_MS = 60_000;

export const ANSWER_UNREADABLE = 'UPSTREAM_ANSWER_UNREADABLE';

/** Per-request response extensions a resolver adds to (the key given, warnings). */
export type ResponseExtensions = Record<string, unknown>;

/** A key the layer gives a write whose caller gave none (returned in `extensions.idempotencyKey`). */
export const freshKey = () => `auto-${randomUUID()}`;

export function requestHash(operation: string, request: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify([operation, request]))
    .digest('hex');
}

export function outcomeUnknown(upstream: string, key: string) {
  return apiError(
    ErrorCode.UPSTREAM_OUTCOME_UNKNOWN,
    `The ${upstream} service did not confirm this write and it may have taken effect; it was not sent again. Retry with idempotency key ${key} to learn the outcome.`,
    { idempotencyKey: key },
  );
}

export const mismatch = (
  message = 'This idempotency key was already used for a different request',
  field = 'input.idempotencyKey',
) => new DomainError('IDEMPOTENCY_MISMATCH', message, field);

/** Whether a failure of a sent write may hide an effect upstream (and must not be sent again). */
export function mayHaveArrived(error: unknown): boolean {
  if (error instanceof UpstreamUnreachableError) return error.maybeSent;
  if (error instanceof UpstreamHttpError) return error.status >= 500 && error.status !== 503;
  return false;
}

export interface JournaledWrite<T> {
  caller: string;
  operation: string;
  /** The caller's key; null: the layer derives one from the caller and the request. */
  key: string | null;
  /** What identifies the request (hashed): the same key with another request is a mismatch. */
  request: unknown;
  /** The upstream's name, for messages. */
  upstream: string;
  /** Sends the write once; answers the 2xx body. */
  send(): Promise<unknown>;
  /** The result from an upstream record (throws when the body is not the record). */
  read(row: unknown): T;
  /** The record's id in a body that cannot be read whole, if there is one. */
  idOf?(body: unknown): string | null;
  /**
   * Finds the write's record through documented reads: by `upstreamId` when known, else a record
   * matching the request created since `since` whose id no other journal row holds.
   */
  find?(args: {
    since: Date;
    upstreamId: string | null;
    claimed: (id: string) => Promise<boolean>;
  }): Promise<unknown | null>;
  /** The record as stored (personal data redacted); the record itself by default. */
  store?(row: unknown): unknown;
  /** What is known when the record cannot be read (the id, the input echoed); null: nothing. */
  echo?(id: string | null): T | null;
  /** How the mismatch is worded for this operation (local mode's words). */
  mismatch?: DomainError;
  /**
   * A twin sent while this write is in flight is answered by the upstream without a second effect
   * (it refuses a second account with an IBAN, keeps one entry per address, a synced order stays
   * synced): it is sent outside the journal rather than answered UPSTREAM_OUTCOME_UNKNOWN.
   */
  repeatSends?: boolean;
}

export interface JournalAnswer<T> {
  result: T | null;
  key: string;
  warning: string | null;
}

/** The write journal of one subgraph's database. */
export class WriteJournal {
  private readonly em: () => EntityManager;
  private readonly logger: Logger | undefined;
  private readonly settleMs: number;

  constructor(em: () => EntityManager, opts: { logger?: Logger; settleMs?: number } = {}) {
    this.em = em;
    this.logger = opts.logger;
    this.settleMs = opts.settleMs ?? DEFAULT_SETTLE_MS;
  }

  private find(caller: string, operation: string, key: string) {
    return this.em().findOne(WriteJournalEntry, { caller, operation, key });
  }

  private async update(
    entry: WriteJournalEntry,
    changes: Partial<Pick<WriteJournalEntry, 'state' | 'upstreamId' | 'result' | 'warning' | 'attempts'>>,
  ) {
    Object.assign(entry, changes, { updatedAt: new Date() });
    await this.em().nativeUpdate(WriteJournalEntry, { id: entry.id }, { ...changes, updatedAt: entry.updatedAt });
  }

  /** Whether another row of this operation holds this upstream id. */
  private claimedBy(operation: string, self: string) {
    return async (upstreamId: string) =>
      (await this.em().count(WriteJournalEntry, { operation, upstreamId, id: { $ne: self } })) > 0;
  }

  /** Opens the row of a write, or answers the row a key already names. */
  private async open(
    w: JournaledWrite<unknown>,
    key: string,
    hash: string,
  ): Promise<{ entry: WriteJournalEntry; fresh: boolean }> {
    const now = new Date();
    // Twins of a keyless write race for its derived key: each lost race means another twin made
    // progress (opened or retired a row), so a twin tries again, with a short random pause, until
    // it opens a row or finds one to answer from.
    for (let tries = 0; tries < 25; tries++) {
      if (tries > 0) await new Promise((r) => setTimeout(r, Math.random() * 5 * Math.min(tries, 4)));
      const existing = await this.find(w.caller, w.operation, key);
      // A derived key's write that succeeded is over: a repeat is a new write, as in local mode
      // (where ten keyless twins are ten writes). An unknown outcome is matched within
      // AUTO_KEY_WINDOW_MS.
      const retired =
        existing !== null &&
        w.key === null &&
        existing.state !== 'SENT' &&
        (existing.state === 'DONE' || now.getTime() - existing.createdAt.getTime() > AUTO_KEY_WINDOW_MS);
      if (existing && retired) {
        // A derived key's window is over: the earlier write keeps its row under another key.
        await this.em().nativeUpdate(WriteJournalEntry, { id: existing.id }, { key: `${key}@${existing.id}` });
        continue;
      }
      if (existing) return { entry: existing, fresh: false };
      const em = this.em();
      const entry = em.create(WriteJournalEntry, {
        id: randomUUID(),
        caller: w.caller,
        operation: w.operation,
        key,
        requestHash: hash,
        state: 'PENDING',
        upstreamId: null,
        result: null,
        warning: null,
        attempts: 0,
        createdAt: now,
        updatedAt: now,
      });
      try {
        await em.flush();
        return { entry, fresh: true };
      } catch (error) {
        if (!(error instanceof UniqueConstraintViolationException)) throw error;
      }
    }
    throw new Error('write journal: could not open a row');
  }

  /** Runs one logical write exactly once; see the top of this file. */
  async run<T>(w: JournaledWrite<T>): Promise<JournalAnswer<T>> {
    const hash = requestHash(w.operation, w.request);
    const key = w.key ?? `auto-${createHash('sha256').update(`${w.caller}\n${hash}`).digest('base64url').slice(0, 32)}`;
    const opened = await this.open(w, key, hash);
    const fresh = opened.fresh;
    let entry = opened.entry;
    if (!fresh) {
      if (entry.requestHash !== hash) throw w.mismatch ?? mismatch();
      if (!(w.repeatSends && w.key === null)) {
        const settled = await this.awaitInFlight(entry);
        // The first was refused (its row is gone): this one runs anew, as local mode's twin would.
        if (!settled) return this.run(w);
        entry = settled;
      }
      if (entry.state === 'DONE') return this.replay(w, entry, key);
      // In flight now: the upstream answers the twin without a second effect, so it is sent outside the journal.
      if (w.repeatSends && w.key === null && (entry.state === 'PENDING' || entry.state === 'SENT'))
        return { result: w.read(await w.send()), key, warning: null };
      const settled = await this.settle(w, entry, key);
      if (settled) return settled;
      // Not seen upstream: sent again only once it cannot be in flight any more.
      const quiet = Date.now() - entry.updatedAt.getTime() >= this.settleMs;
      if (!quiet || !(await this.takeOver(entry))) throw outcomeUnknown(w.upstream, key);
    }
    return this.send(w, entry, key);
  }

  /** A twin of a write in flight waits for its outcome (at most the settle time), as local mode's twins wait for the first. */
  private async awaitInFlight(entry: WriteJournalEntry): Promise<WriteJournalEntry | null> {
    let current = entry;
    while (
      (current.state === 'PENDING' || current.state === 'SENT') &&
      Date.now() - current.updatedAt.getTime() < this.settleMs
    ) {
      await new Promise((r) => setTimeout(r, 25));
      const again = await this.em().findOne(WriteJournalEntry, { id: current.id });
      if (!again) return null;
      current = again;
    }
    return current;
  }

  /** Claims a row nobody saw arrive upstream for one more send (one process wins). */
  private async takeOver(entry: WriteJournalEntry): Promise<boolean> {
    const won = await this.em().nativeUpdate(
      WriteJournalEntry,
      { id: entry.id, state: entry.state, updatedAt: entry.updatedAt },
      { state: 'PENDING', updatedAt: new Date() },
    );
    return won === 1;
  }

  private replay<T>(w: JournaledWrite<T>, entry: WriteJournalEntry, key: string): JournalAnswer<T> {
    const result = entry.result ? w.read(JSON.parse(entry.result)) : (w.echo?.(entry.upstreamId ?? null) ?? null);
    return { result, key, warning: entry.warning ?? null };
  }

  /** An UNKNOWN (or abandoned) write: its effect looked up through the documented reads. */
  private async settle<T>(
    w: JournaledWrite<T>,
    entry: WriteJournalEntry,
    key: string,
  ): Promise<JournalAnswer<T> | null> {
    if (!w.find) return null;
    let row: unknown;
    try {
      row = await w.find({
        since: new Date(entry.createdAt.getTime() - 5 * 60_000),
        upstreamId: entry.upstreamId ?? null,
        claimed: this.claimedBy(w.operation, entry.id),
      });
    } catch (error) {
      this.logger?.warn(
        { operation: w.operation, reason: error instanceof Error ? error.message : String(error) },
        'write journal: reconciliation read failed',
      );
      throw outcomeUnknown(w.upstream, key);
    }
    if (row === null || row === undefined) return null;
    const result = w.read(row);
    const upstreamId = (row as { id?: unknown }).id;
    try {
      await this.update(entry, {
        state: 'DONE',
        upstreamId: upstreamId === undefined ? (entry.upstreamId ?? null) : String(upstreamId),
        result: JSON.stringify(w.store ? w.store(row) : row),
      });
    } catch (error) {
      // Another write settled on the same record at the same moment: this one is looked up again on its next retry.
      if (error instanceof UniqueConstraintViolationException) throw outcomeUnknown(w.upstream, key);
      throw error;
    }
    this.logger?.info(
      { operation: w.operation, state: 'DONE' },
      'write journal: an unknown outcome was settled from the upstream',
    );
    return { result, key, warning: null };
  }

  private async send<T>(w: JournaledWrite<T>, entry: WriteJournalEntry, key: string): Promise<JournalAnswer<T>> {
    await this.update(entry, { state: 'SENT', attempts: entry.attempts + 1 });
    let body: unknown;
    try {
      body = await w.send();
    } catch (error) {
      if (mayHaveArrived(error)) {
        await this.update(entry, { state: 'UNKNOWN' });
        this.logger?.warn(
          { operation: w.operation, reason: error instanceof Error ? error.message : String(error) },
          'write journal: outcome unknown',
        );
        throw outcomeUnknown(w.upstream, key);
      }
      // Refused, or provably never sent: nothing happened, the key is free again.
      await this.em().nativeDelete(WriteJournalEntry, { id: entry.id });
      throw error;
    }
    try {
      const result = w.read(body);
      const id = (body as { id?: unknown } | null)?.id;
      const stored = JSON.stringify(w.store ? w.store(body) : body);
      await this.update(entry, {
        state: 'DONE',
        upstreamId: id === undefined || id === null ? null : String(id),
        result: stored,
      }).catch(async (error: unknown) => {
        if (!(error instanceof UniqueConstraintViolationException)) throw error;
        // Another row took this record for its own while this answer was on its way: the answer stands.
        this.logger?.warn({ operation: w.operation }, 'write journal: a record was claimed by two writes');
        await this.update(entry, { state: 'DONE', upstreamId: null, result: stored });
      });
      return { result, key, warning: null };
    } catch (error) {
      // Accepted (2xx) but not the record expected: the write stands, answered with what is known.
      const id = w.idOf?.(body) ?? null;
      this.logger?.warn(
        { operation: w.operation, reason: error instanceof Error ? error.message : String(error) },
        'write journal: accepted write with an unreadable answer',
      );
      await this.update(entry, { state: 'DONE', upstreamId: id });
      const found = w.find ? await this.settle(w, entry, key).catch(() => null) : null;
      if (found) return found;
      await this.update(entry, { warning: ANSWER_UNREADABLE });
      return { result: w.echo?.(id) ?? null, key, warning: ANSWER_UNREADABLE };
    }
  }
}

/** An id in a 2xx body that is not the record expected: `id`, or one level down (`data.id`, `product.id`). */
export function looseId(body: unknown): string | null {
  const idIn = (o: unknown) => {
    const v = o && typeof o === 'object' ? (o as Record<string, unknown>).id : undefined;
    return typeof v === 'string' && v ? v : typeof v === 'number' ? String(v) : null;
  };
  const direct = idIn(body);
  if (direct) return direct;
  if (body && typeof body === 'object') for (const v of Object.values(body)) if (idIn(v)) return idIn(v);
  return null;
}

/**
 * Whether an upstream record matches a request body: every field sent has the same value in the
 * record (numbers compared as numbers, enums case-insensitively, null and absent alike).
 */
export function matchesRequest(row: unknown, body: Record<string, unknown>): boolean {
  if (!row || typeof row !== 'object') return false;
  const r = row as Record<string, unknown>;
  return Object.entries(body).every(([k, sent]) => sameValue(r[k], sent));
}

function sameValue(a: unknown, b: unknown): boolean {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (a === null || a === undefined || b === null || b === undefined) return false;
  const sa = String(a);
  const sb = String(b);
  if (sa === sb || sa.toLowerCase() === sb.toLowerCase()) return true;
  const na = Number(sa);
  const nb = Number(sb);
  return sa.trim() !== '' && sb.trim() !== '' && Number.isFinite(na) && Number.isFinite(nb) && na === nb;
}
