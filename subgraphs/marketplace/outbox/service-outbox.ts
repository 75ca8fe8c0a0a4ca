// The service outbox: calls to other subgraphs' service-only mutations (payment records to
// payments, credit retirements to the registry) are written in the same transaction as what
// causes them, and this dispatcher delivers them afterwards with retries. An outage of the target
// delays a call but never loses it; the targets are idempotent (by externalReference, by
// idempotencyKey), and the unique dedupe key keeps one message per effect. Each target has its own
// delivery lane, so a slow or hung target never holds back the messages of another.
import { randomUUID } from 'node:crypto';
import { raw } from '@mikro-orm/core';
import { mapConcurrent } from '../../../lib/batch.ts';
import type { Database, EntityManager } from '../../../lib/db.ts';
import type { Config } from '../../../lib/config.ts';
import type { Logger } from '../../../lib/logger.ts';
import { ServiceOutbox } from './entities.ts';
import { AS_SERVICE, callService, type ServiceEndpoint } from '../../../lib/service-call.ts';
import type { ServiceCallOutcome, ServiceMutation, ServiceMutationInputs, ServiceOutboxPort } from './port.ts';

type Target = ServiceOutbox['target'];

interface MutationSpec {
  target: Target;
  /** The GraphQL type of the mutation's `input` argument. */
  inputType: string;
  /** User error codes that will never succeed on retry (the input is invalid): the message is closed as rejected. */
  finalCodes: readonly string[];
  /** A refusal (user error) of this kind is an operator alert: logged at error level under this event name. */
  refusalAlert?: string;
}

const MUTATIONS: Record<ServiceMutation, MutationSpec> = {
  // A record payments finds invalid (e.g. an amount beyond its limit) stays invalid.
  recordPaymentTransaction: {
    target: 'payments',
    inputType: 'RecordPaymentTransactionInput',
    finalCodes: ['INVALID', 'REQUIRED', 'IDEMPOTENCY_MISMATCH'],
  },
  // Sold credits must be retired: a refusal for want of credits (none or too few of the project in
  // the offset inventory: NOT_FOUND, INSUFFICIENT_BALANCE) is retried until an operator tops the
  // inventory up, never closed; only an invalid message is.
  retireCreditsForOffsetOrder: {
    target: 'registry',
    inputType: 'RetireCreditsForOffsetOrderInput',
    finalCodes: ['INVALID', 'REQUIRED', 'IDEMPOTENCY_MISMATCH'],
    refusalAlert: 'offset_retirement_blocked',
  },
};

/** The variable, and the field of the answer, of each message of a call: aliases only when a call carries several. */
const aliasesOf = (mutation: ServiceMutation, count: number) =>
  count === 1
    ? [{ variable: 'input', field: mutation }]
    : Array.from({ length: count }, (_, i) => ({ variable: `m${i}`, field: `m${i}` }));

/** One call delivering `count` messages of one mutation, each under its own alias (`m0`, `m1`, ...) when more than one. */
function documentOf(mutation: ServiceMutation, count: number): string {
  const aliases = aliasesOf(mutation, count);
  const variables = aliases.map((a) => `$${a.variable}: ${MUTATIONS[mutation].inputType}!`).join(', ');
  const fields = aliases.map(
    (a) =>
      `${a.field === mutation ? '' : `${a.field}: `}${mutation}(input: $${a.variable}) { userErrors { code message } }`,
  );
  return `mutation Deliver(${variables}) { ${fields.join(' ')} }`;
}

/** The unique dedupe key of the message of `mutation` for the effect `key`. */
export const dedupeKeyOf = (mutation: ServiceMutation, key: string) => `${mutation}:${key}`;

/** The target's refusal recorded in a message's `last_error` (its user errors), or null for any other failure. */
export function refusalOf(row: Pick<ServiceOutbox, 'target' | 'lastError'>): string | null {
  const prefix = `${row.target} refused: `;
  return row.lastError?.startsWith(prefix) ? row.lastError.slice(prefix.length) : null;
}

/**
 * Writes one message in the caller's transaction. `key` names the effect (an order id, an
 * idempotency key): the message's dedupe key is `<mutation>:<key>`, unique.
 */
export async function enqueueServiceCall<M extends ServiceMutation>(
  em: EntityManager,
  mutation: M,
  key: string,
  input: ServiceMutationInputs[M],
  now = new Date(),
): Promise<void> {
  await em.insert(ServiceOutbox, {
    id: randomUUID(),
    target: MUTATIONS[mutation].target,
    mutation,
    dedupeKey: dedupeKeyOf(mutation, key),
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
  /** Messages one lane claims at a time (per target). */
  batchSize: number;
  /** Calls one lane has in flight at most. */
  concurrency: number;
  /** Messages one call carries at most (as aliases of one mutation) when a backlog is drained. */
  messagesPerCall: number;
  log: Logger;
  /** Told after each outcome is recorded (delivered, rejected, retried): live updates re-read what it changed. */
  changed?: (mutation: string) => void;
}

/** A claimed message: what delivery needs of its row. */
interface Claimed {
  id: string;
  target: Target;
  mutation: string;
  dedupeKey: string;
  payload: string;
  attempts: number;
}

type Outcome = { kind: 'delivered' } | { kind: 'rejected'; reason: string } | { kind: 'failed'; reason: string };

/** The targets messages go to; each gets its own lane. */
const TARGETS = [...new Set(Object.values(MUTATIONS).map((m) => m.target))];

/** The marketplace's outbox as configured (`PAYMENT_OUTBOX_*`, `SERVICE_OUTBOX_*`). */
export function serviceOutboxOf(
  config: Config,
  db: Database,
  log: Logger,
  changed?: (mutation: string) => void,
): ServiceOutboxDispatcher {
  return new ServiceOutboxDispatcher(db, {
    urlOf: (target) => config.urlOf(target),
    serviceToken: config.serviceToken,
    intervalMs: config.PAYMENT_OUTBOX_INTERVAL_MS,
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    batchSize: config.SERVICE_OUTBOX_BATCH_SIZE,
    concurrency: config.SERVICE_OUTBOX_CONCURRENCY,
    messagesPerCall: config.SERVICE_OUTBOX_MESSAGES_PER_CALL,
    log,
    changed,
  });
}

export class ServiceOutboxDispatcher implements ServiceOutboxPort {
  private readonly db: Database;
  private readonly opts: OutboxOptions;
  private readonly lanes: Map<Target, DeliveryLane>;
  private readonly aborter = new AbortController();
  private timer: NodeJS.Timeout | null = null;

  constructor(db: Database, opts: OutboxOptions) {
    this.db = db;
    this.opts = opts;
    this.lanes = new Map(TARGETS.map((target) => [target, new DeliveryLane(target, db, opts, this.aborter.signal)]));
  }

  start(): void {
    this.timer = setInterval(() => this.kick(), this.opts.intervalMs);
    this.timer.unref();
    this.kick();
  }

  readonly enqueue = enqueueServiceCall;

  async outcomes(
    em: EntityManager,
    mutation: ServiceMutation,
    keys: readonly string[],
  ): Promise<Map<string, ServiceCallOutcome>> {
    if (keys.length === 0) return new Map();
    const rows = await em.find(ServiceOutbox, { dedupeKey: { $in: keys.map((key) => dedupeKeyOf(mutation, key)) } });
    const byDedupeKey = new Map(rows.map((row) => [row.dedupeKey, row]));
    const outcomes = new Map<string, ServiceCallOutcome>();
    for (const key of keys) {
      const row = byDedupeKey.get(dedupeKeyOf(mutation, key));
      if (!row) continue;
      const refusal = row.status === 'REJECTED' ? (row.lastError ?? 'rejected') : refusalOf(row);
      outcomes.set(key, { status: row.status, refusal });
    }
    return outcomes;
  }

  async refusedInputs<M extends ServiceMutation>(em: EntityManager, mutation: M): Promise<ServiceMutationInputs[M][]> {
    const pending = await em.find(ServiceOutbox, { mutation, status: 'PENDING', attempts: { $gt: 0 } });
    return pending
      .filter((row) => refusalOf(row) !== null)
      .map((row) => JSON.parse(row.payload) as ServiceMutationInputs[M]);
  }

  /** Delivers due messages now (after a transaction that wrote some commits); each lane runs one pass after another. */
  kick(): void {
    for (const lane of this.lanes.values()) lane.kick();
  }

  /** Runs a pass of every lane now and resolves when none is running (tests and shutdown use it). */
  async deliverDue(): Promise<void> {
    this.kick();
    await Promise.all([...this.lanes.values()].map((lane) => lane.idle()));
  }

  /** Stops polling, aborts calls in flight (their messages stay pending) and waits for the lanes. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const lane of this.lanes.values()) lane.stopped = true;
    this.aborter.abort();
    await Promise.all([...this.lanes.values()].map((lane) => lane.idle()));
  }

  /** Messages by target and status, for operators (rejected ones need a person). */
  async counts(): Promise<{ target: string; status: string; count: number }[]> {
    const rows = await this.db
      .fork()
      .getConnection()
      .execute<{ target: string; status: string; count: number | string }[]>(
        `select target, status, count(*) as count from ${outboxTable(this.db)} group by target, status order by target, status`,
      );
    return rows.map((r) => ({ target: r.target, status: r.status, count: Number(r.count) }));
  }
}

/** The outbox table, schema-qualified on PostgreSQL. */
function outboxTable(db: Database): string {
  const schema = db.orm.config.get('schema');
  return db.kind === 'postgresql' && schema ? `"${schema}"."service_outbox"` : '"service_outbox"';
}

/**
 * Delivers the messages of one target: claims a batch of due messages (exclusively, across
 * processes), sends them with bounded concurrency, records the outcomes, and goes on while a
 * backlog remains.
 */
class DeliveryLane {
  stopped = false;
  private running: Promise<void> | null = null;
  private again = false;
  /** Delivered messages waiting for their row to be closed, and the statement closing them. */
  private readonly delivered: string[] = [];
  private closing: Promise<void> | null = null;
  private readonly target: Target;
  private readonly db: Database;
  private readonly opts: OutboxOptions;
  private readonly signal: AbortSignal;

  constructor(target: Target, db: Database, opts: OutboxOptions, signal: AbortSignal) {
    this.target = target;
    this.db = db;
    this.opts = opts;
    this.signal = signal;
  }

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

  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        if (this.stopped) return;
        const lease = new Date(Date.now() + Math.max(30_000, this.opts.timeoutMs * 2));
        const batch = await this.claim(lease);
        if (batch.length === 0) return;
        // Each outcome is recorded as soon as it is known, so a message's row is final once the target has it.
        const settled = await mapConcurrent(this.calls(batch), this.opts.concurrency, async (rows) => {
          const outcomes = await this.deliver(rows);
          await Promise.all(rows.map((row, i) => this.record(row, outcomes[i]!, lease)));
        });
        const failed = settled.find((r) => r.status === 'rejected');
        if (failed) throw failed.reason;
        if (batch.length < this.opts.batchSize) return;
      }
    } catch (err) {
      this.opts.log.error({ err, target: this.target }, 'service outbox pass failed');
    }
  }

  /**
   * Leases up to `batchSize` due messages in one statement. On PostgreSQL `FOR UPDATE SKIP LOCKED`
   * keeps two claimers from taking the same row; SQLite runs one writer at a time. The lease
   * (`locked_until`) keeps the rows claimed until their outcomes are recorded or it runs out.
   */
  private async claim(lease: Date): Promise<Claimed[]> {
    const pg = this.db.kind === 'postgresql';
    const at = (d: Date) => (pg ? d : d.getTime());
    const now = new Date();
    const table = outboxTable(this.db);
    const rows = await this.db
      .fork()
      .getConnection()
      .execute<Record<string, unknown>[]>(
        `update ${table} set locked_until = ? where id in (
         select id from ${table}
         where target = ? and status = 'PENDING' and next_attempt_at <= ? and (locked_until is null or locked_until <= ?)
         order by created_at, id limit ?${pg ? ' for update skip locked' : ''}
       ) returning id, mutation, dedupe_key, payload, attempts, created_at`,
        [at(lease), this.target, at(now), at(now), this.opts.batchSize],
      );
    // Oldest first, as they were written: a statement's returned rows have no order of their own.
    const written = (r: Record<string, unknown>) => new Date(r.created_at as Date | number).getTime();
    return rows
      .sort((a, b) => written(a) - written(b) || String(a.id).localeCompare(String(b.id)))
      .map((r) => ({
        id: String(r.id),
        target: this.target,
        mutation: String(r.mutation),
        dedupeKey: String(r.dedupe_key),
        payload: String(r.payload),
        attempts: Number(r.attempts),
      }));
  }

  /**
   * Splits a batch into calls of one mutation each: one message per call while the batch fits the
   * concurrency, so a trickle goes out at once; a backlog shares calls, up to `messagesPerCall`.
   */
  private calls(batch: Claimed[]): Claimed[][] {
    const size = Math.min(this.opts.messagesPerCall, Math.ceil(batch.length / this.opts.concurrency));
    const byMutation = new Map<string, Claimed[]>();
    for (const row of batch) byMutation.set(row.mutation, [...(byMutation.get(row.mutation) ?? []), row]);
    return [...byMutation.values()].flatMap((rows) =>
      Array.from({ length: Math.ceil(rows.length / size) }, (_, i) => rows.slice(i * size, (i + 1) * size)),
    );
  }

  /** Closes a delivered or rejected message, or schedules its retry; only while the lease is ours. */
  private async record(row: Claimed, outcome: Outcome, lease: Date): Promise<void> {
    const em = this.db.fork();
    const now = new Date();
    const attempts = row.attempts + 1;
    // A claim whose lease ran out may have been taken over: its outcome is then the new claimer's to record.
    const ours = { id: row.id, lockedUntil: lease };
    if (outcome.kind === 'delivered')
      return this.closeDelivered(row, lease).then(() => this.opts.changed?.(row.mutation));
    const about = { target: row.target, mutation: row.mutation, dedupeKey: row.dedupeKey, attempts };
    if (outcome.kind === 'rejected') {
      await em.nativeUpdate(ServiceOutbox, ours, {
        status: 'REJECTED',
        closedAt: now,
        attempts,
        lockedUntil: null,
        lastError: outcome.reason,
      });
      this.opts.log.error({ ...about, problem: outcome.reason }, 'service call rejected as invalid; not retried');
    } else {
      const delay = this.opts.intervalMs * 2 ** Math.min(attempts - 1, 6);
      await em.nativeUpdate(ServiceOutbox, ours, {
        attempts,
        lockedUntil: null,
        lastError: outcome.reason,
        nextAttemptAt: new Date(now.getTime() + delay),
      });
      const alert = refusalOf({ target: row.target, lastError: outcome.reason })
        ? MUTATIONS[row.mutation as ServiceMutation]?.refusalAlert
        : undefined;
      if (alert)
        this.opts.log.error({ event: alert, ...about, problem: outcome.reason }, 'service call refused; will retry');
      else if (!this.stopped)
        this.opts.log.warn({ ...about, problem: outcome.reason }, 'service call not delivered; will retry');
    }
    this.opts.changed?.(row.mutation);
  }

  /**
   * Closes delivered messages: one statement for every delivery that completed while the previous
   * statement ran, so a backlog costs a few writes per batch, not one per message.
   */
  private closeDelivered(row: Claimed, lease: Date): Promise<void> {
    this.delivered.push(row.id);
    this.closing ??= (async () => {
      try {
        while (this.delivered.length) {
          const ids = this.delivered.splice(0);
          await this.db.fork().nativeUpdate(
            ServiceOutbox,
            { id: { $in: ids }, lockedUntil: lease },
            {
              status: 'DELIVERED',
              closedAt: new Date(),
              attempts: raw('attempts + 1'),
              lockedUntil: null,
              lastError: null,
            },
          );
        }
      } finally {
        this.closing = null;
      }
    })();
    return this.closing;
  }

  /**
   * Sends messages of one mutation in one call and classifies each answer. When the call as a whole
   * fails but the target did answer (one invalid input fails them all), each is sent on its own.
   */
  private async deliver(rows: Claimed[]): Promise<Outcome[]> {
    const mutation = rows[0]!.mutation as ServiceMutation;
    const spec = MUTATIONS[mutation] as MutationSpec | undefined;
    if (!spec) return rows.map((row) => ({ kind: 'rejected', reason: `unknown service mutation ${row.mutation}` }));
    const endpoint: ServiceEndpoint = {
      url: this.opts.urlOf(this.target),
      serviceToken: this.opts.serviceToken,
      timeoutMs: this.opts.timeoutMs,
    };
    const aliases = aliasesOf(mutation, rows.length);
    const variables = Object.fromEntries(
      rows.map((row, i) => [aliases[i]!.variable, JSON.parse(row.payload) as unknown]),
    );
    type Result = { userErrors: { code: string; message: string }[] } | null;
    const answer = await callService<Record<string, Result>>(
      this.target,
      endpoint,
      AS_SERVICE,
      documentOf(mutation, rows.length),
      variables,
      { signal: this.signal },
    );
    if (answer.problem !== undefined) {
      if (rows.length > 1 && answer.failure !== 'unreachable') {
        const one: Outcome[] = [];
        for (const row of rows) one.push(...(await this.deliver([row])));
        return one;
      }
      return rows.map(() =>
        answer.failure === 'refused'
          ? { kind: 'rejected', reason: answer.problem }
          : { kind: 'failed', reason: answer.problem },
      );
    }
    return rows.map((_, i): Outcome => {
      const result = answer.data[aliases[i]!.field];
      if (!result) return { kind: 'failed', reason: `${this.target} returned no result` };
      if (result.userErrors.length === 0) return { kind: 'delivered' };
      const reason =
        `${this.target} refused: ${result.userErrors.map((e) => `${e.code} ${e.message}`).join('; ')}`.slice(0, 300);
      return result.userErrors.some((e) => spec.finalCodes.includes(e.code))
        ? { kind: 'rejected', reason }
        : { kind: 'failed', reason };
    });
  }
}

/** Messages waiting for delivery and the age of the oldest, in one SQL statement (read on each metrics scrape). */
export async function outboxBacklog(
  db: Database,
  now = Date.now(),
): Promise<{ depth: number; oldestAgeSeconds: number }> {
  const row = (await db
    .fork()
    .createQueryBuilder(ServiceOutbox)
    .select([raw('count(*) as depth'), raw('min(created_at) as oldest')])
    .where({ status: 'PENDING' })
    .execute('get')) as unknown as { depth: number | string; oldest: Date | string | number | null };
  const oldest =
    row.oldest === null
      ? null
      : new Date(
          typeof row.oldest === 'string' && /^\d+$/.test(row.oldest) ? Number(row.oldest) : row.oldest,
        ).getTime();
  return { depth: Number(row.depth), oldestAgeSeconds: oldest === null ? 0 : Math.max(0, (now - oldest) / 1000) };
}
