// CarbonCloud Retailer API client. The route table below is the one place that knows the
// upstream's paths. The seed documents operations, parameters and bodies but leaves out most
// paths and several response bodies; where it is silent we chose the REST-conventional shape:
//
// - Paths: only `GET /resold-products/{id}/suppliers` and `GET /suppliers/{id}/linked-products`
//   are named in the document; every other path is the resource-oriented REST choice below
//   (plural nouns, `/updates` for the change feeds, `PUT` replaces, `PATCH` updates partially).
// - Batch footprint answers: an array of breakdowns, each carrying the product id as `productId`;
//   products without a footprint are left out.
// - Update feed items: `{ id, updatedAt }` (camelCase like every other body of the API).
// - Groups: `{ id, name }`; supplier periods: `{ id, supplierId, validFrom, validTo }`; linked
//   products: `{ id, name, status }`; contacts: `{ name, email }`; supplier status
//   `created | invited | connected`.
// - FLAG and PDS parts of a breakdown: `{ landUseChange, landManagement, total }`.
// Auth: OAuth2 password grant against CARBONCLOUD_TOKEN_URL; the token is cached until shortly
// before it expires and renewed once when the API answers 401. Every request carries a fresh
// `x-request-id`, logged with the request.
import type { Config } from '../../../lib/config.ts';
import { upstreamClient, UpstreamHttpError, UpstreamUnreachableError, type UpstreamClient } from '../../../lib/http-client.ts';
import type { Logger } from '../../../lib/logger.ts';

const id = (v: string) => encodeURIComponent(v);

export const CARBONCLOUD_ROUTES = {
  groups: '/groups',
  resoldProducts: '/resold-products',
  resoldProduct: (productId: string) => `/resold-products/${id(productId)}`,
  resoldProductUpdates: '/resold-products/updates',
  currentSupplier: (productId: string) => `/resold-products/${id(productId)}/supplier`,
  supplierPeriods: (productId: string) => `/resold-products/${id(productId)}/suppliers`,
  footprints: '/footprints',
  footprintUpdates: '/footprints/updates',
  footprintBaselines: '/footprint-baselines',
  footprintBaselineUpdates: '/footprint-baselines/updates',
  suppliers: '/suppliers',
  supplier: (supplierId: string) => `/suppliers/${id(supplierId)}`,
  linkedProducts: (supplierId: string) => `/suppliers/${id(supplierId)}/linked-products`,
  invites: '/invites',
} as const;

export type CarbonCloudLinkStatus = 'created' | 'sent' | 'declined' | 'accepted' | 'active';

export interface CarbonCloudGroup {
  id: string;
  name: string;
}

/** Writable fields of a resold product (create adds `groupId`). */
export interface CarbonCloudProductBody {
  alcoholPercentage?: number;
  brandName?: string;
  categories?: string[];
  customId?: string;
  description?: string;
  gtin?: string;
  imageUrl?: string;
  ingredients?: string;
  name: string;
  packagingMaterial?: string;
  packagingType?: string;
  packagingWeightUnit?: string;
  packagingWeightValue?: number;
  pickUpLocation: string;
  productNetQuantityUnit?: string;
  productNetQuantityValue?: number;
  productionLocation: string;
  shipToLocation: string;
  /** Tonnes per year, keyed by the year: `{ "2025": 123.0 }`. */
  yearlySalesVolumes?: Record<string, number>;
}

export interface CarbonCloudProduct extends CarbonCloudProductBody {
  id: string;
  groupId: string;
  createdAt: string;
  updatedAt: string;
}

export interface CarbonCloudLandSplit {
  landUseChange: number;
  landManagement: number;
  total: number;
}

export interface CarbonCloudFootprint {
  calculationMethod: string;
  embeddedFossilCarbon: number;
  flag: CarbonCloudLandSplit;
  other: number;
  packaging: number;
  pds: CarbonCloudLandSplit;
  processing: number;
  storage: number;
  total: number;
  transportation: number;
  updatedAt: string;
}

export interface CarbonCloudBatchFootprint extends CarbonCloudFootprint {
  productId: string;
}

export interface CarbonCloudUpdate {
  id: string;
  updatedAt: string;
}

export interface CarbonCloudEngagement {
  id: string;
  name: string;
  status: CarbonCloudLinkStatus;
}

export interface CarbonCloudSupplierPeriod {
  id: string;
  supplierId: string;
  validFrom?: string | null;
  validTo?: string | null;
}

export interface CarbonCloudContact {
  name?: string | null;
  email: string;
}

export interface CarbonCloudSupplier {
  contacts: CarbonCloudContact[];
  createdAt: string;
  customId?: string | null;
  groupId: string;
  id: string;
  name: string;
  status: 'created' | 'invited' | 'connected';
  updatedAt: string;
}

export interface CarbonCloudLinkedProduct {
  id: string;
  name: string;
  status: CarbonCloudLinkStatus;
}

export interface CarbonCloudTokenResponse {
  access_token: string;
  expires_in: number;
  token_type: string;
}

/**
 * The retailer's access token: fetched with the password grant, cached until shortly before it
 * expires, and fetched once for concurrent callers.
 */
export class CarbonCloudToken {
  private readonly auth: UpstreamClient;
  private readonly tokenPath: string;
  private readonly credentials: Record<string, string>;
  private cached: { token: string; renewAt: number } | null = null;
  private pending: Promise<string> | null = null;

  constructor(auth: UpstreamClient, tokenUrl: string, credentials: { clientId: string; username: string; password: string }) {
    this.auth = auth;
    this.tokenPath = new URL(tokenUrl).pathname;
    this.credentials = { client_id: credentials.clientId, grant_type: 'password', username: credentials.username, password: credentials.password };
  }

  async get(): Promise<string> {
    if (this.cached && Date.now() < this.cached.renewAt) return this.cached.token;
    this.pending ??= this.fetch().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  /** Forgets the cached token (the API refused it) and fetches a new one. */
  async renew(): Promise<boolean> {
    this.cached = null;
    await this.get();
    return true;
  }

  private async fetch(): Promise<string> {
    let res: CarbonCloudTokenResponse;
    try {
      res = await this.auth.json<CarbonCloudTokenResponse>({ method: 'POST', path: this.tokenPath, form: this.credentials, idempotent: true });
    } catch (error) {
      // A refused grant is a deployment problem, not the caller's: report the API as unavailable.
      if (error instanceof UpstreamHttpError && error.status < 500) throw new UpstreamUnreachableError('carboncloud', 'the token endpoint refused the configured credentials');
      throw error;
    }
    const ttlMs = Math.max(0, res.expires_in) * 1000;
    // Renew a little early (10% of the lifetime, at most 30 s) so a token never expires in flight.
    this.cached = { token: res.access_token, renewAt: Date.now() + ttlMs - Math.min(30_000, ttlMs / 10) };
    return res.access_token;
  }
}

export interface CarbonCloudClients {
  api: UpstreamClient;
  auth: UpstreamClient;
}

/** One keep-alive client per process for the API and one for its token endpoint. */
export function createCarbonCloudClients(config: Config, logger: Logger): CarbonCloudClients {
  const auth = upstreamClient(config, logger, { name: 'carboncloud-auth', baseUrl: new URL(config.CARBONCLOUD_TOKEN_URL).origin, routes: { token: new URL(config.CARBONCLOUD_TOKEN_URL).pathname } });
  const token = new CarbonCloudToken(auth, config.CARBONCLOUD_TOKEN_URL, {
    clientId: config.CARBONCLOUD_CLIENT_ID,
    username: config.CARBONCLOUD_USERNAME ?? '',
    password: config.CARBONCLOUD_PASSWORD ?? '',
  });
  const api = upstreamClient(config, logger, {
    name: 'carboncloud',
    baseUrl: config.CARBONCLOUD_BASE_URL,
    routes: CARBONCLOUD_ROUTES,
    headers: async () => ({ authorization: `Bearer ${await token.get()}` }),
    onUnauthorized: () => token.renew(),
    requestIdHeader: 'x-request-id',
  });
  return { api, auth };
}
