// Payments tables. Money is stored as integer minor units with its currency: exact in SQLite and
// PostgreSQL alike, and safe for the conditional `available_minor >= ?` update of balances.
import { defineEntity, p } from '@mikro-orm/core';
import { WriteJournalSchema } from '../../../lib/write-journal.ts';
import type { PaymentTransactionStatus, PaymentTransactionType, TransferStatus } from '../source.ts';

export const PaymentTransactionSchema = defineEntity({
  name: 'PaymentTransaction',
  tableName: 'payment_transactions',
  indexes: [
    { properties: ['type', 'typeId', 'createdAt'] },
    { properties: ['payerId', 'createdAt'] },
    { properties: ['payeeId', 'createdAt'] },
    { properties: ['createdAt'] },
  ],
  properties: {
    id: p.string().primary(),
    externalReference: p.string().unique(),
    type: p.string().$type<PaymentTransactionType>(),
    typeId: p.string(),
    payerId: p.string(),
    payeeId: p.string().nullable(),
    amountMinor: p.bigint().$type<bigint>(),
    currency: p.string(),
    status: p.string().$type<PaymentTransactionStatus>(),
    createdAt: p.datetime(),
  },
});
export class PaymentTransaction extends PaymentTransactionSchema.class {}
PaymentTransactionSchema.setClass(PaymentTransaction);

export const BankAccountSchema = defineEntity({
  name: 'BankAccount',
  tableName: 'bank_accounts',
  // One user cannot register the same IBAN twice; concurrent duplicates hit this constraint.
  uniques: [{ properties: ['userId', 'iban'] }],
  indexes: [{ properties: ['userId', 'createdAt'] }],
  properties: {
    id: p.string().primary(),
    userId: p.string(),
    holderName: p.string(),
    /** Full IBAN, needed to pay out; never leaves the adapter (records carry the last four only). */
    iban: p.string(),
    bic: p.string(),
    currency: p.string(),
    countryCode: p.string(),
    createdAt: p.datetime(),
  },
});
export class BankAccount extends BankAccountSchema.class {}
BankAccountSchema.setClass(BankAccount);

export const TransferSchema = defineEntity({
  name: 'Transfer',
  tableName: 'transfers',
  // The idempotency record of a transfer is the transfer itself: one per (user, key).
  uniques: [{ properties: ['userId', 'idempotencyKey'] }],
  indexes: [{ properties: ['userId', 'createdAt'] }],
  properties: {
    id: p.string().primary(),
    userId: p.string(),
    bankAccountId: p.string().index(),
    amountMinor: p.bigint().$type<bigint>(),
    currency: p.string(),
    status: p.string().$type<TransferStatus>(),
    reference: p.string().nullable(),
    idempotencyKey: p.string(),
    /** Fingerprint of the request, to tell a retry from a different request with the same key. */
    requestHash: p.string(),
    createdAt: p.datetime(),
  },
});
export class Transfer extends TransferSchema.class {}
TransferSchema.setClass(Transfer);

/**
 * A user's available balance per currency: completed incoming payments minus transfers, kept as
 * a counter so a transfer can debit it with one conditional update.
 */
export const BalanceSchema = defineEntity({
  name: 'Balance',
  tableName: 'balances',
  properties: {
    userId: p.string().primary(),
    currency: p.string().primary(),
    availableMinor: p.bigint().$type<bigint>(),
  },
});
export class Balance extends BalanceSchema.class {}
BalanceSchema.setClass(Balance);

export const entities = [
  PaymentTransactionSchema,
  BankAccountSchema,
  TransferSchema,
  BalanceSchema,
  WriteJournalSchema,
];
