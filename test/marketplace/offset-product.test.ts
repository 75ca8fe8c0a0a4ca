// The product offset flow in the marketplace subgraph (local mode), against a footprints stand-in
// that records what it is asked: the caller's token goes with the read, a known key never reads
// footprints again, and concurrent requests with one key place one order with one payment.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ServiceOutbox } from '../../subgraphs/marketplace/local/entities.ts';
import { OffsetOrder } from '../../subgraphs/marketplace/offsets/local/entities.ts';
import { OffsetProductRun } from '../../subgraphs/marketplace/offsets/flow/entities.ts';
import { offsetProductHash, offsetProductRequest } from '../../subgraphs/marketplace/offsets/flow/input.ts';
import { data, startMarketplace, type Marketplace } from './helpers.ts';

const PRODUCT = { id: 'product-1', name: 'Test Crispbread', footprint: { total: '0.5' }, yearlySalesVolumes: [{ year: 2025, tonnes: '4' }] };
const OFFSET = `mutation O($input: OffsetResoldProductInput!) { offsetResoldProduct(input: $input) { offsetOrder { id mass { amount unit } offsetYear } userErrors { field code } } }`;

describe('offsetResoldProduct in the marketplace subgraph (local mode)', () => {
  let market: Marketplace;
  let footprints: Server;
  const asked: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    footprints = createServer((req, res) => {
      asked.push(req.headers);
      req.resume().on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ data: { resoldProduct: PRODUCT } }));
      });
    });
    await new Promise<void>((resolve) => footprints.listen(0, '127.0.0.1', resolve));
    const { port } = footprints.address() as AddressInfo;
    market = await startMarketplace('local', { FOOTPRINTS_URL: `http://127.0.0.1:${port}/graphql`, OFFSET_FLOW_RESUME_INTERVAL_MS: '600000' });
  }, 60_000);
  afterAll(async () => {
    await market?.stop();
    await new Promise((resolve) => footprints?.close(resolve));
  });

  const offset = (input: Record<string, unknown>) => market.as('alice', OFFSET, { input }).then((r) => data(r).offsetResoldProduct);

  it('reads footprints once, as the caller; a retry with the key reads nothing and returns the order', async () => {
    const input = { resoldProductId: PRODUCT.id, year: 2025, idempotencyKey: 'crispbread-2025' };
    const first = await offset(input);
    // 0.5 kg CO2e per kg x 4 t = 2 t CO2e.
    expect(first).toMatchObject({ offsetOrder: { mass: { amount: '2', unit: 'T' }, offsetYear: 2025 }, userErrors: [] });
    expect(asked).toHaveLength(1);
    expect(asked[0]!.authorization).toBe(`Bearer ${market.tokens.alice}`);
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
    expect(run.orderId).toBe([...ids][0]);
    expect(await em.count(OffsetOrder, { id: run.orderId! })).toBe(1);
    expect(await em.count(ServiceOutbox, { mutation: 'recordPaymentTransaction', payload: { $like: `%${run.orderId}%` } })).toBe(1);
  });

  it('validates every field at once and fingerprints a retry however its amount is written', () => {
    expect(() => offsetProductRequest({ resoldProductId: '', year: 99, idempotencyKey: '', maximumSpend: { amount: '-1', currency: 'EUR' }, beneficiary: 'x'.repeat(201) })).toThrow(
      /resold product id is required; .*calendar year.*; .*idempotency key.*; .*must be positive; .*at most 200 characters/,
    );
    const a = offsetProductRequest({ resoldProductId: 'p', year: 2025, idempotencyKey: 'k', maximumSpend: { amount: '10', currency: 'EUR' } });
    const b = offsetProductRequest({ resoldProductId: 'p', year: 2025, idempotencyKey: 'other', maximumSpend: { amount: '10.00', currency: 'EUR' } });
    expect(offsetProductHash(a)).toBe(offsetProductHash(b));
    expect(offsetProductHash(a)).not.toBe(offsetProductHash({ ...a, year: 2024 }));
  });
});
