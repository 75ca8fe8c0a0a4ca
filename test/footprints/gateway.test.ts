// The federation contract of ResoldProduct through the real gateway: footprints owns the product,
// its footprint and sales volumes; the marketplace prices offsetting a year's emissions with them.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { MODES, tokenFor } from '../support/env.ts';
import { ResoldProductYearQuoteDocument } from '../__generated__/operations.ts';
import { codes, graphql, ok } from '../support/graphql.ts';
import { startStack, type Stack } from '../support/stack.ts';

const P = DEMO.resoldProducts;

const Q = ResoldProductYearQuoteDocument;

describe.each(MODES)('ResoldProduct across the gateway (%s mode)', (mode) => {
  let stack: Stack;
  let token: string;
  beforeAll(async () => {
    stack = await startStack(mode);
    token = await tokenFor(DEMO.users.alice);
  });
  afterAll(() => stack?.stop());

  const quote = async (id: string, year: number) =>
    ok(await graphql(stack.gateway.url, Q, { id, year }, { token })).resoldProduct!;

  it("prices a year of emissions: footprint total × that year's sales volume", async () => {
    const oat = await quote(P[0], 2025);
    expect(oat.footprint).toEqual({ total: '0.35' });
    expect(oat.yearlySalesVolumes).toEqual([
      { year: 2024, tonnes: '12.005' },
      { year: 2025, tonnes: '13.5' },
    ]);
    // 0.35 kg CO2e per kg × 13.5 t of product = 4.725 t CO2e.
    expect(oat.offsetQuote?.mass).toEqual({ amount: '4.725', unit: 'T' });
    expect(oat.offsetQuote?.totalCost.currency).toBe('EUR');
  });

  it('has no quote without a footprint or without sales in the year', async () => {
    expect((await quote(P[3], 2025)).offsetQuote).toBeNull();
    expect((await quote(P[1], 2019)).offsetQuote).toBeNull();
  });

  it('needs a token', async () => {
    const res = await graphql(stack.gateway.url, Q, { id: P[0], year: 2025 });
    expect(codes(res)).toContain('UNAUTHENTICATED');
  });
});
