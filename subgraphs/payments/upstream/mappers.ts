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

const volume = (v: ParsedGlobalStats['volumes'][number]): PaymentVolumeRecord => ({
  volume: { amount: v.amount, currency: v.currency },
  transactionCount: v.transaction_count,
});
const amountOf = (amount: { amount: { toFixed(n: number): string }; currency: string }) =>
  amount.amount.toFixed(minorUnits(amount.currency));

export const toUpstreamType = (type: PaymentTransactionType): Co2TrustPaymentType =>
  type.toLowerCase() as Co2TrustPaymentType;

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
  globalStats: (s: ParsedGlobalStats): PaymentStatsTotalsRecord => ({
    transactionCount: s.transaction_count,
    volumes: s.volumes.map(volume),
  }),
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
  volume: (v: PaymentVolumeRecord): Co2TrustVolume => ({
    currency: v.volume.currency,
    amount: amountOf(v.volume),
    transaction_count: v.transactionCount,
  }),
};

/** Refusal codes of the payment services, the user error each one is, and the layer's words for it (local mode's). */
const REFUSALS: Record<string, { code: UserErrorCode; message: string; field?: string }> = {
  duplicate_bank_account: {
    code: 'CONFLICT',
    message: 'You already have a bank account with this IBAN',
    field: 'input.iban',
  },
  insufficient_balance: {
    code: 'INSUFFICIENT_BALANCE',
    message: 'The transfer exceeds your available balance',
    field: 'input.amount',
  },
  idempotency_mismatch: {
    code: 'IDEMPOTENCY_MISMATCH',
    message: 'This idempotency key was used for a different transfer',
    field: 'input.idempotencyKey',
  },
  currency_mismatch: {
    code: 'INVALID',
    message: 'The bank account is held in another currency',
    field: 'input.currency',
  },
  bank_account_not_found: { code: 'NOT_FOUND', message: 'Bank account not found', field: 'input.bankAccountId' },
  invalid: { code: 'INVALID', message: 'The payment services refused the request as invalid' },
};

/** A field name the upstream gave (snake_case) as the input field it is; only names made of letters pass. */
const inputField = (field: unknown) =>
  typeof field === 'string' && /^[a-z_]{1,40}$/.test(field)
    ? `input.${field.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())}`
    : undefined;

/**
 * Turns a 409/422 business refusal (or a 404 naming a refused reference) into the same user error
 * local mode gives, in the layer's words (the upstream's text goes to the log only); others pass through.
 */
export function refusalToDomainError(error: unknown): unknown {
  if (!(error instanceof UpstreamHttpError)) return error;
  const body = (error.body && typeof error.body === 'object' ? error.body : {}) as Co2TrustRefusal;
  const known = body.code !== undefined && Object.hasOwn(REFUSALS, body.code) ? REFUSALS[body.code]! : undefined;
  if (error.status !== 409 && error.status !== 422 && !(error.status === 404 && known)) return error;
  if (known) return new DomainError(known.code, known.message, known.field ?? inputField(body.field));
  return error.status === 409
    ? new DomainError('CONFLICT', 'The payment services reported a conflict', inputField(body.field))
    : new DomainError('INVALID', 'The payment services refused the request as invalid', inputField(body.field));
}
