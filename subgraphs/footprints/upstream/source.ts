import { alignByKey } from '../../../lib/batch.ts';
import { DomainError, ValidationErrors } from '../../../lib/errors.ts';
import { UpstreamHttpError, UpstreamUnreachableError, type UpstreamClient, type UpstreamRequest } from '../../../lib/http-client.ts';
import { BATCH_MAX, PRODUCT_PAGE } from '../rules.ts';
import type {
  CreateProductSupplierFields,
  FeedQuery,
  FootprintKind,
  FootprintRecord,
  FootprintsSource,
  LinkedProductStatus,
  ProductRef,
  ProductSupplierPatch,
  ResoldProductFields,
  SupplierPeriodInput,
} from '../source.ts';
import {
  CARBONCLOUD_ROUTES as R,
  type CarbonCloudBatchFootprint,
  type CarbonCloudEngagement,
  type CarbonCloudGroup,
  type CarbonCloudLinkedProduct,
  type CarbonCloudProduct,
  type CarbonCloudSupplier,
  type CarbonCloudSupplierPeriod,
  type CarbonCloudUpdate,
} from './client.ts';
import { fromCarbonCloud, toCarbonCloud } from './mappers.ts';

/** The API's message, when it sent one. */
function messageOf(body: unknown, fallback: string): string {
  if (body && typeof body === 'object') {
    for (const key of ['message', 'detail', 'error']) {
      const v = (body as Record<string, unknown>)[key];
      if (typeof v === 'string' && v.trim()) return v.trim().slice(0, 200);
    }
  }
  return fallback;
}

/**
 * A write the API refused for business reasons becomes a user error, as in local mode:
 * 400/422 invalid, 404 not found, 409 conflict. Everything else stays a system error.
 */
async function asUserErrors<T>(field: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof UpstreamHttpError)) throw error;
    if (error.status === 400 || error.status === 422) throw new ValidationErrors([{ code: 'INVALID', message: messageOf(error.body, 'CarbonCloud rejected the request'), field: null }]);
    if (error.status === 404) throw new DomainError('NOT_FOUND', messageOf(error.body, 'Not found'), field);
    if (error.status === 409) throw new DomainError('CONFLICT', messageOf(error.body, 'CarbonCloud reported a conflict'), field);
    throw error;
  }
}

/**
 * The API as the retailer's account. A 401 that outlives the one token renewal means the
 * configured account is refused: a deployment fault, not the caller's, so it is reported as the
 * API being unavailable rather than as UNAUTHENTICATED.
 */
class RetailerApi {
  private readonly client: UpstreamClient;
  constructor(client: UpstreamClient) {
    this.client = client;
  }
  private async guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof UpstreamHttpError && error.status === 401) throw new UpstreamUnreachableError('carboncloud', 'the API refused the retailer account');
      throw error;
    }
  }
  json<T>(req: UpstreamRequest) {
    return this.guard(() => this.client.json<T>(req));
  }
  jsonOrNull<T>(req: UpstreamRequest) {
    return this.guard(() => this.client.jsonOrNull<T>(req));
  }
  request(req: UpstreamRequest) {
    return this.guard(() => this.client.request(req));
  }
}

/** The footprints subgraph over the CarbonCloud Retailer API, as the retailer's account. */
export class UpstreamFootprintsSource implements FootprintsSource {
  private readonly client: RetailerApi;

  constructor(client: UpstreamClient) {
    this.client = new RetailerApi(client);
  }

  async groups() {
    const rows = await this.client.json<CarbonCloudGroup[]>({ path: R.groups });
    return rows.map((g) => ({ id: g.id, name: g.name })).sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  private listPage(groupId: string, from: string | null, limit: number) {
    return this.client.json<CarbonCloudProduct[]>({ path: R.resoldProducts, query: { groupId, from: from ?? undefined, limit } });
  }

  async resoldProducts(groupId: string, page: { limit: number; afterId: string | null }) {
    // One extra row tells whether a next page exists; at the API's maximum a one-row probe does.
    const ask = Math.min(page.limit + 1, PRODUCT_PAGE.maxSize);
    const rows = await this.listPage(groupId, page.afterId, ask);
    let hasNextPage = rows.length > page.limit;
    if (!hasNextPage && rows.length === page.limit && ask === page.limit) {
      hasNextPage = (await this.listPage(groupId, rows.at(-1)!.id, 1)).length > 0;
    }
    return { rows: rows.slice(0, page.limit).map(fromCarbonCloud.product), hasNextPage };
  }

  resoldProductsByIds(ids: readonly string[]) {
    return Promise.all(ids.map(async (id) => {
      const p = await this.client.jsonOrNull<CarbonCloudProduct>({ path: R.resoldProduct(id) });
      return p && fromCarbonCloud.product(p);
    }));
  }

  async createResoldProduct(fields: ResoldProductFields & { groupId: string }) {
    const p = await asUserErrors('input.groupId', () =>
      this.client.json<CarbonCloudProduct>({ method: 'POST', path: R.resoldProducts, body: { ...toCarbonCloud.productBody(fields), groupId: fields.groupId } }),
    );
    return fromCarbonCloud.product(p);
  }

  async updateResoldProduct(id: string, fields: ResoldProductFields) {
    const p = await asUserErrors('input.id', () => this.client.json<CarbonCloudProduct>({ method: 'PUT', path: R.resoldProduct(id), body: toCarbonCloud.productBody(fields) }));
    return fromCarbonCloud.product(p);
  }

  async deleteResoldProduct(id: string) {
    await asUserErrors('input.id', () => this.client.request({ method: 'DELETE', path: R.resoldProduct(id) }));
  }

  private async feed(path: string, q: FeedQuery) {
    const rows = await this.client.json<CarbonCloudUpdate[]>({ path, query: { groupId: q.groupId, since: q.since ?? undefined, limit: q.limit } });
    return rows.map((r) => ({ resoldProductId: r.id, updatedAt: new Date(r.updatedAt) }));
  }

  resoldProductUpdates(q: FeedQuery) {
    return this.feed(R.resoldProductUpdates, q);
  }
  footprintUpdates(q: FeedQuery) {
    return this.feed(R.footprintUpdates, q);
  }
  footprintBaselineUpdates(q: FeedQuery) {
    return this.feed(R.footprintBaselineUpdates, q);
  }

  /** One batch call per group and 256 products. */
  async footprints(kind: FootprintKind, products: readonly ProductRef[]) {
    const byGroup = new Map<string, string[]>();
    for (const p of products) byGroup.set(p.groupId, [...(byGroup.get(p.groupId) ?? []), p.id]);
    const calls: Promise<FootprintRecord[]>[] = [];
    for (const [groupId, ids] of byGroup) {
      for (let i = 0; i < ids.length; i += BATCH_MAX) {
        const chunk = ids.slice(i, i + BATCH_MAX);
        calls.push(
          this.client
            // A read, though it is a POST: safe to send again.
            .json<CarbonCloudBatchFootprint[]>({ method: 'POST', path: kind === 'FOOTPRINT' ? R.footprints : R.footprintBaselines, query: { groupId }, body: chunk, idempotent: true })
            .then((rows) => rows.map((f) => fromCarbonCloud.footprint(f.productId, f))),
        );
      }
    }
    const found = (await Promise.all(calls)).flat();
    return alignByKey(products.map((p) => p.id), found, (f) => f.resoldProductId);
  }

  currentSuppliers(productIds: readonly string[]) {
    return Promise.all(productIds.map(async (id) => {
      const e = await this.client.jsonOrNull<CarbonCloudEngagement>({ path: R.currentSupplier(id) });
      return e && fromCarbonCloud.engagement(e);
    }));
  }

  supplierPeriods(productIds: readonly string[]) {
    return Promise.all(productIds.map(async (id) => {
      const rows = (await this.client.jsonOrNull<CarbonCloudSupplierPeriod[]>({ path: R.supplierPeriods(id) })) ?? [];
      return rows.map(fromCarbonCloud.period).sort((a, b) => (a.validFrom ?? '').localeCompare(b.validFrom ?? '') || a.id.localeCompare(b.id));
    }));
  }

  async setSupplierPeriods(productId: string, periods: SupplierPeriodInput[]) {
    const body = { suppliers: periods.map((p) => ({ ...(p.id ? { id: p.id } : {}), supplierId: p.supplierId, validFrom: p.validFrom ?? undefined, validTo: p.validTo ?? undefined })) };
    const rows = await asUserErrors('input.resoldProductId', () => this.client.json<CarbonCloudSupplierPeriod[]>({ method: 'PUT', path: R.supplierPeriods(productId), body }));
    return rows.map(fromCarbonCloud.period).sort((a, b) => (a.validFrom ?? '').localeCompare(b.validFrom ?? '') || a.id.localeCompare(b.id));
  }

  async productSuppliers(groupId: string, customId: string | null) {
    const rows = await this.client.json<CarbonCloudSupplier[]>({ path: R.suppliers, query: { groupId, customId: customId || undefined } });
    return rows.map(fromCarbonCloud.supplier).sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  productSuppliersByIds(ids: readonly string[]) {
    return Promise.all(ids.map(async (id) => {
      const s = await this.client.jsonOrNull<CarbonCloudSupplier>({ path: R.supplier(id) });
      return s && fromCarbonCloud.supplier(s);
    }));
  }

  async createProductSupplier(fields: CreateProductSupplierFields) {
    const body = { groupId: fields.groupId, name: fields.name, customId: fields.customId ?? undefined, contacts: fields.contacts.map((c) => ({ email: c.email, ...(c.name ? { name: c.name } : {}) })) };
    return fromCarbonCloud.supplier(await asUserErrors('input.groupId', () => this.client.json<CarbonCloudSupplier>({ method: 'POST', path: R.suppliers, body })));
  }

  async updateProductSupplier(id: string, patch: ProductSupplierPatch) {
    const body = {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.customId !== undefined ? { customId: patch.customId } : {}),
      ...(patch.contacts ? { contacts: patch.contacts.map((c) => ({ email: c.email, ...(c.name ? { name: c.name } : {}) })) } : {}),
    };
    return fromCarbonCloud.supplier(await asUserErrors('input.id', () => this.client.json<CarbonCloudSupplier>({ method: 'PATCH', path: R.supplier(id), body, idempotent: true })));
  }

  async deleteProductSupplier(id: string) {
    await asUserErrors('input.id', () => this.client.request({ method: 'DELETE', path: R.supplier(id) }));
  }

  async linkedProducts(supplierId: string, statuses: LinkedProductStatus[] | null) {
    const rows = await this.client.json<CarbonCloudLinkedProduct[]>({ path: R.linkedProducts(supplierId), query: { status: statuses?.length ? statuses.map(toCarbonCloud.linkStatus) : undefined } });
    return rows.map(fromCarbonCloud.linkedProduct).sort((a, b) => a.name.localeCompare(b.name) || a.resoldProductId.localeCompare(b.resoldProductId));
  }

  /** A 425 (products still processing) is retried with growing backoff by the client before it fails. */
  async inviteProductSupplier(supplierId: string, productIds: string[]) {
    await asUserErrors('input.supplierId', () =>
      this.client.json<{ status: string }>({ method: 'POST', path: R.invites, body: { products: productIds.map((id) => ({ id })), supplierId }, idempotent: true }),
    );
  }
}
