// Who may see each object type of the registry: the one declaration `enforceAccess` applies on
// every path (lib/access.ts) and the adapters' scopes come from. A new type of the SDL must be
// declared here, or the subgraph does not start.
import { definePolicy, type ObjectRule } from '../../lib/access.ts';
import type { ResolversParentTypes } from './__generated__/resolvers-types.ts';

const value = { value: true } as const;

/** A credit request: its organization's members and admins (who follows the organization's requests live, too). */
export const creditRequestRule: ObjectRule<ResolversParentTypes['CreditRequest']> = {
  see: ['member', 'admin', 'service'],
  organization: (r) => r.fromOrganizationId,
};

export const policy = definePolicy<ResolversParentTypes>({
  // An organization, its holdings and its credit requests: its members and admins only.
  Organization: { object: { see: ['member', 'admin', 'service'], organization: (o) => o.id } },
  CreditHolding: { object: { see: ['member', 'admin', 'service'], organization: (h) => h.organizationId } },
  CreditRequest: { object: creditRequestRule },
  // An event of a live update: its request passes the CreditRequest rule.
  CreditRequestUpdate: value,
  OrganizationMember: { object: { see: ['admin', 'service'] } },
  // The public registry: projects, credits (token-wide), credit types and retirements.
  Project: { object: { see: ['anyone'] } },
  CarbonCredit: { object: { see: ['anyone'] } },
  CreditType: { object: { see: ['anyone'] } },
  Retirement: { object: { see: ['anyone'] } },
  PuroProductionFacility: value,
  SerialRange: value,
  // Entities of other subgraphs (the registry adds fields to some, and answers node/nodes for all):
  // their owner decides who sees them.
  User: { reference: 'marketplace' },
  Product: { reference: 'marketplace' },
  Supplier: { reference: 'marketplace' },
  Order: { reference: 'marketplace' },
  Nft: { reference: 'marketplace' },
  OffsetOrder: { reference: 'marketplace' },
  OffsetPoolRetirement: { reference: 'marketplace' },
  ResoldProduct: { reference: 'footprints' },
});
