// Lune's wire format (lune-climate/lune-docs `static/openapi.yml`, components/schemas), one zod
// schema per response, parsed once at the client boundary. Tolerant where it is safe: unknown
// enum values become `unknown`, fields Lune leaves null (or omits) while an order is `received`
// are null, numbers may come as JSON numbers or decimal strings. Precise where it is not: a
// missing required value (an id, a currency, a quote's cost) is a contract error.
import { z } from 'zod';
import { Decimal, dec } from '../../../../lib/decimal.ts';

/** `'^[0-9]+(\.[0-9]+)?$'` strings (openapi), or plain JSON numbers, as Decimal. */
const decimal = z
  .union([
    z
      .string()
      .trim()
      .regex(/^-?\d+(\.\d+)?$/, 'a decimal string'),
    z.number().finite(),
  ])
  .transform((v): Decimal => dec(String(v)));
/** A value Lune sets later in an order's life: null or absent until then. */
const later = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? null);

/** An enum that may grow: values this layer does not know are `unknown`, never an error. */
const openEnum = <const T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((v): T[number] | 'unknown' =>
      (values as readonly string[]).includes(v) ? (v as T[number]) : 'unknown',
    );

const timestamp = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO 8601 date-time')
  .transform((s) => new Date(s));

/** OrderBase.status. */
export const LUNE_ORDER_STATUSES = [
  'received',
  'placed',
  'paid',
  'retiring',
  'cancelled',
  'complete',
  'failed',
] as const;
/** OrderBase.type (an order by estimate is a `quantity` order with an `estimate_id`). */
export const LUNE_ORDER_TYPES = ['quantity', 'value'] as const;

/** OrderBundle: the part of a quote or order bought from one bundle (no project: bundles hold several). */
export const LuneOrderBundle = z.object({
  bundle_id: z.string().min(1),
  bundle_name: z.string(),
  quantity: decimal,
  unit_price: decimal,
  gross_unit_price: later(decimal),
  offset_cost: decimal,
  insufficient_available_quantity: later(z.boolean()),
});
export type LuneOrderBundle = z.infer<typeof LuneOrderBundle>;

/** OrderQuoteBase + OrderQuoteByQuantity / OrderQuoteByValue. */
export const LuneQuote = z.object({
  currency: z.string().min(1),
  estimated_quantity: decimal,
  estimated_offset_cost: decimal,
  estimated_total_cost: decimal,
  estimated_commission: later(decimal),
  bundles: z.array(LuneOrderBundle),
  requested_quantity: later(decimal),
  requested_value: later(decimal),
});
export type LuneQuote = z.infer<typeof LuneQuote>;

/** Order (OrderBase + OrderByQuantity/Value/Estimate properties). */
export const LuneOrder = z.object({
  id: z.string().min(1),
  idempotency_key: later(z.string()),
  type: openEnum(LUNE_ORDER_TYPES),
  status: openEnum(LUNE_ORDER_STATUSES),
  currency: z.string().min(1),
  offset_cost: later(decimal),
  total_cost: later(decimal),
  commission: later(decimal),
  quantity: later(decimal),
  created_at: timestamp,
  bundles: later(z.array(LuneOrderBundle)),
  certificate: later(z.string()),
  metadata: later(z.record(z.string(), z.string())),
  requested_quantity: later(decimal),
  requested_value: later(decimal),
  estimate_id: later(z.string()),
});
export type LuneOrder = z.infer<typeof LuneOrder>;

/** Account (AccountBase: `id`, `currency`, …), answered by GET /accounts/me; only what the layer reads. */
export const LuneAccount = z.object({ id: z.string().min(1), currency: z.string().min(1) });
export type LuneAccount = z.infer<typeof LuneAccount>;

/** PaginatedOrders. */
export const LuneOrderPage = z.object({ has_more: z.boolean(), data: z.array(LuneOrder) });
export type LuneOrderPage = z.infer<typeof LuneOrderPage>;

/** ErrorResponse: `{ error: { error_code, message }, errors: [same] }`. */
const LuneErrorDetail = z.object({ error_code: z.string(), message: z.string().optional() });
const LuneErrorResponse = z.object({ error: LuneErrorDetail.optional(), errors: z.array(LuneErrorDetail).optional() });

/** The `error_code` and `message` of an error body, or nulls when it is not Lune's envelope. */
export function luneErrorOf(body: unknown): { code: string | null; message: string | null } {
  const parsed = LuneErrorResponse.safeParse(body);
  const detail = parsed.success ? (parsed.data.error ?? parsed.data.errors?.[0]) : undefined;
  const message = detail?.message?.trim();
  return { code: detail?.error_code ?? null, message: message ? message.slice(0, 200) : null };
}
