// CarbonCloud JSON to the footprints domain records, and back (the contract fake uses the inverse).
import type { Decimal } from '../../../lib/decimal.ts';
import { requestBody } from '../../../lib/upstream-contract.ts';
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
import {
  productBody,
  type CarbonCloudFootprint,
  type CarbonCloudLandSplit,
  type CarbonCloudLinkStatus,
  type CarbonCloudProduct,
  type CarbonCloudProductBody,
  type CarbonCloudSupplier,
  type ParsedEngagement,
  type ParsedFootprint,
  type ParsedLinkedProduct,
  type ParsedPeriod,
  type ParsedProduct,
  type ParsedSupplier,
} from './client.ts';

/** Parsed CarbonCloud answers (CARBONCLOUD_SCHEMAS) to the footprints domain records. */
export const fromCarbonCloud = {
  product: (p: ParsedProduct): ResoldProductRecord => ({
    id: p.id,
    groupId: p.groupId,
    name: p.name,
    customId: p.customId,
    gtin: p.gtin,
    brandName: p.brandName,
    description: p.description,
    categories: p.categories ?? [],
    imageUrl: p.imageUrl,
    ingredients: p.ingredients,
    alcoholPercentage: p.alcoholPercentage,
    packagingMaterial: p.packagingMaterial,
    packagingType: p.packagingType,
    packagingWeight:
      p.packagingWeightValue !== null && p.packagingWeightUnit !== null
        ? { value: p.packagingWeightValue, unit: p.packagingWeightUnit }
        : null,
    netQuantity:
      p.productNetQuantityValue !== null && p.productNetQuantityUnit !== null
        ? { value: p.productNetQuantityValue, unit: p.productNetQuantityUnit }
        : null,
    pickUpLocation: p.pickUpLocation,
    productionLocation: p.productionLocation,
    shipToLocation: p.shipToLocation,
    yearlySalesVolumes: Object.entries(p.yearlySalesVolumes ?? {})
      .map(([year, tonnes]) => ({ year: Number(year), tonnes }))
      .sort((a, b) => a.year - b.year),
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  }),
  footprint: (productId: string, f: ParsedFootprint): FootprintRecord => ({
    resoldProductId: productId,
    calculationMethod: f.calculationMethod,
    total: f.total,
    flag: f.flag,
    pds: f.pds,
    packaging: f.packaging,
    processing: f.processing,
    storage: f.storage,
    transportation: f.transportation,
    other: f.other,
    embeddedFossilCarbon: f.embeddedFossilCarbon,
    updatedAt: f.updatedAt,
  }),
  engagement: (e: ParsedEngagement): EngagementRecord => ({ supplierId: e.id, name: e.name, status: e.status }),
  period: (p: ParsedPeriod): SupplierPeriodRecord => ({
    id: p.id,
    supplierId: p.supplierId,
    validFrom: p.validFrom,
    validTo: p.validTo,
  }),
  supplier: (s: ParsedSupplier): ProductSupplierRecord => ({
    id: s.id,
    groupId: s.groupId,
    name: s.name,
    customId: s.customId,
    status: s.status,
    contacts: s.contacts.map((c) => ({ name: c.name, email: c.email })),
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  }),
  linkedProduct: (l: ParsedLinkedProduct): LinkedProductRecord => ({
    resoldProductId: l.id,
    name: l.name,
    status: l.status,
  }),
};

/** The API's bodies carry numbers; the exact decimal goes out as its nearest JSON number (contract fakes). */
const num = (d: Decimal) => Number(d.toString());

export const toCarbonCloud = {
  linkStatus: (s: LinkedProductStatus) => s.toLowerCase() as CarbonCloudLinkStatus,
  /** The product body (CarbonCloudProductBody), built by its schema: decimals go out as JSON numbers. */
  productBody: (f: ResoldProductFields): CarbonCloudProductBody =>
    requestBody(productBody, {
      alcoholPercentage: f.alcoholPercentage,
      brandName: f.brandName,
      categories: f.categories,
      customId: f.customId,
      description: f.description,
      gtin: f.gtin,
      imageUrl: f.imageUrl,
      ingredients: f.ingredients,
      name: f.name,
      packagingMaterial: f.packagingMaterial,
      packagingType: f.packagingType,
      packagingWeightUnit: f.packagingWeight?.unit,
      packagingWeightValue: f.packagingWeight?.value,
      pickUpLocation: f.pickUpLocation,
      productNetQuantityUnit: f.netQuantity?.unit,
      productNetQuantityValue: f.netQuantity?.value,
      productionLocation: f.productionLocation,
      shipToLocation: f.shipToLocation,
      yearlySalesVolumes: Object.fromEntries(f.yearlySalesVolumes.map((v) => [String(v.year), v.tonnes])),
    }),
  product: (p: ResoldProductRecord): CarbonCloudProduct => ({
    ...toCarbonCloud.productBody(p),
    id: p.id,
    groupId: p.groupId,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  }),
  footprint: (f: FootprintRecord): CarbonCloudFootprint => {
    const s = (v: LandSplitValue): CarbonCloudLandSplit => ({
      landUseChange: num(v.landUseChange),
      landManagement: num(v.landManagement),
      total: num(v.total),
    });
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
