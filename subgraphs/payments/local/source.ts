import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, raw, type EntityClass } from '@mikro-orm/core';
import { scopeFilter, type CallerScope } from '../../../lib/access.ts';
import type { Viewer } from '../../../lib/auth.ts';
import { byCreation, keysetPage, withNodes, type Connection, type ConnectionArgs } from '../../../lib/connection.ts';
import type { Database, EntityManager } from '../../../lib/db.ts';
import {
  keysetRows,
  placeholders,
  readerOf,
  rowsWhere,
  whereSql,
  type RowFilter,
  type RowReader,
} from '../../../lib/rows.ts';
import { minorUnits, toMinor } from '../../../lib/decimal.ts';
import { DomainError, forbidden, unauthenticated } from '../../../lib/errors.ts';
import type {
  BalanceKey,
  BankAccountRecord,
  Listing,
  NewBankAccount,
  NewPaymentTransaction,
  NewTransfer,
  PaymentStatsTotalsRecord,
  PaymentTransactionFilter,
  PaymentTransactionRecord,
  PaymentTransactionType,
  PaymentsSource,
  QuarterlyPaymentStatsRecord,
  TransferRecord,
} from '../source.ts';
import { requestFingerprint } from '../validation.ts';
import { Balance, BankAccount, PaymentTransaction, Transfer } from './entities.ts';
import { money, toRecord } from './mapping.ts';

type Row = Record<string, unknown>;

const transferFingerprint = (userId: string, t: NewTransfer) =>
  requestFingerprint({
    userId,
    bankAccountId: t.bankAccountId,
    amount: t.amount.toFixed(minorUnits(t.currency)),
    currency: t.currency,
    reference: t.reference,
  });

const transactionFingerprint = (t: {
  type: string;
  typeId: string;
  payerId: string;
  payeeId: string | null;
  amountMinor: bigint;
  currency: string;
  status: string;
}) =>
  requestFingerprint({
    type: t.type,
    typeId: t.typeId,
    payerId: t.payerId,
    payeeId: t.payeeId,
    amountMinor: t.amountMinor.toString(),
    currency: t.currency,
    status: t.status,
  });

/**
 * Payments as its own system of record. Reads are plain rows on statements prepared once
 * (`Database.select`, lib/rows.ts: no managed entities); writes go through the ORM's unit of work,
 * forked only when a request writes.
 */
export class LocalPaymentsSource implements PaymentsSource {
  private readonly db: Database;
  private forked: EntityManager | undefined;
  /** The caller's scope per type (policy.ts) and whom writes act for. */
  private readonly access: CallerScope;

  constructor(db: Database, access: CallerScope) {
    this.db = db;
    this.access = access;
  }

  /** The unit of work of writes, forked on first use. */
  private get em(): EntityManager {
    this.forked ??= this.db.fork();
    return this.forked;
  }

  private reader<E extends object>(entity: EntityClass<E>): RowReader<E> {
    return readerOf(this.db, entity);
  }

  private caller(): Viewer {
    if (!this.access.actor) throw unauthenticated();
    return this.access.actor;
  }

  private table(name: string): string {
    return this.db.table(name);
  }

  /** SQL year and quarter (UTC) of `created_at`, per dialect. */
  private yearQuarter(): { year: string; quarter: string } {
    if (this.db.kind === 'postgresql') {
      return {
        year: `cast(extract(year from created_at at time zone 'UTC') as integer)`,
        quarter: `cast(extract(quarter from created_at at time zone 'UTC') as integer)`,
      };
    }
    // MikroORM keeps SQLite datetimes as epoch milliseconds.
    const ts = `datetime(created_at / 1000, 'unixepoch')`;
    return {
      year: `cast(strftime('%Y', ${ts}) as integer)`,
      quarter: `((cast(strftime('%m', ${ts}) as integer) + 2) / 3)`,
    };
  }

  /** Transactions inside the caller's scope (policy.ts: those the caller paid or received; all for an admin). */
  private visibleSql(alias = 't'): { sql: string; params: string[] } {
    const scope = this.access.of('PaymentTransaction');
    if (scope.all) return { sql: '1 = 1', params: [] };
    if (scope.ownerId === null) return { sql: '1 = 0', params: [] };
    return { sql: `(${alias}.payer_id = ? or ${alias}.payee_id = ?)`, params: [scope.ownerId, scope.ownerId] };
  }

  private visibleFilter(): RowFilter {
    return scopeFilter(this.access.of('PaymentTransaction'), ['payerId', 'payeeId']) as RowFilter;
  }

  async globalStats(): Promise<PaymentStatsTotalsRecord> {
    const rows = await this.db.select<Row>(
      `select currency, count(*) as n, sum(amount_minor) as total from ${this.table('payment_transactions')} where status = 'COMPLETED' group by currency order by currency`,
    );
    const volumes = rows.map((r) => ({
      volume: money(String(r.total), String(r.currency)),
      transactionCount: Number(r.n),
    }));
    return { transactionCount: volumes.reduce((n, v) => n + v.transactionCount, 0), volumes };
  }

  async quarterlyStats(): Promise<QuarterlyPaymentStatsRecord[]> {
    const { year, quarter } = this.yearQuarter();
    const rows = await this.db.select<Row>(
      `select ${year} as y, ${quarter} as q, currency, count(*) as n, sum(amount_minor) as total
       from ${this.table('payment_transactions')} where status = 'COMPLETED'
       group by 1, 2, 3 order by 1, 2, 3`,
    );
    const quarters: QuarterlyPaymentStatsRecord[] = [];
    for (const r of rows) {
      const y = Number(r.y);
      const q = Number(r.q);
      let last = quarters.at(-1);
      if (!last || last.year !== y || last.quarter !== q) {
        last = { year: y, quarter: q, transactionCount: 0, volumes: [] };
        quarters.push(last);
      }
      last.transactionCount += Number(r.n);
      last.volumes.push({ volume: money(String(r.total), String(r.currency)), transactionCount: Number(r.n) });
    }
    return quarters;
  }

  async paymentTransactions({
    page: args,
    filter,
    order,
    totalCount,
  }: Listing<PaymentTransactionFilter>): Promise<Connection<PaymentTransactionRecord>> {
    const where: RowFilter = {
      $and: [
        this.visibleFilter(),
        filter.type ? { type: filter.type } : {},
        filter.typeId ? { typeId: filter.typeId } : {},
      ],
    };
    const page = keysetPage(args, byCreation<PaymentTransaction>('PaymentTransaction', order));
    const connection = await keysetRows(this.db, this.reader(PaymentTransaction), where, page, totalCount !== false);
    return withNodes(connection, connection.nodes.map(toRecord.paymentTransaction));
  }

  /**
   * One statement for a batch of parents: each parent's rows inside the keyset page numbered in
   * reading order (one more than the page tells whether it goes on), and each parent's first row,
   * which carries the parent's total.
   */
  private async windows<E extends { createdAt: Date; id: string }, R>(
    entity: EntityClass<E>,
    list: string,
    from: string,
    params: unknown[],
    keys: readonly string[],
    args: ConnectionArgs,
    toRec: (e: E) => R,
  ): Promise<Connection<R>[]> {
    if (keys.length === 0) return [];
    const page = keysetPage(args, byCreation<E>(list, 'DESC'));
    const column = (field: string) => (field === 'createdAt' ? 'x.created_at' : 'x.id');
    const boundParams: unknown[] = [];
    const bounds = whereSql({ column }, page.where, boundParams) || '1 = 1';
    const order = page.order.map((o) => `${column(o.field)} ${o.direction.toLowerCase()}`).join(', ');
    const reader = this.reader(entity);
    const rows = await this.db.select<Row>(
      `select * from (
         select x.*, row_number() over (partition by x.part_key, case when ${bounds} then 1 else 0 end order by ${order}) as rn,
                count(*) over (partition by x.part_key) as total,
                case when ${bounds} then 1 else 0 end as in_page
         from (${from}) x
       ) w
       where w.rn = 1 or (w.in_page = 1 and w.rn <= ?)
       order by w.part_key, w.rn`,
      [...boundParams, ...boundParams, ...params, page.take],
    );
    const grouped = new Map<string, { rows: E[]; total: number }>();
    for (const row of rows) {
      const key = String(row.part_key);
      const group = grouped.get(key) ?? { rows: [], total: Number(row.total) };
      grouped.set(key, group);
      if (Number(row.in_page) === 1 && Number(row.rn) <= page.take) {
        group.rows.push(reader.toEntity(row));
      }
    }
    return keys.map((key) => {
      const group = grouped.get(key);
      const connection = page.connection(group?.rows ?? [], group?.total ?? 0);
      return withNodes(connection, connection.nodes.map(toRec));
    });
  }

  paymentsOfSubjects(type: PaymentTransactionType, typeIds: readonly string[], page: ConnectionArgs) {
    const visible = this.visibleSql();
    return this.windows(
      PaymentTransaction,
      'PaymentTransaction',
      `select t.*, t.type_id as part_key from ${this.table('payment_transactions')} t
       where t.type = ? and t.type_id in (${placeholders(typeIds.length)}) and ${visible.sql}`,
      [type, ...typeIds, ...visible.params],
      typeIds,
      page,
      toRecord.paymentTransaction,
    );
  }

  paymentTransactionsOfUsers(userIds: readonly string[], page: ConnectionArgs) {
    const ids = placeholders(userIds.length);
    const table = this.table('payment_transactions');
    return this.windows(
      PaymentTransaction,
      'PaymentTransaction',
      `select t.*, t.payer_id as part_key from ${table} t where t.payer_id in (${ids})
       union all
       select t.*, t.payee_id as part_key from ${table} t where t.payee_id in (${ids}) and t.payee_id <> t.payer_id`,
      [...userIds, ...userIds],
      userIds,
      page,
      toRecord.paymentTransaction,
    );
  }

  bankAccountsOfUsers(userIds: readonly string[], page: ConnectionArgs): Promise<Connection<BankAccountRecord>[]> {
    return this.windows(
      BankAccount,
      'BankAccount',
      `select a.*, a.user_id as part_key from ${this.table('bank_accounts')} a where a.user_id in (${placeholders(userIds.length)})`,
      [...userIds],
      userIds,
      page,
      toRecord.bankAccount,
    );
  }

  transfersOfUsers(userIds: readonly string[], page: ConnectionArgs): Promise<Connection<TransferRecord>[]> {
    return this.windows(
      Transfer,
      'Transfer',
      `select t.*, t.user_id as part_key from ${this.table('transfers')} t where t.user_id in (${placeholders(userIds.length)})`,
      [...userIds],
      userIds,
      page,
      toRecord.transfer,
    );
  }

  async bankAccountsOf(keys: readonly { userId: string; id: string }[]) {
    if (keys.length === 0) return [];
    const rows = await rowsWhere(this.db, this.reader(BankAccount), {
      id: { $in: [...new Set(keys.map((k) => k.id))] },
    });
    const byKey = new Map(rows.map((a) => [`${a.userId}|${a.id}`, a]));
    return keys.map((k) => {
      const row = byKey.get(`${k.userId}|${k.id}`);
      return row ? toRecord.bankAccount(row) : null;
    });
  }

  async availableBalances(keys: readonly BalanceKey[]) {
    if (keys.length === 0) return [];
    const rows = await rowsWhere(this.db, this.reader(Balance), {
      $or: keys.map((k) => ({ userId: k.userId, currency: k.currency })),
    });
    const byKey = new Map(rows.map((r) => [`${r.userId}|${r.currency}`, r]));
    return keys.map((k) => money(byKey.get(`${k.userId}|${k.currency}`)?.availableMinor ?? 0n, k.currency));
  }

  async createBankAccount(input: NewBankAccount): Promise<BankAccountRecord> {
    const viewer = this.caller();
    try {
      return await this.em.transactional(async (em) => {
        const account = em.create(BankAccount, {
          id: randomUUID(),
          userId: viewer.id,
          ...input,
          createdAt: new Date(),
        });
        await em.flush();
        return toRecord.bankAccount(account);
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException)
        throw new DomainError('CONFLICT', 'You already have a bank account with this IBAN', 'input.iban');
      throw error;
    }
  }

  async createTransfer(input: NewTransfer): Promise<TransferRecord> {
    const viewer = this.caller();
    const hash = transferFingerprint(viewer.id, input);
    const replay = (existing: Transfer) => {
      if (existing.requestHash !== hash)
        throw new DomainError(
          'IDEMPOTENCY_MISMATCH',
          'This idempotency key was used for a different transfer',
          'input.idempotencyKey',
        );
      return toRecord.transfer(existing);
    };
    try {
      return await this.em.transactional(async (em) => {
        const account = await em.findOne(BankAccount, { id: input.bankAccountId });
        if (!account) throw new DomainError('NOT_FOUND', 'Bank account not found', 'input.bankAccountId');
        if (account.userId !== viewer.id) throw forbidden('You can only transfer from your own bank accounts');
        if (account.currency !== input.currency)
          throw new DomainError(
            'INVALID',
            `The bank account is held in ${account.currency}, not ${input.currency}`,
            'input.currency',
          );
        const existing = await em.findOne(Transfer, { userId: viewer.id, idempotencyKey: input.idempotencyKey });
        if (existing) return replay(existing);
        const minor = toMinor(input.amount, input.currency);
        // The guard and the debit are one statement: concurrent transfers cannot overdraw.
        const debited = await em.nativeUpdate(
          Balance,
          { userId: viewer.id, currency: input.currency, availableMinor: { $gte: minor } },
          { availableMinor: raw('available_minor - ?', [minor.toString()]) },
        );
        if (debited !== 1)
          throw new DomainError(
            'INSUFFICIENT_BALANCE',
            `The transfer exceeds your available ${input.currency} balance`,
            'input.amount',
          );
        const transfer = em.create(Transfer, {
          id: randomUUID(),
          userId: viewer.id,
          bankAccountId: account.id,
          amountMinor: minor,
          currency: input.currency,
          status: 'PENDING',
          reference: input.reference,
          idempotencyKey: input.idempotencyKey,
          requestHash: hash,
          createdAt: new Date(),
        });
        await em.flush();
        return toRecord.transfer(transfer);
      });
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      // A concurrent request with the same key won: its debit stands, ours was rolled back.
      const winner = await this.em
        .fork()
        .findOne(Transfer, { userId: viewer.id, idempotencyKey: input.idempotencyKey });
      if (!winner) throw error;
      return replay(winner);
    }
  }

  async recordPaymentTransaction(input: NewPaymentTransaction): Promise<PaymentTransactionRecord> {
    const row = {
      type: input.type,
      typeId: input.typeId,
      payerId: input.payerId,
      payeeId: input.payeeId,
      amountMinor: toMinor(input.amount, input.currency),
      currency: input.currency,
      status: input.status,
    };
    const hash = transactionFingerprint(row);
    const replay = (existing: PaymentTransaction) => {
      if (
        transactionFingerprint({
          ...existing,
          payeeId: existing.payeeId ?? null,
          amountMinor: BigInt(String(existing.amountMinor)),
        }) !== hash
      ) {
        throw new DomainError(
          'IDEMPOTENCY_MISMATCH',
          'This external reference was recorded with different data',
          'input.externalReference',
        );
      }
      return toRecord.paymentTransaction(existing);
    };
    try {
      return await this.em.transactional(async (em) => {
        const existing = await em.findOne(PaymentTransaction, { externalReference: input.externalReference });
        if (existing) return replay(existing);
        const created = em.create(PaymentTransaction, {
          id: randomUUID(),
          externalReference: input.externalReference,
          ...row,
          createdAt: new Date(),
        });
        await em.flush();
        if (input.status === 'COMPLETED' && input.payeeId)
          await this.credit(em, input.payeeId, input.currency, row.amountMinor);
        return toRecord.paymentTransaction(created);
      });
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      const winner = await this.em.fork().findOne(PaymentTransaction, { externalReference: input.externalReference });
      if (!winner) throw error;
      return replay(winner);
    }
  }

  /** Adds a completed incoming payment to the payee's available balance. */
  private async credit(em: EntityManager, userId: string, currency: string, minor: bigint) {
    await em
      .createQueryBuilder(Balance)
      .insert({ userId, currency, availableMinor: 0n })
      .onConflict(['userId', 'currency'])
      .ignore()
      .execute();
    await em.nativeUpdate(
      Balance,
      { userId, currency },
      { availableMinor: raw('available_minor + ?', [minor.toString()]) },
    );
  }
}
