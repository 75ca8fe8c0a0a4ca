// CarbonCloud answers that differ from the assumed contract, through the footprints subgraph:
// tolerated where that is safe (decimal strings, unknown statuses, missing optional fields,
// extra fields), an UPSTREAM_CONTRACT error naming the route and field where it is not; never
// an internal error, the other root fields still answer, and /health reports `degraded`.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { checkHealth } from '../../gateway/health.ts';
import { DEMO } from '../../demo/data.ts';
import { serveSubgraph, type RunningSubgraph } from '../../lib/subgraph.ts';
import { contractViolations } from '../../lib/upstream-contract.ts';
import { createFootprintsApp } from '../../subgraphs/footprints/server.ts';
import { toCarbonCloud } from '../../subgraphs/footprints/upstream/mappers.ts';
import { startCarbonCloudFake, type CarbonCloudFake } from '../../fakes/carboncloud.ts';
import { freshStorage, testConfig, tokenFor } from '../support/env.ts';
import { graphql } from '../support/graphql.ts';
import { gid } from '../support/ids.ts';

// Responses are checked field by field against literal expectations; their static type adds nothing.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
type Wire = Record<string, unknown>;

describe('footprints upstream contract (CarbonCloud)', () => {
  let fake: CarbonCloudFake;
  let running: RunningSubgraph;
  let drop: () => Promise<void>;
  let token: string;

  beforeAll(async () => {
    const storage = await freshStorage();
    drop = storage.drop;
    fake = await startCarbonCloudFake();
    const config = testConfig({ ...storage.env, FOOTPRINTS_SOURCE: 'upstream', UPSTREAM_RETRIES: '0', ...fake.env });
    running = await serveSubgraph(await createFootprintsApp(config), config, 0);
    token = await tokenFor(DEMO.users.admin);
  });
  afterAll(async () => {
    await running?.stop();
    await fake?.stop();
    await drop?.();
  });

  const gql = (query: string, variables: Record<string, unknown> = {}) =>
    graphql<Json>(running.url, query, variables, { token });
  const health = async () => {
    const res = await fetch(running.url.replace(/\/graphql$/, '/health'));
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text) as Json, text };
  };
  /** The next GET (or POST) to `path` answers `body` instead of the fake's own. */
  const serve = (method: string, path: string, body: unknown) =>
    fake.fail({ method, pathPrefix: path, status: 200, body });
  const errorsOf = (res: { errors?: Json[] }) =>
    (res.errors ?? []).map((e: Json) => [e.extensions?.code, e.extensions?.route, e.extensions?.field, e.path]);

  const product = () => fake.state.products[0]!;
  const wireProduct = (): Wire => toCarbonCloud.product(product()) as unknown as Wire;
  const supplier = () => fake.state.suppliers[0]!;
  const wireSupplier = (): Wire => toCarbonCloud.supplier(supplier()) as unknown as Wire;
  const wireFootprint = () => {
    const f = fake.state.footprints.find((x) => x.resoldProductId === product().id)!;
    return { productId: f.resoldProductId, ...toCarbonCloud.footprint(f) } as Wire;
  };
  const PRODUCT_AND_GROUPS = `query($id: ID!) { resoldProduct(id: $id) { id name brandName customId categories yearlySalesVolumes { year tonnes } } groups { id } }`;

  it('is up before any answer outside the contract', async () => {
    const h = await health();
    expect(h.status).toBe(200);
    expect(h.body.status).toBe('up');
    expect(h.body.contract).toBeUndefined();
  });

  it('a renamed required field is UPSTREAM_CONTRACT naming route and field; the groups still answer', async () => {
    const { name, ...rest } = wireProduct();
    serve('GET', `/resold-products/${product().id}`, { ...rest, title: name });
    const res = await gql(PRODUCT_AND_GROUPS, { id: product().id });
    expect(res.data.resoldProduct).toBeNull();
    expect(res.data.groups.length).toBeGreaterThan(0);
    expect(errorsOf(res)).toEqual([['UPSTREAM_CONTRACT', 'GET /resold-products/{id}', 'name', ['resoldProduct']]]);
    expect(res.errors?.[0]?.extensions?.upstream).toBe('carboncloud');
    expect(res.errors?.[0]?.message).toContain('name is missing');
    expect(contractViolations().get('carboncloud GET /resold-products/{id} name')).toBeGreaterThanOrEqual(1);
  });

  it('missing optional fields read as null or empty, and an extra field is ignored', async () => {
    const { brandName: _b, customId: _c, categories: _k, yearlySalesVolumes: _y, ...rest } = wireProduct();
    serve('GET', `/resold-products/${product().id}`, { ...rest, carbonLabel: { grade: 'A' } });
    const res = await gql(PRODUCT_AND_GROUPS, { id: product().id });
    expect(res.errors).toBeUndefined();
    expect(res.data.resoldProduct).toEqual({
      id: gid('ResoldProduct', product().id),
      name: product().name,
      brandName: null,
      customId: null,
      categories: [],
      yearlySalesVolumes: [],
    });
  });

  it('a list with one bad item is UPSTREAM_CONTRACT naming its index; the list is null and the product still answers', async () => {
    const groups = fake.state.groups.map((g) => ({ id: g.id, name: g.name }));
    serve('GET', '/groups', [groups[0], { id: groups[1]!.id }]);
    const res = await gql(`query($id: ID!) { groups { id name } resoldProduct(id: $id) { id } }`, { id: product().id });
    expect(res.data).toEqual({ groups: null, resoldProduct: { id: gid('ResoldProduct', product().id) } });
    expect(errorsOf(res)).toEqual([['UPSTREAM_CONTRACT', 'GET /groups', '[1].name', ['groups']]]);
  });

  describe('footprints (POST /footprints, a batch)', () => {
    const FOOTPRINT = `query($id: ID!) { resoldProduct(id: $id) { id footprint { total packaging flag { total } } } groups { id } }`;

    it('numbers as decimal strings are read exactly', async () => {
      serve('POST', '/footprints', [
        {
          ...wireFootprint(),
          total: '0.4200',
          packaging: '0.1',
          flag: { landUseChange: '0.01', landManagement: 0.02, total: '0.03' },
        },
      ]);
      const res = await gql(FOOTPRINT, { id: product().id });
      expect(res.errors).toBeUndefined();
      expect(res.data.resoldProduct.footprint).toEqual({ total: '0.42', packaging: '0.1', flag: { total: '0.03' } });
    });

    it('a string that is no number is UPSTREAM_CONTRACT naming the item; the product and the groups still answer', async () => {
      serve('POST', '/footprints', [{ ...wireFootprint(), total: 'n/a' }]);
      const res = await gql(FOOTPRINT, { id: product().id });
      expect(res.data.resoldProduct).toEqual({ id: gid('ResoldProduct', product().id), footprint: null });
      expect(res.data.groups.length).toBeGreaterThan(0);
      expect(errorsOf(res)).toEqual([
        ['UPSTREAM_CONTRACT', 'POST /footprints', '[0].total', ['resoldProduct', 'footprint']],
      ]);
    });
  });

  describe('statuses', () => {
    it('an unknown supplier status is UNKNOWN', async () => {
      serve('GET', `/suppliers/${supplier().id}`, { ...wireSupplier(), status: 'suspended' });
      const res = await gql(`query($id: ID!) { productSupplier(id: $id) { id status } groups { id } }`, {
        id: supplier().id,
      });
      expect(res.errors).toBeUndefined();
      expect(res.data.productSupplier).toEqual({ id: supplier().id, status: 'UNKNOWN' });
    });

    it('an unknown linked-product status is UNKNOWN, and a filter by UNKNOWN finds it without sending it upstream', async () => {
      const linked = [{ id: product().id, name: product().name, status: 'archived' }];
      serve('GET', `/suppliers/${supplier().id}/linked-products`, linked);
      fake.resetCalls();
      const LINKED = `query($id: ID!, $status: [LinkedProductStatus!]) { productSupplier(id: $id) { linkedProducts(status: $status) { resoldProductId status } } }`;
      const res = await gql(LINKED, { id: supplier().id, status: ['UNKNOWN'] });
      expect(res.errors).toBeUndefined();
      expect(res.data.productSupplier.linkedProducts).toEqual([
        { resoldProductId: gid('ResoldProduct', product().id), status: 'UNKNOWN' },
      ]);
      expect(fake.callsTo(`/suppliers/${supplier().id}/linked-products`).map((c) => c.query)).toEqual(['']);
    });

    it('a status of the wrong type is UPSTREAM_CONTRACT, not an internal error', async () => {
      serve('GET', `/suppliers/${supplier().id}`, { ...wireSupplier(), status: 7 });
      const res = await gql(`query($id: ID!) { productSupplier(id: $id) { id status } groups { id } }`, {
        id: supplier().id,
      });
      expect(res.data.productSupplier).toBeNull();
      expect(errorsOf(res)).toEqual([['UPSTREAM_CONTRACT', 'GET /suppliers/{id}', 'status', ['productSupplier']]]);
    });
  });

  it('a write answered outside the contract is UPSTREAM_CONTRACT (the write itself was sent once)', async () => {
    const { createdAt: _c, ...rest } = wireSupplier();
    serve('POST', '/suppliers', rest);
    fake.resetCalls();
    const res = await gql(
      `mutation($input: CreateProductSupplierInput!) { createProductSupplier(input: $input) { productSupplier { id } userErrors { code } } }`,
      { input: { groupId: DEMO.groups[0], name: 'Mill Three', contacts: [] } },
    );
    expect(errorsOf(res)).toEqual([['UPSTREAM_CONTRACT', 'POST /suppliers', 'createdAt', ['createProductSupplier']]]);
    expect(fake.callsTo('/suppliers', 'POST')).toHaveLength(1);
  });

  it("a product body carries its numbers as JSON numbers, as the document's samples do", async () => {
    fake.resetCalls();
    const res = await gql(
      `mutation($input: CreateResoldProductInput!) { createResoldProduct(input: $input) { resoldProduct { packagingWeight { value } yearlySalesVolumes { tonnes } } userErrors { code } } }`,
      {
        input: {
          groupId: DEMO.groups[0],
          name: 'Oat Drink 1 l',
          pickUpLocation: 'Filipstad, SE',
          productionLocation: 'Filipstad, SE',
          shipToLocation: 'Stockholm, SE',
          alcoholPercentage: '0',
          packagingWeight: { value: '0.25', unit: 'kg' },
          yearlySalesVolumes: [{ year: 2025, tonnes: '12.5' }],
        },
      },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.createResoldProduct.resoldProduct).toEqual({
      packagingWeight: { value: '0.25' },
      yearlySalesVolumes: [{ tonnes: '12.5' }],
    });
    const body = fake.callsTo('/resold-products', 'POST')[0]!.body as Wire;
    expect(body).toMatchObject({
      alcoholPercentage: 0,
      packagingWeightValue: 0.25,
      packagingWeightUnit: 'kg',
      yearlySalesVolumes: { 2025: 12.5 },
    });
    expect(body).not.toHaveProperty('brandName');
  });

  it("an update feed item's time is `updated_at`, the name the document gives it (lines 241, 530, 563); `updatedAt` is read too", async () => {
    const FEED = `query($g: ID!) { resoldProductUpdates(groupId: $g) { updatedAt } groups { id } }`;
    const g = fake.state.groups[0]!.id;
    const at = '2025-06-01T08:00:00.125Z';
    serve('GET', '/resold-products/updates', [{ id: product().id, updated_at: at }]);
    let res = await gql(FEED, { g });
    expect(res.errors).toBeUndefined();
    expect(res.data.resoldProductUpdates).toEqual([{ updatedAt: at }]);
    serve('GET', '/resold-products/updates', [{ id: product().id, updatedAt: at }]);
    res = await gql(FEED, { g });
    expect(res.errors).toBeUndefined();
    expect(res.data.resoldProductUpdates).toEqual([{ updatedAt: at }]);
    serve('GET', '/resold-products/updates', [{ id: product().id }]);
    res = await gql(FEED, { g });
    expect(res.data.resoldProductUpdates).toBeNull();
    expect(errorsOf(res)).toEqual([
      ['UPSTREAM_CONTRACT', 'GET /resold-products/updates', '[0].updated_at', ['resoldProductUpdates']],
    ]);
  });

  it('/health is degraded (HTTP 200) naming the upstream and routes, with no values from the bodies', async () => {
    const h = await health();
    expect(h.status).toBe(200);
    expect(h.body.status).toBe('degraded');
    expect(h.body.up).toBe(true);
    expect(h.body.contract).toEqual(
      expect.arrayContaining([
        { upstream: 'carboncloud', route: 'GET /resold-products/{id}', field: 'name', at: expect.any(String) },
        { upstream: 'carboncloud', route: 'POST /footprints', field: '[0].total', at: expect.any(String) },
      ]),
    );
    for (const secret of [supplier().contacts[0]?.email, 'n/a', product().name].filter(Boolean))
      expect(h.text).not.toContain(secret);
  });

  it("the gateway's /health shows the subgraph as degraded", async () => {
    // The other subgraphs point at the fake, which is no subgraph: they read as down, and only footprints matters here.
    const elsewhere = `${fake.url}/graphql`;
    const config = testConfig({
      FOOTPRINTS_URL: running.url,
      MARKETPLACE_URL: elsewhere,
      PAYMENTS_URL: elsewhere,
      REGISTRY_URL: elsewhere,
    });
    const report = await checkHealth(config);
    expect(report.subgraphs.footprints.status).toBe('degraded');
    expect(report.subgraphs.footprints.contract?.map((c) => c.route)).toEqual(
      expect.arrayContaining(['GET /resold-products/{id}']),
    );
    expect(report.down).not.toContain('footprints subgraph');
  });
});
