// Who may see each object type of footprints (the retailer's data: every signed-in user of the
// platform): the one declaration `enforceAccess` applies on every path (lib/access.ts). A new
// type of the SDL must be declared here, or the subgraph does not start.
import { definePolicy } from '../../lib/access.ts';
import type { ResolversParentTypes } from './__generated__/resolvers-types.ts';

const value = { value: true } as const;
const signedIn = { object: { see: ['signedIn', 'service'] } } as const;

export const policy = definePolicy<ResolversParentTypes>({
  Group: signedIn,
  ResoldProduct: signedIn,
  ResoldProductChange: signedIn,
  ProductSupplier: signedIn,
  ResoldProductQuantity: value,
  YearlySalesVolume: value,
  ProductFootprint: value,
  FootprintLandSplit: value,
  ProductSupplierEngagement: value,
  SupplierPeriod: value,
  ProductSupplierContact: value,
  SupplierLinkedProduct: value,
});
