// Offsetting a resold product's year end to end through the gateway, in both modes: footprints
// measures, the marketplace quotes and orders (local inventory or the Lune fake), payments records
// one payment, and a retry with the same key changes nothing.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import type { LuneFake } from '../../fakes/lune.ts';
import { MODES, tokenFor } from '../support/env.ts';
import {
  OffsetOrderCertificateDocument,
  OffsetOrderIdsDocument,
  OffsetOrderRetirementIdsDocument,
  OffsetResoldProductDocument,
  OrderPaymentAmountsDocument,
  ResoldProductOffsetOrdersDocument,
  ResoldProductQuoteTotalsDocument,
  UpdateResoldProductDocument,
  type OffsetResoldProductInput,
} from '../__generated__/operations.ts';
import { graphql, ok } from '../support/graphql.ts';
import { gid } from '../support/ids.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { pdfText, until } from '../marketplace/helpers.ts';

const [OAT_DRINK, OATS, , COFFEE] = DEMO.resoldProducts;

describe.each(MODES)('offsetting a resold product through the gateway (%s mode)', (mode) => {
  let stack: Stack;
  let alice: string;
  let bob: string;
  let admin: string;

  beforeAll(async () => {
    stack = await startStack(mode, { PAYMENT_OUTBOX_INTERVAL_MS: '50' });
    alice = await tokenFor(DEMO.users.alice);
    bob = await tokenFor(DEMO.users.bob);
    admin = await tokenFor(DEMO.users.admin);
    // The oats sell 10 t in 2025 here (0.61 kg CO2e per kg: 6.1 t CO2e), so orders fit the demo inventory.
    const oats = {
      id: OATS,
      name: 'Organic Rolled Oats 750 g',
      pickUpLocation: 'Järna, SE',
      productionLocation: 'Järna, SE',
      shipToLocation: 'Stockholm, SE',
      yearlySalesVolumes: [{ year: 2025, tonnes: '10' }],
    };
    const updated = ok(await graphql(url(), UpdateResoldProductDocument, { input: oats }, { token: admin }));
    expect(updated.updateResoldProduct.userErrors).toEqual([]);
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });

  const url = () => stack.gateway.url;
  const offset = (input: OffsetResoldProductInput, token = alice) =>
    graphql(url(), OffsetResoldProductDocument, { input }, { token }).then((r) => ok(r).offsetResoldProduct);
  const payments = async (orderId: string) =>
    ok(await graphql(url(), OrderPaymentAmountsDocument, { id: orderId }, { token: admin })).paymentTransactions.nodes;
  const myOrderIds = async () =>
    ok(await graphql(url(), OffsetOrderIdsDocument, {}, { token: alice })).offsetOrders.nodes.map((o) => o.id);
  const lune = () => stack.fakes.find((f) => f.name === 'lune') as LuneFake;
  /** The effects that buy: Lune orders created (upstream), or the order's pooled retirements (local). */
  const retirementsOf = async (orderId: string) =>
    ok(
      await graphql(url(), OffsetOrderRetirementIdsDocument, { id: orderId }, { token: alice }),
    ).offsetOrder!.retirementShares.flatMap((s) => (s.retirement ? [s.retirement.id] : []));

  it('offsets a year of a product once: the same key returns the same order, with one payment and one purchase', async () => {
    const input = {
      resoldProductId: OAT_DRINK,
      year: 2024,
      idempotencyKey: `oat-drink-2024-${mode}`,
      beneficiary: 'Nordic Grocers AB',
    };
    // 0.35 kg CO2e per kg x 12.005 t of product sold in 2024 = 4.20175 t.
    const quote = ok(await graphql(url(), ResoldProductQuoteTotalsDocument, { id: OAT_DRINK }, { token: alice }))
      .resoldProduct!.offsetQuote!;
    // Lune truncates each bundle's share to the gram (its `quantity_trunc`), so upstream the quote may
    // fall short of the emissions by a gram per bundle.
    if (mode === 'local') expect(quote.mass.amount).toBe('4.20175');
    else expect(4.20175 - Number(quote.mass.amount)).toBeLessThan(0.00001);
    const first = await offset(input);
    expect(first.userErrors).toEqual([]);
    const order = first.offsetOrder!;
    // The product comes back from footprints through the gateway, with the year it offsets.
    expect(order.resoldProduct).toEqual({ id: gid('ResoldProduct', OAT_DRINK), name: 'Oat Drink Barista 1 L' });
    expect(order.offsetYear).toBe(2024);
    const createdBefore = mode === 'upstream' ? lune().ordersCreated() : 0;
    const retirements = mode === 'local' ? await retirementsOf(order.id) : [];

    const again = await offset(input);
    expect(again).toEqual(first);
    // The payment is delivered once, whatever the number of requests.
    await until(async () => (await payments(order.id)).length > 0, 'the payment record');
    const paid = await payments(order.id);
    expect(paid).toHaveLength(1);
    // The buyer pays what the product's quote said before the order.
    expect(paid[0]!.amount).toEqual({ amount: quote.totalCost.amount, currency: 'EUR' });
    if (mode === 'upstream') {
      expect(lune().ordersCreated()).toBe(createdBefore);
    } else {
      expect(retirements.length).toBeGreaterThan(0);
      expect(await retirementsOf(order.id)).toEqual(retirements);
    }
    expect((await myOrderIds()).filter((id) => id === order.id)).toHaveLength(1);
  });

  it('links orders and products both ways: the caller sees only their own orders of a product', async () => {
    const { offsetOrder } = await offset({
      resoldProductId: OAT_DRINK,
      year: 2024,
      idempotencyKey: `oat-drink-2024-${mode}`,
      beneficiary: 'Nordic Grocers AB',
    });
    const q = ResoldProductOffsetOrdersDocument;
    const mine = ok(await graphql(url(), q, { id: OAT_DRINK }, { token: alice }));
    expect(mine.resoldProduct?.offsetOrders).toEqual({
      totalCount: 1,
      nodes: [{ id: offsetOrder!.id, offsetYear: 2024 }],
    });
    const bobs = ok(await graphql(url(), q, { id: OAT_DRINK }, { token: bob }));
    expect(bobs.resoldProduct?.offsetOrders.totalCount).toBe(0);
  });

  it('refuses the same key with another input, a quote above the maximum spend, and a product without footprint or sales', async () => {
    const before = await myOrderIds();
    const createdBefore = mode === 'upstream' ? lune().ordersCreated() : 0;
    const mismatch = await offset({
      resoldProductId: OAT_DRINK,
      year: 2025,
      idempotencyKey: `oat-drink-2024-${mode}`,
      beneficiary: 'Nordic Grocers AB',
    });
    expect(mismatch).toMatchObject({
      offsetOrder: null,
      userErrors: [{ code: 'IDEMPOTENCY_MISMATCH', field: ['input', 'idempotencyKey'] }],
    });
    const tooDear = await offset({
      resoldProductId: OATS,
      year: 2025,
      idempotencyKey: `oats-2025-${mode}`,
      maximumSpend: { amount: '10.00', currency: 'EUR' },
    });
    expect(tooDear).toMatchObject({
      offsetOrder: null,
      userErrors: [{ code: 'QUOTE_ABOVE_MAXIMUM_SPEND', field: ['input', 'maximumSpend'] }],
    });
    const noFootprint = await offset({ resoldProductId: COFFEE, year: 2025, idempotencyKey: `coffee-2025-${mode}` });
    expect(noFootprint.userErrors).toMatchObject([{ code: 'NO_FOOTPRINT' }]);
    const noSales = await offset({ resoldProductId: OATS, year: 2019, idempotencyKey: `oats-2019-${mode}` });
    expect(noSales.userErrors).toMatchObject([{ code: 'NO_SALES_VOLUME', field: ['input', 'year'] }]);
    const invalid = await offset({
      resoldProductId: ' ',
      year: 20250,
      idempotencyKey: 'has spaces',
      maximumSpend: { amount: '1.001', currency: 'EUR' },
    });
    expect(invalid.userErrors.map((e) => e.field!.join('.')).sort()).toEqual([
      'input.idempotencyKey',
      'input.maximumSpend.amount',
      'input.resoldProductId',
      'input.year',
    ]);
    // Nothing was bought.
    expect(await myOrderIds()).toEqual(before);
    if (mode === 'upstream') expect(lune().ordersCreated()).toBe(createdBefore);
    // A refused key is not spent: with a limit above the quote the same key buys.
    const placed = await offset({
      resoldProductId: OATS,
      year: 2025,
      idempotencyKey: `oats-2025-${mode}`,
      maximumSpend: { amount: '100000.00', currency: 'EUR' },
    });
    expect(placed.userErrors).toEqual([]);
    expect(placed.offsetOrder!.offsetYear).toBe(2025);
  });

  it('needs a token', async () => {
    const res = await graphql(url(), OffsetResoldProductDocument, {
      input: { resoldProductId: OATS, year: 2025, idempotencyKey: 'anonymous' },
    });
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  if (mode === 'local') {
    it('the certificate states the product, its footprint, the year and the sales volume beside the registry retirements', async () => {
      const { offsetOrder } = await offset({
        resoldProductId: OAT_DRINK,
        year: 2024,
        idempotencyKey: 'oat-drink-2024-local',
        beneficiary: 'Nordic Grocers AB',
      });
      const link = ok(await graphql(url(), OffsetOrderCertificateDocument, { id: offsetOrder!.id }, { token: alice }));
      const text = pdfText(Buffer.from(await (await fetch(link.offsetOrder!.certificate!.url)).arrayBuffer()));
      expect(text).toContain('Oat Drink Barista 1 L');
      expect(text).toContain('0.35 kg CO2e per kg of product');
      expect(text).toContain('12.005 t of product sold in 2024');
      expect(text).toContain('Registry retirements');
    });
  }
});
