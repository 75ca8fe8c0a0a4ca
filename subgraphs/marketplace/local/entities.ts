// Marketplace tables. Money is stored in minor units and mass in grams, as integers: exact in
// SQLite and PostgreSQL alike, and safe for conditional `quantity >= ?` updates.
import { defineEntity, p } from '@mikro-orm/core';

export const UserSchema = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.string().primary(),
    email: p.string().unique(),
    name: p.string().nullable(),
    role: p.string().$type<'USER' | 'ADMIN'>(),
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
    countryCode: p.string().nullable(),
    methodologyCode: p.string().nullable(),
    featured: p.boolean(),
    isPublic: p.boolean(),
    createdAt: p.datetime(),
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

export const entities = [UserSchema, SupplierSchema, ProductSchema, OrderSchema, NftSchema];
