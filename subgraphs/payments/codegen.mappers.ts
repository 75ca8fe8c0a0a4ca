// GraphQL type -> domain type returned by source.ts (used by codegen.ts).
export const mappers: Record<string, string> = {
  PaymentTransaction: '../source.ts#PaymentTransactionRecord',
  BankAccount: '../source.ts#BankAccountRecord',
  Transfer: '../source.ts#TransferRecord',
  PaymentStats: '../source.ts#PaymentStatsRoot',
  PaymentStatsTotals: '../source.ts#PaymentStatsTotalsRecord',
  QuarterlyPaymentStats: '../source.ts#QuarterlyPaymentStatsRecord',
  PaymentVolume: '../source.ts#PaymentVolumeRecord',
  Money: '../source.ts#MoneyValue',
  User: '../source.ts#EntityRef',
  Order: '../source.ts#EntityRef',
  Supplier: '../source.ts#EntityRef',
  Nft: '../source.ts#EntityRef',
};
