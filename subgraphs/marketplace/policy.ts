// Who may see each object type of the marketplace and the fields narrower than their object: the
// one declaration `enforceAccess` applies on every path (lib/access.ts) and the adapters' scopes
// come from. A new type of the SDL must be declared here, or the subgraph does not start.
import { definePolicy, type ObjectRule } from '../../lib/access.ts';
import type { ResolversParentTypes } from './__generated__/resolvers-types.ts';

const value = { value: true } as const;

/** An offset order: its buyer and admins (also for its certificate download, offsets/certificate-route.ts). */
export const offsetOrderRule: ObjectRule<ResolversParentTypes['OffsetOrder']> = {
  see: ['owner', 'admin', 'service'],
  owner: (o) => o.ownerId,
};

export const policy = definePolicy<ResolversParentTypes>({
  // Personal data: the user themself and admins; to anyone else a user does not exist.
  User: { object: { see: ['owner', 'admin', 'service'], owner: (u) => u.id } },
  Product: {
    object: {
      see: ['owner', 'admin', 'service'],
      owner: (p) => p.ownerId,
      public: { to: 'anyone', when: (p) => p.isPublic },
    },
  },
  Supplier: { object: { see: ['admin', 'service'], public: { to: 'anyone', when: (s) => s.isPublic } } },
  Trader: { object: { see: ['admin', 'service'], public: { to: 'anyone', when: (t) => t.isPublic } } },
  ImpactPartner: { object: { see: ['admin', 'service'], public: { to: 'anyone', when: (p) => p.isPublic } } },
  BundleOrder: { object: { see: ['admin', 'service'], public: { to: 'anyone', when: (b) => b.isPublic } } },
  // A product inside a bundle order, listed with the bundle; the bundle's rule scopes its lists.
  ProductOrder: value,
  // A public order is seen by every signed-in user; its buyer stays the buyer's and admins' (the User rule).
  Order: {
    object: {
      see: ['owner', 'admin', 'service'],
      owner: (o) => o.buyerId,
      public: { to: 'signedIn', when: (o) => o.isPublic },
    },
  },
  Nft: {
    object: {
      see: ['owner', 'admin', 'service'],
      owner: (n) => n.ownerId,
      public: { to: 'anyone', when: (n) => n.isPublic },
    },
  },
  // Admins read the list; the one who just subscribed an address sees its entry in that answer.
  MailingListEntry: {
    object: {
      see: ['admin', 'service'],
      public: {
        to: 'anyone',
        when: (e) => e.justSubscribed === true,
        label: 'the entry answering its own subscription',
      },
    },
  },
  // An id and a name for a picker, listed from products or suppliers under their rules.
  MarketplaceOption: value,
  OffsetOrder: { object: offsetOrderRule },
  // Whole tonnes retired for several buyers: a public registry record that names no buyer.
  OffsetPoolRetirement: { object: { see: ['anyone'] } },
  OffsetQuote: value,
  OffsetAllocation: value,
  OffsetCertificate: value,
  OffsetRetirementShare: value,
  // A step of a live update: seen wherever its order is (the OffsetOrder rule decides on `order`).
  OffsetOrderProgress: value,
  // Footprints owns resold products and decides who sees them; the marketplace adds offset fields.
  ResoldProduct: { reference: 'footprints' },
  ProductFootprint: value,
  YearlySalesVolume: value,
});
