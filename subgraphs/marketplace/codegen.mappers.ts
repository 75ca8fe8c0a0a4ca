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
  OffsetOrder: '../offsets/source.ts#OffsetOrderView',
  OffsetQuote: '../offsets/source.ts#OffsetQuoteView',
  OffsetAllocation: '../offsets/source.ts#OffsetAllocationView',
  ResoldProduct: '../offsets/source.ts#ResoldProductEmissions',
};
