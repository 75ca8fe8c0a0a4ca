// CO2Trust core services client. The route table below is the one place that knows the
// upstream's paths; the CO2Trust API document gives the paths and parameters but not the
// response bodies, so the bodies follow the REST conventions of the API (snake_case JSON,
// page/size/order pagination answered as { items, total, page, size, pages }).
//
// Choices where the document is silent (each is the REST-conventional one):
// - Entity references resolve through the documented GET /{resource}/{id} routes, one call per
//   distinct id per request (no list endpoint documents an id filter).
// - Amounts and quantities travel as JSON numbers in request bodies and are read as JSON numbers
//   or decimal strings; prices are `price_per_tonne` + `currency`, order totals `unit_price`,
//   `total_price` + `currency`; enums are lower case and an unknown value reads as UNKNOWN.
// - Every response is parsed once by the route's schema in CO2TRUST_SCHEMAS below: a missing
//   required field is an UPSTREAM_CONTRACT error naming the route and field; optional fields may
//   be absent or null; fields the GraphQL types do not need are ignored.
// - POST /orders takes { product_id, quantity, is_public, order_hash }; POST /bundle-orders takes
//   { bundle_order_id, quantity, is_public }; both answer the created order. The document defines
//   no idempotency for any write: no idempotency header is sent, each POST is sent once through
//   the write journal (lib/write-journal.ts). Business refusals are 404 (unknown product) and 409
//   with `code: insufficient_inventory`.
// - POST /sync/{order_hash} answers { order, changed } (the order alone is read too); 404 for an
//   unknown hash. A write's answer that is not the record is read one level down (`data`, the
//   model's name), else the record is found through the documented reads.
// - The upsert models are product, supplier, trader, impact_partner and nft; bodies are the
//   model's snake_case fields; PUT changes only the fields sent.
// - /dropdown/products and /suppliers/supplier_ids answer a plain array of { id, name }.
// - POST /mailing-list takes { email } and answers the entry (also when already subscribed).
// - /orders/user/purchased lists the caller's completed orders; /nfts accepts `owner_id` for an
//   admin looking at another user's NFTs.
import { z } from 'zod';
import type { Config } from '../../../lib/config.ts';
import { decimal, integer, nullable, timestamp, tolerantEnum } from '../../../lib/upstream-contract.ts';
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

// ---- response schemas (the assumptions listed at the top, in one place) --------------------

const id = z.union([z.string().min(1), z.number().int().transform(String)]);
const created = timestamp;

const userSchema = z.object({
  id,
  email: z.string(),
  name: nullable(z.string()),
  role: z.string().transform((r) => (r.toLowerCase() === 'admin' ? 'ADMIN' : 'USER') as 'ADMIN' | 'USER'),
  created_at: created,
});
const supplierSchema = z.object({
  id,
  name: z.string(),
  description: nullable(z.string()),
  country_code: nullable(z.string()),
  methodology_code: nullable(z.string()),
  featured: z.boolean().default(false),
  is_public: z.boolean(),
  created_at: created,
});
const traderSchema = z.object({
  id,
  name: z.string(),
  supplier_id: nullable(id),
  country_code: nullable(z.string()),
  is_public: z.boolean(),
  created_at: created,
});
const impactPartnerSchema = z.object({
  id,
  name: z.string(),
  description: nullable(z.string()),
  country_code: nullable(z.string()),
  website_url: nullable(z.string()),
  is_public: z.boolean(),
  created_at: created,
});
const productSchema = z.object({
  id,
  name: z.string(),
  description: nullable(z.string()),
  // ProductType is also an input enum, so it has no UNKNOWN member: a new type is a contract error.
  product_type: z
    .string()
    .transform((v) => v.toUpperCase())
    .pipe(z.enum(['REMOVAL', 'AVOIDANCE', 'BUNDLE'])),
  supplier_id: id,
  country_code: nullable(z.string()),
  vintage: nullable(integer),
  price_per_tonne: decimal,
  currency: z.string(),
  available_quantity: decimal,
  is_public: z.boolean(),
  owner_id: nullable(id),
  created_at: created,
});
const orderSchema = z.object({
  id,
  product_id: id,
  supplier_id: id,
  user_id: id,
  quantity: decimal,
  unit_price: decimal,
  total_price: decimal,
  currency: z.string(),
  status: tolerantEnum(['PENDING', 'COMPLETED', 'CANCELLED'] as const),
  is_public: z.boolean(),
  order_hash: nullable(z.string()),
  bundle_order_id: nullable(id),
  created_at: created,
});
const nftSchema = z.object({
  id,
  name: z.string(),
  token_address: z.string(),
  token_id: z.union([z.string(), z.number().int().transform(String)]),
  supplier_id: nullable(id),
  owner_id: nullable(id),
  quantity: decimal,
  available_quantity: decimal,
  is_public: z.boolean(),
  created_at: created,
});
const bundleOrderSchema = z.object({
  id,
  name: z.string(),
  product_id: id,
  supplier_id: id,
  price_per_tonne: decimal,
  currency: z.string(),
  quantity: decimal,
  available_quantity: decimal,
  is_public: z.boolean(),
  created_at: created,
});
const productOrderSchema = z.object({
  id,
  bundle_order_id: id,
  product_id: id,
  quantity: decimal,
  created_at: created,
});
const optionSchema = z.object({ id, name: z.string() });
const mailingListEntrySchema = z.object({ id, email: z.string(), created_at: created });

/** `{ items, total, … }` of a page/size/order list; `page`, `size` and `pages` are not needed. */
const page = <S extends z.ZodType>(item: S) => z.object({ items: z.array(item), total: integer });

/** The response schema of every core-services route (the CO2Trust API document's section beside each). */
export const CO2TRUST_SCHEMAS = {
  // POST /users/auth, "Authenticate User"
  authenticate: z.object({ access_token: z.string().min(1), user: userSchema }),
  products: page(productSchema), // "List Products"
  product: productSchema, // "Get Product"
  productOptions: z.array(optionSchema), // "Get Dropdown Products"
  suppliers: page(supplierSchema), // "List Suppliers"
  supplier: supplierSchema, // "Get Supplier"
  supplierOptions: z.array(optionSchema), // "Get Supplier IDs"
  traders: page(traderSchema), // "List Traders"
  trader: traderSchema, // "Get Trader"
  impactPartners: page(impactPartnerSchema), // "List Impact Partners"
  impactPartner: impactPartnerSchema, // "Get Impact Partner"
  orders: page(orderSchema), // "List Orders", "Get User Orders", "Get User Purchased Orders"
  order: orderSchema, // "Get Order", "Create Order", "Create Bundle Order"
  nfts: page(nftSchema), // "List NFTs", "List Mintable NFTs", "Get User NFTs"
  nft: nftSchema, // "Get NFT"
  bundleOrders: page(bundleOrderSchema), // "List Bundle Orders"
  bundleOrder: bundleOrderSchema, // "Get Bundle Order"
  productOrders: page(productOrderSchema), // "List Product Orders"
  productOrder: productOrderSchema, // "Get Product Order"
  sync: z.object({ order: orderSchema, changed: z.boolean() }), // POST /sync/{order_hash}, "Sync Order"
  mailingList: page(mailingListEntrySchema), // "List Mailing List Entries"
  mailingListEntry: mailingListEntrySchema, // POST, "Add to Mailing List"
} as const;

export type Parsed<K extends keyof typeof CO2TRUST_SCHEMAS> = z.output<(typeof CO2TRUST_SCHEMAS)[K]>;

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
