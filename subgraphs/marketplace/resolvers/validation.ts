// Input rules the SDL cannot say (country and currency codes are checked by their scalars):
// required names, non-negative money and mass, precision. Every failure is collected, so one
// response lists them all, and nothing is written.
import { minorUnits, type Decimal } from '../../../lib/decimal.ts';
import { ValidationErrors, type UserError } from '../../../lib/errors.ts';
import { MAX_MASS_TONNES, MAX_MONEY_AMOUNT } from '../../../lib/limits.ts';
import type {
  ImpactPartnerInput,
  MoneyValue,
  NftInput,
  ProductInput,
  ProductType,
  SupplierInput,
  TraderInput,
} from '../source.ts';
import { IDEMPOTENCY_KEY_RULE, idempotencyKeyOf } from '../../../lib/idempotency-key.ts';

type Given<T> = T | null | undefined;

export class Checks {
  readonly errors: UserError[] = [];

  fail(field: string, code: UserError['code'], message: string): void {
    this.errors.push({ field: field.split('.'), code, message });
  }

  /** A name: required on create, never blank; returned trimmed. */
  name(value: Given<string>, field: string, required: boolean): string | undefined {
    if (value == null) {
      if (required || value === null) this.fail(field, 'REQUIRED', 'A name is required');
      return undefined;
    }
    const trimmed = value.trim();
    if (!trimmed) this.fail(field, 'REQUIRED', 'A name is required');
    return trimmed;
  }

  /** Tonnes: non-negative (positive when `positive`), at most gram precision. */
  tonnes(value: Given<Decimal>, field: string, positive = false): Decimal | undefined {
    if (value == null) return undefined;
    if (positive ? !value.gt(0) : value.lt(0))
      this.fail(field, 'INVALID', positive ? 'Quantity must be greater than zero' : 'Quantity cannot be negative');
    else if (value.decimalPlaces() > 6)
      this.fail(field, 'INVALID', 'Quantity has a precision of one gram (0.000001 t) at most');
    else if (value.gt(MAX_MASS_TONNES))
      this.fail(field, 'INVALID', `Quantity is at most ${MAX_MASS_TONNES.toFixed()} t`);
    return value;
  }

  money(value: Given<{ amount: Decimal; currency: string }>, field: string): MoneyValue | undefined {
    if (value == null) return undefined;
    if (value.amount.lt(0)) this.fail(`${field}.amount`, 'INVALID', 'Price cannot be negative');
    else if (value.amount.decimalPlaces() > minorUnits(value.currency)) {
      this.fail(
        `${field}.amount`,
        'INVALID',
        `${value.currency} amounts have at most ${minorUnits(value.currency)} decimal places`,
      );
    } else if (value.amount.gt(MAX_MONEY_AMOUNT))
      this.fail(`${field}.amount`, 'INVALID', `Amounts are at most ${MAX_MONEY_AMOUNT.toFixed()} ${value.currency}`);
    return { amount: value.amount, currency: value.currency };
  }

  /** Free text, trimmed; blank is none. (Its length is the schema's, see lib/string-limits.ts.) */
  text(value: Given<string>): string | null | undefined {
    if (value == null) return value;
    return value.trim() || null;
  }

  url(value: Given<string>, field: string): string | null | undefined {
    if (value == null) return value;
    try {
      const u = new URL(value.trim());
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('not http');
      return u.toString();
    } catch {
      this.fail(field, 'INVALID', 'Enter an http(s) URL');
      return undefined;
    }
  }

  vintage(value: Given<number>, field: string): number | null | undefined {
    if (value != null && (value < 1990 || value > 2100))
      this.fail(field, 'INVALID', 'Vintage must be a year between 1990 and 2100');
    return value;
  }

  done<T>(value: T): T {
    if (this.errors.length) throw new ValidationErrors(this.errors);
    return value;
  }
}

/** Drops keys whose value is undefined (not given), keeping explicit nulls. */
function given<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const keepNull = <T>(v: Given<T>) => v;
const noNull = <T>(v: Given<T>) => v ?? undefined;

interface ProductArgs {
  name?: Given<string>;
  description?: Given<string>;
  productType?: Given<ProductType>;
  supplierId?: Given<string>;
  countryCode?: Given<string>;
  vintage?: Given<number>;
  pricePerTonne?: Given<{ amount: Decimal; currency: string }>;
  availableQuantity?: Given<Decimal>;
  isPublic?: Given<boolean>;
  ownerId?: Given<string>;
}

export function productInput(i: ProductArgs, create: boolean): ProductInput {
  const c = new Checks();
  return c.done(
    given({
      name: c.name(i.name, 'input.name', create),
      description: c.text(i.description),
      productType: noNull(i.productType),
      supplierId: noNull(i.supplierId),
      countryCode: keepNull(i.countryCode),
      vintage: c.vintage(i.vintage, 'input.vintage'),
      pricePerTonne: c.money(i.pricePerTonne, 'input.pricePerTonne'),
      availableQuantity: c.tonnes(i.availableQuantity, 'input.availableQuantity'),
      isPublic: create ? (i.isPublic ?? true) : noNull(i.isPublic),
      ownerId: keepNull(i.ownerId),
    }),
  );
}

export function supplierInput(
  i: {
    name?: Given<string>;
    description?: Given<string>;
    countryCode?: Given<string>;
    methodologyCode?: Given<string>;
    featured?: Given<boolean>;
    isPublic?: Given<boolean>;
  },
  create: boolean,
): SupplierInput {
  const c = new Checks();
  return c.done(
    given({
      name: c.name(i.name, 'input.name', create),
      description: c.text(i.description),
      countryCode: keepNull(i.countryCode),
      methodologyCode: c.text(i.methodologyCode),
      featured: create ? (i.featured ?? false) : noNull(i.featured),
      isPublic: create ? (i.isPublic ?? true) : noNull(i.isPublic),
    }),
  );
}

export function traderInput(
  i: { name?: Given<string>; supplierId?: Given<string>; countryCode?: Given<string>; isPublic?: Given<boolean> },
  create: boolean,
): TraderInput {
  const c = new Checks();
  return c.done(
    given({
      name: c.name(i.name, 'input.name', create),
      supplierId: keepNull(i.supplierId),
      countryCode: keepNull(i.countryCode),
      isPublic: create ? (i.isPublic ?? true) : noNull(i.isPublic),
    }),
  );
}

export function impactPartnerInput(
  i: {
    name?: Given<string>;
    description?: Given<string>;
    countryCode?: Given<string>;
    websiteUrl?: Given<string>;
    isPublic?: Given<boolean>;
  },
  create: boolean,
): ImpactPartnerInput {
  const c = new Checks();
  return c.done(
    given({
      name: c.name(i.name, 'input.name', create),
      description: c.text(i.description),
      countryCode: keepNull(i.countryCode),
      websiteUrl: c.url(i.websiteUrl, 'input.websiteUrl'),
      isPublic: create ? (i.isPublic ?? true) : noNull(i.isPublic),
    }),
  );
}

export function nftInput(
  i: {
    name?: Given<string>;
    tokenAddress?: Given<string>;
    tokenId?: Given<string>;
    supplierId?: Given<string>;
    ownerId?: Given<string>;
    quantity?: Given<Decimal>;
    availableQuantity?: Given<Decimal>;
    isPublic?: Given<boolean>;
  },
  create: boolean,
): NftInput {
  const c = new Checks();
  const quantity = c.tonnes(i.quantity, 'input.quantity');
  const available = c.tonnes(i.availableQuantity, 'input.availableQuantity') ?? (create ? quantity : undefined);
  if (quantity && available && available.gt(quantity))
    c.fail('input.availableQuantity', 'INVALID', 'Available tonnes cannot exceed the NFT quantity');
  if (create && !i.tokenAddress?.trim()) c.fail('input.tokenAddress', 'REQUIRED', 'A token address is required');
  if (create && !i.tokenId?.trim()) c.fail('input.tokenId', 'REQUIRED', 'A token id is required');
  return c.done(
    given({
      name: c.name(i.name, 'input.name', create),
      tokenAddress: i.tokenAddress?.trim(),
      tokenId: i.tokenId?.trim(),
      supplierId: keepNull(i.supplierId),
      ownerId: keepNull(i.ownerId),
      quantity,
      availableQuantity: available,
      isPublic: create ? (i.isPublic ?? true) : noNull(i.isPublic),
    }),
  );
}

/** Tonnes to buy: positive, at most gram precision. */
export function purchaseQuantity(value: Decimal): Decimal {
  const c = new Checks();
  c.tonnes(value, 'input.quantity', true);
  return c.done(value);
}

export function idempotencyKey(value: Given<string>): string | null {
  if (value == null) return null;
  const key = idempotencyKeyOf(value);
  const c = new Checks();
  if (key === null) c.fail('input.idempotencyKey', 'INVALID', IDEMPOTENCY_KEY_RULE);
  return c.done(key ?? '');
}
