// The deterministic demo data set of the marketplace, seeded on first start. The CO2Trust
// contract fake serves the same records, so both modes answer alike.
import { DEMO } from '../../../demo/data.ts';
import { dec } from '../../../lib/decimal.ts';
import type { EntityManager } from '../../../lib/db.ts';
import type {
  BundleOrderRecord,
  ImpactPartnerRecord,
  NftRecord,
  OrderRecord,
  ProductOrderRecord,
  ProductRecord,
  SupplierRecord,
  TraderRecord,
  UserRecord,
} from '../source.ts';
import { toRow } from './mapping.ts';
import { BundleOrder, ImpactPartner, Nft, Order, Product, ProductOrder, Supplier, Trader, User } from './entities.ts';

const at = (iso: string) => new Date(iso);
const eur = (amount: string) => ({ amount: dec(amount), currency: 'EUR' });
const {
  users: U,
  suppliers: S,
  products: P,
  orders: O,
  nfts: N,
  tokens: T,
  traders: TR,
  impactPartners: IP,
  bundleOrders: B,
  productOrders: PO,
} = DEMO;

export const demoUsers: UserRecord[] = Object.values(U).map((u, i) => ({
  ...u,
  createdAt: at(`2026-01-0${i + 1}T09:00:00.000Z`),
}));

export const demoSuppliers: SupplierRecord[] = [
  {
    id: S[0],
    name: 'Nordic Forest Carbon',
    description: 'Restores drained boreal peatland forest in northern Sweden.',
    countryCode: 'SE',
    methodologyCode: 'ICR-AFOLU-001',
    featured: true,
    isPublic: true,
    createdAt: at('2026-01-10T10:00:00.000Z'),
  },
  {
    id: S[1],
    name: 'Icelandic Biochar',
    description: 'Turns forestry residues into biochar.',
    countryCode: 'IS',
    methodologyCode: 'PURO-BIOCHAR',
    featured: false,
    isPublic: true,
    createdAt: at('2026-01-11T10:00:00.000Z'),
  },
  {
    id: S[2],
    name: 'Kenya Cookstoves Cooperative',
    description: 'Distributes efficient cookstoves to rural households.',
    countryCode: 'KE',
    methodologyCode: 'GS-TPDDTEC',
    featured: true,
    isPublic: true,
    createdAt: at('2026-01-12T10:00:00.000Z'),
  },
];

export const demoProducts: ProductRecord[] = [
  {
    id: P[0],
    name: 'Boreal Forest Restoration 2021',
    description: 'Ex-post removals from restored boreal forest in Norrbotten.',
    productType: 'REMOVAL',
    supplierId: S[0],
    countryCode: 'SE',
    vintage: 2021,
    pricePerTonne: eur('32.50'),
    availableQuantity: dec('5000'),
    isPublic: true,
    ownerId: null,
    createdAt: at('2026-02-01T08:00:00.000Z'),
  },
  {
    id: P[1],
    name: 'Biochar Carbon Removal 2023',
    description: 'Puro-certified biochar from forestry residues.',
    productType: 'REMOVAL',
    supplierId: S[1],
    countryCode: 'IS',
    vintage: 2023,
    pricePerTonne: eur('145.00'),
    availableQuantity: dec('800'),
    isPublic: true,
    ownerId: null,
    createdAt: at('2026-02-02T08:00:00.000Z'),
  },
  {
    id: P[2],
    name: 'Efficient Cookstoves Kenya 2022',
    description: 'Avoided emissions from improved cookstoves.',
    productType: 'AVOIDANCE',
    supplierId: S[2],
    countryCode: 'KE',
    vintage: 2022,
    pricePerTonne: eur('12.75'),
    availableQuantity: dec('20000'),
    isPublic: true,
    ownerId: null,
    createdAt: at('2026-02-03T08:00:00.000Z'),
  },
  {
    id: P[3],
    name: 'Private Forest Allocation',
    description: 'Reserved allocation for a corporate buyer.',
    productType: 'REMOVAL',
    supplierId: S[0],
    countryCode: 'SE',
    vintage: 2022,
    pricePerTonne: eur('30.00'),
    availableQuantity: dec('250'),
    isPublic: false,
    ownerId: U.alice.id,
    createdAt: at('2026-02-04T08:00:00.000Z'),
  },
  {
    id: DEMO.bundleProduct,
    name: 'Nordic Climate Portfolio',
    description: 'Forest removals and biochar sold together as ready-made bundles.',
    productType: 'BUNDLE',
    supplierId: S[0],
    countryCode: 'SE',
    vintage: 2023,
    pricePerTonne: eur('60.00'),
    availableQuantity: dec('0'),
    isPublic: true,
    ownerId: null,
    createdAt: at('2026-01-31T08:00:00.000Z'),
  },
];

const order = (
  i: number,
  product: ProductRecord,
  buyerId: string,
  tonnes: string,
  status: OrderRecord['status'],
  isPublic: boolean,
  day: number,
): OrderRecord => ({
  id: O[i]!,
  productId: product.id,
  supplierId: product.supplierId,
  buyerId,
  quantity: dec(tonnes),
  unitPrice: product.pricePerTonne,
  totalPrice: { amount: product.pricePerTonne.amount.mul(tonnes), currency: product.pricePerTonne.currency },
  status,
  isPublic,
  orderHash: status === 'COMPLETED' ? `0x${(i + 1).toString(16).padStart(64, 'a')}` : null,
  bundleOrderId: null,
  createdAt: at(`2026-03-${String(day).padStart(2, '0')}T12:00:00.000Z`),
});

export const demoOrders: OrderRecord[] = [
  order(0, demoProducts[0]!, U.alice.id, '10', 'COMPLETED', true, 1),
  order(1, demoProducts[1]!, U.alice.id, '2.5', 'COMPLETED', false, 2),
  order(2, demoProducts[2]!, U.bob.id, '100', 'COMPLETED', true, 3),
  order(3, demoProducts[0]!, U.bob.id, '4', 'PENDING', false, 4),
  order(4, demoProducts[3]!, U.alice.id, '50', 'COMPLETED', false, 5),
];

export const demoNfts: NftRecord[] = [
  {
    id: N[0],
    name: 'Boreal Forest Credit #1',
    ...T[0],
    supplierId: S[0],
    ownerId: U.alice.id,
    quantity: dec('100'),
    availableQuantity: dec('60'),
    isPublic: true,
    createdAt: at('2026-02-10T08:00:00.000Z'),
  },
  {
    id: N[1],
    name: 'Boreal Forest Credit #2',
    ...T[1],
    supplierId: S[0],
    ownerId: U.bob.id,
    quantity: dec('50'),
    availableQuantity: dec('0'),
    isPublic: true,
    createdAt: at('2026-02-11T08:00:00.000Z'),
  },
  {
    id: N[2],
    name: 'Biochar Removal Token #7',
    ...T[2],
    supplierId: S[1],
    ownerId: null,
    quantity: dec('25'),
    availableQuantity: dec('25'),
    isPublic: true,
    createdAt: at('2026-02-12T08:00:00.000Z'),
  },
];

export const demoTraders: TraderRecord[] = [
  {
    id: TR[0],
    name: 'Baltic Carbon Brokers',
    supplierId: S[0],
    countryCode: 'FI',
    isPublic: true,
    createdAt: at('2026-01-20T10:00:00.000Z'),
  },
  {
    id: TR[1],
    name: 'Reykjavik Removal Traders',
    supplierId: S[1],
    countryCode: 'IS',
    isPublic: true,
    createdAt: at('2026-01-21T10:00:00.000Z'),
  },
];

export const demoImpactPartners: ImpactPartnerRecord[] = [
  {
    id: IP[0],
    name: 'Clean Cooking Alliance Kenya',
    description: 'Monitors cookstove use in Kenyan households.',
    countryCode: 'KE',
    websiteUrl: 'https://cleancooking.example',
    isPublic: true,
    createdAt: at('2026-01-25T10:00:00.000Z'),
  },
  {
    id: IP[1],
    name: 'Peatland Rewetting Fund',
    description: 'Finances rewetting of drained peatland.',
    countryCode: 'SE',
    websiteUrl: 'https://peatland.example',
    isPublic: true,
    createdAt: at('2026-01-26T10:00:00.000Z'),
  },
];

export const demoBundleOrders: BundleOrderRecord[] = [
  {
    id: B[0],
    name: 'Nordic Portfolio 100 t',
    productId: DEMO.bundleProduct,
    supplierId: S[0],
    pricePerTonne: eur('60.00'),
    quantity: dec('100'),
    availableQuantity: dec('40'),
    isPublic: true,
    createdAt: at('2026-02-20T08:00:00.000Z'),
  },
  {
    id: B[1],
    name: 'Nordic Portfolio 20 t (sold out)',
    productId: DEMO.bundleProduct,
    supplierId: S[0],
    pricePerTonne: eur('58.00'),
    quantity: dec('20'),
    availableQuantity: dec('0'),
    isPublic: true,
    createdAt: at('2026-02-21T08:00:00.000Z'),
  },
  {
    id: B[2],
    name: 'Nordic Portfolio reserved',
    productId: DEMO.bundleProduct,
    supplierId: S[0],
    pricePerTonne: eur('55.00'),
    quantity: dec('500'),
    availableQuantity: dec('500'),
    isPublic: false,
    createdAt: at('2026-02-22T08:00:00.000Z'),
  },
];

export const demoProductOrders: ProductOrderRecord[] = [
  { id: PO[0], bundleOrderId: B[0], productId: P[0], quantity: dec('70'), createdAt: at('2026-02-20T08:00:00.000Z') },
  { id: PO[1], bundleOrderId: B[0], productId: P[1], quantity: dec('30'), createdAt: at('2026-02-20T08:00:01.000Z') },
  { id: PO[2], bundleOrderId: B[1], productId: P[0], quantity: dec('20'), createdAt: at('2026-02-21T08:00:00.000Z') },
  { id: PO[3], bundleOrderId: B[2], productId: P[0], quantity: dec('500'), createdAt: at('2026-02-22T08:00:00.000Z') },
];

/** Inserts the demo data set into an empty database; does nothing when users exist. */
export async function seedMarketplace(em: EntityManager): Promise<boolean> {
  if ((await em.count(User, {})) > 0) return false;
  for (const u of demoUsers) em.create(User, u);
  for (const s of demoSuppliers) em.create(Supplier, toRow.supplier(s));
  for (const t of demoTraders) em.create(Trader, toRow.trader(t));
  for (const i of demoImpactPartners) em.create(ImpactPartner, toRow.impactPartner(i));
  for (const b of demoBundleOrders) em.create(BundleOrder, toRow.bundleOrder(b));
  for (const po of demoProductOrders) em.create(ProductOrder, toRow.productOrder(po));
  for (const p of demoProducts) em.create(Product, toRow.product(p));
  for (const o of demoOrders) em.create(Order, toRow.order(o));
  for (const n of demoNfts) em.create(Nft, toRow.nft(n));
  await em.flush();
  return true;
}
