import type { Viewer } from '../../../lib/auth.ts';
import { windowFromPages } from '../../../lib/connection.ts';
import type { UpstreamClient } from '../../../lib/http-client.ts';
import type { Listing, MarketplaceSource, OrderFilter, ProductFilter, UserRecord } from '../source.ts';
import { CO2TRUST_ROUTES as R, type Co2TrustAuthResponse, type Co2TrustNft, type Co2TrustOrder, type Co2TrustPage, type Co2TrustProduct, type Co2TrustSupplier } from './client.ts';
import { fromCo2Trust } from './mappers.ts';

/** The marketplace over the CO2Trust core services REST API. */
export class UpstreamMarketplaceSource implements MarketplaceSource {
  private readonly client: UpstreamClient;
  private readonly viewer: Viewer | null;
  private readonly backendSecretKey: string | undefined;

  constructor(client: UpstreamClient, viewer: Viewer | null, backendSecretKey: string | undefined) {
    this.client = client;
    this.viewer = viewer;
    this.backendSecretKey = backendSecretKey;
  }

  /** The caller's CO2Trust bearer token, when the caller has one. */
  private auth(): Record<string, string> {
    return this.viewer?.upstreamToken ? { authorization: `Bearer ${this.viewer.upstreamToken}` } : {};
  }

  async authenticate(input: { email: string; name?: string | null }) {
    const res = await this.client.json<Co2TrustAuthResponse>({
      method: 'POST',
      path: R.authenticate,
      headers: this.backendSecretKey ? { 'x-backend-secret-key': this.backendSecretKey } : {},
      body: { email: input.email.trim().toLowerCase(), name: input.name ?? null },
    });
    return { user: fromCo2Trust.user(res.user), upstreamToken: res.access_token };
  }

  /** CO2Trust has no user lookup: the caller's own record comes from the verified token. */
  async usersByIds(ids: readonly string[]): Promise<(UserRecord | null)[]> {
    const v = this.viewer;
    return ids.map((id) =>
      v && v.id === id ? { id: v.id, email: v.email, name: v.name ?? null, role: v.role, createdAt: v.issuedAt ?? new Date(0) } : null,
    );
  }

  async products({ page, filter, order }: Listing<ProductFilter>) {
    return windowFromPages(page, async (pageNumber, size) => {
      const res = await this.client.json<Co2TrustPage<Co2TrustProduct>>({
        path: R.products,
        headers: this.auth(),
        query: {
          page: pageNumber,
          size,
          order: order.toLowerCase(),
          product_type: filter.productType?.toLowerCase(),
          supplier_id: filter.supplierId,
          country_code: filter.countryCode,
        },
      });
      return { items: res.items.map(fromCo2Trust.product), total: res.total };
    });
  }

  productsByIds(ids: readonly string[]) {
    return Promise.all(ids.map(async (id) => {
      const p = await this.client.jsonOrNull<Co2TrustProduct>({ path: R.product(id), headers: this.auth() });
      return p && fromCo2Trust.product(p);
    }));
  }

  suppliersByIds(ids: readonly string[]) {
    return Promise.all(ids.map(async (id) => {
      const s = await this.client.jsonOrNull<Co2TrustSupplier>({ path: R.supplier(id), headers: this.auth() });
      return s && fromCo2Trust.supplier(s);
    }));
  }

  async orders({ page, filter, order }: Listing<OrderFilter>) {
    return windowFromPages(page, async (pageNumber, size) => {
      const res = await this.client.json<Co2TrustPage<Co2TrustOrder>>({
        path: filter.buyerId ? R.userOrders : R.orders,
        headers: this.auth(),
        query: {
          page: pageNumber,
          size,
          order: order.toLowerCase(),
          supplier_id: filter.supplierId,
          product_type: filter.productType?.toLowerCase(),
          is_public: filter.isPublic ?? undefined,
        },
      });
      return { items: res.items.map(fromCo2Trust.order), total: res.total };
    });
  }

  ordersByIds(ids: readonly string[]) {
    return Promise.all(ids.map(async (id) => {
      const o = await this.client.jsonOrNull<Co2TrustOrder>({ path: R.order(id), headers: this.auth() });
      return o && fromCo2Trust.order(o);
    }));
  }

  nftsByIds(ids: readonly string[]) {
    return Promise.all(ids.map(async (id) => {
      const n = await this.client.jsonOrNull<Co2TrustNft>({ path: R.nft(id), headers: this.auth() });
      return n && fromCo2Trust.nft(n);
    }));
  }
}
