// GraphQL type -> domain type returned by source.ts (used by codegen.ts).
export const mappers = {
  User: '../source.ts#UserRecord',
  Product: '../source.ts#ProductRecord',
  Supplier: '../source.ts#SupplierRecord',
  Order: '../source.ts#OrderRecord',
  NFT: '../source.ts#NftRecord',
  Money: '../source.ts#MoneyValue',
};
