// The API's global ids in tests: fixtures and storage keep local ids, answers carry global ones.
import { DEMO } from '../../demo/data.ts';
import { toGlobalId } from '../../lib/global-id.ts';

export { toGlobalId as gid };

/** The local id inside a global id (`base64url("<Type>:<local id>")`). */
export function localOf(globalId: string): string {
  const text = Buffer.from(globalId, 'base64url').toString('utf8');
  return text.slice(text.indexOf(':') + 1);
}

const all = (type: string, ids: readonly string[]) => ids.map((id) => toGlobalId(type, id));

/** The demo entities by their global ids, as the API answers them (arguments take them too). */
export const DEMO_IDS = {
  users: Object.fromEntries(
    Object.entries(DEMO.users).map(([name, user]) => [name, toGlobalId('User', user.id)]),
  ) as Record<keyof typeof DEMO.users, string>,
  suppliers: all('Supplier', DEMO.suppliers),
  products: all('Product', DEMO.products),
  bundleProduct: toGlobalId('Product', DEMO.bundleProduct),
  orders: all('Order', DEMO.orders),
  nfts: all('Nft', DEMO.nfts),
  offsetOrders: all('OffsetOrder', DEMO.offsetOrders),
  resoldProducts: all('ResoldProduct', DEMO.resoldProducts),
};
