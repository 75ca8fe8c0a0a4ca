import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { toGlobalId } from '../../lib/global-id.ts';
import { serveSubgraph, type RunningSubgraph } from '../../lib/subgraph.ts';
import { DEMO_PRODUCT_SUPPLIERS as S, demoSupplierPeriods } from '../../subgraphs/footprints/local/seed.ts';
import { createFootprintsApp, type FootprintsApp } from '../../subgraphs/footprints/server.ts';
import {
  FAKE_CARBONCLOUD_CREDENTIALS,
  TOKEN_PATH,
  startCarbonCloudFake,
  type CarbonCloudFake,
} from '../../fakes/carboncloud.ts';
import { MODES, freshStorage, testConfig, tokenFor, type Mode } from '../support/env.ts';
import {
  CreateProductSupplierDocument,
  CreateResoldProductDocument,
  DeleteProductSupplierDocument,
  DeleteResoldProductDocument,
  GroupProductIdsDocument,
  InviteProductSupplierDocument,
  LinkedProductsDocument,
  ProductSupplierDocument,
  ResoldProductByIdDocument,
  ResoldProductWithFootprintDocument,
  SetSupplierPeriodsDocument,
  SupplierPeriodsDocument,
  UpdateProductSupplierDocument,
  UpdateResoldProductDocument,
} from '../__generated__/footprints-operations.ts';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { DocumentNode } from 'graphql';
import { codes, graphql, ok, type GraphQLResponse, type RequestOptions } from '../support/graphql.ts';

// The data of a text document (one built here, or _entities, which the SDL does not type), checked
// field by field against literal expectations; typed operations answer their generated types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const G = DEMO.groups;
/** Resold products by their global ids (the API's ids; arguments take them). */
const P = DEMO.resoldProducts.map((id) => toGlobalId('ResoldProduct', id));
const period = (n: number) => demoSupplierPeriods[n - 1]!.id;

interface FootprintsUnderTest {
  url: string;
  app: FootprintsApp;
  fake?: CarbonCloudFake;
  stop(): Promise<void>;
}

/** The subgraph in one mode; upstream mode runs against the CarbonCloud contract fake. */
async function startFootprints(mode: Mode, env: Record<string, string> = {}): Promise<FootprintsUnderTest> {
  const storage = await freshStorage();
  let fake: CarbonCloudFake | undefined;
  if (mode === 'upstream') fake = await startCarbonCloudFake();
  const config = testConfig({ ...storage.env, FOOTPRINTS_SOURCE: mode, UPSTREAM_RETRIES: '3', ...fake?.env, ...env });
  const app = await createFootprintsApp(config);
  const running: RunningSubgraph = await serveSubgraph(app, config, 0);
  return {
    url: running.url,
    app,
    fake,
    async stop() {
      await running.stop();
      await fake?.stop();
      await storage.drop();
    },
  };
}

const CREATE = CreateResoldProductDocument;
const UPDATE = UpdateResoldProductDocument;
const DELETE = DeleteResoldProductDocument;
const SET_PERIODS = SetSupplierPeriodsDocument;
const PERIODS = SupplierPeriodsDocument;
const CREATE_SUPPLIER = CreateProductSupplierDocument;
const UPDATE_SUPPLIER = UpdateProductSupplierDocument;
const DELETE_SUPPLIER = DeleteProductSupplierDocument;
const SUPPLIER = ProductSupplierDocument;
const LINKED = LinkedProductsDocument;
const INVITE = InviteProductSupplierDocument;

const newProduct = (over: Record<string, unknown> = {}) => ({
  groupId: G[0],
  name: 'Crispbread Rye 500 g',
  pickUpLocation: 'Filipstad, SE',
  productionLocation: 'Filipstad, SE',
  shipToLocation: 'Stockholm, SE',
  ...over,
});

const daysFromToday = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe.each(MODES)('footprints (%s mode)', (mode) => {
  let sut: FootprintsUnderTest;
  let admin: string;
  let alice: string;

  beforeAll(async () => {
    sut = await startFootprints(mode);
    admin = await tokenFor(DEMO.users.admin);
    alice = await tokenFor(DEMO.users.alice);
  });
  afterAll(async () => {
    await sut?.stop();
  });

  // A typed operation answers its generated result type; a text (a document built here, or one the
  // SDL does not type, such as _entities) answers loosely typed data.
  const as = (token: string | null): RequestOptions => (token ? { token } : {});
  function gql<T, V>(query: TypedDocumentNode<T, V>, variables: V, token?: string | null): Promise<GraphQLResponse<T>>;
  function gql(
    query: string,
    variables?: Record<string, unknown>,
    token?: string | null,
  ): Promise<GraphQLResponse<Json>>;
  function gql(query: string | DocumentNode, variables: unknown = {}, token: string | null = admin) {
    return graphql<Json>(sut.url, query as string, variables as Record<string, unknown>, as(token));
  }
  async function data<T, V>(query: TypedDocumentNode<T, V>, variables: V, token?: string | null): Promise<T>;
  async function data(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<Json>;
  async function data(query: string | DocumentNode, variables: unknown = {}, token: string | null = admin) {
    return ok(await gql(query as string, variables as Record<string, unknown>, token));
  }
  const productIdsOf = async (groupId: string) =>
    (await data(GroupProductIdsDocument, { g: groupId })).resoldProducts!.nodes.map((n) => n.id);
  const periodsOf = async (id: string) => (await data(PERIODS, { id })).resoldProduct!;
  const outboxOf = async (supplierId: string): Promise<string[]> =>
    mode === 'local'
      ? (await sut.app.local!.invitationEmails(supplierId)).map((e) => e.email)
      : sut.fake!.state.outbox.filter((e) => e.supplierId === supplierId).map((e) => e.email);
  /** Upstream calls a write would have made: none when validation refuses it first. */
  const writesTo = (path: string, method: string) => (mode === 'upstream' ? sut.fake!.callsTo(path, method).length : 0);

  describe('access', () => {
    it('every read needs a token: without one, a resold product does not exist', async () => {
      expect(codes(await gql('{ groups { id } }', {}, null))).toEqual(['UNAUTHENTICATED']);
      expect(codes(await gql(`{ resoldProduct(id: "${P[0]}") { id } }`, {}, null))).toEqual(['UNAUTHENTICATED']);
      const entities = await gql(
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on ResoldProduct { id name } } }`,
        { r: [{ __typename: 'ResoldProduct', id: P[0] }] },
        null,
      );
      expect([entities.data, codes(entities)]).toEqual([{ _entities: [null] }, []]);
    });

    it('any signed-in user reads; writes need the ADMIN scope', async () => {
      expect((await data('{ groups { id } }', {}, alice)).groups).toHaveLength(2);
      const denied = await gql(CREATE, { input: newProduct() }, alice);
      expect(codes(denied)).toEqual(['FORBIDDEN']);
      expect(await productIdsOf(G[0])).toEqual([P[0], P[1], P[2]]);
    });
  });

  describe('groups and resold products', () => {
    it('lists the groups', async () => {
      expect((await data('{ groups { id name } }')).groups).toEqual([
        { id: G[1], name: 'Coffee and Tea Imports' },
        { id: G[0], name: 'Nordic Grocery Private Label' },
      ]);
    });

    it('pages products of a group by id with cursors (default 32, 1..128)', async () => {
      const q = `query($g: ID!, $first: Int, $after: String) { resoldProducts(groupId: $g, first: $first, after: $after) {
        totalCount nodes { id } pageInfo { hasNextPage hasPreviousPage endCursor } } }`;
      const first = (await data(q, { g: G[0], first: 2 })).resoldProducts;
      expect(first.nodes.map((n: Json) => n.id)).toEqual([P[0], P[1]]);
      expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
      expect(first.totalCount).toBeNull();
      const second = (await data(q, { g: G[0], first: 2, after: first.pageInfo.endCursor })).resoldProducts;
      expect(second.nodes.map((n: Json) => n.id)).toEqual([P[2]]);
      // Locally a forward page does not look back (one statement per page; the Relay spec allows it).
      expect(second.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: mode === 'upstream' });
      expect((await data(q, { g: G[1] })).resoldProducts!.nodes.map((n: Json) => n.id)).toEqual([P[3]]);
      expect(codes(await gql(q, { g: G[0], first: 0 }))).toEqual(['BAD_USER_INPUT']);
      expect(codes(await gql(q, { g: G[0], first: 129 }))).toEqual(['BAD_USER_INPUT']);
      expect(codes(await gql(q, { g: G[0], after: 'not a cursor' }))).toEqual(['BAD_USER_INPUT']);
    });

    it('pages products backwards with last/before locally; upstream, where CarbonCloud pages forwards only, refuses them', async () => {
      const q = `query($g: ID!, $last: Int, $before: String) { resoldProducts(groupId: $g, last: $last, before: $before) {
        nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor } } }`;
      if (mode === 'upstream') {
        expect(codes(await gql(q, { g: G[0], last: 2 }))).toEqual(['BAD_USER_INPUT']);
        return;
      }
      const last = (await data(q, { g: G[0], last: 2 })).resoldProducts;
      expect(last.nodes.map((n: Json) => n.id)).toEqual([P[1], P[2]]);
      expect(last.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
      const before = (await data(q, { g: G[0], last: 2, before: last.pageInfo.startCursor })).resoldProducts;
      expect(before.nodes.map((n: Json) => n.id)).toEqual([P[0]]);
      expect(before.pageInfo.hasPreviousPage).toBe(false);
      expect(codes(await gql(q, { g: G[0], last: 129 }))).toEqual(['BAD_USER_INPUT']);
    });

    it('reads one product with its sales volumes, footprint and baseline as decimals', async () => {
      const d = await data(ResoldProductWithFootprintDocument, { id: P[0] });
      expect(d.resoldProduct).toMatchObject({
        id: P[0],
        name: 'Oat Drink Barista 1 L',
        gtin: '07350000000011',
        group: { id: G[0], name: 'Nordic Grocery Private Label' },
        categories: ['Dairy alternatives', 'Oat drinks'],
        packagingWeight: { value: '0.028', unit: 'kg' },
        netQuantity: { value: '1', unit: 'l' },
        yearlySalesVolumes: [
          { year: 2024, tonnes: '12.005' },
          { year: 2025, tonnes: '13.5' },
        ],
        footprint: {
          calculationMethod: 'location',
          total: '0.35',
          flag: { landUseChange: '0.02', landManagement: '0.15', total: '0.17' },
          pds: { total: '0.17' },
          packaging: '0.05',
          processing: '0.06',
          storage: '0.01',
          transportation: '0.04',
          other: '0.02',
          embeddedFossilCarbon: '0.002',
          updatedAt: '2025-07-01T00:00:00.100Z',
        },
        footprintBaseline: { total: '0.42', updatedAt: '2025-05-01T00:00:00.000Z' },
      });
      const coffee = await data(`{ resoldProduct(id: "${P[3]}") { footprint { total } footprintBaseline { total } } }`);
      expect(coffee.resoldProduct).toEqual({ footprint: null, footprintBaseline: { total: '10.1' } });
      expect(
        (await data(`{ resoldProduct(id: "de090000-0000-4000-8000-00000000ffff") { id } }`)).resoldProduct,
      ).toBeNull();
    });

    it('resolves ResoldProduct references with the fields the marketplace requires', async () => {
      const q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on ResoldProduct { id footprint { total } yearlySalesVolumes { year tonnes } } } }`;
      const d = await data(q, { r: [P[1], P[3]].map((id) => ({ __typename: 'ResoldProduct', id })) });
      expect(d._entities).toEqual([
        { id: P[1], footprint: { total: '0.61' }, yearlySalesVolumes: [{ year: 2025, tonnes: '8' }] },
        { id: P[3], footprint: null, yearlySalesVolumes: [{ year: 2025, tonnes: '0.96' }] },
      ]);
    });

    it('creates a product and reads it back', async () => {
      const input = newProduct({
        name: '  Lingonberry Jam 400 g ',
        customId: 'NGP-2001',
        gtin: '07350000000097',
        brandName: 'Nordic Pantry',
        categories: ['Jam'],
        netQuantity: { value: '0.4', unit: 'kg' },
        yearlySalesVolumes: [
          { year: 2026, tonnes: '12.345678' },
          { year: 2025, tonnes: '10' },
        ],
      });
      const res = (await data(CREATE, { input })).createResoldProduct;
      expect(res.userErrors).toEqual([]);
      expect(res.resoldProduct).toMatchObject({
        name: 'Lingonberry Jam 400 g',
        customId: 'NGP-2001',
        group: { id: G[0] },
        netQuantity: { value: '0.4', unit: 'kg' },
        yearlySalesVolumes: [
          { year: 2025, tonnes: '10' },
          { year: 2026, tonnes: '12.345678' },
        ],
      });
      const again = await data(ResoldProductByIdDocument, {
        id: res.resoldProduct!.id,
      });
      expect(again.resoldProduct).toEqual(res.resoldProduct);
      expect(await productIdsOf(G[0])).toContain(res.resoldProduct!.id);
    });

    const long = 'x'.repeat(256);
    it.each([
      ['a name shorter than 3 characters', { name: 'ab' }, ['input', 'name'], 'INVALID'],
      ['a name longer than 255 characters', { name: long }, ['input', 'name'], 'INVALID'],
      ['a GTIN of 15 digits', { gtin: '123456789012345' }, ['input', 'gtin'], 'INVALID'],
      ['a GTIN with letters', { gtin: '73500000ABC' }, ['input', 'gtin'], 'INVALID'],
      ['a custom id longer than 255 characters', { customId: long }, ['input', 'customId'], 'INVALID'],
      ['no pick-up location', { pickUpLocation: ' ' }, ['input', 'pickUpLocation'], 'REQUIRED'],
      ['no production location', { productionLocation: '' }, ['input', 'productionLocation'], 'REQUIRED'],
      ['no ship-to location', { shipToLocation: '' }, ['input', 'shipToLocation'], 'REQUIRED'],
      [
        'a year given twice',
        {
          yearlySalesVolumes: [
            { year: 2025, tonnes: '1' },
            { year: 2025, tonnes: '2' },
          ],
        },
        ['input', 'yearlySalesVolumes', '1', 'year'],
        'INVALID',
      ],
      [
        'negative tonnes',
        { yearlySalesVolumes: [{ year: 2025, tonnes: '-1' }] },
        ['input', 'yearlySalesVolumes', '0', 'tonnes'],
        'INVALID',
      ],
      [
        'tonnes finer than a gram',
        { yearlySalesVolumes: [{ year: 2025, tonnes: '1.0000001' }] },
        ['input', 'yearlySalesVolumes', '0', 'tonnes'],
        'INVALID',
      ],
    ])('refuses to create a product with %s and writes nothing', async (_what, over, field, code) => {
      const before = await productIdsOf(G[1]);
      const calls = writesTo('/resold-products', 'POST');
      const res = (await data(CREATE, { input: newProduct({ groupId: G[1], ...over }) })).createResoldProduct;
      expect(res.resoldProduct).toBeNull();
      expect(res.userErrors).toEqual([expect.objectContaining({ field, code })]);
      expect(await productIdsOf(G[1])).toEqual(before);
      expect(writesTo('/resold-products', 'POST')).toBe(calls);
    });

    it('refuses a product in an unknown group', async () => {
      const res = (await data(CREATE, { input: newProduct({ groupId: 'de080000-0000-4000-8000-00000000ffff' }) }))
        .createResoldProduct;
      expect(res.resoldProduct).toBeNull();
      expect(res.userErrors.map((e: Json) => e.code)).toEqual(['NOT_FOUND']);
    });

    it('update replaces every field; a refused update changes nothing', async () => {
      const created = (
        await data(CREATE, {
          input: newProduct({ brandName: 'Old Brand', gtin: '123', yearlySalesVolumes: [{ year: 2024, tonnes: '5' }] }),
        })
      ).createResoldProduct.resoldProduct!;
      const res = (
        await data(UPDATE, {
          input: {
            id: created.id,
            name: 'Crispbread Rye 750 g',
            pickUpLocation: 'Filipstad, SE',
            productionLocation: 'Filipstad, SE',
            shipToLocation: 'Malmö, SE',
            yearlySalesVolumes: [{ year: 2025, tonnes: '7.5' }],
          },
        })
      ).updateResoldProduct;
      expect(res.userErrors).toEqual([]);
      expect(res.resoldProduct).toMatchObject({
        id: created.id,
        name: 'Crispbread Rye 750 g',
        brandName: null,
        gtin: null,
        shipToLocation: 'Malmö, SE',
        yearlySalesVolumes: [{ year: 2025, tonnes: '7.5' }],
        createdAt: created.createdAt,
      });
      expect(Date.parse(res.resoldProduct!.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.updatedAt));

      const refused = (
        await data(UPDATE, {
          input: { id: created.id, name: 'ab', pickUpLocation: 'x', productionLocation: 'x', shipToLocation: 'x' },
        })
      ).updateResoldProduct;
      expect(refused.userErrors).toEqual([expect.objectContaining({ field: ['input', 'name'], code: 'INVALID' })]);
      const now = await data(ResoldProductByIdDocument, { id: created.id });
      expect(now.resoldProduct).toEqual(res.resoldProduct);

      const missing = (
        await data(UPDATE, {
          input: {
            id: 'de090000-0000-4000-8000-00000000ffff',
            name: 'abc',
            pickUpLocation: 'x',
            productionLocation: 'x',
            shipToLocation: 'x',
          },
        })
      ).updateResoldProduct;
      expect(missing.userErrors.map((e: Json) => e.code)).toEqual(['NOT_FOUND']);
    });

    it('delete removes the product with its periods and pending supplier links', async () => {
      const supplier = (
        await data(CREATE_SUPPLIER, {
          input: { groupId: G[0], name: 'Rye Farm Cooperative', contacts: [{ email: 'olof@ryefarm.example' }] },
        })
      ).createProductSupplier.productSupplier!;
      const product = (await data(CREATE, { input: newProduct({ name: 'Rye Flakes 500 g' }) })).createResoldProduct
        .resoldProduct!;
      const set = (
        await data(SET_PERIODS, {
          input: { resoldProductId: product.id, periods: [{ supplierId: supplier.id, validFrom: '2025-01-01' }] },
        })
      ).setSupplierPeriods;
      expect(set.userErrors).toEqual([]);
      expect(
        (await data(INVITE, { input: { supplierId: supplier.id, resoldProductIds: [product.id] } }))
          .inviteProductSupplier.userErrors,
      ).toEqual([]);
      expect((await data(LINKED, { id: supplier.id })).productSupplier!.linkedProducts).toEqual([
        { resoldProductId: product.id, name: 'Rye Flakes 500 g', status: 'SENT', resoldProduct: { id: product.id } },
      ]);

      const res = (await data(DELETE, { id: product.id })).deleteResoldProduct;
      expect(res).toEqual({ deletedResoldProductId: product.id, userErrors: [] });
      expect(
        (await data(`query($id: ID!) { resoldProduct(id: $id) { id } }`, { id: product.id })).resoldProduct,
      ).toBeNull();
      expect((await data(LINKED, { id: supplier.id })).productSupplier!.linkedProducts).toEqual([]);
      expect(await productIdsOf(G[0])).not.toContain(product.id);

      const again = (await data(DELETE, { id: product.id })).deleteResoldProduct;
      expect(again.deletedResoldProductId).toBeNull();
      expect(again.userErrors.map((e: Json) => e.code)).toEqual(['NOT_FOUND']);
    });
  });

  describe('update feeds', () => {
    const feedQuery = (field: string) =>
      `query($g: ID!, $since: DateTime, $limit: Int) { ${field}(groupId: $g, since: $since, limit: $limit) { resoldProductId updatedAt resoldProduct { id } } }`;

    it('lists product updates in update order, since inclusive, with sub-second precision', async () => {
      const q = feedQuery('resoldProductUpdates');
      const page1 = (await data(q, { g: G[0], since: '2025-01-01T00:00:00Z', limit: 2 })).resoldProductUpdates;
      expect(page1).toEqual([
        { resoldProductId: P[0], updatedAt: '2025-06-01T08:00:00.125Z', resoldProduct: { id: P[0] } },
        { resoldProductId: P[1], updatedAt: '2025-06-01T08:00:00.250Z', resoldProduct: { id: P[1] } },
      ]);
      // Paging on: the last item's time is inclusive, so it repeats.
      const page2 = (await data(q, { g: G[0], since: page1[1].updatedAt, limit: 2 })).resoldProductUpdates;
      expect(page2.map((c: Json) => c.resoldProductId)).toEqual([P[1], P[2]]);
      const nanos = (await data(q, { g: G[0], since: '2025-06-01T08:00:00.200000000Z', limit: 1 }))
        .resoldProductUpdates;
      expect(nanos.map((c: Json) => c.resoldProductId)).toEqual([P[1]]);
      const later = (await data(q, { g: G[0], since: '2025-06-01T08:00:00.126Z', limit: 1 })).resoldProductUpdates;
      expect(later.map((c: Json) => c.resoldProductId)).toEqual([P[1]]);
    });

    it('lists footprint and baseline updates', async () => {
      const fp = (await data(feedQuery('footprintUpdates'), { g: G[0] })).footprintUpdates;
      expect(fp.map((c: Json) => [c.resoldProductId, c.updatedAt])).toEqual([
        [P[0], '2025-07-01T00:00:00.100Z'],
        [P[1], '2025-07-01T00:00:00.200Z'],
        [P[2], '2025-07-02T00:00:00.000Z'],
      ]);
      expect(
        (await data(feedQuery('footprintUpdates'), { g: G[0], since: '2025-07-01T00:00:00.2Z' })).footprintUpdates.map(
          (c: Json) => c.resoldProductId,
        ),
      ).toEqual([P[1], P[2]]);
      expect(
        (await data(feedQuery('footprintBaselineUpdates'), { g: G[1] })).footprintBaselineUpdates.map(
          (c: Json) => c.resoldProductId,
        ),
      ).toEqual([P[3]]);
    });

    it('takes a limit of 1..256', async () => {
      for (const limit of [0, 257]) {
        for (const field of ['resoldProductUpdates', 'footprintUpdates', 'footprintBaselineUpdates']) {
          expect(codes(await gql(feedQuery(field), { g: G[0], limit }))).toEqual(['BAD_USER_INPUT']);
        }
      }
      expect(
        (await data(feedQuery('resoldProductUpdates'), { g: G[0], limit: 256 })).resoldProductUpdates.length,
      ).toBeGreaterThanOrEqual(3);
    });
  });

  describe('suppliers of a product', () => {
    it('shows the current supplier and the period history; null when there is none', async () => {
      expect(await periodsOf(P[0])).toEqual({
        supplierPeriods: [
          { id: period(1), supplierId: S[1], validFrom: '2024-01-01', validTo: '2024-12-31' },
          { id: period(2), supplierId: S[0], validFrom: '2025-01-01', validTo: null },
        ],
        currentSupplier: { supplierId: S[0], name: 'Swedish Oat Mill AB', status: 'SENT' },
      });
      const product = (await data(CREATE, { input: newProduct({ name: 'Barley Groats 1 kg' }) })).createResoldProduct
        .resoldProduct!;
      expect(await periodsOf(product.id)).toEqual({ supplierPeriods: [], currentSupplier: null });
    });

    it('sets periods: an id keeps its period, a new one is created, one left out is removed', async () => {
      const product = (await data(CREATE, { input: newProduct({ name: 'Pearl Barley 1 kg' }) })).createResoldProduct
        .resoldProduct!;
      const first = (
        await data(SET_PERIODS, {
          input: {
            resoldProductId: product.id,
            periods: [
              { supplierId: S[1], validFrom: '2024-01-01', validTo: '2024-06-30' },
              { supplierId: S[0], validFrom: '2024-07-01' },
            ],
          },
        })
      ).setSupplierPeriods;
      expect(first.userErrors).toEqual([]);
      expect(first.resoldProduct!.currentSupplier).toEqual({ supplierId: S[0], status: 'CREATED' });
      const [old, current] = first.supplierPeriods!;
      expect(old).toMatchObject({ supplierId: S[1], validFrom: '2024-01-01', validTo: '2024-06-30' });

      const second = (
        await data(SET_PERIODS, {
          input: {
            resoldProductId: product.id,
            periods: [
              { id: current.id, supplierId: S[0], validFrom: '2024-07-01', validTo: '2025-02-28' },
              { supplierId: S[1], validFrom: '2025-03-01' },
            ],
          },
        })
      ).setSupplierPeriods;
      expect(second.userErrors).toEqual([]);
      expect(second.supplierPeriods).toEqual([
        { id: current.id, supplierId: S[0], validFrom: '2024-07-01', validTo: '2025-02-28' },
        { id: expect.any(String), supplierId: S[1], validFrom: '2025-03-01', validTo: null },
      ]);
      expect(second.supplierPeriods!.map((p: Json) => p.id)).not.toContain(old.id);
      expect(second.resoldProduct!.currentSupplier).toEqual({ supplierId: S[1], status: 'CREATED' });
      expect(
        (await data(LINKED, { id: S[1] })).productSupplier!.linkedProducts.map((l: Json) => l.resoldProductId),
      ).toContain(product.id);
      expect(
        (await data(LINKED, { id: S[0] })).productSupplier!.linkedProducts.map((l: Json) => l.resoldProductId),
      ).not.toContain(product.id);

      const cleared = (await data(SET_PERIODS, { input: { resoldProductId: product.id, periods: [] } }))
        .setSupplierPeriods;
      expect(cleared.supplierPeriods).toEqual([]);
      expect(await periodsOf(product.id)).toEqual({ supplierPeriods: [], currentSupplier: null });
    });

    const tomorrow = daysFromToday(1);
    it.each([
      [
        'a date after today',
        [{ supplierId: S[0], validFrom: tomorrow }],
        ['input', 'periods', '0', 'validFrom'],
        'INVALID',
      ],
      [
        'an end after today',
        [{ supplierId: S[0], validFrom: '2025-01-01', validTo: tomorrow }],
        ['input', 'periods', '0', 'validTo'],
        'INVALID',
      ],
      [
        'validFrom after validTo',
        [{ supplierId: S[0], validFrom: '2025-02-01', validTo: '2025-01-31' }],
        ['input', 'periods', '0', 'validFrom'],
        'INVALID',
      ],
      [
        'overlapping periods',
        [
          { supplierId: S[1], validFrom: '2024-01-01', validTo: '2024-08-31' },
          { supplierId: S[0], validFrom: '2024-06-01' },
        ],
        ['input', 'periods', '1'],
        'INVALID',
      ],
      [
        'periods sharing a boundary day',
        [
          { supplierId: S[1], validFrom: '2024-01-01', validTo: '2024-06-30' },
          { supplierId: S[0], validFrom: '2024-06-30' },
        ],
        ['input', 'periods', '1'],
        'INVALID',
      ],
      [
        'two ongoing periods',
        [
          { supplierId: S[1], validFrom: '2024-01-01' },
          { supplierId: S[0], validFrom: '2025-01-01' },
        ],
        ['input', 'periods', '1'],
        'INVALID',
      ],
      [
        'an unknown supplier',
        [{ supplierId: 'de0f0000-0000-4000-8000-00000000ffff', validFrom: '2025-01-01' }],
        null,
        'NOT_FOUND',
      ],
      ['a supplier of another group', [{ supplierId: S[2], validFrom: '2025-01-01' }], null, 'INVALID'],
      [
        'a period of another product',
        [{ id: period(3), supplierId: S[0], validFrom: '2025-03-01' }],
        null,
        'NOT_FOUND',
      ],
      [
        'a kept period with another supplier',
        [{ id: period(2), supplierId: S[1], validFrom: '2025-01-01' }],
        null,
        'INVALID',
      ],
    ])('refuses %s and writes nothing', async (_what, periods, field, code) => {
      const before = await periodsOf(P[0]);
      const calls = writesTo('/resold-products', 'PUT');
      const res = (await data(SET_PERIODS, { input: { resoldProductId: P[0], periods } })).setSupplierPeriods;
      expect(res.supplierPeriods).toBeNull();
      expect(res.userErrors).toEqual([expect.objectContaining(field ? { field, code } : { code })]);
      expect(await periodsOf(P[0])).toEqual(before);
      // Rules the API states are checked before calling it; data rules need the API's answer.
      if (field) expect(writesTo('/resold-products', 'PUT')).toBe(calls);
    });

    it('refuses periods of an unknown product', async () => {
      const res = (
        await data(SET_PERIODS, { input: { resoldProductId: 'de090000-0000-4000-8000-00000000ffff', periods: [] } })
      ).setSupplierPeriods;
      expect(res.userErrors.map((e: Json) => e.code)).toEqual(['NOT_FOUND']);
    });
  });

  describe('product suppliers', () => {
    it('lists suppliers of a group, filtered by custom id', async () => {
      const q = `query($g: ID!, $c: String) { productSuppliers(groupId: $g, customId: $c) { totalCount nodes { id name customId status } } }`;
      expect((await data(q, { g: G[1] })).productSuppliers).toEqual({
        totalCount: 1,
        nodes: [{ id: S[2], name: 'Andes Coffee Growers', customId: 'SUP-003', status: 'CONNECTED' }],
      });
      expect((await data(q, { g: G[0], c: 'SUP-001' })).productSuppliers.nodes.map((n: Json) => n.id)).toEqual([S[0]]);
      const all = (await data(q, { g: G[0] })).productSuppliers.nodes.map((n: Json) => n.id);
      expect(all).toEqual(expect.arrayContaining([S[0], S[1]]));
    });

    it('reads a supplier with its contacts', async () => {
      expect((await data(SUPPLIER, { id: S[0] })).productSupplier).toEqual({
        id: S[0],
        name: 'Swedish Oat Mill AB',
        customId: 'SUP-001',
        status: 'INVITED',
        contacts: [
          { name: 'Anna Berg', email: 'anna@oatmill.example' },
          { name: 'Erik Lund', email: 'erik@oatmill.example' },
        ],
      });
      expect((await data(SUPPLIER, { id: 'de0f0000-0000-4000-8000-00000000ffff' })).productSupplier).toBeNull();
    });

    it('creates a supplier with contacts; partial updates change only the given fields', async () => {
      const created = (
        await data(CREATE_SUPPLIER, {
          input: {
            groupId: G[0],
            name: 'Gotland Sugar Beet',
            customId: 'SUP-010',
            contacts: [{ name: 'Karin', email: 'Karin@Beet.example' }],
          },
        })
      ).createProductSupplier;
      expect(created.userErrors).toEqual([]);
      expect(created.productSupplier).toMatchObject({
        name: 'Gotland Sugar Beet',
        customId: 'SUP-010',
        status: 'CREATED',
        group: { id: G[0] },
        contacts: [{ name: 'Karin', email: 'karin@beet.example' }],
      });
      const id = created.productSupplier!.id;

      const renamed = (await data(UPDATE_SUPPLIER, { input: { id, name: 'Gotland Beet AB' } })).updateProductSupplier;
      expect(renamed.productSupplier).toMatchObject({
        name: 'Gotland Beet AB',
        customId: 'SUP-010',
        contacts: [{ name: 'Karin', email: 'karin@beet.example' }],
      });
      const recontacted = (
        await data(UPDATE_SUPPLIER, {
          input: { id, contacts: [{ email: 'sales@beet.example' }, { name: 'Nils', email: 'nils@beet.example' }] },
        })
      ).updateProductSupplier;
      expect(recontacted.productSupplier).toMatchObject({
        name: 'Gotland Beet AB',
        contacts: [
          { name: null, email: 'sales@beet.example' },
          { name: 'Nils', email: 'nils@beet.example' },
        ],
      });
      expect((await data(SUPPLIER, { id })).productSupplier).toEqual(recontacted.productSupplier);

      const refused = (await data(UPDATE_SUPPLIER, { input: { id, name: 'ab' } })).updateProductSupplier;
      expect(refused.userErrors).toEqual([expect.objectContaining({ field: ['input', 'name'], code: 'INVALID' })]);
      expect((await data(SUPPLIER, { id })).productSupplier).toEqual(recontacted.productSupplier);
      const missing = (
        await data(UPDATE_SUPPLIER, { input: { id: 'de0f0000-0000-4000-8000-00000000ffff', name: 'abc' } })
      ).updateProductSupplier;
      expect(missing.userErrors.map((e: Json) => e.code)).toEqual(['NOT_FOUND']);
    });

    it.each([
      ['a name shorter than 3 characters', { name: 'ab' }, ['input', 'name']],
      ['a name longer than 255 characters', { name: 'y'.repeat(256) }, ['input', 'name']],
      ['a custom id longer than 255 characters', { customId: 'y'.repeat(256) }, ['input', 'customId']],
      ['a malformed contact email', { contacts: [{ email: 'not-an-email' }] }, ['input', 'contacts', '0', 'email']],
      [
        'a contact email given twice',
        { contacts: [{ email: 'a@b.example' }, { email: 'A@b.example' }] },
        ['input', 'contacts', '1', 'email'],
      ],
    ])('refuses to create a supplier with %s and writes nothing', async (_what, over, field) => {
      const q = `query($g: ID!) { productSuppliers(groupId: $g) { totalCount } }`;
      const before = (await data(q, { g: G[1] })).productSuppliers.totalCount;
      const calls = writesTo('/suppliers', 'POST');
      const res = (await data(CREATE_SUPPLIER, { input: { groupId: G[1], name: 'Valid Name', ...over } }))
        .createProductSupplier;
      expect(res.productSupplier).toBeNull();
      expect(res.userErrors).toEqual([expect.objectContaining({ field, code: 'INVALID' })]);
      expect((await data(q, { g: G[1] })).productSuppliers.totalCount).toBe(before);
      expect(writesTo('/suppliers', 'POST')).toBe(calls);
    });

    it('refuses to delete an invited or connected supplier; deletes a created one', async () => {
      for (const id of [S[0], S[2]]) {
        const res = (await data(DELETE_SUPPLIER, { id })).deleteProductSupplier;
        expect(res.deletedProductSupplierId).toBeNull();
        expect(res.userErrors.map((e: Json) => e.code)).toEqual(['CONFLICT']);
        expect((await data(SUPPLIER, { id })).productSupplier!.id).toBe(id);
      }
      const created = (await data(CREATE_SUPPLIER, { input: { groupId: G[0], name: 'Short-lived Supplier' } }))
        .createProductSupplier.productSupplier!;
      expect((await data(DELETE_SUPPLIER, { id: created.id })).deleteProductSupplier).toEqual({
        deletedProductSupplierId: created.id,
        userErrors: [],
      });
      expect((await data(SUPPLIER, { id: created.id })).productSupplier).toBeNull();
      expect(
        (await data(DELETE_SUPPLIER, { id: created.id })).deleteProductSupplier.userErrors.map((e: Json) => e.code),
      ).toEqual(['NOT_FOUND']);
    });

    it('lists linked products, filtered by status', async () => {
      const linked = (await data(LINKED, { id: S[0] })).productSupplier!.linkedProducts;
      expect(linked).toEqual([
        { resoldProductId: P[0], name: 'Oat Drink Barista 1 L', status: 'SENT', resoldProduct: { id: P[0] } },
        { resoldProductId: P[1], name: 'Organic Rolled Oats 750 g', status: 'DECLINED', resoldProduct: { id: P[1] } },
      ]);
      expect(
        (await data(LINKED, { id: S[0], status: ['DECLINED'] })).productSupplier!.linkedProducts.map(
          (l: Json) => l.resoldProductId,
        ),
      ).toEqual([P[1]]);
      expect(
        (await data(LINKED, { id: S[0], status: ['ACCEPTED', 'ACTIVE'] })).productSupplier!.linkedProducts,
      ).toEqual([]);
      expect(
        (await data(LINKED, { id: S[2], status: ['ACTIVE'] })).productSupplier!.linkedProducts.map(
          (l: Json) => l.resoldProductId,
        ),
      ).toEqual([P[3]]);
    });
  });

  describe('invitations', () => {
    it('refuses products whose linked supplier is another and writes nothing', async () => {
      const outbox = await outboxOf(S[0]);
      const res = (await data(INVITE, { input: { supplierId: S[0], resoldProductIds: [P[1], P[2]] } }))
        .inviteProductSupplier;
      expect(res.productSupplier).toBeNull();
      expect(res.userErrors).toEqual([expect.objectContaining({ code: 'INVALID' })]);
      expect(
        (await data(LINKED, { id: S[0], status: ['DECLINED'] })).productSupplier!.linkedProducts.map(
          (l: Json) => l.resoldProductId,
        ),
      ).toEqual([P[1]]);
      expect(await outboxOf(S[0])).toEqual(outbox);
    });

    it.each([
      ['no products', []],
      ['a product given twice', [P[0], P[0]]],
    ])('refuses %s', async (_what, ids) => {
      const res = (await data(INVITE, { input: { supplierId: S[0], resoldProductIds: ids } })).inviteProductSupplier;
      expect(res.userErrors).toEqual([
        expect.objectContaining({ field: ['input', 'resoldProductIds'], code: 'INVALID' }),
      ]);
    });

    it('emails only contacts not emailed before and renews a declined request', async () => {
      expect(await outboxOf(S[0])).toEqual(['anna@oatmill.example']);
      const res = (await data(INVITE, { input: { supplierId: S[0], resoldProductIds: [P[0], P[1]] } }))
        .inviteProductSupplier;
      expect(res).toEqual({ productSupplier: { id: S[0], status: 'INVITED' }, userErrors: [] });
      expect((await outboxOf(S[0])).sort()).toEqual(['anna@oatmill.example', 'erik@oatmill.example']);
      expect((await data(LINKED, { id: S[0] })).productSupplier!.linkedProducts.map((l: Json) => l.status)).toEqual([
        'SENT',
        'SENT',
      ]);

      await data(INVITE, { input: { supplierId: S[0], resoldProductIds: [P[1]] } });
      expect(await outboxOf(S[0])).toHaveLength(2);
    });

    it('invites a created supplier (emailing its contacts) and no longer lets it be deleted', async () => {
      const res = (await data(INVITE, { input: { supplierId: S[1], resoldProductIds: [P[2]] } })).inviteProductSupplier;
      expect(res).toEqual({ productSupplier: { id: S[1], status: 'INVITED' }, userErrors: [] });
      expect(await outboxOf(S[1])).toEqual(['lena@oilseed.example']);
      expect((await periodsOf(P[2])).currentSupplier).toEqual({
        supplierId: S[1],
        name: 'Baltic Oilseed Press',
        status: 'SENT',
      });
      expect(
        (await data(DELETE_SUPPLIER, { id: S[1] })).deleteProductSupplier.userErrors.map((e: Json) => e.code),
      ).toEqual(['CONFLICT']);
    });

    it('emails each contact once when 20 invitations arrive at the same time', async () => {
      const supplier = (
        await data(CREATE_SUPPLIER, {
          input: {
            groupId: G[0],
            name: 'Skåne Mustard Seeds',
            contacts: [{ email: 'ola@mustard.example' }, { email: 'eva@mustard.example' }],
          },
        })
      ).createProductSupplier.productSupplier!;
      const product = (await data(CREATE, { input: newProduct({ name: 'Skåne Mustard 250 g' }) })).createResoldProduct
        .resoldProduct!;
      expect(
        (
          await data(SET_PERIODS, {
            input: { resoldProductId: product.id, periods: [{ supplierId: supplier.id, validFrom: '2025-01-01' }] },
          })
        ).setSupplierPeriods.userErrors,
      ).toEqual([]);
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          data(INVITE, { input: { supplierId: supplier.id, resoldProductIds: [product.id] } }),
        ),
      );
      expect(results.flatMap((r) => r.inviteProductSupplier.userErrors)).toEqual([]);
      expect((await outboxOf(supplier.id)).sort()).toEqual(['eva@mustard.example', 'ola@mustard.example']);
      expect((await data(SUPPLIER, { id: supplier.id })).productSupplier!.status).toBe('INVITED');
    });

    it('emails nobody at a connected supplier', async () => {
      const res = (await data(INVITE, { input: { supplierId: S[2], resoldProductIds: [P[3]] } })).inviteProductSupplier;
      expect(res.userErrors).toEqual([]);
      expect(await outboxOf(S[2])).toEqual([]);
      expect((await data(LINKED, { id: S[2] })).productSupplier!.linkedProducts.map((l: Json) => l.status)).toEqual([
        'ACTIVE',
      ]);
    });
  });

  describe('batching', () => {
    it('loads footprints and baselines of 128 products in one batch each', async () => {
      const before = await productIdsOf(G[1]);
      const missing = 128 - before.length;
      for (let i = 0; i < missing; i += 16) {
        await Promise.all(
          Array.from({ length: Math.min(16, missing - i) }, (_, k) =>
            data(CREATE, { input: newProduct({ groupId: G[1], name: `Tea Blend No. ${i + k + 1}` }) }),
          ),
        );
      }
      const q = `query($g: ID!, $first: Int) { resoldProducts(groupId: $g, first: $first) { nodes { id footprint { total } footprintBaseline { total } } } }`;
      const measure = async (first: number) => {
        sut.fake?.resetCalls();
        sut.app.database?.queries.reset();
        const nodes = (await data(q, { g: G[1], first })).resoldProducts!.nodes;
        return { nodes, statements: sut.app.database?.queries.count ?? 0 };
      };
      const small = await measure(2);
      const { nodes, statements } = await measure(128);
      expect(nodes).toHaveLength(128);
      expect(nodes.find((n: Json) => n.id === P[3])).toEqual({
        id: P[3],
        footprint: null,
        footprintBaseline: { total: '10.1' },
      });
      if (mode === 'upstream') {
        const fp = sut.fake!.callsTo('/footprints', 'POST');
        const bl = sut.fake!.callsTo('/footprint-baselines', 'POST');
        expect(fp).toHaveLength(1);
        expect(bl).toHaveLength(1);
        expect(fp[0]!.body).toHaveLength(128);
        expect(fp[0]!.query).toBe(`?groupId=${G[1]}`);
      } else {
        // Products, their sales volumes, footprints, baselines: the same few statements for 2 or 128.
        expect(statements).toBeLessThanOrEqual(4);
        expect(statements).toBe(small.statements);
      }
    });

    it("serves the bench query's part in one statement per batch: product, its sales volumes, its footprint", async () => {
      sut.fake?.resetCalls();
      sut.app.database?.queries.reset();
      const product = (
        await data(
          `query($id: ID!) { resoldProduct(id: $id) { id name yearlySalesVolumes { year } footprint { total } } }`,
          { id: P[1] },
        )
      ).resoldProduct!;
      expect(product.id).toBe(P[1]);
      expect(product.footprint.total).toEqual(expect.any(String));
      if (mode === 'local') expect(sut.app.database!.queries.count).toBe(3);
    });

    it('pages 32 products by default and knows a full page of 128 is the last', async () => {
      const q = `query($g: ID!, $first: Int, $after: String) { resoldProducts(groupId: $g, first: $first, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }`;
      const page = (await data(q, { g: G[1] })).resoldProducts;
      expect(page.nodes).toHaveLength(32);
      expect(page.pageInfo.hasNextPage).toBe(true);
      const all = (await data(q, { g: G[1], first: 128 })).resoldProducts;
      expect(all.nodes).toHaveLength(128);
      expect(all.pageInfo.hasNextPage).toBe(false);
      const rest = (await data(q, { g: G[1], first: 128, after: page.pageInfo.endCursor })).resoldProducts;
      expect(rest.nodes.map((n: Json) => n.id)).toEqual(all.nodes.slice(32).map((n: Json) => n.id));
    });
  });
});

describe('footprints upstream client (CarbonCloud OAuth2 and request ids)', () => {
  let sut: FootprintsUnderTest;
  let admin: string;
  beforeAll(async () => {
    sut = await startFootprints('upstream');
    admin = await tokenFor(DEMO.users.admin);
  });
  afterAll(async () => {
    await sut?.stop();
  });
  const gql = (query: string, variables: Record<string, unknown> = {}) =>
    graphql<Json>(sut.url, query, variables, { token: admin });
  const tokenCalls = () => sut.fake!.callsTo(TOKEN_PATH, 'POST');
  const apiCalls = () => sut.fake!.calls.filter((c) => c.path !== TOKEN_PATH);

  it('gets a token with the password grant once and sends it as a bearer with a fresh x-request-id', async () => {
    for (let i = 0; i < 3; i++) ok(await gql(`{ groups { id } resoldProduct(id: "${P[0]}") { id } }`));
    expect(tokenCalls()).toHaveLength(1);
    expect(tokenCalls()[0]!.body).toEqual({
      client_id: 'carboncloud',
      grant_type: 'password',
      username: FAKE_CARBONCLOUD_CREDENTIALS.username,
      password: FAKE_CARBONCLOUD_CREDENTIALS.password,
    });
    const calls = apiCalls();
    expect(calls.length).toBeGreaterThanOrEqual(6);
    expect(new Set(calls.map((c) => c.headers.authorization)).size).toBe(1);
    expect(calls[0]!.headers.authorization).toMatch(/^Bearer cc_1_/);
    const ids = calls.map((c) => c.headers['x-request-id']);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('renews the token once when the API answers 401', async () => {
    sut.fake!.resetCalls();
    sut.fake!.revokeTokens();
    const res = await gql('{ groups { id } }');
    expect(ok(res).groups).toHaveLength(2);
    expect(tokenCalls()).toHaveLength(1);
    expect(apiCalls().map((c) => c.status)).toEqual([401, 200]);
  });

  it("renews the token only once: a second 401 is UPSTREAM_UNAVAILABLE, not the caller's fault", async () => {
    sut.fake!.resetCalls();
    sut.fake!.fail({ pathPrefix: '/groups', status: 401, times: 2 });
    const res = await gql('{ groups { id } }');
    expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(tokenCalls()).toHaveLength(1);
    expect(apiCalls().map((c) => c.status)).toEqual([401, 401]);
    expect(ok(await gql('{ groups { id } }')).groups).toHaveLength(2);
  });

  it('renews an expiring token before using it', async () => {
    sut.fake!.state.tokenTtlSeconds = 1;
    sut.fake!.revokeTokens();
    ok(await gql('{ groups { id } }'));
    sut.fake!.resetCalls();
    await new Promise((r) => setTimeout(r, 1_000));
    ok(await gql('{ groups { id } }'));
    expect(tokenCalls()).toHaveLength(1);
    expect(apiCalls().map((c) => c.status)).toEqual([200]);
    sut.fake!.state.tokenTtlSeconds = 300;
  });

  it('retries an invitation answered 425 with growing backoff, then succeeds', async () => {
    sut.fake!.resetCalls();
    sut.fake!.fail({ method: 'POST', pathPrefix: '/invites', status: 425, times: 2 });
    const res = ok(
      await gql(
        `mutation { inviteProductSupplier(input: { supplierId: "${S[2]}", resoldProductIds: ["${P[3]}"] }) { userErrors { code } } }`,
      ),
    );
    expect(res.inviteProductSupplier.userErrors).toEqual([]);
    expect(sut.fake!.callsTo('/invites', 'POST').map((c) => c.status)).toEqual([425, 425, 200]);
  });

  it('reports an invitation still answered 425 after the retries as UPSTREAM_UNAVAILABLE', async () => {
    sut.fake!.resetCalls();
    sut.fake!.fail({ method: 'POST', pathPrefix: '/invites', status: 425, times: 10 });
    const res = await gql(
      `mutation { inviteProductSupplier(input: { supplierId: "${S[2]}", resoldProductIds: ["${P[3]}"] }) { userErrors { code } } }`,
    );
    expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(sut.fake!.callsTo('/invites', 'POST')).toHaveLength(4);
  });

  it('the fake refuses calls without a bearer token or an x-request-id', async () => {
    const noId = await fetch(`${sut.fake!.url}/groups`, { headers: { authorization: 'Bearer cc_1_x' } });
    expect(noId.status).toBe(400);
    const noToken = await fetch(`${sut.fake!.url}/groups`, { headers: { 'x-request-id': 'r1' } });
    expect(noToken.status).toBe(401);
  });

  it('refused credentials become UPSTREAM_UNAVAILABLE without leaking the password', async () => {
    const wrong = await startFootprints('upstream', { CARBONCLOUD_PASSWORD: 'wrong-password-123' });
    try {
      const res = await graphql<Json>(wrong.url, '{ groups { id } }', {}, { token: admin });
      expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE']);
      expect(JSON.stringify(res)).not.toContain('wrong-password-123');
    } finally {
      await wrong.stop();
    }
  });
});
