// CO2Trust core services client. The route table below is the one place that knows the
// upstream's paths; the seed documents the paths and parameters but not the response bodies,
// so the bodies follow the REST conventions of the API (snake_case JSON, page/size/order
// pagination answered as { items, total, page, size, pages }).
//
// Choices where the seed is silent (each is the REST-conventional one):
// - Lists accept `ids` (comma-separated) among their "additional filters", so entity references
//   resolve in one call per page of 100 ids rather than one call per id.
// - POST /orders takes { product_id, quantity, is_public, order_hash }; POST /bundle-orders takes
//   { bundle_order_id, quantity, is_public }; both answer the created order and honour an
//   `Idempotency-Key` header. Business refusals are 404 (unknown product), 409 with
//   `code: insufficient_inventory` and 422 with `code: idempotency_mismatch`.
// - POST /sync/{order_hash} answers { order, changed }; 404 for an unknown hash.
// - The upsert models are product, supplier, trader, impact_partner and nft; bodies are the
//   model's snake_case fields; PUT changes only the fields sent.
// - /dropdown/products and /suppliers/supplier_ids answer a plain array of { id, name }.
// - POST /mailing-list takes { email } and answers the entry (also when already subscribed).
// - /orders/user/purchased lists the caller's completed orders; /nfts accepts `owner_id` for an
//   admin looking at another user's NFTs.
import type { Config } from '../../../lib/config.ts';
import { upstreamClient, type UpstreamClient } from '../../../lib/http-client.ts';
import type { Logger } from '../../../lib/logger.ts';

const BASE = '/co2trust-services/v1';

const at = (path: string) => (id: string) => `${BASE}/${path}/${encodeURIComponent(id)}`;

export const CO2TRUST_ROUTES = {
  authenticate: `${BASE}/users/auth`,
  products: `${BASE}/products`,
  product: at('products'),
  productOptions: `${BASE}/dropdown/products`,
  suppliers: `${BASE}/suppliers`,
  supplier: at('suppliers'),
  supplierOptions: `${BASE}/suppliers/supplier_ids`,
  traders: `${BASE}/traders`,
  trader: at('traders'),
  impactPartners: `${BASE}/impact-partners`,
  impactPartner: at('impact-partners'),
  orders: `${BASE}/orders`,
  order: at('orders'),
  userOrders: `${BASE}/orders/user`,
  userPurchasedOrders: `${BASE}/orders/user/purchased`,
  nfts: `${BASE}/nfts`,
  mintableNfts: `${BASE}/nfts/mint`,
  userNfts: `${BASE}/nfts/user`,
  nft: at('nfts'),
  bundleOrders: `${BASE}/bundle-orders`,
  bundleOrder: at('bundle-orders'),
  productOrders: `${BASE}/product-orders`,
  productOrder: at('product-orders'),
  sync: (orderHash: string) => `${BASE}/sync/${encodeURIComponent(orderHash)}`,
  upsert: (model: Co2TrustModel) => `${BASE}/upsert/${model}`,
  upsertOne: (model: Co2TrustModel, id: string) => `${BASE}/upsert/${model}/${encodeURIComponent(id)}`,
  mailingList: `${BASE}/mailing-list`,
} as const;

export type Co2TrustModel = 'product' | 'supplier' | 'trader' | 'impact_partner' | 'nft';

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
  description: string | null;
  country_code: string | null;
  methodology_code: string | null;
  featured: boolean;
  is_public: boolean;
  created_at: string;
}

export interface Co2TrustTrader {
  id: string;
  name: string;
  supplier_id: string | null;
  country_code: string | null;
  is_public: boolean;
  created_at: string;
}

export interface Co2TrustImpactPartner {
  id: string;
  name: string;
  description: string | null;
  country_code: string | null;
  website_url: string | null;
  is_public: boolean;
  created_at: string;
}

export interface Co2TrustBundleOrder {
  id: string;
  name: string;
  product_id: string;
  supplier_id: string;
  price_per_tonne: string;
  currency: string;
  quantity: string;
  available_quantity: string;
  is_public: boolean;
  created_at: string;
}

export interface Co2TrustProductOrder {
  id: string;
  bundle_order_id: string;
  product_id: string;
  quantity: string;
  created_at: string;
}

export interface Co2TrustOption {
  id: string;
  name: string;
}

export interface Co2TrustMailingListEntry {
  id: string;
  email: string;
  created_at: string;
}

export interface Co2TrustSyncResult {
  order: Co2TrustOrder;
  changed: boolean;
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
  bundle_order_id: string | null;
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
  return upstreamClient(config, logger, {
    name: 'co2trust',
    baseUrl: config.CO2TRUST_BASE_URL,
    routes: CO2TRUST_ROUTES,
  });
}
