// Rows (integer minor units) to domain records (decimals) and back. The full IBAN stays here.
import { dec, fromMinor, toMinor } from '../../../lib/decimal.ts';
import type { BankAccountRecord, MoneyValue, PaymentTransactionRecord, TransferRecord } from '../source.ts';
import type { BankAccount, PaymentTransaction, Transfer } from './entities.ts';

export const money = (minor: bigint | number | string, currency: string): MoneyValue => ({
  amount: dec(fromMinor(BigInt(String(minor)), currency)),
  currency,
});

export const toRecord = {
  paymentTransaction: (t: PaymentTransaction): PaymentTransactionRecord => ({
    id: t.id,
    type: t.type,
    typeId: t.typeId,
    externalReference: t.externalReference,
    payerId: t.payerId,
    payeeId: t.payeeId ?? null,
    amount: money(t.amountMinor, t.currency),
    status: t.status,
    createdAt: new Date(t.createdAt),
  }),
  bankAccount: (a: BankAccount): BankAccountRecord => ({
    id: a.id,
    userId: a.userId,
    holderName: a.holderName,
    ibanLast4: a.iban.slice(-4),
    bic: a.bic,
    currency: a.currency,
    countryCode: a.countryCode,
    createdAt: new Date(a.createdAt),
  }),
  transfer: (t: Transfer): TransferRecord => ({
    id: t.id,
    userId: t.userId,
    bankAccountId: t.bankAccountId,
    amount: money(t.amountMinor, t.currency),
    status: t.status,
    reference: t.reference ?? null,
    createdAt: new Date(t.createdAt),
  }),
};

export const toRow = {
  paymentTransaction: (t: PaymentTransactionRecord) => ({
    id: t.id,
    externalReference: t.externalReference,
    type: t.type,
    typeId: t.typeId,
    payerId: t.payerId,
    payeeId: t.payeeId,
    amountMinor: toMinor(t.amount.amount, t.amount.currency),
    currency: t.amount.currency,
    status: t.status,
    createdAt: t.createdAt,
  }),
};
