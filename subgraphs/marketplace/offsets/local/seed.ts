// Demo offset inventory, emission estimates and offset orders, seeded on first start. The
// contract fake of the offset-orders API serves the same records. The demo orders are allocated
// by the real allocation rule from the initial stock; the seeded stock is what they left.
import { DEMO } from '../../../../demo/data.ts';
import type { EntityManager } from '../../../../lib/db.ts';
import { allocateOffsets, minorToDecimal, quoteRecordOf, requestHash, type OffsetBundleStock } from '../allocation.ts';
import type { OffsetOrderRecord, OffsetRequest } from '../source.ts';
import { OffsetAllocation, OffsetBundle, OffsetEmissionEstimate, OffsetOrder } from './entities.ts';
import { toOffsetRow } from './mapping.ts';

const at = (iso: string) => new Date(iso);
const B = DEMO.offsetBundles;
const E = DEMO.emissionEstimates;

const initialStock: OffsetBundleStock[] = [
  {
    id: B[0],
    name: 'Kenya Cookstoves Bundle',
    projectId: DEMO.offsetProjects[0],
    projectName: 'Efficient Cookstoves Kenya',
    pricePerTonneMinor: 1450n,
    currency: 'EUR',
    availableGrams: 300_000_000n,
  },
  {
    id: B[1],
    name: 'Boreal Forest Bundle',
    projectId: DEMO.projects[0],
    projectName: 'Norrbotten Boreal Forest Restoration',
    pricePerTonneMinor: 3250n,
    currency: 'EUR',
    availableGrams: 500_000_000n,
  },
  {
    id: B[2],
    name: 'Biochar Removal Bundle',
    projectId: DEMO.projects[1],
    projectName: 'Icelandic Biochar Carbon Removal',
    pricePerTonneMinor: 14500n,
    currency: 'EUR',
    availableGrams: 200_000_000n,
  },
];

export interface DemoEmissionEstimate {
  id: string;
  description: string;
  massGrams: bigint;
  createdAt: Date;
}

export const demoEmissionEstimates: DemoEmissionEstimate[] = [
  {
    id: E[0],
    description: 'Container shipment Rotterdam to Shanghai',
    massGrams: 12_500_000n,
    createdAt: at('2026-03-20T09:00:00.000Z'),
  },
  {
    id: E[1],
    description: 'Business flights, first quarter',
    massGrams: 3_200_000n,
    createdAt: at('2026-03-21T09:00:00.000Z'),
  },
  {
    id: E[2],
    description: 'Company car fleet 2025',
    massGrams: 48_750_000n,
    createdAt: at('2026-03-22T09:00:00.000Z'),
  },
  {
    id: E[3],
    description: 'Data centre electricity 2025',
    massGrams: 750_000n,
    createdAt: at('2026-03-23T09:00:00.000Z'),
  },
];

interface DemoOrderSpec {
  id: string;
  owner: { id: string; name: string };
  key: string;
  request: OffsetRequest;
  status: OffsetOrderRecord['status'];
  createdAt: Date;
}

const specs: DemoOrderSpec[] = [
  {
    id: DEMO.offsetOrders[0],
    owner: DEMO.users.alice,
    key: 'demo-alice-shipment-offset',
    request: { kind: 'MASS', grams: 10_000_000n, currency: 'EUR' },
    status: 'COMPLETE',
    createdAt: at('2026-04-01T10:00:00.000Z'),
  },
  {
    id: DEMO.offsetOrders[1],
    owner: DEMO.users.bob,
    key: 'demo-bob-budget-offset',
    request: { kind: 'VALUE', maximumMinor: 50_000n, currency: 'EUR' },
    status: 'COMPLETE',
    createdAt: at('2026-04-02T10:00:00.000Z'),
  },
  {
    id: DEMO.offsetOrders[2],
    owner: DEMO.users.alice,
    key: 'demo-alice-fleet-offset',
    request: { kind: 'ESTIMATE', estimateId: E[2], currency: 'EUR' },
    status: 'RETIRING',
    createdAt: at('2026-04-03T10:00:00.000Z'),
  },
];

function buildDemo(): { bundles: OffsetBundleStock[]; orders: OffsetOrderRecord[] } {
  const stock = initialStock.map((b) => ({ ...b }));
  const orders = specs.map((s): OffsetOrderRecord => {
    const r = s.request;
    const demand =
      r.kind === 'ESTIMATE'
        ? {
            kind: 'MASS' as const,
            grams: demoEmissionEstimates.find((e) => e.id === r.estimateId)!.massGrams,
            currency: r.currency,
          }
        : r;
    const allocation = allocateOffsets(stock, demand);
    for (const line of allocation.lines) stock.find((b) => b.id === line.bundleId)!.availableGrams -= line.grams;
    return {
      ...quoteRecordOf(allocation),
      id: s.id,
      ownerId: s.owner.id,
      idempotencyKey: s.key,
      type: r.kind === 'MASS' ? 'BY_MASS' : r.kind === 'VALUE' ? 'BY_VALUE' : 'BY_ESTIMATE',
      status: s.status,
      maximumSpend:
        r.kind === 'VALUE' ? { amount: minorToDecimal(r.maximumMinor, r.currency), currency: r.currency } : null,
      estimateId: r.kind === 'ESTIMATE' ? r.estimateId : null,
      beneficiary: s.owner.name,
      createdAt: s.createdAt,
    };
  });
  return { bundles: stock, orders };
}

const demo = buildDemo();
/** The offset inventory as seeded (after the demo orders). */
export const demoOffsetBundles: OffsetBundleStock[] = demo.bundles;
export const demoOffsetOrders: OffsetOrderRecord[] = demo.orders;
/** Request fingerprints of the demo orders, by order id. */
export const demoOffsetRequestHashes: Record<string, string> = Object.fromEntries(
  specs.map((s) => [s.id, requestHash(s.request)]),
);

/** Inserts the demo offset data into an empty inventory; does nothing when bundles exist. */
export async function seedOffsetOrders(em: EntityManager): Promise<boolean> {
  if ((await em.count(OffsetBundle, {})) > 0) return false;
  const created = at('2026-03-01T08:00:00.000Z');
  for (const b of demoOffsetBundles) em.create(OffsetBundle, { ...b, createdAt: created });
  for (const e of demoEmissionEstimates) em.create(OffsetEmissionEstimate, e);
  for (const o of demoOffsetOrders) {
    const { order, allocations } = toOffsetRow(o, demoOffsetRequestHashes[o.id]!);
    em.create(OffsetOrder, order);
    for (const a of allocations) em.create(OffsetAllocation, a);
  }
  await em.flush();
  return true;
}
