import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import type { LuneFake } from '../../fakes/lune.ts';
import { MODES, tokenFor } from '../support/env.ts';
import {
  LatestOffsetOrderCertificateDocument,
  OffsetOrderCertificateDocument,
  OffsetOrderRetirementSharesDocument,
  PlaceOffsetOrderByMassDocument,
  QuoteByMassDocument,
  ResoldProductQuoteDocument,
  type OffsetOrderRetirementSharesQuery,
} from '../__generated__/operations.ts';
import { codes, graphql, ok } from '../support/graphql.ts';
import { localOf } from '../support/ids.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { pdfText, until } from './helpers.ts';

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

  const url = () => stack.gateway.url;

  it('prices a resold product’s yearly emissions with the footprint and sales volume footprints owns', async () => {
    const q = ResoldProductQuoteDocument;
    const oat = ok(await graphql(url(), q, { id: DEMO.resoldProducts[0] }, { token: alice })).resoldProduct!;
    // 0.35 kg CO2e per kg x 13.5 t of product sold in 2025 = 4.725 t CO2e.
    expect(oat.footprint).toEqual({ total: '0.35' });
    expect(oat.yearlySalesVolumes).toContainEqual({ year: 2025, tonnes: '13.5' });
    const byMass = ok(
      await graphql(url(), QuoteByMassDocument, { input: { mass: { amount: '4.725', unit: 'T' } } }, { token: alice }),
    );
    expect(oat.offsetQuote).toEqual(byMass.offsetQuoteByMass.quote);
    expect(oat.offsetQuote).toMatchObject({ mass: { amount: '4.725', unit: 'T' } });
    // A product without a footprint has nothing to quote.
    const coffee = ok(await graphql(url(), q, { id: DEMO.resoldProducts[3] }, { token: alice })).resoldProduct!;
    expect(coffee.footprint).toBeNull();
    expect(coffee.offsetQuote).toBeNull();
    expect(codes(await graphql(url(), q, { id: DEMO.resoldProducts[0] }))).toContain('UNAUTHENTICATED');
  });

  it('an offset order placed through the gateway is listed for its buyer with its certificate link', async () => {
    const placed = ok(
      await graphql(
        url(),
        PlaceOffsetOrderByMassDocument,
        { input: { mass: { amount: '2', unit: 'T' }, idempotencyKey: 'gateway-order' } },
        { token: alice },
      ),
    ).createOffsetOrderByMass.offsetOrder!;
    if (mode === 'upstream') {
      // Lune receives the order and completes it later; its certificate exists once it is complete.
      expect(placed.status).toBe('RECEIVED');
      (stack.fakes.find((f) => f.name === 'lune') as LuneFake).setOrderStatus(localOf(placed.id), 'complete');
    } else {
      expect(placed.status).toBe('COMPLETE');
    }
    const list = ok(await graphql(url(), LatestOffsetOrderCertificateDocument, {}, { token: alice }));
    expect(list.offsetOrders.nodes[0]!.id).toBe(placed.id);
    // The link points at the gateway (a client cannot reach a subgraph), which streams the PDF from the marketplace.
    const link = new URL(list.offsetOrders.nodes[0]!.certificate!.url);
    expect(link.origin).toBe(new URL(stack.gateway.url).origin);
    const pdf = await fetch(link);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    // The marketplace still checks the signature: a tampered link is refused through the gateway too.
    link.searchParams.set('signature', 'forged');
    expect((await fetch(link)).status).toBe(401);
    expect((await fetch(link, { method: 'DELETE' })).status).toBe(405);
  });
});

describe('offset order retirements across marketplace and registry (local mode)', () => {
  let stack: Stack;
  let alice: string;

  beforeAll(async () => {
    stack = await startStack('local', { PAYMENT_OUTBOX_INTERVAL_MS: '50' });
    alice = await tokenFor(DEMO.users.alice);
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });

  const url = () => stack.gateway.url;
  const certificateText = async (id: string) => {
    const cert = ok(await graphql(url(), OffsetOrderCertificateDocument, { id }, { token: alice })).offsetOrder!
      .certificate!;
    const res = await fetch(cert.url);
    expect(res.status).toBe(200);
    return pdfText(Buffer.from(await res.arrayBuffer()));
  };

  it('an offset order placed by mass fills a pooled retirement in the registry, shown with its share and serials', async () => {
    const placed = ok(
      await graphql(
        url(),
        PlaceOffsetOrderByMassDocument,
        { input: { mass: { amount: '2.5', unit: 'T' }, idempotencyKey: 'retired-in-registry' } },
        { token: alice },
      ),
    ).createOffsetOrderByMass.offsetOrder!;
    // The cheapest bundle is the Kenya cookstoves project, held by the registry's offset inventory.
    expect(placed.allocations).toEqual([{ projectId: DEMO.offsetProjects[0], mass: { amount: '2.5' } }]);

    let state: OffsetOrderRetirementSharesQuery['offsetOrder'] | undefined;
    await until(async () => {
      state = ok(
        await graphql(url(), OffsetOrderRetirementSharesDocument, { id: placed.id }, { token: alice }),
      ).offsetOrder!;
      return state.retirementShares[0]?.retirement?.status === 'RETIRED';
    }, 'the registry retirement of the order');
    // 2 whole tonnes are retired (oldest vintage first, from the serials the demo orders left); 0.5 t wait in the pool.
    const name = 'Efficient Cookstoves Kenya pooled retirement #1';
    expect(state).toEqual({
      retirementStatus: 'PENDING',
      retirementShares: [
        {
          mass: { amount: '2000000', unit: 'G' },
          retirement: {
            name,
            status: 'RETIRED',
            retirements: [{ amount: { amount: '2' }, serialization: 'ICR-KEN-1021-2022-46-47' }],
          },
        },
        { mass: { amount: '500000', unit: 'G' }, retirement: null },
      ],
    });
    const text = await certificateText(placed.id);
    expect(text).toContain(
      `${name} (2 t of Efficient Cookstoves Kenya): 2000000 g of this order, retired: ICR ICR-KEN-1021-2022-46-47 on `,
    );
    expect(text).toContain('Pending: 500000 g in the pool of project Efficient Cookstoves Kenya');
  });

  it('the demo order’s certificate lists its registry retirement', async () => {
    const text = await certificateText(DEMO.offsetOrders[0]);
    expect(text).toContain('Registry retirements');
    expect(text).toContain('ICR ICR-KEN-1021-2022-1-10: 10 t for Alice Buyer, retired 2026-04-01');
  });
});
