// Clients of the two registry upstreams. The route tables below are the one place that knows
// their paths and body shapes.
//
// ICR (the ICR organization inventory API document, "the document"): exactly the six operations
// the document describes, each with the document's section; nothing else is called or sent. Every
// request carries `x-icr-api-version` (ICR_API_VERSION, default 2023-06-16, the document's "Header
// parameters").
// Answers are parsed by the zod schemas of `icr-schemas.ts`. Where the document is silent:
// - Credentials: the document names none. With ICR_API_TOKEN set, requests carry
//   `Authorization: Bearer <ICR_API_TOKEN>` (the platform's credential); without it, none.
// - `limit` and `page` of the requests list are sent as query parameters (the document lists
//   them under "Path parameters" but its path has no place for them); `page` is zero-based (its
//   example is 0). `development` is sent as `development=true` ("if defined").
// - Statuses: 404 unknown organization, credit or request; 422 not enough tonnes; 409 request
//   already reviewed; 400 other invalid input; 425, 429 and 503 mean "not processed".
// - Who may act for an organization, idempotency keys, the offset order of a retirement and
//   the history of retirements are not in the document: the layer keeps them itself
//   (../access.ts, ../journal/).
//
// CO2Trust Puro integration (/puro/* of the CO2Trust API document, "Puro Integration"): public,
// `page` (1-based) and `size`, answered like every CO2Trust list: `{ items, total, page, size,
// pages }`. Inventory filters are the document's (`credit_type_code`, `country_code`,
// `production_facility_id`, `issuance_id`, `vintage`); `order_by` is the snake_case field, with
// a leading `-` for descending. Assumed beyond the document: `/puro/retirement` also filters by
// `offset_order_id` (repeatable), and credit types answer a plain JSON array.
import { z } from 'zod';
import type { Config } from '../../../lib/config.ts';
import { upstreamClient, type UpstreamClient } from '../../../lib/http-client.ts';
import type { Logger } from '../../../lib/logger.ts';
import { isCountryCode } from '../../../lib/scalars.ts';
import { decimal, integer, nullable, timestamp } from '../../../lib/upstream-contract.ts';

const org = (id: string) => `/organizations/${encodeURIComponent(id)}`;

/** The ICR operations, each with its section of the document. */
export const ICR_ROUTES = {
  /** GET, "Get organization inventory"; `?development=true` for the development inventory (its query parameter). */
  inventory: (id: string) => `${org(id)}/inventory`,
  /** GET `?limit&page`, "Get organization inventory requests". */
  requests: (id: string) => `${org(id)}/inventory/requests`,
  /** GET, "Get organization inventory request". */
  request: (id: string, requestId: string) => `${org(id)}/inventory/requests/${encodeURIComponent(requestId)}`,
  /**
   * POST `{ creditId, amount, toOrganizationId?, toAddress?, retirementData? }`, "Transact with
   * credits in inventory".
   */
  action: (id: string, action: IcrAction) => `${org(id)}/inventory/action/${action}`,
  /** POST, same body, "Request movements of credits in inventory". */
  requestAction: (id: string, action: IcrAction) => `${org(id)}/inventory/requests/${action}`,
  /** POST `{ state: "Accepted" | "Rejected" }`, answers `{ id }`, "Review a credit action request". */
  review: (id: string, requestId: string) => `${org(id)}/inventory/request/${encodeURIComponent(requestId)}/review`,
} as const;

/** Route names for errors and logs: method and the document's path template. */
export const ICR_ROUTE_NAMES = {
  inventory: 'GET /organizations/{id}/inventory',
  requests: 'GET /organizations/{id}/inventory/requests',
  request: 'GET /organizations/{id}/inventory/requests/{requestId}',
  action: 'POST /organizations/{id}/inventory/action/{action}',
  requestAction: 'POST /organizations/{id}/inventory/requests/{action}',
  review: 'POST /organizations/{id}/inventory/request/{requestId}/review',
} as const;

export const PURO_ROUTES = {
  inventory: '/puro/inventory',
  retirements: '/puro/retirement',
  creditTypes: '/puro/sales-channel-services/v1/credit-types',
} as const;

export type IcrAction = 'transfer' | 'retire' | 'transfer_retire' | 'cancel';

/**
 * The body of the action and request POSTs (the "Body" of "Transact with credits in inventory" and
 * of "Request movements of credits in inventory").
 */
export interface IcrActionBody {
  creditId: string;
  amount: number;
  toOrganizationId?: string;
  toAddress?: string;
  retirementData?: { reason: string; beneficiaryName: string; comment?: string };
}

// ---- CO2Trust Puro wire contract (the assumptions listed at the top, in one place) ---------
// The document names the routes and their query parameters ("Puro Integration") but no bodies: the
// bodies below are assumed, in the snake_case of every CO2Trust body. Each answer is parsed once
// by PURO_SCHEMAS at the client boundary (./source.ts): numbers as JSON numbers or decimal
// strings (as Decimal), optional fields absent or null, unknown fields ignored, a country code
// that is not ISO 3166-1 alpha-2 read as null; a missing required value is UPSTREAM_CONTRACT.

/** `{ items, total, page, size, pages }` of every CO2Trust list; `page`, `size` and `pages` are not needed. */
const puroPage = <S extends z.ZodType>(item: S) => z.object({ items: z.array(item), total: integer });

/** An ISO 3166-1 alpha-2 code, or null for anything else (the GraphQL field is nullable). */
const country = z
  .unknown()
  .transform((v) => (typeof v === 'string' && isCountryCode(v.toUpperCase()) ? v.toUpperCase() : null));

/**
 * An inventory item: the document's filter fields ("List Inventory") plus its `id`, `quantity`
 * (tonnes) and the facility's name.
 */
const puroInventoryItem = z.object({
  id: z.string(),
  credit_type_code: z.string(),
  quantity: decimal,
  country_code: country,
  production_facility_id: nullable(z.string()),
  production_facility_name: nullable(z.string()),
  issuance_id: nullable(z.string()),
  vintage: nullable(integer),
  serial_number_range: nullable(z.string()),
});

/**
 * A retirement ("List Retirements": "retirement transactions"): assumed fields, all but `id`,
 * `quantity` and `retired_at` optional.
 */
const puroRetirement = z.object({
  id: z.string(),
  quantity: decimal,
  retired_at: timestamp,
  beneficiary_name: nullable(z.string()),
  retirement_reason: nullable(z.string()),
  comment: nullable(z.string()),
  vintage: nullable(integer),
  serial_number_range: nullable(z.string()),
  offset_order_id: nullable(z.string()),
});

/** A credit type ("Get Credit Types"): assumed `{ code, name, description? }`. */
const puroCreditType = z.object({ code: z.string(), name: z.string(), description: nullable(z.string()) });

/** The response schema of every route of PURO_ROUTES (the CO2Trust API document's section beside each). */
export const PURO_SCHEMAS = {
  inventory: puroPage(puroInventoryItem), // GET /puro/inventory, "List Inventory"
  retirements: puroPage(puroRetirement), // GET /puro/retirement, "List Retirements"
  // GET /puro/sales-channel-services/v1/credit-types, "Get Credit Types" (assumed: a plain array)
  creditTypes: z.array(puroCreditType),
} as const satisfies { [K in keyof typeof PURO_ROUTES]: z.ZodType };

export type PuroParsed<K extends keyof typeof PURO_SCHEMAS> = z.output<(typeof PURO_SCHEMAS)[K]>;

/** An inventory item as the contract fake serves it (every field present). */
export interface PuroInventoryItemWire extends z.input<typeof puroInventoryItem> {
  country_code: string;
  production_facility_id: string;
  production_facility_name: string | null;
  issuance_id: string;
  vintage: number;
  quantity: string;
  serial_number_range: string | null;
}

/** A retirement as the contract fake serves it (every field present). */
export interface PuroRetirementWire extends z.input<typeof puroRetirement> {
  beneficiary_name: string | null;
  retirement_reason: string | null;
  comment: string | null;
  quantity: string;
  vintage: number | null;
  serial_number_range: string | null;
  retired_at: string;
  offset_order_id: string | null;
}

/** A credit type as the contract fake serves it. */
export interface PuroCreditTypeWire extends z.input<typeof puroCreditType> {
  description: string | null;
}

/** One keep-alive ICR client per process; the version (and the credential, when set) go on every request. */
export function createIcrClient(config: Config, logger: Logger): UpstreamClient {
  return upstreamClient(config, logger, {
    name: 'icr',
    baseUrl: config.ICR_BASE_URL,
    routes: ICR_ROUTES,
    headers: () => ({
      'x-icr-api-version': config.ICR_API_VERSION,
      ...(config.ICR_API_TOKEN ? { authorization: `Bearer ${config.ICR_API_TOKEN}` } : {}),
    }),
  });
}

/** One keep-alive client for the CO2Trust Puro integration (public endpoints). */
export function createPuroClient(config: Config, logger: Logger): UpstreamClient {
  return upstreamClient(config, logger, {
    name: 'co2trust',
    baseUrl: config.CO2TRUST_BASE_URL,
    routes: PURO_ROUTES,
  });
}
