// Marketplace tables. Money is stored in minor units and mass in grams, as integers: exact in
// SQLite and PostgreSQL alike, and safe for conditional `quantity >= ?` updates.
import { defineEntity, p } from '@mikro-orm/core';
import type { Role } from '../../../lib/auth.ts';

export const UserSchema = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.string().primary(),
    email: p.string().unique(),
    name: p.string().nullable(),
    role: p.string().$type<Role>(),
    createdAt: p.datetime(),
  },
});
export class User extends UserSchema.class {}
UserSchema.setClass(User);

export const SupplierSchema = defineEntity({
  name: 'Supplier',
  tableName: 'suppliers',
  properties: {
    id: p.string().primary(),
    name: p.string(),
    description: p.text().nullable(),
    countryCode: p.string().nullable(),
    methodologyCode: p.string().nullable(),
    featured: p.boolean(),
    isPublic: p.boolean(),
    createdAt: p.datetime().index(),
  },
});
export class Supplier extends SupplierSchema.class {}
SupplierSchema.setClass(Supplier);

export const ProductSchema = defineEntity({
  name: 'Product',
  tableName: 'products',
  indexes: [{ properties: ['createdAt'] }],
  properties: {
    id: p.string().primary(),
    name: p.string(),
    description: p.text().nullable(),
    productType: p.string().$type<'REMOVAL' | 'AVOIDANCE' | 'BUNDLE'>(),
    supplierId: p.string().index(),
    countryCode: p.string().nullable(),
    vintage: p.integer().nullable(),
    pricePerTonneMinor: p.bigint().$type<bigint>(),
    currency: p.string(),
    availableGrams: p.bigint().$type<bigint>(),
    isPublic: p.boolean(),
    ownerId: p.string().nullable(),
    createdAt: p.datetime(),
  },
});
export class Product extends ProductSchema.class {}
ProductSchema.setClass(Product);

export const OrderSchema = defineEntity({
  name: 'Order',
  tableName: 'orders',
  indexes: [{ properties: ['buyerId', 'createdAt'] }, { properties: ['createdAt'] }],
  properties: {
    id: p.string().primary(),
    productId: p.string().index(),
    supplierId: p.string().index(),
    buyerId: p.string(),
    quantityGrams: p.bigint().$type<bigint>(),
    unitPriceMinor: p.bigint().$type<bigint>(),
    totalPriceMinor: p.bigint().$type<bigint>(),
    currency: p.string(),
    status: p.string().$type<'PENDING' | 'COMPLETED' | 'CANCELLED'>(),
    isPublic: p.boolean(),
    orderHash: p.string().nullable().unique(),
    bundleOrderId: p.string().nullable(),
    syncedAt: p.datetime().nullable(),
    createdAt: p.datetime(),
  },
});
export class Order extends OrderSchema.class {}
OrderSchema.setClass(Order);

export const NftSchema = defineEntity({
  name: 'Nft',
  tableName: 'nfts',
  uniques: [{ properties: ['tokenAddress', 'tokenId'] }],
  properties: {
    id: p.string().primary(),
    name: p.string(),
    tokenAddress: p.string(),
    tokenId: p.string(),
    supplierId: p.string().nullable(),
    ownerId: p.string().nullable(),
    quantityGrams: p.bigint().$type<bigint>(),
    availableGrams: p.bigint().$type<bigint>(),
    isPublic: p.boolean(),
    createdAt: p.datetime(),
  },
});
export class Nft extends NftSchema.class {}
NftSchema.setClass(Nft);

export const TraderSchema = defineEntity({
  name: 'Trader',
  tableName: 'traders',
  properties: {
    id: p.string().primary(),
    name: p.string(),
    supplierId: p.string().nullable().index(),
    countryCode: p.string().nullable(),
    isPublic: p.boolean(),
    createdAt: p.datetime().index(),
  },
});
export class Trader extends TraderSchema.class {}
TraderSchema.setClass(Trader);

export const ImpactPartnerSchema = defineEntity({
  name: 'ImpactPartner',
  tableName: 'impact_partners',
  properties: {
    id: p.string().primary(),
    name: p.string(),
    description: p.text().nullable(),
    countryCode: p.string().nullable(),
    websiteUrl: p.string().nullable(),
    isPublic: p.boolean(),
    createdAt: p.datetime().index(),
  },
});
export class ImpactPartner extends ImpactPartnerSchema.class {}
ImpactPartnerSchema.setClass(ImpactPartner);

export const BundleOrderSchema = defineEntity({
  name: 'BundleOrder',
  tableName: 'bundle_orders',
  properties: {
    id: p.string().primary(),
    name: p.string(),
    productId: p.string().index(),
    supplierId: p.string(),
    pricePerTonneMinor: p.bigint().$type<bigint>(),
    currency: p.string(),
    quantityGrams: p.bigint().$type<bigint>(),
    availableGrams: p.bigint().$type<bigint>(),
    isPublic: p.boolean(),
    createdAt: p.datetime().index(),
  },
});
export class BundleOrder extends BundleOrderSchema.class {}
BundleOrderSchema.setClass(BundleOrder);

export const ProductOrderSchema = defineEntity({
  name: 'ProductOrder',
  tableName: 'product_orders',
  properties: {
    id: p.string().primary(),
    bundleOrderId: p.string().index(),
    productId: p.string().index(),
    quantityGrams: p.bigint().$type<bigint>(),
    createdAt: p.datetime(),
  },
});
export class ProductOrder extends ProductOrderSchema.class {}
ProductOrderSchema.setClass(ProductOrder);

export const MailingListEntrySchema = defineEntity({
  name: 'MailingListEntry',
  tableName: 'mailing_list',
  properties: {
    id: p.string().primary(),
    email: p.string().unique(),
    createdAt: p.datetime().index(),
  },
});
export class MailingListEntry extends MailingListEntrySchema.class {}
MailingListEntrySchema.setClass(MailingListEntry);

/** One row per (buyer, key): a retried purchase returns the order it first created. */
export const PurchaseIdempotencyKeySchema = defineEntity({
  name: 'PurchaseIdempotencyKey',
  tableName: 'purchase_idempotency_keys',
  uniques: [{ properties: ['ownerId', 'key'] }],
  properties: {
    id: p.string().primary(),
    ownerId: p.string(),
    key: p.string(),
    requestHash: p.string(),
    orderId: p.string(),
    createdAt: p.datetime(),
  },
});
export class PurchaseIdempotencyKey extends PurchaseIdempotencyKeySchema.class {}
PurchaseIdempotencyKeySchema.setClass(PurchaseIdempotencyKey);

/** The catalogue's and orders' tables (the marketplace's full list is ../entities.ts). */
export const localEntities = [
  UserSchema,
  SupplierSchema,
  ProductSchema,
  OrderSchema,
  NftSchema,
  TraderSchema,
  ImpactPartnerSchema,
  BundleOrderSchema,
  ProductOrderSchema,
  MailingListEntrySchema,
  PurchaseIdempotencyKeySchema,
];
