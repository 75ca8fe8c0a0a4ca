// The service outbox: calls to other subgraphs' service-only mutations (payment records to
// payments, credit retirements to the registry) are written in the same transaction as what
// causes them, and this dispatcher delivers them afterwards with retries. An outage of the target
// delays a call but never loses it; the targets are idempotent (by externalReference, by
// idempotencyKey), and the unique dedupe key keeps one message per effect.
import { randomUUID } from 'node:crypto';
import { raw } from '@mikro-orm/core';
import type { Database, EntityManager } from '../../../lib/db.ts';
import type { Logger } from '../../../lib/logger.ts';
import { ServiceOutbox } from './entities.ts';
import { callService, type ServiceEndpoint } from './service-call.ts';
import type { OffsetRetirementRequest, PaymentRecord } from './service-messages.ts';

type Target = ServiceOutbox['target'];

interface MutationSpec {
  target: Target;
  /** The GraphQL type of the mutation's `input` argument. */
  inputType: string;
  /** User error codes that will never succeed on retry: the message is closed as rejected. */
  finalCodes: readonly string[];
}

/** The service mutations the marketplace calls, and the input each takes. */
export interface ServiceMutationInputs {
  recordPaymentTransaction: PaymentRecord;
  retireCreditsForOffsetOrder: OffsetRetirementRequest;
}
export type ServiceMutation = keyof ServiceMutationInputs;

const MUTATIONS: Record<ServiceMutation, MutationSpec> = {
  // Payments refuses nothing for good: a refused record is retried until an operator fixes it.
  recordPaymentTransaction: { target: 'payments', inputType: 'RecordPaymentTransactionInput', finalCodes: [] },
  // An unknown project (or one the offset inventory holds no credits of) stays unknown.
  retireCreditsForOffsetOrder: { target: 'registry', inputType: 'RetireCreditsForOffsetOrderInput', finalCodes: ['NOT_FOUND'] },
};

const documentOf = (mutation: ServiceMutation) =>
  `mutation Deliver($input: ${MUTATIONS[mutation].inputType}!) { ${mutation}(input: $input) { userErrors { code message } } }`;

/**
 * Writes one message in the caller's transaction. `key` names the effect (an order id, an
 * idempotency key): the message's dedupe key is `<mutation>:<key>`, unique.
 */
export async function enqueueServiceCall<M extends ServiceMutation>(em: EntityManager, mutation: M, key: string, input: ServiceMutationInputs[M], now = new Date()): Promise<void> {
  await em.insert(ServiceOutbox, {
    id: randomUUID(),
    target: MUTATIONS[mutation].target,
    mutation,
    dedupeKey: `${mutation}:${key}`,
    payload: JSON.stringify(input),
    status: 'PENDING',
    attempts: 0,
    nextAttemptAt: now,
    lockedUntil: null,
    closedAt: null,
    lastError: null,
    createdAt: now,
  });
}

export interface OutboxOptions {
  /** The GraphQL URL of a target subgraph. */
  urlOf: (target: Target) => string;
  serviceToken: string;
  /** Poll interval and first retry delay; the delay doubles per attempt up to 64 times it. */
  intervalMs: number;
  timeoutMs: number;
  log: Logger;
}

type Outcome = { kind: 'delivered' } | { kind: 'rejected'; reason: string } | { kind: 'failed'; reason: string };

export class ServiceOutboxDispatcher {
  private readonly db: Database;
  private readonly opts: OutboxOptions;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(db: Database, opts: OutboxOptions) {
    this.db = db;
    this.opts = opts;
  }

  start(): void {
    this.timer = setInterval(() => this.kick(), this.opts.intervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Delivers due messages now (after a transaction that wrote some commits); overlapping calls run one pass after another. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Runs a pass now and resolves when no pass is running (tests and shutdown use it). */
  async deliverDue(): Promise<void> {
    this.kick();
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private async drain(): Promise<void> {
    try {
      const em = this.db.fork();
      const now = new Date();
      const unlocked = { $or: [{ lockedUntil: null }, { lockedUntil: { $lte: now } }] };
      const due = await em.find(ServiceOutbox, { status: 'PENDING', nextAttemptAt: { $lte: now }, ...unlocked }, { orderBy: { createdAt: 'asc', id: 'asc' }, limit: 50 });
      for (const row of due) {
        if (this.stopped) return;
        // Claim the message so a second process (or pass) does not send it at the same time.
        const claimed = await em.nativeUpdate(
          ServiceOutbox,
          { id: row.id, status: 'PENDING', ...unlocked },
          { lockedUntil: new Date(Date.now() + Math.max(30_000, this.opts.timeoutMs * 2)) },
        );
        if (claimed !== 1) continue;
        const outcome = await this.deliver(row);
        const attempts = row.attempts + 1;
        const about = { target: row.target, mutation: row.mutation, dedupeKey: row.dedupeKey, attempts };
        if (outcome.kind === 'delivered') {
          await em.nativeUpdate(ServiceOutbox, { id: row.id }, { status: 'DELIVERED', closedAt: new Date(), attempts, lockedUntil: null, lastError: null });
        } else if (outcome.kind === 'rejected') {
          await em.nativeUpdate(ServiceOutbox, { id: row.id }, { status: 'REJECTED', closedAt: new Date(), attempts, lockedUntil: null, lastError: outcome.reason });
          this.opts.log.warn({ ...about, problem: outcome.reason }, 'service call rejected; not retried');
        } else {
          const delay = this.opts.intervalMs * 2 ** Math.min(attempts - 1, 6);
          await em.nativeUpdate(ServiceOutbox, { id: row.id }, { attempts, lockedUntil: null, lastError: outcome.reason, nextAttemptAt: new Date(Date.now() + delay) });
          this.opts.log.warn({ ...about, problem: outcome.reason }, 'service call not delivered; will retry');
        }
      }
    } catch (err) {
      this.opts.log.error({ err }, 'service outbox pass failed');
    }
  }

  /** Sends one message and classifies the answer. */
  private async deliver(row: ServiceOutbox): Promise<Outcome> {
    const mutation = row.mutation as ServiceMutation;
    const spec = MUTATIONS[mutation] as MutationSpec | undefined;
    if (!spec) return { kind: 'rejected', reason: `unknown service mutation ${row.mutation}` };
    const endpoint: ServiceEndpoint = { url: this.opts.urlOf(row.target), serviceToken: this.opts.serviceToken, timeoutMs: this.opts.timeoutMs };
    const answer = await callService<Record<string, { userErrors: { code: string; message: string }[] } | null>>(row.target, endpoint, documentOf(mutation), {
      input: JSON.parse(row.payload) as unknown,
    });
    if (answer.problem !== undefined) return { kind: 'failed', reason: answer.problem };
    const result = answer.data[mutation];
    if (!result) return { kind: 'failed', reason: `${row.target} returned no result` };
    if (result.userErrors.length === 0) return { kind: 'delivered' };
    const reason = `${row.target} refused: ${result.userErrors.map((e) => `${e.code} ${e.message}`).join('; ')}`.slice(0, 300);
    return result.userErrors.some((e) => spec.finalCodes.includes(e.code)) ? { kind: 'rejected', reason } : { kind: 'failed', reason };
  }
}

/** Messages waiting for delivery and the age of the oldest, in one SQL statement (read on each metrics scrape). */
export async function outboxBacklog(db: Database, now = Date.now()): Promise<{ depth: number; oldestAgeSeconds: number }> {
  const row = (await db
    .fork()
    .createQueryBuilder(ServiceOutbox)
    .select([raw('count(*) as depth'), raw('min(created_at) as oldest')])
    .where({ status: 'PENDING' })
    .execute('get')) as unknown as { depth: number | string; oldest: Date | string | number | null };
  const oldest = row.oldest === null ? null : new Date(typeof row.oldest === 'string' && /^\d+$/.test(row.oldest) ? Number(row.oldest) : row.oldest).getTime();
  return { depth: Number(row.depth), oldestAgeSeconds: oldest === null ? 0 : Math.max(0, (now - oldest) / 1000) };
}
