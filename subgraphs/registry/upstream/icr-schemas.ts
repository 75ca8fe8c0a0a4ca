// What the ICR answers, as zod schemas read from the ICR organization inventory API document (the
// response examples of each route; sections in client.ts `ICR_ROUTES`). Parsing is tolerant where
// tolerance is safe: numbers come as JSON numbers or decimal strings, an unknown enum value
// becomes `UNKNOWN` (or null where the field is optional), optional fields may be missing or
// null, unknown fields are ignored. A missing required value is an UPSTREAM_CONTRACT error that
// names the upstream, the route and the field path (never the upstream's text).
import { z } from 'zod';
import type { Logger } from '../../../lib/logger.ts';
import { decimal, integer, parseUpstream } from '../../../lib/upstream-contract.ts';
import type { ICR_ROUTES } from './client.ts';
import type { CreditAction, CreditKind, CreditRequestState } from '../source.ts';

const text = z.string();
const optionalText = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined ? null : String(v)));
/** `"2020"` in the document; a number is accepted too. */
const vintage = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined || v === '' || Number.isNaN(Number(v)) ? null : Number(v)));

const KINDS: Record<string, CreditKind> = { exante: 'EX_ANTE', expost: 'EX_POST' };
const ACTIONS: Record<string, CreditAction> = {
  transfer: 'TRANSFER',
  retire: 'RETIRE',
  transfer_retire: 'TRANSFER_RETIRE',
  cancel: 'CANCEL',
};
const STATES: Record<string, CreditRequestState> = { pending: 'PENDING', processed: 'PROCESSED', rejected: 'REJECTED' };

/** `type`: exAnte | exPost; anything else is null (the field is optional in GraphQL). */
const kind = z
  .string()
  .nullish()
  .transform((v) => (v ? (KINDS[v.toLowerCase()] ?? null) : null));
const action = text.transform((v): CreditAction | 'UNKNOWN' => ACTIONS[v.toLowerCase()] ?? 'UNKNOWN');
const state = text.transform((v): CreditRequestState => STATES[v.toLowerCase()] ?? 'UNKNOWN');
const dateTime = text.refine((v) => !Number.isNaN(Date.parse(v)), 'not a date-time').transform((v) => new Date(v));

export const icrProject = z.object({
  id: text,
  fullName: text,
  url: optionalText,
  publicUrl: optionalText,
  num: optionalText,
});

/** A credit of an organization's inventory ("Get organization inventory", its response example). */
export const icrCredit = z.object({
  organizationId: optionalText,
  id: text,
  tokenId: text,
  tokenAddress: text,
  project: icrProject.nullish().transform((v) => v ?? null),
  serialization: optionalText,
  vintage,
  supply: decimal.nullish().transform((v) => v ?? null),
  unit: optionalText,
  amount: decimal,
  type: kind,
});

/** GET /organizations/{id}/inventory ("Get organization inventory"). */
export const icrInventory = z.object({
  credits: z.array(icrCredit),
  organizationId: optionalText,
});

/**
 * A credit request: the answer of the request reads, the action and the request POSTs (the
 * response example of "Get organization inventory requests").
 */
export const icrCreditRequest = z.object({
  action,
  type: kind,
  id: text,
  toAddress: optionalText,
  createdAt: dateTime,
  updatedAt: dateTime.nullish().transform((v) => v ?? null),
  tokenId: optionalText,
  tokenAddress: optionalText,
  creditId: text,
  serialization: optionalText,
  vintage,
  amount: decimal,
  fromOrganizationId: optionalText,
  toOrganizationId: optionalText,
  project: icrProject.nullish().transform((v) => v ?? null),
  txId: optionalText,
  state,
  retirementId: optionalText,
  retirementReason: optionalText,
  retirementComment: optionalText,
  beneficiaryName: optionalText,
});

/** GET /organizations/{id}/inventory/requests ("Get organization inventory requests"). */
export const icrCreditRequestPage = z.object({
  pagination: z.object({
    total: integer.pipe(z.number().nonnegative()),
    currentPage: integer.nullish(),
    pageCount: integer.nullish(),
    nextPage: integer.nullish(),
    prevPage: integer.nullish(),
  }),
  creditRequests: z.array(icrCreditRequest),
});

/** POST /organizations/{id}/inventory/request/{requestId}/review ("Review a credit action request", its response). */
export const icrReviewAnswer = z.object({ id: optionalText });

/** The answer schema of every route of ICR_ROUTES (document sections in client.ts). */
export const ICR_SCHEMAS = {
  inventory: icrInventory,
  requests: icrCreditRequestPage,
  request: icrCreditRequest,
  action: icrCreditRequest,
  requestAction: icrCreditRequest,
  review: icrReviewAnswer,
} as const satisfies { [K in keyof typeof ICR_ROUTES]: z.ZodType };

export type IcrCreditParsed = z.output<typeof icrCredit>;
export type IcrInventoryParsed = z.output<typeof icrInventory>;
export type IcrCreditRequestParsed = z.output<typeof icrCreditRequest>;
export type IcrCreditRequestPageParsed = z.output<typeof icrCreditRequestPage>;
export type IcrProjectParsed = z.output<typeof icrProject>;

/** Parses an ICR answer at the client boundary (`parseUpstream`: UPSTREAM_CONTRACT naming the route and field). */
export function parseIcr<S extends z.ZodType>(
  logger: Logger | undefined,
  schema: S,
  body: unknown,
  route: string,
): z.output<S> {
  return parseUpstream(schema, body, { upstream: 'icr', route, logger });
}
