import { createHash, randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, raw, type EntityClass, type FilterQuery } from '@mikro-orm/core';
import { isAdmin, type Viewer } from '../../../lib/auth.ts';
import { alignByKey } from '../../../lib/batch.ts';
import { keysetPage, withNodes, type SortKey } from '../../../lib/connection.ts';
import type { Database, EntityManager } from '../../../lib/db.ts';
import {
  keysetRows,
  readerOf,
  rowsByIds,
  rowsWhere,
  whereSql,
  type RowFilter,
  type RowReader,
} from '../../../lib/rows.ts';
import { Decimal, dec, minorUnits, toMinor, tonnesToGrams } from '../../../lib/decimal.ts';
import { DomainError, forbidden } from '../../../lib/errors.ts';
import { assertMoneyWithinLimit } from '../../../lib/limits.ts';
import type {
  BundleOrderFilter,
  CatalogueModel,
  CatalogueModels,
  CreateBundleOrderInput,
  CreateOrderInput,
  Listing,
  MarketplaceSource,
  NftFilter,
  NftInput,
  NoFilter,
  OrderFilter,
  OrderRecord,
  ProductFilter,
  ProductInput,
  ProductOrderFilter,
  ProductType,
  SupplierFilter,
  TraderFilter,
} from '../source.ts';
import { inScope, scopeFilter, type CallerScope } from '../../../lib/access.ts';
import {
  BundleOrder,
  ImpactPartner,
  MailingListEntry,
  Nft,
  Order,
  Product,
  ProductOrder,
  PurchaseIdempotencyKey,
  Supplier,
  Trader,
  User,
} from './entities.ts';
import { toRecord } from './mapping.ts';
import { paymentForOrder } from '../outbox/service-messages.ts';
import { enqueueServiceCall } from '../outbox/service-outbox.ts';

type Sorted = { createdAt: Date; id: string };

/** The marketplace as its own system of record. */
export class LocalMarketplaceSource implements MarketplaceSource {
  private readonly db: Database;
  private forked: EntityManager | undefined;
  /** The caller's scope per type (policy.ts) and whom writes act for. */
  private readonly caller: CallerScope;
  /** Called after a purchase commits (wakes the payment outbox dispatcher). */
  private readonly onPurchase: () => void;

  constructor(db: Database, caller: CallerScope, onPurchase: () => void = () => {}) {
    this.db = db;
    this.caller = caller;
    this.onPurchase = onPurchase;
  }

  /** The unit of work of writes, forked on first use (reads go through plain rows). */
  private get em(): EntityManager {
    this.forked ??= this.db.fork();
    return this.forked;
  }

  private reader<E extends object>(entity: EntityClass<E>): RowReader<E> {
    return readerOf(this.db, entity);
  }

  /** The ids of the rows that match a filter. */
  private async idsWhere<E extends { id: string }>(entity: EntityClass<E>, filter: RowFilter): Promise<string[]> {
    const reader = this.reader(entity);
    const params: unknown[] = [];
    const rows = await this.db.select<{ id: string }>(
      `select "id" from ${reader.table} where ${whereSql(reader, filter, params) || 'true'}`,
      params,
    );
    return rows.map((r) => r.id);
  }

  async authenticate(input: { email: string; name?: string | null }) {
    const email = input.email.trim().toLowerCase();
    const existing = await this.em.findOne(User, { email });
    if (existing) return { user: toRecord.user(existing) };
    const user = this.em.create(User, {
      id: randomUUID(),
      email,
      name: input.name ?? null,
      role: 'USER',
      createdAt: new Date(),
    });
    try {
      await this.em.flush();
    } catch (error) {
      // Two first logins of the same email at once: the unique index keeps one user; read it.
      this.em.clear();
      const winner = await this.em.findOne(User, { email });
      if (!winner) throw error;
      return { user: toRecord.user(winner) };
    }
    return { user: toRecord.user(user) };
  }

  usersByIds(ids: readonly string[]) {
    return this.byIds(User, ids, toRecord.user);
  }

  /** The rows of a type the caller may see (its rule in policy.ts), by the column naming the owner. */
  private visible<T extends { isPublic: boolean }>(type: string, ownerField: string | null): FilterQuery<T> {
    return scopeFilter(this.caller.of(type), ownerField ? [ownerField] : []) as FilterQuery<T>;
  }

  /**
   * One keyset page of a listing, newest first unless the listing says ASC (ties broken by id):
   * one statement for the page (one row more than asked tells whether the list goes on), one more
   * for the total only when the listing wants it.
   */
  private async window<E extends Sorted, R>(
    entity: EntityClass<E>,
    where: FilterQuery<E>[],
    listing: Listing<unknown>,
    map: (row: E) => R,
    sortBy: 'createdAt' | 'name' = 'createdAt',
  ) {
    const direction = listing.order === 'ASC' ? 'ASC' : 'DESC';
    const first: SortKey<E> =
      sortBy === 'name'
        ? { field: 'name', direction, kind: 'string', of: (row) => (row as unknown as { name: string }).name }
        : { field: 'createdAt', direction, kind: 'date', of: (row) => row.createdAt };
    // Cursors name the table listed, so one list's cursor is refused by another's.
    const page = keysetPage<E>(listing.page, {
      list: this.db.orm.getMetadata().get(entity).tableName,
      keys: [first, { field: 'id', direction, kind: 'string', of: (row) => row.id }],
    });
    const connection = await keysetRows(
      this.db,
      this.reader(entity),
      { $and: where } as RowFilter,
      page,
      listing.totalCount !== false,
    );
    return withNodes(connection, connection.nodes.map(map));
  }

  private async byIds<E extends { id: string }, R extends { id: string }>(
    entity: EntityClass<E>,
    ids: readonly string[],
    map: (row: E) => R,
  ) {
    const rows = await rowsByIds(this.db, this.reader(entity), ids);
    return alignByKey(ids, rows.map(map), (r) => r.id);
  }

  private productWhere(filter: ProductFilter): FilterQuery<Product>[] {
    return [
      this.visible<Product>('Product', 'ownerId'),
      filter.productType ? { productType: filter.productType } : {},
      filter.supplierId ? { supplierId: filter.supplierId } : {},
      filter.countryCode ? { countryCode: filter.countryCode } : {},
    ];
  }

  products(listing: Listing<ProductFilter>) {
    return this.window(Product, this.productWhere(listing.filter), listing, toRecord.product);
  }

  productOptions(listing: Listing<{ productType?: ProductType | null }>) {
    return this.window(
      Product,
      this.productWhere({ productType: listing.filter.productType }),
      listing,
      (p) => ({ id: p.id, name: p.name, createdAt: p.createdAt }),
      'name',
    );
  }

  productsByIds(ids: readonly string[]) {
    return this.byIds(Product, ids, toRecord.product);
  }

  private supplierWhere(filter: SupplierFilter): FilterQuery<Supplier>[] {
    return [
      this.visible<Supplier>('Supplier', null),
      filter.featured != null ? { featured: filter.featured } : {},
      filter.countryCode ? { countryCode: filter.countryCode } : {},
      filter.methodologyCode ? { methodologyCode: filter.methodologyCode } : {},
    ];
  }

  suppliers(listing: Listing<SupplierFilter>) {
    return this.window(Supplier, this.supplierWhere(listing.filter), listing, toRecord.supplier);
  }

  supplierOptions(listing: Listing<NoFilter>) {
    return this.window(
      Supplier,
      this.supplierWhere({}),
      listing,
      (s) => ({ id: s.id, name: s.name, createdAt: s.createdAt }),
      'name',
    );
  }

  suppliersByIds(ids: readonly string[]) {
    return this.byIds(Supplier, ids, toRecord.supplier);
  }

  traders(listing: Listing<TraderFilter>) {
    const { supplierId } = listing.filter;
    return this.window(
      Trader,
      [this.visible<Trader>('Trader', null), supplierId ? { supplierId } : {}],
      listing,
      toRecord.trader,
    );
  }

  tradersByIds(ids: readonly string[]) {
    return this.byIds(Trader, ids, toRecord.trader);
  }

  impactPartners(listing: Listing<NoFilter>) {
    return this.window(
      ImpactPartner,
      [this.visible<ImpactPartner>('ImpactPartner', null)],
      listing,
      toRecord.impactPartner,
    );
  }

  impactPartnersByIds(ids: readonly string[]) {
    return this.byIds(ImpactPartner, ids, toRecord.impactPartner);
  }

  async orders(listing: Listing<OrderFilter>) {
    const { filter } = listing;
    let productIds: string[] | null = null;
    if (filter.productType) productIds = await this.idsWhere(Product, { productType: filter.productType });
    return this.window(
      Order,
      [
        this.visible<Order>('Order', 'buyerId'),
        filter.buyerId ? { buyerId: filter.buyerId } : {},
        filter.supplierId ? { supplierId: filter.supplierId } : {},
        filter.isPublic != null ? { isPublic: filter.isPublic } : {},
        filter.purchasedOnly ? { status: 'COMPLETED' } : {},
        productIds ? { productId: { $in: productIds } } : {},
      ],
      listing,
      toRecord.order,
    );
  }

  ordersByIds(ids: readonly string[]) {
    return this.byIds(Order, ids, toRecord.order);
  }

  nfts(listing: Listing<NftFilter>) {
    const { filter } = listing;
    return this.window(
      Nft,
      [
        this.visible<Nft>('Nft', 'ownerId'),
        filter.ownerId ? { ownerId: filter.ownerId } : {},
        filter.availableOnly || filter.mintableOnly ? { availableGrams: { $gt: 0n } } : {},
        filter.mintableOnly ? { ownerId: null } : {},
      ],
      listing,
      toRecord.nft,
    );
  }

  nftsByIds(ids: readonly string[]) {
    return this.byIds(Nft, ids, toRecord.nft);
  }

  bundleOrders(listing: Listing<BundleOrderFilter>) {
    return this.window(
      BundleOrder,
      [
        this.visible<BundleOrder>('BundleOrder', null),
        listing.filter.availableOnly ? { availableGrams: { $gt: 0n } } : {},
      ],
      listing,
      toRecord.bundleOrder,
    );
  }

  bundleOrdersByIds(ids: readonly string[]) {
    return this.byIds(BundleOrder, ids, toRecord.bundleOrder);
  }

  async productOrders(listing: Listing<ProductOrderFilter>) {
    const { bundleOrderId, productId } = listing.filter;
    // The products of a non-public bundle order are as private as the bundle order.
    const hidden = this.caller.of('BundleOrder').all ? [] : await this.idsWhere(BundleOrder, { isPublic: false });
    return this.window(
      ProductOrder,
      [
        bundleOrderId ? { bundleOrderId } : {},
        productId ? { productId } : {},
        hidden.length ? { bundleOrderId: { $nin: hidden } } : {},
      ],
      listing,
      toRecord.productOrder,
    );
  }

  productOrdersByIds(ids: readonly string[]) {
    return this.byIds(ProductOrder, ids, toRecord.productOrder);
  }

  async productOrdersByBundleIds(bundleOrderIds: readonly string[]) {
    const rows = await rowsWhere(this.db, this.reader(ProductOrder), { bundleOrderId: { $in: [...bundleOrderIds] } }, [
      'createdAt',
      'id',
    ]);
    const records = rows.map(toRecord.productOrder);
    return bundleOrderIds.map((id) => records.filter((r) => r.bundleOrderId === id));
  }

  // ---- purchases ---------------------------------------------------------------------------

  private buyer(): Viewer {
    if (!this.caller.actor) throw forbidden('A user token is required to buy');
    return this.caller.actor;
  }

  async createOrder(input: CreateOrderInput) {
    const buyer = this.buyer();
    const fingerprint = {
      kind: 'order',
      productId: input.productId,
      quantity: input.quantity.toString(),
      isPublic: input.isPublic,
      orderHash: input.orderHash,
    };
    return this.purchase(buyer, input.idempotencyKey, fingerprint, async (em, orderId) => {
      const product = await em.findOne(Product, { id: input.productId });
      if (!product || !inScope(this.caller.of('Product'), product, product.ownerId))
        throw new DomainError('NOT_FOUND', 'Product not found', 'input.productId');
      const grams = tonnesToGrams(input.quantity);
      // Conditional atomic decrement: concurrent buyers can never take more than is available.
      const taken = await em.nativeUpdate(
        Product,
        { id: product.id, availableGrams: { $gte: grams } },
        { availableGrams: raw('available_grams - ?', [grams]) },
      );
      if (taken !== 1)
        throw new DomainError(
          'INSUFFICIENT_INVENTORY',
          'Not enough tonnes of this product are available',
          'input.quantity',
        );
      return this.insertOrder(em, {
        id: orderId,
        productId: product.id,
        supplierId: product.supplierId,
        buyerId: buyer.id,
        quantity: input.quantity,
        unitPriceMinor: product.pricePerTonneMinor,
        currency: product.currency,
        isPublic: input.isPublic,
        orderHash: input.orderHash,
        bundleOrderId: null,
      });
    });
  }

  async createBundleOrder(input: CreateBundleOrderInput) {
    const buyer = this.buyer();
    const fingerprint = {
      kind: 'bundle',
      bundleOrderId: input.bundleOrderId,
      quantity: input.quantity.toString(),
      isPublic: input.isPublic,
    };
    return this.purchase(buyer, input.idempotencyKey, fingerprint, async (em, orderId) => {
      const bundle = await em.findOne(BundleOrder, { id: input.bundleOrderId });
      if (!bundle || !inScope(this.caller.of('BundleOrder'), bundle, null))
        throw new DomainError('NOT_FOUND', 'Bundle order not found', 'input.bundleOrderId');
      if (bundle.availableGrams <= 0n)
        throw new DomainError('INSUFFICIENT_INVENTORY', 'This bundle order is sold out', 'input.bundleOrderId');
      const grams = tonnesToGrams(input.quantity);
      const taken = await em.nativeUpdate(
        BundleOrder,
        { id: bundle.id, availableGrams: { $gte: grams } },
        { availableGrams: raw('available_grams - ?', [grams]) },
      );
      if (taken !== 1)
        throw new DomainError(
          'INSUFFICIENT_INVENTORY',
          'Not enough tonnes of this bundle order are left',
          'input.quantity',
        );
      return this.insertOrder(em, {
        id: orderId,
        productId: bundle.productId,
        supplierId: bundle.supplierId,
        buyerId: buyer.id,
        quantity: input.quantity,
        unitPriceMinor: bundle.pricePerTonneMinor,
        currency: bundle.currency,
        isPublic: input.isPublic,
        orderHash: null,
        bundleOrderId: bundle.id,
      });
    });
  }

  /** Writes the order and its payment record to deliver, in the caller's transaction. */
  private async insertOrder(
    em: EntityManager,
    o: {
      id: string;
      productId: string;
      supplierId: string;
      buyerId: string;
      quantity: Decimal;
      unitPriceMinor: bigint;
      currency: string;
      isPublic: boolean;
      orderHash: string | null;
      bundleOrderId: string | null;
    },
  ): Promise<OrderRecord> {
    const unit = dec(o.unitPriceMinor).div(dec(10).pow(minorUnits(o.currency)));
    const total = unit.mul(o.quantity).toDecimalPlaces(minorUnits(o.currency), Decimal.ROUND_HALF_EVEN);
    // Payments records nothing larger: refuse the order rather than leave a payment undeliverable.
    assertMoneyWithinLimit(total, o.currency, 'input.quantity');
    const now = new Date();
    const row = {
      id: o.id,
      productId: o.productId,
      supplierId: o.supplierId,
      buyerId: o.buyerId,
      quantityGrams: tonnesToGrams(o.quantity),
      unitPriceMinor: o.unitPriceMinor,
      totalPriceMinor: toMinor(total, o.currency),
      currency: o.currency,
      // An order that names an on-chain transaction waits for syncOrder; others are settled.
      status: (o.orderHash ? 'PENDING' : 'COMPLETED') as 'PENDING' | 'COMPLETED',
      isPublic: o.isPublic,
      orderHash: o.orderHash,
      bundleOrderId: o.bundleOrderId,
      syncedAt: null,
      createdAt: now,
    };
    await em.insert(Order, row);
    const payment = paymentForOrder({
      id: o.id,
      buyerId: o.buyerId,
      supplierId: o.supplierId,
      total,
      currency: o.currency,
    });
    await enqueueServiceCall(em, 'recordPaymentTransaction', o.id, payment, now);
    return toRecord.order(Object.assign(new Order(), row));
  }

  /**
   * Runs a purchase in one transaction. With an idempotency key, the key row is written first in
   * the same transaction: a concurrent twin hits the unique (buyer, key) index and returns the
   * order of the winner; the same key with a different request is a user error.
   */
  private async purchase(
    buyer: Viewer,
    key: string | null,
    fingerprint: object,
    create: (em: EntityManager, orderId: string) => Promise<OrderRecord>,
  ): Promise<OrderRecord> {
    const requestHash = createHash('sha256').update(JSON.stringify(fingerprint)).digest('hex');
    const replay = async () => {
      const em = this.em.fork();
      const existing = await em.findOne(PurchaseIdempotencyKey, { ownerId: buyer.id, key: key! });
      if (!existing) return null;
      if (existing.requestHash !== requestHash) {
        throw new DomainError(
          'IDEMPOTENCY_MISMATCH',
          'This idempotency key was already used for a different request',
          'input.idempotencyKey',
        );
      }
      const order = await em.findOne(Order, { id: existing.orderId });
      return order ? toRecord.order(order) : null;
    };
    if (key) {
      const earlier = await replay();
      if (earlier) return earlier;
    }
    const orderId = randomUUID();
    try {
      const order = await this.em.fork().transactional(async (em) => {
        if (key)
          await em.insert(PurchaseIdempotencyKey, {
            id: randomUUID(),
            ownerId: buyer.id,
            key,
            requestHash,
            orderId,
            createdAt: new Date(),
          });
        return create(em, orderId);
      });
      this.onPurchase();
      return order;
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        const winner = key ? await replay() : null;
        if (winner) return winner;
        // Not the idempotency key: the only other unique value of an order is its transaction hash.
        throw new DomainError('CONFLICT', 'An order with this transaction hash already exists', 'input.orderHash');
      }
      throw error;
    }
  }

  async syncOrder(orderHash: string) {
    const order = await this.em.findOne(Order, { orderHash });
    if (!order) return null;
    const viewer = this.buyer();
    if (!isAdmin(viewer) && viewer.id !== order.buyerId)
      throw forbidden('Only the buyer or an admin can sync this order');
    // Only a pending order moves; a second sync finds nothing to change.
    const changed =
      (await this.em.nativeUpdate(
        Order,
        { id: order.id, status: 'PENDING' },
        { status: 'COMPLETED', syncedAt: new Date() },
      )) === 1;
    const fresh = await this.em.fork().findOneOrFail(Order, { id: order.id });
    return { order: toRecord.order(fresh), changed };
  }

  // ---- catalogue administration ------------------------------------------------------------

  private async requireSupplier(em: EntityManager, id: string | null | undefined, field: string) {
    if (id && !(await em.count(Supplier, { id }))) throw new DomainError('NOT_FOUND', 'Supplier not found', field);
  }

  private productRow(input: ProductInput) {
    const { pricePerTonne, availableQuantity, ...rest } = input;
    return {
      ...rest,
      ...(pricePerTonne
        ? {
            pricePerTonneMinor: toMinor(pricePerTonne.amount, pricePerTonne.currency),
            currency: pricePerTonne.currency,
          }
        : {}),
      ...(availableQuantity ? { availableGrams: tonnesToGrams(availableQuantity) } : {}),
    };
  }

  private nftRow(input: NftInput) {
    const { quantity, availableQuantity, ...rest } = input;
    return {
      ...rest,
      ...(quantity ? { quantityGrams: tonnesToGrams(quantity) } : {}),
      ...(availableQuantity ? { availableGrams: tonnesToGrams(availableQuantity) } : {}),
    };
  }

  private readonly models = {
    product: { entity: Product, row: (i: ProductInput) => this.productRow(i), map: toRecord.product },
    supplier: { entity: Supplier, row: (i: object) => i, map: toRecord.supplier },
    trader: { entity: Trader, row: (i: object) => i, map: toRecord.trader },
    impactPartner: { entity: ImpactPartner, row: (i: object) => i, map: toRecord.impactPartner },
    nft: { entity: Nft, row: (i: NftInput) => this.nftRow(i), map: toRecord.nft },
  } as const;

  async createModel<M extends CatalogueModel>(
    model: M,
    input: CatalogueModels[M]['input'],
  ): Promise<CatalogueModels[M]['record']> {
    const spec = this.models[model] as unknown as {
      entity: EntityClass<{ id: string }>;
      row: (i: object) => object;
      map: (r: object) => CatalogueModels[M]['record'];
    };
    return this.em.fork().transactional(async (em) => {
      await this.requireSupplier(em, (input as { supplierId?: string | null }).supplierId, 'input.supplierId');
      const id = randomUUID();
      try {
        await em.insert(spec.entity, { id, createdAt: new Date(), ...spec.row(input) } as never);
      } catch (error) {
        if (error instanceof UniqueConstraintViolationException)
          throw new DomainError('CONFLICT', 'A record with these identifiers already exists');
        throw error;
      }
      return spec.map(await em.findOneOrFail(spec.entity, { id }));
    });
  }

  async updateModel<M extends CatalogueModel>(
    model: M,
    id: string,
    input: CatalogueModels[M]['input'],
  ): Promise<CatalogueModels[M]['record'] | null> {
    const spec = this.models[model] as unknown as {
      entity: EntityClass<{ id: string }>;
      row: (i: object) => object;
      map: (r: object) => CatalogueModels[M]['record'];
    };
    return this.em.fork().transactional(async (em) => {
      if (!(await em.count(spec.entity, { id }))) return null;
      await this.requireSupplier(em, (input as { supplierId?: string | null }).supplierId, 'input.supplierId');
      const changes = Object.fromEntries(Object.entries(spec.row(input)).filter(([, v]) => v !== undefined));
      if (Object.keys(changes).length) {
        try {
          await em.nativeUpdate(spec.entity, { id }, changes as never);
        } catch (error) {
          if (error instanceof UniqueConstraintViolationException)
            throw new DomainError('CONFLICT', 'A record with these identifiers already exists');
          throw error;
        }
      }
      return spec.map(await em.findOneOrFail(spec.entity, { id }));
    });
  }

  // ---- mailing list ------------------------------------------------------------------------

  async subscribeToMailingList(email: string) {
    const em = this.em.fork();
    try {
      await em.insert(MailingListEntry, { id: randomUUID(), email, createdAt: new Date() });
    } catch (error) {
      // Subscribing twice (or twice at once) keeps the first entry.
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
    }
    return toRecord.mailingListEntry(await em.findOneOrFail(MailingListEntry, { email }));
  }

  mailingList(listing: Listing<NoFilter>) {
    return this.window(MailingListEntry, [], listing, toRecord.mailingListEntry);
  }
}
