import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/** Stable codes of GraphQL errors (`extensions.code`); clients may switch on them. */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  UPSTREAM_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  /** An upstream answered something its document does not allow (a missing or malformed field). */
  UPSTREAM_CONTRACT: 'UPSTREAM_CONTRACT',
  /** A write may or may not have taken effect upstream (the answer was lost); it is never re-sent. */
  UPSTREAM_OUTCOME_UNKNOWN: 'UPSTREAM_OUTCOME_UNKNOWN',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const PUBLIC_CODES = new Set<string>([
  ...Object.values(ErrorCode),
  // Apollo Server's own request-level codes are safe to show as they are.
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
]);

/** A GraphQL error with a stable code. */
export function apiError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

export const notFound = (what: string, id?: string) =>
  apiError(ErrorCode.NOT_FOUND, id === undefined ? `${what} not found` : `${what} ${id} not found`);
export const badInput = (message: string, field?: string) =>
  apiError(ErrorCode.BAD_USER_INPUT, message, field ? { field } : {});
export const unauthenticated = (message = 'Authentication required') => apiError(ErrorCode.UNAUTHENTICATED, message);
export const forbidden = (message = 'Not allowed') => apiError(ErrorCode.FORBIDDEN, message);

/** Codes of `UserError.code` in mutation payloads: expected business failures. */
export type UserErrorCode =
  | 'INVALID'
  | 'REQUIRED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'IDEMPOTENCY_MISMATCH'
  | 'INSUFFICIENT_BALANCE'
  | 'INSUFFICIENT_INVENTORY'
  | 'BELOW_MINIMUM'
  | 'FORBIDDEN'
  // Offsetting a resold product: nothing to measure, or a quote above the buyer's limit.
  | 'NO_FOOTPRINT'
  | 'NO_SALES_VOLUME'
  | 'QUOTE_ABOVE_MAXIMUM_SPEND';

export interface UserError {
  field: string[] | null;
  message: string;
  code: UserErrorCode;
}

/** A user error on a field of the mutation's `input`: `'maximumSpend.amount'` is `['input', 'maximumSpend', 'amount']`. */
export const inputError = (field: string, code: UserErrorCode, message: string): UserError => ({
  field: ['input', ...field.split('.')],
  code,
  message,
});

/**
 * Thrown by domain code for an expected business failure; mutation resolvers turn it into
 * `userErrors` (see `mutationPayload`). The transaction it aborts writes nothing.
 */
export class DomainError extends Error {
  readonly code: UserErrorCode;
  readonly field: string[] | null;
  constructor(code: UserErrorCode, message: string, field?: string | string[]) {
    super(message);
    this.code = code;
    this.field = field === undefined ? null : Array.isArray(field) ? field : field.split('.');
  }
  toUserError(): UserError {
    return { field: this.field, message: this.message, code: this.code };
  }
}

/** Validation failures collected before anything is written. */
export class ValidationErrors extends Error {
  readonly errors: UserError[];
  constructor(errors: UserError[]) {
    super(errors.map((e) => e.message).join('; '));
    this.errors = errors;
  }
}

/**
 * Runs a mutation and shapes its payload: domain failures become `userErrors`, everything else
 * propagates as a GraphQL error.
 */
export async function mutationPayload<K extends string, T>(
  key: K,
  run: () => Promise<T>,
): Promise<{ [P in K]: T | null } & { userErrors: UserError[] }> {
  try {
    const value = await run();
    return { [key]: value, userErrors: [] } as { [P in K]: T | null } & { userErrors: UserError[] };
  } catch (error) {
    const userErrors =
      error instanceof DomainError ? [error.toUserError()] : error instanceof ValidationErrors ? error.errors : null;
    if (!userErrors) throw error;
    return { [key]: null, userErrors } as { [P in K]: T | null } & { userErrors: UserError[] };
  }
}

/**
 * Masks anything that is not a deliberate, coded error: clients see a stable code and a generic
 * message, never a stack trace, SQL or an upstream's body.
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  log?: (err: unknown) => void,
): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && PUBLIC_CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
    const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  log?.(error);
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}
