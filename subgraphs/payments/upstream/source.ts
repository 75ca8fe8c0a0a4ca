import DataLoader from 'dataloader';
import type { z } from 'zod';
import { inScope, type CallerScope } from '../../../lib/access.ts';
import { upstreamBearer } from '../../../lib/auth.ts';
import {
  offsetConnection,
  offsetPage,
  windowFromPages,
  type Connection,
  type ConnectionArgs,
  type OffsetPage,
} from '../../../lib/connection.ts';
import { mapConcurrent } from '../../../lib/batch.ts';
import { dec } from '../../../lib/decimal.ts';
import { unauthenticated } from '../../../lib/errors.ts';
import type { UpstreamClient, UpstreamRequest } from '../../../lib/http-client.ts';
import type { Logger } from '../../../lib/logger.ts';
import { jsonNumber, parseUpstream, UpstreamContractError } from '../../../lib/upstream-contract.ts';
import type { Database, EntityManager } from '../../../lib/db.ts';
import {
  looseId,
  matchesRequest,
  mismatch,
  type JournalAnswer,
  type WriteJournal,
} from '../../../lib/write-journal.ts';
import type { FilterQuery } from '@mikro-orm/core';
import { PaymentTransaction } from '../local/entities.ts';
import { toRecord } from '../local/mapping.ts';
import { LocalPaymentsSource } from '../local/source.ts';
import type {
  BalanceKey,
  BankAccountRecord,
  Listing,
  MoneyValue,
  NewBankAccount,
  NewPaymentTransaction,
  NewTransfer,
  PaymentStatsTotalsRecord,
  PaymentTransactionFilter,
  PaymentTransactionRecord,
  PaymentTransactionType,
  PaymentsSource,
  TransferRecord,
} from '../source.ts';
import {
  MAX_UPSTREAM_PAGE,
  PAYMENTS_ROUTES as R,
  PAYMENTS_SCHEMAS,
  type ParsedBankAccount,
  type ParsedGlobalStats,
  type ParsedQuarterlyStats,
  type ParsedTransfer,
} from './client.ts';
import { fromCo2Trust, refusalToDomainError, toUpstreamType } from './mappers.ts';

type Query = UpstreamRequest['query'];

type ListSchema = 'transactions' | 'bankAccounts' | 'transfers';
type Row<K extends ListSchema> = z.output<(typeof PAYMENTS_SCHEMAS)[K]>['items'][number];

/** Parents whose payments are read at once (one call each: the document filters by one id). */
const SUBJECT_CONCURRENCY = 8;

const newestFirst = <T extends { createdAt: Date; id: string }>(a: T, b: T) =>
  b.createdAt.getTime() - a.createdAt.getTime() || b.id.localeCompare(a.id);

export interface UpstreamPaymentsStore {
  db: Database;
  journal: WriteJournal;
  extensions?: Record<string, unknown>;
}

/** Payments over the CO2Trust payment services REST API. */
export class UpstreamPaymentsSource implements PaymentsSource {
  private readonly client: UpstreamClient;
  /** The caller's scope per type (policy.ts) and whom writes act for. */
  private readonly access: CallerScope;
  private readonly backendSecretKey: string | undefined;
  private readonly logger: Logger | undefined;

  /** The layer's own store (payments recorded by services, the write journal); absent in unit uses. */
  private readonly db: Database | undefined;
  private readonly local: (() => EntityManager) | undefined;
  private readonly journal: WriteJournal | undefined;
  /** The response's `extensions` of this request (the idempotency key given, warnings). */
  private readonly extensions: Record<string, unknown> | undefined;
  /** The caller's own transactions, read whole at most once per request (see `ownTransactions`). */
  private own: Promise<PaymentTransactionRecord[]> | null = null;

  constructor(
    client: UpstreamClient,
    access: CallerScope,
    backendSecretKey: string | undefined,
    logger?: Logger,
    store?: UpstreamPaymentsStore,
  ) {
    this.client = client;
    this.access = access;
    this.backendSecretKey = backendSecretKey;
    this.logger = logger;
    this.db = store?.db;
    this.local = store ? () => store.db.fork() : undefined;
    this.journal = store?.journal;
    this.extensions = store?.extensions;
  }

  private journalOf(): WriteJournal {
    if (!this.journal) throw new Error('payments upstream mode has no write journal');
    return this.journal;
  }

  /** The caller's CO2Trust bearer token, when the caller has one. */
  private auth(): Record<string, string> {
    return upstreamBearer(this.access.actor);
  }

  /** Whether the caller sees every payment (an admin): the account-wide list routes then. */
  private seesAll() {
    return this.access.of('PaymentTransaction').all;
  }

  /** Rows inside the caller's scope, in case the upstream answers more than the caller's own. */
  private visible(rows: PaymentTransactionRecord[]): PaymentTransactionRecord[] {
    const scope = this.access.of('PaymentTransaction');
    return scope.all ? rows : rows.filter((t) => inScope(scope, {}, t.payerId) || inScope(scope, {}, t.payeeId));
  }

  /**
   * One user's rows of a list the upstream answers for the token's user (bank accounts, the user's
   * payments) or, for an admin's token, for everyone (transfers): the document gives no user
   * filter, so the list is read whole and narrowed to the user here, then windowed. An admin asking
   * for another user's list gets what the admin's token is answered for that user, which may be none.
   */
  private async ofUser<K extends ListSchema, R extends { createdAt: Date; id: string }>(
    path: string,
    schema: K,
    userId: string,
    page: OffsetPage,
    map: (row: Row<K>) => R,
    owners: (r: R) => (string | null)[],
  ): Promise<Connection<R>> {
    const rows = (await this.all(path, schema, {})).map(map).filter((r) => owners(r).includes(userId));
    return this.windowOf(rows, page);
  }

  private async page<K extends ListSchema>(
    path: string,
    schema: K,
    query: Query,
    pageNumber: number,
    size: number,
  ): Promise<{ total: number; items: Row<K>[] }> {
    return (await this.read(path, PAYMENTS_SCHEMAS[schema] as z.ZodType, { ...query, page: pageNumber, size })) as {
      total: number;
      items: Row<K>[];
    };
  }

  /** Every row of a list, in pages of the largest size: a bounded number of calls per list. */
  private async all<K extends ListSchema>(path: string, schema: K, query: Query): Promise<Row<K>[]> {
    const first = await this.page(path, schema, query, 1, MAX_UPSTREAM_PAGE);
    const rest = await Promise.all(
      Array.from({ length: Math.max(0, Math.ceil(first.total / MAX_UPSTREAM_PAGE) - 1) }, (_, i) =>
        this.page(path, schema, query, i + 2, MAX_UPSTREAM_PAGE),
      ),
    );
    return [first, ...rest].flatMap((p) => p.items);
  }

  private pagedList<K extends ListSchema, R>(
    path: string,
    schema: K,
    query: Query,
    page: OffsetPage,
    map: (row: Row<K>) => R,
  ): Promise<Connection<R>> {
    return windowFromPages(page, async (pageNumber, size) => {
      const res = await this.page(path, schema, { ...query, order: 'desc' }, pageNumber, size);
      return { items: res.items.map(map), total: res.total };
    });
  }

  /** A documented GET, its body checked against the route's schema (an UPSTREAM_CONTRACT error otherwise). */
  private async read<S extends z.ZodType>(path: string, schema: S, query: Query = {}): Promise<z.output<S>> {
    return this.parse(schema, `GET ${path}`, await this.client.json<unknown>({ path, headers: this.auth(), query }));
  }

  private parse<S extends z.ZodType>(schema: S, route: string, body: unknown): z.output<S> {
    return parseUpstream(schema, body, { upstream: this.client.name, route, logger: this.logger });
  }

  /**
   * The parts of `paymentStats` a request selects, read at most once each: both parts are one
   * GET /payment-stats, one part alone its own documented route.
   */
  private readonly stats = new DataLoader<'global' | 'quarterly', ParsedGlobalStats | ParsedQuarterlyStats[]>(
    async (parts) => {
      if (new Set(parts).size > 1) {
        const all = await this.read(R.stats, PAYMENTS_SCHEMAS.stats);
        return parts.map((p) => all[p]);
      }
      return parts[0] === 'global'
        ? [await this.read(R.globalStats, PAYMENTS_SCHEMAS.globalStats)]
        : [await this.read(R.quarterlyStats, PAYMENTS_SCHEMAS.quarterlyStats)];
    },
  );

  /** The completed payments the layer recorded itself, added to the upstream's stats. */
  private static withRecorded<T extends PaymentStatsTotalsRecord>(stats: T, own: PaymentTransactionRecord[]): T {
    const volumes = stats.volumes.map((v) => ({ volume: { ...v.volume }, transactionCount: v.transactionCount }));
    for (const t of own) {
      let v = volumes.find((x) => x.volume.currency === t.amount.currency);
      if (!v) volumes.push((v = { volume: { amount: dec(0), currency: t.amount.currency }, transactionCount: 0 }));
      v.volume.amount = v.volume.amount.add(t.amount.amount);
      v.transactionCount++;
    }
    return {
      ...stats,
      transactionCount: stats.transactionCount + own.length,
      volumes: volumes.sort((a, b) => a.volume.currency.localeCompare(b.volume.currency)),
    };
  }

  private recordedCompleted = () => this.recorded({ status: 'COMPLETED' });

  async globalStats() {
    const [stats, own] = await Promise.all([this.stats.load('global'), this.recordedCompleted()]);
    return UpstreamPaymentsSource.withRecorded(fromCo2Trust.globalStats(stats as ParsedGlobalStats), own);
  }

  async quarterlyStats() {
    const [rows, own] = await Promise.all([this.stats.load('quarterly'), this.recordedCompleted()]);
    const quarter = (d: Date) => ({ year: d.getUTCFullYear(), quarter: Math.floor(d.getUTCMonth() / 3) + 1 });
    const all = (rows as ParsedQuarterlyStats[]).map(fromCo2Trust.quarterlyStats);
    for (const t of own) {
      const q = quarter(t.createdAt);
      if (!all.some((s) => s.year === q.year && s.quarter === q.quarter))
        all.push({ ...q, transactionCount: 0, volumes: [] });
    }
    return all
      .map((s) =>
        UpstreamPaymentsSource.withRecorded(
          s,
          own.filter((t) => quarter(t.createdAt).year === s.year && quarter(t.createdAt).quarter === s.quarter),
        ),
      )
      .sort((a, b) => a.year - b.year || a.quarter - b.quarter);
  }

  /**
   * Payments the layer recorded itself (services' payments; the document has no route to record
   * one): one SQL statement, none when there is no local store.
   */
  private async recorded(where: FilterQuery<PaymentTransaction>): Promise<PaymentTransactionRecord[]> {
    if (!this.local) return [];
    return (await this.local().find(PaymentTransaction, where)).map(toRecord.paymentTransaction);
  }

  async paymentTransactions({ page, filter, order }: Listing<PaymentTransactionFilter>) {
    if (!this.access.actor) throw unauthenticated();
    const own = this.visible(
      await this.recorded({
        ...(filter.type ? { type: filter.type } : {}),
        ...(filter.typeId ? { typeId: { $in: filter.typeId.split(',') } } : {}),
      }),
    );
    // "Get User Payment Transactions" takes `page`, `size`, `order` only (line 291): a user's list
    // with a type filter is read whole and filtered here.
    const filtered = Boolean(filter.type || filter.typeId);
    const byUser = !this.seesAll();
    if (own.length > 0 || (byUser && filtered)) {
      // Merged with the upstream's whole list (paged lists cannot interleave two sources).
      const rows = byUser
        ? (await this.ownTransactions()).filter(
            (t) => (!filter.type || t.type === filter.type) && (!filter.typeId || t.typeId === filter.typeId),
          )
        : (
            await this.all(R.transactions, 'transactions', {
              payment_transaction_type: filter.type ? toUpstreamType(filter.type) : 'all',
              payment_transaction_type_id: filter.typeId ?? undefined,
            })
          ).map(fromCo2Trust.paymentTransaction);
      const merged = [...this.visible(rows), ...own].sort(newestFirst);
      if (order === 'ASC') merged.reverse();
      const window = offsetPage(page, 'PaymentTransaction');
      return offsetConnection(merged.slice(window.offset, window.offset + window.limit + 1), window, merged.length);
    }
    const connection = await windowFromPages(offsetPage(page, 'PaymentTransaction'), async (pageNumber, size) => {
      const res = await this.page(
        byUser ? R.userTransactions : R.transactions,
        'transactions',
        byUser
          ? { order: order.toLowerCase() }
          : {
              order: order.toLowerCase(),
              payment_transaction_type: filter.type ? toUpstreamType(filter.type) : 'all',
              payment_transaction_type_id: filter.typeId ?? undefined,
            },
        pageNumber,
        size,
      );
      return { items: this.visible(res.items.map(fromCo2Trust.paymentTransaction)), total: res.total };
    });
    return connection;
  }

  /**
   * The caller's own list ("Get User Payment Transactions": `page`, `size`, `order` only, line
   * 291), read whole once per request and shared by every part that needs it (a type filter, the
   * payments of orders, NFTs and suppliers, a user's payments, balances).
   */
  private ownTransactions(): Promise<PaymentTransactionRecord[]> {
    this.own ??= this.all(R.userTransactions, 'transactions', {}).then((rows) =>
      rows.map(fromCo2Trust.paymentTransaction),
    );
    return this.own;
  }

  /**
   * An admin: one call (per 100 matching rows) per distinct parent, at most SUBJECT_CONCURRENCY in
   * flight: `payment_transaction_type_id` is "Filter by specific ID" (CO2Trust API, "List Payment
   * Transactions", line 284), one id per call. A user: their own list, whole, once for the batch
   * ("Get User Payment Transactions" documents no type filter, line 291), picked here.
   */
  async paymentsOfSubjects(type: PaymentTransactionType, typeIds: readonly string[], args: ConnectionArgs) {
    const page = offsetPage(args, 'PaymentTransaction');
    if (typeIds.length === 0) return [];
    let rows: PaymentTransactionRecord[];
    if (this.seesAll()) {
      const settled = await mapConcurrent([...new Set(typeIds)], SUBJECT_CONCURRENCY, (id) =>
        this.all(R.transactions, 'transactions', {
          order: 'desc',
          payment_transaction_type: toUpstreamType(type),
          payment_transaction_type_id: id,
        }),
      );
      const failed = settled.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      rows = settled.flatMap((r) => (r.status === 'fulfilled' ? r.value : [])).map(fromCo2Trust.paymentTransaction);
    } else {
      const wanted = new Set(typeIds);
      rows = (await this.ownTransactions()).filter((t) => t.type === type && wanted.has(t.typeId));
    }
    const records = this.visible([...rows, ...(await this.recorded({ type, typeId: { $in: [...typeIds] } }))]);
    return typeIds.map((id) =>
      this.windowOf(
        records.filter((t) => t.typeId === id),
        page,
      ),
    );
  }

  private windowOf<T extends { createdAt: Date; id: string }>(rows: T[], page: OffsetPage): Connection<T> {
    const sorted = [...rows].sort(newestFirst);
    return offsetConnection(sorted.slice(page.offset, page.offset + page.limit + 1), page, sorted.length);
  }

  /** An admin reads the account-wide list (documented without a user filter) once for every user asked. */
  async paymentTransactionsOfUsers(userIds: readonly string[], args: ConnectionArgs) {
    const page = offsetPage(args, 'PaymentTransaction');
    const ids = [...userIds];
    const own = ids.length
      ? this.visible(await this.recorded({ $or: [{ payerId: { $in: ids } }, { payeeId: { $in: ids } }] }))
      : [];
    if (!this.seesAll()) {
      const rows = ids.length ? await this.ownTransactions() : [];
      return userIds.map((id) =>
        this.windowOf(
          [...rows, ...own].filter((t) => t.payerId === id || t.payeeId === id),
          page,
        ),
      );
    }
    const all = userIds.length
      ? (await this.all(R.transactions, 'transactions', {})).map(fromCo2Trust.paymentTransaction)
      : [];
    return userIds.map((id) =>
      this.windowOf(
        [...all, ...own].filter((t) => t.payerId === id || t.payeeId === id),
        page,
      ),
    );
  }

  bankAccountsOfUsers(userIds: readonly string[], args: ConnectionArgs) {
    const page = offsetPage(args, 'BankAccount');
    return Promise.all(
      userIds.map((id) =>
        this.ofUser(R.bankAccounts, 'bankAccounts', id, page, fromCo2Trust.bankAccount, (a) => [a.userId]),
      ),
    );
  }

  transfersOfUsers(userIds: readonly string[], args: ConnectionArgs) {
    const page = offsetPage(args, 'Transfer');
    return Promise.all(
      userIds.map((id) => this.ofUser(R.transfers, 'transfers', id, page, fromCo2Trust.transfer, (t) => [t.userId])),
    );
  }

  /** The upstream has no account lookup by id: the caller's account list is read once. */
  async bankAccountsOf(keys: readonly { userId: string; id: string }[]) {
    const accounts = keys.length
      ? (await this.all(R.bankAccounts, 'bankAccounts', {})).map(fromCo2Trust.bankAccount)
      : [];
    return keys.map((k) => accounts.find((a) => a.id === k.id && a.userId === k.userId) ?? null);
  }

  /** No balance endpoint is documented: completed incoming payments minus transfers, from the lists. */
  async availableBalances(keys: readonly BalanceKey[]): Promise<MoneyValue[]> {
    const owners = [...new Set(keys.map((k) => k.userId))];
    const [transactions, transfers] = owners.length
      ? await Promise.all([this.ownTransactions(), this.all(R.transfers, 'transfers', {})])
      : [[], []];
    const own = owners.length ? await this.recorded({ payeeId: { $in: owners }, status: 'COMPLETED' }) : [];
    const ledgers = owners.map((userId) => ({
      userId,
      transactions: [...transactions, ...own],
      transfers: transfers.map(fromCo2Trust.transfer).filter((t) => t.userId === userId),
    }));
    return keys.map(({ userId, currency }) => {
      const ledger = ledgers.find((l) => l.userId === userId)!;
      const incoming = ledger.transactions
        .filter((t) => t.payeeId === userId && t.status === 'COMPLETED' && t.amount.currency === currency)
        .reduce((sum, t) => sum.add(t.amount.amount), dec(0));
      const out = ledger.transfers
        .filter((t) => t.amount.currency === currency)
        .reduce((sum, t) => sum.add(t.amount.amount), dec(0));
      return { amount: incoming.sub(out), currency };
    });
  }

  /** Who writes: the journal's caller. */
  private writer(): string {
    const actor = this.access.actor;
    if (!actor) throw unauthenticated();
    return actor.id;
  }

  private answered<T>(answer: JournalAnswer<T>): T {
    if (this.extensions) {
      this.extensions.idempotencyKey = answer.key;
      if (answer.warning)
        this.extensions.warnings = [
          ...((this.extensions.warnings as unknown[] | undefined) ?? []),
          {
            code: answer.warning,
            message:
              'The payment services accepted the write but their answer could not be read; it shows what is known',
          },
        ];
    }
    if (answer.result === null) throw new UpstreamContractError(this.client.name, 'write', 'body', 'could not be read');
    return answer.result;
  }

  /**
   * A record this write created, from a documented list (newest first): the one with the known
   * id, else the oldest one matching every field sent, created since the write, that no other
   * write of the journal holds. Pages stop once they are older than the write.
   */
  private async findCreated<K extends ListSchema>(
    path: string,
    schema: K,
    body: Record<string, unknown>,
    args: { since: Date; upstreamId: string | null; claimed: (id: string) => Promise<boolean> },
  ): Promise<Row<K> | null> {
    const candidates: Row<K>[] = [];
    for (let n = 1; ; n++) {
      const res = await this.page(path, schema, { order: 'desc' }, n, MAX_UPSTREAM_PAGE);
      for (const row of res.items) {
        const r = row as Row<K> & { id: string; created_at: Date };
        if (
          args.upstreamId !== null
            ? r.id === args.upstreamId
            : r.created_at >= args.since && matchesRequest(this.rawOf(row), body)
        )
          candidates.push(row);
      }
      const oldest = res.items.at(-1) as { created_at: Date } | undefined;
      if (n * MAX_UPSTREAM_PAGE >= res.total || !oldest || (args.upstreamId === null && oldest.created_at < args.since))
        break;
    }
    for (const row of candidates.reverse())
      if (args.upstreamId !== null || !(await args.claimed((row as { id: string }).id))) return row;
    return null;
  }

  /** A parsed row back to the wire form the request was written in (amounts as numbers). */
  private rawOf(row: unknown): Record<string, unknown> {
    return Object.fromEntries(
      Object.entries(row as Record<string, unknown>).map(([k, v]) => [
        k,
        v && typeof v === 'object' && 'toFixed' in v ? String(v) : v,
      ]),
    );
  }

  async createBankAccount(input: NewBankAccount): Promise<BankAccountRecord> {
    const body = {
      holder_name: input.holderName,
      iban: input.iban,
      bic: input.bic,
      currency: input.currency,
      country_code: input.countryCode,
    };
    const route = `POST ${R.bankAccounts}`;
    try {
      return this.answered(
        await this.journalOf().run({
          caller: this.writer(),
          operation: 'createBankAccount',
          key: null,
          repeatSends: true,
          request: body,
          upstream: 'CO2Trust payment',
          send: () => this.client.json<unknown>({ method: 'POST', path: R.bankAccounts, headers: this.auth(), body }),
          read: (row) => fromCo2Trust.bankAccount(this.parse(PAYMENTS_SCHEMAS.bankAccount, route, row)),
          idOf: looseId,
          find: async (args) =>
            this.findCreated(R.bankAccounts, 'bankAccounts', body, args).then((r) => r && this.wire.bankAccount(r)),
          // Only the last four characters of the IBAN are kept.
          store: (row) => ({
            ...(row as object),
            iban: `****${String((row as { iban?: unknown }).iban ?? '')
              .replace(/\s+/g, '')
              .slice(-4)}`,
          }),
          echo: (id) =>
            id
              ? {
                  id,
                  userId: this.writer(),
                  holderName: input.holderName,
                  ibanLast4: input.iban.slice(-4),
                  bic: input.bic,
                  currency: input.currency,
                  countryCode: input.countryCode,
                  createdAt: new Date(),
                }
              : null,
        }),
      );
    } catch (error) {
      throw refusalToDomainError(error);
    }
  }

  /** Parsed rows back to the JSON the journal stores (and parses again on a replay). */
  private readonly wire = {
    bankAccount: (r: ParsedBankAccount) => ({ ...r, created_at: r.created_at.toISOString() }),
    transfer: (r: ParsedTransfer) => ({ ...r, amount: r.amount.toString(), created_at: r.created_at.toISOString() }),
  };

  /**
   * The document defines no idempotency for POST /transfers (CO2Trust API document, "Create Transfer"): the
   * journal keeps the caller's key, the transfer is sent once, and a lost answer is settled from
   * GET /transfers when the caller retries with the key.
   */
  async createTransfer(input: NewTransfer): Promise<TransferRecord> {
    const body = {
      bank_account_id: input.bankAccountId,
      amount: jsonNumber.parse(input.amount),
      currency: input.currency,
      reference: input.reference,
    };
    const route = `POST ${R.transfers}`;
    try {
      return this.answered(
        await this.journalOf().run({
          caller: this.writer(),
          operation: 'createTransfer',
          key: input.idempotencyKey,
          request: body,
          upstream: 'CO2Trust payment',
          mismatch: mismatch('This idempotency key was used for a different transfer'),
          send: () => this.client.json<unknown>({ method: 'POST', path: R.transfers, headers: this.auth(), body }),
          read: (row) => fromCo2Trust.transfer(this.parse(PAYMENTS_SCHEMAS.transfer, route, row)),
          idOf: looseId,
          find: async (args) =>
            this.findCreated(R.transfers, 'transfers', body, args).then((r) => r && this.wire.transfer(r)),
          echo: (id) =>
            id
              ? {
                  id,
                  userId: this.writer(),
                  bankAccountId: input.bankAccountId,
                  amount: { amount: input.amount, currency: input.currency },
                  status: 'UNKNOWN' as TransferRecord['status'],
                  reference: input.reference,
                  createdAt: new Date(),
                }
              : null,
        }),
      );
    } catch (error) {
      throw refusalToDomainError(error);
    }
  }

  /**
   * The document has no route to record a payment (CO2Trust API document, "Payment Transactions" lists only
   * reads): the layer records it in its own payments table, once per external reference, and the
   * payment lists show it beside the upstream's.
   */
  async recordPaymentTransaction(input: NewPaymentTransaction): Promise<PaymentTransactionRecord> {
    if (!this.db) throw new Error('payments upstream mode has no local store');
    return new LocalPaymentsSource(this.db, this.access).recordPaymentTransaction(input);
  }
}
