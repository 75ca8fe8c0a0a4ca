import type { z } from 'zod';
import { alignByKey } from '../../../lib/batch.ts';
import { DomainError, ValidationErrors } from '../../../lib/errors.ts';
import {
  UpstreamHttpError,
  UpstreamUnreachableError,
  type UpstreamClient,
  type UpstreamRequest,
} from '../../../lib/http-client.ts';
import type { Logger } from '../../../lib/logger.ts';
import { parseUpstream, requestBody } from '../../../lib/upstream-contract.ts';
import { afterKeyPage, keysetConnection, type ConnectionArgs } from '../../../lib/connection.ts';
import { BATCH_MAX, PRODUCT_PAGE } from '../rules.ts';
import type {
  AsRead,
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
  CARBONCLOUD_SCHEMAS,
  carbonCloudRouteName,
  createSupplierBody,
  inviteBody,
  supplierPeriodsBody,
  updateSupplierBody,
  type CarbonCloudMethod,
  type CarbonCloudParsed,
  type CarbonCloudRoute,
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
    if (error.status === 400 || error.status === 422)
      throw new ValidationErrors([
        { code: 'INVALID', message: messageOf(error.body, 'CarbonCloud rejected the request'), field: null },
      ]);
    if (error.status === 404) throw new DomainError('NOT_FOUND', messageOf(error.body, 'Not found'), field);
    if (error.status === 409)
      throw new DomainError('CONFLICT', messageOf(error.body, 'CarbonCloud reported a conflict'), field);
    throw error;
  }
}

/**
 * The API as the retailer's account: every answer is parsed here, once, by its route's schema
 * (CARBONCLOUD_SCHEMAS), so the mappers see only typed values. A 401 that outlives the one token
 * renewal means the configured account is refused: a deployment fault, not the caller's, so it is
 * reported as the API being unavailable rather than as UNAUTHENTICATED.
 */
class RetailerApi {
  private readonly client: UpstreamClient;
  private readonly logger: Logger | undefined;
  constructor(client: UpstreamClient, logger?: Logger) {
    this.client = client;
    this.logger = logger;
  }
  private async guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof UpstreamHttpError && error.status === 401)
        throw new UpstreamUnreachableError('carboncloud', 'the API refused the retailer account');
      throw error;
    }
  }
  private parse<K extends CarbonCloudRoute, M extends CarbonCloudMethod<K>>(
    route: K,
    method: M,
    body: unknown,
  ): CarbonCloudParsed<K, M> {
    const schema = CARBONCLOUD_SCHEMAS[route][method] as z.ZodType;
    return parseUpstream(schema, body, {
      upstream: this.client.name,
      route: carbonCloudRouteName(route, method),
      logger: this.logger,
    }) as CarbonCloudParsed<K, M>;
  }
  /** The parsed answer of `route` with `method`. */
  async json<K extends CarbonCloudRoute, M extends CarbonCloudMethod<K>>(
    route: K,
    method: M,
    req: Omit<UpstreamRequest, 'method'>,
  ): Promise<CarbonCloudParsed<K, M>> {
    const body = await this.guard(() => this.client.json<unknown>({ ...req, method }));
    return this.parse(route, method, body);
  }
  /** Like `json`, but a 404 or 204 is null. */
  async jsonOrNull<K extends CarbonCloudRoute, M extends CarbonCloudMethod<K>>(
    route: K,
    method: M,
    req: Omit<UpstreamRequest, 'method'>,
  ): Promise<CarbonCloudParsed<K, M> | null> {
    const body = await this.guard(() => this.client.jsonOrNull<unknown>({ ...req, method }));
    return body === null ? null : this.parse(route, method, body);
  }
  request(req: UpstreamRequest) {
    return this.guard(() => this.client.request(req));
  }
}

/** The footprints subgraph over the CarbonCloud Retailer API, as the retailer's account. */
export class UpstreamFootprintsSource implements FootprintsSource {
  private readonly client: RetailerApi;

  constructor(client: UpstreamClient, logger?: Logger) {
    this.client = new RetailerApi(client, logger);
  }

  async groups() {
    const rows = await this.client.json('groups', 'GET', { path: R.groups });
    return rows
      .map((g) => ({ id: g.id, name: g.name }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  private listPage(groupId: string, from: string | null, limit: number) {
    return this.client.json('resoldProducts', 'GET', {
      path: R.resoldProducts,
      query: { groupId, from: from ?? undefined, limit },
    });
  }

  async resoldProducts(groupId: string, args: ConnectionArgs) {
    const page = afterKeyPage(args, 'ResoldProduct', PRODUCT_PAGE);
    const { limit, afterKey } = page;
    // One extra row tells whether a next page exists; at the API's maximum a one-row probe does.
    const ask = Math.min(limit + 1, PRODUCT_PAGE.maxSize);
    const rows = await this.listPage(groupId, afterKey, ask);
    let hasNextPage = rows.length > limit;
    if (!hasNextPage && rows.length === limit && ask === limit) {
      hasNextPage = (await this.listPage(groupId, rows.at(-1)!.id, 1)).length > 0;
    }
    const connection = keysetConnection(rows.map(fromCarbonCloud.product), page, (p) => p.id, {
      hasPreviousPage: afterKey !== null,
    });
    return { ...connection, pageInfo: { ...connection.pageInfo, hasNextPage } };
  }

  resoldProductsByIds(ids: readonly string[]) {
    return Promise.all(
      ids.map(async (id) => {
        const p = await this.client.jsonOrNull('resoldProduct', 'GET', { path: R.resoldProduct(id) });
        return p && fromCarbonCloud.product(p);
      }),
    );
  }

  async createResoldProduct(fields: ResoldProductFields & { groupId: string }) {
    const p = await asUserErrors('input.groupId', () =>
      this.client.json('resoldProducts', 'POST', {
        path: R.resoldProducts,
        body: { ...toCarbonCloud.productBody(fields), groupId: fields.groupId },
      }),
    );
    return fromCarbonCloud.product(p);
  }

  async updateResoldProduct(id: string, fields: ResoldProductFields) {
    const p = await asUserErrors('input.id', () =>
      this.client.json('resoldProduct', 'PUT', { path: R.resoldProduct(id), body: toCarbonCloud.productBody(fields) }),
    );
    return fromCarbonCloud.product(p);
  }

  async deleteResoldProduct(id: string) {
    await asUserErrors('input.id', () => this.client.request({ method: 'DELETE', path: R.resoldProduct(id) }));
  }

  private async feed(route: 'resoldProductUpdates' | 'footprintUpdates' | 'footprintBaselineUpdates', q: FeedQuery) {
    const rows = await this.client.json(route, 'GET', {
      path: R[route],
      query: { groupId: q.groupId, since: q.since ?? undefined, limit: q.limit },
    });
    return rows.map((r) => ({ resoldProductId: r.id, updatedAt: r.updatedAt }));
  }

  resoldProductUpdates(q: FeedQuery) {
    return this.feed('resoldProductUpdates', q);
  }
  footprintUpdates(q: FeedQuery) {
    return this.feed('footprintUpdates', q);
  }
  footprintBaselineUpdates(q: FeedQuery) {
    return this.feed('footprintBaselineUpdates', q);
  }

  /** One batch call per group and 256 products. */
  async footprints(kind: FootprintKind, products: readonly ProductRef[]) {
    const route = kind === 'FOOTPRINT' ? 'footprints' : 'footprintBaselines';
    const byGroup = new Map<string, string[]>();
    for (const p of products) byGroup.set(p.groupId, [...(byGroup.get(p.groupId) ?? []), p.id]);
    const calls: Promise<FootprintRecord[]>[] = [];
    for (const [groupId, ids] of byGroup) {
      for (let i = 0; i < ids.length; i += BATCH_MAX) {
        const chunk = ids.slice(i, i + BATCH_MAX);
        calls.push(
          this.client
            // A read, though it is a POST: safe to send again.
            .json(route, 'POST', { path: R[route], query: { groupId }, body: chunk, idempotent: true })
            .then((rows) => rows.map((f) => fromCarbonCloud.footprint(f.productId, f))),
        );
      }
    }
    const found = (await Promise.all(calls)).flat();
    return alignByKey(
      products.map((p) => p.id),
      found,
      (f) => f.resoldProductId,
    );
  }

  currentSuppliers(productIds: readonly string[]) {
    return Promise.all(
      productIds.map(async (id) => {
        const e = await this.client.jsonOrNull('currentSupplier', 'GET', { path: R.currentSupplier(id) });
        return e && fromCarbonCloud.engagement(e);
      }),
    );
  }

  supplierPeriods(productIds: readonly string[]) {
    return Promise.all(
      productIds.map(async (id) => {
        const rows = (await this.client.jsonOrNull('supplierPeriods', 'GET', { path: R.supplierPeriods(id) })) ?? [];
        return rows
          .map(fromCarbonCloud.period)
          .sort((a, b) => (a.validFrom ?? '').localeCompare(b.validFrom ?? '') || a.id.localeCompare(b.id));
      }),
    );
  }

  async setSupplierPeriods(productId: string, periods: SupplierPeriodInput[]) {
    const body = requestBody(supplierPeriodsBody, {
      suppliers: periods.map((p) => ({
        id: p.id,
        supplierId: p.supplierId,
        validFrom: p.validFrom,
        validTo: p.validTo,
      })),
    });
    const rows = await asUserErrors('input.resoldProductId', () =>
      this.client.json('supplierPeriods', 'PUT', { path: R.supplierPeriods(productId), body }),
    );
    return rows
      .map(fromCarbonCloud.period)
      .sort((a, b) => (a.validFrom ?? '').localeCompare(b.validFrom ?? '') || a.id.localeCompare(b.id));
  }

  async productSuppliers(groupId: string, customId: string | null) {
    const rows = await this.client.json('suppliers', 'GET', {
      path: R.suppliers,
      query: { groupId, customId: customId || undefined },
    });
    return rows.map(fromCarbonCloud.supplier).sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  productSuppliersByIds(ids: readonly string[]) {
    return Promise.all(
      ids.map(async (id) => {
        const s = await this.client.jsonOrNull('supplier', 'GET', { path: R.supplier(id) });
        return s && fromCarbonCloud.supplier(s);
      }),
    );
  }

  async createProductSupplier(fields: CreateProductSupplierFields) {
    const body = requestBody(createSupplierBody, {
      groupId: fields.groupId,
      name: fields.name,
      customId: fields.customId,
      contacts: fields.contacts.map((c) => ({ email: c.email, name: c.name || null })),
    });
    return fromCarbonCloud.supplier(
      await asUserErrors('input.groupId', () => this.client.json('suppliers', 'POST', { path: R.suppliers, body })),
    );
  }

  async updateProductSupplier(id: string, patch: ProductSupplierPatch) {
    const body = requestBody(updateSupplierBody, {
      name: patch.name,
      customId: patch.customId,
      contacts: patch.contacts?.map((c) => ({ email: c.email, name: c.name || null })),
    });
    return fromCarbonCloud.supplier(
      await asUserErrors('input.id', () =>
        this.client.json('supplier', 'PATCH', { path: R.supplier(id), body, idempotent: true }),
      ),
    );
  }

  async deleteProductSupplier(id: string) {
    await asUserErrors('input.id', () => this.client.request({ method: 'DELETE', path: R.supplier(id) }));
  }

  async linkedProducts(supplierId: string, statuses: AsRead<LinkedProductStatus>[] | null) {
    // UNKNOWN has no upstream value: with it in the filter, every status is asked for and filtered here.
    const wanted = statuses?.length ? statuses : null;
    const known = wanted?.filter((s): s is LinkedProductStatus => s !== 'UNKNOWN') ?? [];
    const upstreamFilter = wanted && known.length === wanted.length ? known.map(toCarbonCloud.linkStatus) : undefined;
    const rows = await this.client.json('linkedProducts', 'GET', {
      path: R.linkedProducts(supplierId),
      query: { status: upstreamFilter },
    });
    return rows
      .map(fromCarbonCloud.linkedProduct)
      .filter((l) => !wanted || wanted.includes(l.status))
      .sort((a, b) => a.name.localeCompare(b.name) || a.resoldProductId.localeCompare(b.resoldProductId));
  }

  /** A 425 (products still processing) is retried with growing backoff by the client before it fails. */
  async inviteProductSupplier(supplierId: string, productIds: string[]) {
    await asUserErrors('input.supplierId', () =>
      this.client.json('invites', 'POST', {
        path: R.invites,
        body: requestBody(inviteBody, { products: productIds.map((id) => ({ id })), supplierId }),
        idempotent: true,
      }),
    );
  }
}
