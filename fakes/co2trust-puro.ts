// Contract fake of the CO2Trust Puro.earth integration (/puro/*), written from the Puro section of
// ../shared/seeds/000_7aa04813252c030c.txt alone (line numbers below are that file's). It shares
// no code with our client: its wire shapes are its own. Serves the registry's demo Puro inventory,
// retirements and credit types (the records of subgraphs/registry/local/seed.ts).
//
// Routes (all "Auth Required: No"):
//   GET /puro/inventory                               lines 327-341: `order_by` (335),
//       `credit_type_code`, `country_code`, `production_facility_id`, `issuance_id`, `vintage`
//       (336-340), `page`, `size` (341)
//   GET /puro/retirement                              lines 343-350: `page`, `size` (350) only
//   GET /puro/sales-channel-services/v1/credit-types  lines 352-358
//
// Assumptions where the document is silent (each one a choice of this fake, shared with the
// registry README's "Puro assumptions"):
// - Bodies are snake_case JSON; lists answer `{ items, total, page, size, pages }` with a 1-based
//   `page` and `size` 1..100 (default 50); credit types are a plain array sorted by code.
// - An inventory item is `{ id, credit_type_code, quantity, country_code, production_facility_id,
//   production_facility_name, issuance_id, vintage, serial_number_range }` (the filter names of lines
//   336-340 as fields); `quantity` is tonnes as a decimal string, `vintage` a number.
// - A retirement is `{ id, quantity, retired_at, beneficiary_name, retirement_reason, comment,
//   vintage, serial_number_range, offset_order_id }`, newest first; a credit type `{ code, name,
//   description }`.
// - `order_by` is a field name of the item (`vintage`, `quantity`, `credit_type_code`), `-` in front
//   for descending (default `vintage`); any other is 400. Parameters the document does not define
//   are ignored.
import { demoCreditTypes, demoPuroInventory, demoRetirements } from '../subgraphs/registry/local/seed.ts';
import type { UserRecord } from '../subgraphs/marketplace/source.ts';
import { json, problem, type FakeRequest, type FakeRoute } from './harness.ts';
import type { Co2TrustState } from './co2trust.ts';

type Item = (typeof demoPuroInventory)[number];
type Retirement = (typeof demoRetirements)[number];
type CreditType = (typeof demoCreditTypes)[number];

/** The fake's wire shapes (see the assumptions above). */
const wire = {
  item: (i: Item) => ({
    id: i.id,
    credit_type_code: i.creditTypeCode,
    quantity: String(i.quantityTonnes),
    country_code: i.countryCode,
    production_facility_id: i.productionFacilityId,
    production_facility_name: i.productionFacilityName,
    issuance_id: i.issuanceId,
    vintage: i.vintage,
    serial_number_range: i.serialization,
  }),
  retirement: (r: Retirement) => ({
    id: r.id,
    quantity: String(r.amountTonnes),
    retired_at: r.retiredAt.toISOString(),
    beneficiary_name: r.beneficiaryName,
    retirement_reason: r.reason,
    comment: r.comment,
    vintage: r.vintage,
    serial_number_range: r.serialization,
    offset_order_id: r.offsetOrderId,
  }),
  creditType: (t: CreditType) => ({ code: t.code, name: t.name, description: t.description }),
};
export type PuroInventoryItem = ReturnType<typeof wire.item>;

export function puroState() {
  return {
    puroInventory: demoPuroInventory.map(wire.item),
    puroRetirements: demoRetirements.filter((r) => r.registry === 'PURO').map(wire.retirement),
    puroCreditTypes: demoCreditTypes.map(wire.creditType),
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
        const value = (i: PuroInventoryItem) => (field === 'quantity' ? Number(i.quantity) : i[field]);
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
      handler: (req) =>
        window(
          req,
          [...state.puroRetirements].sort((a, b) => b.retired_at.localeCompare(a.retired_at) || (a.id < b.id ? 1 : -1)),
        ),
    },
    {
      method: 'GET',
      path: '/puro/sales-channel-services/v1/credit-types',
      handler: () => json([...state.puroCreditTypes].sort((a, b) => (a.code < b.code ? -1 : 1))),
    },
  ];
}
