import { Decimal } from 'decimal.js';

/** Money and mass are decimal strings on the wire and Decimal in code: never binary floats. */
export { Decimal };

Decimal.set({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });

export type DecimalInput = Decimal | string | number | bigint;

export function dec(value: DecimalInput): Decimal {
  return new Decimal(typeof value === 'bigint' ? value.toString() : value);
}

export type MassUnit = 'G' | 'KG' | 'T';
const GRAMS_PER: Record<MassUnit, Decimal> = { G: dec(1), KG: dec(1000), T: dec(1_000_000) };

export function convertMass(amount: DecimalInput, from: MassUnit, to: MassUnit): Decimal {
  return dec(amount).mul(GRAMS_PER[from]).div(GRAMS_PER[to]);
}

/** ISO 4217 minor units for the currencies the market trades in (default 2). */
const MINOR_UNITS: Record<string, number> = { JPY: 0, KRW: 0, ISK: 0, CLP: 0, BHD: 3, KWD: 3, JOD: 3, OMR: 3, TND: 3 };
export function minorUnits(currency: string): number {
  return MINOR_UNITS[currency] ?? 2;
}

/** Amount in minor units (cents) as bigint, rejecting fractions smaller than the currency allows. */
export function toMinor(amount: DecimalInput, currency: string): bigint {
  const scaled = dec(amount).mul(dec(10).pow(minorUnits(currency)));
  if (!scaled.isInteger())
    throw new RangeError(`${currency} amounts have at most ${minorUnits(currency)} decimal places`);
  return BigInt(scaled.toFixed(0));
}

export function fromMinor(minor: bigint | number | string, currency: string): string {
  return dec(minor.toString())
    .div(dec(10).pow(minorUnits(currency)))
    .toFixed(minorUnits(currency));
}

const GRAMS_PER_TONNE = 1_000_000n;

/** Grams (integer, as stored) to tonnes. */
export function gramsToTonnes(grams: bigint | number | string): Decimal {
  return dec(grams.toString()).div(GRAMS_PER_TONNE.toString());
}

/** Tonnes to whole grams; finer precision than a gram is refused. */
export function tonnesToGrams(tonnes: DecimalInput): bigint {
  const grams = dec(tonnes).mul(GRAMS_PER_TONNE.toString());
  if (!grams.isInteger()) throw new RangeError('Mass has a precision of one gram at most');
  return BigInt(grams.toFixed(0));
}
