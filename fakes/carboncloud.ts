// Contract fake of the CarbonCloud Retailer API and its OAuth2 token endpoint, from
// ../shared/seeds/002_ff228f9b7daec08f.txt, on the paths of the subgraph's route table. It
// enforces the bearer token and the x-request-id header on every API call, and serves the
// footprints demo data set.
import { randomUUID } from 'node:crypto';
import { ValidationErrors } from '../lib/errors.ts';
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
import { checkSupplierPeriods, currentPeriod } from '../subgraphs/footprints/rules.ts';
import type {
  FootprintRecord,
  LinkedProductStatus,
  ProductSupplierRecord,
  ResoldProductRecord,
} from '../subgraphs/footprints/source.ts';
import {
  CARBONCLOUD_ROUTES as R,
  CARBONCLOUD_SCHEMAS,
  type CarbonCloudProduct,
  type CarbonCloudProductBody,
  type CarbonCloudSupplierPeriod,
} from '../subgraphs/footprints/upstream/client.ts';
import { fromCarbonCloud, toCarbonCloud } from '../subgraphs/footprints/upstream/mappers.ts';
import {
  json,
  problem,
  startFake,
  type FakeReply,
  type FakeRequest,
  type FakeRoute,
  type RunningFake,
} from './harness.ts';

export const TOKEN_PATH = '/realms/prod/protocol/openid-connect/token';
export const FAKE_CARBONCLOUD_CREDENTIALS = {
  clientId: 'carboncloud',
  username: 'retailer@grocer.example',
  password: 'fake-carboncloud-password',
};

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
    periods: demoSupplierPeriods.map((p) => ({ ...p })),
    links: demoSupplierLinks.map((l) => ({ ...l })),
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

const rejected = (message: string) => problem(400, message);
const text = (v: unknown) => (typeof v === 'string' ? v : '');

function productProblem(b: Partial<CarbonCloudProductBody>): string | null {
  if (typeof b.name !== 'string' || b.name.length < 3 || b.name.length > 255) return 'name must be 3 to 255 characters';
  if (b.gtin != null && (typeof b.gtin !== 'string' || b.gtin.length > 14)) return 'gtin must be at most 14 characters';
  if (b.customId != null && (typeof b.customId !== 'string' || b.customId.length > 255))
    return 'customId must be at most 255 characters';
  for (const key of ['pickUpLocation', 'productionLocation', 'shipToLocation'] as const)
    if (!text(b[key])) return `${key} is required`;
  return null;
}

function feedParams(req: FakeRequest): { error: FakeReply } | { groupId: string; since: number; limit: number } {
  const groupId = req.query.get('groupId');
  if (!groupId) return { error: rejected('groupId is required') };
  const limit = Number(req.query.get('limit') ?? 100);
  if (!Number.isInteger(limit) || limit < 1 || limit > 256)
    return { error: rejected('limit must be in range [1, 256]') };
  const raw = req.query.get('since');
  const since = raw ? Date.parse(raw) : 0;
  if (Number.isNaN(since)) return { error: rejected('since must be an RFC 3339 timestamp') };
  return { groupId, since, limit };
}

/** A route-table path as a harness pattern with a `{id}` segment. */
const pattern = (path: (id: string) => string) => decodeURIComponent(path('{id}'));

export async function startCarbonCloudFake(): Promise<CarbonCloudFake> {
  const state = carbonCloudState();
  const groupOf = (productId: string) => state.products.find((p) => p.id === productId)?.groupId;
  const supplierJson = (s: ProductSupplierRecord) => json(toCarbonCloud.supplier(s));
  const periodsOf = (productId: string): CarbonCloudSupplierPeriod[] =>
    state.periods
      .filter((p) => p.productId === productId)
      .map((p) => ({ id: p.id, supplierId: p.supplierId, validFrom: p.validFrom, validTo: p.validTo }));

  const relink = (productId: string) => {
    const current = currentPeriod(state.periods.filter((p) => p.productId === productId));
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

  const feed = (rows: { id: string; updatedAt: Date }[]) => (req: FakeRequest) => {
    const q = feedParams(req);
    if ('error' in q) return q.error;
    const { groupId, since, limit } = q;
    return json(
      rows
        .filter((r) => groupOf(r.id) === groupId && r.updatedAt.getTime() >= since)
        .sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime() || a.id.localeCompare(b.id))
        .slice(0, limit)
        .map((r) => ({ id: r.id, updatedAt: r.updatedAt.toISOString() })),
    );
  };

  const batch = (rows: () => FootprintRecord[]) => (req: FakeRequest) => {
    const groupId = req.query.get('groupId');
    if (!groupId) return rejected('groupId is required');
    const ids = req.body;
    if (!Array.isArray(ids) || ids.length > 256) return rejected('Give an array of zero to 256 product ids');
    const wanted = new Set(ids as string[]);
    return json(
      rows()
        .filter((f) => wanted.has(f.resoldProductId) && groupOf(f.resoldProductId) === groupId)
        .map((f) => ({ productId: f.resoldProductId, ...toCarbonCloud.footprint(f) })),
    );
  };

  const productFrom = (id: string, groupId: string, b: CarbonCloudProductBody, createdAt: Date): ResoldProductRecord =>
    fromCarbonCloud.product(
      CARBONCLOUD_SCHEMAS.resoldProduct.GET.parse({
        ...b,
        id,
        groupId,
        createdAt: createdAt.toISOString(),
        updatedAt: new Date().toISOString(),
      } satisfies CarbonCloudProduct),
    );

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
        return json({ access_token: token, expires_in: state.tokenTtlSeconds, token_type: 'Bearer' });
      },
    },
    { method: 'GET', path: R.groups, handler: () => json(state.groups) },
    {
      method: 'GET',
      path: R.resoldProducts,
      handler: (req) => {
        const groupId = req.query.get('groupId');
        if (!groupId) return rejected('groupId is required');
        const limit = Number(req.query.get('limit') ?? 32);
        if (!Number.isInteger(limit) || limit < 1 || limit > 128) return rejected('limit must be in range [1, 128]');
        const from = req.query.get('from');
        const rows = state.products
          .filter((p) => p.groupId === groupId && (!from || p.id > from))
          .sort((a, b) => a.id.localeCompare(b.id));
        return json(rows.slice(0, limit).map(toCarbonCloud.product));
      },
    },
    {
      method: 'POST',
      path: R.resoldProducts,
      handler: (req) => {
        const b = req.body as CarbonCloudProductBody & { groupId?: string };
        const wrong = productProblem(b);
        if (wrong) return rejected(wrong);
        if (!state.groups.some((g) => g.id === b.groupId)) return problem(404, 'group not found');
        const product = productFrom(randomUUID(), b.groupId!, b, new Date());
        state.products.push(product);
        return json(toCarbonCloud.product(product), 201);
      },
    },
    { method: 'GET', path: R.resoldProductUpdates, handler: (req) => feed(state.products)(req) },
    {
      method: 'GET',
      path: pattern(R.resoldProduct),
      handler: (req) => {
        const p = state.products.find((x) => x.id === req.params.id);
        return p ? json(toCarbonCloud.product(p)) : problem(404, 'product not found');
      },
    },
    {
      method: 'PUT',
      path: pattern(R.resoldProduct),
      handler: (req) => {
        const i = state.products.findIndex((x) => x.id === req.params.id);
        if (i < 0) return problem(404, 'product not found');
        const b = req.body as CarbonCloudProductBody;
        const wrong = productProblem(b);
        if (wrong) return rejected(wrong);
        const old = state.products[i]!;
        state.products[i] = productFrom(old.id, old.groupId, b, old.createdAt);
        return json(toCarbonCloud.product(state.products[i]!));
      },
    },
    {
      method: 'DELETE',
      path: pattern(R.resoldProduct),
      handler: (req) => {
        const id = req.params.id;
        if (!state.products.some((p) => p.id === id)) return problem(404, 'product not found');
        state.products = state.products.filter((p) => p.id !== id);
        state.footprints = state.footprints.filter((f) => f.resoldProductId !== id);
        state.baselines = state.baselines.filter((f) => f.resoldProductId !== id);
        state.periods = state.periods.filter((p) => p.productId !== id);
        state.links = state.links.filter((l) => l.productId !== id);
        return json({});
      },
    },
    {
      method: 'GET',
      path: pattern(R.currentSupplier),
      handler: (req) => {
        if (!state.products.some((p) => p.id === req.params.id)) return problem(404, 'product not found');
        const link = state.links.find((l) => l.productId === req.params.id && l.current);
        if (!link) return { status: 204 };
        const s = state.suppliers.find((x) => x.id === link.supplierId)!;
        return json({ id: s.id, name: s.name, status: toCarbonCloud.linkStatus(link.status) });
      },
    },
    {
      method: 'GET',
      path: pattern(R.supplierPeriods),
      handler: (req) =>
        state.products.some((p) => p.id === req.params.id)
          ? json(periodsOf(req.params.id!))
          : problem(404, 'product not found'),
    },
    {
      method: 'PUT',
      path: pattern(R.supplierPeriods),
      handler: (req) => {
        const productId = req.params.id!;
        const product = state.products.find((p) => p.id === productId);
        if (!product) return problem(404, 'product not found');
        const body = req.body as { suppliers?: CarbonCloudSupplierPeriod[] };
        if (!Array.isArray(body?.suppliers)) return rejected('suppliers is required');
        const periods = body.suppliers.map((p) => ({
          id: p.id ?? null,
          supplierId: p.supplierId,
          validFrom: p.validFrom ?? null,
          validTo: p.validTo ?? null,
        }));
        try {
          checkSupplierPeriods(periods);
        } catch (error) {
          if (error instanceof ValidationErrors) return rejected(error.message);
          throw error;
        }
        for (const p of periods) {
          const supplier = state.suppliers.find((s) => s.id === p.supplierId);
          if (!supplier) return problem(404, `supplier ${p.supplierId} not found`);
          if (supplier.groupId !== product.groupId) return rejected('supplier belongs to another group');
          const kept = p.id ? state.periods.find((x) => x.id === p.id && x.productId === productId) : null;
          if (p.id && !kept) return problem(404, `period ${p.id} not found`);
          if (kept && kept.supplierId !== p.supplierId) return rejected('an existing period keeps its supplier');
        }
        state.periods = [
          ...state.periods.filter((x) => x.productId !== productId),
          ...periods.map((p) => ({
            id: p.id ?? randomUUID(),
            productId,
            supplierId: p.supplierId,
            validFrom: p.validFrom,
            validTo: p.validTo,
          })),
        ];
        relink(productId);
        return json(periodsOf(productId));
      },
    },
    { method: 'POST', path: R.footprints, handler: (req) => batch(() => state.footprints)(req) },
    {
      method: 'GET',
      path: R.footprintUpdates,
      handler: (req) => feed(state.footprints.map((f) => ({ id: f.resoldProductId, updatedAt: f.updatedAt })))(req),
    },
    { method: 'POST', path: R.footprintBaselines, handler: (req) => batch(() => state.baselines)(req) },
    {
      method: 'GET',
      path: R.footprintBaselineUpdates,
      handler: (req) => feed(state.baselines.map((f) => ({ id: f.resoldProductId, updatedAt: f.updatedAt })))(req),
    },
    {
      method: 'GET',
      path: R.suppliers,
      handler: (req) => {
        const groupId = req.query.get('groupId');
        if (!groupId) return rejected('groupId is required');
        const customId = req.query.get('customId');
        return json(
          state.suppliers
            .filter((s) => s.groupId === groupId && (!customId || s.customId === customId))
            .map(toCarbonCloud.supplier),
        );
      },
    },
    {
      method: 'POST',
      path: R.suppliers,
      handler: (req) => {
        const b = req.body as {
          groupId?: string;
          name?: string;
          customId?: string;
          contacts?: { name?: string; email: string }[];
        };
        if (typeof b?.name !== 'string' || b.name.length < 3 || b.name.length > 255)
          return rejected('name must be 3 to 255 characters');
        if (!state.groups.some((g) => g.id === b.groupId)) return problem(404, 'group not found');
        const now = new Date();
        const s: CarbonCloudState['suppliers'][number] = {
          id: randomUUID(),
          groupId: b.groupId!,
          name: b.name,
          customId: b.customId ?? null,
          status: 'CREATED',
          contacts: (b.contacts ?? []).map((c) => ({ name: c.name ?? null, email: c.email })),
          createdAt: now,
          updatedAt: now,
        };
        state.suppliers.push(s);
        return json(toCarbonCloud.supplier(s), 201);
      },
    },
    {
      method: 'GET',
      path: pattern(R.supplier),
      handler: (req) => {
        const s = state.suppliers.find((x) => x.id === req.params.id);
        return s ? supplierJson(s) : problem(404, 'supplier not found');
      },
    },
    {
      method: 'PATCH',
      path: pattern(R.supplier),
      handler: (req) => {
        const s = state.suppliers.find((x) => x.id === req.params.id);
        if (!s) return problem(404, 'supplier not found');
        const b = req.body as { name?: string; customId?: string; contacts?: { name?: string; email: string }[] };
        if (b.name !== undefined && (b.name.length < 3 || b.name.length > 255))
          return rejected('name must be 3 to 255 characters');
        if (b.name !== undefined) s.name = b.name;
        if (b.customId !== undefined) s.customId = b.customId || null;
        if (b.contacts) s.contacts = b.contacts.map((c) => ({ name: c.name ?? null, email: c.email }));
        s.updatedAt = new Date();
        return supplierJson(s);
      },
    },
    {
      method: 'DELETE',
      path: pattern(R.supplier),
      handler: (req) => {
        const s = state.suppliers.find((x) => x.id === req.params.id);
        if (!s) return problem(404, 'supplier not found');
        if (s.status !== 'CREATED')
          return {
            status: 409,
            body: { error: 'conflict', detail: `A supplier who is ${s.status.toLowerCase()} cannot be deleted` },
          };
        state.suppliers = state.suppliers.filter((x) => x.id !== s.id);
        state.periods = state.periods.filter((p) => p.supplierId !== s.id);
        state.links = state.links.filter((l) => l.supplierId !== s.id);
        state.outbox = state.outbox.filter((e) => e.supplierId !== s.id);
        return json({});
      },
    },
    {
      method: 'GET',
      path: pattern(R.linkedProducts),
      handler: (req) => {
        if (!state.suppliers.some((s) => s.id === req.params.id)) return problem(404, 'supplier not found');
        const wanted = req.query.getAll('status');
        return json(
          state.links
            .filter(
              (l) =>
                l.supplierId === req.params.id &&
                l.current &&
                (wanted.length === 0 || wanted.includes(toCarbonCloud.linkStatus(l.status))),
            )
            .map((l) => ({
              id: l.productId,
              name: state.products.find((p) => p.id === l.productId)!.name,
              status: toCarbonCloud.linkStatus(l.status),
            })),
        );
      },
    },
    {
      method: 'POST',
      path: R.invites,
      handler: (req) => {
        const b = req.body as { supplierId?: string; products?: { id: string }[] };
        const supplier = state.suppliers.find((s) => s.id === b?.supplierId);
        if (!supplier) return problem(404, 'supplier not found');
        const ids = (b.products ?? []).map((p) => p.id);
        for (const id of ids) {
          if (!state.products.some((p) => p.id === id)) return problem(404, `product ${id} not found`);
          const link = state.links.find((l) => l.productId === id && l.current);
          if (link?.supplierId !== supplier.id) return rejected(`supplier is not the linked supplier of product ${id}`);
        }
        const now = new Date();
        for (const l of state.links) {
          if (
            l.supplierId === supplier.id &&
            ids.includes(l.productId) &&
            (['CREATED', 'DECLINED'] as LinkedProductStatus[]).includes(l.status)
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
        return json({ status: 'ok' });
      },
    },
  ];

  const guard = (req: FakeRequest): FakeReply | null => {
    if (req.path === TOKEN_PATH) return null;
    if (!req.headers['x-request-id']) return rejected('x-request-id header is required');
    const m = /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ''));
    const expires = m ? state.tokens.get(m[1]!) : undefined;
    if (expires === undefined || expires <= Date.now())
      return { status: 401, body: { error: 'unauthorized', detail: 'Invalid or expired token' } };
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
