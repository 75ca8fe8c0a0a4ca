// CarbonCloud JSON to the footprints domain records, and back (the contract fake uses the inverse).
import type { Decimal } from '../../../lib/decimal.ts';
import { decimalOf } from '../rules.ts';
import type {
  EngagementRecord,
  FootprintRecord,
  LandSplitValue,
  LinkedProductRecord,
  LinkedProductStatus,
  ProductSupplierRecord,
  ResoldProductFields,
  ResoldProductRecord,
  SupplierPeriodRecord,
} from '../source.ts';
import type {
  CarbonCloudEngagement,
  CarbonCloudFootprint,
  CarbonCloudLandSplit,
  CarbonCloudLinkStatus,
  CarbonCloudLinkedProduct,
  CarbonCloudProduct,
  CarbonCloudProductBody,
  CarbonCloudSupplier,
  CarbonCloudSupplierPeriod,
} from './client.ts';

const upper = <T extends string>(v: string) => v.toUpperCase() as T;
const orNull = <T>(v: T | null | undefined) => (v === undefined ? null : v);
/** The API's bodies carry numbers; the exact decimal goes out as its nearest JSON number. */
const num = (d: Decimal) => Number(d.toString());
const split = (s: CarbonCloudLandSplit): LandSplitValue => ({
  landUseChange: decimalOf(s.landUseChange),
  landManagement: decimalOf(s.landManagement),
  total: decimalOf(s.total),
});

export const fromCarbonCloud = {
  product: (p: CarbonCloudProduct): ResoldProductRecord => ({
    id: p.id,
    groupId: p.groupId,
    name: p.name,
    customId: orNull(p.customId),
    gtin: orNull(p.gtin),
    brandName: orNull(p.brandName),
    description: orNull(p.description),
    categories: p.categories ?? [],
    imageUrl: orNull(p.imageUrl),
    ingredients: orNull(p.ingredients),
    alcoholPercentage: p.alcoholPercentage == null ? null : decimalOf(p.alcoholPercentage),
    packagingMaterial: orNull(p.packagingMaterial),
    packagingType: orNull(p.packagingType),
    packagingWeight: p.packagingWeightValue != null && p.packagingWeightUnit != null ? { value: decimalOf(p.packagingWeightValue), unit: p.packagingWeightUnit } : null,
    netQuantity: p.productNetQuantityValue != null && p.productNetQuantityUnit != null ? { value: decimalOf(p.productNetQuantityValue), unit: p.productNetQuantityUnit } : null,
    pickUpLocation: p.pickUpLocation,
    productionLocation: p.productionLocation,
    shipToLocation: p.shipToLocation,
    yearlySalesVolumes: Object.entries(p.yearlySalesVolumes ?? {})
      .map(([year, tonnes]) => ({ year: Number(year), tonnes: decimalOf(tonnes) }))
      .sort((a, b) => a.year - b.year),
    createdAt: new Date(p.createdAt),
    updatedAt: new Date(p.updatedAt),
  }),
  footprint: (productId: string, f: CarbonCloudFootprint): FootprintRecord => ({
    resoldProductId: productId,
    calculationMethod: f.calculationMethod,
    total: decimalOf(f.total),
    flag: split(f.flag),
    pds: split(f.pds),
    packaging: decimalOf(f.packaging),
    processing: decimalOf(f.processing),
    storage: decimalOf(f.storage),
    transportation: decimalOf(f.transportation),
    other: decimalOf(f.other),
    embeddedFossilCarbon: decimalOf(f.embeddedFossilCarbon),
    updatedAt: new Date(f.updatedAt),
  }),
  engagement: (e: CarbonCloudEngagement): EngagementRecord => ({ supplierId: e.id, name: e.name, status: upper<LinkedProductStatus>(e.status) }),
  period: (p: CarbonCloudSupplierPeriod): SupplierPeriodRecord => ({ id: p.id, supplierId: p.supplierId, validFrom: orNull(p.validFrom), validTo: orNull(p.validTo) }),
  supplier: (s: CarbonCloudSupplier): ProductSupplierRecord => ({
    id: s.id,
    groupId: s.groupId,
    name: s.name,
    customId: orNull(s.customId),
    status: upper(s.status),
    contacts: s.contacts.map((c) => ({ name: orNull(c.name), email: c.email })),
    createdAt: new Date(s.createdAt),
    updatedAt: new Date(s.updatedAt),
  }),
  linkedProduct: (l: CarbonCloudLinkedProduct): LinkedProductRecord => ({ resoldProductId: l.id, name: l.name, status: upper(l.status) }),
};

/** A body field is left out when the value is absent: the API replaces the product with the body. */
const opt = <T>(v: T | null) => (v === null ? undefined : v);

export const toCarbonCloud = {
  linkStatus: (s: LinkedProductStatus) => s.toLowerCase() as CarbonCloudLinkStatus,
  productBody: (f: ResoldProductFields): CarbonCloudProductBody => ({
    alcoholPercentage: f.alcoholPercentage ? num(f.alcoholPercentage) : undefined,
    brandName: opt(f.brandName),
    categories: f.categories,
    customId: opt(f.customId),
    description: opt(f.description),
    gtin: opt(f.gtin),
    imageUrl: opt(f.imageUrl),
    ingredients: opt(f.ingredients),
    name: f.name,
    packagingMaterial: opt(f.packagingMaterial),
    packagingType: opt(f.packagingType),
    packagingWeightUnit: f.packagingWeight?.unit,
    packagingWeightValue: f.packagingWeight ? num(f.packagingWeight.value) : undefined,
    pickUpLocation: f.pickUpLocation,
    productNetQuantityUnit: f.netQuantity?.unit,
    productNetQuantityValue: f.netQuantity ? num(f.netQuantity.value) : undefined,
    productionLocation: f.productionLocation,
    shipToLocation: f.shipToLocation,
    yearlySalesVolumes: Object.fromEntries(f.yearlySalesVolumes.map((v) => [String(v.year), num(v.tonnes)])),
  }),
  product: (p: ResoldProductRecord): CarbonCloudProduct => ({
    ...toCarbonCloud.productBody(p),
    id: p.id,
    groupId: p.groupId,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  }),
  footprint: (f: FootprintRecord): CarbonCloudFootprint => {
    const s = (v: LandSplitValue): CarbonCloudLandSplit => ({ landUseChange: num(v.landUseChange), landManagement: num(v.landManagement), total: num(v.total) });
    return {
      calculationMethod: f.calculationMethod,
      embeddedFossilCarbon: num(f.embeddedFossilCarbon),
      flag: s(f.flag),
      other: num(f.other),
      packaging: num(f.packaging),
      pds: s(f.pds),
      processing: num(f.processing),
      storage: num(f.storage),
      total: num(f.total),
      transportation: num(f.transportation),
      updatedAt: f.updatedAt.toISOString(),
    };
  },
  supplier: (s: ProductSupplierRecord): CarbonCloudSupplier => ({
    contacts: s.contacts.map((c) => ({ name: c.name, email: c.email })),
    createdAt: s.createdAt.toISOString(),
    customId: s.customId,
    groupId: s.groupId,
    id: s.id,
    name: s.name,
    status: s.status.toLowerCase() as CarbonCloudSupplier['status'],
    updatedAt: s.updatedAt.toISOString(),
  }),
};
