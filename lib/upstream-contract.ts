// The wire contract of an upstream, checked once at the client boundary. Upstream documents
// rarely show bodies, so every route's response schema is an assumption: tolerant where that is
// safe (numbers as JSON numbers or decimal strings, unknown enum values, extra fields), precise
// where it is not (a missing required value is an `UPSTREAM_CONTRACT` error naming the upstream,
// the route and the field, never an INTERNAL_SERVER_ERROR deep in a mapper).
import { GraphQLError } from 'graphql';
import { z } from 'zod';
import { Decimal, dec } from './decimal.ts';
import { DomainError } from './errors.ts';
import type { Logger } from './logger.ts';

export const UPSTREAM_CONTRACT = 'UPSTREAM_CONTRACT';

/** An upstream answered a body that does not match the documented (or assumed) contract. */
export class UpstreamContractError extends GraphQLError {
  readonly upstream: string;
  readonly route: string;
  readonly field: string;
  constructor(upstream: string, route: string, field: string, problem: string) {
    super(`${upstream} answered ${route} with an unexpected body: ${field || '(body)'} ${problem}`, {
      extensions: { code: UPSTREAM_CONTRACT, upstream, route, field },
    });
    this.upstream = upstream;
    this.route = route;
    this.field = field;
  }
}

/** A decimal amount: a JSON number or a decimal string, as a Decimal (never a float in code). */
export const decimal: z.ZodType<Decimal, number | string> = z
  .union([
    z.number().finite(),
    z
      .string()
      .trim()
      .regex(/^-?\d+(\.\d+)?$/, 'expected a decimal number'),
  ])
  .transform((v) => dec(String(v)));

/** A Decimal written as a JSON number in a request body (refused when a double cannot carry it exactly). */
export const jsonNumber = z.instanceof(Decimal).transform((d, ctx) => {
  const n = d.toNumber();
  if (!new Decimal(String(n)).eq(d)) ctx.addIssue({ code: 'custom', message: 'not representable as a JSON number' });
  return n;
});

/** A whole number sent as a JSON number or a numeric string. */
export const integer = z.union([
  z.number().int(),
  z
    .string()
    .trim()
    .regex(/^-?\d+$/)
    .transform(Number),
]);

/** A timestamp (ISO 8601 string) as a Date. */
export const timestamp = z.iso
  .datetime({ offset: true, local: true })
  .or(z.iso.date())
  .transform((v) => new Date(v));

/**
 * A case-insensitive enum that tolerates values added upstream after this was written: an
 * unknown value becomes `UNKNOWN` rather than failing the whole record.
 */
export function tolerantEnum<const T extends readonly string[]>(values: T) {
  return z.string().transform((v): T[number] | 'UNKNOWN' => {
    const upper = v.toUpperCase();
    return (values as readonly string[]).includes(upper) ? (upper as T[number]) : 'UNKNOWN';
  });
}

/** Optional upstream fields: absent and null both mean "not given". */
export const nullable = <S extends z.ZodType>(schema: S) => schema.nullish().transform((v) => v ?? null);

/** The contract violations seen since start, per upstream, route and field (counts only, no values). */
const violations = new Map<string, number>();

export function contractViolations(): ReadonlyMap<string, number> {
  return violations;
}

/** A route of an upstream that answered outside its contract: the last field that failed, and when. */
export interface RecentViolation {
  upstream: string;
  route: string;
  field: string;
  /** ISO 8601 time of the last violation. */
  at: string;
}

/** The last violation per upstream and route (ms since epoch), for `/health`. */
const lastSeen = new Map<string, { upstream: string; route: string; field: string; at: number }>();

/**
 * The routes of `upstream` that answered outside their contract within the last `windowMs`
 * (only routes whose path starts with `pathPrefix`, when given), newest first. No values.
 */
export function recentViolations(
  upstream: string,
  windowMs: number,
  pathPrefix = '',
  now = Date.now(),
): RecentViolation[] {
  return [...lastSeen.values()]
    .filter(
      (v) =>
        v.upstream === upstream && now - v.at <= windowMs && (v.route.split(' ').at(-1) ?? '').startsWith(pathPrefix),
    )
    .sort((a, b) => b.at - a.at)
    .map((v) => ({ upstream: v.upstream, route: v.route, field: v.field, at: new Date(v.at).toISOString() }));
}

export interface ContractSite {
  upstream: string;
  /** The documented route template, e.g. `GET /v1/products/{product_id}`. */
  route: string;
  logger?: Logger;
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let v = body;
  for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/**
 * Parses an upstream body with its route's schema, once, at the client boundary. A mismatch is
 * an `UpstreamContractError` naming the first failing field; it is logged once per upstream,
 * route and field (with a counter, never the value, which may be personal data).
 */
export function parseUpstream<S extends z.ZodType>(schema: S, body: unknown, site: ContractSite): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = pathOf(issue.path);
  const key = `${site.upstream} ${site.route} ${field}`;
  const seen = (violations.get(key) ?? 0) + 1;
  violations.set(key, seen);
  lastSeen.set(`${site.upstream} ${site.route}`, { upstream: site.upstream, route: site.route, field, at: Date.now() });
  const problem = valueAt(body, issue.path) === undefined ? 'is missing' : `is invalid: ${issue.message}`;
  if (seen === 1)
    site.logger?.warn({ upstream: site.upstream, route: site.route, field, problem }, 'upstream contract violation');
  throw new UpstreamContractError(site.upstream, site.route, field, problem);
}

/**
 * Builds a request body with its schema (e.g. Decimals as JSON numbers). A value the schema
 * cannot carry is the caller's INVALID input, named by its field, and nothing is sent.
 */
export function requestBody<S extends z.ZodType>(schema: S, value: z.input<S>): z.output<S> {
  const built = schema.safeParse(value);
  if (built.success) return built.data;
  const issue = built.error.issues[0]!;
  throw new DomainError('INVALID', `${pathOf(issue.path) || 'the body'} cannot be sent upstream: ${issue.message}`);
}
