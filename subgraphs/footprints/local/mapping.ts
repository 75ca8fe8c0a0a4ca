// Rows (grams, decimal text) to domain records (decimals) and back.
import { dec, gramsToTonnes, tonnesToGrams } from '../../../lib/decimal.ts';
import type {
  ContactValue,
  FootprintKind,
  FootprintRecord,
  ProductSupplierRecord,
  ResoldProductFields,
  ResoldProductRecord,
  SupplierPeriodRecord,
} from '../source.ts';
import type { Footprint, ProductSupplier, ResoldProduct, SalesVolume, SupplierPeriod } from './entities.ts';

const decOrNull = (v: string | null | undefined) => (v == null ? null : dec(v));
const quantity = (value: string | null | undefined, unit: string | null | undefined) =>
  value != null && unit != null ? { value: dec(value), unit } : null;

const BREAKDOWN_KEYS = [
  'packaging',
  'processing',
  'storage',
  'transportation',
  'other',
  'embeddedFossilCarbon',
] as const;
const SPLIT_KEYS = ['landUseChange', 'landManagement', 'total'] as const;

export const toRecord = {
  product: (p: ResoldProduct, volumes: SalesVolume[]): ResoldProductRecord => ({
    id: p.id,
    groupId: p.groupId,
    name: p.name,
    customId: p.customId ?? null,
    gtin: p.gtin ?? null,
    brandName: p.brandName ?? null,
    description: p.description ?? null,
    categories: p.categories ?? [],
    imageUrl: p.imageUrl ?? null,
    ingredients: p.ingredients ?? null,
    alcoholPercentage: decOrNull(p.alcoholPercentage),
    packagingMaterial: p.packagingMaterial ?? null,
    packagingType: p.packagingType ?? null,
    packagingWeight: quantity(p.packagingWeightValue, p.packagingWeightUnit),
    netQuantity: quantity(p.netQuantityValue, p.netQuantityUnit),
    pickUpLocation: p.pickUpLocation,
    productionLocation: p.productionLocation,
    shipToLocation: p.shipToLocation,
    yearlySalesVolumes: volumes
      .filter((v) => v.productId === p.id)
      .map((v) => ({ year: v.year, tonnes: gramsToTonnes(v.grams) }))
      .sort((a, b) => a.year - b.year),
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  }),
  footprint: (f: Footprint): FootprintRecord => {
    const b = f.breakdown;
    const split = (prefix: 'flag' | 'pds') => ({
      landUseChange: dec(b[`${prefix}.landUseChange`] ?? '0'),
      landManagement: dec(b[`${prefix}.landManagement`] ?? '0'),
      total: dec(b[`${prefix}.total`] ?? '0'),
    });
    return {
      resoldProductId: f.productId,
      calculationMethod: f.calculationMethod,
      total: dec(f.total),
      flag: split('flag'),
      pds: split('pds'),
      packaging: dec(b.packaging ?? '0'),
      processing: dec(b.processing ?? '0'),
      storage: dec(b.storage ?? '0'),
      transportation: dec(b.transportation ?? '0'),
      other: dec(b.other ?? '0'),
      embeddedFossilCarbon: dec(b.embeddedFossilCarbon ?? '0'),
      updatedAt: f.updatedAt,
    };
  },
  supplier: (s: ProductSupplier, contacts: ContactValue[]): ProductSupplierRecord => ({
    id: s.id,
    groupId: s.groupId,
    name: s.name,
    customId: s.customId ?? null,
    status: s.status,
    contacts,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  }),
  period: (p: SupplierPeriod): SupplierPeriodRecord => ({
    id: p.id,
    supplierId: p.supplierId,
    validFrom: p.validFrom ?? null,
    validTo: p.validTo ?? null,
  }),
};

export const toRow = {
  productFields: (f: ResoldProductFields) => ({
    name: f.name,
    customId: f.customId,
    gtin: f.gtin,
    brandName: f.brandName,
    description: f.description,
    categories: f.categories,
    imageUrl: f.imageUrl,
    ingredients: f.ingredients,
    alcoholPercentage: f.alcoholPercentage?.toString() ?? null,
    packagingMaterial: f.packagingMaterial,
    packagingType: f.packagingType,
    packagingWeightValue: f.packagingWeight?.value.toString() ?? null,
    packagingWeightUnit: f.packagingWeight?.unit ?? null,
    netQuantityValue: f.netQuantity?.value.toString() ?? null,
    netQuantityUnit: f.netQuantity?.unit ?? null,
    pickUpLocation: f.pickUpLocation,
    productionLocation: f.productionLocation,
    shipToLocation: f.shipToLocation,
  }),
  volumes: (productId: string, f: ResoldProductFields) =>
    f.yearlySalesVolumes.map((v) => ({
      id: `${productId}:${v.year}`,
      productId,
      year: v.year,
      grams: tonnesToGrams(v.tonnes),
    })),
  footprint: (kind: FootprintKind, groupId: string, f: FootprintRecord) => {
    const breakdown: Record<string, string> = {};
    for (const k of BREAKDOWN_KEYS) breakdown[k] = f[k].toString();
    for (const k of SPLIT_KEYS) {
      breakdown[`flag.${k}`] = f.flag[k].toString();
      breakdown[`pds.${k}`] = f.pds[k].toString();
    }
    return {
      id: `${kind}:${f.resoldProductId}`,
      kind,
      productId: f.resoldProductId,
      groupId,
      calculationMethod: f.calculationMethod,
      total: f.total.toString(),
      breakdown,
      updatedAt: f.updatedAt,
    };
  },
};
