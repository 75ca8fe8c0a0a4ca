// The port of the footprints subgraph: the data operations its resolvers need, in domain types.
// `local/` (MikroORM, the system of record) and `upstream/` (the CarbonCloud Retailer API) implement it.
import type { Connection, ConnectionArgs } from '../../lib/connection.ts';
import type { Decimal } from '../../lib/decimal.ts';

export type LinkedProductStatus = 'CREATED' | 'SENT' | 'DECLINED' | 'ACCEPTED' | 'ACTIVE';
export type ProductSupplierStatus = 'CREATED' | 'INVITED' | 'CONNECTED';
/** A status as read: upstream mode may read one this layer does not know yet (UNKNOWN). */
export type AsRead<T extends string> = T | 'UNKNOWN';
export type FootprintKind = 'FOOTPRINT' | 'BASELINE';

export interface GroupRecord {
  id: string;
  name: string;
}

export interface QuantityValue {
  value: Decimal;
  unit: string;
}

export interface YearlySalesVolumeValue {
  year: number;
  /** Metric tonnes of product. */
  tonnes: Decimal;
}

/** Every field a client sets on a resold product (create sets `groupId` too). */
export interface ResoldProductFields {
  name: string;
  customId: string | null;
  gtin: string | null;
  brandName: string | null;
  description: string | null;
  categories: string[];
  imageUrl: string | null;
  ingredients: string | null;
  alcoholPercentage: Decimal | null;
  packagingMaterial: string | null;
  packagingType: string | null;
  packagingWeight: QuantityValue | null;
  netQuantity: QuantityValue | null;
  pickUpLocation: string;
  productionLocation: string;
  shipToLocation: string;
  /** Ordered by year, one entry per year. */
  yearlySalesVolumes: YearlySalesVolumeValue[];
}

export interface ResoldProductRecord extends ResoldProductFields {
  id: string;
  groupId: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A land-related part of a footprint, kg CO2e per kg of product. */
export interface LandSplitValue {
  landUseChange: Decimal;
  landManagement: Decimal;
  total: Decimal;
}

/** A FLAG emissions breakdown; every amount in kg CO2e per kg of product. */
export interface FootprintRecord {
  resoldProductId: string;
  calculationMethod: string;
  total: Decimal;
  flag: LandSplitValue;
  pds: LandSplitValue;
  packaging: Decimal;
  processing: Decimal;
  storage: Decimal;
  transportation: Decimal;
  other: Decimal;
  embeddedFossilCarbon: Decimal;
  updatedAt: Date;
}

/** An entry of an update feed. */
export interface ChangeRecord {
  resoldProductId: string;
  updatedAt: Date;
}

export interface FeedQuery {
  groupId: string;
  /** Inclusive lower bound, RFC 3339 as the client sent it (sub-second precision kept). */
  since: string | null;
  limit: number;
}

export interface EngagementRecord {
  supplierId: string;
  name: string;
  status: AsRead<LinkedProductStatus>;
}

export interface SupplierPeriodRecord {
  id: string;
  supplierId: string;
  /** YYYY-MM-DD; null when unknown. */
  validFrom: string | null;
  /** YYYY-MM-DD; null while ongoing. */
  validTo: string | null;
}

export interface SupplierPeriodInput {
  id: string | null;
  supplierId: string;
  validFrom: string | null;
  validTo: string | null;
}

export interface ContactValue {
  name: string | null;
  email: string;
}

export interface ProductSupplierRecord {
  id: string;
  groupId: string;
  name: string;
  customId: string | null;
  status: AsRead<ProductSupplierStatus>;
  contacts: ContactValue[];
  createdAt: Date;
  updatedAt: Date;
}

export interface CreateProductSupplierFields {
  groupId: string;
  name: string;
  customId: string | null;
  contacts: ContactValue[];
}

/** Absent fields stay as they are; given contacts replace all contacts. */
export interface ProductSupplierPatch {
  name?: string;
  customId?: string;
  contacts?: ContactValue[];
}

export interface LinkedProductRecord {
  resoldProductId: string;
  name: string;
  status: AsRead<LinkedProductStatus>;
}

/** A product as a batch lookup needs it: the API scopes batches by group. */
export interface ProductRef {
  id: string;
  groupId: string;
}

export interface FootprintsSource {
  groups(): Promise<GroupRecord[]>;

  /** Products of a group ordered by id, starting after `afterId`; up to `limit` rows plus whether more exist. */
  /** A page of a group's products by id: both ways locally, forwards only upstream. */
  resoldProducts(groupId: string, args: ConnectionArgs): Promise<Connection<ResoldProductRecord>>;
  resoldProductsByIds(ids: readonly string[]): Promise<(ResoldProductRecord | null)[]>;
  createResoldProduct(fields: ResoldProductFields & { groupId: string }): Promise<ResoldProductRecord>;
  /** Replaces every field. */
  updateResoldProduct(id: string, fields: ResoldProductFields): Promise<ResoldProductRecord>;
  /** Deletes the product, its supplier periods and its supplier links. */
  deleteResoldProduct(id: string): Promise<void>;

  resoldProductUpdates(feed: FeedQuery): Promise<ChangeRecord[]>;
  footprintUpdates(feed: FeedQuery): Promise<ChangeRecord[]>;
  footprintBaselineUpdates(feed: FeedQuery): Promise<ChangeRecord[]>;

  /** Footprints (or baselines) of many products: one call per group and 256 products. */
  footprints(kind: FootprintKind, products: readonly ProductRef[]): Promise<(FootprintRecord | null)[]>;
  currentSuppliers(productIds: readonly string[]): Promise<(EngagementRecord | null)[]>;
  supplierPeriods(productIds: readonly string[]): Promise<SupplierPeriodRecord[][]>;
  /** Replaces the period history of a product in one transaction (rules already checked). */
  setSupplierPeriods(productId: string, periods: SupplierPeriodInput[]): Promise<SupplierPeriodRecord[]>;

  productSuppliers(groupId: string, customId: string | null): Promise<ProductSupplierRecord[]>;
  productSuppliersByIds(ids: readonly string[]): Promise<(ProductSupplierRecord | null)[]>;
  createProductSupplier(fields: CreateProductSupplierFields): Promise<ProductSupplierRecord>;
  updateProductSupplier(id: string, patch: ProductSupplierPatch): Promise<ProductSupplierRecord>;
  /** Refused (CONFLICT) while the supplier is invited or connected. */
  deleteProductSupplier(id: string): Promise<void>;
  linkedProducts(supplierId: string, statuses: AsRead<LinkedProductStatus>[] | null): Promise<LinkedProductRecord[]>;
  /** Sends data requests and the invitation emails the rules allow. */
  inviteProductSupplier(supplierId: string, productIds: string[]): Promise<void>;
}
