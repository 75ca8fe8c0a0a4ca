// CO2Trust payment JSON to the payments domain records, and back for the contract fake.
import { minorUnits } from '../../../lib/decimal.ts';
import { DomainError, type UserErrorCode } from '../../../lib/errors.ts';
import { UpstreamHttpError } from '../../../lib/http-client.ts';
import type {
  BankAccountRecord,
  PaymentStatsTotalsRecord,
  PaymentTransactionRecord,
  PaymentTransactionType,
  PaymentVolumeRecord,
  QuarterlyPaymentStatsRecord,
  TransferRecord,
} from '../source.ts';
import type {
  Co2TrustBankAccount,
  Co2TrustPaymentTransaction,
  Co2TrustPaymentType,
  Co2TrustRefusal,
  Co2TrustTransfer,
  Co2TrustVolume,
  ParsedGlobalStats,
  ParsedBankAccount,
  ParsedQuarterlyStats,
  ParsedTransaction,
  ParsedTransfer,
} from './client.ts';

const volume = (v: ParsedGlobalStats['volumes'][number]): PaymentVolumeRecord => ({ volume: { amount: v.amount, currency: v.currency }, transactionCount: v.transaction_count });
const amountOf = (amount: { amount: { toFixed(n: number): string }; currency: string }) => amount.amount.toFixed(minorUnits(amount.currency));

export const toUpstreamType = (type: PaymentTransactionType): Co2TrustPaymentType => type.toLowerCase() as Co2TrustPaymentType;

/** Parsed bodies (see PAYMENTS_SCHEMAS) to domain records. UNKNOWN statuses are members of the GraphQL enums; upstream records are never stored locally. */
export const fromCo2Trust = {
  paymentTransaction: (t: ParsedTransaction): PaymentTransactionRecord => ({
    id: t.id,
    type: t.payment_transaction_type,
    typeId: t.payment_transaction_type_id,
    externalReference: t.external_reference,
    payerId: t.payer_id,
    payeeId: t.payee_id,
    amount: { amount: t.amount, currency: t.currency },
    status: t.status as PaymentTransactionRecord['status'],
    createdAt: t.created_at,
  }),
  bankAccount: (a: ParsedBankAccount): BankAccountRecord => ({
    id: a.id,
    userId: a.user_id,
    holderName: a.holder_name,
    ibanLast4: a.iban.replace(/\s+/g, '').slice(-4),
    bic: a.bic,
    currency: a.currency,
    countryCode: a.country_code,
    createdAt: a.created_at,
  }),
  transfer: (t: ParsedTransfer): TransferRecord => ({
    id: t.id,
    userId: t.user_id,
    bankAccountId: t.bank_account_id,
    amount: { amount: t.amount, currency: t.currency },
    status: t.status as TransferRecord['status'],
    reference: t.reference,
    createdAt: t.created_at,
  }),
  globalStats: (s: ParsedGlobalStats): PaymentStatsTotalsRecord => ({ transactionCount: s.transaction_count, volumes: s.volumes.map(volume) }),
  quarterlyStats: (s: ParsedQuarterlyStats): QuarterlyPaymentStatsRecord => ({
    year: s.year,
    quarter: s.quarter,
    transactionCount: s.transaction_count,
    volumes: s.volumes.map(volume),
  }),
};

/** The inverse, used by the contract fake to serve the demo records as CO2Trust would. */
export const toCo2Trust = {
  paymentTransaction: (t: PaymentTransactionRecord): Co2TrustPaymentTransaction => ({
    id: t.id,
    external_reference: t.externalReference,
    payment_transaction_type: toUpstreamType(t.type),
    payment_transaction_type_id: t.typeId,
    payer_id: t.payerId,
    payee_id: t.payeeId,
    amount: amountOf(t.amount),
    currency: t.amount.currency,
    status: t.status.toLowerCase() as Co2TrustPaymentTransaction['status'],
    created_at: t.createdAt.toISOString(),
  }),
  bankAccount: (a: BankAccountRecord & { iban: string }): Co2TrustBankAccount => ({
    id: a.id,
    user_id: a.userId,
    holder_name: a.holderName,
    iban: a.iban,
    bic: a.bic,
    currency: a.currency,
    country_code: a.countryCode,
    created_at: a.createdAt.toISOString(),
  }),
  transfer: (t: TransferRecord): Co2TrustTransfer => ({
    id: t.id,
    user_id: t.userId,
    bank_account_id: t.bankAccountId,
    amount: amountOf(t.amount),
    currency: t.amount.currency,
    status: t.status.toLowerCase() as Co2TrustTransfer['status'],
    reference: t.reference,
    created_at: t.createdAt.toISOString(),
  }),
  volume: (v: PaymentVolumeRecord): Co2TrustVolume => ({ currency: v.volume.currency, amount: amountOf(v.volume), transaction_count: v.transactionCount }),
};

/** Refusal codes of the payment services and the user error each one is. */
const REFUSALS: Record<string, UserErrorCode> = {
  duplicate_bank_account: 'CONFLICT',
  insufficient_balance: 'INSUFFICIENT_BALANCE',
  idempotency_mismatch: 'IDEMPOTENCY_MISMATCH',
  currency_mismatch: 'INVALID',
  bank_account_not_found: 'NOT_FOUND',
  invalid: 'INVALID',
};

/** Turns a 409/422 business refusal (or a 404 naming a refused reference) into the same user error local mode gives; others pass through. */
export function refusalToDomainError(error: unknown): unknown {
  if (!(error instanceof UpstreamHttpError)) return error;
  const body = (error.body && typeof error.body === 'object' ? error.body : {}) as Co2TrustRefusal;
  const known = body.code !== undefined && body.code in REFUSALS;
  if (error.status !== 409 && error.status !== 422 && !(error.status === 404 && known)) return error;
  const code = (body.code && REFUSALS[body.code]) || (error.status === 409 ? 'CONFLICT' : 'INVALID');
  const field = body.field ? `input.${body.field.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())}` : undefined;
  return new DomainError(code, body.message ?? 'The payment services refused the request', field);
}
