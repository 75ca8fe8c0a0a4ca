// The journal of offset orders placed through Lune (upstream mode): idempotency per buyer and
// ownership of Lune orders. Lune's keys are account-wide and at most 100 characters, so the key
// Lune sees is a hash of the buyer and the buyer's key (or a random one when the buyer gave none).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '../../../../lib/db.ts';
import { OffsetOrderJournalEntry, type OffsetJournalState } from './entities.ts';

const PREFIX = 'mkt1-';

/** The Lune idempotency key of a buyer's key: 48 characters, the same on every retry and process. */
export function luneKeyOf(ownerId: string, clientKey: string): string {
  return PREFIX + createHash('sha256').update(`${ownerId}\n${clientKey}`).digest('base64url');
}

/** A Lune idempotency key for a request the buyer gave no key for (its own retries reuse it). */
export const freshLuneKey = () => PREFIX + randomBytes(32).toString('base64url');

export interface JournalOpening {
  ownerId: string;
  clientKey: string | null;
  requestHash: string;
}

export class OffsetOrderJournal {
  private readonly em: EntityManager;

  constructor(em: EntityManager) {
    this.em = em;
  }

  byClientKey(ownerId: string, clientKey: string): Promise<OffsetOrderJournalEntry | null> {
    return this.em.fork().findOne(OffsetOrderJournalEntry, { ownerId, clientKey });
  }

  /** Records a request before it is sent; a concurrent request with the same key gets the row that won. */
  async open({ ownerId, clientKey, requestHash }: JournalOpening): Promise<OffsetOrderJournalEntry> {
    const em = this.em.fork();
    const now = new Date();
    const entry = em.create(OffsetOrderJournalEntry, {
      id: randomUUID(),
      ownerId,
      clientKey,
      luneKey: clientKey === null ? freshLuneKey() : luneKeyOf(ownerId, clientKey),
      requestHash,
      state: 'PENDING',
      luneOrderId: null,
      createdAt: now,
      updatedAt: now,
    });
    try {
      await em.flush();
      return entry;
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException) || clientKey === null) throw error;
      const first = await this.byClientKey(ownerId, clientKey);
      if (!first) throw error;
      return first;
    }
  }

  /** The POST is about to leave (from PENDING, UNKNOWN or REFUSED; a DONE row is never sent again). */
  async sent(entryId: string): Promise<void> {
    await this.em
      .fork()
      .nativeUpdate(
        OffsetOrderJournalEntry,
        { id: entryId, state: { $ne: 'DONE' } },
        { state: 'SENT', updatedAt: new Date() },
      );
  }

  /** Lune placed the request as this order. */
  async done(entryId: string, luneOrderId: string): Promise<void> {
    await this.em
      .fork()
      .nativeUpdate(OffsetOrderJournalEntry, { id: entryId }, { state: 'DONE', luneOrderId, updatedAt: new Date() });
  }

  /** No answer: Lune may have placed the order. Only GET by idempotency key settles it. */
  async unknown(entryId: string): Promise<void> {
    await this.em
      .fork()
      .nativeUpdate(
        OffsetOrderJournalEntry,
        { id: entryId, state: 'SENT' },
        { state: 'UNKNOWN', updatedAt: new Date() },
      );
  }

  /** Lune did not process the request (429, 503): nothing was created, the same key may be sent again. */
  async notSent(entryId: string): Promise<void> {
    await this.em
      .fork()
      .nativeUpdate(
        OffsetOrderJournalEntry,
        { id: entryId, state: 'SENT' },
        { state: 'PENDING', updatedAt: new Date() },
      );
  }

  /** Lune was asked about an open row and had no order for it yet: it goes to the back of the queue. */
  async asked(entryId: string): Promise<void> {
    await this.em
      .fork()
      .nativeUpdate(
        OffsetOrderJournalEntry,
        { id: entryId, state: { $in: ['SENT', 'UNKNOWN'] } },
        { updatedAt: new Date() },
      );
  }

  /** Lune refused the request (nothing was created): the same key may be sent again. */
  async refused(entryId: string): Promise<void> {
    await this.em
      .fork()
      .nativeUpdate(
        OffsetOrderJournalEntry,
        { id: entryId, state: { $in: ['PENDING', 'SENT'] } },
        { state: 'REFUSED', updatedAt: new Date() },
      );
  }

  /**
   * Rows whose outcome is open (SENT or UNKNOWN), created since `since`, least recently asked about
   * first, at most `limit`; only this buyer's when `ownerId` is given.
   */
  async unresolved(opts: { ownerId?: string; since: Date; limit: number }): Promise<OffsetOrderJournalEntry[]> {
    const where = {
      state: { $in: ['SENT', 'UNKNOWN'] as OffsetJournalState[] },
      createdAt: { $gte: opts.since },
      ...(opts.ownerId ? { ownerId: opts.ownerId } : {}),
    };
    return this.em
      .fork()
      .find(OffsetOrderJournalEntry, where, { orderBy: { updatedAt: 'ASC', id: 'ASC' }, limit: opts.limit });
  }

  /** The journal rows of these Lune orders (one statement), by Lune order id. */
  async byLuneOrderIds(luneOrderIds: readonly string[]): Promise<Map<string, OffsetOrderJournalEntry>> {
    if (luneOrderIds.length === 0) return new Map();
    const rows = await this.em.fork().find(OffsetOrderJournalEntry, { luneOrderId: { $in: [...luneOrderIds] } });
    return new Map(rows.map((r) => [r.luneOrderId!, r]));
  }

  /**
   * A buyer's accepted orders, newest first, after the one with this Lune id; null when that id is
   * not one of the buyer's orders (a bad cursor).
   */
  async page(
    ownerId: string,
    limit: number,
    afterLuneOrderId: string | null,
  ): Promise<OffsetOrderJournalEntry[] | null> {
    const em = this.em.fork();
    const mine = { ownerId, state: 'DONE' as const };
    let where: object = mine;
    if (afterLuneOrderId) {
      const cursor = await em.findOne(OffsetOrderJournalEntry, { ...mine, luneOrderId: afterLuneOrderId });
      if (!cursor) return null;
      where = {
        ...mine,
        $or: [{ createdAt: { $lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { $lt: cursor.id } }],
      };
    }
    return em.find(OffsetOrderJournalEntry, where, { orderBy: { createdAt: 'DESC', id: 'DESC' }, limit });
  }
}
