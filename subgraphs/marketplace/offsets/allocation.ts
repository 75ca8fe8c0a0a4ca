// The one pricing and allocation rule of offset orders. Quotes, local orders and the contract
// fake of the offset-orders API all call `allocateOffsets`, so a quote shows exactly what the
// order would buy. All arithmetic is on integers: grams and currency minor units.
import { createHash } from 'node:crypto';
import { DomainError, ValidationErrors, inputError, type UserError } from '../../../lib/errors.ts';
import { Decimal, dec, fromMinor, minorUnits, toMinor, type MassUnit } from '../../../lib/decimal.ts';
import { massLimitError, moneyLimitError } from '../../../lib/limits.ts';
import { isCurrencyCode } from '../../../lib/scalars.ts';
import type { OffsetQuoteRecord, OffsetRequest, ResoldProductEmissions } from './source.ts';
import { IDEMPOTENCY_KEY_RULE, idempotencyKeyOf } from '../../../lib/idempotency-key.ts';

export const GRAMS_PER_TONNE = 1_000_000n;

/** A bundle of offset credits on sale: one project, a price per tonne, grams still available. */
export interface OffsetBundleStock {
  id: string;
  name: string;
  projectId: string | null;
  projectName: string;
  /** Price of one tonne, in minor units of `currency`. */
  pricePerTonneMinor: bigint;
  currency: string;
  availableGrams: bigint;
}

/** One line of an allocation: grams bought from one bundle and what they cost. */
export interface OffsetAllocationLine {
  bundleId: string;
  bundleName: string;
  projectId: string | null;
  projectName: string;
  grams: bigint;
  pricePerTonneMinor: bigint;
  costMinor: bigint;
}

export interface OffsetAllocationResult {
  currency: string;
  grams: bigint;
  costMinor: bigint;
  lines: OffsetAllocationLine[];
}

/** What a buyer asks for, normalised: a mass in grams, or a maximum spend in minor units. */
export type OffsetDemand =
  { kind: 'MASS'; grams: bigint; currency: string } | { kind: 'VALUE'; maximumMinor: bigint; currency: string };

/** Cost of `grams` at a price per tonne, in minor units, rounded up: a positive mass is never free. */
export function costOf(grams: bigint, pricePerTonneMinor: bigint): bigint {
  return (grams * pricePerTonneMinor + GRAMS_PER_TONNE - 1n) / GRAMS_PER_TONNE;
}

/** Cheapest bundle first (ties by id), so quotes and orders are deterministic. */
function byPrice(a: OffsetBundleStock, b: OffsetBundleStock): number {
  if (a.pricePerTonneMinor !== b.pricePerTonneMinor) return a.pricePerTonneMinor < b.pricePerTonneMinor ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Refuses a mass below the minimum order (BELOW_MINIMUM); a minimum of 0 accepts any positive mass. */
export function checkMinimum(grams: bigint, minimumGrams: bigint, field: string): void {
  if (grams < minimumGrams) {
    throw new DomainError(
      'BELOW_MINIMUM',
      `An offset order is at least ${gramsToTonnesString(minimumGrams)} t (${minimumGrams} g); this one is ${grams} g`,
      field,
    );
  }
}

/**
 * Allocates a demand across the bundles offered in its currency, cheapest first. A mass is
 * filled exactly or refused (INSUFFICIENT_INVENTORY); a maximum spend buys as many whole grams
 * as it pays for and never costs more than the maximum. A result of no mass is refused (INVALID);
 * with `minimumGrams`, a mass asked for or bought below it is refused (BELOW_MINIMUM).
 */
export function allocateOffsets(
  bundles: readonly OffsetBundleStock[],
  demand: OffsetDemand,
  minimumGrams = 0n,
): OffsetAllocationResult {
  const offered = bundles
    .filter((b) => b.currency === demand.currency && b.availableGrams > 0n && b.pricePerTonneMinor > 0n)
    .sort(byPrice);
  if (!bundles.some((b) => b.currency === demand.currency)) {
    throw new DomainError('INVALID', `Offsets are not offered in ${demand.currency}`, 'input.currency');
  }
  const lines: OffsetAllocationLine[] = [];
  if (demand.kind === 'MASS') {
    if (demand.grams <= 0n)
      throw new DomainError('INVALID', 'The quote results in a non-positive quantity', 'input.mass');
    checkMinimum(demand.grams, minimumGrams, 'input.mass');
    let left = demand.grams;
    for (const b of offered) {
      if (left === 0n) break;
      const grams = left < b.availableGrams ? left : b.availableGrams;
      lines.push(line(b, grams));
      left -= grams;
    }
    if (left > 0n) {
      const available = demand.grams - left;
      throw new DomainError(
        'INSUFFICIENT_INVENTORY',
        `Only ${gramsToTonnesString(available)} t of offsets are available in ${demand.currency}`,
        'input.mass',
      );
    }
  } else {
    if (demand.maximumMinor <= 0n)
      throw new DomainError('INVALID', 'The quote results in a non-positive quantity', 'input.value');
    let budget = demand.maximumMinor;
    for (const b of offered) {
      // The most whole grams the budget pays for; their cost rounded up still fits in the budget.
      const affordable = (budget * GRAMS_PER_TONNE) / b.pricePerTonneMinor;
      const grams = affordable < b.availableGrams ? affordable : b.availableGrams;
      if (grams <= 0n) continue;
      const l = line(b, grams);
      lines.push(l);
      budget -= l.costMinor;
    }
    if (lines.length === 0 && minimumGrams === 0n)
      throw new DomainError('INVALID', 'The quote results in a non-positive quantity', 'input.value');
    checkMinimum(
      lines.reduce((s, l) => s + l.grams, 0n),
      minimumGrams,
      'input.value',
    );
  }
  return {
    currency: demand.currency,
    grams: lines.reduce((s, l) => s + l.grams, 0n),
    costMinor: lines.reduce((s, l) => s + l.costMinor, 0n),
    lines,
  };
}

function line(b: OffsetBundleStock, grams: bigint): OffsetAllocationLine {
  return {
    bundleId: b.id,
    bundleName: b.name,
    projectId: b.projectId,
    projectName: b.projectName,
    grams,
    pricePerTonneMinor: b.pricePerTonneMinor,
    costMinor: costOf(grams, b.pricePerTonneMinor),
  };
}

export function gramsToTonnesString(grams: bigint): string {
  return dec(grams.toString()).div(GRAMS_PER_TONNE.toString()).toString();
}

/** The currency offsets are priced in when a buyer does not say. */
export const DEFAULT_OFFSET_CURRENCY = 'EUR';

const GRAMS_PER: Record<MassUnit, Decimal> = { G: dec(1), KG: dec(1000), T: dec(1_000_000) };

const invalid = (field: string, message: string): UserError => ({ field: field.split('.'), message, code: 'INVALID' });

function checkCurrency(currency: string | null | undefined, field: string, errors: UserError[]): string {
  const c = currency ?? DEFAULT_OFFSET_CURRENCY;
  if (!isCurrencyCode(c)) errors.push(invalid(field, `${c} is not an ISO 4217 currency code`));
  return c;
}

/** Validates a mass request: a positive amount with a precision of one gram at most. */
export function massRequest(input: {
  mass: { amount: Decimal | string; unit: MassUnit };
  currency?: string | null;
}): OffsetRequest & { kind: 'MASS' } {
  const errors: UserError[] = [];
  const currency = checkCurrency(input.currency, 'input.currency', errors);
  const grams = dec(input.mass.amount.toString()).mul(GRAMS_PER[input.mass.unit]);
  if (grams.lte(0))
    errors.push(
      invalid('input.mass.amount', 'The quote results in a non-positive quantity: the mass must be positive'),
    );
  else if (!grams.isInteger()) errors.push(invalid('input.mass.amount', 'Mass has a precision of one gram at most'));
  else {
    const tooMuch = massLimitError(BigInt(grams.toFixed(0)), 'input.mass.amount');
    if (tooMuch) errors.push(tooMuch);
  }
  if (errors.length) throw new ValidationErrors(errors);
  return { kind: 'MASS', grams: BigInt(grams.toFixed(0)), currency };
}

/** Validates a maximum spend: positive, in a currency's minor units. */
export function valueRequest(input: { value: Decimal | string; currency: string }): OffsetRequest & { kind: 'VALUE' } {
  const errors: UserError[] = [];
  const currency = checkCurrency(input.currency, 'input.currency', errors);
  const value = dec(input.value.toString());
  let maximumMinor = 0n;
  if (value.lte(0))
    errors.push(invalid('input.value', 'The quote results in a non-positive quantity: the value must be positive'));
  else if (moneyLimitError(value, currency, 'input.value'))
    errors.push(moneyLimitError(value, currency, 'input.value')!);
  else if (!errors.length) {
    try {
      maximumMinor = toMinor(value, currency);
    } catch {
      errors.push(invalid('input.value', `${currency} amounts have at most ${minorUnits(currency)} decimal places`));
    }
  }
  if (errors.length) throw new ValidationErrors(errors);
  return { kind: 'VALUE', maximumMinor, currency };
}

export function estimateRequest(input: { estimateId: string; currency?: string | null }): OffsetRequest {
  const errors: UserError[] = [];
  const currency = checkCurrency(input.currency, 'input.currency', errors);
  if (!input.estimateId.trim())
    errors.push(inputError('estimateId', 'REQUIRED', 'An emission estimate id is required'));
  if (errors.length) throw new ValidationErrors(errors);
  return { kind: 'ESTIMATE', estimateId: input.estimateId.trim(), currency };
}

/** Validates an idempotency key: printable ASCII characters without spaces (its length is the schema's), or none. */
export function checkedIdempotencyKey(key: string | null | undefined): string | null {
  if (key == null) return null;
  const checked = idempotencyKeyOf(key);
  if (checked === null) throw new ValidationErrors([invalid('input.idempotencyKey', IDEMPOTENCY_KEY_RULE)]);
  return checked;
}

/** Fingerprint of a request: equal for the same order however the mass was written (1 T = 1000 KG). */
export function requestHash(request: OffsetRequest): string {
  const canonical =
    request.kind === 'MASS'
      ? `MASS|${request.grams}|${request.currency}`
      : request.kind === 'VALUE'
        ? `VALUE|${request.maximumMinor}|${request.currency}`
        : `ESTIMATE|${request.estimateId}|${request.currency}`;
  return createHash('sha256').update(canonical).digest('hex');
}

/** Minor units to a Decimal amount of the currency. */
export function minorToDecimal(minor: bigint, currency: string): Decimal {
  return dec(fromMinor(minor, currency));
}

export function gramsToTonnes(grams: bigint): Decimal {
  return dec(grams.toString()).div(GRAMS_PER_TONNE.toString());
}

/** An allocation as the domain record quotes and orders carry. */
export function quoteRecordOf(result: OffsetAllocationResult): OffsetQuoteRecord {
  const money = (minor: bigint) => ({ amount: minorToDecimal(minor, result.currency), currency: result.currency });
  return {
    mass: gramsToTonnes(result.grams),
    totalCost: money(result.costMinor),
    allocations: result.lines.map((l) => ({
      bundleId: l.bundleId,
      bundleName: l.bundleName,
      projectId: l.projectId,
      projectName: l.projectName,
      mass: gramsToTonnes(l.grams),
      unitPrice: money(l.pricePerTonneMinor),
      cost: money(l.costMinor),
    })),
  };
}

/**
 * Grams of CO2e a resold product emitted in a year: footprint total (kg CO2e per kg of product)
 * times tonnes of product sold gives tonnes of CO2e; rounded up so the whole year is offset.
 * Null when the footprint or that year's sales volume is missing.
 */
export function yearlyEmissionGrams(product: ResoldProductEmissions, year: number): bigint | null {
  const total = product.footprint?.total;
  const volume = product.yearlySalesVolumes?.find((v) => v.year === year);
  if (total == null || !volume) return null;
  const grams = dec(String(total)).mul(String(volume.tonnes)).mul(GRAMS_PER_TONNE.toString()).ceil();
  return BigInt(grams.toFixed(0));
}
