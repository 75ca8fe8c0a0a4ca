// GraphQL type -> domain type returned by source.ts (used by codegen.ts).
export const mappers: Record<string, string> = {};
