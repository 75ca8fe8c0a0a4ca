// The deterministic demo data set of the registry, seeded on first start. The ICR and CO2Trust
// Puro contract fakes serve the same records, so both modes answer alike.
import { randomUUID } from 'node:crypto';
import { DEMO, demoId } from '../../../demo/data.ts';
import type { EntityManager } from '../../../lib/db.ts';
import { DEFAULT_OFFSET_RETIREMENT_REASON, offsetRetirementComment, offsetRetirementFingerprint } from '../rules.ts';
import type { CreditAction, CreditKind, CreditRequestRecord, CreditTypeRecord, ProjectRecord } from '../source.ts';
import {
  Balance,
  Credit,
  CreditRequest,
  CreditType,
  Membership,
  OffsetRetirementKey,
  Organization,
  Project,
  PuroInventoryItem,
  Retirement,
  SERVICE_REQUESTER,
  SerialBlock,
  type BlockStatus,
} from './entities.ts';

// Registry-only demo records use kind 15 of `demoId` (the shared kinds belong to demo/data.ts).
const at = (iso: string) => new Date(iso);
const {
  organizations: ORG,
  users: U,
  projects: P,
  tokens: T,
  offsetOrders: OO,
  offsetBundles: OB,
  offsetProjects: OP,
} = DEMO;

export const demoOrganizations = [
  { id: ORG.nordicForest, name: 'Nordic Forest Carbon AB', createdAt: at('2026-01-05T08:00:00.000Z') },
  { id: ORG.carbonBuyer, name: 'Carbon Buyer Ltd', createdAt: at('2026-01-06T08:00:00.000Z') },
  // The platform's offset inventory: offset orders of the marketplace retire from it.
  { id: ORG.marketplaceOffsets, name: 'Carbon Marketplace Offsets', createdAt: at('2026-01-04T08:00:00.000Z') },
];

/** Platform users who act for an organization (admins read every organization without being members). */
export const demoMemberships = [
  { organizationId: ORG.carbonBuyer, userId: U.alice.id, email: U.alice.email },
  { organizationId: ORG.nordicForest, userId: U.bob.id, email: U.bob.email },
];

export const demoProjects: ProjectRecord[] = [
  {
    id: P[0],
    fullName: 'Boreal Forest Restoration Norrbotten',
    num: '713',
    url: `https://api.carbonregistry.com/projects/${P[0]}`,
    publicUrl: `https://carbonregistry.com/explore/projects/${P[0]}`,
  },
  {
    id: P[1],
    fullName: 'Reykjanes Biochar',
    num: '354',
    url: `https://api.carbonregistry.com/projects/${P[1]}`,
    publicUrl: `https://carbonregistry.com/explore/projects/${P[1]}`,
  },
  {
    id: OP[0],
    fullName: 'Efficient Cookstoves Kenya',
    num: '1021',
    url: `https://api.carbonregistry.com/projects/${OP[0]}`,
    publicUrl: `https://carbonregistry.com/explore/projects/${OP[0]}`,
  },
];

export interface DemoCredit {
  id: string;
  kind: CreditKind;
  tokenId: string;
  tokenAddress: string;
  projectId: string;
  serialPrefix: string;
  serialFirst: bigint;
  vintage: number;
  supplyTonnes: bigint;
  development: boolean;
  createdAt: Date;
}

/** ICR credit ids are `<exAnte|exPost>-<token id>-<token address>`, as in the ICR API. */
export const icrCreditId = (kind: CreditKind, tokenId: string, tokenAddress: string) =>
  `${kind === 'EX_ANTE' ? 'exAnte' : 'exPost'}-${tokenId}-${tokenAddress}`;
const credit = (
  kind: CreditKind,
  token: { tokenAddress: string; tokenId: string },
  projectId: string,
  serialPrefix: string,
  vintage: number,
  supply: bigint,
  development = false,
): DemoCredit => ({
  id: icrCreditId(kind, token.tokenId, token.tokenAddress),
  kind,
  ...token,
  projectId,
  serialPrefix,
  serialFirst: 1n,
  vintage,
  supplyTonnes: supply,
  development,
  createdAt: at(`${vintage}-12-31T00:00:00.000Z`),
});

export const demoCredits: DemoCredit[] = [
  credit('EX_POST', T[0], P[0], 'ICR-SWE-713-2021', 2021, 1000n),
  credit('EX_POST', T[1], P[0], 'ICR-SWE-713-2022', 2022, 500n),
  credit('EX_ANTE', T[2], P[1], 'ICR-ISL-354-2023', 2023, 200n),
  credit(
    'EX_POST',
    { tokenAddress: '0x00000000000000000000000000000000000de001', tokenId: '1' },
    P[0],
    'ICR-SWE-713-2024',
    2024,
    50n,
    true,
  ),
  // The offset inventory (Carbon Marketplace Offsets): cookstoves in two vintages, forest and biochar.
  credit(
    'EX_POST',
    { tokenAddress: '0x5c0ffee000000000000000000000000000001021', tokenId: '1' },
    OP[0],
    'ICR-KEN-1021-2022',
    2022,
    600n,
  ),
  credit(
    'EX_POST',
    { tokenAddress: '0x5c0ffee000000000000000000000000000001021', tokenId: '2' },
    OP[0],
    'ICR-KEN-1021-2023',
    2023,
    400n,
  ),
  credit(
    'EX_POST',
    { tokenAddress: '0x5c0ffee000000000000000000000000000000713', tokenId: '1' },
    P[0],
    'ICR-SWE-713-2023',
    2023,
    1000n,
  ),
  credit(
    'EX_POST',
    { tokenAddress: '0x5c0ffee000000000000000000000000000000354', tokenId: '1' },
    P[1],
    'ICR-ISL-354-2024',
    2024,
    1000n,
  ),
];
const [C1, C2, C3, CDEV, COOK22, COOK23, FOREST23, BIOCHAR24] = demoCredits as [
  DemoCredit,
  DemoCredit,
  DemoCredit,
  DemoCredit,
  DemoCredit,
  DemoCredit,
  DemoCredit,
  DemoCredit,
];
/** The credits of the offset inventory, oldest vintage first per project. */
export const demoOffsetCredits = { cookstoves: [COOK22, COOK23], forest: [FOREST23], biochar: [BIOCHAR24] };

export const demoRetirementIds = {
  icr: [demoId(15, 0x1201), demoId(15, 0x1202), demoId(15, 0x1203), demoId(15, 0x1204), demoId(15, 0x1205)],
  puro: [demoId(15, 0x1301), demoId(15, 0x1302), demoId(15, 0x1303)],
};

export interface DemoBlock {
  creditId: string;
  serialStart: bigint;
  serialEnd: bigint;
  status: BlockStatus;
  organizationId: string | null;
  holderAddress: string | null;
  retirementId: string | null;
}
const block = (
  c: DemoCredit,
  start: bigint,
  end: bigint,
  status: BlockStatus,
  organizationId: string,
  retirementId: string | null = null,
): DemoBlock => ({
  creditId: c.id,
  serialStart: start,
  serialEnd: end,
  status,
  organizationId,
  holderAddress: null,
  retirementId,
});

/** Who holds which serials at the start; every issued serial is in exactly one block. */
export const demoBlocks: DemoBlock[] = [
  block(C1, 1n, 600n, 'HELD', ORG.nordicForest),
  block(C1, 601n, 900n, 'HELD', ORG.carbonBuyer),
  block(C1, 901n, 950n, 'RETIRED', ORG.carbonBuyer, demoRetirementIds.icr[0]),
  block(C1, 951n, 1000n, 'RETIRED', ORG.carbonBuyer, demoRetirementIds.icr[1]),
  block(C2, 1n, 500n, 'HELD', ORG.nordicForest),
  block(C3, 1n, 150n, 'HELD', ORG.carbonBuyer),
  block(C3, 151n, 200n, 'RETIRED', ORG.carbonBuyer, demoRetirementIds.icr[2]),
  block(CDEV, 1n, 50n, 'HELD', ORG.nordicForest),
  block(COOK22, 1n, 10n, 'RETIRED', ORG.marketplaceOffsets, demoRetirementIds.icr[3]),
  block(COOK22, 11n, 45n, 'RETIRED', ORG.marketplaceOffsets, demoRetirementIds.icr[4]),
  block(COOK22, 46n, 600n, 'HELD', ORG.marketplaceOffsets),
  block(COOK23, 1n, 400n, 'HELD', ORG.marketplaceOffsets),
  block(FOREST23, 1n, 1000n, 'HELD', ORG.marketplaceOffsets),
  block(BIOCHAR24, 1n, 1000n, 'HELD', ORG.marketplaceOffsets),
];

export interface DemoRetirement {
  id: string;
  registry: 'ICR' | 'PURO';
  offsetOrderId: string | null;
  beneficiaryName: string;
  reason: string;
  comment: string;
  amountTonnes: bigint;
  vintage: number;
  serialization: string;
  creditId: string | null;
  projectId: string | null;
  organizationId: string | null;
  txId: string | null;
  retiredAt: Date;
}

const txId = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;

/**
 * What the marketplace asked for the completed demo offset orders: whole tonnes of the cookstoves
 * project (rounded up from the grams allocated), keyed `<orderId>:<bundleId>` as it retires them.
 */
export const demoOffsetRetirements = [
  {
    retirementId: demoRetirementIds.icr[3]!,
    offsetOrderId: OO[0],
    projectId: OP[0],
    tonnes: 10n,
    beneficiaryName: U.alice.name,
    reason: DEFAULT_OFFSET_RETIREMENT_REASON,
    idempotencyKey: `${OO[0]}:${OB[0]}`,
  },
  {
    retirementId: demoRetirementIds.icr[4]!,
    offsetOrderId: OO[1],
    projectId: OP[0],
    tonnes: 35n,
    beneficiaryName: U.bob.name,
    reason: DEFAULT_OFFSET_RETIREMENT_REASON,
    idempotencyKey: `${OO[1]}:${OB[0]}`,
  },
].map((r) => ({ ...r, comment: offsetRetirementComment(r.offsetOrderId, r.tonnes, r.idempotencyKey) }));
const [ALICE_OFFSET, BOB_OFFSET] = demoOffsetRetirements as [
  (typeof demoOffsetRetirements)[0],
  (typeof demoOffsetRetirements)[0],
];

export const demoRetirements: DemoRetirement[] = [
  {
    id: demoRetirementIds.icr[0],
    registry: 'ICR',
    offsetOrderId: null,
    beneficiaryName: 'Alice Buyer',
    reason: 'Offsetting business travel 2025',
    comment: 'Offset order 1',
    amountTonnes: 50n,
    vintage: 2021,
    serialization: 'ICR-SWE-713-2021-901-950',
    creditId: C1.id,
    projectId: P[0],
    organizationId: ORG.carbonBuyer,
    txId: txId(1),
    retiredAt: at('2026-03-10T10:00:00.000Z'),
  },
  {
    id: demoRetirementIds.icr[1],
    registry: 'ICR',
    offsetOrderId: null,
    beneficiaryName: 'Carbon Buyer Ltd',
    reason: 'Scope 3 compensation',
    comment: 'Offset order 2',
    amountTonnes: 50n,
    vintage: 2021,
    serialization: 'ICR-SWE-713-2021-951-1000',
    creditId: C1.id,
    projectId: P[0],
    organizationId: ORG.carbonBuyer,
    txId: txId(2),
    retiredAt: at('2026-03-12T10:00:00.000Z'),
  },
  {
    id: demoRetirementIds.icr[2],
    registry: 'ICR',
    offsetOrderId: null,
    beneficiaryName: 'Carbon Buyer Ltd',
    reason: 'Voluntary climate contribution',
    comment: 'Annual retirement',
    amountTonnes: 50n,
    vintage: 2023,
    serialization: 'ICR-ISL-354-2023-151-200',
    creditId: C3.id,
    projectId: P[1],
    organizationId: ORG.carbonBuyer,
    txId: txId(3),
    retiredAt: at('2026-03-05T10:00:00.000Z'),
  },
  {
    id: ALICE_OFFSET.retirementId,
    registry: 'ICR',
    offsetOrderId: OO[0],
    beneficiaryName: ALICE_OFFSET.beneficiaryName,
    reason: ALICE_OFFSET.reason,
    comment: ALICE_OFFSET.comment,
    amountTonnes: 10n,
    vintage: 2022,
    serialization: 'ICR-KEN-1021-2022-1-10',
    creditId: COOK22.id,
    projectId: OP[0],
    organizationId: ORG.marketplaceOffsets,
    txId: txId(4),
    retiredAt: at('2026-04-01T10:05:00.000Z'),
  },
  {
    id: BOB_OFFSET.retirementId,
    registry: 'ICR',
    offsetOrderId: OO[1],
    beneficiaryName: BOB_OFFSET.beneficiaryName,
    reason: BOB_OFFSET.reason,
    comment: BOB_OFFSET.comment,
    amountTonnes: 35n,
    vintage: 2022,
    serialization: 'ICR-KEN-1021-2022-11-45',
    creditId: COOK22.id,
    projectId: OP[0],
    organizationId: ORG.marketplaceOffsets,
    txId: txId(5),
    retiredAt: at('2026-04-02T10:05:00.000Z'),
  },
  {
    id: demoRetirementIds.puro[0],
    registry: 'PURO',
    offsetOrderId: null,
    beneficiaryName: 'Alice Buyer',
    reason: 'Offsetting business travel 2025',
    comment: 'Biochar share of offset order 1',
    amountTonnes: 20n,
    vintage: 2023,
    serialization: 'PURO-C-BIOCHAR-IS-2023-1001-1020',
    creditId: null,
    projectId: null,
    organizationId: null,
    txId: null,
    retiredAt: at('2026-03-11T10:00:00.000Z'),
  },
  {
    id: demoRetirementIds.puro[1],
    registry: 'PURO',
    offsetOrderId: null,
    beneficiaryName: 'Bob Buyer',
    reason: 'Product carbon neutrality',
    comment: 'Offset order 3',
    amountTonnes: 10n,
    vintage: 2022,
    serialization: 'PURO-C-BIOCHAR-FI-2022-501-510',
    creditId: null,
    projectId: null,
    organizationId: null,
    txId: null,
    retiredAt: at('2026-03-15T10:00:00.000Z'),
  },
  {
    id: demoRetirementIds.puro[2],
    registry: 'PURO',
    offsetOrderId: null,
    beneficiaryName: 'Nordic Forest Carbon AB',
    reason: 'Removal portfolio',
    comment: 'Rock weathering pilot',
    amountTonnes: 5n,
    vintage: 2024,
    serialization: 'PURO-C-ROCK-GB-2024-1-5',
    creditId: null,
    projectId: null,
    organizationId: null,
    txId: null,
    retiredAt: at('2026-02-20T10:00:00.000Z'),
  },
];

/** The processed requests that produced the demo holdings. */
export const demoCreditRequests: (Omit<
  CreditRequestRecord,
  'kind' | 'tokenId' | 'tokenAddress' | 'vintage' | 'project' | 'amount' | 'action' | 'state'
> & {
  action: CreditAction;
  state: 'PENDING' | 'PROCESSED' | 'REJECTED';
  amountTonnes: bigint;
  requestedBy: string;
})[] = [
  {
    id: demoId(15, 0x1101),
    action: 'TRANSFER',
    state: 'PROCESSED',
    creditId: C1.id,
    amountTonnes: 400n,
    serialization: 'ICR-SWE-713-2021-601-1000',
    fromOrganizationId: ORG.nordicForest,
    toOrganizationId: ORG.carbonBuyer,
    toAddress: null,
    txId: txId(10),
    retirementId: null,
    retirementReason: null,
    retirementComment: null,
    beneficiaryName: null,
    offsetOrderId: null,
    requestedBy: U.bob.id,
    createdAt: at('2026-03-01T10:00:00.000Z'),
    updatedAt: at('2026-03-01T10:00:00.000Z'),
  },
  ...demoRetirements
    .filter((r) => r.registry === 'ICR')
    .map((r, i) => ({
      id: demoId(15, 0x1102 + i),
      action: 'RETIRE' as const,
      state: 'PROCESSED' as const,
      creditId: r.creditId!,
      amountTonnes: r.amountTonnes,
      serialization: r.serialization,
      fromOrganizationId: r.organizationId!,
      toOrganizationId: null,
      toAddress: null,
      txId: r.txId,
      retirementId: r.id,
      retirementReason: r.reason,
      retirementComment: r.comment,
      beneficiaryName: r.beneficiaryName,
      offsetOrderId: r.offsetOrderId,
      requestedBy: r.organizationId === ORG.marketplaceOffsets ? SERVICE_REQUESTER : U.alice.id,
      createdAt: r.retiredAt,
      updatedAt: r.retiredAt,
    })),
];

export interface DemoPuroItem {
  id: string;
  creditTypeCode: string;
  countryCode: string;
  productionFacilityId: string;
  productionFacilityName: string;
  issuanceId: string;
  vintage: number;
  quantityTonnes: bigint;
  serialization: string;
}
const puro = (
  n: number,
  creditTypeCode: string,
  countryCode: string,
  facility: [string, string],
  issuanceId: string,
  vintage: number,
  quantity: bigint,
  first: number,
): DemoPuroItem => ({
  id: demoId(15, 0x1400 + n),
  creditTypeCode,
  countryCode,
  productionFacilityId: facility[0],
  productionFacilityName: facility[1],
  issuanceId,
  vintage,
  quantityTonnes: quantity,
  serialization: `PURO-${creditTypeCode}-${countryCode}-${vintage}-${first}-${first + Number(quantity) - 1}`,
});
const REYKJANES: [string, string] = ['PF-IS-001', 'Reykjanes Biochar Plant'];
export const demoPuroInventory: DemoPuroItem[] = [
  puro(1, 'C-BIOCHAR', 'IS', REYKJANES, 'ISS-2023-014', 2023, 400n, 1021),
  puro(2, 'C-BIOCHAR', 'FI', ['PF-FI-007', 'Kaskinen Pyrolysis'], 'ISS-2022-031', 2022, 250n, 511),
  puro(3, 'C-ROCK', 'GB', ['PF-GB-002', 'Pennine Rock Weathering'], 'ISS-2024-002', 2024, 120n, 6),
  puro(4, 'C-WOOD', 'SE', ['PF-SE-004', 'Dalarna Timber Construction'], 'ISS-2023-020', 2023, 60n, 1),
  puro(5, 'C-BIOCHAR', 'IS', REYKJANES, 'ISS-2024-003', 2024, 300n, 1),
];

export const demoCreditTypes: CreditTypeRecord[] = [
  { code: 'C-BIOCHAR', name: 'Biochar', description: 'Carbon stored in biochar from pyrolysed biomass.' },
  {
    code: 'C-GEO',
    name: 'Geologically stored carbon',
    description: 'Captured CO2 injected into geological formations.',
  },
  {
    code: 'C-ROCK',
    name: 'Enhanced rock weathering',
    description: 'CO2 mineralised by spreading crushed silicate rock.',
  },
  {
    code: 'C-WOOD',
    name: 'Carbonated materials and wood in construction',
    description: 'Biogenic carbon stored in durable construction materials.',
  },
];

/** Free tonnes per (credit, organization) implied by the demo blocks. */
export function demoBalances(): { creditId: string; organizationId: string; heldTonnes: bigint }[] {
  const sums = new Map<string, { creditId: string; organizationId: string; heldTonnes: bigint }>();
  for (const b of demoBlocks) {
    if (b.status !== 'HELD' || !b.organizationId) continue;
    const key = `${b.creditId}|${b.organizationId}`;
    const row = sums.get(key) ?? { creditId: b.creditId, organizationId: b.organizationId, heldTonnes: 0n };
    row.heldTonnes += b.serialEnd - b.serialStart + 1n;
    sums.set(key, row);
  }
  // Organizations that retired all they held keep a zero balance row: the credit stays known to them.
  for (const b of demoBlocks) {
    const key = `${b.creditId}|${b.organizationId}`;
    if (b.organizationId && !sums.has(key))
      sums.set(key, { creditId: b.creditId, organizationId: b.organizationId, heldTonnes: 0n });
  }
  return [...sums.values()];
}

/** Inserts the demo data set into an empty database; does nothing when organizations exist. */
export async function seedRegistry(em: EntityManager): Promise<boolean> {
  if ((await em.count(Organization, {})) > 0) return false;
  for (const o of demoOrganizations) em.create(Organization, o);
  for (const m of demoMemberships)
    em.create(Membership, {
      id: randomUUID(),
      organizationId: m.organizationId,
      userId: m.userId,
      createdAt: at('2026-01-07T08:00:00.000Z'),
    });
  for (const p of demoProjects) em.create(Project, p);
  for (const c of demoCredits) em.create(Credit, c);
  for (const b of demoBalances()) em.create(Balance, { id: randomUUID(), ...b, reservedTonnes: 0n });
  for (const b of demoBlocks) em.create(SerialBlock, { id: randomUUID(), ...b, requestId: null });
  for (const r of demoRetirements) em.create(Retirement, r);
  for (const r of demoCreditRequests) {
    const { fromOrganizationId, ...rest } = r;
    em.create(CreditRequest, { ...rest, organizationId: fromOrganizationId, reviewedBy: null });
  }
  for (const r of demoOffsetRetirements) {
    em.create(OffsetRetirementKey, {
      id: randomUUID(),
      organizationId: ORG.marketplaceOffsets,
      key: r.idempotencyKey,
      requestHash: offsetRetirementFingerprint(r),
      retirementIds: [r.retirementId],
      createdAt: at('2026-04-01T10:05:00.000Z'),
    });
  }
  for (const i of demoPuroInventory) em.create(PuroInventoryItem, i);
  for (const t of demoCreditTypes) em.create(CreditType, t);
  await em.flush();
  return true;
}
