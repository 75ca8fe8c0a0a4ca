// Every connection field of the public schema and how to reach it through the gateway (local
// mode, demo data), shared by the pagination and cursor suites.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, getNamedType, isObjectType } from 'graphql';
import { DEMO } from '../../demo/data.ts';
import { ROOT } from '../../lib/paths.ts';

/** How to reach each connection field: the query around it (`FIELD` is replaced by the field with its arguments). */
export const REACH: Record<string, string> = {
  'Query.products': '{ FIELD }',
  'Query.orders': '{ FIELD }',
  'Query.productOptions': '{ FIELD }',
  'Query.suppliers': '{ FIELD }',
  'Query.supplierOptions': '{ FIELD }',
  'Query.traders': '{ FIELD }',
  'Query.impactPartners': '{ FIELD }',
  'Query.nfts': '{ FIELD }',
  'Query.mintableNfts': '{ FIELD }',
  'Query.bundleOrders': '{ FIELD }',
  'Query.productOrders': '{ FIELD }',
  'Query.mailingList': '{ FIELD }',
  'Query.offsetOrders': '{ FIELD }',
  'Query.paymentTransactions': '{ FIELD }',
  'Query.puroInventory': '{ FIELD }',
  'Query.retirements': '{ FIELD }',
  'Query.creditTypes': '{ FIELD }',
  'Query.productSuppliers': `{ FIELD }`,
  'Query.resoldProducts': `{ FIELD }`,
  'ResoldProduct.offsetOrders': `{ resoldProduct(id: "${DEMO.resoldProducts[0]}") { FIELD } }`,
  'User.orders': '{ me { FIELD } }',
  'User.purchasedOrders': '{ me { FIELD } }',
  'User.nfts': '{ me { FIELD } }',
  'User.paymentTransactions': '{ me { FIELD } }',
  'User.bankAccounts': '{ me { FIELD } }',
  'User.transfers': '{ me { FIELD } }',
  'Order.payments': '{ orders(first: 1) { nodes { FIELD } } }',
  'Supplier.payments': '{ suppliers(first: 1) { nodes { FIELD } } }',
  'Nft.payments': '{ nfts(first: 1) { nodes { FIELD } } }',
  'Organization.inventory': `{ organization(id: "${DEMO.organizations.nordicForest}") { FIELD } }`,
  'Organization.creditRequests': `{ organization(id: "${DEMO.organizations.nordicForest}") { FIELD } }`,
};

/** Arguments a field requires besides the page. */
export const REQUIRED: Record<string, string> = {
  'Query.productSuppliers': `groupId: "${DEMO.groups[0]}"`,
  'Query.resoldProducts': `groupId: "${DEMO.groups[0]}"`,
};

/** Every connection field of the public schema (`Type.field`) with a cursor argument, its connection type, and whether it also pages backwards. */
export function connectionFields(): { coordinate: string; type: string; backwards: boolean }[] {
  const schema = buildSchema(readFileSync(join(ROOT, 'schema', 'api.graphql'), 'utf8'));
  return Object.values(schema.getTypeMap())
    .filter(isObjectType)
    .flatMap((type) =>
      Object.values(type.getFields())
        .filter((f) => getNamedType(f.type).name.endsWith('Connection') && f.args.some((a) => a.name === 'after'))
        .map((f) => ({
          coordinate: `${type.name}.${f.name}`,
          type: getNamedType(f.type).name,
          backwards: f.args.some((a) => a.name === 'before'),
        })),
    );
}

/** The query of one connection field with these page arguments and this selection. */
export function connectionQuery(coordinate: string, args: string, selection: string): string {
  const [, field] = coordinate.split('.');
  const all = [REQUIRED[coordinate], args].filter(Boolean).join(', ');
  return REACH[coordinate]!.replace('FIELD', `${field}(${all}) ${selection}`);
}

export interface Page {
  edges: { cursor: string }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/** The first object in a result that is a connection page. */
export function pageIn(data: unknown): Page | null {
  if (!data || typeof data !== 'object') return null;
  if ('pageInfo' in data) return data as Page;
  for (const value of Object.values(data)) {
    const found = pageIn(value);
    if (found) return found;
  }
  return null;
}
