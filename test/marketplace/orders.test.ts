import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { MODES } from '../support/env.ts';
import { codes } from '../support/graphql.ts';
import { DEMO_IDS } from '../support/ids.ts';
import {
  AvailableBundleOrderIdsDocument,
  BundleOrderAvailabilityDocument,
  LatestOrderAndPurchaseDocument,
  MyOrdersAndNftsDocument,
  MyPurchasedOrderIdsDocument,
  NewProductDocument,
  OrderBuyerDocument,
  OrderIdDocument,
  OrderIdsDocument,
  OrderProductsDocument,
  OrderTotalDocument,
  PlaceBundleOrderDocument,
  PlaceOrderDocument,
  ProductAvailabilityDocument,
  SyncOrderDocument,
  type CreateOrderInput,
} from '../__generated__/marketplace-operations.ts';
import { data, ids, startMarketplace, type Marketplace } from './helpers.ts';

const { products: P, orders: O, nfts: N, suppliers: S } = DEMO_IDS;
const { bundleOrders: B } = DEMO;

const CREATE = PlaceOrderDocument;
const BUNDLE = PlaceBundleOrderDocument;
const SYNC = SyncOrderDocument;

describe.each(MODES)('marketplace orders (%s mode)', (mode) => {
  let m: Marketplace;
  beforeAll(async () => {
    m = await startMarketplace(mode);
  });
  afterAll(async () => {
    await m?.stop();
  });

  /** A fresh public product with `tonnes` for sale, so each test owns its inventory. */
  const product = async (tonnes: string, price = '10.00') =>
    data(
      await m.as('admin', NewProductDocument, {
        input: {
          name: `Test lot ${tonnes} t`,
          productType: 'REMOVAL',
          supplierId: S[1],
          countryCode: 'IS',
          pricePerTonne: { amount: price, currency: 'EUR' },
          availableQuantity: tonnes,
        },
      }),
    ).createProduct.product!.id;
  const available = async (id: string) =>
    data(await m.as('admin', ProductAvailabilityDocument, { id })).product!.availableQuantity;

  it('orders, order and createOrder need a token', async () => {
    expect(codes(await m.as(null, OrderTotalDocument, {}))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await m.as(null, OrderIdDocument, { id: O[0]! }))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await m.as(null, CREATE, { input: { productId: P[0]!, quantity: '1' } }))).toEqual([
      'UNAUTHENTICATED',
    ]);
    expect(codes(await m.as(null, BUNDLE, { input: { bundleOrderId: B[0], quantity: '1' } }))).toEqual([
      'UNAUTHENTICATED',
    ]);
    expect(codes(await m.as(null, SYNC, { hash: '0xabc' }))).toEqual(['UNAUTHENTICATED']);
  });

  it('lists orders visible to the caller with filters and a sort direction', async () => {
    const bob = data(await m.as('bob', OrderIdsDocument, { order: 'ASC' })).orders;
    expect(ids(bob).slice(0, 3)).toEqual([O[0], O[2], O[3]]);
    expect(ids(data(await m.as('bob', OrderIdsDocument, { filter: { supplierId: S[2] } })).orders)).toEqual([O[2]]);
    expect(
      ids(data(await m.as('alice', OrderIdsDocument, { filter: { isPublic: false, productType: 'REMOVAL' } })).orders),
    ).toEqual([O[4], O[1]]);
    const admin = data(await m.as('admin', OrderIdsDocument, { filter: { productType: 'AVOIDANCE' } })).orders;
    expect(ids(admin)).toEqual([O[2]]);
    expect(data(await m.as('admin', OrderIdDocument, { id: O[1]! })).order).toEqual({ id: O[1] });
    // CO2Trust has no user lookup, so upstream mode shows a buyer only to that buyer.
    if (mode === 'local')
      expect(data(await m.as('admin', OrderBuyerDocument, { id: O[1]! })).order).toEqual({
        buyer: { id: DEMO_IDS.users.alice },
      });
  });

  it('createOrder takes the tonnes from the product, prices the order and completes it', async () => {
    const id = await product('100', '12.35');
    const res = data(
      await m.as('alice', CREATE, { input: { productId: id, quantity: '2.5', isPublic: true } }),
    ).createOrder;
    expect(res.userErrors).toEqual([]);
    expect(res.order).toMatchObject({
      status: 'COMPLETED',
      quantity: { amount: '2.5', unit: 'T' },
      unitPrice: { amount: '12.35', currency: 'EUR' },
      totalPrice: { amount: '30.88', currency: 'EUR' },
      isPublic: true,
      orderHash: null,
      product: { id },
      supplier: { id: S[1] },
      buyer: { id: DEMO_IDS.users.alice },
    });
    expect(await available(id)).toBe('97.5');
    const mine = data(await m.as('alice', LatestOrderAndPurchaseDocument, {})).me!;
    expect(ids(mine.orders)).toEqual([res.order!.id]);
    expect(ids(mine.purchasedOrders)).toEqual([res.order!.id]);
  });

  it('refuses invalid quantities, unknown or hidden products and more than is available, writing nothing', async () => {
    const id = await product('5');
    const errorsOf = async (who: 'alice' | 'bob', input: CreateOrderInput) =>
      data(await m.as(who, CREATE, { input })).createOrder.userErrors.map((e) => [e.code, e.field!.join('.')]);
    expect(await errorsOf('alice', { productId: id, quantity: '0' })).toEqual([['INVALID', 'input.quantity']]);
    expect(await errorsOf('alice', { productId: id, quantity: '-1' })).toEqual([['INVALID', 'input.quantity']]);
    expect(await errorsOf('alice', { productId: id, quantity: '0.0000001' })).toEqual([['INVALID', 'input.quantity']]);
    expect(await errorsOf('alice', { productId: id, quantity: '5.000001' })).toEqual([
      ['INSUFFICIENT_INVENTORY', 'input.quantity'],
    ]);
    expect(await errorsOf('alice', { productId: 'de030000-0000-4000-8000-00000000ffff', quantity: '1' })).toEqual([
      ['NOT_FOUND', 'input.productId'],
    ]);
    // The private allocation is Alice's: Bob cannot buy it.
    expect(await errorsOf('bob', { productId: P[3], quantity: '1' })).toEqual([['NOT_FOUND', 'input.productId']]);
    expect(await available(id)).toBe('5');
  });

  it('an idempotency key returns the first order; the same key with another request is a mismatch', async () => {
    const id = await product('50');
    const input = { productId: id, quantity: '3', idempotencyKey: `retry-${mode}` };
    const first = data(await m.as('alice', CREATE, { input })).createOrder.order!;
    const again = data(await m.as('alice', CREATE, { input })).createOrder.order!;
    expect(again.id).toBe(first.id);
    expect(await available(id)).toBe('47');
    const other = data(await m.as('alice', CREATE, { input: { ...input, quantity: '4' } })).createOrder;
    expect(other.order).toBeNull();
    expect(other.userErrors).toEqual([
      { field: ['input', 'idempotencyKey'], code: 'IDEMPOTENCY_MISMATCH', message: expect.any(String) },
    ]);
    // Keys belong to their buyer: Bob's same key is a new order.
    const bobs = data(await m.as('bob', CREATE, { input })).createOrder.order!;
    expect(bobs.id).not.toBe(first.id);
    expect(await available(id)).toBe('44');
  });

  it('20 concurrent identical createOrder requests with one key create exactly one order', async () => {
    const id = await product('100');
    const input = { productId: id, quantity: '1', idempotencyKey: `burst-${mode}` };
    const results = await Promise.all(Array.from({ length: 20 }, () => m.as('bob', CREATE, { input })));
    const orderIds = new Set(results.map((r) => data(r).createOrder.order!.id));
    expect(orderIds.size).toBe(1);
    expect(await available(id)).toBe('99');
    const bobs = data(await m.as('admin', OrderProductsDocument, { filter: { supplierId: S[1] } })).orders;
    expect(bobs.nodes.filter((o) => o.product?.id === id)).toHaveLength(1);
  });

  it('concurrent orders never oversell a product', async () => {
    const id = await product('10');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        m.as(i % 2 ? 'alice' : 'bob', CREATE, { input: { productId: id, quantity: '1' } }),
      ),
    );
    const created = results.filter((r) => data(r).createOrder.order);
    const refused = results.filter((r) => data(r).createOrder.userErrors[0]?.code === 'INSUFFICIENT_INVENTORY');
    expect(created).toHaveLength(10);
    expect(refused).toHaveLength(10);
    expect(await available(id)).toBe('0');
  });

  it('me lists only the caller’s orders, purchased orders and NFTs (available only)', async () => {
    const q = MyOrdersAndNftsDocument;
    const bob = data(await m.as('bob', q, {})).me!;
    expect(new Set(bob.orders.nodes.map((o) => o.buyer?.id))).toEqual(new Set([DEMO_IDS.users.bob]));
    expect(bob.purchasedOrders.nodes.every((o) => o.status === 'COMPLETED')).toBe(true);
    expect(ids(bob.nfts)).toEqual([N[1]]);
    expect(ids(bob.available)).toEqual([]);
    const alice = data(await m.as('alice', q, {})).me!;
    expect(ids(alice.nfts)).toEqual([N[0]]);
    expect(ids(alice.available)).toEqual([N[0]]);
  });

  it('another user, with their purchases and NFTs, does not exist for the caller; an admin may read them', async () => {
    const q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id nfts { totalCount } } } }`;
    const r = [{ __typename: 'User', id: DEMO_IDS.users.alice }];
    const bob = await m.as('bob', q, { r });
    expect([bob.data?._entities, codes(bob)]).toEqual([[null], []]);
    const anonymous = await m.as(null, q, { r });
    expect([anonymous.data?._entities, codes(anonymous)]).toEqual([[null], []]);
    if (mode === 'local') {
      // The upstream has no user lookup: only the caller's own User resolves there.
      expect(data(await m.as('admin', q, { r }))._entities).toEqual([
        { id: DEMO_IDS.users.alice, nfts: { totalCount: 1 } },
      ]);
    }
    expect(data(await m.as('alice', q, { r }))._entities).toEqual([
      { id: DEMO_IDS.users.alice, nfts: { totalCount: 1 } },
    ]);
  });

  it('createBundleOrder buys from an available bundle order only and never oversells it', async () => {
    const ok = data(await m.as('alice', BUNDLE, { input: { bundleOrderId: B[0], quantity: '5' } })).createBundleOrder;
    expect(ok.userErrors).toEqual([]);
    expect(ok.order).toMatchObject({
      status: 'COMPLETED',
      quantity: { amount: '5' },
      totalPrice: { amount: '300.00', currency: 'EUR' },
      product: { id: DEMO_IDS.bundleProduct },
      bundleOrder: { id: B[0], availableQuantity: '35' },
      buyer: { id: DEMO_IDS.users.alice },
    });
    const soldOut = data(
      await m.as('alice', BUNDLE, { input: { bundleOrderId: B[1], quantity: '1' } }),
    ).createBundleOrder;
    expect(soldOut.userErrors.map((e) => e.code)).toEqual(['INSUFFICIENT_INVENTORY']);
    const hidden = data(await m.as('bob', BUNDLE, { input: { bundleOrderId: B[2], quantity: '1' } })).createBundleOrder;
    expect(hidden.userErrors.map((e) => e.code)).toEqual(['NOT_FOUND']);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => m.as('bob', BUNDLE, { input: { bundleOrderId: B[0], quantity: '2' } })),
    );
    expect(results.filter((r) => data(r).createBundleOrder.order)).toHaveLength(17);
    expect(data(await m.as(null, BundleOrderAvailabilityDocument, { id: B[0]! })).bundleOrder).toEqual({
      availableQuantity: '1',
      isAvailable: true,
    });
    const keyed = { bundleOrderId: B[0], quantity: '1', idempotencyKey: `bundle-${mode}` };
    const once = await Promise.all(Array.from({ length: 5 }, () => m.as('alice', BUNDLE, { input: keyed })));
    expect(new Set(once.map((r) => data(r).createBundleOrder.order!.id)).size).toBe(1);
    expect(data(await m.as(null, AvailableBundleOrderIdsDocument, {})).bundleOrders.nodes).toEqual([]);
  });

  it('syncOrder completes a pending order once; unknown hash is NOT_FOUND; only the buyer or an admin', async () => {
    const id = await product('10');
    const hash = `0x${mode}${'b'.repeat(56)}`;
    const pending = data(await m.as('alice', CREATE, { input: { productId: id, quantity: '1', orderHash: hash } }))
      .createOrder.order!;
    expect(pending.status).toBe('PENDING');
    expect(ids(data(await m.as('alice', MyPurchasedOrderIdsDocument, {})).me!.purchasedOrders)).not.toContain(
      pending.id,
    );
    expect(codes(await m.as('bob', SYNC, { hash }))).toEqual(['FORBIDDEN']);
    expect(data(await m.as('alice', SYNC, { hash })).syncOrder).toEqual({
      changed: true,
      order: { id: pending.id, status: 'COMPLETED' },
      userErrors: [],
    });
    expect(data(await m.as('alice', SYNC, { hash })).syncOrder).toEqual({
      changed: false,
      order: { id: pending.id, status: 'COMPLETED' },
      userErrors: [],
    });
    expect(data(await m.as('admin', SYNC, { hash })).syncOrder.changed).toBe(false);
    expect(ids(data(await m.as('alice', MyPurchasedOrderIdsDocument, {})).me!.purchasedOrders)).toContain(pending.id);
    expect(codes(await m.as('alice', SYNC, { hash: '0xunknown' }))).toEqual(['NOT_FOUND']);
    const reused = data(
      await m.as('bob', CREATE, { input: { productId: id, quantity: '1', orderHash: hash } }),
    ).createOrder;
    expect(reused.userErrors.map((e) => [e.code, e.field!.join('.')])).toEqual([['CONFLICT', 'input.orderHash']]);
    expect(await available(id)).toBe('9');
  });
});
