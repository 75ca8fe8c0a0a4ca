// GraphQL type -> domain type returned by source.ts (used by codegen.ts).
export const mappers: Record<string, string> = {
  Organization: '../source.ts#OrganizationRecord',
  Project: '../source.ts#ProjectRecord',
  CarbonCredit: '../source.ts#CarbonCreditRecord',
  CreditHolding: '../source.ts#CreditHoldingRecord',
  SerialRange: '../source.ts#SerialRangeRecord',
  CreditType: '../source.ts#CreditTypeRecord',
  Retirement: '../source.ts#RetirementRecord',
  CreditRequest: '../source.ts#CreditRequestRecord',
  OrganizationMember: '../source.ts#OrganizationMemberRecord',
};
