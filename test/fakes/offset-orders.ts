// Contract fake of the offset-orders API (Lune-style), from ../shared/seeds/003_9549a42cdd81ffd8.txt:
// orders by mass, by value and by estimate, quotes, list, get, get by idempotency key and the
// certificate; the API key as bearer (401 otherwise), JSON bodies only (415 otherwise), 409 on a
// reused idempotency key or a second order for an estimate. It serves the marketplace demo
// offset data and allocates with the marketplace's own allocation rule.
import { randomUUID } from 'node:crypto';
import { DomainError } from '../../lib/errors.ts';
import { dec, toMinor } from '../../lib/decimal.ts';
import { renderOffsetCertificate } from '../../subgraphs/marketplace/offsets/certificate-pdf.ts';
import { demoEmissionEstimates, demoOffsetBundles, demoOffsetOrders, demoOffsetRequestHashes } from '../../subgraphs/marketplace/offsets/local/seed.ts';
import { allocateOffsets, minorToDecimal, quoteRecordOf, type OffsetDemand } from '../../subgraphs/marketplace/offsets/allocation.ts';
import type { OffsetOrderRecord } from '../../subgraphs/marketplace/offsets/source.ts';
import { OFFSET_ORDER_ROUTES as R, type OffsetApiOrder } from '../../subgraphs/marketplace/offsets/upstream/client.ts';
import { fromOffsetApi, toOffsetApi } from '../../subgraphs/marketplace/offsets/upstream/mappers.ts';
import { json, problem, startFake, type FakeReply, type FakeRequest, type RunningFake } from './harness.ts';

export const FAKE_OFFSET_ORDERS_API_KEY = 'fake-offset-orders-live-key';

const GRAMS_PER_UNIT: Record<string, string> = { t: '1000000', kg: '1000', g: '1' };

export function offsetOrdersState() {
  const certificateUrl = (id: string) => `https://offsets.example${R.certificate(id)}`;
  return {
    bundles: demoOffsetBundles.map((b) => ({ ...b })),
    estimates: demoEmissionEstimates.map((e) => ({ ...e })),
    orders: demoOffsetOrders.map((o) => toOffsetApi.order(o, demoOffsetRequestHashes[o.id]!, certificateUrl(o.id))),
    certificateUrl,
  };
}
export type OffsetOrdersState = ReturnType<typeof offsetOrdersState>;

export interface OffsetOrdersFake extends RunningFake {
  state: OffsetOrdersState;
  /** What the marketplace needs to call this fake. */
  env: Record<string, string>;
}

const conflict = (errorCode: string, message: string): FakeReply => ({ status: 409, body: { error_code: errorCode, message } });

/** The allocation rule's refusals, as the API answers them. */
function refusal(error: unknown): FakeReply {
  if (!(error instanceof DomainError)) throw error;
  if (error.code === 'INSUFFICIENT_INVENTORY') return conflict('insufficient_quantity', error.message);
  if (error.field?.join('.') === 'input.currency') return conflict('currency_not_supported', error.message);
  return conflict('quantity_not_positive', error.message);
}

type Body = Record<string, unknown>;

/** The demand of a request body, or a 400 reply. */
function demandOf(kind: 'mass' | 'value', body: Body): OffsetDemand | FakeReply {
  const currency = typeof body.currency === 'string' ? body.currency : 'EUR';
  if (kind === 'mass') {
    const mass = body.mass as { amount?: unknown; unit?: unknown } | undefined;
    if (!mass || typeof mass.amount !== 'string' || !/^-?\d+(\.\d+)?$/.test(mass.amount) || typeof mass.unit !== 'string' || !GRAMS_PER_UNIT[mass.unit]) {
      return problem(400, 'mass must be { amount: decimal string, unit: t | kg | g }');
    }
    const grams = dec(mass.amount).mul(GRAMS_PER_UNIT[mass.unit]!);
    if (!grams.isInteger()) return problem(400, 'mass has a precision of one gram at most');
    return { kind: 'MASS', grams: BigInt(grams.toFixed(0)), currency };
  }
  if (typeof body.value !== 'string' || !/^-?\d+(\.\d+)?$/.test(body.value)) return problem(400, 'value must be a decimal string');
  try {
    return { kind: 'VALUE', maximumMinor: toMinor(body.value, currency), currency };
  } catch {
    return problem(400, 'value has too many decimal places for the currency');
  }
}

const isReply = (v: unknown): v is FakeReply => typeof v === 'object' && v !== null && !('kind' in v);

export async function startOffsetOrdersFake(): Promise<OffsetOrdersFake> {
  const state = offsetOrdersState();
  const newestFirst = () => [...state.orders].sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id));

  const quote = (kind: 'mass' | 'value') => (req: FakeRequest) => {
    const demand = demandOf(kind, req.body as Body);
    if (isReply(demand)) return demand;
    try {
      return json(toOffsetApi.quote(quoteRecordOf(allocateOffsets(state.bundles, demand))));
    } catch (error) {
      return refusal(error);
    }
  };

  const create = (kind: 'mass' | 'value' | 'estimate') => (req: FakeRequest) => {
    const body = req.body as Body;
    const key = typeof body.idempotency_key === 'string' ? body.idempotency_key : null;
    if (key && state.orders.some((o) => o.idempotency_key === key)) {
      return conflict('idempotency_key_conflict', 'An order with the same idempotency_key has already been created');
    }
    let demand: OffsetDemand | FakeReply;
    let estimateId: string | null = null;
    if (kind === 'estimate') {
      estimateId = typeof body.estimate_id === 'string' ? body.estimate_id : null;
      const estimate = state.estimates.find((e) => e.id === estimateId);
      if (!estimate) return problem(404, 'Emission estimate not found');
      if (state.orders.some((o) => o.estimate_id === estimateId)) return conflict('estimate_already_ordered', 'An order for this emission estimate has already been placed');
      demand = { kind: 'MASS', grams: estimate.massGrams, currency: typeof body.currency === 'string' ? body.currency : 'EUR' };
    } else {
      demand = demandOf(kind, body);
    }
    if (isReply(demand)) return demand;
    let allocation;
    try {
      allocation = allocateOffsets(state.bundles, demand);
    } catch (error) {
      return refusal(error);
    }
    for (const line of allocation.lines) state.bundles.find((b) => b.id === line.bundleId)!.availableGrams -= line.grams;
    const metadata = (body.metadata ?? {}) as Record<string, string>;
    const record: OffsetOrderRecord = {
      ...quoteRecordOf(allocation),
      id: randomUUID(),
      ownerId: metadata.buyer_id ?? null,
      idempotencyKey: null,
      type: kind === 'mass' ? 'BY_MASS' : kind === 'value' ? 'BY_VALUE' : 'BY_ESTIMATE',
      status: 'COMPLETE',
      maximumSpend: demand.kind === 'VALUE' ? { amount: minorToDecimal(demand.maximumMinor, demand.currency), currency: demand.currency } : null,
      estimateId,
      beneficiary: typeof body.beneficiary === 'string' ? body.beneficiary : null,
      createdAt: new Date(),
    };
    const order: OffsetApiOrder = { ...toOffsetApi.order(record, metadata.request_hash ?? '', state.certificateUrl(record.id)), idempotency_key: key, metadata };
    state.orders.push(order);
    return json(order);
  };

  const fake = await startFake(
    'offset-orders',
    [
      { method: 'POST', path: R.quoteByMass, handler: quote('mass') },
      { method: 'POST', path: R.quoteByValue, handler: quote('value') },
      { method: 'POST', path: R.createByMass, handler: create('mass') },
      { method: 'POST', path: R.createByValue, handler: create('value') },
      { method: 'POST', path: R.createByEstimate, handler: create('estimate') },
      {
        method: 'GET',
        path: R.orders,
        handler: (req) => {
          const limit = Number(req.query.get('limit') ?? 20);
          if (!Number.isInteger(limit) || limit < 1 || limit > 100) return problem(400, 'limit must be 1..100');
          const all = newestFirst();
          const after = req.query.get('after');
          const start = after ? all.findIndex((o) => o.id === after) + 1 : 0;
          if (after && start === 0) return problem(400, 'Unknown order in after');
          return json({ data: all.slice(start, start + limit), has_more: start + limit < all.length });
        },
      },
      {
        method: 'GET',
        path: '/orders/by-idempotency-key/{key}',
        handler: (req) => {
          const o = state.orders.find((x) => x.idempotency_key === req.params.key);
          return o ? json(o) : problem(404, 'The order does not exist');
        },
      },
      {
        method: 'GET',
        path: '/orders/{id}',
        handler: (req) => {
          const o = state.orders.find((x) => x.id === req.params.id);
          return o ? json(o) : problem(404, 'The order does not exist');
        },
      },
      {
        method: 'GET',
        path: '/orders/{id}/certificate',
        handler: async (req) => {
          const o = state.orders.find((x) => x.id === req.params.id);
          if (!o || o.status !== 'complete') return problem(404, 'The order or the certificate does not exist');
          return { status: 200, body: await renderOffsetCertificate(fromOffsetApi.order(o)), headers: { 'content-type': 'application/pdf' } };
        },
      },
    ],
    (req) => {
      if (req.headers.authorization !== `Bearer ${FAKE_OFFSET_ORDERS_API_KEY}`) return problem(401, 'Unauthorized. The API Key is invalid or disabled.');
      if (req.method === 'POST' && !String(req.headers['content-type'] ?? '').startsWith('application/json')) {
        return problem(415, 'The request is not an application/json encoded request');
      }
      return null;
    },
  );
  return Object.assign(fake, { state, env: { OFFSET_ORDERS_BASE_URL: fake.url, OFFSET_ORDERS_API_KEY: FAKE_OFFSET_ORDERS_API_KEY } });
}
