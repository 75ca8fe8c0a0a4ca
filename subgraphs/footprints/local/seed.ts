// The deterministic demo data set of the footprints subgraph, seeded on first start. The
// CarbonCloud contract fake serves the same records, so both modes answer alike.
import { DEMO, demoId } from '../../../demo/data.ts';
import { dec } from '../../../lib/decimal.ts';
import type { EntityManager } from '../../../lib/db.ts';
import type {
  FootprintRecord,
  GroupRecord,
  LinkedProductStatus,
  ProductSupplierRecord,
  ProductSupplierStatus,
  ResoldProductRecord,
  SupplierPeriodRecord,
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
import { toRow } from './mapping.ts';

const at = (iso: string) => new Date(iso);
const { groups: G, resoldProducts: P } = DEMO;

/** Product suppliers are a footprints-only record: their ids live here. */
export const DEMO_PRODUCT_SUPPLIERS = [demoId(15, 1), demoId(15, 2), demoId(15, 3)] as const;
const S = DEMO_PRODUCT_SUPPLIERS;
const period = (n: number) => demoId(15, 0x100 + n);

export const demoGroups: GroupRecord[] = [
  { id: G[0], name: 'Nordic Grocery Private Label' },
  { id: G[1], name: 'Coffee and Tea Imports' },
];

const base = {
  brandName: null,
  description: null,
  categories: [] as string[],
  imageUrl: null,
  ingredients: null,
  alcoholPercentage: null,
  packagingMaterial: null,
  packagingType: null,
  packagingWeight: null,
  netQuantity: null,
};

export const demoResoldProducts: ResoldProductRecord[] = [
  {
    ...base,
    id: P[0],
    groupId: G[0],
    name: 'Oat Drink Barista 1 L',
    customId: 'NGP-1001',
    gtin: '07350000000011',
    brandName: 'Nordic Pantry',
    categories: ['Dairy alternatives', 'Oat drinks'],
    ingredients: 'Water, oats 10%, rapeseed oil, salt',
    packagingMaterial: 'Carton',
    packagingType: 'Tetra Brik',
    packagingWeight: { value: dec('0.028'), unit: 'kg' },
    netQuantity: { value: dec('1'), unit: 'l' },
    pickUpLocation: 'Landskrona, SE',
    productionLocation: 'Landskrona, SE',
    shipToLocation: 'Stockholm, SE',
    yearlySalesVolumes: [
      { year: 2024, tonnes: dec('12.005') },
      { year: 2025, tonnes: dec('13.5') },
    ],
    createdAt: at('2025-01-10T08:00:00.000Z'),
    updatedAt: at('2025-06-01T08:00:00.125Z'),
  },
  {
    ...base,
    id: P[1],
    groupId: G[0],
    name: 'Organic Rolled Oats 750 g',
    customId: 'NGP-1002',
    gtin: '07350000000028',
    categories: ['Cereals'],
    netQuantity: { value: dec('0.75'), unit: 'kg' },
    pickUpLocation: 'Järna, SE',
    productionLocation: 'Järna, SE',
    shipToLocation: 'Stockholm, SE',
    yearlySalesVolumes: [{ year: 2025, tonnes: dec('8') }],
    createdAt: at('2025-01-11T08:00:00.000Z'),
    updatedAt: at('2025-06-01T08:00:00.250Z'),
  },
  {
    ...base,
    id: P[2],
    groupId: G[0],
    name: 'Cold-Pressed Rapeseed Oil 1 L',
    customId: 'NGP-1003',
    gtin: null,
    categories: ['Oils'],
    pickUpLocation: 'Kalmar, SE',
    productionLocation: 'Kalmar, SE',
    shipToLocation: 'Gothenburg, SE',
    yearlySalesVolumes: [{ year: 2025, tonnes: dec('4.5025') }],
    createdAt: at('2025-01-12T08:00:00.000Z'),
    updatedAt: at('2025-06-02T10:30:00.000Z'),
  },
  {
    ...base,
    id: P[3],
    groupId: G[1],
    name: 'Arabica Coffee Beans 500 g',
    customId: 'CTI-2001',
    gtin: '7350000000035',
    brandName: 'Andes Roast',
    categories: ['Coffee'],
    netQuantity: { value: dec('0.5'), unit: 'kg' },
    pickUpLocation: 'Helsingborg, SE',
    productionLocation: 'Cusco, PE',
    shipToLocation: 'Malmö, SE',
    yearlySalesVolumes: [{ year: 2025, tonnes: dec('0.96') }],
    createdAt: at('2025-02-01T08:00:00.000Z'),
    updatedAt: at('2025-06-03T09:00:00.000Z'),
  },
];

const footprint = (
  productId: string,
  total: string,
  parts: [string, string, string, string, string, string, string],
  updatedAt: string,
): FootprintRecord => {
  const [flagLuc, flagLm, packaging, processing, storage, transportation, other] = parts.map(dec) as ReturnType<
    typeof dec
  >[];
  const flagTotal = flagLuc!.add(flagLm!);
  return {
    resoldProductId: productId,
    calculationMethod: 'location',
    total: dec(total),
    flag: { landUseChange: flagLuc!, landManagement: flagLm!, total: flagTotal },
    pds: { landUseChange: flagLuc!, landManagement: flagLm!, total: flagTotal },
    packaging: packaging!,
    processing: processing!,
    storage: storage!,
    transportation: transportation!,
    other: other!,
    embeddedFossilCarbon: dec('0.002'),
    updatedAt: at(updatedAt),
  };
};

/** Primary footprints; the coffee has none yet (its supplier has not published). */
export const demoFootprints: FootprintRecord[] = [
  footprint(P[0], '0.35', ['0.02', '0.15', '0.05', '0.06', '0.01', '0.04', '0.02'], '2025-07-01T00:00:00.100Z'),
  footprint(P[1], '0.61', ['0.05', '0.38', '0.04', '0.06', '0.01', '0.05', '0.02'], '2025-07-01T00:00:00.200Z'),
  footprint(P[2], '3.2', ['0.4', '1.9', '0.3', '0.3', '0.02', '0.2', '0.08'], '2025-07-02T00:00:00.000Z'),
];

/** Baselines, modelled from secondary data only. */
export const demoBaselines: FootprintRecord[] = [
  footprint(P[0], '0.42', ['0.03', '0.19', '0.06', '0.07', '0.01', '0.04', '0.02'], '2025-05-01T00:00:00.000Z'),
  footprint(P[1], '0.7', ['0.06', '0.44', '0.05', '0.07', '0.01', '0.05', '0.02'], '2025-05-01T00:00:00.000Z'),
  footprint(P[2], '3.5', ['0.5', '2.0', '0.3', '0.35', '0.02', '0.25', '0.08'], '2025-05-02T00:00:00.000Z'),
  footprint(P[3], '10.1', ['2.5', '5.1', '0.4', '1.2', '0.1', '0.7', '0.1'], '2025-05-03T00:00:00.000Z'),
];

export const demoProductSuppliers: (ProductSupplierRecord & { status: ProductSupplierStatus })[] = [
  {
    id: S[0],
    groupId: G[0],
    name: 'Swedish Oat Mill AB',
    customId: 'SUP-001',
    status: 'INVITED',
    contacts: [
      { name: 'Anna Berg', email: 'anna@oatmill.example' },
      { name: 'Erik Lund', email: 'erik@oatmill.example' },
    ],
    createdAt: at('2025-01-05T08:00:00.000Z'),
    updatedAt: at('2025-03-02T08:00:00.000Z'),
  },
  {
    id: S[1],
    groupId: G[0],
    name: 'Baltic Oilseed Press',
    customId: 'SUP-002',
    status: 'CREATED',
    contacts: [{ name: 'Lena Ek', email: 'lena@oilseed.example' }],
    createdAt: at('2025-01-06T08:00:00.000Z'),
    updatedAt: at('2025-01-06T08:00:00.000Z'),
  },
  {
    id: S[2],
    groupId: G[1],
    name: 'Andes Coffee Growers',
    customId: 'SUP-003',
    status: 'CONNECTED',
    contacts: [{ name: 'María Quispe', email: 'maria@andes.example' }],
    createdAt: at('2025-01-07T08:00:00.000Z'),
    updatedAt: at('2025-04-01T08:00:00.000Z'),
  },
];

export const demoSupplierPeriods: (SupplierPeriodRecord & { productId: string })[] = [
  { id: period(1), productId: P[0], supplierId: S[1], validFrom: '2024-01-01', validTo: '2024-12-31' },
  { id: period(2), productId: P[0], supplierId: S[0], validFrom: '2025-01-01', validTo: null },
  { id: period(3), productId: P[1], supplierId: S[0], validFrom: '2025-03-01', validTo: null },
  { id: period(4), productId: P[2], supplierId: S[1], validFrom: '2025-01-01', validTo: null },
  { id: period(5), productId: P[3], supplierId: S[2], validFrom: '2024-06-01', validTo: null },
];

/** Data requests: one per product and supplier; `current` for the product's current supplier. */
export const demoSupplierLinks: {
  productId: string;
  supplierId: string;
  status: LinkedProductStatus;
  current: boolean;
  updatedAt: Date;
}[] = [
  { productId: P[0], supplierId: S[1], status: 'CREATED', current: false, updatedAt: at('2025-01-06T08:00:00.000Z') },
  { productId: P[0], supplierId: S[0], status: 'SENT', current: true, updatedAt: at('2025-03-02T08:00:00.000Z') },
  { productId: P[1], supplierId: S[0], status: 'DECLINED', current: true, updatedAt: at('2025-03-10T08:00:00.000Z') },
  { productId: P[2], supplierId: S[1], status: 'CREATED', current: true, updatedAt: at('2025-01-06T08:00:00.000Z') },
  { productId: P[3], supplierId: S[2], status: 'ACTIVE', current: true, updatedAt: at('2025-04-01T08:00:00.000Z') },
];

/** Anna was emailed by the first invitation; Erik was added to the supplier later. */
export const demoInvitationEmails = [
  {
    id: demoId(15, 0x200 + 1),
    supplierId: S[0],
    email: 'anna@oatmill.example',
    productIds: [P[0]],
    createdAt: at('2025-03-02T08:00:00.000Z'),
  },
];

/** Inserts the demo data set into an empty database; does nothing when groups exist. */
export async function seedFootprints(em: EntityManager): Promise<boolean> {
  if ((await em.count(Group, {})) > 0) return false;
  for (const g of demoGroups) em.create(Group, g);
  for (const p of demoResoldProducts) {
    em.create(ResoldProduct, {
      id: p.id,
      groupId: p.groupId,
      ...toRow.productFields(p),
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
    });
    for (const v of toRow.volumes(p.id, p)) em.create(SalesVolume, v);
  }
  const groupOf = (productId: string) => demoResoldProducts.find((p) => p.id === productId)!.groupId;
  for (const f of demoFootprints) em.create(Footprint, toRow.footprint('FOOTPRINT', groupOf(f.resoldProductId), f));
  for (const f of demoBaselines) em.create(Footprint, toRow.footprint('BASELINE', groupOf(f.resoldProductId), f));
  for (const s of demoProductSuppliers) {
    em.create(ProductSupplier, {
      id: s.id,
      groupId: s.groupId,
      name: s.name,
      customId: s.customId,
      status: s.status,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
    });
    s.contacts.forEach((c, position) =>
      em.create(SupplierContact, {
        id: `${s.id}:${position}`,
        supplierId: s.id,
        position,
        name: c.name,
        email: c.email,
      }),
    );
  }
  for (const p of demoSupplierPeriods) em.create(SupplierPeriod, p);
  for (const l of demoSupplierLinks) em.create(SupplierLink, { id: `${l.productId}:${l.supplierId}`, ...l });
  for (const e of demoInvitationEmails) em.create(InvitationEmail, { ...e, sentAt: e.createdAt });
  await em.flush();
  return true;
}
