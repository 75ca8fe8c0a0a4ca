import { randomUUID } from 'node:crypto';
import { alignByKey } from '../../../lib/batch.ts';
import type { Database, EntityManager } from '../../../lib/db.ts';
import { rowReader, rowsByIds, rowsWhere, type RowReader } from '../../../lib/rows.ts';
import { DomainError, ValidationErrors, type UserError } from '../../../lib/errors.ts';
import { keysetPage, ormOrderBy, withNodes, type ConnectionArgs } from '../../../lib/connection.ts';
import { currentPeriod, PRODUCT_PAGE } from '../rules.ts';
import type {
  ChangeRecord,
  ContactValue,
  CreateProductSupplierFields,
  EngagementRecord,
  FeedQuery,
  FootprintKind,
  FootprintsSource,
  LinkedProductRecord,
  LinkedProductStatus,
  ProductRef,
  ProductSupplierPatch,
  ResoldProductFields,
  SupplierPeriodInput,
} from '../source.ts';
import {
  Footprint,
  Group,
  InvitationEmail,
  ProductSupplier,
  ResoldProduct,
  SalesVolume,
  SupplierContact,
  SupplierLink,
  SupplierPeriod,
} from './entities.ts';
import { toRecord, toRow } from './mapping.ts';

/**
 * The footprints subgraph as its own system of record. Every method works on a fresh
 * EntityManager, so reads after a mutation never see a stale identity map.
 */
export class LocalFootprintsSource implements FootprintsSource {
  private readonly db: Database;
  private readonly fork: () => EntityManager;
  /** Plain-row readers of the hot read paths (no identity map, statements prepared once). */
  private readonly rows: {
    product: RowReader<ResoldProduct>;
    volume: RowReader<SalesVolume>;
    footprint: RowReader<Footprint>;
  };

  constructor(db: Database) {
    this.db = db;
    this.fork = () => db.fork();
    this.rows = {
      product: rowReader(db, ResoldProduct),
      volume: rowReader(db, SalesVolume),
      footprint: rowReader(db, Footprint),
    };
  }

  async groups() {
    const rows = await this.fork().find(Group, {}, { orderBy: { name: 'asc', id: 'asc' } });
    return rows.map((g) => ({ id: g.id, name: g.name }));
  }

  private async withVolumes(em: EntityManager, products: ResoldProduct[]) {
    if (products.length === 0) return [];
    const volumes = await em.find(SalesVolume, { productId: { $in: products.map((p) => p.id) } });
    return products.map((p) => toRecord.product(p, volumes));
  }

  async resoldProducts(groupId: string, args: ConnectionArgs) {
    const em = this.fork();
    const page = keysetPage<ResoldProduct>(
      args,
      { list: 'ResoldProduct', keys: [{ field: 'id', direction: 'ASC', kind: 'string', of: (p) => p.id }] },
      PRODUCT_PAGE,
    );
    const rows = await em.find(
      ResoldProduct,
      { $and: [{ groupId }, page.where] },
      { orderBy: ormOrderBy(page), limit: page.take },
    );
    const connection = page.connection(rows);
    return withNodes(connection, await this.withVolumes(em, connection.nodes));
  }

  /** Two statements for any number of products: the products, then their sales volumes. */
  async resoldProductsByIds(ids: readonly string[]) {
    const products = await rowsByIds(this.db, this.rows.product, ids);
    if (products.length === 0) return ids.map(() => null);
    const volumes = await rowsWhere(this.db, this.rows.volume, { productId: { $in: products.map((p) => p.id) } });
    return alignByKey(
      ids,
      products.map((p) => toRecord.product(p, volumes)),
      (p) => p.id,
    );
  }

  private async readProduct(id: string) {
    const [record] = await this.resoldProductsByIds([id]);
    return record!;
  }

  async createResoldProduct(fields: ResoldProductFields & { groupId: string }) {
    const id = randomUUID();
    await this.fork().transactional(async (em) => {
      if (!(await em.findOne(Group, { id: fields.groupId })))
        throw new DomainError('NOT_FOUND', `Group ${fields.groupId} not found`, 'input.groupId');
      const now = new Date();
      em.create(ResoldProduct, {
        id,
        groupId: fields.groupId,
        ...toRow.productFields(fields),
        createdAt: now,
        updatedAt: now,
      });
      for (const v of toRow.volumes(id, fields)) em.create(SalesVolume, v);
    });
    return this.readProduct(id);
  }

  async updateResoldProduct(id: string, fields: ResoldProductFields) {
    await this.fork().transactional(async (em) => {
      const product = await em.findOne(ResoldProduct, { id });
      if (!product) throw new DomainError('NOT_FOUND', `Resold product ${id} not found`, 'input.id');
      em.assign(product, { ...toRow.productFields(fields), updatedAt: new Date() });
      await em.nativeDelete(SalesVolume, { productId: id });
      for (const v of toRow.volumes(id, fields)) em.create(SalesVolume, v);
    });
    return this.readProduct(id);
  }

  async deleteResoldProduct(id: string) {
    await this.fork().transactional(async (em) => {
      const deleted = await em.nativeDelete(ResoldProduct, { id });
      if (deleted === 0) throw new DomainError('NOT_FOUND', `Resold product ${id} not found`, 'input.id');
      await em.nativeDelete(SalesVolume, { productId: id });
      await em.nativeDelete(Footprint, { productId: id });
      await em.nativeDelete(SupplierPeriod, { productId: id });
      // Pending requests go with the product; an accepted supplier keeps its own variant, which this API no longer shows.
      await em.nativeDelete(SupplierLink, { productId: id });
    });
  }

  private async feed(entity: 'product' | FootprintKind, q: FeedQuery): Promise<ChangeRecord[]> {
    const em = this.fork();
    const since = q.since ? { updatedAt: { $gte: new Date(q.since) } } : {};
    if (entity === 'product') {
      const rows = await em.find(
        ResoldProduct,
        { groupId: q.groupId, ...since },
        { orderBy: { updatedAt: 'asc', id: 'asc' }, limit: q.limit, fields: ['id', 'updatedAt'] },
      );
      return rows.map((r) => ({ resoldProductId: r.id, updatedAt: r.updatedAt }));
    }
    const rows = await em.find(
      Footprint,
      { kind: entity, groupId: q.groupId, ...since },
      { orderBy: { updatedAt: 'asc', productId: 'asc' }, limit: q.limit, fields: ['productId', 'updatedAt'] },
    );
    return rows.map((r) => ({ resoldProductId: r.productId, updatedAt: r.updatedAt }));
  }

  resoldProductUpdates(q: FeedQuery) {
    return this.feed('product', q);
  }
  footprintUpdates(q: FeedQuery) {
    return this.feed('FOOTPRINT', q);
  }
  footprintBaselineUpdates(q: FeedQuery) {
    return this.feed('BASELINE', q);
  }

  /** One statement for any number of products. */
  async footprints(kind: FootprintKind, products: readonly ProductRef[]) {
    const ids = products.map((p) => p.id);
    const rows = await rowsWhere(this.db, this.rows.footprint, { kind, productId: { $in: ids } });
    return alignByKey(ids, rows.map(toRecord.footprint), (f) => f.resoldProductId);
  }

  async currentSuppliers(productIds: readonly string[]): Promise<(EngagementRecord | null)[]> {
    const em = this.fork();
    const links = await em.find(SupplierLink, { productId: { $in: [...productIds] }, current: true });
    const suppliers = links.length
      ? await em.find(ProductSupplier, { id: { $in: links.map((l) => l.supplierId) } })
      : [];
    const nameOf = new Map(suppliers.map((s) => [s.id, s.name]));
    const engagements = links.map((l) => ({
      productId: l.productId,
      supplierId: l.supplierId,
      name: nameOf.get(l.supplierId) ?? '',
      status: l.status,
    }));
    return alignByKey(productIds, engagements, (e) => e.productId).map(
      (e) => e && { supplierId: e.supplierId, name: e.name, status: e.status },
    );
  }

  async supplierPeriods(productIds: readonly string[]) {
    const rows = await this.fork().find(
      SupplierPeriod,
      { productId: { $in: [...productIds] } },
      { orderBy: { validFrom: 'asc', id: 'asc' } },
    );
    return productIds.map((id) => rows.filter((r) => r.productId === id).map(toRecord.period));
  }

  async setSupplierPeriods(productId: string, periods: SupplierPeriodInput[]) {
    await this.fork().transactional(async (em) => {
      const product = await em.findOne(ResoldProduct, { id: productId });
      if (!product)
        throw new DomainError('NOT_FOUND', `Resold product ${productId} not found`, 'input.resoldProductId');
      const existing = await em.find(SupplierPeriod, { productId });
      const byId = new Map(existing.map((p) => [p.id, p]));
      const supplierIds = [...new Set(periods.map((p) => p.supplierId))];
      const suppliers = new Map((await em.find(ProductSupplier, { id: { $in: supplierIds } })).map((s) => [s.id, s]));
      const errors: UserError[] = [];
      periods.forEach((p, i) => {
        const at = ['input', 'periods', String(i)];
        const supplier = suppliers.get(p.supplierId);
        if (!supplier)
          errors.push({
            code: 'NOT_FOUND',
            message: `Supplier ${p.supplierId} not found`,
            field: [...at, 'supplierId'],
          });
        else if (supplier.groupId !== product.groupId)
          errors.push({
            code: 'INVALID',
            message: 'The supplier belongs to another group',
            field: [...at, 'supplierId'],
          });
        if (p.id) {
          const kept = byId.get(p.id);
          if (!kept)
            errors.push({
              code: 'NOT_FOUND',
              message: `Period ${p.id} is not a period of this product`,
              field: [...at, 'id'],
            });
          else if (kept.supplierId !== p.supplierId)
            errors.push({
              code: 'INVALID',
              message: 'An existing period keeps its supplier',
              field: [...at, 'supplierId'],
            });
        }
      });
      if (errors.length) throw new ValidationErrors(errors);

      const keep = new Set(periods.flatMap((p) => (p.id ? [p.id] : [])));
      const removed = existing.filter((p) => !keep.has(p.id)).map((p) => p.id);
      if (removed.length) await em.nativeDelete(SupplierPeriod, { id: { $in: removed } });
      for (const p of periods) {
        if (p.id) em.assign(byId.get(p.id)!, { validFrom: p.validFrom, validTo: p.validTo });
        else
          em.create(SupplierPeriod, {
            id: randomUUID(),
            productId,
            supplierId: p.supplierId,
            validFrom: p.validFrom,
            validTo: p.validTo,
          });
      }
      await this.relink(em, productId, currentPeriod(periods)?.supplierId ?? null);
    });
    const [result] = await this.supplierPeriods([productId]);
    return result!;
  }

  /** Makes the supplier of the current period the product's linked supplier (a new link starts CREATED). */
  private async relink(em: EntityManager, productId: string, supplierId: string | null) {
    await em.nativeUpdate(
      SupplierLink,
      { productId, current: true, ...(supplierId ? { supplierId: { $ne: supplierId } } : {}) },
      { current: false },
    );
    if (!supplierId) return;
    const id = `${productId}:${supplierId}`;
    const link = await em.findOne(SupplierLink, { id });
    if (link) em.assign(link, { current: true });
    else
      em.create(SupplierLink, { id, productId, supplierId, status: 'CREATED', current: true, updatedAt: new Date() });
  }

  async productSuppliers(groupId: string, customId: string | null) {
    const em = this.fork();
    const rows = await em.find(
      ProductSupplier,
      { groupId, ...(customId ? { customId } : {}) },
      { orderBy: { name: 'asc', id: 'asc' } },
    );
    return this.withContacts(em, rows);
  }

  private async withContacts(em: EntityManager, suppliers: ProductSupplier[]) {
    if (suppliers.length === 0) return [];
    const contacts = await em.find(
      SupplierContact,
      { supplierId: { $in: suppliers.map((s) => s.id) } },
      { orderBy: { position: 'asc' } },
    );
    return suppliers.map((s) =>
      toRecord.supplier(
        s,
        contacts.filter((c) => c.supplierId === s.id).map((c) => ({ name: c.name ?? null, email: c.email })),
      ),
    );
  }

  async productSuppliersByIds(ids: readonly string[]) {
    const em = this.fork();
    const rows = await em.find(ProductSupplier, { id: { $in: [...ids] } });
    return alignByKey(ids, await this.withContacts(em, rows), (s) => s.id);
  }

  private async readSupplier(id: string) {
    const [record] = await this.productSuppliersByIds([id]);
    return record!;
  }

  private addContacts(em: EntityManager, supplierId: string, contacts: ContactValue[]) {
    contacts.forEach((c, position) =>
      em.create(SupplierContact, { id: randomUUID(), supplierId, position, name: c.name, email: c.email }),
    );
  }

  async createProductSupplier(fields: CreateProductSupplierFields) {
    const id = randomUUID();
    await this.fork().transactional(async (em) => {
      if (!(await em.findOne(Group, { id: fields.groupId })))
        throw new DomainError('NOT_FOUND', `Group ${fields.groupId} not found`, 'input.groupId');
      const now = new Date();
      em.create(ProductSupplier, {
        id,
        groupId: fields.groupId,
        name: fields.name,
        customId: fields.customId,
        status: 'CREATED',
        createdAt: now,
        updatedAt: now,
      });
      this.addContacts(em, id, fields.contacts);
    });
    return this.readSupplier(id);
  }

  async updateProductSupplier(id: string, patch: ProductSupplierPatch) {
    await this.fork().transactional(async (em) => {
      const supplier = await em.findOne(ProductSupplier, { id });
      if (!supplier) throw new DomainError('NOT_FOUND', `Supplier ${id} not found`, 'input.id');
      em.assign(supplier, {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.customId !== undefined ? { customId: patch.customId || null } : {}),
        updatedAt: new Date(),
      });
      if (patch.contacts) {
        await em.nativeDelete(SupplierContact, { supplierId: id });
        this.addContacts(em, id, patch.contacts);
      }
    });
    return this.readSupplier(id);
  }

  async deleteProductSupplier(id: string) {
    await this.fork().transactional(async (em) => {
      // Conditional delete: a supplier invited between a read and the delete is never removed.
      const deleted = await em.nativeDelete(ProductSupplier, { id, status: 'CREATED' });
      if (deleted === 0) {
        const supplier = await em.findOne(ProductSupplier, { id });
        if (!supplier) throw new DomainError('NOT_FOUND', `Supplier ${id} not found`, 'input.id');
        throw new DomainError(
          'CONFLICT',
          `A supplier who is ${supplier.status.toLowerCase()} cannot be deleted`,
          'input.id',
        );
      }
      await em.nativeDelete(SupplierContact, { supplierId: id });
      await em.nativeDelete(SupplierPeriod, { supplierId: id });
      await em.nativeDelete(SupplierLink, { supplierId: id });
      await em.nativeDelete(InvitationEmail, { supplierId: id });
    });
  }

  async linkedProducts(supplierId: string, statuses: LinkedProductStatus[] | null): Promise<LinkedProductRecord[]> {
    const em = this.fork();
    const links = await em.find(SupplierLink, {
      supplierId,
      current: true,
      ...(statuses?.length ? { status: { $in: statuses } } : {}),
    });
    if (links.length === 0) return [];
    const products = await em.find(
      ResoldProduct,
      { id: { $in: links.map((l) => l.productId) } },
      { fields: ['id', 'name'] },
    );
    const nameOf = new Map(products.map((p) => [p.id, p.name]));
    return links
      .filter((l) => nameOf.has(l.productId))
      .map((l) => ({ resoldProductId: l.productId, name: nameOf.get(l.productId)!, status: l.status }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.resoldProductId.localeCompare(b.resoldProductId));
  }

  async inviteProductSupplier(supplierId: string, productIds: string[]) {
    await this.fork().transactional(async (em) => {
      const supplier = await em.findOne(ProductSupplier, { id: supplierId });
      if (!supplier) throw new DomainError('NOT_FOUND', `Supplier ${supplierId} not found`, 'input.supplierId');
      const products = new Set(
        (await em.find(ResoldProduct, { id: { $in: productIds } }, { fields: ['id'] })).map((p) => p.id),
      );
      const links = new Map(
        (await em.find(SupplierLink, { productId: { $in: productIds }, current: true })).map((l) => [l.productId, l]),
      );
      const errors: UserError[] = [];
      productIds.forEach((id, i) => {
        const field = ['input', 'resoldProductIds', String(i)];
        if (!products.has(id)) errors.push({ code: 'NOT_FOUND', message: `Resold product ${id} not found`, field });
        else if (links.get(id)?.supplierId !== supplierId)
          errors.push({ code: 'INVALID', message: `The supplier is not the linked supplier of product ${id}`, field });
      });
      if (errors.length) throw new ValidationErrors(errors);

      const now = new Date();
      // A new request for products never asked about and for declined ones; others keep their state.
      await em.nativeUpdate(
        SupplierLink,
        { productId: { $in: productIds }, supplierId, status: { $in: ['CREATED', 'DECLINED'] } },
        { status: 'SENT', updatedAt: now },
      );
      if (supplier.status === 'CONNECTED') return;
      const contacts = await em.find(SupplierContact, { supplierId }, { orderBy: { position: 'asc' } });
      if (contacts.length) {
        // The unique (supplier, email) key makes "each contact is emailed once" hold under concurrency too.
        await em
          .createQueryBuilder(InvitationEmail)
          .insert(
            contacts.map((c) => ({
              id: randomUUID(),
              supplierId,
              email: c.email,
              productIds,
              createdAt: now,
              sentAt: null,
            })),
          )
          .onConflict(['supplierId', 'email'])
          .ignore()
          .execute();
      }
      if (supplier.status === 'CREATED') em.assign(supplier, { status: 'INVITED', updatedAt: now });
    });
  }

  /** The invitation emails of a supplier, oldest first (the mail relay reads this outbox). */
  async invitationEmails(supplierId: string) {
    const rows = await this.fork().find(
      InvitationEmail,
      { supplierId },
      { orderBy: { createdAt: 'asc', email: 'asc' } },
    );
    return rows.map((r) => ({ email: r.email, productIds: r.productIds, createdAt: r.createdAt }));
  }
}
