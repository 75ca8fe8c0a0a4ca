// Bounds every subgraph applies to its inputs, so that what one subgraph accepts another never
// refuses, and every stored amount stays exact: money in integer minor units and mass in integer
// grams fit a PostgreSQL bigint and stay below 2^53 (SQLite hands integers to JavaScript as doubles).
import type { ApolloServerPlugin } from '@apollo/server';
import { BREAK, GraphQLError, Kind, visit, type DocumentNode, type ValueNode } from 'graphql';
import { Decimal } from './decimal.ts';
import { DomainError, ErrorCode, type UserError } from './errors.ts';

/** The largest amount of money, in major units (10^12): at most 10^15 minor units. */
export const MAX_MONEY_AMOUNT = new Decimal('1e12');
/** The largest mass, in tonnes (10^9 t): at most 10^15 grams. */
export const MAX_MASS_TONNES = new Decimal('1e9');
/** MAX_MASS_TONNES in grams (10^15 g), for masses held as integer grams. */
export const MAX_MASS_GRAMS = 10n ** 15n;

/**
 * A spend (in major units) up to which no order can buy more than MAX_MASS_TONNES at a price of at
 * least one unit per tonne. An upstream that prices on its own (orders placed by value) is asked
 * for a quote, which creates nothing, before an order above it, and the quoted mass is checked.
 */
export const MAX_SPEND_WITHOUT_MASS_CHECK = MAX_MASS_TONNES;

/** The user error (code INVALID) of money beyond MAX_MONEY_AMOUNT on `field`, or null within it. */
export function moneyLimitError(amount: Decimal, currency: string, field: string): UserError | null {
  if (!amount.abs().gt(MAX_MONEY_AMOUNT)) return null;
  return {
    field: field.split('.'),
    message: `Amounts are at most ${MAX_MONEY_AMOUNT.toFixed()} ${currency}`,
    code: 'INVALID',
  };
}

/** The user error (code INVALID) of a mass in grams beyond MAX_MASS_TONNES on `field`, or null within it. */
export function massLimitError(grams: bigint, field: string): UserError | null {
  if ((grams < 0n ? -grams : grams) <= MAX_MASS_GRAMS) return null;
  return { field: field.split('.'), message: `Quantity is at most ${MAX_MASS_TONNES.toFixed()} t`, code: 'INVALID' };
}

/** Refuses money beyond MAX_MONEY_AMOUNT, e.g. an order total, as a user error on `field`. */
export function assertMoneyWithinLimit(amount: Decimal, currency: string, field: string): void {
  const error = moneyLimitError(amount, currency, field);
  if (error) throw new DomainError('INVALID', error.message, field);
}

/** Refuses a mass in grams beyond MAX_MASS_TONNES, e.g. what an order would buy, as a user error on `field`. */
export function assertMassWithinLimit(grams: bigint, field: string): void {
  const error = massLimitError(grams, field);
  if (error) throw new DomainError('INVALID', error.message, field);
}

/**
 * Characters at most in a string argument or input field that declares no other limit
 * (`@maxLength` in its subgraph's SDL, see string-limits.ts): the length of a string column.
 */
export const MAX_STRING_LENGTH = 255;

/** Characters at most in a Relay cursor argument (`after`, `before`): a position holds a list's sort keys, a name among them. */
export const MAX_CURSOR_LENGTH = 4_000;

/** Any `Decimal` argument: at most this magnitude and this many decimal places. */
export const MAX_DECIMAL_INPUT = new Decimal('1e12');
export const MAX_DECIMAL_PLACES = 12;

/** The path of the first string holding a NUL character (U+0000), e.g. `input.name`, or null. */
export function nulCharacterPath(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = nulCharacterPath(item, `${path}.${i}`);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = nulCharacterPath(item, `${path}.${key}`);
      if (found) return found;
    }
  }
  return null;
}

function literalNulPath(node: ValueNode, path: string): string | null {
  if (node.kind === Kind.STRING) return node.value.includes('\u0000') ? path : null;
  if (node.kind === Kind.LIST)
    return node.values.map((v, i) => literalNulPath(v, `${path}.${i}`)).find((p) => p) ?? null;
  if (node.kind === Kind.OBJECT)
    return node.fields.map((f) => literalNulPath(f.value, `${path}.${f.name.value}`)).find((p) => p) ?? null;
  return null;
}

/** The first argument (a variable or a literal in the document) whose strings hold a NUL character. */
export function nulCharacterArgument(
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
): string | null {
  for (const [name, value] of Object.entries(variables ?? {})) {
    const found = nulCharacterPath(value, name);
    if (found) return found;
  }
  let found: string | null = null;
  visit(document, {
    Argument(node) {
      found ??= literalNulPath(node.value, node.name.value);
      return found ? BREAK : false;
    },
  });
  return found;
}

/**
 * Refuses an operation whose arguments hold a NUL character, before any resolver runs: text
 * columns cannot store it (PostgreSQL refuses it), and no domain value contains one.
 */
export const refuseNulCharacters: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ document, request }) {
        const field = nulCharacterArgument(document, request.variables);
        if (!field) return;
        throw new GraphQLError(`"${field}" must not contain the NUL character (U+0000)`, {
          extensions: { code: ErrorCode.BAD_USER_INPUT, field, http: { status: 400 } },
        });
      },
    };
  },
};
