// CarbonCloud Retailer API client. The route table below is the one place that knows the
// upstream's paths. The CarbonCloud Retailer API document gives operations, parameters and
// bodies but leaves out most paths and several response bodies; where it is silent we chose the
// REST-conventional shape:
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
// - Numbers in answers may be JSON numbers or decimal strings; statuses are lower case and one
//   the document does not list reads as UNKNOWN; timestamps are RFC 3339, period dates
//   `YYYY-MM-DD`; the token answer is the OAuth2 one (`access_token`, `expires_in`).
// - PATCH /suppliers/{id} with `customId: null` clears the custom id.
// Auth: OAuth2 password grant against CARBONCLOUD_TOKEN_URL; the token is cached until shortly
// before it expires and renewed once when the API answers 401. Every request carries a fresh
// `x-request-id`, logged with the request.
import { z } from 'zod';
import type { Config } from '../../../lib/config.ts';
import {
  decimal,
  integer,
  jsonNumber,
  nullable,
  parseUpstream,
  timestamp,
  tolerantEnum,
} from '../../../lib/upstream-contract.ts';
import {
  upstreamClient,
  UpstreamHttpError,
  UpstreamUnreachableError,
  type UpstreamClient,
} from '../../../lib/http-client.ts';
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

// ---- the wire contract (every assumption above, in one place) ------------------------------
// Every response is parsed once, at the client boundary (./source.ts), by the schema of its
// route and method in CARBONCLOUD_SCHEMAS; the mappers see only parsed, typed values. Numbers are
// read as JSON numbers or decimal strings (as Decimal); an unknown status is `UNKNOWN`; optional
// fields may be absent or null; fields the layer does not need are ignored; a missing required
// value is an UPSTREAM_CONTRACT error naming the route and the field path.

/** Linked-product statuses of the document ("List linked products for supplier"); anything else reads as UNKNOWN. */
const linkStatus = tolerantEnum(['CREATED', 'SENT', 'DECLINED', 'ACCEPTED', 'ACTIVE'] as const);
export type CarbonCloudLinkStatus = 'created' | 'sent' | 'declined' | 'accepted' | 'active';

/** Assumed: `{ id, name }` (the sample of "List available groups" shows only an array of objects). */
const group = z.object({ id: z.string(), name: z.string() });

/**
 * A resold product (the response sample of "Get a resold product"); required as the body of
 * "Create a new resold product" requires them.
 */
const product = z.object({
  id: z.string(),
  groupId: z.string(),
  name: z.string(),
  pickUpLocation: z.string(),
  productionLocation: z.string(),
  shipToLocation: z.string(),
  createdAt: timestamp,
  updatedAt: timestamp,
  alcoholPercentage: nullable(decimal),
  brandName: nullable(z.string()),
  categories: nullable(z.array(z.string())),
  customId: nullable(z.string()),
  description: nullable(z.string()),
  gtin: nullable(z.string()),
  imageUrl: nullable(z.string()),
  ingredients: nullable(z.string()),
  packagingMaterial: nullable(z.string()),
  packagingType: nullable(z.string()),
  packagingWeightUnit: nullable(z.string()),
  packagingWeightValue: nullable(decimal),
  productNetQuantityUnit: nullable(z.string()),
  productNetQuantityValue: nullable(decimal),
  /** Tonnes per year keyed by the year, `{ "2025": 123.0 }` (the create body's "Sales volumes in tonnes/year"). */
  yearlySalesVolumes: nullable(z.record(z.string().regex(/^\d{4}$/, 'expected a year'), decimal)),
});

/**
 * Assumed: an update feed item is `{ id, updatedAt }` (the samples of the three "List IDs of
 * products …" operations show only objects).
 */
const update = z.object({ id: z.string(), updatedAt: timestamp });

/** The current supplier of a product ("Get supplier engagement information", its response sample). */
const engagement = z.object({ id: z.string(), name: z.string(), status: linkStatus });

/**
 * Assumed: a FLAG or PDS part is `{ landUseChange, landManagement, total }` (the sample of "Get
 * FLAG emissions breakdown of a specific product" shows only objects).
 */
const landSplit = z.object({ landUseChange: decimal, landManagement: decimal, total: decimal });

/** A FLAG footprint or baseline (the response sample of "Get FLAG emissions breakdown of a specific product"). */
const footprint = z.object({
  calculationMethod: z.string(),
  embeddedFossilCarbon: decimal,
  flag: landSplit,
  other: decimal,
  packaging: decimal,
  pds: landSplit,
  processing: decimal,
  storage: decimal,
  total: decimal,
  transportation: decimal,
  updatedAt: timestamp,
});

/**
 * Assumed: a batch answer item is a footprint with its product's id as `productId` (the sample of
 * "Get FLAG emissions breakdown of many products" shows only objects).
 */
const batchFootprint = footprint.extend({ productId: z.string() });

/**
 * Assumed: a period is the input's fields ("Set supplier periods for a product") with its `id`;
 * dates stay `YYYY-MM-DD` strings.
 */
const period = z.object({
  id: z.string(),
  supplierId: z.string(),
  validFrom: nullable(z.iso.date()),
  validTo: nullable(z.iso.date()),
});

/**
 * Assumed: a contact is `{ name?, email }` (retailerapi.SupplierContact, in "Update an existing
 * supplier", lists no fields).
 */
const contact = z.object({ name: nullable(z.string()), email: z.string() });

/**
 * A product supplier (the response sample of "Get a specific supplier"); status `created | invited
 * | connected` is assumed beyond the sample's `created`.
 */
const supplier = z.object({
  id: z.string(),
  groupId: z.string(),
  name: z.string(),
  customId: nullable(z.string()),
  status: tolerantEnum(['CREATED', 'INVITED', 'CONNECTED'] as const),
  contacts: nullable(z.array(contact)).transform((v) => v ?? []),
  createdAt: timestamp,
  updatedAt: timestamp,
});

/**
 * Assumed: a linked product is `{ id, name, status }`, like the engagement of "Get supplier
 * engagement information".
 */
const linkedProduct = z.object({ id: z.string(), name: z.string(), status: linkStatus });

/** The invite answer ("Products and supplier invite", its response sample); the layer does not read its `status`. */
const inviteAnswer = z.object({ status: nullable(z.string()) });

/** The OAuth2 password grant answer (RFC 6749 section 5.1; the document's introduction names only the grant). */
export const tokenAnswer = z.object({
  access_token: z.string().min(1),
  expires_in: integer,
  token_type: nullable(z.string()),
});

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH';

/**
 * The response schema of every route of CARBONCLOUD_ROUTES, by method (the document's operations
 * beside each). DELETE answers are not read ("Delete a resold product" answers `{ }`).
 */
export const CARBONCLOUD_SCHEMAS = {
  groups: { GET: z.array(group) }, // "List available groups"
  resoldProducts: { GET: z.array(product), POST: product }, // "List resold products", "Create a new resold product"
  resoldProduct: { GET: product, PUT: product }, // "Get a resold product", "Update a resold product"
  // "List IDs of products that have updated information"
  resoldProductUpdates: { GET: z.array(update) },
  currentSupplier: { GET: engagement }, // "Get supplier engagement information"; 204 when there is none
  // "Get product suppliers", "Set supplier periods for a product"
  supplierPeriods: { GET: z.array(period), PUT: z.array(period) },
  footprints: { POST: z.array(batchFootprint) }, // "Get FLAG emissions breakdown of many products"
  footprintUpdates: { GET: z.array(update) }, // "List IDs of products that have updated footprint information"
  footprintBaselines: { POST: z.array(batchFootprint) }, // "Get FLAG emissions baselines of many products"
  // "List IDs of products with updated footprint baseline information"
  footprintBaselineUpdates: { GET: z.array(update) },
  suppliers: { GET: z.array(supplier), POST: supplier }, // "List suppliers", "Create a new supplier"
  supplier: { GET: supplier, PATCH: supplier }, // "Get a specific supplier", "Update an existing supplier"
  linkedProducts: { GET: z.array(linkedProduct) }, // "List linked products for supplier"
  invites: { POST: inviteAnswer }, // "Products and supplier invite"
} as const satisfies { [K in keyof typeof CARBONCLOUD_ROUTES]: Partial<Record<Method, z.ZodType>> };

export type CarbonCloudRoute = keyof typeof CARBONCLOUD_ROUTES;
type Schemas = typeof CARBONCLOUD_SCHEMAS;
export type CarbonCloudMethod<K extends CarbonCloudRoute> = keyof Schemas[K] & Method;
export type CarbonCloudParsed<K extends CarbonCloudRoute, M extends CarbonCloudMethod<K>> = z.output<
  Schemas[K][M] & z.ZodType
>;

/** A route's name in errors and logs: the method and the path template, e.g. `GET /suppliers/{id}`. */
export function carbonCloudRouteName(route: CarbonCloudRoute, method: Method): string {
  const path = CARBONCLOUD_ROUTES[route];
  return `${method} ${typeof path === 'string' ? path : decodeURIComponent(path('{id}'))}`;
}

export type CarbonCloudProduct = z.input<typeof product>;
export type ParsedProduct = z.output<typeof product>;
export type ParsedFootprint = z.output<typeof footprint>;
export type ParsedEngagement = z.output<typeof engagement>;
export type ParsedPeriod = z.output<typeof period>;
export type ParsedSupplier = z.output<typeof supplier>;
export type ParsedLinkedProduct = z.output<typeof linkedProduct>;
export type CarbonCloudFootprint = z.input<typeof footprint>;
export type CarbonCloudLandSplit = z.input<typeof landSplit>;
export type CarbonCloudSupplierPeriod = z.input<typeof period>;
export type CarbonCloudSupplier = z.input<typeof supplier>;
export type CarbonCloudTokenResponse = z.output<typeof tokenAnswer>;

// ---- request bodies: built by these schemas, numbers as JSON numbers as in the samples ------

const optionalText = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);
const optionalNumber = jsonNumber.nullish().transform((v) => v ?? undefined);

/**
 * The writable fields of a resold product (the bodies of "Create a new resold product" and
 * "Update a resold product"; create adds `groupId`). Numbers go out as JSON numbers (the create
 * request sample). A field without a value is left out: PUT replaces the product with the body
 * ("Replace all fields on resold product").
 */
export const productBody = z.object({
  alcoholPercentage: optionalNumber,
  brandName: optionalText,
  categories: z.array(z.string()),
  customId: optionalText,
  description: optionalText,
  gtin: optionalText,
  imageUrl: optionalText,
  ingredients: optionalText,
  name: z.string(),
  packagingMaterial: optionalText,
  packagingType: optionalText,
  packagingWeightUnit: optionalText,
  packagingWeightValue: optionalNumber,
  pickUpLocation: z.string(),
  productNetQuantityUnit: optionalText,
  productNetQuantityValue: optionalNumber,
  productionLocation: z.string(),
  shipToLocation: z.string(),
  yearlySalesVolumes: z.record(z.string(), jsonNumber),
});
export type CarbonCloudProductBody = z.output<typeof productBody>;

/**
 * PUT /resold-products/{id}/suppliers ("Set supplier periods for a product"):
 * `{ suppliers: [{ id?, supplierId, validFrom?, validTo? }] }`.
 */
export const supplierPeriodsBody = z.object({
  suppliers: z.array(
    z.object({ id: optionalText, supplierId: z.string(), validFrom: optionalText, validTo: optionalText }),
  ),
});

const contactBody = z.object({ email: z.string(), name: optionalText });

/** POST /suppliers ("Create a new supplier"). */
export const createSupplierBody = z.object({
  groupId: z.string(),
  name: z.string(),
  customId: optionalText,
  contacts: z.array(contactBody),
});

/**
 * PATCH /suppliers/{id} ("Update an existing supplier"): only the fields given; `customId: null`
 * clears it (assumed).
 */
export const updateSupplierBody = z.object({
  name: z.string().optional(),
  customId: z.string().nullable().optional(),
  contacts: z.array(contactBody).optional(),
});

/**
 * POST /invites ("Products and supplier invite"); assumed: a product is `{ id }`
 * (retailerapi.InviteProduct lists no fields).
 */
export const inviteBody = z.object({ products: z.array(z.object({ id: z.string() })), supplierId: z.string() });

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
  private readonly logger: Logger | undefined;

  constructor(
    auth: UpstreamClient,
    tokenUrl: string,
    credentials: { clientId: string; username: string; password: string },
    logger?: Logger,
  ) {
    this.auth = auth;
    this.logger = logger;
    this.tokenPath = new URL(tokenUrl).pathname;
    this.credentials = {
      client_id: credentials.clientId,
      grant_type: 'password',
      username: credentials.username,
      password: credentials.password,
    };
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
      const body = await this.auth.json<unknown>({
        method: 'POST',
        path: this.tokenPath,
        form: this.credentials,
        idempotent: true,
      });
      res = parseUpstream(tokenAnswer, body, {
        upstream: this.auth.name,
        route: `POST ${this.tokenPath}`,
        logger: this.logger,
      });
    } catch (error) {
      // A refused grant is a deployment problem, not the caller's: report the API as unavailable.
      if (error instanceof UpstreamHttpError && error.status < 500)
        throw new UpstreamUnreachableError('carboncloud', 'the token endpoint refused the configured credentials');
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
  const auth = upstreamClient(config, logger, {
    name: 'carboncloud-auth',
    baseUrl: new URL(config.CARBONCLOUD_TOKEN_URL).origin,
    routes: { token: new URL(config.CARBONCLOUD_TOKEN_URL).pathname },
  });
  const token = new CarbonCloudToken(
    auth,
    config.CARBONCLOUD_TOKEN_URL,
    {
      clientId: config.CARBONCLOUD_CLIENT_ID,
      username: config.CARBONCLOUD_USERNAME ?? '',
      password: config.CARBONCLOUD_PASSWORD ?? '',
    },
    logger,
  );
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
