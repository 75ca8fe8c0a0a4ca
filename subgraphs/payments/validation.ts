// Input rules of the payments mutations, shared by both adapters so that a bad input is refused
// before anything is written, locally or upstream.
import { Decimal, minorUnits } from '../../lib/decimal.ts';
import { ValidationErrors, badInput, inputError, type UserError } from '../../lib/errors.ts';
import { MAX_MONEY_AMOUNT } from '../../lib/limits.ts';
import { isCountryCode } from '../../lib/scalars.ts';
import type {
  NewBankAccount,
  NewPaymentTransaction,
  NewTransfer,
  PaymentTransactionFilter,
  PaymentTransactionStatus,
  PaymentTransactionType,
} from './source.ts';
import { IDEMPOTENCY_KEY_RULE, idempotencyKeyOf } from '../../lib/idempotency-key.ts';

/** ISO 13616 IBAN lengths of the countries the market pays out to; others get the generic 15..34. */
const IBAN_LENGTHS: Record<string, number> = {
  AT: 20,
  BE: 16,
  CH: 21,
  CZ: 24,
  DE: 22,
  DK: 18,
  EE: 20,
  ES: 24,
  FI: 18,
  FR: 27,
  GB: 22,
  IE: 22,
  IS: 26,
  IT: 27,
  LT: 20,
  LU: 20,
  LV: 21,
  NL: 18,
  NO: 15,
  PL: 28,
  PT: 25,
  SE: 24,
  SI: 19,
  SK: 24,
};

/** Upper case without spaces, as banks print it in groups of four. */
export const normalizeIban = (iban: string) => iban.replace(/\s+/g, '').toUpperCase();

/** The ISO 7064 mod-97-10 check of an IBAN (already normalised). */
export function ibanChecksumValid(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const expected = IBAN_LENGTHS[iban.slice(0, 2)];
  if (expected !== undefined && iban.length !== expected) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const digits = /\d/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const d of digits) remainder = (remainder * 10 + Number(d)) % 97;
  }
  return remainder === 1;
}

/** ISO 9362: bank code, country, location, optional branch. */
export function bicValid(bic: string): boolean {
  return /^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/.test(bic) && isCountryCode(bic.slice(4, 6));
}

function throwIfAny(errors: UserError[]) {
  if (errors.length) throw new ValidationErrors(errors);
}

/** A positive amount with no more decimals than the currency has minor units. */
function checkAmount(errors: UserError[], amount: Decimal, currency: string) {
  if (!amount.isFinite() || amount.lte(0))
    errors.push(inputError('amount', 'INVALID', 'Amount must be greater than zero'));
  else if (amount.decimalPlaces() > minorUnits(currency))
    errors.push(
      inputError('amount', 'INVALID', `${currency} amounts have at most ${minorUnits(currency)} decimal places`),
    );
  else if (amount.gt(MAX_MONEY_AMOUNT))
    errors.push(inputError('amount', 'INVALID', `Amounts are at most ${MAX_MONEY_AMOUNT.toFixed()} ${currency}`));
}

export function validateBankAccount(input: {
  holderName: string;
  iban: string;
  bic: string;
  currency: string;
  countryCode: string;
}): NewBankAccount {
  const errors: UserError[] = [];
  const holderName = input.holderName.trim();
  if (!holderName) errors.push(inputError('holderName', 'REQUIRED', 'Enter the account holder name'));
  const iban = normalizeIban(input.iban);
  if (!ibanChecksumValid(iban))
    errors.push(inputError('iban', 'INVALID', 'Enter a valid IBAN (the check digits do not match)'));
  else if (iban.slice(0, 2) !== input.countryCode)
    errors.push(
      inputError('countryCode', 'INVALID', `The IBAN belongs to ${iban.slice(0, 2)}, not ${input.countryCode}`),
    );
  const bic = input.bic.replace(/\s+/g, '').toUpperCase();
  if (!bicValid(bic))
    errors.push(inputError('bic', 'INVALID', 'Enter a valid BIC of 8 or 11 characters, e.g. ESSESESS'));
  throwIfAny(errors);
  return { holderName, iban, bic, currency: input.currency, countryCode: input.countryCode };
}

export function validateTransfer(input: {
  bankAccountId: string;
  amount: Decimal;
  currency: string;
  idempotencyKey: string;
  reference?: string | null;
}): NewTransfer {
  const errors: UserError[] = [];
  if (!input.bankAccountId.trim()) errors.push(inputError('bankAccountId', 'REQUIRED', 'Choose a bank account'));
  checkAmount(errors, input.amount, input.currency);
  const key = idempotencyKeyOf(input.idempotencyKey);
  if (key === null) errors.push(inputError('idempotencyKey', 'INVALID', IDEMPOTENCY_KEY_RULE));
  const reference = input.reference?.trim() || null;
  throwIfAny(errors);
  return {
    bankAccountId: input.bankAccountId.trim(),
    amount: input.amount,
    currency: input.currency,
    idempotencyKey: key ?? '',
    reference,
  };
}

export function validatePaymentTransaction(input: {
  externalReference: string;
  type: PaymentTransactionType;
  typeId: string;
  payerId: string;
  payeeId?: string | null;
  amount: Decimal;
  currency: string;
  status?: PaymentTransactionStatus | 'UNKNOWN' | null;
}): NewPaymentTransaction {
  const errors: UserError[] = [];
  const status = input.status ?? 'COMPLETED';
  // UNKNOWN only stands for a status the upstream answered that this API does not know.
  if (status === 'UNKNOWN') errors.push(inputError('status', 'INVALID', 'UNKNOWN cannot be recorded'));
  const externalReference = input.externalReference.trim();
  if (!externalReference)
    errors.push(inputError('externalReference', 'INVALID', 'The external reference is 1 to 200 characters'));
  if (!input.typeId.trim()) errors.push(inputError('typeId', 'REQUIRED', 'typeId is required'));
  if (!input.payerId.trim()) errors.push(inputError('payerId', 'REQUIRED', 'payerId is required'));
  const payeeId = input.payeeId?.trim() || null;
  if (payeeId && payeeId === input.payerId.trim())
    errors.push(inputError('payeeId', 'INVALID', 'Payer and payee must differ'));
  checkAmount(errors, input.amount, input.currency);
  throwIfAny(errors);
  return {
    externalReference,
    type: input.type,
    typeId: input.typeId.trim(),
    payerId: input.payerId.trim(),
    payeeId,
    amount: input.amount,
    currency: input.currency,
    status: status as PaymentTransactionStatus,
  };
}

/** The list filter; a `typeId` without a specific type is refused rather than silently ignored. */
export function validateFilter(
  filter: { type?: 'ALL' | PaymentTransactionType | null; typeId?: string | null } | null | undefined,
): PaymentTransactionFilter {
  const type = !filter?.type || filter.type === 'ALL' ? null : filter.type;
  const typeId = filter?.typeId?.trim() || null;
  if (filter?.typeId != null && !typeId) throw badInput('"filter.typeId" must not be empty', 'filter.typeId');
  if (typeId && !type)
    throw badInput('"filter.typeId" needs a specific "filter.type" (ORDER, SUPPLIER or NFT)', 'filter.typeId');
  return { type, typeId };
}

/** Stable hash input of a request, for idempotency comparisons. */
export function requestFingerprint(fields: Record<string, string | null>): string {
  return JSON.stringify(
    Object.keys(fields)
      .sort()
      .map((k) => [k, fields[k]]),
  );
}
