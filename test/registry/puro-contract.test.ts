// CO2Trust Puro answers that differ from the assumed contract, through the registry subgraph:
// tolerated where that is safe (decimal numbers, unknown country codes, missing optional
// fields, extra fields), an UPSTREAM_CONTRACT error naming the route and field where it is not;
// never an internal error, the other root fields still answer, and /health reports `degraded`.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { createRegistryApp } from '../../subgraphs/registry/server.ts';
import { startCo2TrustFake, type Co2TrustFake } from '../../fakes/co2trust.ts';
import { FAKE_ICR_TOKEN, startIcrDemoFake, type IcrFake } from '../../fakes/icr-demo.ts';
import { tokenFor } from '../support/env.ts';
import { graphql } from '../support/graphql.ts';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
type Wire = Record<string, unknown>;

const INVENTORY = '/puro/inventory';
const RETIREMENTS = '/puro/retirement';
const CREDIT_TYPES = '/puro/sales-channel-services/v1/credit-types';

describe('registry upstream contract (CO2Trust Puro)', () => {
  let icr: IcrFake;
  let co2trust: Co2TrustFake;
  let subgraph: TestSubgraph;
  let token: string;

  beforeAll(async () => {
    icr = await startIcrDemoFake();
    co2trust = await startCo2TrustFake();
    subgraph = await startTestSubgraph('registry', 'upstream', createRegistryApp, {
      ICR_BASE_URL: icr.url,
      ICR_API_TOKEN: FAKE_ICR_TOKEN,
      CO2TRUST_BASE_URL: co2trust.url,
      UPSTREAM_RETRIES: '0',
    });
    token = await tokenFor(DEMO.users.alice);
  });
  afterAll(async () => {
    await subgraph?.stop();
    await icr?.stop();
    await co2trust?.stop();
  });

  const gql = (query: string) => graphql<Json>(subgraph.url, query, {}, { token });
  const health = async () => {
    const res = await fetch(subgraph.url.replace(/\/graphql$/, '/health'));
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text) as Json, text };
  };
  const serve = (path: string, body: unknown) => co2trust.fail({ method: 'GET', pathPrefix: path, status: 200, body });
  const page = (items: unknown[]) => ({ items, total: items.length, page: 1, size: 20, pages: 1 });
  const errorsOf = (res: { errors?: Json[] }) =>
    (res.errors ?? []).map((e: Json) => [
      e.extensions?.code,
      e.extensions?.upstream,
      e.extensions?.route,
      e.extensions?.field,
      e.path,
    ]);
  const item = (): Wire => ({ ...co2trust.state.puroInventory[0]! });
  const retirement = (): Wire => ({ ...co2trust.state.puroRetirements[0]! });
  const creditType = (): Wire => ({ ...co2trust.state.puroCreditTypes[0]! });

  const INVENTORY_AND_TYPES = `{ puroInventory(first: 5) { totalCount nodes { id amount { amount } vintage countryCode issuanceId productionFacility { id name } creditType { code } } } creditTypes(first: 50) { totalCount } }`;
  const RETIREMENTS_AND_TYPES = `{ retirements(first: 5, filter: { registry: PURO }) { nodes { id amount { amount } vintage beneficiaryName offsetOrderId retiredAt } } creditTypes(first: 50) { totalCount } }`;

  it('is up before any answer outside the contract', async () => {
    const h = await health();
    expect(h.status).toBe(200);
    expect(h.body.status).toBe('up');
  });

  describe('GET /puro/inventory', () => {
    it('a renamed required field is UPSTREAM_CONTRACT naming the item; the credit types still answer', async () => {
      const { quantity, ...rest } = item();
      serve(INVENTORY, page([item(), { ...rest, amount: quantity }]));
      const res = await gql(INVENTORY_AND_TYPES);
      expect(res.data.puroInventory).toBeNull();
      expect(res.data.creditTypes.totalCount).toBeGreaterThan(0);
      expect(errorsOf(res)).toEqual([
        ['UPSTREAM_CONTRACT', 'co2trust', `GET ${INVENTORY}`, 'items[1].quantity', ['puroInventory']],
      ]);
      expect(res.errors?.[0]?.message).toContain('items[1].quantity is missing');
    });

    it('a quantity as a JSON number or a decimal string, and a vintage as a string, are read exactly', async () => {
      serve(
        INVENTORY,
        page([
          { ...item(), quantity: 12.5, vintage: '2023' },
          { ...item(), id: 'puro-x', quantity: '0.001' },
        ]),
      );
      const res = await gql(INVENTORY_AND_TYPES);
      expect(res.errors).toBeUndefined();
      expect(res.data.puroInventory.nodes.map((n: Json) => [n.amount.amount, n.vintage])).toEqual([
        ['12.5', 2023],
        ['0.001', item().vintage],
      ]);
    });

    it('a quantity that is no number is UPSTREAM_CONTRACT, not an internal error', async () => {
      serve(INVENTORY, page([{ ...item(), quantity: 'twelve' }]));
      const res = await gql(INVENTORY_AND_TYPES);
      expect(errorsOf(res)).toEqual([
        ['UPSTREAM_CONTRACT', 'co2trust', `GET ${INVENTORY}`, 'items[0].quantity', ['puroInventory']],
      ]);
      expect(res.data.creditTypes.totalCount).toBeGreaterThan(0);
    });

    it('an unknown country code reads as null; missing optional fields as null; an extra field is ignored', async () => {
      const {
        production_facility_id: _f,
        production_facility_name: _n,
        issuance_id: _i,
        vintage: _v,
        serial_number_range: _s,
        ...rest
      } = item();
      serve(INVENTORY, page([{ ...rest, country_code: 'Atlantis', methodology: { edition: 2 } }]));
      const res = await gql(INVENTORY_AND_TYPES);
      expect(res.errors).toBeUndefined();
      expect(res.data.puroInventory.nodes[0]).toMatchObject({
        id: item().id,
        countryCode: null,
        issuanceId: null,
        productionFacility: null,
        vintage: null,
      });
    });
  });

  describe('GET /puro/retirement', () => {
    it('a renamed time is UPSTREAM_CONTRACT naming the field; the credit types still answer', async () => {
      const { retired_at, ...rest } = retirement();
      serve(RETIREMENTS, page([{ ...rest, retiredAt: retired_at }]));
      const res = await gql(RETIREMENTS_AND_TYPES);
      expect(res.data.retirements).toBeNull();
      expect(res.data.creditTypes.totalCount).toBeGreaterThan(0);
      expect(errorsOf(res)).toEqual([
        ['UPSTREAM_CONTRACT', 'co2trust', `GET ${RETIREMENTS}`, 'items[0].retired_at', ['retirements']],
      ]);
    });

    it('missing optional fields read as null and an extra field is ignored', async () => {
      const { beneficiary_name: _b, offset_order_id: _o, vintage: _v, ...rest } = retirement();
      serve(RETIREMENTS, page([{ ...rest, quantity: 3, registry_url: 'https://registry.example/r/1' }]));
      const res = await gql(RETIREMENTS_AND_TYPES);
      expect(res.errors).toBeUndefined();
      expect(res.data.retirements.nodes[0]).toMatchObject({
        id: retirement().id,
        amount: { amount: '3' },
        beneficiaryName: null,
        offsetOrderId: null,
        vintage: null,
      });
    });
  });

  describe('GET /puro/sales-channel-services/v1/credit-types', () => {
    it('a page instead of the assumed array is UPSTREAM_CONTRACT; the inventory still answers', async () => {
      serve(CREDIT_TYPES, page([creditType()]));
      const res = await gql(INVENTORY_AND_TYPES.replace('creditType { code }', ''));
      expect(res.data.creditTypes).toBeNull();
      expect(res.data.puroInventory.totalCount).toBeGreaterThan(0);
      expect(errorsOf(res)).toEqual([['UPSTREAM_CONTRACT', 'co2trust', `GET ${CREDIT_TYPES}`, '', ['creditTypes']]]);
    });
  });

  it('/health is degraded (HTTP 200) naming the Puro routes, with no values from the bodies', async () => {
    const h = await health();
    expect(h.status).toBe(200);
    expect(h.body.status).toBe('degraded');
    expect(h.body.upstreams).toEqual({ co2trust: 'up', icr: 'up' });
    const routes = (h.body.contract as Json[]).map((c) => [c.upstream, c.route]);
    expect(routes).toEqual(
      expect.arrayContaining([
        ['co2trust', `GET ${INVENTORY}`],
        ['co2trust', `GET ${RETIREMENTS}`],
        ['co2trust', `GET ${CREDIT_TYPES}`],
      ]),
    );
    expect(h.text).not.toContain('twelve');
  });
});
