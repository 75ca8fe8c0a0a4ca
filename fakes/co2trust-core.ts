// Contract fake of the CO2Trust core services (/co2trust-services/v1), written from
// ../shared/seeds/000_7aa04813252c030c.txt alone (line numbers below are that file's). It shares
// no code with our client: its wire shapes and checks are its own. Serves the marketplace demo
// data set (the records of subgraphs/marketplace/local/seed.ts).
//
// Routes (base /co2trust-services/v1; each with the document's "Auth Required"):
//   POST /users/auth                       lines 11-16: X-Backend-Secret-Key; "access token and user information"
//   GET  /products, /products/{product_id} lines 20-35: `page`, `size`, `order` (26-28), "additional
//        filters" (29): product_type, supplier_id, country_code; public without a token
//   GET  /orders, /orders/{order_id}       lines 39-54: token; `supplier_id`, `product_type`, `is_public` (46-48)
//   POST /orders                           lines 56-61: token, "order creation data"
//   GET  /orders/user, /orders/user/purchased  lines 63-73: token
//   GET  /nfts, /nfts/mint, /nfts/user, /nfts/{nft_id}  lines 77-104: `available_only` on /nfts/user (98)
//   GET  /suppliers, /suppliers/{supplier_id}, /suppliers/supplier_ids  lines 108-129: `featured`,
//        `country_code`, `methodology_code` (115-117); supplier_ids "IDs and names" (128)
//   GET  /traders, /traders/{trader_id}    lines 133-146: `supplier_id` (140)
//   GET  /impact-partners, /impact-partners/{partner_id}  lines 150-161
//   GET  /bundle-orders, /bundle-orders/{bundle_order_id}; POST /bundle-orders  lines 165-185:
//        `available_only` (172); POST needs a token (178)
//   GET  /product-orders, /product-orders/{product_order_id}  lines 189-200
//   POST /sync/{order_hash}                lines 204-209: token
//   POST /upsert/{model}, PUT /upsert/{model}/{model_id}  lines 213-227: token; model e.g.
//        "product", "supplier" (218)
//   GET  /dropdown/products                lines 229-234: `product_type` (234)
//   GET  /mailing-list (admin), POST /mailing-list  lines 238-250
//   Status codes 200, 201, 400, 401, 403, 404, 500 (lines 375-383).
//
// Assumptions where the document is silent (it gives paths and query parameters, never a body;
// each one a choice of this fake, shared with the subgraph README's "Assumptions"):
// - Bodies are snake_case JSON; enums lower-case (`product_type` removal | avoidance | bundle,
//   order `status` pending | completed | cancelled, user `role` user | admin); times ISO 8601;
//   prices and quantities (tonnes) decimal strings; money as an amount plus `currency`.
// - A page answers `{ items, total, page, size, pages }`; `page` is 1-based, `size` 1..100 (default
//   50), `order` asc | desc by creation time (default desc).
// - Wire fields: user `id email name role created_at`; product `id name description product_type
//   supplier_id country_code vintage price_per_tonne currency available_quantity is_public owner_id
//   created_at`; supplier `id name description country_code methodology_code featured is_public
//   created_at`; trader `id name supplier_id country_code is_public created_at`; impact partner `id
//   name description country_code website_url is_public created_at`; order `id product_id
//   supplier_id user_id quantity unit_price total_price currency status is_public order_hash
//   bundle_order_id created_at`; NFT `id name token_address token_id supplier_id owner_id quantity
//   available_quantity is_public created_at`; bundle order `id name product_id supplier_id
//   price_per_tonne currency quantity available_quantity is_public created_at`; product order `id
//   bundle_order_id product_id quantity created_at`; mailing-list entry `id email created_at`.
// - Bearer tokens are `co2t_<user id>`, issued by /users/auth (which creates an unknown user).
//   "No (for public …)" routes show non-public records to their owner and to admins only.
// - Orders are priced at the product's price per tonne, the total rounded to the currency's minor
//   unit; without `order_hash` an order is completed at once, with one it is pending until synced.
//   A quantity beyond what is available is 409 `{ code: insufficient_inventory }`; an unknown
//   product or bundle order 404; a used `order_hash` 409. No write is idempotent (the document
//   defines no idempotency): every POST that arrives takes effect.
// - Filters beyond the document's are ignored, as an API ignores query parameters it does not
//   define; /nfts/mint lists NFTs with no holder and tonnes available.
import { randomUUID } from 'node:crypto';
import { dec, minorUnits, type Decimal } from '../lib/decimal.ts';
import {
  demoBundleOrders,
  demoImpactPartners,
  demoNfts,
  demoOrders,
  demoProductOrders,
  demoProducts,
  demoSuppliers,
  demoTraders,
  demoUsers,
} from '../subgraphs/marketplace/local/seed.ts';
import type {
  BundleOrderRecord,
  ImpactPartnerRecord,
  MailingListEntryRecord,
  NftRecord,
  OrderRecord,
  ProductOrderRecord,
  ProductRecord,
  SupplierRecord,
  TraderRecord,
  UserRecord,
} from '../subgraphs/marketplace/source.ts';
import { json, problem, type FakeReply, type FakeRequest, type FakeRoute } from './harness.ts';
import type { Co2TrustState } from './co2trust.ts';

const BASE = '/co2trust-services/v1';

/** Exact decimal text, never in exponent notation. */
const text = (d: Decimal) => d.toFixed();
const time = (d: Date) => d.toISOString();

/** The fake's wire shapes (see the assumptions above). */
const wire = {
  user: (u: UserRecord) => ({
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role.toLowerCase(),
    created_at: time(u.createdAt),
  }),
  product: (p: ProductRecord) => ({
    id: p.id,
    name: p.name,
    description: p.description,
    product_type: p.productType.toLowerCase(),
    supplier_id: p.supplierId,
    country_code: p.countryCode,
    vintage: p.vintage,
    price_per_tonne: text(p.pricePerTonne.amount),
    currency: p.pricePerTonne.currency,
    available_quantity: text(p.availableQuantity),
    is_public: p.isPublic,
    owner_id: p.ownerId,
    created_at: time(p.createdAt),
  }),
  supplier: (s: SupplierRecord) => ({
    id: s.id,
    name: s.name,
    description: s.description,
    country_code: s.countryCode,
    methodology_code: s.methodologyCode,
    featured: s.featured,
    is_public: s.isPublic,
    created_at: time(s.createdAt),
  }),
  trader: (t: TraderRecord) => ({
    id: t.id,
    name: t.name,
    supplier_id: t.supplierId,
    country_code: t.countryCode,
    is_public: t.isPublic,
    created_at: time(t.createdAt),
  }),
  impactPartner: (i: ImpactPartnerRecord) => ({
    id: i.id,
    name: i.name,
    description: i.description,
    country_code: i.countryCode,
    website_url: i.websiteUrl,
    is_public: i.isPublic,
    created_at: time(i.createdAt),
  }),
  order: (o: OrderRecord) => ({
    id: o.id,
    product_id: o.productId,
    supplier_id: o.supplierId,
    user_id: o.buyerId,
    quantity: text(o.quantity),
    unit_price: text(o.unitPrice.amount),
    total_price: text(o.totalPrice.amount),
    currency: o.totalPrice.currency,
    status: o.status.toLowerCase(),
    is_public: o.isPublic,
    order_hash: o.orderHash,
    bundle_order_id: o.bundleOrderId,
    created_at: time(o.createdAt),
  }),
  nft: (n: NftRecord) => ({
    id: n.id,
    name: n.name,
    token_address: n.tokenAddress,
    token_id: n.tokenId,
    supplier_id: n.supplierId,
    owner_id: n.ownerId,
    quantity: text(n.quantity),
    available_quantity: text(n.availableQuantity),
    is_public: n.isPublic,
    created_at: time(n.createdAt),
  }),
  bundleOrder: (b: BundleOrderRecord) => ({
    id: b.id,
    name: b.name,
    product_id: b.productId,
    supplier_id: b.supplierId,
    price_per_tonne: text(b.pricePerTonne.amount),
    currency: b.pricePerTonne.currency,
    quantity: text(b.quantity),
    available_quantity: text(b.availableQuantity),
    is_public: b.isPublic,
    created_at: time(b.createdAt),
  }),
  productOrder: (p: ProductOrderRecord) => ({
    id: p.id,
    bundle_order_id: p.bundleOrderId,
    product_id: p.productId,
    quantity: text(p.quantity),
    created_at: time(p.createdAt),
  }),
  mailingListEntry: (m: MailingListEntryRecord) => ({ id: m.id, email: m.email, created_at: time(m.createdAt) }),
};

export function coreState() {
  return {
    users: demoUsers.map((u) => ({ ...u })),
    suppliers: demoSuppliers.map((s) => ({ ...s })),
    products: demoProducts.map((p) => ({ ...p })),
    orders: demoOrders.map((o) => ({ ...o })),
    nfts: demoNfts.map((n) => ({ ...n })),
    traders: demoTraders.map((t) => ({ ...t })),
    impactPartners: demoImpactPartners.map((i) => ({ ...i })),
    bundleOrders: demoBundleOrders.map((b) => ({ ...b })),
    productOrders: demoProductOrders.map((p) => ({ ...p })),
    mailingList: [] as MailingListEntryRecord[],
    /** By-id reads (GET /{resource}/{id}) in flight now and at most; `delayMs` holds each one open. */
    byIdReads: { inFlight: 0, maxInFlight: 0, delayMs: 0 },
  };
}

/** Sorts by creation time in the `order` direction and cuts the `page`/`size` window. */
export function paged<T extends { createdAt: Date; id: string }>(
  req: FakeRequest,
  rows: T[],
  map: (row: T) => unknown,
) {
  const page = Number(req.query.get('page') ?? 1);
  const size = Number(req.query.get('size') ?? 50);
  if (!Number.isInteger(page) || page < 1 || !Number.isInteger(size) || size < 1 || size > 100)
    return problem(400, 'Invalid page or size');
  const dir = req.query.get('order') === 'asc' ? 1 : -1;
  const sorted = [...rows].sort(
    (a, b) => dir * (a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id)),
  );
  const items = sorted.slice((page - 1) * size, page * size).map(map);
  return json({ items, total: rows.length, page, size, pages: Math.ceil(rows.length / size) });
}

const eq = (req: FakeRequest, name: string, value: string | null | undefined) =>
  !req.query.get(name) || req.query.get(name) === value;

export function coreRoutes(state: Co2TrustState, userOf: (req: FakeRequest) => UserRecord | null): FakeRoute[] {
  const visible = (req: FakeRequest, r: { isPublic: boolean }, owner: string | null) => {
    const u = userOf(req);
    return r.isPublic || u?.role === 'ADMIN' || (u !== null && u.id === owner);
  };
  const needUser = (req: FakeRequest) => (userOf(req) ? null : problem(401, 'Not authenticated'));
  const needAdmin = (req: FakeRequest) =>
    needUser(req) ?? (userOf(req)!.role === 'ADMIN' ? null : problem(403, 'Admin role required'));
  const tonnes = (v: unknown): Decimal | null => {
    try {
      const d = dec(String(v));
      return d.gt(0) && d.decimalPlaces() <= 6 ? d : null;
    } catch {
      return null;
    }
  };

  /**
   * Creates an order for the caller. The document ("Create Order", "Create Bundle Order") defines
   * no idempotency: every request that arrives is a new order.
   */
  const purchase = (
    req: FakeRequest,
    _fingerprint: object,
    create: (buyer: UserRecord) => FakeReply | OrderRecord,
  ): FakeReply => {
    const buyer = userOf(req);
    if (!buyer) return problem(401, 'Not authenticated');
    const made = create(buyer);
    if (!('id' in made)) return made;
    state.orders.push(made);
    return json(wire.order(made), 201);
  };
  const orderOf = (
    buyer: UserRecord,
    src: { productId: string; supplierId: string; pricePerTonne: ProductRecord['pricePerTonne'] },
    quantity: Decimal,
    isPublic: boolean,
    orderHash: string | null,
    bundleOrderId: string | null,
  ): OrderRecord => ({
    id: randomUUID(),
    productId: src.productId,
    supplierId: src.supplierId,
    buyerId: buyer.id,
    quantity,
    unitPrice: src.pricePerTonne,
    totalPrice: {
      amount: src.pricePerTonne.amount.mul(quantity).toDecimalPlaces(minorUnits(src.pricePerTonne.currency)),
      currency: src.pricePerTonne.currency,
    },
    status: orderHash ? 'PENDING' : 'COMPLETED',
    isPublic,
    orderHash,
    bundleOrderId,
    createdAt: new Date(),
  });
  const insufficient = (): FakeReply => ({
    status: 409,
    body: { message: 'Not enough quantity available', code: 'insufficient_inventory' },
  });

  /** Counts concurrent by-id reads, so tests can check the client's concurrency bound. */
  const tracked =
    (handler: (req: FakeRequest) => FakeReply): ((req: FakeRequest) => Promise<FakeReply>) =>
    async (req) => {
      const reads = state.byIdReads;
      reads.maxInFlight = Math.max(reads.maxInFlight, ++reads.inFlight);
      try {
        if (reads.delayMs) await new Promise((r) => setTimeout(r, reads.delayMs));
        return handler(req);
      } finally {
        reads.inFlight--;
      }
    };
  /** The documented `GET /{resource}/{id}` routes (CO2Trust API document, lines 33, 102, 121, 144, 159, 183). */
  const byId = <T extends { id: string; isPublic: boolean }>(
    path: string,
    rows: () => T[],
    map: (r: T) => unknown,
    ownerOf: (r: T) => string | null = () => null,
  ): FakeRoute => ({
    method: 'GET',
    path: `${BASE}/${path}/{id}`,
    handler: tracked((req) => {
      const r = rows().find((x) => x.id === req.params.id);
      return r && visible(req, r, ownerOf(r)) ? json(map(r)) : problem(404, 'Not found');
    }),
  });

  /** Generic upsert: validates references and applies snake_case fields to a record. */
  const upsertModels: Record<
    string,
    {
      rows: () => { id: string }[];
      apply: (target: Record<string, unknown>, body: Record<string, unknown>) => void;
      map: (r: never) => unknown;
      defaults: () => Record<string, unknown>;
    }
  > = {
    product: {
      rows: () => state.products,
      apply: (t, b) => {
        assign(t, b, {
          name: 'name',
          description: 'description',
          supplier_id: 'supplierId',
          country_code: 'countryCode',
          vintage: 'vintage',
          is_public: 'isPublic',
          owner_id: 'ownerId',
        });
        if (b.product_type !== undefined) t.productType = String(b.product_type).toUpperCase();
        if (b.price_per_tonne !== undefined)
          t.pricePerTonne = {
            amount: dec(String(b.price_per_tonne)),
            currency: String(b.currency ?? (t.pricePerTonne as { currency: string } | undefined)?.currency ?? 'EUR'),
          };
        if (b.available_quantity !== undefined) t.availableQuantity = dec(String(b.available_quantity));
      },
      map: wire.product,
      defaults: () => ({ description: null, countryCode: null, vintage: null, ownerId: null, isPublic: true }),
    },
    supplier: {
      rows: () => state.suppliers,
      apply: (t, b) =>
        assign(t, b, {
          name: 'name',
          description: 'description',
          country_code: 'countryCode',
          methodology_code: 'methodologyCode',
          featured: 'featured',
          is_public: 'isPublic',
        }),
      map: wire.supplier,
      defaults: () => ({
        description: null,
        countryCode: null,
        methodologyCode: null,
        featured: false,
        isPublic: true,
      }),
    },
    trader: {
      rows: () => state.traders,
      apply: (t, b) =>
        assign(t, b, { name: 'name', supplier_id: 'supplierId', country_code: 'countryCode', is_public: 'isPublic' }),
      map: wire.trader,
      defaults: () => ({ supplierId: null, countryCode: null, isPublic: true }),
    },
    impact_partner: {
      rows: () => state.impactPartners,
      apply: (t, b) =>
        assign(t, b, {
          name: 'name',
          description: 'description',
          country_code: 'countryCode',
          website_url: 'websiteUrl',
          is_public: 'isPublic',
        }),
      map: wire.impactPartner,
      defaults: () => ({ description: null, countryCode: null, websiteUrl: null, isPublic: true }),
    },
    nft: {
      rows: () => state.nfts,
      apply: (t, b) => {
        assign(t, b, {
          name: 'name',
          token_address: 'tokenAddress',
          token_id: 'tokenId',
          supplier_id: 'supplierId',
          owner_id: 'ownerId',
          is_public: 'isPublic',
        });
        if (b.quantity !== undefined) t.quantity = dec(String(b.quantity));
        if (b.available_quantity !== undefined) t.availableQuantity = dec(String(b.available_quantity));
      },
      map: wire.nft,
      defaults: () => ({ supplierId: null, ownerId: null, isPublic: true }),
    },
  };
  const badReference = (b: Record<string, unknown>) =>
    typeof b.supplier_id === 'string' && !state.suppliers.some((s) => s.id === b.supplier_id)
      ? { status: 404, body: { message: 'Supplier not found', code: 'supplier_not_found' } }
      : null;
  const duplicateToken = (b: Record<string, unknown>, selfId: string | null) =>
    b.token_address !== undefined &&
    state.nfts.some((n) => n.id !== selfId && n.tokenAddress === b.token_address && n.tokenId === b.token_id)
      ? { status: 409, body: { message: 'Token exists', code: 'conflict' } }
      : null;

  return [
    {
      method: 'POST',
      path: `${BASE}/users/auth`,
      handler: (req) => {
        if (req.headers['x-backend-secret-key'] !== state.backendSecret)
          return problem(401, 'Invalid backend secret key');
        const body = req.body as { email?: string; name?: string | null };
        if (!body?.email) return problem(400, 'email is required');
        let user = state.users.find((u) => u.email === body.email);
        if (!user) {
          user = { id: randomUUID(), email: body.email, name: body.name ?? null, role: 'USER', createdAt: new Date() };
          state.users.push(user);
        }
        return json({ access_token: `co2t_${user.id}`, token_type: 'bearer', user: wire.user(user) });
      },
    },
    // ---- catalogue -----------------------------------------------------------------------
    {
      method: 'GET',
      path: `${BASE}/products`,
      handler: (req) => {
        const rows = state.products.filter(
          (p) =>
            visible(req, p, p.ownerId) &&
            eq(req, 'product_type', p.productType.toLowerCase()) &&
            eq(req, 'supplier_id', p.supplierId) &&
            eq(req, 'country_code', p.countryCode),
        );
        return paged(req, rows, wire.product);
      },
    },
    byId(
      `products`,
      () => state.products,
      wire.product,
      (p) => p.ownerId,
    ),
    {
      method: 'GET',
      path: `${BASE}/dropdown/products`,
      handler: (req) =>
        json(
          state.products
            .filter((p) => visible(req, p, p.ownerId) && eq(req, 'product_type', p.productType.toLowerCase()))
            .map((p) => ({ id: p.id, name: p.name })),
        ),
    },
    {
      method: 'GET',
      path: `${BASE}/suppliers/supplier_ids`,
      handler: (req) =>
        json(state.suppliers.filter((s) => visible(req, s, null)).map((s) => ({ id: s.id, name: s.name }))),
    },
    {
      method: 'GET',
      path: `${BASE}/suppliers`,
      handler: (req) => {
        const rows = state.suppliers.filter(
          (s) =>
            visible(req, s, null) &&
            eq(req, 'featured', String(s.featured)) &&
            eq(req, 'country_code', s.countryCode) &&
            eq(req, 'methodology_code', s.methodologyCode),
        );
        return paged(req, rows, wire.supplier);
      },
    },
    byId('suppliers', () => state.suppliers, wire.supplier),
    {
      method: 'GET',
      path: `${BASE}/traders`,
      handler: (req) =>
        paged(
          req,
          state.traders.filter((t) => visible(req, t, null) && eq(req, 'supplier_id', t.supplierId)),
          wire.trader,
        ),
    },
    byId('traders', () => state.traders, wire.trader),
    {
      method: 'GET',
      path: `${BASE}/impact-partners`,
      handler: (req) =>
        paged(
          req,
          state.impactPartners.filter((i) => visible(req, i, null)),
          wire.impactPartner,
        ),
    },
    byId('impact-partners', () => state.impactPartners, wire.impactPartner),
    // ---- NFTs ----------------------------------------------------------------------------
    {
      method: 'GET',
      path: `${BASE}/nfts/mint`,
      handler: (req) =>
        paged(
          req,
          state.nfts.filter((n) => visible(req, n, n.ownerId) && n.ownerId === null && n.availableQuantity.gt(0)),
          wire.nft,
        ),
    },
    {
      method: 'GET',
      path: `${BASE}/nfts/user`,
      handler: (req) => {
        const u = userOf(req);
        if (!u) return problem(401, 'Not authenticated');
        const availableOnly = req.query.get('available_only') === 'true';
        return paged(
          req,
          state.nfts.filter((n) => n.ownerId === u.id && (!availableOnly || n.availableQuantity.gt(0))),
          wire.nft,
        );
      },
    },
    {
      method: 'GET',
      path: `${BASE}/nfts`,
      // Lines 77-82: `page`, `size`, `order` only.
      handler: (req) =>
        paged(
          req,
          state.nfts.filter((n) => visible(req, n, n.ownerId)),
          wire.nft,
        ),
    },
    byId(
      'nfts',
      () => state.nfts,
      wire.nft,
      (n) => n.ownerId,
    ),
    // ---- bundle orders and their products ---------------------------------------------------
    {
      method: 'GET',
      path: `${BASE}/bundle-orders`,
      handler: (req) => {
        const availableOnly = req.query.get('available_only') === 'true';
        return paged(
          req,
          state.bundleOrders.filter((b) => visible(req, b, null) && (!availableOnly || b.availableQuantity.gt(0))),
          wire.bundleOrder,
        );
      },
    },
    byId('bundle-orders', () => state.bundleOrders, wire.bundleOrder),
    {
      method: 'POST',
      path: `${BASE}/bundle-orders`,
      handler: (req) => {
        const b = (req.body ?? {}) as { bundle_order_id?: string; quantity?: string; is_public?: boolean };
        const quantity = tonnes(b.quantity);
        if (!quantity) return problem(400, 'quantity must be a positive number of tonnes');
        return purchase(
          req,
          { bundle: b.bundle_order_id, quantity: quantity.toString(), isPublic: Boolean(b.is_public) },
          (buyer) => {
            const bundle = state.bundleOrders.find((x) => x.id === b.bundle_order_id);
            if (!bundle || !visible(req, bundle, null)) return problem(404, 'Bundle order not found');
            if (bundle.availableQuantity.lt(quantity)) return insufficient();
            bundle.availableQuantity = bundle.availableQuantity.sub(quantity);
            return orderOf(buyer, bundle, quantity, Boolean(b.is_public), null, bundle.id);
          },
        );
      },
    },
    {
      method: 'GET',
      path: `${BASE}/product-orders`,
      handler: (req) => {
        const rows = state.productOrders.filter((p) =>
          // Lines 189-194: `page`, `size`, `order` only.
          visible(req, state.bundleOrders.find((b) => b.id === p.bundleOrderId) ?? { isPublic: true }, null),
        );
        return paged(req, rows, wire.productOrder);
      },
    },
    {
      // GET /product-orders/{product_order_id}: CO2Trust API document, line 198.
      method: 'GET',
      path: `${BASE}/product-orders/{id}`,
      handler: tracked((req) => {
        const p = state.productOrders.find((x) => x.id === req.params.id);
        const bundle = state.bundleOrders.find((b) => b.id === p?.bundleOrderId);
        return p && (!bundle || visible(req, bundle, null)) ? json(wire.productOrder(p)) : problem(404, 'Not found');
      }),
    },
    // ---- orders --------------------------------------------------------------------------
    {
      method: 'GET',
      path: `${BASE}/orders/user/purchased`,
      handler: (req) =>
        needUser(req) ??
        paged(
          req,
          state.orders.filter((o) => o.buyerId === userOf(req)!.id && o.status === 'COMPLETED'),
          wire.order,
        ),
    },
    {
      method: 'GET',
      path: `${BASE}/orders/user`,
      handler: (req) =>
        needUser(req) ??
        paged(
          req,
          state.orders.filter((o) => o.buyerId === userOf(req)!.id),
          wire.order,
        ),
    },
    {
      method: 'GET',
      path: `${BASE}/orders`,
      handler: (req) => {
        const denied = needUser(req);
        if (denied) return denied;
        const typeOf = (productId: string) => state.products.find((p) => p.id === productId)?.productType.toLowerCase();
        const rows = state.orders.filter(
          (o) =>
            visible(req, o, o.buyerId) &&
            eq(req, 'supplier_id', o.supplierId) &&
            eq(req, 'product_type', typeOf(o.productId)) &&
            eq(req, 'is_public', String(o.isPublic)),
        );
        return paged(req, rows, wire.order);
      },
    },
    {
      method: 'POST',
      path: `${BASE}/orders`,
      handler: (req) => {
        const b = (req.body ?? {}) as {
          product_id?: string;
          quantity?: string;
          is_public?: boolean;
          order_hash?: string | null;
        };
        const quantity = tonnes(b.quantity);
        if (!quantity) return problem(400, 'quantity must be a positive number of tonnes');
        const orderHash = b.order_hash ?? null;
        return purchase(
          req,
          { product: b.product_id, quantity: quantity.toString(), isPublic: Boolean(b.is_public), orderHash },
          (buyer) => {
            const product = state.products.find((p) => p.id === b.product_id);
            if (!product || !visible(req, product, product.ownerId)) return problem(404, 'Product not found');
            if (product.availableQuantity.lt(quantity)) return insufficient();
            if (orderHash && state.orders.some((o) => o.orderHash === orderHash))
              return { status: 409, body: { message: 'Order hash already used', code: 'conflict' } };
            product.availableQuantity = product.availableQuantity.sub(quantity);
            return orderOf(
              buyer,
              { productId: product.id, supplierId: product.supplierId, pricePerTonne: product.pricePerTonne },
              quantity,
              Boolean(b.is_public),
              orderHash,
              null,
            );
          },
        );
      },
    },
    {
      // GET /orders/{order_id}: CO2Trust API document, line 52.
      method: 'GET',
      path: `${BASE}/orders/{id}`,
      handler: tracked((req) => {
        const denied = needUser(req);
        if (denied) return denied;
        const o = state.orders.find((x) => x.id === req.params.id);
        return o && visible(req, o, o.buyerId) ? json(wire.order(o)) : problem(404, 'Order not found');
      }),
    },
    {
      method: 'POST',
      path: `${BASE}/sync/{hash}`,
      handler: (req) => {
        const u = userOf(req);
        if (!u) return problem(401, 'Not authenticated');
        const o = state.orders.find((x) => x.orderHash === req.params.hash);
        if (!o) return problem(404, 'No order with this hash');
        if (u.role !== 'ADMIN' && u.id !== o.buyerId)
          return problem(403, 'Only the buyer or an admin can sync this order');
        const changed = o.status === 'PENDING';
        if (changed) o.status = 'COMPLETED';
        return json({ order: wire.order(o), changed });
      },
    },
    // ---- upsert (admin) --------------------------------------------------------------------
    {
      method: 'POST',
      path: `${BASE}/upsert/{model}`,
      handler: (req) => {
        const denied = needAdmin(req);
        if (denied) return denied;
        const spec = upsertModels[req.params.model!];
        if (!spec) return problem(404, 'Unknown model');
        const body = (req.body ?? {}) as Record<string, unknown>;
        const refused = badReference(body) ?? (req.params.model === 'nft' ? duplicateToken(body, null) : null);
        if (refused) return refused;
        const record: Record<string, unknown> = { id: randomUUID(), createdAt: new Date(), ...spec.defaults() };
        spec.apply(record, body);
        spec.rows().push(record as never);
        return json(spec.map(record as never), 201);
      },
    },
    {
      method: 'PUT',
      path: `${BASE}/upsert/{model}/{id}`,
      handler: (req) => {
        const denied = needAdmin(req);
        if (denied) return denied;
        const spec = upsertModels[req.params.model!];
        if (!spec) return problem(404, 'Unknown model');
        const record = spec.rows().find((r) => r.id === req.params.id) as Record<string, unknown> | undefined;
        if (!record) return problem(404, 'Not found');
        const body = (req.body ?? {}) as Record<string, unknown>;
        const refused = badReference(body);
        if (refused) return refused;
        spec.apply(record, body);
        return json(spec.map(record as never));
      },
    },
    // ---- mailing list ----------------------------------------------------------------------
    {
      method: 'POST',
      path: `${BASE}/mailing-list`,
      handler: (req) => {
        const email = String((req.body as { email?: string } | null)?.email ?? '').toLowerCase();
        if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return problem(400, 'Invalid email');
        let entry = state.mailingList.find((m) => m.email === email);
        if (!entry) {
          entry = { id: randomUUID(), email, createdAt: new Date() };
          state.mailingList.push(entry);
          return json(wire.mailingListEntry(entry), 201);
        }
        return json(wire.mailingListEntry(entry));
      },
    },
    {
      method: 'GET',
      path: `${BASE}/mailing-list`,
      handler: (req) => needAdmin(req) ?? paged(req, state.mailingList, wire.mailingListEntry),
    },
  ];
}

/** Copies the snake_case fields present in `body` onto the record's camelCase fields. */
function assign(target: Record<string, unknown>, body: Record<string, unknown>, fields: Record<string, string>): void {
  for (const [from, to] of Object.entries(fields)) if (body[from] !== undefined) target[to] = body[from];
}
