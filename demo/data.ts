// Identifiers of the deterministic demo data set. Each subgraph seeds its own database, and the
// contract fakes serve the same records, so one query can follow an order across all four
// domains and tests can assert the same results in local and upstream mode.

/** A stable UUID for the n-th demo record of a kind (kind is 1..15, n is 1..65535). */
export function demoId(kind: number, n: number): string {
  return `de${kind.toString(16).padStart(2, '0')}0000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

export const DEMO = {
  users: {
    admin: { id: demoId(1, 1), email: 'admin@co2trust.example', name: 'Ada Admin', role: 'ADMIN' as const },
    alice: { id: demoId(1, 2), email: 'alice@buyer.example', name: 'Alice Buyer', role: 'USER' as const },
    bob: { id: demoId(1, 3), email: 'bob@buyer.example', name: 'Bob Buyer', role: 'USER' as const },
  },
  suppliers: [demoId(2, 1), demoId(2, 2), demoId(2, 3)],
  products: [demoId(3, 1), demoId(3, 2), demoId(3, 3), demoId(3, 4)],
  orders: [demoId(4, 1), demoId(4, 2), demoId(4, 3), demoId(4, 4), demoId(4, 5)],
  nfts: [demoId(5, 1), demoId(5, 2), demoId(5, 3)],
  organizations: { nordicForest: demoId(6, 1), carbonBuyer: demoId(6, 2), marketplaceOffsets: demoId(6, 3) },
  projects: [demoId(7, 1), demoId(7, 2)],
  groups: [demoId(8, 1), demoId(8, 2)],
  resoldProducts: [demoId(9, 1), demoId(9, 2), demoId(9, 3), demoId(9, 4)],
  traders: [demoId(11, 1), demoId(11, 2)],
  impactPartners: [demoId(12, 1), demoId(12, 2)],
  /** Ready-made bundles of credits for sale, and the products inside them. */
  bundleOrders: [demoId(13, 1), demoId(13, 2), demoId(13, 3)],
  productOrders: [demoId(14, 1), demoId(14, 2), demoId(14, 3), demoId(14, 4)],
  /** A bundle product sold through the bundle orders. */
  bundleProduct: demoId(3, 5),
  /** Offset orders (marketplace); registry retirements reference them by id. */
  offsetOrders: [demoId(10, 1), demoId(10, 2), demoId(10, 3)],
  /** Offset inventory (marketplace): bundles of credits, each from one project. */
  offsetBundles: [demoId(10, 0x2001), demoId(10, 0x2002), demoId(10, 0x2003)],
  /** The offset project that is not a registry demo project (the others are `projects`). */
  offsetProjects: [demoId(10, 0x3001)],
  /** Emission estimates an offset order can be placed for (one order each). */
  emissionEstimates: [demoId(10, 0x1001), demoId(10, 0x1002), demoId(10, 0x1003), demoId(10, 0x1004)],
  /** NFTs are tokenised ICR credits: the token address and id identify the credit. */
  tokens: [
    { tokenAddress: '0x1a2b3c4d5e6f70819203a4b5c6d7e8f901234567', tokenId: '1' },
    { tokenAddress: '0x1a2b3c4d5e6f70819203a4b5c6d7e8f901234567', tokenId: '2' },
    { tokenAddress: '0x9f8e7d6c5b4a39281706f5e4d3c2b1a098765432', tokenId: '7' },
  ],
} as const;
