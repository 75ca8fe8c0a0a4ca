import { randomUUID } from 'node:crypto';
import type { FilterQuery } from '@mikro-orm/core';
import type { Viewer } from '../../../lib/auth.ts';
import { alignByKey } from '../../../lib/batch.ts';
import { offsetConnection } from '../../../lib/connection.ts';
import type { EntityManager } from '../../../lib/db.ts';
import type { Listing, MarketplaceSource, OrderFilter, ProductFilter } from '../source.ts';
import { Nft, Order, Product, Supplier, User } from './entities.ts';
import { toRecord } from './mapping.ts';

/** The marketplace as its own system of record. */
export class LocalMarketplaceSource implements MarketplaceSource {
  private readonly em: EntityManager;
  private readonly viewer: Viewer | null;

  constructor(em: EntityManager, viewer: Viewer | null) {
    this.em = em;
    this.viewer = viewer;
  }

  async authenticate(input: { email: string; name?: string | null }) {
    const email = input.email.trim().toLowerCase();
    const existing = await this.em.findOne(User, { email });
    if (existing) return { user: toRecord.user(existing) };
    const user = this.em.create(User, { id: randomUUID(), email, name: input.name ?? null, role: 'USER', createdAt: new Date() });
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

  async usersByIds(ids: readonly string[]) {
    const rows = await this.em.find(User, { id: { $in: [...ids] } });
    return alignByKey(ids, rows.map(toRecord.user), (u) => u.id);
  }

  /** Public rows, the viewer's own, or everything for an admin. */
  private visible<T extends { isPublic: boolean }>(ownerField: string): FilterQuery<T> {
    if (this.viewer?.role === 'ADMIN') return {} as FilterQuery<T>;
    if (!this.viewer) return { isPublic: true } as FilterQuery<T>;
    return { $or: [{ isPublic: true }, { [ownerField]: this.viewer.id }] } as FilterQuery<T>;
  }

  async products({ page, filter, order }: Listing<ProductFilter>) {
    const where: FilterQuery<Product> = {
      $and: [
        this.visible<Product>('ownerId'),
        filter.productType ? { productType: filter.productType } : {},
        filter.supplierId ? { supplierId: filter.supplierId } : {},
        filter.countryCode ? { countryCode: filter.countryCode } : {},
      ],
    };
    const [rows, total] = await this.em.findAndCount(Product, where, {
      orderBy: { createdAt: order, id: order },
      limit: page.limit,
      offset: page.offset,
    });
    return offsetConnection(rows.map(toRecord.product), page, total);
  }

  async productsByIds(ids: readonly string[]) {
    const rows = await this.em.find(Product, { id: { $in: [...ids] } });
    return alignByKey(ids, rows.map(toRecord.product), (p) => p.id);
  }

  async suppliersByIds(ids: readonly string[]) {
    const rows = await this.em.find(Supplier, { id: { $in: [...ids] } });
    return alignByKey(ids, rows.map(toRecord.supplier), (s) => s.id);
  }

  async orders({ page, filter, order }: Listing<OrderFilter>) {
    let productIds: string[] | null = null;
    if (filter.productType) {
      const products = await this.em.find(Product, { productType: filter.productType }, { fields: ['id'] });
      productIds = products.map((p) => p.id);
    }
    const where: FilterQuery<Order> = {
      $and: [
        this.visible<Order>('buyerId'),
        filter.buyerId ? { buyerId: filter.buyerId } : {},
        filter.supplierId ? { supplierId: filter.supplierId } : {},
        filter.isPublic != null ? { isPublic: filter.isPublic } : {},
        productIds ? { productId: { $in: productIds } } : {},
      ],
    };
    const [rows, total] = await this.em.findAndCount(Order, where, {
      orderBy: { createdAt: order, id: order },
      limit: page.limit,
      offset: page.offset,
    });
    return offsetConnection(rows.map(toRecord.order), page, total);
  }

  async ordersByIds(ids: readonly string[]) {
    const rows = await this.em.find(Order, { id: { $in: [...ids] } });
    return alignByKey(ids, rows.map(toRecord.order), (o) => o.id);
  }

  async nftsByIds(ids: readonly string[]) {
    const rows = await this.em.find(Nft, { id: { $in: [...ids] } });
    return alignByKey(ids, rows.map(toRecord.nft), (n) => n.id);
  }
}
