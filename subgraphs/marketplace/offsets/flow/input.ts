// The validated input of `offsetResoldProduct` and its fingerprint: one product, one year, at most
// one spend limit. Same key + same fingerprint is a retry; same key + another one is a mismatch.
import { createHash } from 'node:crypto';
import { dec, minorUnits, toMinor } from '../../../../lib/decimal.ts';
import { ValidationErrors, inputError, type UserError } from '../../../../lib/errors.ts';
import { isCurrencyCode } from '../../../../lib/scalars.ts';
import { checkedIdempotencyKey } from '../allocation.ts';

/** What a buyer asks the flow to offset, in domain units. */
export interface OffsetProductRequest {
  resoldProductId: string;
  year: number;
  idempotencyKey: string;
  /** The most the buyer pays, in minor units of `currency`; null: no limit. */
  maximumSpend: { minor: bigint; currency: string } | null;
  /** The name the certificate is issued to; null: the buyer's name. */
  beneficiary: string | null;
}

/** Sales years a footprint can be offset for. */
const FIRST_YEAR = 1900;
const LAST_YEAR = 2200;

interface RawInput {
  resoldProductId: string;
  year: number;
  idempotencyKey: string;
  maximumSpend?: { amount: { toString(): string }; currency: string } | null;
  beneficiary?: string | null;
}

/** Checks every field at once; the user errors name each field at fault. */
export function offsetProductRequest(input: RawInput): OffsetProductRequest {
  const errors: UserError[] = [];
  const resoldProductId = input.resoldProductId.trim();
  if (!resoldProductId) errors.push(inputError('resoldProductId', 'REQUIRED', 'A resold product id is required'));
  if (!Number.isInteger(input.year) || input.year < FIRST_YEAR || input.year > LAST_YEAR)
    errors.push(inputError('year', 'INVALID', `The year is a calendar year from ${FIRST_YEAR} to ${LAST_YEAR}`));
  let idempotencyKey = '';
  try {
    idempotencyKey = checkedIdempotencyKey(input.idempotencyKey) ?? '';
  } catch (error) {
    if (!(error instanceof ValidationErrors)) throw error;
    errors.push(...error.errors);
  }
  let maximumSpend: OffsetProductRequest['maximumSpend'] = null;
  if (input.maximumSpend) {
    const { currency } = input.maximumSpend;
    const amount = dec(input.maximumSpend.amount.toString());
    if (!isCurrencyCode(currency))
      errors.push(inputError('maximumSpend.currency', 'INVALID', `${currency} is not an ISO 4217 currency code`));
    else if (amount.lte(0))
      errors.push(inputError('maximumSpend.amount', 'INVALID', 'The maximum spend must be positive'));
    else {
      try {
        maximumSpend = { minor: toMinor(amount, currency), currency };
      } catch {
        errors.push(
          inputError(
            'maximumSpend.amount',
            'INVALID',
            `${currency} amounts have at most ${minorUnits(currency)} decimal places`,
          ),
        );
      }
    }
  }
  const beneficiary = input.beneficiary?.trim() || null;
  if (errors.length) throw new ValidationErrors(errors);
  return { resoldProductId, year: input.year, idempotencyKey, maximumSpend, beneficiary };
}

/** Fingerprint of what the request asks, without its key: equal for a retry however the amount was written. */
export function offsetProductHash(r: OffsetProductRequest): string {
  const spend = r.maximumSpend ? `${r.maximumSpend.minor}|${r.maximumSpend.currency}` : '-';
  return createHash('sha256')
    .update(JSON.stringify([r.resoldProductId, r.year, spend, r.beneficiary]))
    .digest('hex');
}
