// The Lune fake checked against Lune's definition (lune-docs static/openapi.yml) with plain HTTP:
// the shapes of each response, authentication, accounts and currencies, idempotency, the nested
// error envelope, statuses with their nulls, pagination, the certificate and the rate limit.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  LUNE_ACCOUNTS,
  LUNE_API_KEYS,
  LUNE_BUNDLES,
  LUNE_ESTIMATES,
  startLuneFake,
  type LuneFake,
} from '../../fakes/lune.ts';

type Json = Record<string, unknown>;

const DECIMAL = /^[0-9]+(\.[0-9]+)?$/;
const ORDER_BASE_KEYS = [
  'id',
  'idempotency_key',
  'type',
  'status',
  'currency',
  'offset_cost',
  'total_cost',
  'commission',
  'quantity',
  'payment_method',
  'created_at',
  'bundles',
  'projects',
  'certificate',
  'public_certificate_url',
  'metadata',
  'offset_link_id',
  'email',
];
const ORDER_KEYS = [...ORDER_BASE_KEYS, 'requested_quantity', 'requested_value', 'estimate_id'].sort();
const BUNDLE_KEYS = [
  'bundle_id',
  'bundle_name',
  'quantity',
  'unit_price',
  'gross_unit_price',
  'offset_cost',
  'insufficient_available_quantity',
].sort();
const PROJECT_KEYS = [
  'project_id',
  'project_name',
  'project_type',
  'project_slug',
  'quantity',
  'unit_price',
  'offset_cost',
  'status',
].sort();
const QUOTE_KEYS = [
  'currency',
  'estimated_quantity',
  'estimated_offset_cost',
  'estimated_total_cost',
  'estimated_commission',
  'bundles',
  'requested_quantity',
  'requested_value',
].sort();

const [FORESTS, OCEAN, BIOCHAR] = LUNE_BUNDLES;

let lune: LuneFake;

beforeAll(async () => {
  lune = await startLuneFake();
});
afterAll(async () => {
  await lune.stop();
});

interface Call {
  key?: string | null;
  account?: string;
  headers?: Record<string, string>;
}

async function call(method: string, path: string, body?: unknown, opts: Call = {}) {
  const key = opts.key === undefined ? LUNE_API_KEYS.live : opts.key;
  const res = await fetch(`${lune.url}${path}`, {
    method,
    headers: {
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
      ...(opts.account ? { 'lune-account': opts.account } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...opts.headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined) as Json,
  };
}

const post = (path: string, body: unknown, opts?: Call) => call('POST', path, body, opts);
const get = (path: string, opts?: Call) => call('GET', path, undefined, opts);

function expectLuneError(res: { status: number; body: Json }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(Object.keys(res.body).sort()).toEqual(['error', 'errors']);
  const error = res.body.error as Json;
  expect(Object.keys(error).sort()).toEqual(['error_code', 'message']);
  expect(error.error_code).toBe(code);
  expect(typeof error.message).toBe('string');
  expect(res.body.errors).toEqual([error]);
}

function expectOrderBundle(bundle: Json) {
  expect(Object.keys(bundle).sort()).toEqual(BUNDLE_KEYS);
  for (const field of ['quantity', 'unit_price', 'gross_unit_price', 'offset_cost'])
    expect(bundle[field]).toMatch(DECIMAL);
}

describe('authentication and accounts', () => {
  it('refuses a missing or unknown API key with 401 unauthorised in the error envelope', async () => {
    expectLuneError(await get('/orders', { key: null }), 401, 'unauthorised');
    expectLuneError(await get('/orders', { key: 'not-a-key' }), 401, 'unauthorised');
    expectLuneError(
      await post(
        '/orders/by-mass',
        { mass: { amount: '1', unit: 't' } },
        { headers: { authorization: LUNE_API_KEYS.live } },
      ),
      401,
      'unauthorised',
    );
  });

  it('selects a client account with Lune-Account, never one of the other key type', async () => {
    expectLuneError(await get('/orders', { account: 'NoSuchAccount' }), 401, 'unauthorised');
    expectLuneError(
      await get('/orders', { key: LUNE_API_KEYS.test, account: LUNE_ACCOUNTS.liveEur.id }),
      401,
      'unauthorised',
    );
    expect((await get('/orders', { key: LUNE_API_KEYS.test, account: LUNE_ACCOUNTS.testEur.id })).status).toBe(200);
  });

  it('answers GET /accounts/me with the Account the key acts for, its currency that of every price', async () => {
    const own = await get('/accounts/me');
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ id: LUNE_ACCOUNTS.liveUsd.id, currency: 'USD', type: 'live' });
    expect(Object.keys(own.body).sort()).toEqual([
      'beneficiary',
      'bundle_portfolio_id',
      'currency',
      'id',
      'logo',
      'name',
      'organisation_id',
      'scope',
      'type',
    ]);
    expect((await get('/accounts/me', { account: LUNE_ACCOUNTS.liveEur.id })).body).toMatchObject({
      id: LUNE_ACCOUNTS.liveEur.id,
      currency: 'EUR',
      scope: 'client_account',
    });
    expectLuneError(await get('/accounts/me', { key: null }), 401, 'unauthorised');
  });

  it('prices in the selected account currency', async () => {
    const usd = await post('/orders/by-mass/quote', { mass: { amount: '10', unit: 't' } });
    const eur = await post(
      '/orders/by-mass/quote',
      { mass: { amount: '10', unit: 't' } },
      { account: LUNE_ACCOUNTS.liveEur.id },
    );
    expect(usd.body.currency).toBe('USD');
    expect(eur.body.currency).toBe('EUR');
    expect((usd.body.bundles as Json[])[0]!.unit_price).toBe(FORESTS!.prices.USD.unit_price);
    expect((eur.body.bundles as Json[])[0]!.unit_price).toBe(FORESTS!.prices.EUR.unit_price);
  });

  it('answers what the definition does not have with 404 and no body, and non-JSON posts with 415', async () => {
    const unknown = await get('/bundles');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toBe('');
    expect((await call('DELETE', '/orders/x')).status).toBe(404);
    const form = await post('/orders/by-mass', 'mass=1', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    expect(form.text).toBe('');
  });
});

describe('quotes', () => {
  it('quotes by mass with the default 95/5 selection, truncated to grams, in OrderQuoteByQuantity shape', async () => {
    const res = await post('/orders/by-mass/quote', { mass: { amount: '12.07', unit: 'kg' } });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(QUOTE_KEYS);
    expect(res.body).toMatchObject({
      currency: 'USD',
      requested_quantity: '0.01207',
      requested_value: null,
      estimated_quantity: '0.012069',
    });
    const bundles = res.body.bundles as Json[];
    bundles.forEach(expectOrderBundle);
    expect(bundles.map((b) => [b.bundle_id, b.quantity])).toEqual([
      [FORESTS!.id, '0.011466'],
      [OCEAN!.id, '0.000603'],
    ]);
    for (const field of ['estimated_offset_cost', 'estimated_total_cost', 'estimated_commission'])
      expect(res.body[field]).toMatch(/^[0-9]+\.[0-9]{2}$/);
    expect(Number(res.body.estimated_total_cost)).toBeCloseTo(
      Number(res.body.estimated_offset_cost) + Number(res.body.estimated_commission),
      5,
    );
  });

  it('quotes by value without exceeding the value, fees included', async () => {
    const res = await post('/orders/by-value/quote', { value: '100.00' });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(QUOTE_KEYS);
    expect(res.body).toMatchObject({ requested_value: '100', requested_quantity: null });
    expect(Number(res.body.estimated_total_cost)).toBeLessThanOrEqual(100);
    expect(Number(res.body.estimated_total_cost)).toBeGreaterThan(99);
  });

  it('refuses a quote whose quantity truncates to nothing with 409 order_quantity_invalid', async () => {
    expectLuneError(
      await post('/orders/by-mass/quote', { mass: { amount: '400', unit: 'kg' }, quantity_trunc: 't' }),
      409,
      'order_quantity_invalid',
    );
    expectLuneError(await post('/orders/by-value/quote', { value: '0' }), 409, 'order_quantity_invalid');
  });
});

describe('orders and their statuses', () => {
  it('creates a received order with its amounts null, placed on the next read, then retiring and complete', async () => {
    const created = await post('/orders/by-mass', { mass: { amount: '2', unit: 't' }, metadata: { ref: 'A-1' } });
    expect(created.status).toBe(200);
    const order = created.body;
    expect(Object.keys(order).sort()).toEqual(ORDER_KEYS);
    expect(order).toMatchObject({
      type: 'quantity',
      status: 'received',
      currency: 'USD',
      idempotency_key: null,
      offset_cost: null,
      total_cost: null,
      commission: null,
      quantity: null,
      bundles: null,
      projects: null,
      certificate: null,
      public_certificate_url: null,
      payment_method: null,
      offset_link_id: null,
      email: null,
      metadata: { ref: 'A-1' },
      requested_quantity: '2',
      requested_value: null,
      estimate_id: null,
    });
    expect(new Date(order.created_at as string).toISOString()).toBe(order.created_at);

    const placed = (await get(`/orders/${order.id}`)).body;
    expect(placed).toMatchObject({ status: 'placed', quantity: '2', projects: null, certificate: null });
    (placed.bundles as Json[]).forEach(expectOrderBundle);
    for (const field of ['offset_cost', 'total_cost', 'commission']) expect(placed[field]).toMatch(DECIMAL);
    expect((await get(`/orders/${order.id}/certificate`)).status).toBe(404);

    lune.setOrderStatus(order.id as string, 'retiring');
    const retiring = (await get(`/orders/${order.id}`)).body;
    const projects = retiring.projects as Json[];
    expect(projects).toHaveLength(2);
    for (const p of projects) expect(Object.keys(p).sort()).toEqual(PROJECT_KEYS);
    expect(projects.map((p) => p.status)).toEqual(['allocated', 'allocated']);
    expect(retiring.certificate).toBeNull();

    lune.setOrderStatus(order.id as string, 'complete');
    const complete = (await get(`/orders/${order.id}`)).body;
    expect(complete.status).toBe('complete');
    expect((complete.projects as Json[]).map((p) => p.status)).toEqual(['retired', 'retired']);
    expect(complete.certificate).toBe(`${lune.url}/orders/${order.id}/certificate`);
    expect(() => lune.setOrderStatus(order.id as string, 'placed')).toThrow();
  });

  it('prices each bundle at quantity × unit price and adds a 10 % commission, to the cent', async () => {
    const { body } = await post('/orders/by-mass', { mass: { amount: '2', unit: 't' } });
    const placed = (await get(`/orders/${body.id}`)).body;
    expect(placed.bundles).toEqual([
      {
        bundle_id: FORESTS!.id,
        bundle_name: FORESTS!.name,
        quantity: '1.9',
        unit_price: '13.57',
        gross_unit_price: '15.08',
        offset_cost: '25.78',
        insufficient_available_quantity: null,
      },
      {
        bundle_id: OCEAN!.id,
        bundle_name: OCEAN!.name,
        quantity: '0.1',
        unit_price: '250',
        gross_unit_price: '277.78',
        offset_cost: '25.00',
        insufficient_available_quantity: null,
      },
    ]);
    expect(placed).toMatchObject({ offset_cost: '50.78', commission: '5.64', total_cost: '56.42', quantity: '2' });
  });

  it('keeps what an order had when it is cancelled or fails, and paid looks like placed', async () => {
    const placed = (await post('/orders/by-mass', { mass: { amount: '1', unit: 't' } })).body.id as string;
    lune.setOrderStatus(placed, 'paid');
    const paid = (await get(`/orders/${placed}`)).body;
    expect(paid).toMatchObject({ status: 'paid', quantity: '1', projects: null, certificate: null });
    lune.setOrderStatus(placed, 'cancelled');
    expect((await get(`/orders/${placed}`)).body).toMatchObject({
      status: 'cancelled',
      quantity: '1',
      bundles: paid.bundles,
    });
    expect(() => lune.setOrderStatus(placed, 'complete')).toThrow();

    const failed = (await post('/orders/by-mass', { mass: { amount: '1', unit: 't' } })).body.id as string;
    lune.setOrderStatus(failed, 'failed');
    expect((await get(`/orders/${failed}`)).body).toMatchObject({
      status: 'failed',
      quantity: null,
      bundles: null,
      total_cost: null,
    });
  });

  it('leaves a received order received on reads when told to', async () => {
    const manual = await startLuneFake({ placeOnRead: false });
    try {
      const headers = { authorization: `Bearer ${LUNE_API_KEYS.live}`, 'content-type': 'application/json' };
      const created = (await (
        await fetch(`${manual.url}/orders/by-mass`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ mass: { amount: '1', unit: 't' } }),
        })
      ).json()) as Json;
      const read = (await (await fetch(`${manual.url}/orders/${created.id}`, { headers })).json()) as Json;
      expect(read).toMatchObject({ status: 'received', bundles: null });
      manual.setOrderStatus(created.id as string, 'placed');
      expect(((await (await fetch(`${manual.url}/orders/${created.id}`, { headers })).json()) as Json).status).toBe(
        'placed',
      );
    } finally {
      await manual.stop();
    }
  });

  it('serves the certificate of a complete order as a PDF, with the bearer key or the access_token parameter', async () => {
    const { body } = await post('/orders/by-mass', { mass: { amount: '1', unit: 't' } });
    lune.setOrderStatus(body.id as string, 'complete');
    const pdf = await get(`/orders/${body.id}/certificate`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.text.startsWith('%PDF-')).toBe(true);
    expect(pdf.text).toContain(body.id as string);
    const byQuery = await get(`/orders/${body.id}/certificate?access_token=${encodeURIComponent(LUNE_API_KEYS.live)}`, {
      key: null,
    });
    expect(byQuery.status).toBe(200);
    expectLuneError(
      await get(`/orders/${body.id}?access_token=${encodeURIComponent(LUNE_API_KEYS.live)}`, { key: null }),
      401,
      'unauthorised',
    );
  });

  it('orders by value in the OrderByValue shape', async () => {
    const { status, body } = await post(
      '/orders/by-value',
      { value: '50', bundle_selection: [{ bundle_id: OCEAN!.id }] },
      { account: LUNE_ACCOUNTS.liveEur.id },
    );
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(ORDER_KEYS);
    expect(body).toMatchObject({
      type: 'value',
      currency: 'EUR',
      requested_value: '50',
      requested_quantity: null,
      estimate_id: null,
    });
    const placed = (await get(`/orders/${body.id}`, { account: LUNE_ACCOUNTS.liveEur.id })).body;
    expect((placed.bundles as Json[]).map((b) => b.bundle_id)).toEqual([OCEAN!.id]);
    expect(Number(placed.total_cost)).toBeLessThanOrEqual(50);
    expect((await get(`/orders/${body.id}`)).status).toBe(404);
  });

  it('orders by bundle masses and flags a bundle short of supply', async () => {
    const { status, body } = await post('/orders/by-mass', {
      bundle_masses: [
        { bundle_id: BIOCHAR!.id, mass: { amount: '6', unit: 't' } },
        { bundle_id: FORESTS!.id, mass: { amount: '500', unit: 'kg' } },
      ],
    });
    expect(status).toBe(200);
    expect(body.requested_quantity).toBe('6.5');
    const bundles = (await get(`/orders/${body.id}`)).body.bundles as Json[];
    expect(bundles.map((b) => [b.bundle_id, b.quantity, b.insufficient_available_quantity])).toEqual([
      [BIOCHAR!.id, '6', true],
      [FORESTS!.id, '0.5', null],
    ]);
  });

  it('orders by estimate once, as a quantity order naming the estimate', async () => {
    const estimate = LUNE_ESTIMATES[0]!;
    expectLuneError(await post('/orders/by-estimate', { estimate_id: 'NoSuchEstimate' }), 400, 'estimate_not_found');
    expectLuneError(
      await post('/orders/by-estimate', { estimate_id: LUNE_ESTIMATES[1]!.id }),
      400,
      'estimate_not_found',
    );
    const first = await post('/orders/by-estimate', { estimate_id: estimate.id });
    expect(first.status).toBe(200);
    expect(Object.keys(first.body).sort()).toEqual(ORDER_KEYS);
    expect(first.body).toMatchObject({
      type: 'quantity',
      estimate_id: estimate.id,
      requested_quantity: '2.5',
      requested_value: null,
    });
    expectLuneError(
      await post('/orders/by-estimate', { estimate_id: estimate.id }),
      409,
      'estimate_order_already_placed',
    );
  });

  it('answers 404 without a body for an order it does not know', async () => {
    const res = await get('/orders/NoSuchOrder');
    expect(res.status).toBe(404);
    expect(res.text).toBe('');
    expect((await get('/orders/by-idempotency-key/no-such-key')).status).toBe(404);
  });

  it('refuses order creation for a suspended account with 409 account_suspended', async () => {
    const suspended = LUNE_ACCOUNTS.testEur.id;
    lune.suspendAccount(suspended);
    expectLuneError(
      await post(
        '/orders/by-mass',
        { mass: { amount: '1', unit: 't' } },
        { key: LUNE_API_KEYS.test, account: suspended },
      ),
      409,
      'account_suspended',
    );
  });
});

describe('idempotency', () => {
  it('replays the same request with the same key and creates nothing more', async () => {
    const before = lune.ordersCreated();
    const request = { mass: { amount: '3', unit: 't' }, idempotency_key: 'order 7/α' };
    const first = await post('/orders/by-mass', request);
    const again = await post('/orders/by-mass', { idempotency_key: 'order 7/α', mass: { unit: 't', amount: '3' } });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(lune.ordersCreated()).toBe(before + 1);
    const byKey = await get(`/orders/by-idempotency-key/${encodeURIComponent('order 7/α')}`);
    expect(byKey.body).toMatchObject({ id: first.body.id, idempotency_key: 'order 7/α', status: 'placed' });
    expect((await post('/orders/by-mass', request)).body.status).toBe('placed');
  });

  it('refuses the same key with a different request with 409 order_idempotency_already_exists', async () => {
    await post('/orders/by-mass', { mass: { amount: '1', unit: 't' }, idempotency_key: 'conflicting' });
    const before = lune.ordersCreated();
    expectLuneError(
      await post('/orders/by-mass', { mass: { amount: '2', unit: 't' }, idempotency_key: 'conflicting' }),
      409,
      'order_idempotency_already_exists',
    );
    expectLuneError(
      await post('/orders/by-value', { value: '10', idempotency_key: 'conflicting' }),
      409,
      'order_idempotency_already_exists',
    );
    expect(lune.ordersCreated()).toBe(before);
  });

  it('keeps keys per account', async () => {
    const usd = await post('/orders/by-mass', { mass: { amount: '1', unit: 't' }, idempotency_key: 'per-account' });
    const eur = await post(
      '/orders/by-mass',
      { mass: { amount: '1', unit: 't' }, idempotency_key: 'per-account' },
      { account: LUNE_ACCOUNTS.liveEur.id },
    );
    expect(eur.status).toBe(200);
    expect(eur.body.id).not.toBe(usd.body.id);
  });

  it('accepts a key of 100 characters and refuses 101 or an empty one', async () => {
    expect(
      (await post('/orders/by-mass', { mass: { amount: '1', unit: 't' }, idempotency_key: 'k'.repeat(100) })).status,
    ).toBe(200);
    expect(
      (await post('/orders/by-mass', { mass: { amount: '1', unit: 't' }, idempotency_key: '🌳'.repeat(100) })).status,
    ).toBe(200);
    expectLuneError(
      await post('/orders/by-mass', { mass: { amount: '1', unit: 't' }, idempotency_key: 'k'.repeat(101) }),
      400,
      'validation_error',
    );
    expectLuneError(
      await post('/orders/by-mass', { mass: { amount: '1', unit: 't' }, idempotency_key: '' }),
      400,
      'validation_error',
    );
  });

  it('creates the order once when its response was lost and the request is retried', async () => {
    const before = lune.ordersCreated();
    lune.fail({ method: 'POST', pathPrefix: '/orders/by-value', status: 0, afterEffect: true });
    const request = { value: '20', idempotency_key: 'lost-response' };
    await expect(post('/orders/by-value', request)).rejects.toThrow();
    expect(lune.ordersCreated()).toBe(before + 1);
    const retried = await post('/orders/by-value', request);
    expect(retried.status).toBe(200);
    expect(retried.body.id).toBe(lune.state.created.at(-1));
    expect(lune.ordersCreated()).toBe(before + 1);
  });
});

describe('validation', () => {
  const mass = { amount: '1', unit: 't' };
  it.each([
    { name: 'a number amount', body: { mass: { amount: 1, unit: 't' } }, code: 'validation_error' },
    { name: 'an unknown unit', body: { mass: { amount: '1', unit: 'lb' } }, code: 'validation_error' },
    {
      name: 'both mass and bundle_masses',
      body: { mass, bundle_masses: [{ bundle_id: FORESTS!.id, mass }] },
      code: 'validation_error',
    },
    { name: 'neither mass nor bundle_masses', body: { metadata: {} }, code: 'validation_error' },
    { name: 'non-string metadata', body: { mass, metadata: { n: 1 } }, code: 'validation_error' },
    { name: 'null metadata', body: { mass, metadata: null }, code: 'validation_error' },
    { name: 'a null idempotency_key', body: { mass, idempotency_key: null }, code: 'validation_error' },
    {
      name: 'an empty bundle_selection',
      body: { mass, bundle_selection: [] },
      code: 'bundle_selection_ratios_invalid',
    },
    {
      name: 'a bundle_selection that is no array',
      body: { mass, bundle_selection: { bundle_id: FORESTS!.id } },
      code: 'validation_error',
    },
    { name: 'an unknown quantity_trunc', body: { mass, quantity_trunc: 'mg' }, code: 'validation_error' },
    {
      name: 'an unknown bundle',
      body: { mass, bundle_selection: [{ bundle_id: 'NoSuchBundle', percentage: 100 }] },
      code: 'bundle_id_invalid',
    },
    {
      name: 'percentages not adding up to 100',
      body: { mass, bundle_selection: [{ bundle_id: FORESTS!.id, percentage: 90 }] },
      code: 'bundle_selection_ratios_invalid',
    },
    {
      name: 'percentages for some bundles only',
      body: { mass, bundle_selection: [{ bundle_id: FORESTS!.id, percentage: 100 }, { bundle_id: OCEAN!.id }] },
      code: 'bundle_selection_ratios_invalid_format',
    },
    {
      name: 'a percentage with 3 decimals',
      body: { mass, bundle_selection: [{ bundle_id: FORESTS!.id, percentage: '100.000' }] },
      code: 'validation_error',
    },
  ])('refuses $name with 400 $code', async ({ body, code }) => {
    const before = lune.ordersCreated();
    expectLuneError(await post('/orders/by-mass', body), 400, code);
    expect(lune.ordersCreated()).toBe(before);
  });

  it('accepts decimal percentages as strings', async () => {
    const res = await post('/orders/by-mass/quote', {
      mass,
      bundle_selection: [
        { bundle_id: FORESTS!.id, percentage: '33.33' },
        { bundle_id: OCEAN!.id, percentage: '66.67' },
      ],
    });
    expect((res.body.bundles as Json[]).map((b) => b.quantity)).toEqual(['0.3333', '0.6667']);
  });

  it('refuses a body that is not JSON and a value that is not a decimal string', async () => {
    expectLuneError(await post('/orders/by-value', '{"value": '), 400, 'validation_error');
    expectLuneError(await post('/orders/by-value', { value: '1e3' }), 400, 'validation_error');
    expectLuneError(await post('/orders/by-mass', { mass: { amount: '0', unit: 't' } }), 409, 'order_quantity_invalid');
  });
});

describe('list orders', () => {
  it('pages newest first with limit and after, per API key and account', async () => {
    const key = LUNE_API_KEYS.test;
    const ids: string[] = [];
    for (const amount of ['1', '2', '3'])
      ids.push((await post('/orders/by-mass', { mass: { amount, unit: 't' } }, { key })).body.id as string);
    const first = await get('/orders?limit=2', { key });
    expect(Object.keys(first.body).sort()).toEqual(['data', 'has_more']);
    expect(first.body.has_more).toBe(true);
    const page = first.body.data as Json[];
    expect(page.map((o) => o.id)).toEqual([ids[2], ids[1]]);
    for (const o of page) expect(Object.keys(o).sort()).toEqual(ORDER_KEYS);
    const second = await get(`/orders?limit=2&after=${ids[1]}`, { key });
    expect(second.body).toEqual({ has_more: false, data: [expect.objectContaining({ id: ids[0] })] });
    const live = (await get('/orders?limit=100')).body.data as Json[];
    expect(live.some((o) => ids.includes(o.id as string))).toBe(false);
    expect((await get('/orders', { key, account: LUNE_ACCOUNTS.testEur.id })).body).toEqual({
      has_more: false,
      data: [],
    });
    expect((await get(`/orders?offset_link_id=link`, { key })).body).toEqual({ has_more: false, data: [] });
  });

  it('defaults to 10 orders a page', async () => {
    for (let i = 0; i < 11; i++) await post('/orders/by-mass', { mass: { amount: '1', unit: 'kg' } });
    const res = await get('/orders');
    expect((res.body.data as Json[]).length).toBe(10);
    expect(res.body.has_more).toBe(true);
  });

  it.each(['0', '101', 'ten', '-1'])('refuses limit=%s with 400 pagination_limit_invalid', async (limit) => {
    expectLuneError(await get(`/orders?limit=${limit}`), 400, 'pagination_limit_invalid');
  });

  it('refuses an after cursor that names no order', async () => {
    expectLuneError(await get('/orders?after=NoSuchOrder'), 400, 'validation_error');
  });
});

describe('rate limit', () => {
  it('answers the request over the limit with 429 and no body', async () => {
    const limited = await startLuneFake({ rateLimit: { limit: 2, windowMs: 60_000 } });
    try {
      const at = (key: string) => fetch(`${limited.url}/orders`, { headers: { authorization: `Bearer ${key}` } });
      expect((await at(LUNE_API_KEYS.live)).status).toBe(200);
      expect((await at(LUNE_API_KEYS.live)).status).toBe(200);
      const over = await at(LUNE_API_KEYS.live);
      expect(over.status).toBe(429);
      expect(await over.text()).toBe('');
      expect((await at(LUNE_API_KEYS.test)).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });
});
