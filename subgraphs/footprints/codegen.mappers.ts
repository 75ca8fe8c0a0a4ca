// GraphQL type -> domain type returned by source.ts (used by codegen.ts).
export const mappers: Record<string, string> = {
  Group: '../source.ts#GroupRecord',
  ResoldProduct: '../source.ts#ResoldProductRecord',
  ResoldProductQuantity: '../source.ts#QuantityValue',
  YearlySalesVolume: '../source.ts#YearlySalesVolumeValue',
  ResoldProductChange: '../source.ts#ChangeRecord',
  ProductFootprint: '../source.ts#FootprintRecord',
  FootprintLandSplit: '../source.ts#LandSplitValue',
  ProductSupplierEngagement: '../source.ts#EngagementRecord',
  SupplierPeriod: '../source.ts#SupplierPeriodRecord',
  ProductSupplier: '../source.ts#ProductSupplierRecord',
  ProductSupplierContact: '../source.ts#ContactValue',
  SupplierLinkedProduct: '../source.ts#LinkedProductRecord',
};
