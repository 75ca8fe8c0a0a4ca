import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { Decimal, minorUnits } from './decimal.ts';
import { MAX_DECIMAL_INPUT, MAX_DECIMAL_PLACES } from './limits.ts';

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
const currencies = new Set(Intl.supportedValuesOf('currency'));

export function isCountryCode(value: string): boolean {
  return /^[A-Z]{2}$/.test(value) && regionNames.of(value) !== undefined;
}
export function isCurrencyCode(value: string): boolean {
  return /^[A-Z]{3}$/.test(value) && currencies.has(value);
}

const invalid = (scalar: string, detail: string) =>
  new GraphQLError(`${scalar} cannot represent ${detail}`, { extensions: { code: 'BAD_USER_INPUT' } });

// Descriptions live in schema/common.graphql; `specifiedByURL` repeats its @specifiedBy so that the
// scalar objects, which replace the SDL's when a subgraph schema is built, keep it.
const RFC3339 = 'https://datatracker.ietf.org/doc/html/rfc3339#section-5.6';

function stringScalar(name: string, specifiedByURL: string, check: (v: string) => boolean, example: string) {
  const parse = (value: unknown) => {
    if (typeof value !== 'string' || !check(value))
      throw invalid(name, `${JSON.stringify(value)}; expected e.g. ${example}`);
    return value;
  };
  return new GraphQLScalarType({
    name,
    specifiedByURL,
    serialize: (v) => String(v),
    parseValue: parse,
    parseLiteral: (ast: ValueNode) => parse(ast.kind === Kind.STRING ? ast.value : undefined),
  });
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function isDate(v: string) {
  if (!DATE_RE.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(v);
}

export const DateTimeScalar: GraphQLScalarType<Date | string, string> = new GraphQLScalarType<Date | string, string>({
  name: 'DateTime',
  specifiedByURL: RFC3339,
  serialize: (v) => {
    const d = v instanceof Date ? v : new Date(String(v));
    if (Number.isNaN(d.getTime())) throw invalid('DateTime', String(v));
    return d.toISOString();
  },
  // Kept as the client's string: feeds compare with sub-second precision beyond milliseconds.
  parseValue: (v) => {
    if (typeof v !== 'string' || !DATETIME_RE.test(v) || Number.isNaN(Date.parse(v)))
      throw invalid('DateTime', `${JSON.stringify(v)}; expected RFC 3339`);
    return v;
  },
  parseLiteral: (ast): string => DateTimeScalar.parseValue(ast.kind === Kind.STRING ? ast.value : undefined) as string,
});

export const DateScalar = stringScalar('Date', RFC3339, isDate, '2026-01-31');
export const CountryCodeScalar = stringScalar(
  'CountryCode',
  'https://www.iso.org/iso-3166-country-codes.html',
  isCountryCode,
  'SE',
);
export const CurrencyCodeScalar = stringScalar(
  'CurrencyCode',
  'https://www.iso.org/iso-4217-currency-codes.html',
  isCurrencyCode,
  'EUR',
);

export const DecimalScalar: GraphQLScalarType<Decimal, string> = new GraphQLScalarType<Decimal, string>({
  name: 'Decimal',
  specifiedByURL: 'https://www.w3.org/TR/xmlschema11-2/#decimal',
  serialize: (v) => {
    if (v instanceof Decimal) return v.toString();
    // A formatted string (e.g. money with its currency's decimals) is kept as it is.
    if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return v;
    if (typeof v === 'number' || typeof v === 'bigint') return new Decimal(v.toString()).toString();
    throw invalid('Decimal', String(v));
  },
  parseValue: (v) => {
    let value: Decimal;
    if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) value = new Decimal(v.trim());
    else if (typeof v === 'number' && Number.isSafeInteger(v)) value = new Decimal(v);
    else throw invalid('Decimal', `${JSON.stringify(v).slice(0, 60)}; send a decimal string such as "12.50"`);
    // Bounded so that no amount can overflow a stored integer or be rounded on its way in.
    if (value.abs().gt(MAX_DECIMAL_INPUT))
      throw invalid('Decimal', `a value beyond ${MAX_DECIMAL_INPUT.toFixed()} in magnitude`);
    if (value.decimalPlaces() > MAX_DECIMAL_PLACES)
      throw invalid('Decimal', `more than ${MAX_DECIMAL_PLACES} decimal places`);
    return value;
  },
  parseLiteral: (ast): Decimal => {
    if (ast.kind === Kind.STRING || ast.kind === Kind.INT) return DecimalScalar.parseValue(ast.value) as Decimal;
    throw invalid('Decimal', 'a non-string literal; send a decimal string such as "12.50"');
  },
});

/** Resolvers of the scalars and value types declared in schema/common.graphql. */
export const commonResolvers = {
  DateTime: DateTimeScalar,
  Date: DateScalar,
  Decimal: DecimalScalar,
  CountryCode: CountryCodeScalar,
  CurrencyCode: CurrencyCodeScalar,
  Money: {
    /** Always the currency's number of decimals: "145.00", not "145". */
    amount: (money: { amount: Decimal | string; currency: string }) =>
      new Decimal(money.amount.toString()).toFixed(minorUnits(money.currency)),
  },
};
