// Footprints tables. Sales volumes are integer grams; footprint intensities (kg CO2e per kg) and
// product decimals are exact decimal text, never binary floats.
import { defineEntity, p } from '@mikro-orm/core';

export const GroupSchema = defineEntity({
  name: 'Group',
  tableName: 'product_groups',
  properties: {
    id: p.string().primary(),
    name: p.string(),
  },
});
export class Group extends GroupSchema.class {}
GroupSchema.setClass(Group);

export const ResoldProductSchema = defineEntity({
  name: 'ResoldProduct',
  tableName: 'resold_products',
  indexes: [{ properties: ['groupId', 'id'] }, { properties: ['groupId', 'updatedAt'] }],
  properties: {
    id: p.string().primary(),
    groupId: p.string(),
    name: p.string(),
    customId: p.string().nullable(),
    gtin: p.string().length(14).nullable(),
    brandName: p.string().nullable(),
    description: p.text().nullable(),
    categories: p.json<string[]>(),
    imageUrl: p.text().nullable(),
    ingredients: p.text().nullable(),
    alcoholPercentage: p.string().nullable(),
    packagingMaterial: p.string().nullable(),
    packagingType: p.string().nullable(),
    packagingWeightValue: p.string().nullable(),
    packagingWeightUnit: p.string().nullable(),
    netQuantityValue: p.string().nullable(),
    netQuantityUnit: p.string().nullable(),
    pickUpLocation: p.string(),
    productionLocation: p.string(),
    shipToLocation: p.string(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export class ResoldProduct extends ResoldProductSchema.class {}
ResoldProductSchema.setClass(ResoldProduct);

export const SalesVolumeSchema = defineEntity({
  name: 'SalesVolume',
  tableName: 'resold_product_sales_volumes',
  uniques: [{ properties: ['productId', 'year'] }],
  properties: {
    /** `<product id>:<year>`. */
    id: p.string().primary(),
    productId: p.string(),
    year: p.integer(),
    grams: p.bigint().$type<bigint>(),
  },
});
export class SalesVolume extends SalesVolumeSchema.class {}
SalesVolumeSchema.setClass(SalesVolume);

export const FootprintSchema = defineEntity({
  name: 'Footprint',
  tableName: 'footprints',
  indexes: [{ properties: ['kind', 'groupId', 'updatedAt'] }],
  properties: {
    /** `<kind>:<product id>`: one footprint and one baseline per product. */
    id: p.string().primary(),
    kind: p.string().$type<'FOOTPRINT' | 'BASELINE'>(),
    productId: p.string().index(),
    groupId: p.string(),
    calculationMethod: p.string(),
    total: p.string(),
    /** Every other amount of the breakdown, as decimal strings. */
    breakdown: p.json<Record<string, string>>(),
    updatedAt: p.datetime(),
  },
});
export class Footprint extends FootprintSchema.class {}
FootprintSchema.setClass(Footprint);

export const ProductSupplierSchema = defineEntity({
  name: 'ProductSupplier',
  tableName: 'product_suppliers',
  indexes: [{ properties: ['groupId', 'name'] }],
  properties: {
    id: p.string().primary(),
    groupId: p.string(),
    name: p.string(),
    customId: p.string().nullable(),
    status: p.string().$type<'CREATED' | 'INVITED' | 'CONNECTED'>(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export class ProductSupplier extends ProductSupplierSchema.class {}
ProductSupplierSchema.setClass(ProductSupplier);

export const SupplierContactSchema = defineEntity({
  name: 'SupplierContact',
  tableName: 'product_supplier_contacts',
  uniques: [{ properties: ['supplierId', 'email'] }],
  properties: {
    id: p.string().primary(),
    supplierId: p.string(),
    /** Order in which the retailer listed the contacts. */
    position: p.integer(),
    name: p.string().nullable(),
    email: p.string(),
  },
});
export class SupplierContact extends SupplierContactSchema.class {}
SupplierContactSchema.setClass(SupplierContact);

export const SupplierPeriodSchema = defineEntity({
  name: 'SupplierPeriod',
  tableName: 'supplier_periods',
  properties: {
    id: p.string().primary(),
    productId: p.string().index(),
    supplierId: p.string().index(),
    /** YYYY-MM-DD (text compares in date order). */
    validFrom: p.string().length(10).nullable(),
    validTo: p.string().length(10).nullable(),
  },
});
export class SupplierPeriod extends SupplierPeriodSchema.class {}
SupplierPeriodSchema.setClass(SupplierPeriod);

export const SupplierLinkSchema = defineEntity({
  name: 'SupplierLink',
  tableName: 'product_supplier_links',
  uniques: [{ properties: ['productId', 'supplierId'] }],
  indexes: [{ properties: ['supplierId', 'current'] }],
  properties: {
    /** `<product id>:<supplier id>`: the data request of one supplier for one product. */
    id: p.string().primary(),
    productId: p.string().index(),
    supplierId: p.string(),
    status: p.string().$type<'CREATED' | 'SENT' | 'DECLINED' | 'ACCEPTED' | 'ACTIVE'>(),
    /** True for the product's current supplier (its current period). */
    current: p.boolean(),
    updatedAt: p.datetime(),
  },
});
export class SupplierLink extends SupplierLinkSchema.class {}
SupplierLinkSchema.setClass(SupplierLink);

/** The outbox of invitation emails: one per supplier contact, ever (the unique key says so). */
export const InvitationEmailSchema = defineEntity({
  name: 'InvitationEmail',
  tableName: 'invitation_emails',
  uniques: [{ properties: ['supplierId', 'email'] }],
  properties: {
    id: p.string().primary(),
    supplierId: p.string(),
    email: p.string(),
    /** Products the invitation asked about. */
    productIds: p.json<string[]>(),
    createdAt: p.datetime(),
    /** Set by the mail relay once delivered; null while waiting in the outbox. */
    sentAt: p.datetime().nullable(),
  },
});
export class InvitationEmail extends InvitationEmailSchema.class {}
InvitationEmailSchema.setClass(InvitationEmail);

export const entities = [
  GroupSchema,
  ResoldProductSchema,
  SalesVolumeSchema,
  FootprintSchema,
  ProductSupplierSchema,
  SupplierContactSchema,
  SupplierPeriodSchema,
  SupplierLinkSchema,
  InvitationEmailSchema,
];
