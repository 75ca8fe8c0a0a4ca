// Contract fake of the CO2Trust Puro.earth integration (/puro/*), from the Puro section of
// ../shared/seeds/000_7aa04813252c030c.txt. Public endpoints; serves the registry's demo
// Puro inventory, retirements and credit types.
import { demoCreditTypes, demoPuroInventory, demoRetirements } from '../subgraphs/registry/local/seed.ts';
import type { PuroInventoryItemWire } from '../subgraphs/registry/upstream/client.ts';
import { toPuro } from '../subgraphs/registry/upstream/mappers.ts';
import { json, problem, type FakeRequest, type FakeRoute } from './harness.ts';
import type { Co2TrustState } from './co2trust.ts';
import type { UserRecord } from '../subgraphs/marketplace/source.ts';

export function puroState() {
  return {
    puroInventory: demoPuroInventory.map(toPuro.item),
    puroRetirements: demoRetirements.filter((r) => r.registry === 'PURO').map(toPuro.retirement),
    puroCreditTypes: demoCreditTypes.map(toPuro.creditType),
  };
}

const ORDER_FIELDS = ['vintage', 'quantity', 'credit_type_code'] as const;

/** Cuts the `page` (1-based) / `size` window as every CO2Trust list does. */
function window<T>(req: FakeRequest, rows: T[]) {
  const page = Number(req.query.get('page') ?? 1);
  const size = Number(req.query.get('size') ?? 50);
  if (!Number.isInteger(page) || page < 1 || !Number.isInteger(size) || size < 1 || size > 100)
    return problem(400, 'Invalid page or size');
  return json({
    items: rows.slice((page - 1) * size, page * size),
    total: rows.length,
    page,
    size,
    pages: Math.ceil(rows.length / size),
  });
}

export function puroRoutes(state: Co2TrustState, _userOf: (req: FakeRequest) => UserRecord | null): FakeRoute[] {
  return [
    {
      method: 'GET',
      path: '/puro/inventory',
      handler: (req) => {
        const q = req.query;
        const orderBy = q.get('order_by') ?? 'vintage';
        const field = orderBy.replace(/^-/, '') as (typeof ORDER_FIELDS)[number];
        if (!ORDER_FIELDS.includes(field)) return problem(400, `Cannot order by ${orderBy}`);
        const dir = orderBy.startsWith('-') ? -1 : 1;
        const value = (i: PuroInventoryItemWire) => (field === 'quantity' ? Number(i.quantity) : i[field]);
        const rows = state.puroInventory
          .filter(
            (i) =>
              (!q.get('credit_type_code') || i.credit_type_code === q.get('credit_type_code')) &&
              (!q.get('country_code') || i.country_code === q.get('country_code')) &&
              (!q.get('production_facility_id') || i.production_facility_id === q.get('production_facility_id')) &&
              (!q.get('issuance_id') || i.issuance_id === q.get('issuance_id')) &&
              (!q.get('vintage') || String(i.vintage) === q.get('vintage')),
          )
          .sort((a, b) => {
            const x = value(a);
            const y = value(b);
            return (x < y ? -dir : x > y ? dir : 0) || (a.id < b.id ? -1 : 1);
          });
        return window(req, rows);
      },
    },
    {
      method: 'GET',
      path: '/puro/retirement',
      handler: (req) => {
        const orders = req.query.getAll('offset_order_id');
        const rows = state.puroRetirements
          .filter((r) => !orders.length || (r.offset_order_id !== null && orders.includes(r.offset_order_id)))
          .sort((a, b) => b.retired_at.localeCompare(a.retired_at) || (a.id < b.id ? 1 : -1));
        return window(req, rows);
      },
    },
    {
      method: 'GET',
      path: '/puro/sales-channel-services/v1/credit-types',
      handler: () => json([...state.puroCreditTypes].sort((a, b) => (a.code < b.code ? -1 : 1))),
    },
  ];
}
