// Who may see each object type of payments: the one declaration `enforceAccess` applies on every
// path (lib/access.ts) and the adapters' scopes come from. A new type of the SDL must be declared
// here, or the subgraph does not start.
import { definePolicy } from '../../lib/access.ts';
import type { ResolversParentTypes } from './__generated__/resolvers-types.ts';

const value = { value: true } as const;

export const policy = definePolicy<ResolversParentTypes>({
  // A payment is seen by who paid it, who received it, and admins.
  PaymentTransaction: { object: { see: ['owner', 'admin', 'service'], owner: (t) => [t.payerId, t.payeeId] } },
  BankAccount: { object: { see: ['owner', 'admin', 'service'], owner: (a) => a.userId } },
  Transfer: { object: { see: ['owner', 'admin', 'service'], owner: (t) => t.userId } },
  // Platform-wide totals: public.
  PaymentStats: { object: { see: ['anyone'] } },
  PaymentStatsTotals: value,
  QuarterlyPaymentStats: value,
  PaymentVolume: value,
  // An event of a live update: its payment passes the PaymentTransaction rule, its order the marketplace's.
  OrderPaymentUpdate: value,
  // A user's payment data (its fields here) is the user's own and admins'.
  User: { object: { see: ['owner', 'admin', 'service'], owner: (u) => u.id } },
  // The marketplace owns these and decides who sees them; their payments pass PaymentTransaction's rule.
  Order: { reference: 'marketplace' },
  Supplier: { reference: 'marketplace' },
  Nft: { reference: 'marketplace' },
});
