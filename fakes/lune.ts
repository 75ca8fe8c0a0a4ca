// Contract fake of Lune's offset-orders API, written from Lune's public definition alone: the
// routes of ../shared/seeds/003_9549a42cdd81ffd8.txt, with every shape, enum, nullability and error
// code taken from lune-climate/lune-docs `static/openapi.yml` (the version stored at commit
// 0072060e8721e74fb6500bc8d37fa877e51651c1) and the generated models of lune-climate/lune-ts
// `src/models/`. It shares no code with our client.
//
// What each route follows (line ranges of that openapi.yml; lune-ts model files):
// - Every route: `security: BearerAuth` (2615-2629); errors are `ErrorResponse`
//   `{ error: Error, errors: [Error] }`, `Error { error_code, message }` and its error-code enum
//   (2828-2901; ErrorResponse.ts, Error.ts); the `NotFound`, `TooManyRequests` and
//   `UnsupportedMediaType` responses have no body, `BadRequest`, `Unauthorized` and `Conflict` an
//   ErrorResponse (2655-2693).
// - POST /orders/by-mass (881-912): body `CreateOrderByQuantityRequest`, oneOf
//   `…WithBundlePercentage` { mass, idempotency_key, bundle_selection, metadata, quantity_trunc } or
//   `…WithBundleMass` { bundle_masses, idempotency_key, metadata, quantity_trunc } (2952-3026), with
//   `Mass` / `MassUnit` (2713-2732), `BundleSelectionRequest`, `BundlePercentageRequest`, the default
//   `BundleSelection` and `BundleMass` (3107-3194), `Metadata` (7088-7097)
//   (CreateOrderByQuantityRequest.ts, CreateOrderByQuantityWithBundlePercentage.ts,
//   CreateOrderByQuantityWithBundleMass.ts, Mass.ts, MassUnit.ts, BundleSelectionRequest.ts,
//   BundlePercentageRequest.ts, BundleMass.ts, Metadata.ts); answers `OrderByQuantity` (3420-3482).
// - POST /orders/by-value (913-944): body `CreateOrderByValueRequest` (3045-3078;
//   CreateOrderByValueRequest.ts); answers `OrderByValue` (3483-3545).
// - POST /orders/by-estimate (945-976): body `CreateOrderByEstimateRequest` (3079-3106;
//   CreateOrderByEstimateRequest.ts); answers `OrderByEstimate` (3546-3571).
// - Every order: `OrderBase` (3229-3419: required fields, nullability, the `type` and `status` enums,
//   when bundles, projects and certificate are set) and `Order` (3572-3592), with `OrderProject`
//   (3593-3653) and `OrderBundle` (3654-3712) (OrderBase.ts, OrderByQuantity.ts, OrderByValue.ts,
//   OrderByEstimate.ts, Order.ts, OrderProject.ts, OrderBundle.ts).
// - GET /orders (977-1010): `LimitPagination` (`limit`, a string `^\d+$` between 1 and 100, default
//   '10') and `AfterPagination` (`after`, an order id) (2631-2654), the `offset_link_id` filter;
//   answers `PaginatedOrders` { has_more, data } newest first (3713-3740; PaginatedOrders.ts).
// - GET /orders/{id} (1011-1038) and GET /orders/by-idempotency-key/{idempotency_key} (1068-1098):
//   an `Order`, or 404 `NotFound`.
// - GET /orders/{id}/certificate (1039-1067): `application/pdf`; BearerAuth or `AccessToken`, the API
//   key in the `access_token` query parameter (2615-2629).
// - POST /orders/by-mass/quote and POST /orders/by-value/quote (1099-1168): bodies
//   `OrderQuoteByQuantityRequest` (2902-2951) and `OrderQuoteByValueRequest` (3027-3044); answers
//   `OrderQuoteByQuantity` / `OrderQuoteByValue` on `OrderQuoteBase` (3741-3874; OrderQuoteBase.ts,
//   OrderQuoteByQuantity.ts, OrderQuoteByValue.ts, OrderQuoteByQuantityRequest.ts,
//   OrderQuoteByValueRequest.ts).
// - GET /accounts/me (operation getAccount; lune-ts services/AccountsService.ts): the `Account` the
//   caller acts for (`Lune-Account` selects a client account), with `AccountBase` fields.
// - Accounts: `AccountBase.currency` (4456-4512) and the `Lune-Account` header of `ClientAccount`
//   (7460-7487) (AccountBase.ts, ClientAccount.ts); bundle prices per tonne, net and gross, in the
//   account currency, and `available_quantity`, from `BundleSummary` (3890-4003; BundleSummary.ts).
//   Test and live API keys see their own orders (the seed's list route).
//
// Assumptions where the definition is silent (each one is a choice of this fake, not Lune's word):
// - Paths are served at the root, as the seed lists them (Lune's server is https://api.lune.co/v1).
// - Two API keys, live and test; each acts for its default account (USD) and one client account
//   (EUR) of the same type. A missing or unknown key, or a `Lune-Account` naming no account of the
//   key, is 401 `unauthorised` on every route (the GET routes list no 401, but share the security).
// - Idempotency: the key is a string of 1..100 characters (maxLength 100; the empty key is refused
//   because it could never be looked up by path; null is refused as the request schema is not
//   nullable). It is unique per account: the same key with the same request (route and body)
//   answers 200 with the current state of the first order, creating nothing; with a different
//   request it is 409 `order_idempotency_already_exists`.
// - A new order is `received` (every amount, bundles, projects and certificate null). It becomes
//   `placed` (bundles, quantity and costs set) on the next read (GET by id, by key or the list), or
//   through `setOrderStatus`; `paid` changes nothing visible; `retiring` adds projects with status
//   `allocated`; `complete` marks them `retired` and sets `certificate`. `cancelled` and `failed` keep
//   what was set. `payment_method`, `public_certificate_url`, `offset_link_id` and `email` stay null
//   (no offset links, no sustainability page); `metadata` defaults to {}.
// - Pricing: bundle quantities are truncated to `quantity_trunc` (default `g`: 6 decimals of a tonne;
//   `kg` 3, `t` 0); bundles whose share truncates to zero are left out; a bundle's `offset_cost` is
//   quantity × unit_price rounded half up to cents; the order's `offset_cost` is their sum,
//   `commission` is offset_cost / 9 rounded half up (10 % of the total) and `total_cost` their sum.
//   By value, `value` is the maximum total inclusive of commission and the quantity is the largest
//   whose total fits. A selection's percentages split the quantity (not the value).
//   `insufficient_available_quantity` is null for a bundle of unlimited supply, else whether the
//   bundle's `available_quantity` is below the quantity (the order is still accepted).
// - Without `bundle_selection` the account's selection is used: 95 % forests, 5 % ocean removal.
//   A selection must give `percentage` for all or none of its bundles (else
//   `bundle_selection_ratios_invalid_format`), percentages must add up to 100 (else
//   `bundle_selection_ratios_invalid`), an unknown bundle is `bundle_id_invalid`; all are 400.
// - A quantity that truncates to zero is 409 `order_quantity_invalid` (orders and quotes); any other
//   malformed body (wrong type, bad pattern, unknown unit, both or neither of `mass` and
//   `bundle_masses`, non-JSON) is 400 `validation_error`. A POST whose content type is not
//   `application/json` is 415 without a body.
// - By estimate: an estimate id unknown to the account is 400 `estimate_not_found`; a second order for
//   the same estimate is 409 `estimate_order_already_placed`. Orders by estimate have type `quantity`.
//   Estimates are seeded (`LUNE_ESTIMATES`) or added with `addEstimate`.
// - A suspended account (`suspendAccount`) answers order creation with 409 `account_suspended`.
// - `after` naming no order of the account is 400 `validation_error`; `limit` outside 1..100 or not
//   digits is 400 `pagination_limit_invalid`. Orders carry no offset link, so `offset_link_id`
//   filters every order out.
// - Rate limit (off unless `rateLimit` is given): a fixed window per API key; the request over the
//   limit is 429 without a body and without headers (the definition documents none).
// - Anything not in the definition (other paths or methods) is 404 without a body.
import { randomBytes } from 'node:crypto';
import { Decimal, dec } from '../lib/decimal.ts';
import { startFake, type FakeReply, type FakeRequest, type FakeRoute, type RunningFake } from './harness.ts';

export type LuneCurrency = 'USD' | 'EUR';
export type LuneAccountType = 'live' | 'test';
export type LuneMassUnit = 'g' | 'kg' | 't';
export type LuneOrderStatus = 'received' | 'placed' | 'paid' | 'retiring' | 'cancelled' | 'complete' | 'failed';

export interface LuneAccount {
  id: string;
  name: string;
  currency: LuneCurrency;
  type: LuneAccountType;
  scope: 'account' | 'client_account';
}

export const LUNE_API_KEYS: Record<LuneAccountType, string> = {
  live: 'fake-lune-live-api-key',
  test: 'fake-lune-test-api-key',
};

export const LUNE_ACCOUNTS = {
  liveUsd: {
    id: 'LIVEusdACCOUNT000000000000000001',
    name: 'Carbon Federation',
    currency: 'USD',
    type: 'live',
    scope: 'account',
  },
  liveEur: {
    id: 'LIVEeurCLIENT0000000000000000002',
    name: 'Carbon Federation Europe',
    currency: 'EUR',
    type: 'live',
    scope: 'client_account',
  },
  testUsd: {
    id: 'TESTusdACCOUNT000000000000000003',
    name: 'Carbon Federation',
    currency: 'USD',
    type: 'test',
    scope: 'account',
  },
  testEur: {
    id: 'TESTeurCLIENT0000000000000000004',
    name: 'Carbon Federation Europe',
    currency: 'EUR',
    type: 'test',
    scope: 'client_account',
  },
} as const satisfies Record<string, LuneAccount>;

/** The account an API key acts for without a `Lune-Account` header. */
const DEFAULT_ACCOUNT: Record<LuneAccountType, LuneAccount> = {
  live: LUNE_ACCOUNTS.liveUsd,
  test: LUNE_ACCOUNTS.testUsd,
};

export interface LuneBundle {
  id: string;
  name: string;
  /** Per tonne, in each account currency; gross includes Lune's fee. */
  prices: Record<LuneCurrency, { unit_price: string; gross_unit_price: string }>;
  /** Tonnes on offer; null is unlimited (`BundleSummary.available_quantity`). */
  available_quantity: string | null;
  /** The project the bundle's credits are allocated from. */
  project: { project_id: string; project_name: string; project_type: string; project_slug: string };
}

export const LUNE_BUNDLES: readonly LuneBundle[] = [
  {
    id: 'BUNDLEforestASIA0000000000000001',
    name: 'Forest conservation in Asia',
    prices: {
      USD: { unit_price: '13.57', gross_unit_price: '15.08' },
      EUR: { unit_price: '12.50', gross_unit_price: '13.89' },
    },
    available_quantity: null,
    project: {
      project_id: 'PROJECTpeatland0000000000000001',
      project_name: 'Borneo peatland',
      project_type: 'Forest conservation',
      project_slug: 'borneo-peatland',
    },
  },
  {
    id: 'BUNDLEoceanREMOVAL00000000000002',
    name: 'Ocean carbon removal',
    prices: {
      USD: { unit_price: '250', gross_unit_price: '277.78' },
      EUR: { unit_price: '230', gross_unit_price: '255.56' },
    },
    available_quantity: null,
    project: {
      project_id: 'PROJECTalkalinity00000000000002',
      project_name: 'Coastal alkalinity',
      project_type: 'Ocean carbon removal',
      project_slug: 'coastal-alkalinity',
    },
  },
  {
    id: 'BUNDLEbiochar000000000000000003',
    name: 'Biochar',
    prices: {
      USD: { unit_price: '140', gross_unit_price: '155.56' },
      EUR: { unit_price: '129', gross_unit_price: '143.33' },
    },
    available_quantity: '5',
    project: {
      project_id: 'PROJECTkilns0000000000000000003',
      project_name: 'Biochar kilns',
      project_type: 'Biochar',
      project_slug: 'biochar-kilns',
    },
  },
];

/** Every account's bundle selection: the split of an order that names no bundles. */
export const LUNE_DEFAULT_BUNDLE_SELECTION = [
  { bundle_id: LUNE_BUNDLES[0]!.id, percentage: 95 },
  { bundle_id: LUNE_BUNDLES[1]!.id, percentage: 5 },
] as const;

export interface LuneEstimate {
  id: string;
  accountId: string;
  mass: { amount: string; unit: LuneMassUnit };
  /** The order placed for it, once one is. */
  orderId: string | null;
}

export const LUNE_ESTIMATES: readonly Omit<LuneEstimate, 'orderId'>[] = [
  { id: 'ESTIMATEliveUSD00000000000000001', accountId: LUNE_ACCOUNTS.liveUsd.id, mass: { amount: '2.5', unit: 't' } },
  { id: 'ESTIMATEliveEUR00000000000000002', accountId: LUNE_ACCOUNTS.liveEur.id, mass: { amount: '750', unit: 'kg' } },
];

/** `OrderBundle` as Lune sends it. */
export interface LuneOrderBundle {
  bundle_id: string;
  bundle_name: string;
  quantity: string;
  unit_price: string;
  gross_unit_price: string;
  offset_cost: string;
  insufficient_available_quantity: boolean | null;
}

interface Allocation {
  bundles: LuneOrderBundle[];
  quantity: Decimal;
  offsetCost: Decimal;
  commission: Decimal;
  totalCost: Decimal;
}

export interface LuneOrder {
  id: string;
  accountId: string;
  currency: LuneCurrency;
  idempotencyKey: string | null;
  /** Route and canonical body of the creating request, to tell a replay from a conflict. */
  fingerprint: string;
  type: 'quantity' | 'value';
  status: LuneOrderStatus;
  createdAt: string;
  seq: number;
  requested: { requested_quantity: string | null; requested_value: string | null; estimate_id: string | null };
  metadata: Record<string, string>;
  allocation: Allocation;
  /** Whether bundles were ever assigned (a cancelled or failed order keeps them). */
  placed: boolean;
}

export function luneState() {
  return {
    orders: new Map<string, LuneOrder>(),
    estimates: new Map<string, LuneEstimate>(
      LUNE_ESTIMATES.map((e) => [e.id, { ...e, mass: { ...e.mass }, orderId: null }]),
    ),
    suspended: new Set<string>(),
    /** Ids of the orders actually created (replays excluded), oldest first: the fake's effects. */
    created: [] as string[],
    /** Origin of certificate URLs; set once the server listens. */
    baseUrl: 'http://127.0.0.1',
  };
}
export type LuneState = ReturnType<typeof luneState>;

export interface LuneFakeOptions {
  /** Requests per API key per fixed window; off by default. */
  rateLimit?: { limit: number; windowMs: number };
  /** Whether a read moves a `received` order to `placed` (default true). */
  placeOnRead?: boolean;
}

export interface LuneFake extends RunningFake {
  state: LuneState;
  /** What the marketplace needs to call this fake with the live key. */
  env: Record<string, string>;
  /** Moves an order forward along received → placed → paid → retiring → complete, or to cancelled / failed. */
  setOrderStatus(orderId: string, status: LuneOrderStatus): void;
  addEstimate(accountId: string, mass: { amount: string; unit: LuneMassUnit }): string;
  suspendAccount(accountId: string): void;
  /** How many orders were actually created. */
  ordersCreated(): number;
}

// ---------------------------------------------------------------------------------------------
// Replies in Lune's shapes

class LuneRefusal extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** `ErrorResponse`: the error, and the same error alone in `errors` for backwards compatibility. */
export function luneError(status: number, code: string, message: string): FakeReply {
  const error = { error_code: code, message };
  return { status, body: { error, errors: [error] } };
}

const NOT_FOUND: FakeReply = { status: 404 };
const TOO_MANY_REQUESTS: FakeReply = { status: 429 };
const UNSUPPORTED_MEDIA_TYPE: FakeReply = { status: 415 };

const invalid = (message: string) => new LuneRefusal(400, 'validation_error', message);

// ---------------------------------------------------------------------------------------------
// Request validation

const DECIMAL = /^[0-9]+(\.[0-9]+)?$/;
const PERCENTAGE = /^[0-9]+(\.\d{1,2})?$/;
const MASS_UNITS: Record<LuneMassUnit, Decimal> = { g: dec('0.000001'), kg: dec('0.001'), t: dec(1) };
const TRUNC_DECIMALS: Record<LuneMassUnit, number> = { g: 6, kg: 3, t: 0 };

type Body = Record<string, unknown>;
const isObject = (v: unknown): v is Body => typeof v === 'object' && v !== null && !Array.isArray(v);

function bodyOf(req: FakeRequest): Body {
  if (!isObject(req.body)) throw invalid('The request body must be a JSON object');
  return req.body;
}

function decimalOf(value: unknown, field: string): Decimal {
  if (typeof value !== 'string' || !DECIMAL.test(value)) throw invalid(`${field} must be a decimal string`);
  return dec(value);
}

function massUnitOf(value: unknown, field: string): LuneMassUnit {
  if (value !== 'g' && value !== 'kg' && value !== 't') throw invalid(`${field} must be one of g, kg, t`);
  return value;
}

/** `Mass` in tonnes. */
function tonnesOf(value: unknown, field: string): Decimal {
  if (!isObject(value)) throw invalid(`${field} must be a mass { amount, unit }`);
  const amount = decimalOf(value.amount, `${field}.amount`);
  return amount.mul(MASS_UNITS[massUnitOf(value.unit, `${field}.unit`)]);
}

function truncOf(body: Body): number {
  return TRUNC_DECIMALS[body.quantity_trunc === undefined ? 'g' : massUnitOf(body.quantity_trunc, 'quantity_trunc')];
}

function idempotencyKeyOf(body: Body): string | null {
  const key = body.idempotency_key;
  if (key === undefined) return null;
  if (typeof key !== 'string' || key.length === 0 || [...key].length > 100)
    throw invalid('idempotency_key must be a string of 1 to 100 characters');
  return key;
}

function metadataOf(body: Body): Record<string, string> {
  const metadata = body.metadata === undefined ? {} : body.metadata;
  if (!isObject(metadata) || !Object.values(metadata).every((v) => typeof v === 'string'))
    throw invalid('metadata must map keys to strings');
  return { ...(metadata as Record<string, string>) };
}

function bundleOf(id: unknown, field: string): LuneBundle {
  if (typeof id !== 'string') throw invalid(`${field} must be a string`);
  const bundle = LUNE_BUNDLES.find((b) => b.id === id);
  if (!bundle) throw new LuneRefusal(400, 'bundle_id_invalid', `${field}: no bundle ${id}`);
  return bundle;
}

interface Share {
  bundle: LuneBundle;
  /** Fraction of the order, 0..1. */
  ratio: Decimal;
}

/** `BundleSelectionRequest`, or the account's selection when absent. */
function sharesOf(selection: unknown): Share[] {
  const items = selection === undefined ? LUNE_DEFAULT_BUNDLE_SELECTION : selection;
  if (!Array.isArray(items)) throw invalid('bundle_selection must be an array');
  if (items.length === 0)
    throw new LuneRefusal(400, 'bundle_selection_ratios_invalid', 'bundle_selection must name at least one bundle');
  const entries = items.map((item: unknown, i) => {
    if (!isObject(item)) throw invalid(`bundle_selection[${i}] must be an object`);
    const bundle = bundleOf(item.bundle_id, `bundle_selection[${i}].bundle_id`);
    const p = item.percentage;
    if (p === undefined) return { bundle, percentage: null };
    const integer = typeof p === 'number' && Number.isInteger(p) && p >= 0;
    if (!integer && !(typeof p === 'string' && PERCENTAGE.test(p))) {
      throw invalid(`bundle_selection[${i}].percentage must be an integer or a decimal string with at most 2 decimals`);
    }
    return { bundle, percentage: dec(p as number | string) };
  });
  if (new Set(entries.map((e) => e.bundle.id)).size !== entries.length)
    throw invalid('bundle_selection names a bundle twice');
  const given = entries.filter((e) => e.percentage !== null).length;
  if (given === 0) return entries.map((e) => ({ bundle: e.bundle, ratio: dec(1).div(entries.length) }));
  if (given !== entries.length) {
    throw new LuneRefusal(
      400,
      'bundle_selection_ratios_invalid_format',
      'percentage must be given for all or none of the bundles',
    );
  }
  const sum = entries.reduce((s, e) => s.plus(e.percentage!), dec(0));
  if (!sum.eq(100))
    throw new LuneRefusal(
      400,
      'bundle_selection_ratios_invalid',
      `bundle_selection percentages add up to ${sum.toFixed()}, not 100`,
    );
  return entries.map((e) => ({ bundle: e.bundle, ratio: e.percentage!.div(100) }));
}

/** `bundle_masses`: each bundle with its mass in tonnes. */
function bundleMassesOf(value: unknown): { bundle: LuneBundle; tonnes: Decimal }[] {
  if (!Array.isArray(value) || value.length === 0) throw invalid('bundle_masses must be a non-empty array');
  const lines = value.map((item: unknown, i) => {
    if (!isObject(item)) throw invalid(`bundle_masses[${i}] must be an object`);
    return {
      bundle: bundleOf(item.bundle_id, `bundle_masses[${i}].bundle_id`),
      tonnes: tonnesOf(item.mass, `bundle_masses[${i}].mass`),
    };
  });
  if (new Set(lines.map((l) => l.bundle.id)).size !== lines.length) throw invalid('bundle_masses names a bundle twice');
  return lines;
}

/** The oneOf of `…WithBundlePercentage` (`mass`) and `…WithBundleMass` (`bundle_masses`). */
function massDemandOf(body: Body): {
  requestedTonnes: Decimal;
  lines: (currency: LuneCurrency, decimals: number) => Allocation;
} {
  const hasMass = body.mass !== undefined;
  if (hasMass === (body.bundle_masses !== undefined)) throw invalid('Give exactly one of mass and bundle_masses');
  if (hasMass) {
    const tonnes = tonnesOf(body.mass, 'mass');
    const shares = sharesOf(body.bundle_selection);
    return { requestedTonnes: tonnes, lines: (currency, decimals) => byQuantity(shares, tonnes, currency, decimals) };
  }
  const masses = bundleMassesOf(body.bundle_masses);
  return {
    requestedTonnes: masses.reduce((s, m) => s.plus(m.tonnes), dec(0)),
    lines: (currency, decimals) =>
      priced(
        masses.map((m) => ({ bundle: m.bundle, quantity: truncated(m.tonnes, decimals) })),
        currency,
      ),
  };
}

// ---------------------------------------------------------------------------------------------
// Pricing

const truncated = (tonnes: Decimal, decimals: number) => tonnes.toDecimalPlaces(decimals, Decimal.ROUND_DOWN);
const cents = (amount: Decimal) => amount.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
const money = (amount: Decimal) => amount.toFixed(2);
const tonnes = (amount: Decimal) => amount.toFixed();

function priced(lines: { bundle: LuneBundle; quantity: Decimal }[], currency: LuneCurrency): Allocation {
  const bundles = lines
    .filter((l) => l.quantity.gt(0))
    .map(({ bundle, quantity }): LuneOrderBundle => {
      const price = bundle.prices[currency];
      return {
        bundle_id: bundle.id,
        bundle_name: bundle.name,
        quantity: tonnes(quantity),
        unit_price: price.unit_price,
        gross_unit_price: price.gross_unit_price,
        offset_cost: money(cents(quantity.mul(price.unit_price))),
        insufficient_available_quantity:
          bundle.available_quantity === null ? null : quantity.gt(bundle.available_quantity),
      };
    });
  const quantity = bundles.reduce((s, b) => s.plus(b.quantity), dec(0));
  const offsetCost = bundles.reduce((s, b) => s.plus(b.offset_cost), dec(0));
  const commission = cents(offsetCost.div(9));
  return { bundles, quantity, offsetCost, commission, totalCost: offsetCost.plus(commission) };
}

function byQuantity(shares: Share[], total: Decimal, currency: LuneCurrency, decimals: number): Allocation {
  return priced(
    shares.map((s) => ({ bundle: s.bundle, quantity: truncated(total.mul(s.ratio), decimals) })),
    currency,
  );
}

/** The largest quantity whose total cost, fees included, is at most `value`. */
function byValue(shares: Share[], value: Decimal, currency: LuneCurrency, decimals: number): Allocation {
  const grossPerTonne = shares.reduce(
    (s, sh) => s.plus(sh.ratio.mul(sh.bundle.prices[currency].gross_unit_price)),
    dec(0),
  );
  const step = dec(10).pow(-decimals);
  let total = value.div(grossPerTonne);
  for (let attempt = 0; attempt < 50 && total.gt(0); attempt++) {
    const allocation = byQuantity(shares, total, currency, decimals);
    if (allocation.totalCost.lte(value)) return allocation;
    total = total.minus(allocation.totalCost.minus(value).div(grossPerTonne)).minus(step);
  }
  return priced([], currency);
}

function positive(allocation: Allocation): Allocation {
  if (allocation.quantity.lte(0))
    throw new LuneRefusal(409, 'order_quantity_invalid', 'The order results in a quantity that is not positive');
  return allocation;
}

// ---------------------------------------------------------------------------------------------
// Orders as Lune renders them

const LIFECYCLE: LuneOrderStatus[] = ['received', 'placed', 'paid', 'retiring', 'complete'];
const FINAL: LuneOrderStatus[] = ['complete', 'cancelled', 'failed'];

function projectsOf(o: LuneOrder) {
  const reached = o.status === 'retiring' || o.status === 'complete' ? o.status : null;
  if (!reached) return null;
  return o.allocation.bundles.map((b) => {
    const bundle = LUNE_BUNDLES.find((x) => x.id === b.bundle_id)!;
    return {
      ...bundle.project,
      quantity: b.quantity,
      unit_price: b.unit_price,
      offset_cost: b.offset_cost,
      status: reached === 'complete' ? 'retired' : 'allocated',
    };
  });
}

function orderBody(o: LuneOrder, baseUrl: string) {
  const a = o.placed ? o.allocation : null;
  return {
    id: o.id,
    idempotency_key: o.idempotencyKey,
    type: o.type,
    status: o.status,
    currency: o.currency,
    offset_cost: a && money(a.offsetCost),
    total_cost: a && money(a.totalCost),
    commission: a && money(a.commission),
    quantity: a && tonnes(a.quantity),
    payment_method: null,
    created_at: o.createdAt,
    bundles: a && a.bundles,
    projects: projectsOf(o),
    certificate: o.status === 'complete' ? `${baseUrl}/orders/${o.id}/certificate` : null,
    public_certificate_url: null,
    metadata: o.metadata,
    offset_link_id: null,
    email: null,
    ...o.requested,
  };
}

function quoteBody(
  a: Allocation,
  currency: LuneCurrency,
  requested: { requested_quantity: string | null; requested_value: string | null },
) {
  return {
    currency,
    estimated_quantity: tonnes(a.quantity),
    estimated_offset_cost: money(a.offsetCost),
    estimated_total_cost: money(a.totalCost),
    estimated_commission: money(a.commission),
    bundles: a.bundles,
    ...requested,
  };
}

/** A minimal one-page PDF naming the order. */
function certificatePdf(o: LuneOrder): Buffer {
  const text = `Carbon offset certificate ${o.id}: ${tonnes(o.allocation.quantity)} t CO2e retired`;
  const content = `BT /F1 12 Tf 56 780 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let pdf = '%PDF-1.4\n';
  const offsets = objects.map((object, i) => {
    const at = pdf.length;
    pdf += `${i + 1} 0 obj\n${object}\nendobj\n`;
    return at;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((at) => `${String(at).padStart(10, '0')} 00000 n \n`).join('')}`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

// ---------------------------------------------------------------------------------------------
// The server

interface Caller {
  keyType: LuneAccountType;
  account: LuneAccount;
}

const ALL_ACCOUNTS: LuneAccount[] = Object.values(LUNE_ACCOUNTS);
const isCertificate = (path: string) => /^\/orders\/[^/]+\/certificate\/?$/.test(path);

function callerOf(req: FakeRequest): { caller: Caller } | { refusal: FakeReply } {
  const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
  const key = bearer ?? (isCertificate(req.path) ? req.query.get('access_token') : null);
  const keyType = (Object.keys(LUNE_API_KEYS) as LuneAccountType[]).find((t) => LUNE_API_KEYS[t] === key);
  if (!keyType) return { refusal: luneError(401, 'unauthorised', 'The API key is missing or invalid') };
  const selected = req.headers['lune-account'];
  if (selected === undefined) return { caller: { keyType, account: DEFAULT_ACCOUNT[keyType] } };
  const account = ALL_ACCOUNTS.find((a) => a.id === selected && a.type === keyType);
  if (!account) return { refusal: luneError(401, 'unauthorised', 'Lune-Account names no account of this API key') };
  return { caller: { keyType, account } };
}

const luneId = () => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(32)].map((b) => alphabet[b % alphabet.length]).join('');
};

/** JSON with sorted keys, so equal bodies compare equal whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value))
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

export async function startLuneFake(options: LuneFakeOptions = {}): Promise<LuneFake> {
  const state = luneState();
  const placeOnRead = options.placeOnRead ?? true;
  let seq = 0;

  const callerIn = (req: FakeRequest): Caller => {
    const resolved = callerOf(req);
    if ('refusal' in resolved) throw new Error('the guard lets no unauthenticated request through');
    return resolved.caller;
  };

  const ordersOf = (accountId: string) => [...state.orders.values()].filter((o) => o.accountId === accountId);

  const setOrderStatus = (orderId: string, status: LuneOrderStatus) => {
    const o = state.orders.get(orderId);
    if (!o) throw new Error(`No order ${orderId}`);
    if (o.status === status) return;
    if (FINAL.includes(o.status)) throw new Error(`Order ${orderId} is ${o.status}: it moves no further`);
    if (status !== 'cancelled' && status !== 'failed' && LIFECYCLE.indexOf(status) < LIFECYCLE.indexOf(o.status)) {
      throw new Error(`Order ${orderId} cannot go back from ${o.status} to ${status}`);
    }
    o.status = status;
    if (status !== 'cancelled' && status !== 'failed') o.placed = status !== 'received';
  };

  /** A read shows the order as Lune would by then: a received order has been placed. */
  const read = (o: LuneOrder) => {
    if (placeOnRead && o.status === 'received') setOrderStatus(o.id, 'placed');
    return orderBody(o, state.baseUrl);
  };

  /** The first order of an idempotency key, when the same request is retried; 409 when it differs. */
  const replayOf = (caller: Caller, key: string | null, fingerprint: string): FakeReply | null => {
    if (key === null) return null;
    const first = ordersOf(caller.account.id).find((o) => o.idempotencyKey === key);
    if (!first) return null;
    if (first.fingerprint !== fingerprint) {
      throw new LuneRefusal(
        409,
        'order_idempotency_already_exists',
        `An order with idempotency_key ${key} already exists`,
      );
    }
    return { status: 200, body: orderBody(first, state.baseUrl) };
  };

  const create = (
    req: FakeRequest,
    route: string,
    build: (
      caller: Caller,
      body: Body,
    ) => {
      type: LuneOrder['type'];
      requested: LuneOrder['requested'];
      allocate: () => Allocation;
      /** Runs once the order exists, to tie it to what it consumed. */
      claim?: (orderId: string) => void;
    },
  ): FakeReply => {
    const caller = callerIn(req);
    const body = bodyOf(req);
    const key = idempotencyKeyOf(body);
    const metadata = metadataOf(body);
    const order = build(caller, body);
    const fingerprint = `${route} ${canonical(body)}`;
    const replay = replayOf(caller, key, fingerprint);
    if (replay) return replay;
    if (state.suspended.has(caller.account.id))
      throw new LuneRefusal(409, 'account_suspended', 'The account is suspended');
    const allocation = positive(order.allocate());
    const created: LuneOrder = {
      id: luneId(),
      accountId: caller.account.id,
      currency: caller.account.currency,
      idempotencyKey: key,
      fingerprint,
      type: order.type,
      status: 'received',
      createdAt: new Date().toISOString(),
      seq: ++seq,
      requested: order.requested,
      metadata,
      allocation,
      placed: false,
    };
    order.claim?.(created.id);
    state.orders.set(created.id, created);
    state.created.push(created.id);
    return { status: 200, body: orderBody(created, state.baseUrl) };
  };

  const orderIn = (req: FakeRequest, find: (o: LuneOrder) => boolean) => ordersOf(callerIn(req).account.id).find(find);

  const routes: FakeRoute[] = [
    {
      // GET /accounts/me (operation getAccount; lune-ts services/AccountsService.ts): the `Account`
      // the caller acts for, the one `Lune-Account` selects (AccountBase.ts, ClientAccount.ts).
      method: 'GET',
      path: '/accounts/me',
      handler: (req) => {
        const { account } = callerIn(req);
        return {
          status: 200,
          body: {
            id: account.id,
            name: account.name,
            organisation_id: 'ORGANISATIONfederation0000000001',
            currency: account.currency,
            type: account.type,
            logo: null,
            beneficiary: null,
            bundle_portfolio_id: null,
            scope: account.scope,
          },
        };
      },
    },
    {
      method: 'POST',
      path: '/orders/by-mass/quote',
      handler: (req) => {
        const { account } = callerIn(req);
        const body = bodyOf(req);
        const demand = massDemandOf(body);
        const allocation = positive(demand.lines(account.currency, truncOf(body)));
        return {
          status: 200,
          body: quoteBody(allocation, account.currency, {
            requested_quantity: tonnes(demand.requestedTonnes),
            requested_value: null,
          }),
        };
      },
    },
    {
      method: 'POST',
      path: '/orders/by-value/quote',
      handler: (req) => {
        const { account } = callerIn(req);
        const body = bodyOf(req);
        const value = decimalOf(body.value, 'value');
        const allocation = positive(byValue(sharesOf(body.bundle_selection), value, account.currency, truncOf(body)));
        return {
          status: 200,
          body: quoteBody(allocation, account.currency, { requested_quantity: null, requested_value: value.toFixed() }),
        };
      },
    },
    {
      method: 'POST',
      path: '/orders/by-mass',
      handler: (req) =>
        create(req, 'by-mass', (caller, body) => {
          const demand = massDemandOf(body);
          const decimals = truncOf(body);
          return {
            type: 'quantity',
            requested: { requested_quantity: tonnes(demand.requestedTonnes), requested_value: null, estimate_id: null },
            allocate: () => demand.lines(caller.account.currency, decimals),
          };
        }),
    },
    {
      method: 'POST',
      path: '/orders/by-value',
      handler: (req) =>
        create(req, 'by-value', (caller, body) => {
          const value = decimalOf(body.value, 'value');
          const shares = sharesOf(body.bundle_selection);
          const decimals = truncOf(body);
          return {
            type: 'value',
            requested: { requested_quantity: null, requested_value: value.toFixed(), estimate_id: null },
            allocate: () => byValue(shares, value, caller.account.currency, decimals),
          };
        }),
    },
    {
      method: 'POST',
      path: '/orders/by-estimate',
      handler: (req) =>
        create(req, 'by-estimate', (caller, body) => {
          if (typeof body.estimate_id !== 'string') throw invalid('estimate_id must be a string');
          const estimate = state.estimates.get(body.estimate_id);
          if (!estimate || estimate.accountId !== caller.account.id) {
            throw new LuneRefusal(400, 'estimate_not_found', `No estimate ${body.estimate_id}`);
          }
          const total = tonnesOf(estimate.mass, 'estimate.mass');
          const shares = sharesOf(body.bundle_selection);
          const decimals = truncOf(body);
          return {
            type: 'quantity',
            requested: { requested_quantity: tonnes(total), requested_value: null, estimate_id: estimate.id },
            allocate: () => {
              if (estimate.orderId)
                throw new LuneRefusal(
                  409,
                  'estimate_order_already_placed',
                  `An order for estimate ${estimate.id} has already been placed`,
                );
              return byQuantity(shares, total, caller.account.currency, decimals);
            },
            claim: (orderId) => {
              estimate.orderId = orderId;
            },
          };
        }),
    },
    {
      method: 'GET',
      path: '/orders',
      handler: (req) => {
        const limitParam = req.query.get('limit') ?? '10';
        const limit = /^\d+$/.test(limitParam) ? Number(limitParam) : NaN;
        if (!(limit >= 1 && limit <= 100))
          throw new LuneRefusal(400, 'pagination_limit_invalid', 'limit must be between 1 and 100');
        const linkId = req.query.get('offset_link_id');
        const newestFirst = ordersOf(callerIn(req).account.id)
          .filter(() => linkId === null)
          .sort((a, b) => b.seq - a.seq);
        const after = req.query.get('after');
        const start = after === null ? 0 : newestFirst.findIndex((o) => o.id === after) + 1;
        if (start === 0 && after !== null) throw invalid(`after names no order: ${after}`);
        const page = newestFirst.slice(start, start + limit);
        return { status: 200, body: { has_more: start + limit < newestFirst.length, data: page.map(read) } };
      },
    },
    {
      method: 'GET',
      path: '/orders/by-idempotency-key/{idempotency_key}',
      handler: (req) => {
        const o = orderIn(req, (x) => x.idempotencyKey === req.params.idempotency_key);
        return o ? { status: 200, body: read(o) } : NOT_FOUND;
      },
    },
    {
      method: 'GET',
      path: '/orders/{id}/certificate',
      handler: (req) => {
        const o = orderIn(req, (x) => x.id === req.params.id);
        if (!o || o.status !== 'complete') return NOT_FOUND;
        return { status: 200, body: certificatePdf(o), headers: { 'content-type': 'application/pdf' } };
      },
    },
    {
      method: 'GET',
      path: '/orders/{id}',
      handler: (req) => {
        const o = orderIn(req, (x) => x.id === req.params.id);
        return o ? { status: 200, body: read(o) } : NOT_FOUND;
      },
    },
  ];

  const patterns = routes.map((r) => ({
    method: r.method,
    re: new RegExp(`^${r.path.replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
  }));
  const windows = new Map<LuneAccountType, { start: number; count: number }>();
  const overLimit = (keyType: LuneAccountType) => {
    if (!options.rateLimit) return false;
    const now = Date.now();
    const window = windows.get(keyType);
    if (!window || now - window.start >= options.rateLimit.windowMs) {
      windows.set(keyType, { start: now, count: 1 });
      return false;
    }
    return ++window.count > options.rateLimit.limit;
  };

  const guard = (req: FakeRequest): FakeReply | null => {
    const resolved = callerOf(req);
    if ('refusal' in resolved) return resolved.refusal;
    if (overLimit(resolved.caller.keyType)) return TOO_MANY_REQUESTS;
    if (!patterns.some((p) => p.method === req.method && p.re.test(req.path))) return NOT_FOUND;
    if (req.method === 'POST' && !/^application\/json\b/i.test(String(req.headers['content-type'] ?? '')))
      return UNSUPPORTED_MEDIA_TYPE;
    return null;
  };

  const refusing = (route: FakeRoute): FakeRoute => ({
    ...route,
    handler: async (req) => {
      try {
        return await route.handler(req);
      } catch (error) {
        if (error instanceof LuneRefusal) return luneError(error.status, error.code, error.message);
        throw error;
      }
    },
  });

  const fake = await startFake('lune', routes.map(refusing), guard);
  state.baseUrl = fake.url;
  return {
    ...fake,
    state,
    env: { OFFSET_ORDERS_BASE_URL: fake.url, OFFSET_ORDERS_API_KEY: LUNE_API_KEYS.live },
    setOrderStatus,
    addEstimate(accountId, mass) {
      const id = luneId();
      state.estimates.set(id, { id, accountId, mass: { ...mass }, orderId: null });
      return id;
    },
    suspendAccount(accountId) {
      state.suspended.add(accountId);
    },
    ordersCreated: () => state.created.length,
  };
}
