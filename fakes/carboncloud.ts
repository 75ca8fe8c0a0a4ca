// Contract fake of the CarbonCloud Retailer API and its OAuth2 token endpoint, written from
// ../shared/seeds/002_ff228f9b7daec08f.txt alone (line numbers below are that file's). It shares
// no code with our client: its paths, wire shapes and checks are its own. Serves the footprints
// demo data set (the records of subgraphs/footprints/local/seed.ts).
//
// What each route follows:
// - Every API call: `Authorization: Bearer <access token>` from the password grant (lines 9-18;
//   the token path is the one of line 9) and an `x-request-id` header (line 20).
// - Groups (22-39); Invites (41-84): body `{ products: [...], supplierId }` required (55-76), the
//   supplier must be the active (linked) supplier of each product (47), contacts are emailed once
//   ever and not after registration (49), a declined request is sent again (51), answer
//   `{ status }` (82-84).
// - Products: list (88-118: `groupId` required, `from` exclusive, `limit` 1..128 default 32,
//   ordered by id); create (120-237: `groupId`, `name` 3..255, `pickUpLocation`,
//   `productionLocation`, `shipToLocation` required; `customId` <= 255; `gtin` <= 14; numbers for
//   `alcoholPercentage`, `packagingWeightValue`, `productNetQuantityValue`; `yearlySalesVolumes`
//   tonnes/year by year, 172-174); update feed (239-270: `groupId` required, `since` inclusive
//   RFC 3339, `limit` 1..256 default 100); delete (272-291: answers `{ }`, drops the not yet
//   accepted links, 276); get (293-336); update (338-461: replaces every field, no `groupId`);
//   current supplier (463-486: `{ id, name, status }`, 204 when there is none, 467).
// - Footprints: batch by product ids (490-526: `groupId` required, zero to 256 ids, 504), update
//   feeds (528-592), baseline batch (594-630), one product's footprint and baseline (632-696, the
//   fields of 649-663).
// - Product suppliers: `GET`/`PUT /resold-products/{id}/suppliers` (700-785, path of 732): a kept
//   period has its `id` (728), a period without one is new (729), a missing id is removed (730);
//   dates today or earlier, `validFrom` <= `validTo`, no overlap and no shared boundary day
//   (734-738).
// - Suppliers: list (789-814: `groupId` required, `customId` filter when non-empty, 803); create
//   (816-863: `groupId`, `name` 3..255 required, `customId` <= 255, contacts optional); delete
//   (865-885: not when invited or connected, 867; error body `{ detail, error }`, 882-885); get
//   (887-914); update (916-965: only given fields, given contacts replace all, 918); linked products
//   (967-1000, path of 467: the active links, `status` filter of created | sent | declined |
//   accepted | active, 971-988).
//
// Assumptions where the document is silent (each one a choice of this fake, shared with the
// footprints README's route table):
// - Paths other than the two the document names (467, 732) follow REST conventions: `/groups`,
//   `/resold-products[/{id}]`, `/resold-products/updates`, `/resold-products/{id}/supplier`,
//   `/resold-products/{id}/footprint`, `/resold-products/{id}/footprint-baseline`,
//   `/footprints?groupId`, `/footprints/updates`, `/footprint-baselines?groupId`,
//   `/footprint-baselines/updates`, `/suppliers[/{supplier-id}]`, `/invites`.
// - Bodies the document shows as `{ }`: a group `{ id, name }`; an update feed item `{ id,
//   updated_at }` (the name the feed descriptions give it, 241, 530, 563); a batch item is the
//   footprint of 649-663 with `productId`; `flag` and `pds` are `{ landUseChange, landManagement,
//   total }`; an invite product `{ id }`; a contact `{ name?, email }`; a supplier period `{ id,
//   supplierId, validFrom, validTo }` (the input's fields with `id`, null when not set); a linked
//   product `{ id, name, status }` (as 482-486).
// - Numbers are JSON numbers; dates of periods `YYYY-MM-DD` (763-765), compared in UTC. A period
//   without `validFrom` reaches back forever, one without `validTo` is ongoing; the current
//   supplier is the one whose period covers today, and linking it starts a `created` request.
// - Supplier status `created` (861) until the first invite (`invited`); `connected` once registered.
// - Refusals: 400 for a malformed body or parameter, 404 for an unknown group, product, supplier or
//   period, 409 for deleting an invited or connected supplier, all `{ error, detail }`; 401 for a
//   missing, unknown or expired token (`{ error: 'unauthorized' }`), 400 without `x-request-id`.
//   The token endpoint answers OAuth2's `{ access_token, expires_in, token_type }` or 401
//   `invalid_grant`.
// - Body fields the document does not list are ignored.
import { randomUUID } from 'node:crypto';
import { dec, type Decimal } from '../lib/decimal.ts';
import {
  demoBaselines,
  demoFootprints,
  demoGroups,
  demoInvitationEmails,
  demoProductSuppliers,
  demoResoldProducts,
  demoSupplierLinks,
  demoSupplierPeriods,
} from '../subgraphs/footprints/local/seed.ts';
import type {
  FootprintRecord,
  LinkedProductStatus,
  ProductSupplierRecord,
  QuantityValue,
  ResoldProductRecord,
} from '../subgraphs/footprints/source.ts';
import { startFake, type FakeReply, type FakeRequest, type FakeRoute, type RunningFake } from './harness.ts';

export const TOKEN_PATH = '/realms/prod/protocol/openid-connect/token';
export const FAKE_CARBONCLOUD_CREDENTIALS = {
  clientId: 'carboncloud',
  username: 'retailer@grocer.example',
  password: 'fake-carboncloud-password',
};

const PATHS = {
  groups: '/groups',
  products: '/resold-products',
  productUpdates: '/resold-products/updates',
  product: '/resold-products/{id}',
  currentSupplier: '/resold-products/{id}/supplier',
  productFootprint: '/resold-products/{id}/footprint',
  productBaseline: '/resold-products/{id}/footprint-baseline',
  supplierPeriods: '/resold-products/{id}/suppliers',
  footprints: '/footprints',
  footprintUpdates: '/footprints/updates',
  baselines: '/footprint-baselines',
  baselineUpdates: '/footprint-baselines/updates',
  suppliers: '/suppliers',
  supplier: '/suppliers/{supplier-id}',
  linkedProducts: '/suppliers/{supplier-id}/linked-products',
  invites: '/invites',
};

type Period = (typeof demoSupplierPeriods)[number];
type Link = (typeof demoSupplierLinks)[number];

export function carbonCloudState() {
  return {
    /** Lifetime of issued tokens, in seconds. */
    tokenTtlSeconds: 300,
    /** Live tokens and when they expire (ms since epoch). */
    tokens: new Map<string, number>(),
    issued: 0,
    groups: demoGroups.map((g) => ({ ...g })),
    products: demoResoldProducts.map((p) => ({ ...p })),
    footprints: demoFootprints.map((f) => ({ ...f })),
    baselines: demoBaselines.map((f) => ({ ...f })),
    suppliers: demoProductSuppliers.map((s) => ({ ...s, contacts: s.contacts.map((c) => ({ ...c })) })),
    periods: demoSupplierPeriods.map((p): Period => ({ ...p })),
    links: demoSupplierLinks.map((l): Link => ({ ...l })),
    /** Invitation emails the platform sent, one per supplier contact ever. */
    outbox: demoInvitationEmails.map((e) => ({
      supplierId: e.supplierId,
      email: e.email,
      productIds: [...e.productIds],
      createdAt: e.createdAt,
    })),
  };
}
export type CarbonCloudState = ReturnType<typeof carbonCloudState>;

export interface CarbonCloudFake extends RunningFake {
  state: CarbonCloudState;
  /** The configuration a subgraph needs to use this fake. */
  env: Record<string, string>;
  /** Makes every issued token invalid, as a key rotation on the auth server would. */
  revokeTokens(): void;
}

// ---- wire shapes ----------------------------------------------------------------------------

const num = (d: Decimal) => Number(d.toFixed());
const split = (s: FootprintRecord['flag']) => ({
  landUseChange: num(s.landUseChange),
  landManagement: num(s.landManagement),
  total: num(s.total),
});
const wire = {
  /** A product as in lines 211-237. */
  product: (p: ResoldProductRecord) => ({
    alcoholPercentage: p.alcoholPercentage === null ? null : num(p.alcoholPercentage),
    brandName: p.brandName,
    categories: p.categories,
    createdAt: p.createdAt.toISOString(),
    customId: p.customId,
    description: p.description,
    groupId: p.groupId,
    gtin: p.gtin,
    id: p.id,
    imageUrl: p.imageUrl,
    ingredients: p.ingredients,
    name: p.name,
    packagingMaterial: p.packagingMaterial,
    packagingType: p.packagingType,
    packagingWeightUnit: p.packagingWeight?.unit ?? null,
    packagingWeightValue: p.packagingWeight ? num(p.packagingWeight.value) : null,
    pickUpLocation: p.pickUpLocation,
    productNetQuantityUnit: p.netQuantity?.unit ?? null,
    productNetQuantityValue: p.netQuantity ? num(p.netQuantity.value) : null,
    productionLocation: p.productionLocation,
    shipToLocation: p.shipToLocation,
    updatedAt: p.updatedAt.toISOString(),
    yearlySalesVolumes: Object.fromEntries(p.yearlySalesVolumes.map((v) => [String(v.year), num(v.tonnes)])),
  }),
  /** A footprint as in lines 649-663. */
  footprint: (f: FootprintRecord) => ({
    calculationMethod: f.calculationMethod,
    embeddedFossilCarbon: num(f.embeddedFossilCarbon),
    flag: split(f.flag),
    other: num(f.other),
    packaging: num(f.packaging),
    pds: split(f.pds),
    processing: num(f.processing),
    storage: num(f.storage),
    total: num(f.total),
    transportation: num(f.transportation),
    updatedAt: f.updatedAt.toISOString(),
  }),
  /** A supplier as in lines 853-863. */
  supplier: (s: ProductSupplierRecord) => ({
    contacts: s.contacts.map((c) => ({ name: c.name, email: c.email })),
    createdAt: s.createdAt.toISOString(),
    customId: s.customId,
    groupId: s.groupId,
    id: s.id,
    name: s.name,
    status: s.status.toLowerCase(),
    updatedAt: s.updatedAt.toISOString(),
  }),
  period: (p: Period) => ({ id: p.id, supplierId: p.supplierId, validFrom: p.validFrom, validTo: p.validTo }),
  linkStatus: (s: LinkedProductStatus) => s.toLowerCase(),
};

// ---- checks of the document ---------------------------------------------------------------

const refuse = (status: number, detail: string, error = 'bad_request'): FakeReply => ({
  status,
  body: { error, detail },
});
const notFound = (what: string) => refuse(404, `${what} not found`, 'not_found');

const isText = (v: unknown): v is string => typeof v === 'string';
const optionalText = (v: unknown) => v === undefined || v === null || isText(v);
const optionalNumber = (v: unknown) => v === undefined || v === null || (typeof v === 'number' && Number.isFinite(v));

/** The product body of lines 127-174 (create, with `groupId`) and 352-399 (update, without). */
function productFromBody(
  b: Record<string, unknown>,
  base: { id: string; groupId: string; createdAt: Date },
): ResoldProductRecord | string {
  if (!isText(b.name) || b.name.length < 3 || b.name.length > 255) return 'name must be 3 to 255 characters';
  if (!optionalText(b.customId) || (isText(b.customId) && b.customId.length > 255))
    return 'customId must be a string of at most 255 characters';
  if (!optionalText(b.gtin) || (isText(b.gtin) && b.gtin.length > 14))
    return 'gtin must be a string of at most 14 characters';
  for (const key of ['pickUpLocation', 'productionLocation', 'shipToLocation'])
    if (!isText(b[key]) || !b[key]) return `${key} is required`;
  for (const key of ['brandName', 'description', 'imageUrl', 'ingredients', 'packagingMaterial', 'packagingType'])
    if (!optionalText(b[key])) return `${key} must be a string`;
  for (const key of ['packagingWeightUnit', 'productNetQuantityUnit'])
    if (!optionalText(b[key])) return `${key} must be a string`;
  for (const key of ['alcoholPercentage', 'packagingWeightValue', 'productNetQuantityValue'])
    if (!optionalNumber(b[key])) return `${key} must be a number`;
  if (b.categories != null && !(Array.isArray(b.categories) && b.categories.every(isText)))
    return 'categories must be an array of strings';
  const volumes = b.yearlySalesVolumes ?? {};
  if (typeof volumes !== 'object' || Array.isArray(volumes) || volumes === null)
    return 'yearlySalesVolumes must be an object of tonnes by year';
  const entries = Object.entries(volumes as Record<string, unknown>);
  for (const [year, tonnes] of entries)
    if (!/^\d{4}$/.test(year) || typeof tonnes !== 'number' || !Number.isFinite(tonnes) || tonnes < 0)
      return 'yearlySalesVolumes must map years to tonnes';
  const str = (v: unknown) => (isText(v) ? v : null);
  const quantity = (value: unknown, unit: unknown): QuantityValue | null =>
    typeof value === 'number' ? { value: dec(String(value)), unit: str(unit) ?? '' } : null;
  return {
    id: base.id,
    groupId: base.groupId,
    name: b.name,
    customId: str(b.customId),
    gtin: str(b.gtin),
    brandName: str(b.brandName),
    description: str(b.description),
    categories: (b.categories as string[] | null | undefined) ?? [],
    imageUrl: str(b.imageUrl),
    ingredients: str(b.ingredients),
    alcoholPercentage: typeof b.alcoholPercentage === 'number' ? dec(String(b.alcoholPercentage)) : null,
    packagingMaterial: str(b.packagingMaterial),
    packagingType: str(b.packagingType),
    packagingWeight: quantity(b.packagingWeightValue, b.packagingWeightUnit),
    netQuantity: quantity(b.productNetQuantityValue, b.productNetQuantityUnit),
    pickUpLocation: b.pickUpLocation as string,
    productionLocation: b.productionLocation as string,
    shipToLocation: b.shipToLocation as string,
    yearlySalesVolumes: entries
      .map(([year, tonnes]) => ({ year: Number(year), tonnes: dec(String(tonnes)) }))
      .sort((x, y) => x.year - y.year),
    createdAt: base.createdAt,
    updatedAt: new Date(),
  };
}

/** Contacts of a supplier body: `{ name?, email }` each. */
function contactsFromBody(v: unknown): ProductSupplierRecord['contacts'] | string {
  if (!Array.isArray(v)) return 'contacts must be an array';
  const out: ProductSupplierRecord['contacts'] = [];
  for (const c of v as Record<string, unknown>[]) {
    if (typeof c !== 'object' || c === null || !isText(c.email) || !c.email.includes('@'))
      return 'each contact needs an email';
    if (!optionalText(c.name)) return 'a contact name must be a string';
    out.push({ name: isText(c.name) ? c.name : null, email: c.email });
  }
  return out;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const today = () => new Date().toISOString().slice(0, 10);

/** The validation rules of lines 734-738; null when the periods pass. */
function periodsProblem(periods: { validFrom: string | null; validTo: string | null }[]): string | null {
  const now = today();
  for (const p of periods) {
    for (const d of [p.validFrom, p.validTo]) {
      if (d === null) continue;
      if (!DAY.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`))) return `${d} is not a date`;
      if (d > now) return 'All dates must be today or in the past';
    }
    if (p.validFrom !== null && p.validTo !== null && p.validFrom > p.validTo)
      return 'validFrom must not be after validTo';
  }
  const sorted = [...periods].sort((a, b) => (a.validFrom ?? '').localeCompare(b.validFrom ?? ''));
  for (let i = 1; i < sorted.length; i++) {
    const before = sorted[i - 1]!;
    const after = sorted[i]!;
    // Not even a shared boundary day: the next period starts strictly after the previous ends.
    if (before.validTo === null || after.validFrom === null || after.validFrom <= before.validTo)
      return 'Periods must not overlap in time, not even share a boundary day';
  }
  return null;
}

/** The period covering today (every date is today or earlier, so: ongoing or ending today). */
function currentOf(periods: Period[]): Period | null {
  const now = today();
  return (
    periods.find((p) => (p.validFrom === null || p.validFrom <= now) && (p.validTo === null || p.validTo >= now)) ??
    null
  );
}

/** An RFC 3339 timestamp with any number of fraction digits, as ms since epoch (rounded down). */
function sinceMs(raw: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/i.exec(raw);
  if (!m) return null;
  const whole = Date.parse(`${m[1]}${m[3]!.toUpperCase()}`);
  if (Number.isNaN(whole)) return null;
  return whole + Number((m[2] ?? '').padEnd(3, '0').slice(0, 3));
}

function feedParams(req: FakeRequest): { error: FakeReply } | { groupId: string; since: number; limit: number } {
  const groupId = req.query.get('groupId');
  if (!groupId) return { error: refuse(400, 'groupId is required') };
  const rawLimit = req.query.get('limit');
  const limit = rawLimit === null ? 100 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 256)
    return { error: refuse(400, 'limit must be in range [1, 256]') };
  const raw = req.query.get('since');
  const since = raw ? sinceMs(raw) : 0;
  if (since === null) return { error: refuse(400, 'since must be an RFC 3339 timestamp') };
  return { groupId, since, limit };
}

export async function startCarbonCloudFake(): Promise<CarbonCloudFake> {
  const state = carbonCloudState();
  const groupOf = (productId: string) => state.products.find((p) => p.id === productId)?.groupId;
  const periodsOf = (productId: string) => state.periods.filter((p) => p.productId === productId);

  /** Makes the current period's supplier the product's linked supplier (a new link starts `created`). */
  const relink = (productId: string) => {
    const current = currentOf(periodsOf(productId));
    for (const l of state.links) if (l.productId === productId) l.current = l.supplierId === current?.supplierId;
    if (current && !state.links.some((l) => l.productId === productId && l.supplierId === current.supplierId)) {
      state.links.push({
        productId,
        supplierId: current.supplierId,
        status: 'CREATED',
        current: true,
        updatedAt: new Date(),
      });
    }
  };

  const feed = (rows: () => { id: string; updatedAt: Date }[]) => (req: FakeRequest) => {
    const q = feedParams(req);
    if ('error' in q) return q.error;
    return {
      body: rows()
        .filter((r) => groupOf(r.id) === q.groupId && r.updatedAt.getTime() >= q.since)
        .sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime() || a.id.localeCompare(b.id))
        .slice(0, q.limit)
        .map((r) => ({ id: r.id, updated_at: r.updatedAt.toISOString() })),
    };
  };

  const batch = (rows: () => FootprintRecord[]) => (req: FakeRequest) => {
    const groupId = req.query.get('groupId');
    if (!groupId) return refuse(400, 'groupId is required');
    const ids = req.body;
    if (!Array.isArray(ids) || ids.length > 256 || !ids.every(isText))
      return refuse(400, 'Give an array of zero to 256 product ids');
    const wanted = new Set(ids);
    return {
      body: rows()
        .filter((f) => wanted.has(f.resoldProductId) && groupOf(f.resoldProductId) === groupId)
        .map((f) => ({ productId: f.resoldProductId, ...wire.footprint(f) })),
    };
  };
  const one = (rows: () => FootprintRecord[]) => (req: FakeRequest) => {
    if (!state.products.some((p) => p.id === req.params.id)) return notFound('product');
    const f = rows().find((x) => x.resoldProductId === req.params.id);
    return f ? { body: wire.footprint(f) } : notFound('footprint');
  };

  const routes: FakeRoute[] = [
    {
      method: 'POST',
      path: TOKEN_PATH,
      handler: (req) => {
        const f = req.body as Record<string, string>;
        const c = FAKE_CARBONCLOUD_CREDENTIALS;
        if (
          f?.grant_type !== 'password' ||
          f.client_id !== c.clientId ||
          f.username !== c.username ||
          f.password !== c.password
        ) {
          return { status: 401, body: { error: 'invalid_grant', error_description: 'Invalid user credentials' } };
        }
        const token = `cc_${++state.issued}_${randomUUID()}`;
        state.tokens.set(token, Date.now() + state.tokenTtlSeconds * 1000);
        return { body: { access_token: token, expires_in: state.tokenTtlSeconds, token_type: 'Bearer' } };
      },
    },
    {
      method: 'GET',
      path: PATHS.groups,
      handler: () => ({ body: state.groups.map((g) => ({ id: g.id, name: g.name })) }),
    },
    {
      method: 'GET',
      path: PATHS.products,
      handler: (req) => {
        const groupId = req.query.get('groupId');
        if (!groupId) return refuse(400, 'groupId is required');
        const rawLimit = req.query.get('limit');
        const limit = rawLimit === null ? 32 : Number(rawLimit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 128) return refuse(400, 'limit must be in range [1, 128]');
        const from = req.query.get('from');
        const rows = state.products
          .filter((p) => p.groupId === groupId && (!from || p.id > from))
          .sort((a, b) => a.id.localeCompare(b.id));
        return { body: rows.slice(0, limit).map(wire.product) };
      },
    },
    {
      method: 'POST',
      path: PATHS.products,
      handler: (req) => {
        const b = (req.body ?? {}) as Record<string, unknown>;
        if (typeof b !== 'object' || !isText(b.groupId)) return refuse(400, 'groupId is required');
        const groupId = b.groupId;
        const product = productFromBody(b, { id: randomUUID(), groupId, createdAt: new Date() });
        if (typeof product === 'string') return refuse(400, product);
        if (!state.groups.some((g) => g.id === groupId)) return notFound('group');
        state.products.push(product);
        return { status: 201, body: wire.product(product) };
      },
    },
    { method: 'GET', path: PATHS.productUpdates, handler: (req) => feed(() => state.products)(req) },
    {
      method: 'GET',
      path: PATHS.product,
      handler: (req) => {
        const p = state.products.find((x) => x.id === req.params.id);
        return p ? { body: wire.product(p) } : notFound('product');
      },
    },
    {
      method: 'PUT',
      path: PATHS.product,
      handler: (req) => {
        const i = state.products.findIndex((x) => x.id === req.params.id);
        if (i < 0) return notFound('product');
        const old = state.products[i]!;
        const product = productFromBody((req.body ?? {}) as Record<string, unknown>, old);
        if (typeof product === 'string') return refuse(400, product);
        state.products[i] = product;
        return { body: wire.product(product) };
      },
    },
    {
      method: 'DELETE',
      path: PATHS.product,
      handler: (req) => {
        const id = req.params.id;
        if (!state.products.some((p) => p.id === id)) return notFound('product');
        state.products = state.products.filter((p) => p.id !== id);
        state.footprints = state.footprints.filter((f) => f.resoldProductId !== id);
        state.baselines = state.baselines.filter((f) => f.resoldProductId !== id);
        state.periods = state.periods.filter((p) => p.productId !== id);
        state.links = state.links.filter((l) => l.productId !== id);
        return { body: {} };
      },
    },
    {
      method: 'GET',
      path: PATHS.currentSupplier,
      handler: (req) => {
        if (!state.products.some((p) => p.id === req.params.id)) return notFound('product');
        const link = state.links.find((l) => l.productId === req.params.id && l.current);
        if (!link) return { status: 204 };
        const s = state.suppliers.find((x) => x.id === link.supplierId)!;
        return { body: { id: s.id, name: s.name, status: wire.linkStatus(link.status) } };
      },
    },
    { method: 'GET', path: PATHS.productFootprint, handler: (req) => one(() => state.footprints)(req) },
    { method: 'GET', path: PATHS.productBaseline, handler: (req) => one(() => state.baselines)(req) },
    {
      method: 'GET',
      path: PATHS.supplierPeriods,
      handler: (req) =>
        state.products.some((p) => p.id === req.params.id)
          ? { body: periodsOf(req.params.id!).map(wire.period) }
          : notFound('product'),
    },
    {
      method: 'PUT',
      path: PATHS.supplierPeriods,
      handler: (req) => {
        const productId = req.params.id!;
        const product = state.products.find((p) => p.id === productId);
        if (!product) return notFound('product');
        const body = req.body as { suppliers?: unknown };
        if (!Array.isArray(body?.suppliers)) return refuse(400, 'suppliers is required');
        const periods: { id: string | null; supplierId: string; validFrom: string | null; validTo: string | null }[] =
          [];
        for (const raw of body.suppliers as Record<string, unknown>[]) {
          if (typeof raw !== 'object' || raw === null || !isText(raw.supplierId))
            return refuse(400, 'supplierId is required');
          if (!optionalText(raw.id) || !optionalText(raw.validFrom) || !optionalText(raw.validTo))
            return refuse(400, 'id, validFrom and validTo must be strings');
          periods.push({
            id: (raw.id as string | null | undefined) ?? null,
            supplierId: raw.supplierId,
            validFrom: (raw.validFrom as string | null | undefined) ?? null,
            validTo: (raw.validTo as string | null | undefined) ?? null,
          });
        }
        const wrong = periodsProblem(periods);
        if (wrong) return refuse(400, wrong);
        for (const p of periods) {
          const supplier = state.suppliers.find((s) => s.id === p.supplierId);
          if (!supplier) return notFound(`supplier ${p.supplierId}`);
          if (supplier.groupId !== product.groupId) return refuse(400, 'supplier belongs to another group');
          const kept = p.id ? state.periods.find((x) => x.id === p.id && x.productId === productId) : null;
          if (p.id && !kept) return notFound(`period ${p.id}`);
          // "updates the existing period's dates in place, preserving the supplier" (line 728).
          if (kept && kept.supplierId !== p.supplierId) return refuse(400, 'an existing period keeps its supplier');
        }
        state.periods = [
          ...state.periods.filter((x) => x.productId !== productId),
          ...periods.map((p) => ({ ...p, id: p.id ?? randomUUID(), productId })),
        ];
        relink(productId);
        return { body: periodsOf(productId).map(wire.period) };
      },
    },
    { method: 'POST', path: PATHS.footprints, handler: (req) => batch(() => state.footprints)(req) },
    {
      method: 'GET',
      path: PATHS.footprintUpdates,
      handler: (req) =>
        feed(() => state.footprints.map((f) => ({ id: f.resoldProductId, updatedAt: f.updatedAt })))(req),
    },
    { method: 'POST', path: PATHS.baselines, handler: (req) => batch(() => state.baselines)(req) },
    {
      method: 'GET',
      path: PATHS.baselineUpdates,
      handler: (req) =>
        feed(() => state.baselines.map((f) => ({ id: f.resoldProductId, updatedAt: f.updatedAt })))(req),
    },
    {
      method: 'GET',
      path: PATHS.suppliers,
      handler: (req) => {
        const groupId = req.query.get('groupId');
        if (!groupId) return refuse(400, 'groupId is required');
        const customId = req.query.get('customId');
        return {
          body: state.suppliers
            .filter((s) => s.groupId === groupId && (!customId || s.customId === customId))
            .map(wire.supplier),
        };
      },
    },
    {
      method: 'POST',
      path: PATHS.suppliers,
      handler: (req) => {
        const b = (req.body ?? {}) as Record<string, unknown>;
        if (!isText(b.groupId)) return refuse(400, 'groupId is required');
        if (!isText(b.name) || b.name.length < 3 || b.name.length > 255)
          return refuse(400, 'name must be 3 to 255 characters');
        if (!optionalText(b.customId) || (isText(b.customId) && b.customId.length > 255))
          return refuse(400, 'customId must be at most 255 characters');
        const contacts = b.contacts === undefined || b.contacts === null ? [] : contactsFromBody(b.contacts);
        if (typeof contacts === 'string') return refuse(400, contacts);
        if (!state.groups.some((g) => g.id === b.groupId)) return notFound('group');
        const now = new Date();
        const s: CarbonCloudState['suppliers'][number] = {
          id: randomUUID(),
          groupId: b.groupId,
          name: b.name,
          customId: isText(b.customId) && b.customId ? b.customId : null,
          status: 'CREATED',
          contacts,
          createdAt: now,
          updatedAt: now,
        };
        state.suppliers.push(s);
        return { status: 201, body: wire.supplier(s) };
      },
    },
    {
      method: 'GET',
      path: PATHS.supplier,
      handler: (req) => {
        const s = state.suppliers.find((x) => x.id === req.params['supplier-id']);
        return s ? { body: wire.supplier(s) } : notFound('supplier');
      },
    },
    {
      method: 'PATCH',
      path: PATHS.supplier,
      handler: (req) => {
        const s = state.suppliers.find((x) => x.id === req.params['supplier-id']);
        if (!s) return notFound('supplier');
        const b = (req.body ?? {}) as Record<string, unknown>;
        if (b.name !== undefined && (!isText(b.name) || b.name.length < 3 || b.name.length > 255))
          return refuse(400, 'name must be 3 to 255 characters');
        if (!optionalText(b.customId) || (isText(b.customId) && b.customId.length > 255))
          return refuse(400, 'customId must be at most 255 characters');
        const contacts = b.contacts === undefined ? undefined : contactsFromBody(b.contacts);
        if (typeof contacts === 'string') return refuse(400, contacts);
        if (isText(b.name)) s.name = b.name;
        if (b.customId !== undefined) s.customId = isText(b.customId) && b.customId ? b.customId : null;
        if (contacts) s.contacts = contacts;
        s.updatedAt = new Date();
        return { body: wire.supplier(s) };
      },
    },
    {
      method: 'DELETE',
      path: PATHS.supplier,
      handler: (req) => {
        const s = state.suppliers.find((x) => x.id === req.params['supplier-id']);
        if (!s) return notFound('supplier');
        if (s.status !== 'CREATED')
          return refuse(409, `A supplier who is ${s.status.toLowerCase()} cannot be deleted`, 'conflict');
        state.suppliers = state.suppliers.filter((x) => x.id !== s.id);
        state.periods = state.periods.filter((p) => p.supplierId !== s.id);
        state.links = state.links.filter((l) => l.supplierId !== s.id);
        state.outbox = state.outbox.filter((e) => e.supplierId !== s.id);
        return { body: {} };
      },
    },
    {
      method: 'GET',
      path: PATHS.linkedProducts,
      handler: (req) => {
        const id = req.params['supplier-id'];
        if (!state.suppliers.some((s) => s.id === id)) return notFound('supplier');
        const wanted = req.query.getAll('status').flatMap((s) => s.split(','));
        const known = ['created', 'sent', 'declined', 'accepted', 'active'];
        if (wanted.some((s) => !known.includes(s))) return refuse(400, `status must be one of ${known.join(', ')}`);
        return {
          body: state.links
            .filter(
              (l) =>
                l.supplierId === id && l.current && (wanted.length === 0 || wanted.includes(wire.linkStatus(l.status))),
            )
            .map((l) => ({
              id: l.productId,
              name: state.products.find((p) => p.id === l.productId)!.name,
              status: wire.linkStatus(l.status),
            })),
        };
      },
    },
    {
      method: 'POST',
      path: PATHS.invites,
      handler: (req) => {
        const b = (req.body ?? {}) as { supplierId?: unknown; products?: unknown };
        if (!isText(b.supplierId)) return refuse(400, 'supplierId is required');
        if (
          !Array.isArray(b.products) ||
          !b.products.every((p) => typeof p === 'object' && p !== null && isText((p as { id?: unknown }).id))
        )
          return refuse(400, 'products is required: an array of { id }');
        const supplier = state.suppliers.find((s) => s.id === b.supplierId);
        if (!supplier) return notFound('supplier');
        const ids = (b.products as { id: string }[]).map((p) => p.id);
        for (const id of ids) {
          if (!state.products.some((p) => p.id === id)) return notFound(`product ${id}`);
          const link = state.links.find((l) => l.productId === id && l.current);
          if (link?.supplierId !== supplier.id)
            return refuse(400, `supplier is not the linked supplier of product ${id}`);
        }
        const now = new Date();
        for (const l of state.links) {
          if (
            l.supplierId === supplier.id &&
            ids.includes(l.productId) &&
            (l.status === 'CREATED' || l.status === 'DECLINED')
          ) {
            l.status = 'SENT';
            l.updatedAt = now;
          }
        }
        if (supplier.status !== 'CONNECTED') {
          for (const c of supplier.contacts) {
            if (!state.outbox.some((e) => e.supplierId === supplier.id && e.email === c.email))
              state.outbox.push({ supplierId: supplier.id, email: c.email, productIds: ids, createdAt: now });
          }
          if (supplier.status === 'CREATED') supplier.status = 'INVITED';
        }
        return { body: { status: 'ok' } };
      },
    },
  ];

  const guard = (req: FakeRequest): FakeReply | null => {
    if (req.path === TOKEN_PATH) return null;
    if (!req.headers['x-request-id']) return refuse(400, 'x-request-id header is required');
    const m = /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ''));
    const expires = m ? state.tokens.get(m[1]!) : undefined;
    if (expires === undefined || expires <= Date.now()) return refuse(401, 'Invalid or expired token', 'unauthorized');
    return null;
  };

  const fake = await startFake('carboncloud', routes, guard);
  const env = {
    CARBONCLOUD_BASE_URL: fake.url,
    CARBONCLOUD_TOKEN_URL: `${fake.url}${TOKEN_PATH}`,
    CARBONCLOUD_CLIENT_ID: FAKE_CARBONCLOUD_CREDENTIALS.clientId,
    CARBONCLOUD_USERNAME: FAKE_CARBONCLOUD_CREDENTIALS.username,
    CARBONCLOUD_PASSWORD: FAKE_CARBONCLOUD_CREDENTIALS.password,
  };
  return Object.assign(fake, { state, env, revokeTokens: () => state.tokens.clear() });
}
