import { inScope, type CallerScope } from '../../../lib/access.ts';
import { isAdmin, upstreamBearer } from '../../../lib/auth.ts';
import type { NftRecord } from '../source.ts';
import { mapConcurrent } from '../../../lib/batch.ts';
import { offsetConnection, offsetPage, windowFromPages } from '../../../lib/connection.ts';
import { DomainError } from '../../../lib/errors.ts';
import { UpstreamHttpError, type UpstreamClient, type UpstreamRequest } from '../../../lib/http-client.ts';
import type { Logger } from '../../../lib/logger.ts';
import { parseUpstream, UpstreamContractError } from '../../../lib/upstream-contract.ts';
import {
  ANSWER_UNREADABLE,
  freshKey,
  looseId,
  matchesRequest,
  type JournalAnswer,
  type WriteJournal,
} from '../../../lib/write-journal.ts';
import type {
  BundleOrderFilter,
  CatalogueModel,
  CatalogueModels,
  CreateBundleOrderInput,
  CreateOrderInput,
  Listing,
  MarketplaceSource,
  NftFilter,
  NoFilter,
  OptionRecord,
  OrderFilter,
  ProductFilter,
  ProductOrderFilter,
  ProductType,
  SupplierFilter,
  TraderFilter,
  UserRecord,
} from '../source.ts';
import { CO2TRUST_ROUTES as R, CO2TRUST_SCHEMAS as S, type Co2TrustModel, type Parsed } from './client.ts';
import { fromCo2Trust, number, upsertBody } from './mappers.ts';

type Query = UpstreamRequest['query'];

/** The largest page the core services serve. */
const MAX_PAGE_SIZE = 100;

/** Per upsert model: its path, schemas, body and record mapper, and the documented reads that find one. */
const MODELS: Record<
  CatalogueModel,
  {
    path: Co2TrustModel;
    schema: keyof typeof S;
    body: (i: never) => object;
    map: (r: never) => unknown;
    one: (id: string) => string;
    list: string;
    listSchema: ListSchema;
  }
> = {
  product: {
    path: 'product',
    schema: 'product',
    body: upsertBody.product,
    map: fromCo2Trust.product,
    one: R.product,
    list: R.products,
    listSchema: 'products',
  },
  supplier: {
    path: 'supplier',
    schema: 'supplier',
    body: upsertBody.supplier,
    map: fromCo2Trust.supplier,
    one: R.supplier,
    list: R.suppliers,
    listSchema: 'suppliers',
  },
  trader: {
    path: 'trader',
    schema: 'trader',
    body: upsertBody.trader,
    map: fromCo2Trust.trader,
    one: R.trader,
    list: R.traders,
    listSchema: 'traders',
  },
  impactPartner: {
    path: 'impact_partner',
    schema: 'impactPartner',
    body: upsertBody.impactPartner,
    map: fromCo2Trust.impactPartner,
    one: R.impactPartner,
    list: R.impactPartners,
    listSchema: 'impactPartners',
  },
  nft: {
    path: 'nft',
    schema: 'nft',
    body: upsertBody.nft,
    map: fromCo2Trust.nft,
    one: R.nft,
    list: R.nfts,
    listSchema: 'nfts',
  },
};

/** Schemas of the page/size/order lists. */
type ListSchema =
  | 'products'
  | 'suppliers'
  | 'traders'
  | 'impactPartners'
  | 'orders'
  | 'nfts'
  | 'bundleOrders'
  | 'productOrders'
  | 'mailingList';

/** The type (policy.ts) of the records a list yields and who owns one. */
interface VisibleIn<R> {
  type: string;
  owner(record: R): string | null;
}
const UNOWNED = <R>(type: string): VisibleIn<R> => ({ type, owner: () => null });

/** The marketplace over the CO2Trust core services REST API. */
export class UpstreamMarketplaceSource implements MarketplaceSource {
  private readonly client: UpstreamClient;
  /** The caller's scope per type (policy.ts) and whom writes act for. */
  private readonly caller: CallerScope;
  private readonly backendSecretKey: string | undefined;
  private readonly byIdConcurrency: number;

  private readonly logger: Logger | undefined;

  private readonly journal: WriteJournal | undefined;
  /** The response's `extensions` of this request (the idempotency key given, warnings). */
  private readonly extensions: Record<string, unknown> | undefined;

  constructor(
    client: UpstreamClient,
    caller: CallerScope,
    backendSecretKey: string | undefined,
    byIdConcurrency = 8,
    logger?: Logger,
    writes?: { journal: WriteJournal; extensions?: Record<string, unknown> },
  ) {
    this.client = client;
    this.caller = caller;
    this.backendSecretKey = backendSecretKey;
    this.byIdConcurrency = byIdConcurrency;
    this.logger = logger;
    this.journal = writes?.journal;
    this.extensions = writes?.extensions;
  }

  private journalOf(): WriteJournal {
    if (!this.journal) throw new Error('marketplace upstream mode has no write journal');
    return this.journal;
  }

  /** Who writes, for the journal. */
  private writer(): string {
    return this.caller.actor?.id ?? 'anonymous';
  }

  private warn(code: string) {
    if (!this.extensions) return;
    const message = 'CO2Trust accepted the write but its answer could not be read; the result shows what is known';
    this.extensions.warnings = [...((this.extensions.warnings as unknown[] | undefined) ?? []), { code, message }];
  }

  /** The journal's answer: the key given back in `extensions`, with its warning; null when nothing is known. */
  private answered<T>(answer: JournalAnswer<T>): T {
    if (this.extensions) this.extensions.idempotencyKey = answer.key;
    if (answer.warning) this.warn(answer.warning);
    if (answer.result === null) throw new UpstreamContractError(this.client.name, 'write', 'body', 'could not be read');
    return answer.result;
  }

  /**
   * A write's answer read tolerantly: the record itself, or the record one level down (`data`,
   * the model's name). Throws the contract error of the record's schema when neither is there.
   */
  private readAnswer<K extends keyof typeof S>(schema: K, route: string, body: unknown): Parsed<K> {
    if (!S[schema].safeParse(body).success && body && typeof body === 'object') {
      for (const inner of Object.values(body))
        if (inner && typeof inner === 'object' && S[schema].safeParse(inner).success)
          return this.parse(schema, route, inner);
    }
    return this.parse(schema, route, body);
  }

  /**
   * A record a write created, from a documented list (newest first): the one with the known id,
   * else the oldest one matching every field sent, created since the write, that no other write
   * holds. Pages stop once they are older than the write.
   */
  private async findCreated(
    path: string,
    schema: ListSchema,
    query: Query,
    body: Record<string, unknown>,
    args: { since: Date; upstreamId: string | null; claimed: (id: string) => Promise<boolean> },
    sinceBound = true,
  ): Promise<unknown | null> {
    const candidates: Record<string, unknown>[] = [];
    for (let n = 1; ; n++) {
      const raw = await this.client.json<unknown>({
        path,
        headers: this.auth(),
        query: { ...query, page: n, size: MAX_PAGE_SIZE, order: 'desc' },
      });
      const res = this.parse(schema, `GET ${path}`, raw);
      const rows = ((raw as { items: Record<string, unknown>[] }).items ?? []).slice(0, res.items.length);
      for (const row of rows) {
        const created = new Date(String(row.created_at));
        if (
          args.upstreamId !== null
            ? String(row.id) === args.upstreamId
            : (!sinceBound || created >= args.since) && matchesRequest(row, body)
        )
          candidates.push(row);
      }
      const oldest = rows.at(-1);
      if (
        n * MAX_PAGE_SIZE >= res.total ||
        !oldest ||
        (sinceBound && args.upstreamId === null && new Date(String(oldest.created_at)) < args.since)
      )
        break;
    }
    for (const row of candidates.reverse())
      if (args.upstreamId !== null || !(await args.claimed(String(row.id)))) return row;
    return null;
  }

  /** Checks a body against its route's schema, once, here at the client boundary. */
  private parse<K extends keyof typeof S>(schema: K, route: string, body: unknown): Parsed<K> {
    return parseUpstream(S[schema], body, { upstream: this.client.name, route, logger: this.logger }) as Parsed<K>;
  }

  /** The caller's CO2Trust bearer token, when the caller has one. */
  private auth(): Record<string, string> {
    return upstreamBearer(this.caller.actor);
  }

  /**
   * One page/size/order listing mapped to a connection; filters are passed through. CO2Trust may
   * list records the caller may not see (a non-public supplier to a user): `visible` keeps only
   * those inside the caller's scope of the listed type, so a page may hold fewer items than asked.
   */
  private list<K extends ListSchema, R>(
    path: string,
    schema: K,
    listing: Listing<unknown>,
    query: Query,
    map: (row: Parsed<K>['items'][number]) => R,
    visible?: VisibleIn<R>,
  ) {
    const scope = visible && this.caller.of(visible.type);
    return windowFromPages(offsetPage(listing.page, schema), async (pageNumber, size) => {
      const body = await this.client.json<unknown>({
        path,
        headers: this.auth(),
        query: { page: pageNumber, size, order: listing.order.toLowerCase(), ...query },
      });
      const res = this.parse(schema, `GET ${path}`, body);
      const items = (res.items as Parsed<K>['items'][number][]).map(map);
      return {
        items:
          scope && !scope.all
            ? items.filter((r) => inScope(scope, r as { isPublic?: boolean }, visible.owner(r)))
            : items,
        total: res.total,
      };
    });
  }

  /**
   * By-id lookups through the documented `GET /{resource}/{id}` routes: one call per distinct id,
   * at most `byIdConcurrency` in flight. A 404 is null for that id alone; any other failure is an
   * Error for that id alone (DataLoader rejects only its key), never a failed batch.
   */
  private async byIds<K extends keyof typeof S, R>(
    route: (id: string) => string,
    schema: K,
    ids: readonly string[],
    map: (row: Parsed<K>) => R,
  ): Promise<(R | null | Error)[]> {
    const unique = [...new Set(ids)];
    const template = `GET ${route('ID').replace(/ID$/, '{id}')}`;
    const settled = await mapConcurrent(unique, this.byIdConcurrency, async (id) => {
      const row = await this.client.jsonOrNull<unknown>({ path: route(id), headers: this.auth() });
      return row === null ? null : map(this.parse(schema, template, row));
    });
    const byId = new Map(
      unique.map((id, i) => {
        const r = settled[i]!;
        return [
          id,
          r.status === 'fulfilled' ? r.value : r.reason instanceof Error ? r.reason : new Error(String(r.reason)),
        ] as const;
      }),
    );
    return ids.map((id) => byId.get(id)!);
  }

  /** Turns the upstream's business refusals into the same user errors local mode gives. */
  private async refusals<T>(
    run: () => Promise<T>,
    notFound: DomainError,
    conflict = new DomainError('CONFLICT', 'A record with these identifiers already exists'),
  ): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof UpstreamHttpError)) throw error;
      const code = (error.body as { code?: string } | null)?.code;
      if (error.status === 404) throw notFound;
      if (error.status === 409 && code === 'insufficient_inventory')
        throw new DomainError('INSUFFICIENT_INVENTORY', 'Not enough tonnes are available', 'input.quantity');
      if (error.status === 409 && code === 'conflict') throw conflict;
      if (error.status === 422 && code === 'idempotency_mismatch') {
        throw new DomainError(
          'IDEMPOTENCY_MISMATCH',
          'This idempotency key was already used for a different request',
          'input.idempotencyKey',
        );
      }
      throw error;
    }
  }

  async authenticate(input: { email: string; name?: string | null }) {
    const body = await this.client.json<unknown>({
      method: 'POST',
      path: R.authenticate,
      headers: this.backendSecretKey ? { 'x-backend-secret-key': this.backendSecretKey } : {},
      body: { email: input.email.trim().toLowerCase(), name: input.name ?? null },
    });
    const res = this.parse('authenticate', `POST ${R.authenticate}`, body);
    return { user: fromCo2Trust.user(res.user), upstreamToken: res.access_token };
  }

  /** CO2Trust has no user lookup: the caller's own record comes from the verified token. */
  async usersByIds(ids: readonly string[]): Promise<(UserRecord | null)[]> {
    const v = this.caller.actor;
    return ids.map((id) =>
      v && v.id === id
        ? { id: v.id, email: v.email, name: v.name ?? null, role: v.role, createdAt: v.issuedAt ?? new Date(0) }
        : null,
    );
  }

  products({ filter, ...listing }: Listing<ProductFilter>) {
    return this.list(
      R.products,
      'products',
      { filter, ...listing },
      {
        product_type: filter.productType?.toLowerCase(),
        supplier_id: filter.supplierId,
        country_code: filter.countryCode,
      },
      fromCo2Trust.product,
      { type: 'Product', owner: (p) => p.ownerId },
    );
  }

  productsByIds(ids: readonly string[]) {
    return this.byIds(R.product, 'product', ids, fromCo2Trust.product);
  }

  /** Dropdowns answer whole arrays: sorted by name and windowed here, as local mode does. */
  private async options(
    path: string,
    schema: 'productOptions' | 'supplierOptions',
    listing: Listing<unknown>,
    query: Query,
  ) {
    const rows = this.parse(
      schema,
      `GET ${path}`,
      await this.client.json<unknown>({ path, headers: this.auth(), query }),
    );
    const dir = listing.order === 'ASC' ? 1 : -1;
    const sorted = rows
      .map((o): OptionRecord => ({ id: o.id, name: o.name, createdAt: new Date(0) }))
      .sort((a, b) => dir * (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const page = offsetPage(listing.page, schema);
    return offsetConnection(sorted.slice(page.offset, page.offset + page.limit), page, sorted.length);
  }

  productOptions(listing: Listing<{ productType?: ProductType | null }>) {
    return this.options(R.productOptions, 'productOptions', listing, {
      product_type: listing.filter.productType?.toLowerCase(),
    });
  }

  suppliers(listing: Listing<SupplierFilter>) {
    const f = listing.filter;
    return this.list(
      R.suppliers,
      'suppliers',
      listing,
      { featured: f.featured ?? undefined, country_code: f.countryCode, methodology_code: f.methodologyCode },
      fromCo2Trust.supplier,
      UNOWNED('Supplier'),
    );
  }

  supplierOptions(listing: Listing<NoFilter>) {
    return this.options(R.supplierOptions, 'supplierOptions', listing, {});
  }

  suppliersByIds(ids: readonly string[]) {
    return this.byIds(R.supplier, 'supplier', ids, fromCo2Trust.supplier);
  }

  traders(listing: Listing<TraderFilter>) {
    return this.list(
      R.traders,
      'traders',
      listing,
      { supplier_id: listing.filter.supplierId },
      fromCo2Trust.trader,
      UNOWNED('Trader'),
    );
  }

  tradersByIds(ids: readonly string[]) {
    return this.byIds(R.trader, 'trader', ids, fromCo2Trust.trader);
  }

  impactPartners(listing: Listing<NoFilter>) {
    return this.list(
      R.impactPartners,
      'impactPartners',
      listing,
      {},
      fromCo2Trust.impactPartner,
      UNOWNED('ImpactPartner'),
    );
  }

  impactPartnersByIds(ids: readonly string[]) {
    return this.byIds(R.impactPartner, 'impactPartner', ids, fromCo2Trust.impactPartner);
  }

  orders(listing: Listing<OrderFilter>) {
    const f = listing.filter;
    const own = f.buyerId && f.buyerId === this.caller.actor?.id;
    const path = f.purchasedOnly && own ? R.userPurchasedOrders : own ? R.userOrders : R.orders;
    return this.list(
      path,
      'orders',
      listing,
      {
        supplier_id: f.supplierId,
        product_type: f.productType?.toLowerCase(),
        is_public: f.isPublic ?? undefined,
        // Another user's orders (an admin looking): the list endpoint with the user and status filters.
        user_id: own ? undefined : (f.buyerId ?? undefined),
        status: f.purchasedOnly && !own ? 'completed' : undefined,
      },
      fromCo2Trust.order,
      { type: 'Order', owner: (o) => o.buyerId },
    );
  }

  async ordersByIds(ids: readonly string[]) {
    // Orders need a user token upstream; an anonymous caller sees none.
    if (!this.caller.actor?.upstreamToken) return ids.map(() => null);
    return this.byIds(R.order, 'order', ids, fromCo2Trust.order);
  }

  nfts(listing: Listing<NftFilter>) {
    const f = listing.filter;
    const available = f.availableOnly ? true : undefined;
    const visible: VisibleIn<NftRecord> = { type: 'Nft', owner: (n) => n.ownerId };
    if (f.mintableOnly) return this.list(R.mintableNfts, 'nfts', listing, {}, fromCo2Trust.nft, visible);
    if (f.ownerId && f.ownerId === this.caller.actor?.id)
      return this.list(R.userNfts, 'nfts', listing, { available_only: available }, fromCo2Trust.nft, visible);
    return this.list(
      R.nfts,
      'nfts',
      listing,
      { available_only: available, owner_id: f.ownerId ?? undefined },
      fromCo2Trust.nft,
      visible,
    );
  }

  nftsByIds(ids: readonly string[]) {
    return this.byIds(R.nft, 'nft', ids, fromCo2Trust.nft);
  }

  bundleOrders(listing: Listing<BundleOrderFilter>) {
    return this.list(
      R.bundleOrders,
      'bundleOrders',
      listing,
      { available_only: listing.filter.availableOnly ? true : undefined },
      fromCo2Trust.bundleOrder,
      UNOWNED('BundleOrder'),
    );
  }

  bundleOrdersByIds(ids: readonly string[]) {
    return this.byIds(R.bundleOrder, 'bundleOrder', ids, fromCo2Trust.bundleOrder);
  }

  productOrders(listing: Listing<ProductOrderFilter>) {
    const f = listing.filter;
    return this.list(
      R.productOrders,
      'productOrders',
      listing,
      { bundle_order_id: f.bundleOrderId, product_id: f.productId },
      fromCo2Trust.productOrder,
    );
  }

  productOrdersByIds(ids: readonly string[]) {
    return this.byIds(R.productOrder, 'productOrder', ids, fromCo2Trust.productOrder);
  }

  /** The list documents no bundle filter: every product-order page is read once and grouped here. */
  async productOrdersByBundleIds(bundleOrderIds: readonly string[]) {
    const rows = await this.all(R.productOrders, 'productOrders', fromCo2Trust.productOrder);
    return bundleOrderIds.map((id) => rows.filter((r) => r.bundleOrderId === id));
  }

  /** Every row of a documented list, in pages of the largest size (page/size/order only). */
  private async all<K extends ListSchema, R>(
    path: string,
    schema: K,
    map: (row: Parsed<K>['items'][number]) => R,
  ): Promise<R[]> {
    const page = async (n: number) => {
      const body = await this.client.json<unknown>({
        path,
        headers: this.auth(),
        query: { page: n, size: MAX_PAGE_SIZE, order: 'asc' },
      });
      const res = this.parse(schema, `GET ${path}`, body);
      return { total: res.total, items: res.items as Parsed<K>['items'][number][] };
    };
    const first = await page(1);
    const rest = await Promise.all(
      Array.from({ length: Math.max(0, Math.ceil(first.total / MAX_PAGE_SIZE) - 1) }, (_, i) => page(i + 2)),
    );
    return [first, ...rest].flatMap((p) => p.items.map(map));
  }

  // ---- purchases ---------------------------------------------------------------------------
  // The document defines no idempotency for POST /orders or /bundle-orders (CO2Trust API
  // document, "Create Order", "Create Bundle Order"): no idempotency header is sent; the journal keeps the buyer's
  // key (one key space for both, as in local mode), sends each order once, and settles a lost
  // answer from GET /orders/user.

  private purchase(
    kind: 'order' | 'bundle',
    key: string | null,
    path: string,
    body: Record<string, unknown>,
    notFound: DomainError,
    conflict?: DomainError,
  ) {
    const route = `POST ${path}`;
    return this.refusals(
      async () =>
        this.answered(
          await this.journalOf().run({
            caller: this.writer(),
            operation: 'purchase',
            // Without the buyer's key every order is a new one (as in local mode); the layer's
            // key, returned in `extensions`, makes a retry of this one match it.
            key: key ?? freshKey(),
            request: { kind, ...body },
            upstream: 'CO2Trust',
            send: () => this.client.json<unknown>({ method: 'POST', path, headers: this.auth(), body }),
            read: (row) => fromCo2Trust.order(this.readAnswer('order', route, row)),
            idOf: looseId,
            find: (args) => this.findCreated(R.userOrders, 'orders', {}, body, args),
          }),
        ),
      notFound,
      conflict,
    );
  }

  async createOrder(input: CreateOrderInput) {
    return this.purchase(
      'order',
      input.idempotencyKey,
      R.orders,
      {
        product_id: input.productId,
        quantity: number(input.quantity),
        is_public: input.isPublic,
        order_hash: input.orderHash,
      },
      new DomainError('NOT_FOUND', 'Product not found', 'input.productId'),
      new DomainError('CONFLICT', 'An order with this transaction hash already exists', 'input.orderHash'),
    );
  }

  async createBundleOrder(input: CreateBundleOrderInput) {
    return this.purchase(
      'bundle',
      input.idempotencyKey,
      R.bundleOrders,
      { bundle_order_id: input.bundleOrderId, quantity: number(input.quantity), is_public: input.isPublic },
      new DomainError('NOT_FOUND', 'Bundle order not found', 'input.bundleOrderId'),
    );
  }

  /**
   * POST /sync/{order_hash} is sent once per request (the document defines no idempotency); a
   * lost answer is settled from the caller's orders. The answer may be `{ order, changed }`, or
   * the order alone: then `changed` is whether the order is no longer pending.
   */
  async syncOrder(orderHash: string) {
    const route = `POST ${R.sync('ID').replace(/ID$/, '{order_hash}')}`;
    const read = (row: unknown) => {
      const both = S.sync.safeParse(row);
      if (both.success) return { order: fromCo2Trust.order(both.data.order), changed: both.data.changed };
      const order = fromCo2Trust.order(this.readAnswer('order', route, row));
      return { order, changed: order.status !== 'PENDING' };
    };
    try {
      return this.answered(
        await this.journalOf().run({
          caller: this.writer(),
          operation: 'syncOrder',
          key: null,
          repeatSends: true,
          request: { order_hash: orderHash },
          upstream: 'CO2Trust',
          send: () => this.client.json<unknown>({ method: 'POST', path: R.sync(orderHash), headers: this.auth() }),
          read,
          // The order existed before: only a change of its status shows that the sync arrived. A
          // sync that left it pending cannot be told from one that never arrived; after the
          // journal's settle time it is sent again, which changes nothing the first did not.
          find: async (args) => {
            const row = (await this.findCreated(
              isAdmin(this.caller.actor) ? R.orders : R.userOrders,
              'orders',
              {},
              { order_hash: orderHash },
              args,
              false,
            )) as { status?: unknown } | null;
            return row && String(row.status).toLowerCase() !== 'pending' ? row : null;
          },
        }),
      );
    } catch (error) {
      if (error instanceof UpstreamHttpError && error.status === 404) return null;
      throw error;
    }
  }

  // ---- catalogue administration ------------------------------------------------------------
  // POST /upsert/{model} creates (CO2Trust API document, "Create Model"; no idempotency defined): one send per
  // request through the journal, a lost answer settled from the model's documented list. PUT
  // /upsert/{model}/{model_id} is idempotent as every PUT (it sets the fields sent), so it is retried.

  async createModel<M extends CatalogueModel>(
    model: M,
    input: CatalogueModels[M]['input'],
  ): Promise<CatalogueModels[M]['record']> {
    const spec = MODELS[model];
    const body = spec.body(input as never) as Record<string, unknown>;
    const route = `POST ${R.upsert(spec.path)}`;
    return this.refusals(
      async () =>
        this.answered(
          await this.journalOf().run({
            caller: this.writer(),
            operation: `create:${spec.path}`,
            key: null,
            request: body,
            upstream: 'CO2Trust',
            send: () =>
              this.client.json<unknown>({ method: 'POST', path: R.upsert(spec.path), headers: this.auth(), body }),
            read: (row) => spec.map(this.readAnswer(spec.schema, route, row) as never) as CatalogueModels[M]['record'],
            idOf: looseId,
            find: (args) =>
              args.upstreamId !== null
                ? this.rawById(spec.one, args.upstreamId)
                : this.findCreated(spec.list, spec.listSchema, {}, body, args),
          }),
        ),
      new DomainError('NOT_FOUND', 'Supplier not found', 'input.supplierId'),
    );
  }

  /** A record's raw body by its documented GET /{resource}/{id}; null on a 404. */
  private rawById(route: (id: string) => string, id: string): Promise<unknown | null> {
    return this.client.jsonOrNull<unknown>({ path: route(id), headers: this.auth() });
  }

  async updateModel<M extends CatalogueModel>(
    model: M,
    id: string,
    input: CatalogueModels[M]['input'],
  ): Promise<CatalogueModels[M]['record'] | null> {
    const spec = MODELS[model];
    const route = `PUT ${R.upsert(spec.path)}/{model_id}`;
    let body: unknown;
    try {
      body = await this.client.json<unknown>({
        method: 'PUT',
        path: R.upsertOne(spec.path, id),
        headers: this.auth(),
        body: spec.body(input as never),
      });
    } catch (error) {
      if (error instanceof UpstreamHttpError && error.status === 404) {
        const what = (error.body as { code?: string } | null)?.code;
        if (what === 'supplier_not_found') throw new DomainError('NOT_FOUND', 'Supplier not found', 'input.supplierId');
        return null;
      }
      if (error instanceof UpstreamHttpError && error.status === 409)
        throw new DomainError('CONFLICT', 'A record with these identifiers already exists');
      throw error;
    }
    try {
      return spec.map(this.readAnswer(spec.schema, route, body) as never) as CatalogueModels[M]['record'];
    } catch {
      // Accepted (2xx): the record as it is now, from its documented GET, with a warning.
      this.warn(ANSWER_UNREADABLE);
      const now = await this.rawById(spec.one, id);
      return now === null
        ? null
        : (spec.map(
            this.parse(spec.schema, `GET ${spec.one('ID').replace(/ID$/, '{id}')}`, now) as never,
          ) as CatalogueModels[M]['record']);
    }
  }

  // ---- mailing list ------------------------------------------------------------------------

  /**
   * POST /mailing-list (CO2Trust API document, "Add to Mailing List"; no idempotency defined) is sent once per
   * address within the journal's window. Only an admin may read the list (GET /mailing-list), so
   * only an admin's retry settles a lost answer; anyone else's stays UPSTREAM_OUTCOME_UNKNOWN.
   */
  async subscribeToMailingList(email: string) {
    const route = `POST ${R.mailingList}`;
    return this.answered(
      await this.journalOf().run({
        caller: 'mailing-list',
        operation: 'subscribeToMailingList',
        key: null,
        repeatSends: true,
        request: { email },
        upstream: 'CO2Trust',
        send: () => this.client.json<unknown>({ method: 'POST', path: R.mailingList, body: { email } }),
        read: (row) => fromCo2Trust.mailingListEntry(this.readAnswer('mailingListEntry', route, row)),
        idOf: looseId,
        echo: (id) => (id ? { id, email, createdAt: new Date() } : null),
        find: async (args) => {
          if (!isAdmin(this.caller.actor)) throw new Error('only an admin may read the mailing list');
          return this.findCreated(R.mailingList, 'mailingList', {}, { email }, args, false);
        },
      }),
    );
  }

  mailingList(listing: Listing<NoFilter>) {
    return this.list(R.mailingList, 'mailingList', listing, {}, fromCo2Trust.mailingListEntry);
  }
}
