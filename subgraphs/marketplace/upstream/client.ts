// CO2Trust core services client. The route table below is the one place that knows the
// upstream's paths; the seed documents the paths and parameters but not the response bodies,
// so the bodies follow the REST conventions of the API (snake_case JSON, page/size/order
// pagination answered as { items, total, page, size, pages }).
import type { Config } from '../../../lib/config.ts';
import { UpstreamClient } from '../../../lib/http-client.ts';
import type { Logger } from '../../../lib/logger.ts';

const BASE = '/co2trust-services/v1';

export const CO2TRUST_ROUTES = {
  authenticate: `${BASE}/users/auth`,
  products: `${BASE}/products`,
  product: (id: string) => `${BASE}/products/${encodeURIComponent(id)}`,
  supplier: (id: string) => `${BASE}/suppliers/${encodeURIComponent(id)}`,
  orders: `${BASE}/orders`,
  order: (id: string) => `${BASE}/orders/${encodeURIComponent(id)}`,
  userOrders: `${BASE}/orders/user`,
  nft: (id: string) => `${BASE}/nfts/${encodeURIComponent(id)}`,
} as const;

export interface Co2TrustPage<T> {
  items: T[];
  total: number;
  page: number;
  size: number;
  pages: number;
}

export interface Co2TrustUser {
  id: string;
  email: string;
  name: string | null;
  role: 'user' | 'admin';
  created_at: string;
}

export interface Co2TrustAuthResponse {
  access_token: string;
  token_type: string;
  user: Co2TrustUser;
}

export interface Co2TrustSupplier {
  id: string;
  name: string;
  country_code: string | null;
  methodology_code: string | null;
  featured: boolean;
}

export interface Co2TrustProduct {
  id: string;
  name: string;
  description: string | null;
  product_type: 'removal' | 'avoidance' | 'bundle';
  supplier_id: string;
  country_code: string | null;
  vintage: number | null;
  price_per_tonne: string;
  currency: string;
  available_quantity: string;
  is_public: boolean;
  owner_id: string | null;
  created_at: string;
}

export interface Co2TrustOrder {
  id: string;
  product_id: string;
  supplier_id: string;
  user_id: string;
  quantity: string;
  unit_price: string;
  total_price: string;
  currency: string;
  status: 'pending' | 'completed' | 'cancelled';
  is_public: boolean;
  order_hash: string | null;
  created_at: string;
}

export interface Co2TrustNft {
  id: string;
  name: string;
  token_address: string;
  token_id: string;
  supplier_id: string | null;
  owner_id: string | null;
  quantity: string;
  available_quantity: string;
  is_public: boolean;
  created_at: string;
}

/** One keep-alive client per process; the caller's token is added per request. */
export function createCo2TrustClient(config: Config, logger: Logger): UpstreamClient {
  return new UpstreamClient({
    name: 'co2trust',
    baseUrl: config.CO2TRUST_BASE_URL,
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    retries: config.UPSTREAM_RETRIES,
    breakerThreshold: config.UPSTREAM_BREAKER_THRESHOLD,
    halfOpenAfterMs: config.UPSTREAM_BREAKER_HALF_OPEN_MS,
    logger,
  });
}
