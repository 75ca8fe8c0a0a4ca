// GraphQL type -> domain type returned by source.ts (used by codegen.ts).
export const mappers = {
  User: '../source.ts#UserRecord',
  Product: '../source.ts#ProductRecord',
  Supplier: '../source.ts#SupplierRecord',
  Order: '../source.ts#OrderRecord',
  NFT: '../source.ts#NftRecord',
  Trader: '../source.ts#TraderRecord',
  ImpactPartner: '../source.ts#ImpactPartnerRecord',
  BundleOrder: '../source.ts#BundleOrderRecord',
  ProductOrder: '../source.ts#ProductOrderRecord',
  MarketplaceOption: '../source.ts#OptionRecord',
  MailingListEntry: '../source.ts#MailingListEntryRecord',
  Money: '../source.ts#MoneyValue',
  OffsetOrder: '../offsets/source.ts#OffsetOrderRecord',
  OffsetQuote: '../offsets/source.ts#OffsetQuoteRecord',
  OffsetAllocation: '../offsets/source.ts#OffsetAllocationRecord',
  ResoldProduct: '../offsets/source.ts#ResoldProductEmissions',
};
