// The port of the marketplace subgraph: the data operations its resolvers need, in domain types.
// `local/` (MikroORM, the system of record) and `upstream/` (the CO2Trust REST API) implement it.
import type { Role, Viewer } from '../../lib/auth.ts';
import type { Connection, ConnectionArgs } from '../../lib/connection.ts';
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
  description: string | null;
  countryCode: string | null;
  methodologyCode: string | null;
  featured: boolean;
  isPublic: boolean;
  createdAt: Date;
}

export interface TraderRecord {
  id: string;
  name: string;
  supplierId: string | null;
  countryCode: string | null;
  isPublic: boolean;
  createdAt: Date;
}

export interface ImpactPartnerRecord {
  id: string;
  name: string;
  description: string | null;
  countryCode: string | null;
  websiteUrl: string | null;
  isPublic: boolean;
  createdAt: Date;
}

/** A ready-made bundle of credits offered for sale; buying from it creates an order. */
export interface BundleOrderRecord {
  id: string;
  name: string;
  /** The BUNDLE product the bundle is sold as. */
  productId: string;
  supplierId: string;
  pricePerTonne: MoneyValue;
  /** Tonnes in the bundle. */
  quantity: Decimal;
  /** Tonnes still for sale. */
  availableQuantity: Decimal;
  isPublic: boolean;
  createdAt: Date;
}

/** One product inside a bundle order, with the tonnes it contributes. */
export interface ProductOrderRecord {
  id: string;
  bundleOrderId: string;
  productId: string;
  quantity: Decimal;
  createdAt: Date;
}

export interface OptionRecord {
  id: string;
  name: string;
  createdAt: Date;
}

export interface MailingListEntryRecord {
  id: string;
  email: string;
  createdAt: Date;
  /** Set on the entry `subscribeToMailingList` answers: shown to the one who just subscribed it. */
  justSubscribed?: boolean;
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
  /** The bundle order it was bought from, if any. */
  bundleOrderId: string | null;
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
  /** Only completed (paid and settled) orders. */
  purchasedOnly?: boolean | null;
}

export interface SupplierFilter {
  featured?: boolean | null;
  countryCode?: string | null;
  methodologyCode?: string | null;
}

export interface TraderFilter {
  supplierId?: string | null;
}

export interface NftFilter {
  /** Only NFTs with tonnes left. */
  availableOnly?: boolean | null;
  /** Only NFTs of this owner. */
  ownerId?: string | null;
  /** Only NFTs no one holds yet, with tonnes left. */
  mintableOnly?: boolean | null;
}

export interface BundleOrderFilter {
  availableOnly?: boolean | null;
}

export interface ProductOrderFilter {
  bundleOrderId?: string | null;
  productId?: string | null;
}

export type NoFilter = Record<string, never>;

/** A purchase of tonnes of a product; `idempotencyKey` makes a retry return the first order. */
export interface CreateOrderInput {
  productId: string;
  quantity: Decimal;
  isPublic: boolean;
  orderHash: string | null;
  idempotencyKey: string | null;
}

export interface CreateBundleOrderInput {
  bundleOrderId: string;
  quantity: Decimal;
  isPublic: boolean;
  idempotencyKey: string | null;
}

export interface SyncOrderResult {
  order: OrderRecord;
  /** False when the order was already in step with its transaction. */
  changed: boolean;
}

export interface ProductInput {
  name?: string;
  description?: string | null;
  productType?: ProductType;
  supplierId?: string;
  countryCode?: string | null;
  vintage?: number | null;
  pricePerTonne?: MoneyValue;
  availableQuantity?: Decimal;
  isPublic?: boolean;
  ownerId?: string | null;
}

export interface SupplierInput {
  name?: string;
  description?: string | null;
  countryCode?: string | null;
  methodologyCode?: string | null;
  featured?: boolean;
  isPublic?: boolean;
}

export interface TraderInput {
  name?: string;
  supplierId?: string | null;
  countryCode?: string | null;
  isPublic?: boolean;
}

export interface ImpactPartnerInput {
  name?: string;
  description?: string | null;
  countryCode?: string | null;
  websiteUrl?: string | null;
  isPublic?: boolean;
}

export interface NftInput {
  name?: string;
  tokenAddress?: string;
  tokenId?: string;
  supplierId?: string | null;
  ownerId?: string | null;
  quantity?: Decimal;
  availableQuantity?: Decimal;
  isPublic?: boolean;
}

/** The catalogue models an admin creates and updates (the upstream's generic upsert models). */
export interface CatalogueModels {
  product: { input: ProductInput; record: ProductRecord };
  supplier: { input: SupplierInput; record: SupplierRecord };
  trader: { input: TraderInput; record: TraderRecord };
  impactPartner: { input: ImpactPartnerInput; record: ImpactPartnerRecord };
  nft: { input: NftInput; record: NftRecord };
}
export type CatalogueModel = keyof CatalogueModels;

export interface Listing<F> {
  /** Relay arguments: keyset cursors in local mode, offset cursors upstream (validated by each source). */
  page: ConnectionArgs;
  filter: F;
  order: SortDirection;
  /** False when the client did not select `totalCount`: the source may skip counting (it is then null). */
  totalCount?: boolean;
}

export interface AuthenticatedUser {
  user: UserRecord;
  /** The upstream API's own token for this user (upstream mode only). */
  upstreamToken?: string;
}

export interface MarketplaceSource {
  /** Finds or creates the user a trusted backend vouches for. */
  authenticate(input: { email: string; name?: string | null }): Promise<AuthenticatedUser>;
  /** By-id lookups answer one entry per id: the record, null (not found) or an Error for that id alone. */
  usersByIds(ids: readonly string[]): Promise<(UserRecord | null)[]>;

  /** Products visible to the viewer (public, own, or all for an admin). */
  products(listing: Listing<ProductFilter>): Promise<Connection<ProductRecord>>;
  productsByIds(ids: readonly string[]): Promise<(ProductRecord | null | Error)[]>;
  suppliersByIds(ids: readonly string[]): Promise<(SupplierRecord | null | Error)[]>;

  /** Orders visible to the viewer (public and own; all for an admin). */
  orders(listing: Listing<OrderFilter>): Promise<Connection<OrderRecord>>;
  ordersByIds(ids: readonly string[]): Promise<(OrderRecord | null | Error)[]>;

  nftsByIds(ids: readonly string[]): Promise<(NftRecord | null | Error)[]>;

  productOptions(listing: Listing<{ productType?: ProductType | null }>): Promise<Connection<OptionRecord>>;
  suppliers(listing: Listing<SupplierFilter>): Promise<Connection<SupplierRecord>>;
  supplierOptions(listing: Listing<NoFilter>): Promise<Connection<OptionRecord>>;
  traders(listing: Listing<TraderFilter>): Promise<Connection<TraderRecord>>;
  tradersByIds(ids: readonly string[]): Promise<(TraderRecord | null | Error)[]>;
  impactPartners(listing: Listing<NoFilter>): Promise<Connection<ImpactPartnerRecord>>;
  impactPartnersByIds(ids: readonly string[]): Promise<(ImpactPartnerRecord | null | Error)[]>;
  /** NFTs visible to the viewer; `ownerId` narrows to one holder's. */
  nfts(listing: Listing<NftFilter>): Promise<Connection<NftRecord>>;
  bundleOrders(listing: Listing<BundleOrderFilter>): Promise<Connection<BundleOrderRecord>>;
  bundleOrdersByIds(ids: readonly string[]): Promise<(BundleOrderRecord | null | Error)[]>;
  productOrders(listing: Listing<ProductOrderFilter>): Promise<Connection<ProductOrderRecord>>;
  productOrdersByIds(ids: readonly string[]): Promise<(ProductOrderRecord | null | Error)[]>;
  /** The products inside each of these bundle orders, in one batch. */
  productOrdersByBundleIds(bundleOrderIds: readonly string[]): Promise<ProductOrderRecord[][]>;

  /** Buys tonnes of a product for the viewer; never sells more than is available. */
  createOrder(input: CreateOrderInput): Promise<OrderRecord>;
  /** Buys tonnes of an available bundle order for the viewer; never sells more than is left. */
  createBundleOrder(input: CreateBundleOrderInput): Promise<OrderRecord>;
  /** Reconciles the order settled by the transaction `orderHash`; null when no order has it. */
  syncOrder(orderHash: string): Promise<SyncOrderResult | null>;

  /** Admin: creates or updates a catalogue record (validated by the caller). */
  createModel<M extends CatalogueModel>(
    model: M,
    input: CatalogueModels[M]['input'],
  ): Promise<CatalogueModels[M]['record']>;
  updateModel<M extends CatalogueModel>(
    model: M,
    id: string,
    input: CatalogueModels[M]['input'],
  ): Promise<CatalogueModels[M]['record'] | null>;

  /** Adds an address to the mailing list; an address already on it returns its entry. */
  subscribeToMailingList(email: string): Promise<MailingListEntryRecord>;
  mailingList(listing: Listing<NoFilter>): Promise<Connection<MailingListEntryRecord>>;
}

/** Everything a source needs to know about the request it serves. */
export interface SourceScope {
  viewer: Viewer | null;
}
