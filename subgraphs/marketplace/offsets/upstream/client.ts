// Client of the offset-orders API (Lune-style). The route table below is the one place that knows
// its paths. The seed documents the paths and status codes but not the bodies or the list
// parameters; the choices made here, REST-conventional and as Lune shapes them:
// - bodies are snake_case JSON; a mass is `{ amount, unit: "t" }` (always sent in tonnes, exact
//   decimals); money amounts are decimal strings with a separate `currency`;
// - an order carries `metadata` (string map): the marketplace stores the buyer id and the
//   request fingerprint there, and `beneficiary` (the name the certificate is issued to);
// - idempotency keys are account-wide upstream, so a buyer's key is sent as `<buyer id>:<key>`;
// - GET /orders pages by `limit` (1..100) and `after` (an order id), answering
//   `{ data, has_more }`, newest first; there is no buyer filter, so a buyer's list is the
//   account's list filtered by `metadata.buyer_id`;
// - a 409 body is `{ error_code, message }`, error_code one of quantity_not_positive,
//   insufficient_quantity, currency_not_supported, idempotency_key_conflict,
//   estimate_already_ordered, account_suspended;
// - GET /orders/{id}/certificate answers the PDF itself (application/pdf).
import type { Config } from '../../../../lib/config.ts';
import { upstreamClient, type UpstreamClient } from '../../../../lib/http-client.ts';
import type { Logger } from '../../../../lib/logger.ts';

const enc = encodeURIComponent;

export const OFFSET_ORDER_ROUTES = {
  createByMass: '/orders/by-mass',
  createByValue: '/orders/by-value',
  createByEstimate: '/orders/by-estimate',
  quoteByMass: '/orders/by-mass/quote',
  quoteByValue: '/orders/by-value/quote',
  orders: '/orders',
  order: (id: string) => `/orders/${enc(id)}`,
  byIdempotencyKey: (key: string) => `/orders/by-idempotency-key/${enc(key)}`,
  certificate: (id: string) => `/orders/${enc(id)}/certificate`,
} as const;

/** Largest `limit` of GET /orders. */
export const OFFSET_ORDERS_MAX_LIMIT = 100;

export interface OffsetApiMass {
  amount: string;
  unit: 't' | 'kg' | 'g';
}

export interface OffsetApiBundleAllocation {
  bundle_id: string;
  bundle_name: string;
  project_id: string | null;
  project_name: string;
  /** Tonnes. */
  quantity: string;
  /** Price per tonne. */
  unit_price: string;
  offset_cost: string;
}

export interface OffsetApiQuote {
  /** Tonnes. */
  quantity: string;
  currency: string;
  offset_cost: string;
  total_cost: string;
  bundles: OffsetApiBundleAllocation[];
}

export type OffsetApiStatus = 'received' | 'placed' | 'paid' | 'retiring' | 'complete' | 'cancelled' | 'failed';

export interface OffsetApiOrder extends OffsetApiQuote {
  id: string;
  idempotency_key: string | null;
  type: 'mass' | 'value' | 'estimate';
  status: OffsetApiStatus;
  requested_value: string | null;
  estimate_id: string | null;
  beneficiary: string | null;
  metadata: Record<string, string>;
  /** URL of the certificate once the order is complete. */
  certificate: string | null;
  created_at: string;
}

export interface OffsetApiOrderPage {
  data: OffsetApiOrder[];
  has_more: boolean;
}

export interface OffsetApiConflict {
  error_code?: string;
  message?: string;
}

/** One keep-alive client per process; the account's API key is the bearer token. */
export function createOffsetOrdersClient(config: Config, logger: Logger): UpstreamClient {
  const key = config.OFFSET_ORDERS_API_KEY;
  return upstreamClient(config, logger, {
    name: 'offset-orders',
    baseUrl: config.OFFSET_ORDERS_BASE_URL,
    routes: OFFSET_ORDER_ROUTES,
    headers: (): Record<string, string> => (key ? { authorization: `Bearer ${key}` } : {}),
  });
}
