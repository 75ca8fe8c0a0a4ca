// The Retailer API's validation rules, checked before anything is written so that both modes
// answer a bad request with the same user errors.
import { badInput, ValidationErrors, type UserError, type UserErrorCode } from '../../lib/errors.ts';
import { dec, type Decimal } from '../../lib/decimal.ts';
import { MAX_MASS_TONNES } from '../../lib/limits.ts';
import { isEmail } from '../../lib/rules.ts';
import type {
  ContactValue,
  ProductSupplierPatch,
  QuantityValue,
  ResoldProductFields,
  SupplierPeriodInput,
  YearlySalesVolumeValue,
} from './source.ts';

export const PRODUCT_PAGE = { defaultSize: 32, maxSize: 128 } as const;
export const FEED_LIMIT = { default: 100, max: 256 } as const;
/** The API's batch endpoints take at most this many product ids. */
export const BATCH_MAX = 256;

const GTIN = /^\d{1,14}$/;

class Collector {
  readonly errors: UserError[] = [];
  add(code: UserErrorCode, message: string, field: string[]) {
    this.errors.push({ code, message, field });
  }
  throwIfAny() {
    if (this.errors.length) throw new ValidationErrors(this.errors);
  }
}

/** `first` of the product list: 1..128, default 32 (the API's `limit`). */
export function productPageSize(size: number | null | undefined, argument: 'first' | 'last' = 'first'): number {
  if (size == null) return PRODUCT_PAGE.defaultSize;
  if (!Number.isInteger(size) || size < 1 || size > PRODUCT_PAGE.maxSize)
    throw badInput(`"${argument}" must be between 1 and ${PRODUCT_PAGE.maxSize}`, argument);
  return size;
}

/** `limit` of the update feeds: 1..256, default 100. */
export function feedLimit(limit: number | null | undefined): number {
  if (limit == null) return FEED_LIMIT.default;
  if (!Number.isInteger(limit) || limit < 1 || limit > FEED_LIMIT.max)
    throw badInput(`"limit" must be between 1 and ${FEED_LIMIT.max}`, 'limit');
  return limit;
}

const blankToNull = (v: string | null | undefined) => (v == null || v.trim() === '' ? null : v.trim());

export interface ResoldProductInputShape {
  name: string;
  customId?: string | null;
  gtin?: string | null;
  brandName?: string | null;
  description?: string | null;
  categories?: string[] | null;
  imageUrl?: string | null;
  ingredients?: string | null;
  alcoholPercentage?: Decimal | null;
  packagingMaterial?: string | null;
  packagingType?: string | null;
  packagingWeight?: { value: Decimal; unit: string } | null;
  netQuantity?: { value: Decimal; unit: string } | null;
  pickUpLocation: string;
  productionLocation: string;
  shipToLocation: string;
  yearlySalesVolumes?: { year: number; tonnes: Decimal }[] | null;
}

/** Checks a product input (create or full replace) and returns the normalised fields. */
export function resoldProductFields(input: ResoldProductInputShape): ResoldProductFields {
  const c = new Collector();
  const name = input.name.trim();
  if (name.length < 3) c.add('INVALID', 'Name must be 3 to 255 characters', ['input', 'name']);
  const customId = blankToNull(input.customId);
  const gtin = blankToNull(input.gtin);
  if (gtin && !GTIN.test(gtin)) c.add('INVALID', 'GTIN must be at most 14 digits', ['input', 'gtin']);
  const location = (key: 'pickUpLocation' | 'productionLocation' | 'shipToLocation', label: string) => {
    const v = input[key].trim();
    if (!v) c.add('REQUIRED', `${label} is required`, ['input', key]);
    return v;
  };
  const pickUpLocation = location('pickUpLocation', 'Pick-up location');
  const productionLocation = location('productionLocation', 'Production location');
  const shipToLocation = location('shipToLocation', 'Ship-to location');
  if (input.alcoholPercentage && (input.alcoholPercentage.lt(0) || input.alcoholPercentage.gt(100))) {
    c.add('INVALID', 'Alcohol percentage must be between 0 and 100', ['input', 'alcoholPercentage']);
  }
  const quantity = (key: 'packagingWeight' | 'netQuantity'): QuantityValue | null => {
    const q = input[key];
    if (!q) return null;
    if (q.value.lt(0)) c.add('INVALID', 'Quantity must not be negative', ['input', key, 'value']);
    if (!q.unit.trim()) c.add('REQUIRED', 'Unit is required', ['input', key, 'unit']);
    return { value: q.value, unit: q.unit.trim() };
  };
  const packagingWeight = quantity('packagingWeight');
  const netQuantity = quantity('netQuantity');
  const seen = new Set<number>();
  const volumes: YearlySalesVolumeValue[] = [];
  (input.yearlySalesVolumes ?? []).forEach((v, i) => {
    const at = ['input', 'yearlySalesVolumes', String(i)];
    if (v.year < 1900 || v.year > 2100) c.add('INVALID', 'Year must be between 1900 and 2100', [...at, 'year']);
    else if (seen.has(v.year)) c.add('INVALID', `Year ${v.year} appears more than once`, [...at, 'year']);
    seen.add(v.year);
    if (v.tonnes.lt(0)) c.add('INVALID', 'Tonnes must not be negative', [...at, 'tonnes']);
    else if (v.tonnes.decimalPlaces() > 6)
      c.add('INVALID', 'Tonnes have at most 6 decimals (one gram)', [...at, 'tonnes']);
    else if (v.tonnes.gt(MAX_MASS_TONNES))
      c.add('INVALID', `Tonnes are at most ${MAX_MASS_TONNES.toFixed()}`, [...at, 'tonnes']);
    volumes.push({ year: v.year, tonnes: v.tonnes });
  });
  c.throwIfAny();
  return {
    name,
    customId,
    gtin,
    brandName: blankToNull(input.brandName),
    description: blankToNull(input.description),
    categories: (input.categories ?? []).map((x) => x.trim()).filter(Boolean),
    imageUrl: blankToNull(input.imageUrl),
    ingredients: blankToNull(input.ingredients),
    alcoholPercentage: input.alcoholPercentage ?? null,
    packagingMaterial: blankToNull(input.packagingMaterial),
    packagingType: blankToNull(input.packagingType),
    packagingWeight,
    netQuantity,
    pickUpLocation,
    productionLocation,
    shipToLocation,
    yearlySalesVolumes: volumes.sort((a, b) => a.year - b.year),
  };
}

function contactsOf(c: Collector, contacts: { name?: string | null; email: string }[]): ContactValue[] {
  const seen = new Set<string>();
  return contacts.map((contact, i) => {
    const email = contact.email.trim().toLowerCase();
    if (!isEmail(email)) c.add('INVALID', 'Enter a valid email address', ['input', 'contacts', String(i), 'email']);
    else if (seen.has(email))
      c.add('INVALID', `${email} appears more than once`, ['input', 'contacts', String(i), 'email']);
    seen.add(email);
    return { name: blankToNull(contact.name), email };
  });
}

function checkSupplierName(c: Collector, name: string) {
  if (name.length < 3) c.add('INVALID', 'Name must be 3 to 255 characters', ['input', 'name']);
}

export function productSupplierFields(input: {
  name: string;
  customId?: string | null;
  contacts?: { name?: string | null; email: string }[] | null;
}) {
  const c = new Collector();
  const name = input.name.trim();
  checkSupplierName(c, name);
  const customId = blankToNull(input.customId);
  const contacts = contactsOf(c, input.contacts ?? []);
  c.throwIfAny();
  return { name, customId, contacts };
}

export function productSupplierPatch(input: {
  name?: string | null;
  customId?: string | null;
  contacts?: { name?: string | null; email: string }[] | null;
}): ProductSupplierPatch {
  const c = new Collector();
  const patch: ProductSupplierPatch = {};
  if (input.name != null) {
    patch.name = input.name.trim();
    checkSupplierName(c, patch.name);
  }
  if (input.customId != null) {
    patch.customId = input.customId.trim();
  }
  if (input.contacts != null) patch.contacts = contactsOf(c, input.contacts);
  c.throwIfAny();
  return patch;
}

/** Today's date in UTC, YYYY-MM-DD. */
export const todayUtc = (now = new Date()) => now.toISOString().slice(0, 10);

/**
 * The Retailer API's period rules: every date today or earlier, `validFrom` not after
 * `validTo`, and no two periods overlapping or sharing a boundary day (an unknown start reaches
 * back forever, an ongoing period forward forever). Ids, when given, appear once.
 */
export function checkSupplierPeriods(periods: SupplierPeriodInput[], today = todayUtc()): void {
  const c = new Collector();
  const ids = new Set<string>();
  periods.forEach((p, i) => {
    const at = ['input', 'periods', String(i)];
    for (const key of ['validFrom', 'validTo'] as const) {
      if (p[key] && p[key]! > today) c.add('INVALID', 'Dates must be today or in the past', [...at, key]);
    }
    if (p.validFrom && p.validTo && p.validFrom > p.validTo)
      c.add('INVALID', 'validFrom must not be after validTo', [...at, 'validFrom']);
    if (p.id) {
      if (ids.has(p.id)) c.add('INVALID', `Period ${p.id} appears more than once`, [...at, 'id']);
      ids.add(p.id);
    }
  });
  const order = periods
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.validFrom ?? '').localeCompare(b.p.validFrom ?? ''));
  for (let k = 1; k < order.length; k++) {
    const prev = order[k - 1]!;
    const next = order[k]!;
    // Strictly before: a period ending on the day another starts shares that day.
    const apart = prev.p.validTo !== null && next.p.validFrom !== null && prev.p.validTo < next.p.validFrom;
    if (!apart)
      c.add('INVALID', 'Periods must not overlap or share a boundary day', ['input', 'periods', String(next.i)]);
  }
  c.throwIfAny();
}

/** The period that is current: the ongoing one, or one that ends today. */
export function currentPeriod<T extends { validTo: string | null }>(periods: T[], today = todayUtc()): T | null {
  return periods.find((p) => p.validTo === null) ?? periods.find((p) => p.validTo === today) ?? null;
}

export function inviteProductIds(ids: string[]): string[] {
  const c = new Collector();
  if (ids.length < 1 || ids.length > BATCH_MAX)
    c.add('INVALID', `Give 1 to ${BATCH_MAX} products`, ['input', 'resoldProductIds']);
  if (new Set(ids).size !== ids.length)
    c.add('INVALID', 'A product appears more than once', ['input', 'resoldProductIds']);
  c.throwIfAny();
  return ids;
}

/** Decimal from the API's JSON numbers (which may arrive as numbers or strings). */
export const decimalOf = (v: number | string) => dec(typeof v === 'number' ? String(v) : v);
