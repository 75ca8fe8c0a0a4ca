// Purchases produce payment records in the payments subgraph. The order and its payment record
// are written in one transaction (the outbox row); this dispatcher delivers the rows afterwards
// with retries, so a payments outage delays a record but never loses or duplicates it (payments
// is idempotent by externalReference = the order id).
import type { Database } from '../../../lib/db.ts';
import { minorUnits, type Decimal } from '../../../lib/decimal.ts';
import type { Logger } from '../../../lib/logger.ts';
import { PaymentOutbox } from './entities.ts';

/** The `RecordPaymentTransactionInput` of the payments subgraph. */
export interface PaymentRecord {
  externalReference: string;
  type: 'ORDER';
  typeId: string;
  payerId: string;
  payeeId: string | null;
  amount: string;
  currency: string;
  status: 'COMPLETED';
}

/** The buyer pays the marketplace: suppliers are not users, so there is no payee user. */
export function paymentForOrder(o: { id: string; buyerId: string; supplierId: string; total: Decimal; currency: string }): PaymentRecord {
  return { externalReference: o.id, type: 'ORDER', typeId: o.id, payerId: o.buyerId, payeeId: null, amount: o.total.toFixed(minorUnits(o.currency)), currency: o.currency, status: 'COMPLETED' };
}

const RECORD = `mutation RecordPayment($input: RecordPaymentTransactionInput!) {
  recordPaymentTransaction(input: $input) { userErrors { code message } }
}`;

export interface OutboxOptions {
  paymentsUrl: string;
  serviceToken: string;
  /** Poll interval and first retry delay; the delay doubles per attempt up to 64 times it. */
  intervalMs: number;
  timeoutMs: number;
  log: Logger;
}

export class PaymentOutboxDispatcher {
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

  /** Delivers due records now (after a purchase commits); overlapping calls run one pass after another. */
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

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private async drain(): Promise<void> {
    try {
      const em = this.db.fork();
      const now = new Date();
      const due = await em.find(
        PaymentOutbox,
        { deliveredAt: null, nextAttemptAt: { $lte: now }, $or: [{ lockedUntil: null }, { lockedUntil: { $lte: now } }] },
        { orderBy: { createdAt: 'asc' }, limit: 50 },
      );
      for (const row of due) {
        if (this.stopped) return;
        // Claim the row so a second process (or pass) does not send it at the same time.
        const claimed = await em.nativeUpdate(
          PaymentOutbox,
          { id: row.id, deliveredAt: null, $or: [{ lockedUntil: null }, { lockedUntil: { $lte: now } }] },
          { lockedUntil: new Date(Date.now() + Math.max(30_000, this.opts.timeoutMs * 2)) },
        );
        if (claimed !== 1) continue;
        const problem = await this.deliver(row.payload);
        const attempts = row.attempts + 1;
        if (problem === null) {
          await em.nativeUpdate(PaymentOutbox, { id: row.id }, { deliveredAt: new Date(), attempts, lockedUntil: null, lastError: null });
        } else {
          const delay = this.opts.intervalMs * 2 ** Math.min(attempts - 1, 6);
          await em.nativeUpdate(PaymentOutbox, { id: row.id }, { attempts, lockedUntil: null, lastError: problem, nextAttemptAt: new Date(Date.now() + delay) });
          this.opts.log.warn({ externalReference: row.externalReference, attempts, problem }, 'payment record not delivered; will retry');
        }
      }
    } catch (err) {
      this.opts.log.error({ err }, 'payment outbox pass failed');
    }
  }

  /** Sends one record; null on success, else why it failed. */
  private async deliver(payload: string): Promise<string | null> {
    try {
      const res = await fetch(this.opts.paymentsUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.opts.serviceToken}` },
        body: JSON.stringify({ query: RECORD, variables: { input: JSON.parse(payload) as PaymentRecord } }),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      if (!res.ok) return `payments answered ${res.status}`;
      const body = (await res.json()) as { data?: { recordPaymentTransaction?: { userErrors: { code: string; message: string }[] } | null }; errors?: { message: string }[] };
      if (body.errors?.length) return `payments error: ${body.errors[0]!.message}`.slice(0, 300);
      const result = body.data?.recordPaymentTransaction;
      if (!result) return 'payments returned no result';
      if (result.userErrors.length) return `payments refused: ${result.userErrors.map((e) => `${e.code} ${e.message}`).join('; ')}`.slice(0, 300);
      return null;
    } catch (error) {
      return error instanceof Error ? error.message.slice(0, 300) : 'delivery failed';
    }
  }
}
