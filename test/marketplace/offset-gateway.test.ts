import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../lib/demo.ts';
import { MODES, tokenFor } from '../support/env.ts';
import { codes, graphql, ok } from '../support/graphql.ts';
import { startStack, type Stack } from '../support/stack.ts';

const QUOTE = 'mass { amount unit } totalCost { amount currency } allocations { bundleId projectName mass { amount } cost { amount } }';

describe.each(MODES)('offset orders through the gateway (%s mode)', (mode) => {
  let stack: Stack;
  let alice: string;

  beforeAll(async () => {
    stack = await startStack(mode);
    alice = await tokenFor(DEMO.users.alice);
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });

  const gql = <T,>(query: string, variables: Record<string, unknown> = {}, token?: string) => graphql<T>(stack.gateway.url, query, variables, { token });

  it('prices a resold product’s yearly emissions with the footprint and sales volume footprints owns', async () => {
    type Product = { id: string; footprint: { total: string } | null; yearlySalesVolumes: { year: number; tonnes: string }[]; offsetQuote: unknown };
    const q = `query P($id: ID!) { resoldProduct(id: $id) { id footprint { total } yearlySalesVolumes { year tonnes } offsetQuote(year: 2025) { ${QUOTE} } } }`;
    const oat = ok(await gql<{ resoldProduct: Product }>(q, { id: DEMO.resoldProducts[0] }, alice)).resoldProduct;
    // 0.35 kg CO2e per kg x 1350 t of product sold in 2025 = 472.5 t CO2e.
    expect(oat.footprint).toEqual({ total: '0.35' });
    expect(oat.yearlySalesVolumes).toContainEqual({ year: 2025, tonnes: '1350' });
    const byMass = ok(await gql<{ offsetQuoteByMass: { quote: unknown } }>(`{ offsetQuoteByMass(input: { mass: { amount: "472.5", unit: T } }) { quote { ${QUOTE} } } }`, {}, alice));
    expect(oat.offsetQuote).toEqual(byMass.offsetQuoteByMass.quote);
    expect(oat.offsetQuote).toMatchObject({ mass: { amount: '472.5', unit: 'T' } });
    // A product without a footprint has nothing to quote.
    const coffee = ok(await gql<{ resoldProduct: Product }>(q, { id: DEMO.resoldProducts[3] }, alice)).resoldProduct;
    expect(coffee.footprint).toBeNull();
    expect(coffee.offsetQuote).toBeNull();
    expect(codes(await gql(q, { id: DEMO.resoldProducts[0] }))).toContain('UNAUTHENTICATED');
  });

  it('an offset order placed through the gateway is listed for its buyer with its certificate link', async () => {
    const placed = ok(
      await gql<{ createOffsetOrderByMass: { offsetOrder: { id: string; status: string } } }>(
        `mutation { createOffsetOrderByMass(input: { mass: { amount: "2", unit: T }, idempotencyKey: "gateway-order" }) { offsetOrder { id status } userErrors { code } } }`,
        {},
        alice,
      ),
    ).createOffsetOrderByMass.offsetOrder;
    expect(placed.status).toBe('COMPLETE');
    const list = ok(await gql<{ offsetOrders: { nodes: { id: string; certificate: { url: string } }[] } }>(`{ offsetOrders(first: 1) { nodes { id certificate { url } } } }`, {}, alice));
    expect(list.offsetOrders.nodes[0]!.id).toBe(placed.id);
    const pdf = await fetch(list.offsetOrders.nodes[0]!.certificate.url);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
  });
});
