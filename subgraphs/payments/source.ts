// The port of the payments subgraph: the data operations its resolvers need, in domain types.
// `local/` (MikroORM, the system of record) and `upstream/` (the CO2Trust payment services)
// implement it and return the same records.
import type { Viewer } from '../../lib/auth.ts';
import type { Connection, ConnectionArgs } from '../../lib/connection.ts';
import type { Decimal } from '../../lib/decimal.ts';

export type PaymentTransactionType = 'ORDER' | 'SUPPLIER' | 'NFT';
export type PaymentTransactionStatus = 'PENDING' | 'COMPLETED' | 'FAILED';
export type TransferStatus = 'PENDING' | 'COMPLETED';
export type SortDirection = 'ASC' | 'DESC';

export interface MoneyValue {
  amount: Decimal;
  currency: string;
}

export interface PaymentTransactionRecord {
  id: string;
  type: PaymentTransactionType;
  typeId: string;
  externalReference: string;
  payerId: string;
  payeeId: string | null;
  amount: MoneyValue;
  status: PaymentTransactionStatus;
  createdAt: Date;
}

/** A bank account as it may leave the adapters: never the full IBAN. */
export interface BankAccountRecord {
  id: string;
  userId: string;
  holderName: string;
  ibanLast4: string;
  bic: string;
  currency: string;
  countryCode: string;
  createdAt: Date;
}

export interface TransferRecord {
  id: string;
  userId: string;
  bankAccountId: string;
  amount: MoneyValue;
  status: TransferStatus;
  reference: string | null;
  createdAt: Date;
}

export interface PaymentVolumeRecord {
  volume: MoneyValue;
  transactionCount: number;
}

export interface PaymentStatsTotalsRecord {
  transactionCount: number;
  /** By currency code. */
  volumes: PaymentVolumeRecord[];
}

export interface QuarterlyPaymentStatsRecord extends PaymentStatsTotalsRecord {
  year: number;
  quarter: number;
}

/** Marker of the `paymentStats` root: its fields load their own figures. */
export type PaymentStatsRoot = Record<string, never>;

export interface PaymentTransactionFilter {
  /** null = every type. */
  type: PaymentTransactionType | null;
  typeId: string | null;
}

export interface Listing<F> {
  /** Relay arguments: keyset cursors in local mode, offset cursors upstream (validated by each source). */
  page: ConnectionArgs;
  filter: F;
  order: SortDirection;
  /** False when the client did not select `totalCount`: the source may skip counting (it is then null). */
  totalCount?: boolean;
}

/** Validated input of `createBankAccount` (IBAN without spaces, upper case). */
export interface NewBankAccount {
  holderName: string;
  iban: string;
  bic: string;
  currency: string;
  countryCode: string;
}

/** Validated input of `createTransfer`. */
export interface NewTransfer {
  bankAccountId: string;
  amount: Decimal;
  currency: string;
  idempotencyKey: string;
  reference: string | null;
}

/** Validated input of `recordPaymentTransaction`. */
export interface NewPaymentTransaction {
  externalReference: string;
  type: PaymentTransactionType;
  typeId: string;
  payerId: string;
  payeeId: string | null;
  amount: Decimal;
  currency: string;
  status: PaymentTransactionStatus;
}

/** Whose balance in which currency. */
export interface BalanceKey {
  userId: string;
  currency: string;
}

export interface PaymentsSource {
  globalStats(): Promise<PaymentStatsTotalsRecord>;
  quarterlyStats(): Promise<QuarterlyPaymentStatsRecord[]>;

  /** Transactions visible to the viewer (all for an admin, else those the viewer paid or received). */
  paymentTransactions(listing: Listing<PaymentTransactionFilter>): Promise<Connection<PaymentTransactionRecord>>;
  /** One batch for many orders, suppliers or NFTs: the same window of each one's visible transactions, newest first. */
  paymentsOfSubjects(
    type: PaymentTransactionType,
    typeIds: readonly string[],
    page: ConnectionArgs,
  ): Promise<Connection<PaymentTransactionRecord>[]>;

  /** One batch for many users (the caller, or anyone for an admin): transactions each paid or received. */
  paymentTransactionsOfUsers(
    userIds: readonly string[],
    page: ConnectionArgs,
  ): Promise<Connection<PaymentTransactionRecord>[]>;
  bankAccountsOfUsers(userIds: readonly string[], page: ConnectionArgs): Promise<Connection<BankAccountRecord>[]>;
  transfersOfUsers(userIds: readonly string[], page: ConnectionArgs): Promise<Connection<TransferRecord>[]>;
  /** Accounts by id and owner (the owner is known wherever an account is referenced). */
  bankAccountsOf(keys: readonly { userId: string; id: string }[]): Promise<(BankAccountRecord | null)[]>;
  availableBalances(keys: readonly BalanceKey[]): Promise<MoneyValue[]>;

  /** For the viewer. A duplicate IBAN is a CONFLICT DomainError. */
  createBankAccount(input: NewBankAccount): Promise<BankAccountRecord>;
  /** For the viewer, from the viewer's own account; never overdraws. */
  createTransfer(input: NewTransfer): Promise<TransferRecord>;
  /** Service-only; idempotent by external reference. */
  recordPaymentTransaction(input: NewPaymentTransaction): Promise<PaymentTransactionRecord>;
}

/** Everything a source needs to know about the request it serves. */
export interface SourceScope {
  viewer: Viewer | null;
}

/** An entity owned by the marketplace (User, Order, Supplier, NFT), as payments knows it: its key. */
export interface EntityRef {
  id: string;
}
