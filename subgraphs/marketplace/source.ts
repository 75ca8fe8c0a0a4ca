// The port of the marketplace subgraph: the data operations its resolvers need, in domain types.
// `local/` (MikroORM, the system of record) and `upstream/` (the CO2Trust REST API) implement it.
import type { Role, Viewer } from '../../lib/auth.ts';
import type { Connection, OffsetPage } from '../../lib/connection.ts';
import type { Decimal } from '../../lib/decimal.ts';

export type ProductType = 'REMOVAL' | 'AVOIDANCE' | 'BUNDLE';
export type OrderStatus = 'PENDING' | 'COMPLETED' | 'CANCELLED';
export type SortDirection = 'ASC' | 'DESC';

export interface MoneyValue {
  amount: Decimal;
  currency: string;
}

export interface UserRecord {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  createdAt: Date;
}

export interface SupplierRecord {
  id: string;
  name: string;
  countryCode: string | null;
  methodologyCode: string | null;
  featured: boolean;
}

export interface ProductRecord {
  id: string;
  name: string;
  description: string | null;
  productType: ProductType;
  supplierId: string;
  countryCode: string | null;
  vintage: number | null;
  pricePerTonne: MoneyValue;
  availableQuantity: Decimal;
  isPublic: boolean;
  ownerId: string | null;
  createdAt: Date;
}

export interface OrderRecord {
  id: string;
  productId: string;
  supplierId: string;
  buyerId: string;
  /** Tonnes. */
  quantity: Decimal;
  unitPrice: MoneyValue;
  totalPrice: MoneyValue;
  status: OrderStatus;
  isPublic: boolean;
  orderHash: string | null;
  createdAt: Date;
}

export interface NftRecord {
  id: string;
  name: string;
  tokenAddress: string;
  tokenId: string;
  supplierId: string | null;
  ownerId: string | null;
  /** Tonnes. */
  quantity: Decimal;
  availableQuantity: Decimal;
  isPublic: boolean;
  createdAt: Date;
}

export interface ProductFilter {
  productType?: ProductType | null;
  supplierId?: string | null;
  countryCode?: string | null;
}

export interface OrderFilter {
  supplierId?: string | null;
  productType?: ProductType | null;
  isPublic?: boolean | null;
  /** Only this buyer's orders. */
  buyerId?: string | null;
}

export interface Listing<F> {
  page: OffsetPage;
  filter: F;
  order: SortDirection;
}

export interface AuthenticatedUser {
  user: UserRecord;
  /** The upstream API's own token for this user (upstream mode only). */
  upstreamToken?: string;
}

export interface MarketplaceSource {
  /** Finds or creates the user a trusted backend vouches for. */
  authenticate(input: { email: string; name?: string | null }): Promise<AuthenticatedUser>;
  usersByIds(ids: readonly string[]): Promise<(UserRecord | null)[]>;

  /** Products visible to the viewer (public, own, or all for an admin). */
  products(listing: Listing<ProductFilter>): Promise<Connection<ProductRecord>>;
  productsByIds(ids: readonly string[]): Promise<(ProductRecord | null)[]>;
  suppliersByIds(ids: readonly string[]): Promise<(SupplierRecord | null)[]>;

  /** Orders visible to the viewer (public and own; all for an admin). */
  orders(listing: Listing<OrderFilter>): Promise<Connection<OrderRecord>>;
  ordersByIds(ids: readonly string[]): Promise<(OrderRecord | null)[]>;

  nftsByIds(ids: readonly string[]): Promise<(NftRecord | null)[]>;
}

/** Everything a source needs to know about the request it serves. */
export interface SourceScope {
  viewer: Viewer | null;
}
