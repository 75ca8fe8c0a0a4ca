// The currency of the Lune account orders are placed on, read from Lune (GET /accounts/me) at
// start and on /health, and compared with OFFSET_ORDERS_ACCOUNT_CURRENCY. Lune prices every order
// in its account's currency and takes no currency in a request, so a mismatch would misprice
// every order (a "50 EUR" spend placed as 50 USD): while the two differ, quotes and orders are
// refused with a coded error and /health is `degraded` naming the route and field.
import { ErrorCode, apiError } from '../../../../lib/errors.ts';
import type { Logger } from '../../../../lib/logger.ts';
import type { RecentViolation } from '../../../../lib/upstream-contract.ts';
import type { LuneApi } from './client.ts';

/** What /health reports while the account's currency differs from the configured one. */
export const ACCOUNT_CURRENCY_SITE = { upstream: 'lune', route: 'GET /accounts/me', field: 'currency' } as const;

export class LuneAccountCurrency {
  readonly configured: string;
  private readonly api: LuneApi;
  private readonly log: Logger;
  private readonly maxAgeMs: number;
  /** One attempt under this timeout when /health reads the account (as its probes do). */
  private readonly healthTimeoutMs: number;
  /** The currency Lune last answered, and when. */
  private observed: { currency: string; at: number } | null = null;
  private reading: Promise<void> | null = null;

  constructor(api: LuneApi, configured: string, log: Logger, timing: { maxAgeMs: number; healthTimeoutMs: number }) {
    this.api = api;
    this.configured = configured;
    this.log = log;
    this.maxAgeMs = timing.maxAgeMs;
    this.healthTimeoutMs = timing.healthTimeoutMs;
  }

  /** Reads the account once (concurrent callers share the read); a failed read keeps what was known. */
  refresh(opts: { timeoutMs?: number; retries?: number } = {}): Promise<void> {
    this.reading ??= this.api
      .account(opts)
      .then((account) => {
        if (account.currency !== this.configured && this.observed?.currency !== account.currency) {
          this.log.error(
            { accountCurrency: account.currency, configured: this.configured },
            'the Lune account is priced in another currency than OFFSET_ORDERS_ACCOUNT_CURRENCY: offset orders are refused',
          );
        }
        this.observed = { currency: account.currency, at: Date.now() };
      })
      .finally(() => (this.reading = null));
    return this.reading;
  }

  /** The start-up read: a failure is logged, and the first order reads again. */
  start(): void {
    this.refresh().catch((error: unknown) => this.log.warn({ err: error }, 'could not read the Lune account at start'));
  }

  /** /health: reads again when the last answer is older than the health cache; the mismatch, if any. */
  async health(): Promise<RecentViolation | null> {
    if (!this.observed || Date.now() - this.observed.at >= this.maxAgeMs)
      await this.refresh({ timeoutMs: this.healthTimeoutMs, retries: 0 }).catch(() => undefined);
    if (!this.observed || this.observed.currency === this.configured) return null;
    return { ...ACCOUNT_CURRENCY_SITE, at: new Date(this.observed.at).toISOString() };
  }

  /**
   * Before any quote or order: the account must be known and in the configured currency. Lune
   * unreachable while nothing is known fails as any call to it would.
   */
  async assertUsable(): Promise<void> {
    if (!this.observed) await this.refresh();
    const currency = this.observed!.currency;
    if (currency !== this.configured) {
      throw apiError(
        ErrorCode.UPSTREAM_UNAVAILABLE,
        `The offset-orders account is priced in ${currency}, not in the configured ${this.configured}: offset orders are refused until the configuration matches`,
        {
          reason: 'ACCOUNT_CURRENCY_MISMATCH',
        },
      );
    }
  }
}
