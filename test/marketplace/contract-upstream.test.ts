// CO2Trust bodies that differ from the assumed contract: tolerated where that is safe, an
// UPSTREAM_CONTRACT error naming the route and field where it is not; never an internal error,
// and the other root fields still answer.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { contractViolations } from '../../lib/upstream-contract.ts';
import { toCo2Trust } from '../../subgraphs/marketplace/upstream/mappers.ts';
import { gid } from '../support/ids.ts';
import { startMarketplace, type Marketplace } from './helpers.ts';

const CORE = '/co2trust-services/v1';

describe('marketplace upstream contract', () => {
  let m: Marketplace;
  beforeAll(async () => {
    m = await startMarketplace('upstream');
  });
  afterAll(async () => {
    await m?.stop();
  });

  const productId = DEMO.products[0]!;
  const supplierId = DEMO.suppliers[0]!;
  const wireProduct = () =>
    toCo2Trust.product(m.fake!.state.products.find((p) => p.id === productId)!) as unknown as Record<string, unknown>;
  const serve = (path: string, body: unknown) => m.fake!.fail({ method: 'GET', pathPrefix: path, status: 200, body });
  const PRODUCT_AND_SUPPLIER = `{ product(id: "${productId}") { id description vintage pricePerTonne { amount currency } availableQuantity } supplier(id: "${supplierId}") { id name } }`;

  describe('products (GET /products/{product_id})', () => {
    it('a renamed price is UPSTREAM_CONTRACT naming route and field; the supplier still answers', async () => {
      const { price_per_tonne, ...rest } = wireProduct();
      serve(`${CORE}/products/${productId}`, { ...rest, price: price_per_tonne });
      const res = await m.as(null, PRODUCT_AND_SUPPLIER);
      expect(res.data).toEqual({
        product: null,
        supplier: { id: gid('Supplier', supplierId), name: expect.any(String) },
      });
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0]!.path).toEqual(['product']);
      expect(res.errors![0]!.extensions).toEqual({
        code: 'UPSTREAM_CONTRACT',
        upstream: 'co2trust',
        route: `GET ${CORE}/products/{id}`,
        field: 'price_per_tonne',
      });
      expect(res.errors![0]!.message).toContain('price_per_tonne is missing');
      expect(contractViolations().get(`co2trust GET ${CORE}/products/{id} price_per_tonne`)).toBeGreaterThanOrEqual(1);
    });

    it('numbers as JSON numbers, missing optional fields and extra fields are accepted', async () => {
      const { description: _d, vintage: _v, ...rest } = wireProduct();
      serve(`${CORE}/products/${productId}`, { ...rest, price_per_tonne: 145.5, available_quantity: 1200, rating: 5 });
      const res = await m.as(null, PRODUCT_AND_SUPPLIER);
      expect(res.errors).toBeUndefined();
      expect(res.data!.product).toEqual({
        id: gid('Product', productId),
        description: null,
        vintage: null,
        pricePerTonne: { amount: '145.50', currency: 'EUR' },
        availableQuantity: '1200',
      });
    });

    it('a price that is not a number is UPSTREAM_CONTRACT, not an internal error', async () => {
      serve(`${CORE}/products/${productId}`, { ...wireProduct(), price_per_tonne: 'n/a' });
      const res = await m.as(null, PRODUCT_AND_SUPPLIER);
      expect(res.errors?.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([
        ['UPSTREAM_CONTRACT', 'price_per_tonne'],
      ]);
      expect(res.data!.supplier).not.toBeNull();
    });

    it('a list with one bad item names its index', async () => {
      m.fake!.fail({
        method: 'GET',
        pathPrefix: `${CORE}/products`,
        status: 200,
        body: {
          items: [wireProduct(), { ...wireProduct(), supplier_id: undefined }],
          total: 2,
          page: 1,
          size: 20,
          pages: 1,
        },
      });
      const res = await m.as(null, `{ products(first: 5) { nodes { id } } }`);
      expect(res.errors?.map((e) => [e.extensions?.code, e.extensions?.route, e.extensions?.field])).toEqual([
        ['UPSTREAM_CONTRACT', `GET ${CORE}/products`, 'items[1].supplier_id'],
      ]);
    });
  });

  describe('orders (GET /orders/{order_id}, POST /orders, POST /sync/{order_hash})', () => {
    const orderId = DEMO.orders[0]!;
    const wireOrder = () =>
      toCo2Trust.order(m.fake!.state.orders.find((o) => o.id === orderId)!) as unknown as Record<string, unknown>;

    it('an unknown status is UNKNOWN; a string quantity is read as a decimal', async () => {
      serve(`${CORE}/orders/${orderId}`, { ...wireOrder(), status: 'refunded', quantity: '10.000' });
      const res = await m.as('alice', `{ order(id: "${orderId}") { id status quantity { amount } } }`);
      expect(res.errors).toBeUndefined();
      expect(res.data!.order).toMatchObject({ id: gid('Order', orderId), status: 'UNKNOWN' });
    });

    it('a renamed total is UPSTREAM_CONTRACT naming the field', async () => {
      const { total_price, ...rest } = wireOrder();
      serve(`${CORE}/orders/${orderId}`, { ...rest, total: total_price });
      const res = await m.as(
        'alice',
        `{ order(id: "${orderId}") { id totalPrice { amount } } product(id: "${productId}") { id } }`,
      );
      expect(res.data).toEqual({ order: null, product: { id: gid('Product', productId) } });
      expect(res.errors?.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([
        ['UPSTREAM_CONTRACT', 'total_price'],
      ]);
    });

    it('createOrder sends the quantity as a JSON number', async () => {
      m.fake!.resetCalls();
      const res = await m.as(
        'alice',
        `mutation { createOrder(input: { productId: "${productId}", quantity: "1.5" }) { order { id } userErrors { code } } }`,
      );
      expect(res.errors).toBeUndefined();
      const post = m.fake!.callsTo(`${CORE}/orders`, 'POST')[0]!;
      expect((post.body as { quantity: unknown }).quantity).toBe(1.5);
    });

    it('syncOrder answered with a bare order instead of { order, changed } is an accepted sync: the order, changed when no longer pending', async () => {
      const hash = m.fake!.state.orders.find((o) => o.orderHash)?.orderHash;
      expect(hash).toBeTruthy();
      const order = wireOrder();
      m.fake!.fail({
        method: 'POST',
        pathPrefix: `${CORE}/sync/`,
        status: 200,
        body: { ...order, status: 'completed' },
      });
      const res = await m.as(
        'admin',
        `mutation { syncOrder(input: { orderHash: "${hash}" }) { changed order { id status } } }`,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual({
        syncOrder: { changed: true, order: { id: expect.any(String), status: 'COMPLETED' } },
      });
    });
  });
});
