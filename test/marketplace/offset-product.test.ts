// The product offset flow in the marketplace subgraph (local mode), against a footprints stand-in
// that records what it is asked: the service credential on the caller's behalf goes with the read, a known key never reads
// footprints again, and concurrent requests with one key place one order with one payment.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { ServiceOutbox } from '../../subgraphs/marketplace/outbox/entities.ts';
import { OffsetOrder } from '../../subgraphs/marketplace/offsets/local/entities.ts';
import { OffsetProductRun } from '../../subgraphs/marketplace/offsets/flow/entities.ts';
import { offsetProductHash, offsetProductRequest } from '../../subgraphs/marketplace/offsets/flow/input.ts';
import { LUNE_ACCOUNTS, startLuneFake, type LuneFake } from '../../fakes/lune.ts';
import { TEST_SECRETS } from '../support/env.ts';
import { gid } from '../support/ids.ts';
import { data, startMarketplace, until, type Marketplace } from './helpers.ts';

const PRODUCT = {
  id: 'product-1',
  name: 'Test Crispbread',
  footprint: { total: '0.5' },
  yearlySalesVolumes: [{ year: 2025, tonnes: '4' }],
};
/** 1000 kg CO2e per kg x 10^9 t sold: 10^12 t, beyond the mass limit of 10^9 t. */
const HUGE = {
  ...PRODUCT,
  id: 'product-huge',
  footprint: { total: '1000' },
  yearlySalesVolumes: [{ year: 2025, tonnes: '1000000000' }],
};
const OFFSET = `mutation O($input: OffsetResoldProductInput!) { offsetResoldProduct(input: $input) { offsetOrder { id mass { amount unit } offsetYear } userErrors { field code } } }`;

let footprints: Server;
let footprintsUrl: string;
const asked: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  footprints = createServer((req, res) => {
    asked.push(req.headers);
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: { resoldProduct: body.includes(HUGE.id) ? HUGE : PRODUCT } }));
    });
  });
  await new Promise<void>((resolve) => footprints.listen(0, '127.0.0.1', resolve));
  footprintsUrl = `http://127.0.0.1:${(footprints.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  await new Promise((resolve) => footprints?.close(resolve));
});

describe('offsetResoldProduct in the marketplace subgraph (local mode)', () => {
  let market: Marketplace;

  beforeAll(async () => {
    market = await startMarketplace('local', {
      FOOTPRINTS_URL: footprintsUrl,
      OFFSET_FLOW_RESUME_INTERVAL_MS: '600000',
    });
  }, 60_000);
  afterAll(async () => {
    await market?.stop();
  });

  const offset = (input: Record<string, unknown>) =>
    market.as('alice', OFFSET, { input }).then((r) => data(r).offsetResoldProduct);

  it('reads footprints once, as the caller; a retry with the key reads nothing and returns the order', async () => {
    const input = { resoldProductId: PRODUCT.id, year: 2025, idempotencyKey: 'crispbread-2025' };
    const first = await offset(input);
    // 0.5 kg CO2e per kg x 4 t = 2 t CO2e.
    expect(first).toMatchObject({
      offsetOrder: { mass: { amount: '2', unit: 'T' }, offsetYear: 2025 },
      userErrors: [],
    });
    expect(asked).toHaveLength(1);
    // The service credential, on the caller's behalf: footprints answers as it would the buyer.
    expect(asked[0]!.authorization).toBe(`Bearer ${TEST_SECRETS.SERVICE_TOKEN}`);
    expect(asked[0]!['x-on-behalf-of']).toBe(market.tokens.alice);
    expect(await offset(input)).toEqual(first);
    expect(asked).toHaveLength(1);
  });

  it('concurrent requests with one key place one order and queue one payment', async () => {
    const input = { resoldProductId: PRODUCT.id, year: 2025, idempotencyKey: 'crispbread-2025-concurrent' };
    const answers = await Promise.all(Array.from({ length: 5 }, () => offset(input)));
    const ids = new Set(answers.map((a) => a.offsetOrder?.id));
    expect(ids.size).toBe(1);
    const em = market.app.database!.fork();
    const run = await em.findOneOrFail(OffsetProductRun, { idempotencyKey: input.idempotencyKey });
    expect(gid('OffsetOrder', run.orderId!)).toBe([...ids][0]);
    expect(await em.count(OffsetOrder, { id: run.orderId! })).toBe(1);
    expect(
      await em.count(ServiceOutbox, { mutation: 'recordPaymentTransaction', payload: { $like: `%${run.orderId}%` } }),
    ).toBe(1);
  });

  /** A run recorded as MEASURED whose order has not been placed yet, as a crash would leave it. */
  async function measuredRun(
    input: { resoldProductId: string; year: number; idempotencyKey: string },
    grams: bigint,
    maximumSpendMinor: bigint | null,
  ) {
    const em = market.app.database!.fork();
    const now = new Date();
    em.create(OffsetProductRun, {
      id: randomUUID(),
      buyerId: DEMO.users.alice.id,
      idempotencyKey: input.idempotencyKey,
      requestHash: offsetProductHash(offsetProductRequest(input)),
      resoldProductId: input.resoldProductId,
      productName: PRODUCT.name,
      year: input.year,
      step: 'MEASURED',
      footprintKgPerKg: '0.5',
      salesTonnes: '4',
      grams,
      currency: 'EUR',
      quotedCostMinor: 1n,
      maximumSpendMinor,
      beneficiary: 'Alice Buyer',
      orderId: null,
      refusalCode: null,
      refusalField: null,
      refusalMessage: null,
      createdAt: now,
      updatedAt: now,
    });
    await em.flush();
  }

  it.each([
    // The stock sold out since the quote.
    ['INSUFFICIENT_INVENTORY', 10_000_000_000_000n, null],
    // The price rose since the quote: the limit holds for the order itself (1 t costs more than 0.01 EUR).
    ['QUOTE_ABOVE_MAXIMUM_SPEND', 1_000_000n, 1n],
  ])(
    'an order refused when placed (%s) refuses the run: every retry answers it and nothing is bought',
    async (code, grams, limit) => {
      const input = { resoldProductId: PRODUCT.id, year: 2025, idempotencyKey: `refused-${code}` };
      await measuredRun(input, grams, limit);
      const em = market.app.database!.fork();
      const orders = await em.count(OffsetOrder, {});
      const first = await offset(input);
      expect(first).toMatchObject({ offsetOrder: null, userErrors: [{ code }] });
      expect(await offset(input)).toEqual(first);
      expect((await em.findOneOrFail(OffsetProductRun, { idempotencyKey: input.idempotencyKey })).step).toBe('REFUSED');
      expect(await em.count(OffsetOrder, {})).toBe(orders);
    },
  );

  it('a year’s emissions beyond 10^9 t are refused INVALID before any quote, and no run is recorded', async () => {
    const input = { resoldProductId: HUGE.id, year: 2025, idempotencyKey: 'huge-2025' };
    expect(await offset(input)).toEqual({
      offsetOrder: null,
      userErrors: [{ field: ['input', 'resoldProductId'], code: 'INVALID' }],
    });
    expect(await market.app.database!.fork().count(OffsetProductRun, { idempotencyKey: input.idempotencyKey })).toBe(0);
  });

  it('validates every field at once and fingerprints a retry however its amount is written', () => {
    expect(() =>
      offsetProductRequest({
        resoldProductId: '',
        year: 99,
        idempotencyKey: '',
        maximumSpend: { amount: '-1', currency: 'EUR' },
      }),
    ).toThrow(/resold product id is required; .*calendar year.*; .*idempotency key.*; .*must be positive/);
    const a = offsetProductRequest({
      resoldProductId: 'p',
      year: 2025,
      idempotencyKey: 'k',
      maximumSpend: { amount: '10', currency: 'EUR' },
    });
    const b = offsetProductRequest({
      resoldProductId: 'p',
      year: 2025,
      idempotencyKey: 'other',
      maximumSpend: { amount: '10.00', currency: 'EUR' },
    });
    expect(offsetProductHash(a)).toBe(offsetProductHash(b));
    expect(offsetProductHash(a)).not.toBe(offsetProductHash({ ...a, year: 2024 }));
  });
});

describe('offsetResoldProduct with Lune refusing the order for a while (upstream mode)', () => {
  let market: Marketplace;
  let lune: LuneFake;

  beforeAll(async () => {
    // Two requests per window: the account read at start and the quote pass, the order right after them is rate limited.
    lune = await startLuneFake({ rateLimit: { limit: 2, windowMs: 6_000 } });
    market = await startMarketplace('upstream', {
      ...lune.env,
      OFFSET_ORDERS_ACCOUNT_ID: LUNE_ACCOUNTS.liveEur.id,
      OFFSET_ORDERS_ACCOUNT_CURRENCY: LUNE_ACCOUNTS.liveEur.currency,
      FOOTPRINTS_URL: footprintsUrl,
      UPSTREAM_RETRIES: '0',
      OFFSET_FLOW_RESUME_INTERVAL_MS: '100',
    });
  }, 60_000);
  afterAll(async () => {
    await market?.stop();
    await lune?.stop();
  });

  it('answers that the offset is recorded, and the resumer places the one order once Lune accepts', async () => {
    const input = { resoldProductId: PRODUCT.id, year: 2025, idempotencyKey: 'crispbread-rate-limited' };
    await until(async () => lune.calls.some((c) => c.path === '/accounts/me'), 'the account read at start');
    const refused = await market.as('alice', OFFSET, { input });
    expect(refused.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(refused.errors?.[0]?.message).toContain('retry with the same idempotencyKey');
    expect(lune.ordersCreated()).toBe(0);
    const em = market.app.database!.fork();
    const run = () => em.fork().findOneOrFail(OffsetProductRun, { idempotencyKey: input.idempotencyKey });
    await until(async () => (await run()).step === 'ORDERED', 'the resumer to place the order');
    expect(lune.ordersCreated()).toBe(1);
    // The buyer's retry (Lune answers reads again once its window passes) returns that order.
    let retried: Awaited<ReturnType<Marketplace['as']>> | undefined;
    await until(
      async () => (retried = await market.as('alice', OFFSET, { input })).errors === undefined,
      'the rate limit window to pass',
    );
    expect(data(retried!).offsetResoldProduct.offsetOrder.id).toBe(gid('OffsetOrder', (await run()).orderId!));
    expect(lune.ordersCreated()).toBe(1);
  }, 60_000);
});
