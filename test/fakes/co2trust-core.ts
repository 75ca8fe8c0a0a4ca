// Contract fake of the CO2Trust core services (/co2trust-services/v1), from
// ../shared/seeds/000_7aa04813252c030c.txt. Serves the marketplace demo data set.
import { randomUUID } from 'node:crypto';
import { toCo2Trust } from '../../subgraphs/marketplace/upstream/mappers.ts';
import { demoNfts, demoOrders, demoProducts, demoSuppliers, demoUsers } from '../../subgraphs/marketplace/local/seed.ts';
import type { UserRecord } from '../../subgraphs/marketplace/source.ts';
import { json, problem, type FakeRequest, type FakeRoute } from './harness.ts';
import type { Co2TrustState } from './co2trust.ts';

const BASE = '/co2trust-services/v1';

export function coreState() {
  return {
    users: demoUsers.map((u) => ({ ...u })),
    suppliers: demoSuppliers.map((s) => ({ ...s })),
    products: demoProducts.map((p) => ({ ...p })),
    orders: demoOrders.map((o) => ({ ...o })),
    nfts: demoNfts.map((n) => ({ ...n })),
  };
}

/** Sorts by creation time in the `order` direction and cuts the `page`/`size` window. */
export function paged<T extends { createdAt: Date; id: string }>(req: FakeRequest, rows: T[], map: (row: T) => unknown) {
  const page = Number(req.query.get('page') ?? 1);
  const size = Number(req.query.get('size') ?? 50);
  if (!Number.isInteger(page) || page < 1 || !Number.isInteger(size) || size < 1 || size > 100) return problem(400, 'Invalid page or size');
  const dir = req.query.get('order') === 'asc' ? 1 : -1;
  const sorted = [...rows].sort((a, b) => dir * (a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id)));
  const items = sorted.slice((page - 1) * size, page * size).map(map);
  return json({ items, total: rows.length, page, size, pages: Math.ceil(rows.length / size) });
}

export function coreRoutes(state: Co2TrustState, userOf: (req: FakeRequest) => UserRecord | null): FakeRoute[] {
  const visible = (req: FakeRequest, r: { isPublic: boolean }, owner: string | null) => {
    const u = userOf(req);
    return r.isPublic || u?.role === 'ADMIN' || (u !== null && u.id === owner);
  };
  const needUser = (req: FakeRequest) => (userOf(req) ? null : problem(401, 'Not authenticated'));

  return [
    {
      method: 'POST',
      path: `${BASE}/users/auth`,
      handler: (req) => {
        if (req.headers['x-backend-secret-key'] !== state.backendSecret) return problem(401, 'Invalid backend secret key');
        const body = req.body as { email?: string; name?: string | null };
        if (!body?.email) return problem(400, 'email is required');
        let user = state.users.find((u) => u.email === body.email);
        if (!user) {
          user = { id: randomUUID(), email: body.email, name: body.name ?? null, role: 'USER', createdAt: new Date() };
          state.users.push(user);
        }
        return json({ access_token: `co2t_${user.id}`, token_type: 'bearer', user: toCo2Trust.user(user) });
      },
    },
    {
      method: 'GET',
      path: `${BASE}/products`,
      handler: (req) => {
        const q = req.query;
        const rows = state.products.filter(
          (p) =>
            visible(req, p, p.ownerId) &&
            (!q.get('product_type') || p.productType.toLowerCase() === q.get('product_type')) &&
            (!q.get('supplier_id') || p.supplierId === q.get('supplier_id')) &&
            (!q.get('country_code') || p.countryCode === q.get('country_code')),
        );
        return paged(req, rows, toCo2Trust.product);
      },
    },
    {
      method: 'GET',
      path: `${BASE}/products/{id}`,
      handler: (req) => {
        const p = state.products.find((x) => x.id === req.params.id);
        return p && visible(req, p, p.ownerId) ? json(toCo2Trust.product(p)) : problem(404, 'Product not found');
      },
    },
    {
      method: 'GET',
      path: `${BASE}/suppliers/{id}`,
      handler: (req) => {
        const s = state.suppliers.find((x) => x.id === req.params.id);
        return s ? json(toCo2Trust.supplier(s)) : problem(404, 'Supplier not found');
      },
    },
    {
      method: 'GET',
      path: `${BASE}/orders/user`,
      handler: (req) => needUser(req) ?? paged(req, state.orders.filter((o) => o.buyerId === userOf(req)!.id), toCo2Trust.order),
    },
    {
      method: 'GET',
      path: `${BASE}/orders`,
      handler: (req) => {
        const denied = needUser(req);
        if (denied) return denied;
        const q = req.query;
        const typeOf = (productId: string) => state.products.find((p) => p.id === productId)?.productType.toLowerCase();
        const rows = state.orders.filter(
          (o) =>
            visible(req, o, o.buyerId) &&
            (!q.get('supplier_id') || o.supplierId === q.get('supplier_id')) &&
            (!q.get('product_type') || typeOf(o.productId) === q.get('product_type')) &&
            (!q.get('is_public') || String(o.isPublic) === q.get('is_public')),
        );
        return paged(req, rows, toCo2Trust.order);
      },
    },
    {
      method: 'GET',
      path: `${BASE}/orders/{id}`,
      handler: (req) => {
        const denied = needUser(req);
        if (denied) return denied;
        const o = state.orders.find((x) => x.id === req.params.id);
        return o && visible(req, o, o.buyerId) ? json(toCo2Trust.order(o)) : problem(404, 'Order not found');
      },
    },
    {
      method: 'GET',
      path: `${BASE}/nfts/{id}`,
      handler: (req) => {
        const n = state.nfts.find((x) => x.id === req.params.id);
        return n && visible(req, n, n.ownerId) ? json(toCo2Trust.nft(n)) : problem(404, 'NFT not found');
      },
    },
  ];
}
