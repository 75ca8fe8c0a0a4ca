// CO2Trust JSON to the marketplace's domain records.
import { dec } from '../../../lib/decimal.ts';
import type { NftRecord, OrderRecord, ProductRecord, SupplierRecord, UserRecord } from '../source.ts';
import type { Co2TrustNft, Co2TrustOrder, Co2TrustProduct, Co2TrustSupplier, Co2TrustUser } from './client.ts';

const upper = <T extends string>(v: string) => v.toUpperCase() as T;

export const fromCo2Trust = {
  user: (u: Co2TrustUser): UserRecord => ({ id: u.id, email: u.email, name: u.name, role: upper(u.role), createdAt: new Date(u.created_at) }),
  supplier: (s: Co2TrustSupplier): SupplierRecord => ({
    id: s.id,
    name: s.name,
    countryCode: s.country_code,
    methodologyCode: s.methodology_code,
    featured: s.featured,
  }),
  product: (p: Co2TrustProduct): ProductRecord => ({
    id: p.id,
    name: p.name,
    description: p.description,
    productType: upper(p.product_type),
    supplierId: p.supplier_id,
    countryCode: p.country_code,
    vintage: p.vintage,
    pricePerTonne: { amount: dec(p.price_per_tonne), currency: p.currency },
    availableQuantity: dec(p.available_quantity),
    isPublic: p.is_public,
    ownerId: p.owner_id,
    createdAt: new Date(p.created_at),
  }),
  order: (o: Co2TrustOrder): OrderRecord => ({
    id: o.id,
    productId: o.product_id,
    supplierId: o.supplier_id,
    buyerId: o.user_id,
    quantity: dec(o.quantity),
    unitPrice: { amount: dec(o.unit_price), currency: o.currency },
    totalPrice: { amount: dec(o.total_price), currency: o.currency },
    status: upper(o.status),
    isPublic: o.is_public,
    orderHash: o.order_hash,
    createdAt: new Date(o.created_at),
  }),
  nft: (n: Co2TrustNft): NftRecord => ({
    id: n.id,
    name: n.name,
    tokenAddress: n.token_address,
    tokenId: n.token_id,
    supplierId: n.supplier_id,
    ownerId: n.owner_id,
    quantity: dec(n.quantity),
    availableQuantity: dec(n.available_quantity),
    isPublic: n.is_public,
    createdAt: new Date(n.created_at),
  }),
};

/** The inverse, used by the contract fake to serve the demo records as CO2Trust would. */
export const toCo2Trust = {
  user: (u: UserRecord): Co2TrustUser => ({ id: u.id, email: u.email, name: u.name, role: u.role === 'ADMIN' ? 'admin' : 'user', created_at: u.createdAt.toISOString() }),
  supplier: (s: SupplierRecord): Co2TrustSupplier => ({ id: s.id, name: s.name, country_code: s.countryCode, methodology_code: s.methodologyCode, featured: s.featured }),
  product: (p: ProductRecord): Co2TrustProduct => ({
    id: p.id,
    name: p.name,
    description: p.description,
    product_type: p.productType.toLowerCase() as Co2TrustProduct['product_type'],
    supplier_id: p.supplierId,
    country_code: p.countryCode,
    vintage: p.vintage,
    price_per_tonne: p.pricePerTonne.amount.toFixed(2),
    currency: p.pricePerTonne.currency,
    available_quantity: p.availableQuantity.toString(),
    is_public: p.isPublic,
    owner_id: p.ownerId,
    created_at: p.createdAt.toISOString(),
  }),
  order: (o: OrderRecord): Co2TrustOrder => ({
    id: o.id,
    product_id: o.productId,
    supplier_id: o.supplierId,
    user_id: o.buyerId,
    quantity: o.quantity.toString(),
    unit_price: o.unitPrice.amount.toFixed(2),
    total_price: o.totalPrice.amount.toFixed(2),
    currency: o.totalPrice.currency,
    status: o.status.toLowerCase() as Co2TrustOrder['status'],
    is_public: o.isPublic,
    order_hash: o.orderHash,
    created_at: o.createdAt.toISOString(),
  }),
  nft: (n: NftRecord): Co2TrustNft => ({
    id: n.id,
    name: n.name,
    token_address: n.tokenAddress,
    token_id: n.tokenId,
    supplier_id: n.supplierId,
    owner_id: n.ownerId,
    quantity: n.quantity.toString(),
    available_quantity: n.availableQuantity.toString(),
    is_public: n.isPublic,
    created_at: n.createdAt.toISOString(),
  }),
};
