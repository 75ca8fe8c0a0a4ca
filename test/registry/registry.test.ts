import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { openDatabase, type Database } from '../../lib/db.ts';
import { DEMO } from '../../demo/data.ts';
import { entities } from '../../subgraphs/registry/local/entities.ts';
import { demoCredits, demoOffsetCredits, demoRetirementIds } from '../../subgraphs/registry/local/seed.ts';
import { ledgerTotals } from '../../subgraphs/registry/local/ledger.ts';
import { MIGRATIONS, createRegistryApp } from '../../subgraphs/registry/server.ts';
import { startCo2TrustFake, type Co2TrustFake } from '../../fakes/co2trust.ts';
import {
  FAKE_ICR_TOKEN,
  icrLedgerTotals,
  startIcrDemoFake as startIcrFake,
  type IcrFake,
} from '../../fakes/icr-demo.ts';
import { MODES, TEST_SECRETS, tokenFor } from '../support/env.ts';
import { codes, graphql, ok } from '../support/graphql.ts';
import { gid, localOf } from '../support/ids.ts';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph.ts';
import { undocumented } from './icr-contract.ts';
import {
  CreditRequestByIdDocument,
  CreditRequestsDocument,
  CreditTypesDocument,
  GrantOrganizationAccessDocument,
  HoldingCreditsDocument,
  OrganizationByIdDocument,
  OrganizationMembersDocument,
  PuroInventoryDocument,
  InventoryDocument,
  RequestCreditActionDocument,
  RetireCreditsForOffsetOrderDocument,
  RetirementsDocument,
  RevokeOrganizationAccessDocument,
  ReviewCreditRequestDocument,
  TransactCreditsDocument,
  type CreditActionInput,
  type InventoryQuery,
  type OrganizationAccessInput,
  type PuroInventoryQueryVariables,
  type RetireCreditsForOffsetOrderInput,
  type RetirementsQueryVariables,
  type ReviewCreditRequestInput,
} from '../__generated__/registry-operations.ts';

const { nordicForest: NORDIC, carbonBuyer: BUYER } = DEMO.organizations;
const [C1, C2, C3] = demoCredits as [(typeof demoCredits)[0], (typeof demoCredits)[0], (typeof demoCredits)[0]];
const OO = DEMO.offsetOrders;
const OFFSETS = DEMO.organizations.marketplaceOffsets;
const COOKSTOVES = DEMO.offsetProjects[0];
const {
  cookstoves: [COOK22, COOK23],
  forest: [FOREST23],
  biochar: [BIOCHAR24],
} = demoOffsetCredits as unknown as Record<
  'cookstoves' | 'forest' | 'biochar',
  [(typeof demoCredits)[0], (typeof demoCredits)[0]]
>;

type Page<T> = { totalCount: number | null; nodes: T[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };

const INVENTORY = InventoryDocument;
type Holding = NonNullable<InventoryQuery['organization']>['inventory']['nodes'][number];
/** A credit as an organization holds it: the token-wide credit with the holder's tonnes and serials. */
type Credit = NonNullable<Holding['credit']> & Pick<Holding, 'amount' | 'serialization'>;
/** A holding as the credit it holds, with the holder's tonnes and serials. */
const asCredit = ({ creditId, amount, serialization, credit }: Holding): Credit => ({
  ...credit!,
  id: creditId,
  amount,
  serialization,
});
const holdings = (page: Page<Holding>): Page<Credit> => ({ ...page, nodes: page.nodes.map(asCredit) });
const REQUESTS = CreditRequestsDocument;
const RETIREMENTS = RetirementsDocument;
const TRANSACT = TransactCreditsDocument;
const REQUEST_ACTION = RequestCreditActionDocument;
const REVIEW = ReviewCreditRequestDocument;

const retirement = {
  reason: 'Scope 1 compensation',
  beneficiaryName: 'Nordic Forest Carbon AB',
  comment: 'Annual claim',
};

/** issued = held + reserved + retired + cancelled, nothing negative, one owner per serial, for every demo credit. */
async function expectLedgerInvariants(
  ledger: (creditId: string) => Promise<{
    issued: bigint;
    held: bigint;
    reserved: bigint;
    retired: bigint;
    cancelled: bigint;
    serialsUnique: boolean;
    balancesMatch: boolean;
  }>,
) {
  for (const credit of demoCredits) {
    const t = await ledger(credit.id);
    expect(t.issued).toBe(t.held + t.reserved + t.retired + t.cancelled);
    expect([t.held, t.reserved, t.retired, t.cancelled].every((n) => n >= 0n)).toBe(true);
    expect(t.serialsUnique).toBe(true);
    expect(t.balancesMatch).toBe(true);
  }
}

describe.each(MODES)('registry (%s mode)', (mode) => {
  let subgraph: TestSubgraph;
  let icr: IcrFake | undefined;
  let co2trust: Co2TrustFake | undefined;
  let db: Database | undefined;
  const tokens: Record<'alice' | 'bob' | 'admin', string> = { alice: '', bob: '', admin: '' };

  beforeAll(async () => {
    const env: Record<string, string> = {};
    if (mode === 'upstream') {
      icr = await startIcrFake();
      co2trust = await startCo2TrustFake();
      Object.assign(env, { ICR_BASE_URL: icr.url, ICR_API_TOKEN: FAKE_ICR_TOKEN, CO2TRUST_BASE_URL: co2trust.url });
    }
    subgraph = await startTestSubgraph('registry', mode, createRegistryApp, env);
    // A second handle on the same database reads the ledger to check its invariants.
    if (mode === 'local')
      db = await openDatabase(subgraph.config, { name: 'registry', entities, migrationsPath: MIGRATIONS });
    for (const user of ['alice', 'bob', 'admin'] as const) tokens[user] = await tokenFor(DEMO.users[user]);
  });
  afterAll(async () => {
    await db?.close();
    await subgraph?.stop();
    await icr?.stop();
    await co2trust?.stop();
  });

  const ledger = (creditId: string) =>
    mode === 'local' ? ledgerTotals(db!.fork(), creditId) : Promise.resolve(icrLedgerTotals(icr!.state, creditId));

  // The invariants of the ledger, after every scenario, for every credit; upstream, every ICR call kept to the document.
  afterEach(async () => {
    await expectLedgerInvariants(ledger);
    if (icr) expect(undocumented(icr.calls)).toEqual([]);
  });

  const inventory = async (organizationId: string, token: string, dev = false) =>
    holdings(
      ok(await graphql(subgraph.url, INVENTORY, { id: organizationId, dev, first: 50 }, { token })).organization!
        .inventory,
    );
  const held = async (organizationId: string, token: string, creditId: string) =>
    (await inventory(organizationId, token)).nodes.find((c) => c.id === creditId)?.amount.amount ?? '0';
  const requestCount = async (organizationId: string, token: string) =>
    ok(await graphql(subgraph.url, REQUESTS, { id: organizationId, first: 1 }, { token })).organization!.creditRequests
      .totalCount;
  const transact = async (input: CreditActionInput, token = tokens.bob) =>
    ok(await graphql(subgraph.url, TransactCreditsDocument, { input }, { token })).transactCredits;
  const requestAction = async (input: CreditActionInput, token = tokens.bob) =>
    ok(await graphql(subgraph.url, RequestCreditActionDocument, { input }, { token })).requestCreditAction;
  const review = async (input: ReviewCreditRequestInput, token = tokens.bob) =>
    ok(await graphql(subgraph.url, ReviewCreditRequestDocument, { input }, { token })).reviewCreditRequest;

  describe('reading', () => {
    // The registry's part of bench/query.graphql, as the gateway's planner sends it.
    if (mode === 'local') {
      it("serves the bench query's part in one statement per batch, its total beside the page's rows", async () => {
        const part = (total: string) => `query($r: [_Any!]!) {
          puroInventory(first: 2) { ${total} nodes { id } }
          _entities(representations: $r) { ... on Nft { credit { serialization vintage } } }
        }`;
        const reps = DEMO.tokens.map((t, i) => ({
          __typename: 'Nft',
          id: gid('Nft', DEMO.nfts[i]!),
          tokenAddress: t.tokenAddress,
          tokenId: t.tokenId,
        }));
        const queries = (subgraph.app as unknown as { database: Database }).database.queries;
        type Part = {
          puroInventory: { totalCount?: number; nodes: unknown[] };
          _entities: { credit: { serialization: string } | null }[];
        };
        queries.reset();
        const sent = ok(await graphql<Part>(subgraph.url, part(''), { r: reps }, { token: tokens.alice }));
        expect(sent.puroInventory.nodes).toHaveLength(2);
        expect(sent._entities.filter((e) => e.credit?.serialization)).toHaveLength(reps.length);
        // The inventory page; the credits of the tokens, their serial blocks and their projects.
        expect(queries.count).toBe(4);
        queries.reset();
        const counted = ok(await graphql<Part>(subgraph.url, part('totalCount'), { r: reps }, { token: tokens.alice }));
        expect(counted.puroInventory.totalCount).toBeGreaterThan(2);
        // The total comes with the page: no statement of its own.
        expect(queries.count).toBe(4);
      });
    }

    it('a member reads the organization inventory with serials, supply and project', async () => {
      const inv = await inventory(NORDIC, tokens.bob);
      expect(inv.totalCount).toBe(2);
      expect(inv.nodes.map((c) => [c.id, c.amount, c.supply, c.serialization, c.kind, c.vintage])).toEqual([
        [C1.id, { amount: '600', unit: 'T' }, { amount: '1000' }, 'ICR-SWE-713-2021-1-600', 'EX_POST', 2021],
        [C2.id, { amount: '500', unit: 'T' }, { amount: '500' }, 'ICR-SWE-713-2022-1-500', 'EX_POST', 2022],
      ]);
      expect(inv.nodes[0]!.project).toEqual({
        id: gid('Project', DEMO.projects[0]),
        fullName: 'Boreal Forest Restoration Norrbotten',
      });
      if (mode === 'upstream') {
        const call = icr!.callsTo(`/organizations/${NORDIC}/inventory`, 'GET').at(-1)!;
        expect(call.headers['x-icr-api-version']).toBe('2023-06-16');
      }
    });

    it('a holding (organization × credit) has an id of its own; its credit is the token-wide credit', async () => {
      const of = async (org: string, token: string) =>
        ok(
          await graphql(subgraph.url, HoldingCreditsDocument, { id: org }, { token }),
        ).organization!.inventory.nodes.find((h) => h.creditId === C1.id)!;
      const [nordic, buyer] = [await of(NORDIC, tokens.bob), await of(BUYER, tokens.alice)];
      expect([nordic.id, nordic.organizationId, buyer.id, buyer.organizationId]).toEqual([
        `${NORDIC}:${C1.id}`,
        gid('Organization', NORDIC),
        `${BUYER}:${C1.id}`,
        gid('Organization', BUYER),
      ]);
      expect([nordic.amount.amount, buyer.amount.amount]).toEqual(['600', '300']);
      // Both holdings point at one credit, whose amount is what all its holders hold together.
      expect(nordic.credit).toEqual(buyer.credit);
      expect(nordic.credit?.id).toBe(C1.id);
      expect(Number(nordic.credit?.amount.amount)).toBeGreaterThanOrEqual(900);
    });

    it('pages the inventory and serves the development inventory apart', async () => {
      const first = holdings(
        ok(await graphql(subgraph.url, INVENTORY, { id: NORDIC, first: 1 }, { token: tokens.bob })).organization!
          .inventory,
      );
      expect(first.nodes.map((c) => c.id)).toEqual([C1.id]);
      expect(first.pageInfo.hasNextPage).toBe(true);
      const second = holdings(
        ok(
          await graphql(
            subgraph.url,
            INVENTORY,
            { id: NORDIC, first: 1, after: first.pageInfo.endCursor },
            { token: tokens.bob },
          ),
        ).organization!.inventory,
      );
      expect(second.nodes.map((c) => c.id)).toEqual([C2.id]);
      expect(second.pageInfo.hasNextPage).toBe(false);
      const dev = await inventory(NORDIC, tokens.bob, true);
      expect(dev.nodes.map((c) => c.amount.amount)).toEqual(['50']);
      // Upstream, a development credit is not found token-wide (the ICR has no token lookup).
      if (mode === 'local') expect(dev.nodes.map((c) => c.vintage)).toEqual([2024]);
    });

    it('membership: member and admin read; to a non-member the organization does not exist; anonymous is UNAUTHENTICATED', async () => {
      expect((await inventory(BUYER, tokens.alice)).nodes.map((c) => c.id)).toEqual([C1.id, C3.id]);
      expect((await inventory(NORDIC, tokens.admin)).totalCount).toBe(2);
      expect((await inventory(BUYER, tokens.admin)).totalCount).toBe(2);
      const inventoryOfOther = await graphql(subgraph.url, INVENTORY, { id: NORDIC }, { token: tokens.alice });
      expect([inventoryOfOther.data, codes(inventoryOfOther)]).toEqual([{ organization: null }, []]);
      const requestsOfOther = await graphql(subgraph.url, REQUESTS, { id: BUYER }, { token: tokens.bob });
      expect([requestsOfOther.data, codes(requestsOfOther)]).toEqual([{ organization: null }, []]);
      expect(codes(await graphql(subgraph.url, INVENTORY, { id: NORDIC }))).toEqual(['UNAUTHENTICATED']);
    });

    it('an unknown organization is null', async () => {
      const res = ok(
        await graphql(
          subgraph.url,
          OrganizationByIdDocument,
          { id: 'de060000-0000-4000-8000-0000000000ff' },
          { token: tokens.admin },
        ),
      );
      expect(res.organization).toBeNull();
    });

    it('lists credit requests newest first with pages, and one request by id', async () => {
      const q = (after?: string | null) =>
        graphql(subgraph.url, REQUESTS, { id: BUYER, first: 2, after }, { token: tokens.alice });
      const first = ok(await q()).organization!.creditRequests;
      expect(first.totalCount).toBe(3);
      expect(first.nodes.map((r) => [r.action, r.state, r.amount.amount, r.serialization, r.offsetOrderId])).toEqual([
        ['RETIRE', 'PROCESSED', '50', 'ICR-SWE-713-2021-951-1000', null],
        ['RETIRE', 'PROCESSED', '50', 'ICR-SWE-713-2021-901-950', null],
      ]);
      expect(first.pageInfo.hasNextPage).toBe(true);
      const second = ok(await q(first.pageInfo.endCursor)).organization!.creditRequests;
      expect(second.nodes.map((r) => r.serialization)).toEqual(['ICR-ISL-354-2023-151-200']);
      const one = ok(
        await graphql(
          subgraph.url,
          CreditRequestByIdDocument,
          { id: BUYER, r: first.nodes[0]!.id },
          { token: tokens.alice },
        ),
      ).organization!;
      expect(one.creditRequest).toEqual(first.nodes[0]);
      expect(one.missing).toBeNull();
      if (mode === 'upstream')
        expect(icr!.callsTo(`/organizations/${BUYER}/inventory/requests`).map((c) => c.query)).toEqual(
          expect.arrayContaining(['?limit=2&page=0', '?limit=2&page=1']),
        );
    });

    it('Puro inventory: public, every filter, orderBy and pages', async () => {
      const q = PuroInventoryDocument;
      const run = async (vars: PuroInventoryQueryVariables) => ok(await graphql(subgraph.url, q, vars)).puroInventory!;
      const all = await run({});
      expect(all.totalCount).toBe(5);
      expect(all.nodes.map((n) => n.vintage)).toEqual([2022, 2023, 2023, 2024, 2024]);
      expect(all.nodes[0]).toMatchObject({
        registry: 'PURO',
        countryCode: 'FI',
        creditType: { code: 'C-BIOCHAR', name: 'Biochar' },
        productionFacility: { id: 'PF-FI-007', name: 'Kaskinen Pyrolysis' },
      });
      expect((await run({ filter: { creditTypeCode: 'C-BIOCHAR' } })).totalCount).toBe(3);
      expect((await run({ filter: { countryCode: 'IS' } })).nodes.map((n) => n.amount.amount)).toEqual(['400', '300']);
      expect(
        (await run({ filter: { productionFacilityId: 'PF-IS-001', vintage: 2024 } })).nodes.map((n) => n.issuanceId),
      ).toEqual(['ISS-2024-003']);
      expect((await run({ filter: { issuanceId: 'ISS-2024-002' } })).nodes.map((n) => n.creditType?.code)).toEqual([
        'C-ROCK',
      ]);
      const byQuantity = await run({ orderBy: { field: 'QUANTITY', direction: 'DESC' }, first: 2 });
      expect(byQuantity.nodes.map((n) => n.amount.amount)).toEqual(['400', '300']);
      expect(byQuantity.pageInfo.hasNextPage).toBe(true);
      const next = await run({
        orderBy: { field: 'QUANTITY', direction: 'DESC' },
        first: 2,
        after: byQuantity.pageInfo.endCursor,
      });
      expect(next.nodes.map((n) => n.amount.amount)).toEqual(['250', '120']);
      if (mode === 'upstream')
        expect(co2trust!.callsTo('/puro/inventory').at(-1)!.query).toContain('order_by=-quantity');
      expect(codes(await graphql(subgraph.url, q, { first: 101 }))).toEqual(['BAD_USER_INPUT']);
    });

    it('retirements: ICR then Puro, newest first, paged across both, filtered by registry and offset order', async () => {
      const run = async (vars: RetirementsQueryVariables) =>
        ok(await graphql(subgraph.url, RETIREMENTS, vars)).retirements!;
      const all = await run({ first: 10 });
      expect(all.totalCount).toBe(8);
      expect(all.nodes.map((r) => [r.registry, r.amount.amount])).toEqual([
        ['ICR', '35'],
        ['ICR', '10'],
        ['ICR', '50'],
        ['ICR', '50'],
        ['ICR', '50'],
        ['PURO', '10'],
        ['PURO', '20'],
        ['PURO', '5'],
      ]);
      const four = await run({ first: 4 });
      const spanning = await run({ first: 2, after: four.pageInfo.endCursor });
      expect(spanning.nodes.map((r) => r.serialization)).toEqual([
        'ICR-ISL-354-2023-151-200',
        'PURO-C-BIOCHAR-FI-2022-501-510',
      ]);
      expect(spanning.pageInfo.hasNextPage).toBe(true);
      expect((await run({ filter: { registry: 'PURO' } })).totalCount).toBe(3);
      expect(
        (await run({ filter: { offsetOrderId: OO[0] } })).nodes.map((r) => [
          r.registry,
          r.amount.amount,
          r.serialization,
        ]),
      ).toEqual([['ICR', '10', 'ICR-KEN-1021-2022-1-10']]);
      if (co2trust) {
        // "List Retirements" takes `page` and `size` only (CO2Trust API, lines 347-350): an offset
        // order's Puro retirements are picked from every page, no filter is sent.
        const puro = co2trust.state.puroRetirements;
        puro.push({
          ...puro[0]!,
          id: 'de0f0000-0000-4000-8000-0000000099aa',
          quantity: '1',
          serial_number_range: 'PURO-C-BIOCHAR-IS-2023-2001-2001',
          offset_order_id: OO[0]!,
          retired_at: '2026-01-01T00:00:00.000Z',
        });
        co2trust.resetCalls();
        try {
          expect(
            (await run({ filter: { offsetOrderId: OO[0] } })).nodes.map((r) => [r.registry, r.serialization]),
          ).toEqual([
            ['ICR', 'ICR-KEN-1021-2022-1-10'],
            ['PURO', 'PURO-C-BIOCHAR-IS-2023-2001-2001'],
          ]);
          const calls = co2trust.callsTo('/puro/retirement');
          expect(calls.length).toBeGreaterThan(0);
          for (const c of calls) expect([...new URLSearchParams(c.query).keys()].sort()).toEqual(['page', 'size']);
        } finally {
          puro.pop();
        }
      }
    });

    it('credit types: public and paged', async () => {
      const q = CreditTypesDocument;
      const first = ok(await graphql(subgraph.url, q)).creditTypes!;
      expect(first.totalCount).toBe(4);
      // A credit type's id is its code.
      expect(first.nodes.every((t) => t.id === t.code)).toBe(true);
      expect(first.nodes.map((t) => t.code)).toEqual(['C-BIOCHAR', 'C-GEO', 'C-ROCK']);
      const second = ok(await graphql(subgraph.url, q, { after: first.pageInfo.endCursor })).creditTypes!;
      expect(second.nodes.map((t) => t.code)).toEqual(['C-WOOD']);
      expect(second.pageInfo.hasNextPage).toBe(false);
    });

    it('Nft.credit resolves the demo NFTs by token address and id in one batch', async () => {
      icr?.resetCalls();
      const q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Nft { id credit { id registry tokenAddress tokenId serialization supply { amount } amount { amount } project { id } } } } }`;
      const reps = [
        ...DEMO.nfts.map((id, i) => ({ __typename: 'Nft', id, ...DEMO.tokens[i] })),
        { __typename: 'Nft', id: 'unknown', tokenAddress: '0xdead', tokenId: '1' },
      ];
      type E = {
        id: string;
        credit: {
          id: string;
          registry: string;
          tokenAddress: string;
          tokenId: string;
          serialization: string;
          supply: { amount: string };
          amount: { amount: string };
        } | null;
      };
      const data = ok(await graphql<{ _entities: E[] }>(subgraph.url, q, { r: reps }, {}));
      expect(
        data._entities.map(
          (e) => e.credit && [e.credit.id, e.credit.registry, e.credit.tokenId, e.credit.supply.amount],
        ),
      ).toEqual([[C1.id, 'ICR', '1', '1000'], [C2.id, 'ICR', '2', '500'], [C3.id, 'ICR', '7', '200'], null]);
      expect(data._entities[0]!.credit!.amount.amount).toBe('900');
      if (mode === 'local') expect(data._entities[0]!.credit!.serialization).toBe('ICR-SWE-713-2021-1-1000');
      else {
        // No token lookup in the ICR: one inventory read per organization the registry knows, for the whole batch.
        expect(data._entities[0]!.credit!.serialization).toBe('ICR-SWE-713-2021-1-600, ICR-SWE-713-2021-601-900');
        expect(icr!.calls.map((c) => `${c.method} ${c.path}${c.query}`).sort()).toEqual(
          [BUYER, OFFSETS, NORDIC].sort().map((id) => `GET /organizations/${id}/inventory`),
        );
      }
    });

    it('OffsetOrder.retirements resolves every order in one batch', async () => {
      co2trust?.resetCalls();
      icr?.resetCalls();
      const q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on OffsetOrder { id retirements { id registry offsetOrderId amount { amount } } } } }`;
      const data = ok(
        await graphql<{
          _entities: {
            id: string;
            retirements: { registry: string; offsetOrderId: string; amount: { amount: string } }[];
          }[];
        }>(subgraph.url, q, { r: OO.map((id) => ({ __typename: 'OffsetOrder', id })) }, {}),
      );
      expect(data._entities.map((o) => o.retirements.map((r) => `${r.registry}:${r.amount.amount}`))).toEqual([
        ['ICR:10'],
        ['ICR:35'],
        [],
      ]);
      expect(data._entities.flatMap((o) => o.retirements.map((r) => r.offsetOrderId === localOf(o.id)))).not.toContain(
        false,
      );
      if (mode === 'upstream') {
        // The ICR does not know offset orders: its part comes from the registry's journal.
        expect(icr!.calls).toEqual([]);
        expect(co2trust!.callsTo('/puro/retirement')).toHaveLength(1);
      }
    });
  });

  it('resolves Project and Organization entity references', async () => {
    const q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Project { id fullName num publicUrl } ... on Organization { id } } }`;
    const reps = [
      { __typename: 'Project', id: DEMO.projects[1] },
      { __typename: 'Organization', id: BUYER },
    ];
    const data = ok(
      await graphql<{ _entities: Record<string, unknown>[] }>(subgraph.url, q, { r: reps }, { token: tokens.alice }),
    );
    expect(data._entities).toEqual([
      {
        id: gid('Project', DEMO.projects[1]),
        fullName: 'Reykjanes Biochar',
        num: '354',
        publicUrl: `https://carbonregistry.com/explore/projects/${DEMO.projects[1]}`,
      },
      { id: gid('Organization', BUYER) },
    ]);
    const other = await graphql(
      subgraph.url,
      q,
      { r: [{ __typename: 'Organization', id: NORDIC }] },
      { token: tokens.alice },
    );
    expect([other.data, codes(other)]).toEqual([{ _entities: [null] }, []]);
  });

  describe("organization access (the registry's own record)", () => {
    const MEMBERS = OrganizationMembersDocument;
    const ACCESS = {
      grantOrganizationAccess: GrantOrganizationAccessDocument,
      revokeOrganizationAccess: RevokeOrganizationAccessDocument,
    };
    const access = async (field: keyof typeof ACCESS, input: OrganizationAccessInput, token = tokens.admin) =>
      field === 'grantOrganizationAccess'
        ? ok(await graphql(subgraph.url, ACCESS[field], { input }, { token })).grantOrganizationAccess
        : ok(await graphql(subgraph.url, ACCESS[field], { input }, { token })).revokeOrganizationAccess;
    const members = async (id: string) =>
      ok(await graphql(subgraph.url, MEMBERS, { id }, { token: tokens.admin })).organizationMembers.map((m) =>
        localOf(m.userId),
      );
    const alice = DEMO.users.alice.id;

    it('admins grant and revoke; a grant lets the user see the organization, a revocation hides it before the ICR is called', async () => {
      expect(await members(NORDIC)).toEqual([DEMO.users.bob.id]);
      icr?.resetCalls();
      expect((await graphql(subgraph.url, INVENTORY, { id: NORDIC }, { token: tokens.alice })).data).toEqual({
        organization: null,
      });
      if (mode === 'upstream') expect(icr!.calls).toEqual([]);

      const granted = await access('grantOrganizationAccess', { organizationId: NORDIC, userId: alice });
      expect(granted).toEqual({
        member: { organizationId: gid('Organization', NORDIC), userId: gid('User', alice) },
        userErrors: [],
      });
      expect(await access('grantOrganizationAccess', { organizationId: NORDIC, userId: alice })).toEqual(granted);
      expect(await members(NORDIC)).toEqual([DEMO.users.bob.id, alice]);
      expect((await inventory(NORDIC, tokens.alice)).totalCount).toBe(2);

      expect(await access('revokeOrganizationAccess', { organizationId: NORDIC, userId: alice })).toEqual(granted);
      icr?.resetCalls();
      expect((await graphql(subgraph.url, INVENTORY, { id: NORDIC }, { token: tokens.alice })).data).toEqual({
        organization: null,
      });
      expect(
        codes(
          await graphql(
            subgraph.url,
            TRANSACT,
            { input: { organizationId: NORDIC, action: 'CANCEL', creditId: C2.id, amount: '1' } },
            { token: tokens.alice },
          ),
        ),
      ).toEqual(['FORBIDDEN']);
      if (mode === 'upstream') expect(icr!.calls).toEqual([]);
      const again = await access('revokeOrganizationAccess', { organizationId: NORDIC, userId: alice });
      expect(again.userErrors.map((e) => [e.code, e.field])).toEqual([['NOT_FOUND', ['input', 'userId']]]);
    });

    it('only admins manage access; an unknown organization or a blank user is refused', async () => {
      expect(codes(await graphql(subgraph.url, MEMBERS, { id: NORDIC }, { token: tokens.bob }))).toEqual(['FORBIDDEN']);
      expect(
        codes(
          await graphql(
            subgraph.url,
            ACCESS.grantOrganizationAccess,
            { input: { organizationId: NORDIC, userId: alice } },
            { token: tokens.bob },
          ),
        ),
      ).toEqual(['FORBIDDEN']);
      expect(
        codes(
          await graphql(
            subgraph.url,
            ACCESS.revokeOrganizationAccess,
            { input: { organizationId: NORDIC, userId: DEMO.users.bob.id } },
            { token: tokens.bob },
          ),
        ),
      ).toEqual(['FORBIDDEN']);
      const unknown = await access('grantOrganizationAccess', {
        organizationId: 'de060000-0000-4000-8000-0000000000ff',
        userId: alice,
      });
      expect(unknown.userErrors.map((e) => [e.code, e.field])).toEqual([['NOT_FOUND', ['input', 'organizationId']]]);
      const blank = await access('grantOrganizationAccess', { organizationId: NORDIC, userId: ' ' });
      expect(blank.userErrors.map((e) => [e.code, e.field])).toEqual([['REQUIRED', ['input', 'userId']]]);
      expect(await members(NORDIC)).toEqual([DEMO.users.bob.id]);
    });
  });

  describe('transactCredits', () => {
    it('a partial transfer splits the serial range: every tonne keeps one serial and one owner', async () => {
      const res = await transact({
        organizationId: NORDIC,
        action: 'TRANSFER',
        creditId: C2.id,
        amount: '100',
        toOrganizationId: BUYER,
      });
      expect(res.userErrors).toEqual([]);
      expect(res.creditRequest).toMatchObject({
        action: 'TRANSFER',
        state: 'PROCESSED',
        serialization: 'ICR-SWE-713-2022-1-100',
        toOrganizationId: gid('Organization', BUYER),
        amount: { amount: '100' },
      });
      expect(res.creditRequest!.txId).toMatch(/^0x[0-9a-f]+$/);
      const nordic = (await inventory(NORDIC, tokens.bob)).nodes.find((c) => c.id === C2.id)!;
      expect([nordic.amount.amount, nordic.serialization]).toEqual(['400', 'ICR-SWE-713-2022-101-500']);
      const buyer = (await inventory(BUYER, tokens.alice)).nodes.find((c) => c.id === C2.id)!;
      expect([buyer.amount.amount, buyer.serialization]).toEqual(['100', 'ICR-SWE-713-2022-1-100']);
      const t = await ledger(C2.id);
      expect([t.held, t.retired]).toEqual([500n, 0n]);
    });

    it('retiring records a retirement; retired tonnes never move again', async () => {
      const res = await transact(
        {
          organizationId: BUYER,
          action: 'RETIRE',
          creditId: C2.id,
          amount: '30',
          retirement: { ...retirement, offsetOrderId: OO[2] },
        },
        tokens.alice,
      );
      expect(res.userErrors).toEqual([]);
      expect(res.creditRequest).toMatchObject({
        action: 'RETIRE',
        state: 'PROCESSED',
        serialization: 'ICR-SWE-713-2022-1-30',
        offsetOrderId: OO[2],
      });
      const rets = ok(
        await graphql(subgraph.url, RETIREMENTS, { filter: { offsetOrderId: OO[2], registry: 'ICR' } }),
      ).retirements!;
      expect(rets.nodes).toEqual([
        expect.objectContaining({
          id: res.creditRequest!.retirementId,
          creditId: C2.id,
          beneficiaryName: retirement.beneficiaryName,
          comment: retirement.comment,
          serialization: 'ICR-SWE-713-2022-1-30',
          organizationId: gid('Organization', BUYER),
          amount: { amount: '30', unit: 'T' },
        }),
      ]);
      expect(await held(BUYER, tokens.alice, C2.id)).toBe('70');
      const tooMuch = await transact(
        { organizationId: BUYER, action: 'TRANSFER', creditId: C2.id, amount: '71', toOrganizationId: NORDIC },
        tokens.alice,
      );
      expect(tooMuch.userErrors.map((e) => [e.code, e.field])).toEqual([['INSUFFICIENT_BALANCE', ['input', 'amount']]]);
      const back = await transact(
        { organizationId: BUYER, action: 'TRANSFER', creditId: C2.id, amount: '70', toOrganizationId: NORDIC },
        tokens.alice,
      );
      expect(back.creditRequest!.serialization).toBe('ICR-SWE-713-2022-31-100');
      expect((await ledger(C2.id)).retired).toBe(30n);
    });

    it('transfers to a wallet address, transfers-and-retires for another organization, and cancels', async () => {
      const toWallet = await transact({
        organizationId: NORDIC,
        action: 'TRANSFER',
        creditId: C2.id,
        amount: '10',
        toAddress: '0xabc0000000000000000000000000000000000001',
      });
      expect(toWallet.creditRequest).toMatchObject({
        toAddress: '0xabc0000000000000000000000000000000000001',
        toOrganizationId: null,
      });
      const forBuyer = await transact({
        organizationId: NORDIC,
        action: 'TRANSFER_RETIRE',
        creditId: C2.id,
        amount: '5',
        toOrganizationId: BUYER,
        retirement: { ...retirement, beneficiaryName: 'Carbon Buyer Ltd' },
      });
      expect(forBuyer.userErrors).toEqual([]);
      expect(forBuyer.creditRequest!.retirementId).not.toBeNull();
      const cancel = await transact({ organizationId: NORDIC, action: 'CANCEL', creditId: C2.id, amount: '15' });
      expect(cancel.creditRequest).toMatchObject({ action: 'CANCEL', state: 'PROCESSED', retirementId: null });
      // 400 after the first transfer, +70 back, -10 to the wallet, -5 retired for the buyer, -15 cancelled.
      expect(await held(NORDIC, tokens.bob, C2.id)).toBe('440');
      expect(await held(BUYER, tokens.alice, C2.id)).toBe('0');
      const t = await ledger(C2.id);
      expect([t.held, t.retired, t.cancelled]).toEqual([450n, 35n, 15n]);
      const rets = ok(
        await graphql(subgraph.url, RETIREMENTS, {
          filter: { registry: 'ICR' },
          first: 1,
        }),
      ).retirements!;
      expect(rets.nodes[0]).toEqual(
        expect.objectContaining({
          id: forBuyer.creditRequest!.retirementId,
          organizationId: gid('Organization', BUYER),
        }),
      );
    });

    const base = { organizationId: NORDIC, creditId: C2.id };
    const bad: [string, CreditActionInput, [string, string[]][]][] = [
      [
        'both destinations',
        { ...base, action: 'TRANSFER', amount: '1', toOrganizationId: BUYER, toAddress: '0xabc' },
        [['INVALID', ['input', 'toAddress']]],
      ],
      [
        'neither destination',
        { ...base, action: 'TRANSFER_RETIRE', amount: '1', retirement },
        [['REQUIRED', ['input', 'toOrganizationId']]],
      ],
      ['no retirement data', { ...base, action: 'RETIRE', amount: '1' }, [['REQUIRED', ['input', 'retirement']]]],
      [
        'retirement without comment and beneficiary',
        { ...base, action: 'RETIRE', amount: '1', retirement: { reason: 'x' } },
        [['REQUIRED', ['input', 'retirement', 'beneficiaryName']]],
      ],
      [
        'retirement data on a transfer',
        { ...base, action: 'TRANSFER', amount: '1', toOrganizationId: BUYER, retirement },
        [['INVALID', ['input', 'retirement']]],
      ],
      [
        'a destination on a retirement',
        { ...base, action: 'RETIRE', amount: '1', toOrganizationId: BUYER, retirement },
        [['INVALID', ['input', 'toOrganizationId']]],
      ],
      ['zero amount', { ...base, action: 'CANCEL', amount: '0' }, [['INVALID', ['input', 'amount']]]],
      ['negative amount', { ...base, action: 'CANCEL', amount: '-5' }, [['INVALID', ['input', 'amount']]]],
      ['fractional amount', { ...base, action: 'CANCEL', amount: '1.5' }, [['INVALID', ['input', 'amount']]]],
      [
        'amount above the balance',
        { ...base, action: 'CANCEL', amount: '100000' },
        [['INSUFFICIENT_BALANCE', ['input', 'amount']]],
      ],
      [
        'unknown credit',
        { ...base, creditId: 'exPost-404-0xdead', action: 'CANCEL', amount: '1' },
        [['NOT_FOUND', ['input', 'creditId']]],
      ],
      [
        'a credit the organization never held',
        { ...base, creditId: C3.id, action: 'CANCEL', amount: '1' },
        [['NOT_FOUND', ['input', 'creditId']]],
      ],
      [
        'unknown receiving organization',
        { ...base, action: 'TRANSFER', amount: '1', toOrganizationId: 'de060000-0000-4000-8000-0000000000ff' },
        [['NOT_FOUND', ['input', 'toOrganizationId']]],
      ],
    ];
    it.each(bad)('refuses %s with a clear user error and writes nothing', async (_name, input, expected) => {
      const before = {
        inventory: await inventory(NORDIC, tokens.bob),
        requests: await requestCount(NORDIC, tokens.bob),
        ledger: await ledger(C2.id),
      };
      for (const run of [transact, requestAction]) {
        const res = await run(input);
        expect(res.creditRequest).toBeNull();
        expect(res.userErrors.map((e) => [e.code, e.field])).toEqual(expected);
        expect(res.userErrors.every((e) => e.message.length > 10)).toBe(true);
      }
      expect(await inventory(NORDIC, tokens.bob)).toEqual(before.inventory);
      expect(await requestCount(NORDIC, tokens.bob)).toBe(before.requests);
      expect(await ledger(C2.id)).toEqual(before.ledger);
    });

    it('refuses an unknown action before anything runs', async () => {
      const before = await ledger(C2.id);
      // An action the schema does not have cannot be a typed variable: a text.
      const res = await graphql(
        subgraph.url,
        `
          mutation ($input: CreditActionInput!) {
            transactCredits(input: $input) {
              creditRequest {
                id
              }
            }
          }
        `,
        { input: { ...base, action: 'BURN', amount: '1' } },
        { token: tokens.bob },
      );
      expect(codes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0]!.message).toContain('BURN');
      expect(await ledger(C2.id)).toEqual(before);
    });

    it('only members and admins transact: a non-member is FORBIDDEN before the ICR is called, anonymous UNAUTHENTICATED', async () => {
      const input: CreditActionInput = { organizationId: NORDIC, action: 'CANCEL', creditId: C2.id, amount: '1' };
      const before = await ledger(C2.id);
      icr?.resetCalls();
      expect(codes(await graphql(subgraph.url, TRANSACT, { input }, { token: tokens.alice }))).toEqual(['FORBIDDEN']);
      expect(
        codes(
          await graphql(
            subgraph.url,
            TRANSACT,
            { input: { ...input, idempotencyKey: 'not-a-member' } },
            { token: tokens.alice },
          ),
        ),
      ).toEqual(['FORBIDDEN']);
      expect(codes(await graphql(subgraph.url, TRANSACT, { input }))).toEqual(['UNAUTHENTICATED']);
      expect(codes(await graphql(subgraph.url, REQUEST_ACTION, { input }, { token: tokens.alice }))).toEqual([
        'FORBIDDEN',
      ]);
      expect(
        codes(
          await graphql(
            subgraph.url,
            REVIEW,
            { input: { organizationId: NORDIC, requestId: '00000000-0000-4000-8000-000000000000', state: 'ACCEPTED' } },
            { token: tokens.alice },
          ),
        ),
      ).toEqual(['FORBIDDEN']);
      expect((await graphql(subgraph.url, REQUESTS, { id: NORDIC }, { token: tokens.alice })).data).toEqual({
        organization: null,
      });
      expect(await ledger(C2.id)).toEqual(before);
      if (mode === 'upstream') expect(icr!.calls).toEqual([]);
      // Admins act for every organization.
      const byAdmin = await transact(input, tokens.admin);
      expect(byAdmin.userErrors).toEqual([]);
      expect((await ledger(C2.id)).cancelled).toBe(before.cancelled + 1n);
    });
  });

  describe('credit requests', () => {
    it('a request reserves its amount; rejection releases it; a request is reviewed once', async () => {
      const start = Number(await held(NORDIC, tokens.bob, C2.id));
      const pending = await requestAction({
        organizationId: NORDIC,
        action: 'RETIRE',
        creditId: C2.id,
        amount: '400',
        retirement,
      });
      expect(pending.userErrors).toEqual([]);
      expect(pending.creditRequest).toMatchObject({ state: 'PENDING', txId: null, amount: { amount: '400' } });
      expect(await held(NORDIC, tokens.bob, C2.id)).toBe(String(start - 400));
      expect((await ledger(C2.id)).reserved).toBe(400n);
      // The reserved tonnes cannot be requested, transferred or retired twice.
      const again = await requestAction({
        organizationId: NORDIC,
        action: 'CANCEL',
        creditId: C2.id,
        amount: String(start - 399),
      });
      expect(again.userErrors.map((e) => e.code)).toEqual(['INSUFFICIENT_BALANCE']);
      const transfer = await transact({
        organizationId: NORDIC,
        action: 'TRANSFER',
        creditId: C2.id,
        amount: String(start - 399),
        toOrganizationId: BUYER,
      });
      expect(transfer.userErrors.map((e) => e.code)).toEqual(['INSUFFICIENT_BALANCE']);

      const id = pending.creditRequest!.id;
      expect(
        codes(
          await graphql(
            subgraph.url,
            REVIEW,
            { input: { organizationId: NORDIC, requestId: id, state: 'REJECTED' } },
            { token: tokens.alice },
          ),
        ),
      ).toEqual(['FORBIDDEN']);
      const rejected = await review({ organizationId: NORDIC, requestId: id, state: 'REJECTED' });
      expect(rejected.creditRequest).toMatchObject({ id, state: 'REJECTED', txId: null });
      expect(await held(NORDIC, tokens.bob, C2.id)).toBe(String(start));
      expect((await ledger(C2.id)).reserved).toBe(0n);
      const twice = await review({ organizationId: NORDIC, requestId: id, state: 'ACCEPTED' });
      expect(twice.userErrors.map((e) => [e.code, e.field])).toEqual([['CONFLICT', ['input', 'requestId']]]);
      expect(await held(NORDIC, tokens.bob, C2.id)).toBe(String(start));
      const unknown = await review({
        organizationId: NORDIC,
        requestId: '00000000-0000-4000-8000-000000000000',
        state: 'ACCEPTED',
      });
      expect(unknown.userErrors.map((e) => e.code)).toEqual(['NOT_FOUND']);
    });

    it('acceptance executes the reserved tonnes: the same serials move', async () => {
      const pending = await requestAction({
        organizationId: NORDIC,
        action: 'TRANSFER',
        creditId: C2.id,
        amount: '20',
        toOrganizationId: BUYER,
      });
      const serials = pending.creditRequest!.serialization;
      const accepted = await review({
        organizationId: NORDIC,
        requestId: pending.creditRequest!.id,
        state: 'ACCEPTED',
      });
      expect(accepted.userErrors).toEqual([]);
      expect(accepted.creditRequest).toMatchObject({ state: 'PROCESSED', serialization: serials });
      expect(accepted.creditRequest!.txId).toMatch(/^0x/);
      const buyer = (await inventory(BUYER, tokens.alice)).nodes.find((c) => c.id === C2.id)!;
      expect([buyer.amount.amount, buyer.serialization]).toEqual(['20', serials]);
      const retire = await requestAction(
        { organizationId: BUYER, action: 'RETIRE', creditId: C2.id, amount: '20', retirement },
        tokens.alice,
      );
      const done = await review(
        { organizationId: BUYER, requestId: retire.creditRequest!.id, state: 'ACCEPTED' },
        tokens.alice,
      );
      expect(done.creditRequest!.retirementId).not.toBeNull();
      expect(await held(BUYER, tokens.alice, C2.id)).toBe('0');
      const listed = ok(
        await graphql(
          subgraph.url,
          CreditRequestByIdDocument,
          { id: BUYER, r: retire.creditRequest!.id },
          { token: tokens.alice },
        ),
      );
      expect(listed.organization!.creditRequest!.state).toBe('PROCESSED');
    });
  });

  describe('idempotency keys', () => {
    const retire: CreditActionInput = {
      organizationId: BUYER,
      action: 'RETIRE',
      creditId: C3.id,
      amount: '10',
      retirement,
      idempotencyKey: 'claim-2026-q1',
    };

    it('the same key and input return the first request without acting again; another input is a mismatch', async () => {
      const first = await transact(retire, tokens.alice);
      expect(first.userErrors).toEqual([]);
      const again = await transact(retire, tokens.alice);
      expect(again.creditRequest!.id).toBe(first.creditRequest!.id);
      expect(await held(BUYER, tokens.alice, C3.id)).toBe('140');
      const other = await transact({ ...retire, amount: '11' }, tokens.alice);
      expect(other.userErrors.map((e) => [e.code, e.field])).toEqual([
        ['IDEMPOTENCY_MISMATCH', ['input', 'idempotencyKey']],
      ]);
      const asRequest = await requestAction(retire, tokens.alice);
      expect(asRequest.userErrors.map((e) => e.code)).toEqual(['IDEMPOTENCY_MISMATCH']);
      expect(await held(BUYER, tokens.alice, C3.id)).toBe('140');
      expect((await transact({ ...retire, idempotencyKey: ' ' }, tokens.alice)).userErrors.map((e) => e.code)).toEqual([
        'INVALID',
      ]);
    });

    it('20 concurrent identical requests with one key act once', async () => {
      const input: CreditActionInput = {
        organizationId: BUYER,
        action: 'TRANSFER',
        creditId: C3.id,
        amount: '5',
        toOrganizationId: NORDIC,
        idempotencyKey: 'burst-1',
      };
      const results = await Promise.all(Array.from({ length: 20 }, () => transact(input, tokens.alice)));
      expect(results.flatMap((r) => r.userErrors)).toEqual([]);
      expect(new Set(results.map((r) => r.creditRequest!.id)).size).toBe(1);
      expect(await held(BUYER, tokens.alice, C3.id)).toBe('135');
      expect(await held(NORDIC, tokens.bob, C3.id)).toBe('5');
    });
  });

  describe('concurrency', () => {
    it('50 concurrent retirements and transfers of one credit never overdraw it', async () => {
      const start = BigInt(await held(NORDIC, tokens.bob, C1.id));
      expect(start).toBe(600n);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          transact(
            i % 2
              ? { organizationId: NORDIC, action: 'TRANSFER', creditId: C1.id, amount: '20', toOrganizationId: BUYER }
              : { organizationId: NORDIC, action: 'RETIRE', creditId: C1.id, amount: '20', retirement },
          ),
        ),
      );
      const succeeded = results.filter((r) => r.creditRequest);
      const refused = results.filter((r) => !r.creditRequest);
      expect(succeeded).toHaveLength(30);
      // Upstream, the ICR inventory stops listing a credit once none of it is held: then NOT_FOUND.
      const refusals = new Set(refused.flatMap((r) => r.userErrors.map((e) => e.code)));
      expect(refusals.has('INSUFFICIENT_BALANCE') || (mode === 'upstream' && refusals.has('NOT_FOUND'))).toBe(true);
      expect(
        [...refusals].filter((c) => c !== 'INSUFFICIENT_BALANCE' && (mode === 'local' || c !== 'NOT_FOUND')),
      ).toEqual([]);
      // No serial was handed out twice.
      const serials = succeeded.map((r) => r.creditRequest!.serialization!);
      expect(new Set(serials).size).toBe(30);
      expect(await held(NORDIC, tokens.bob, C1.id)).toBe('0');
      const t = await ledger(C1.id);
      const transferred = BigInt(succeeded.filter((r) => r.creditRequest!.action === 'TRANSFER').length) * 20n;
      expect(t.retired).toBe(100n + (600n - transferred));
      expect(BigInt(await held(BUYER, tokens.alice, C1.id))).toBe(300n + transferred);
    });

    it('transfers crossing between two organizations at once all complete', async () => {
      expect(
        (
          await transact({
            organizationId: NORDIC,
            action: 'TRANSFER',
            creditId: C2.id,
            amount: '20',
            toOrganizationId: BUYER,
          })
        ).userErrors,
      ).toEqual([]);
      const nordic = Number(await held(NORDIC, tokens.bob, C2.id));
      const buyer = Number(await held(BUYER, tokens.alice, C2.id));
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          i % 2
            ? transact({
                organizationId: NORDIC,
                action: 'TRANSFER',
                creditId: C2.id,
                amount: '2',
                toOrganizationId: BUYER,
              })
            : transact(
                { organizationId: BUYER, action: 'TRANSFER', creditId: C2.id, amount: '1', toOrganizationId: NORDIC },
                tokens.alice,
              ),
        ),
      );
      expect(results.flatMap((r) => r.userErrors)).toEqual([]);
      expect(await held(NORDIC, tokens.bob, C2.id)).toBe(String(nordic - 10));
      expect(await held(BUYER, tokens.alice, C2.id)).toBe(String(buyer + 10));
    });
  });
});

describe.each(MODES)('retireCreditsForOffsetOrder (%s mode)', (mode) => {
  let subgraph: TestSubgraph;
  let icr: IcrFake | undefined;
  let co2trust: Co2TrustFake | undefined;
  let db: Database | undefined;
  const tokens: Record<'alice' | 'admin', string> = { alice: '', admin: '' };
  const service = { authorization: `Bearer ${TEST_SECRETS.SERVICE_TOKEN}` };

  beforeAll(async () => {
    const env: Record<string, string> = {};
    if (mode === 'upstream') {
      icr = await startIcrFake();
      co2trust = await startCo2TrustFake();
      Object.assign(env, { ICR_BASE_URL: icr.url, ICR_API_TOKEN: FAKE_ICR_TOKEN, CO2TRUST_BASE_URL: co2trust.url });
    }
    subgraph = await startTestSubgraph('registry', mode, createRegistryApp, env);
    if (mode === 'local')
      db = await openDatabase(subgraph.config, { name: 'registry', entities, migrationsPath: MIGRATIONS });
    for (const user of ['alice', 'admin'] as const) tokens[user] = await tokenFor(DEMO.users[user]);
  });
  afterAll(async () => {
    await db?.close();
    await subgraph?.stop();
    await icr?.stop();
    await co2trust?.stop();
  });

  const ledger = (creditId: string) =>
    mode === 'local' ? ledgerTotals(db!.fork(), creditId) : Promise.resolve(icrLedgerTotals(icr!.state, creditId));

  // The invariants of the ledger, after every scenario, for every credit; upstream, every ICR call kept to the document.
  afterEach(async () => {
    await expectLedgerInvariants(ledger);
    if (icr) expect(undocumented(icr.calls)).toEqual([]);
  });

  const RETIRE_OFFSET = RetireCreditsForOffsetOrderDocument;
  const retireOffset = async (input: RetireCreditsForOffsetOrderInput) =>
    ok(await graphql(subgraph.url, RETIRE_OFFSET, { input }, { headers: service })).retireCreditsForOffsetOrder;
  const offsetInventory = async () =>
    Object.fromEntries(
      holdings(
        ok(await graphql(subgraph.url, INVENTORY, { id: OFFSETS, first: 50 }, { token: tokens.admin })).organization!
          .inventory,
      ).nodes.map((c) => [c.id, c.amount.amount]),
    );
  const orderRetirements = async (offsetOrderId: string) =>
    ok(
      await graphql<{ _entities: { retirements: { id: string; registry: string; amount: { amount: string } }[] }[] }>(
        subgraph.url,
        `
          query ($r: [_Any!]!) {
            _entities(representations: $r) {
              ... on OffsetOrder {
                retirements {
                  id
                  registry
                  amount {
                    amount
                  }
                }
              }
            }
          }
        `,
        { r: [{ __typename: 'OffsetOrder', id: offsetOrderId }] },
        {},
      ),
    )._entities[0]!.retirements;
  const ledgers = async (ids: string[]) => Promise.all(ids.map((id) => ledger(id)));
  const input = (over: Partial<RetireCreditsForOffsetOrderInput> = {}): RetireCreditsForOffsetOrderInput => ({
    offsetOrderId: OO[2],
    projectId: COOKSTOVES,
    tonnes: 12,
    beneficiaryName: 'Alice Buyer',
    idempotencyKey: `${OO[2]}:${DEMO.offsetBundles[0]}`,
    ...over,
  });

  it('the demo offset inventory holds the three projects, and the demo orders carry what the marketplace sold', async () => {
    expect(await offsetInventory()).toEqual({
      [COOK22.id]: '555',
      [FOREST23.id]: '1000',
      [COOK23.id]: '400',
      [BIOCHAR24.id]: '1000',
    });
    expect((await orderRetirements(OO[0])).map((r) => [r.id, r.amount.amount])).toEqual([
      [demoRetirementIds.icr[3], '10'],
    ]);
    expect((await orderRetirements(OO[1])).map((r) => [r.id, r.amount.amount])).toEqual([
      [demoRetirementIds.icr[4], '35'],
    ]);
    expect(await orderRetirements(OO[2])).toEqual([]);
    // The demo retirement replays for the key it was made with, in both modes.
    const replay = await retireOffset({
      offsetOrderId: OO[0],
      projectId: COOKSTOVES,
      tonnes: 10,
      beneficiaryName: 'Alice Buyer',
      idempotencyKey: `${OO[0]}:${DEMO.offsetBundles[0]}`,
    });
    expect(replay.userErrors).toEqual([]);
    expect(replay.retirements!.map((r) => r.id)).toEqual([demoRetirementIds.icr[3]]);
    expect((await ledger(COOK22.id)).retired).toBe(45n);
  });

  it('retires the oldest vintage first; the retirement shows on the offset order and the inventory goes down', async () => {
    icr?.resetCalls();
    const res = await retireOffset(input());
    expect(res.userErrors).toEqual([]);
    expect(res.retirements).toEqual([
      expect.objectContaining({
        registry: 'ICR',
        offsetOrderId: OO[2],
        beneficiaryName: 'Alice Buyer',
        reason: 'Carbon offsetting',
        comment: `Offset order ${OO[2]}: 12 t (key ${OO[2]}:${DEMO.offsetBundles[0]})`,
        amount: { amount: '12', unit: 'T' },
        vintage: 2022,
        serialization: 'ICR-KEN-1021-2022-46-57',
        creditId: COOK22.id,
        organizationId: gid('Organization', OFFSETS),
        project: { id: gid('Project', COOKSTOVES) },
      }),
    ]);
    expect((await orderRetirements(OO[2])).map((r) => [r.id, r.registry, r.amount.amount])).toEqual([
      [res.retirements![0]!.id, 'ICR', '12'],
    ]);
    expect(await offsetInventory()).toMatchObject({ [COOK22.id]: '543', [COOK23.id]: '400' });
    if (mode === 'upstream') {
      const posts = icr!.callsTo(`/organizations/${OFFSETS}/inventory/action/retire`, 'POST');
      expect(posts).toHaveLength(1);
      // Exactly the document's body: the offset order and the key stay in the registry's journal.
      expect(posts[0]!.body).toEqual({
        creditId: COOK22.id,
        amount: 12,
        retirementData: {
          reason: 'Carbon offsetting',
          beneficiaryName: 'Alice Buyer',
          comment: `Offset order ${OO[2]}: 12 t (key ${OO[2]}:${DEMO.offsetBundles[0]})`,
        },
      });
    } else {
      const requests = ok(await graphql(subgraph.url, REQUESTS, { id: OFFSETS, first: 1 }, { token: tokens.admin }))
        .organization!.creditRequests;
      expect(requests.nodes[0]).toMatchObject({
        action: 'RETIRE',
        state: 'PROCESSED',
        retirementId: res.retirements![0]!.id,
        offsetOrderId: OO[2],
      });
    }
  });

  it('spans several credits of the project, one retirement per vintage, in one request', async () => {
    const res = await retireOffset(input({ tonnes: 600, idempotencyKey: 'spanning-vintages' }));
    expect(res.userErrors).toEqual([]);
    expect(res.retirements!.map((r) => [r.creditId, r.vintage, r.amount.amount, r.serialization])).toEqual([
      [COOK22.id, 2022, '543', 'ICR-KEN-1021-2022-58-600'],
      [COOK23.id, 2023, '57', 'ICR-KEN-1021-2023-1-57'],
    ]);
    const inv = await offsetInventory();
    expect(inv[COOK22.id]).toBeUndefined();
    expect(inv[COOK23.id]).toBe('343');
    expect((await orderRetirements(OO[2])).map((r) => r.amount.amount).sort()).toEqual(['12', '543', '57']);
    expect((await ledger(COOK22.id)).retired).toBe(600n);
  });

  it('refuses an unknown project and invalid input with user errors', async () => {
    const unknown = await retireOffset(
      input({ projectId: 'de0a0000-0000-4000-8000-0000000030ff', idempotencyKey: 'unknown-project' }),
    );
    expect(unknown.retirements).toBeNull();
    expect(unknown.userErrors.map((e) => [e.code, e.field])).toEqual([['NOT_FOUND', ['input', 'projectId']]]);
    const invalid = await retireOffset(input({ tonnes: 0, beneficiaryName: ' ', idempotencyKey: ' ' }));
    expect(invalid.userErrors.map((e) => [e.code, e.field])).toEqual([
      ['INVALID', ['input', 'tonnes']],
      ['REQUIRED', ['input', 'beneficiaryName']],
      ['INVALID', ['input', 'idempotencyKey']],
    ]);
    // A project whose credits the offset inventory has all retired.
    const emptied = await retireOffset(input({ tonnes: 343, idempotencyKey: 'drain-cookstoves' }));
    expect(emptied.userErrors).toEqual([]);
    const none = await retireOffset(input({ tonnes: 1, idempotencyKey: 'nothing-left' }));
    expect(none.userErrors.map((e) => [e.code, e.field])).toEqual([['NOT_FOUND', ['input', 'projectId']]]);
  });

  it('INSUFFICIENT_BALANCE writes nothing: no retirement, no ledger change, the key stays free', async () => {
    const credits = [FOREST23.id, BIOCHAR24.id];
    const before = {
      ledgers: await ledgers(credits),
      inventory: await offsetInventory(),
      order: await orderRetirements(OO[1]),
    };
    const res = await retireOffset(
      input({ offsetOrderId: OO[1], projectId: DEMO.projects[0], tonnes: 1001, idempotencyKey: 'too-much' }),
    );
    expect(res.retirements).toBeNull();
    expect(res.userErrors.map((e) => [e.code, e.field])).toEqual([['INSUFFICIENT_BALANCE', ['input', 'tonnes']]]);
    expect(await ledgers(credits)).toEqual(before.ledgers);
    expect(await offsetInventory()).toEqual(before.inventory);
    expect(await orderRetirements(OO[1])).toEqual(before.order);
    // Nothing was recorded for the key: it serves another request.
    const later = await retireOffset(
      input({ offsetOrderId: OO[1], projectId: DEMO.projects[0], tonnes: 5, idempotencyKey: 'too-much' }),
    );
    expect(later.userErrors).toEqual([]);
    expect(await offsetInventory()).toMatchObject({ [FOREST23.id]: '995' });
  });

  it('idempotency: the same key and input return the first retirements; a different input is IDEMPOTENCY_MISMATCH', async () => {
    const first = await retireOffset(input({ projectId: DEMO.projects[0], tonnes: 20, idempotencyKey: 'forest-20' }));
    expect(first.userErrors).toEqual([]);
    const again = await retireOffset(input({ projectId: DEMO.projects[0], tonnes: 20, idempotencyKey: 'forest-20' }));
    expect(again).toEqual(first);
    expect(await offsetInventory()).toMatchObject({ [FOREST23.id]: '975' });
    for (const other of [{ tonnes: 21 }, { beneficiaryName: 'Bob Buyer' }, { reason: 'Another reason' }]) {
      const res = await retireOffset(
        input({ projectId: DEMO.projects[0], tonnes: 20, idempotencyKey: 'forest-20', ...other }),
      );
      expect(res.retirements).toBeNull();
      expect(res.userErrors.map((e) => [e.code, e.field])).toEqual([
        ['IDEMPOTENCY_MISMATCH', ['input', 'idempotencyKey']],
      ]);
    }
    expect(await offsetInventory()).toMatchObject({ [FOREST23.id]: '975' });
    expect((await ledger(FOREST23.id)).retired).toBe(25n);
  });

  it('20 concurrent identical requests retire once', async () => {
    const burst = input({ projectId: DEMO.projects[1], tonnes: 7, idempotencyKey: 'burst-biochar' });
    const results = await Promise.all(Array.from({ length: 20 }, () => retireOffset(burst)));
    expect(results.flatMap((r) => r.userErrors)).toEqual([]);
    expect(new Set(results.map((r) => r.retirements!.map((x) => x.id).join()))).toEqual(
      new Set([results[0]!.retirements![0]!.id]),
    );
    expect(await offsetInventory()).toMatchObject({ [BIOCHAR24.id]: '993' });
    expect((await ledger(BIOCHAR24.id)).retired).toBe(7n);
  });

  it('only trusted services retire: a user, an admin and an anonymous caller are FORBIDDEN', async () => {
    const before = await ledgers([BIOCHAR24.id]);
    const vars = { input: input({ projectId: DEMO.projects[1], tonnes: 1, idempotencyKey: 'not-a-service' }) };
    expect(codes(await graphql(subgraph.url, RETIRE_OFFSET, vars, { token: tokens.alice }))).toEqual(['FORBIDDEN']);
    expect(codes(await graphql(subgraph.url, RETIRE_OFFSET, vars, { token: tokens.admin }))).toEqual(['FORBIDDEN']);
    expect(codes(await graphql(subgraph.url, RETIRE_OFFSET, vars))).toEqual(['FORBIDDEN']);
    expect(
      codes(
        await graphql(subgraph.url, RETIRE_OFFSET, vars, {
          headers: { authorization: 'Bearer not-the-service-token-0123456789abcdef' },
        }),
      ),
    ).toEqual(['FORBIDDEN']);
    expect(await ledgers([BIOCHAR24.id])).toEqual(before);
  });
});

describe('registry upstream client', () => {
  let icr: IcrFake;
  let co2trust: Co2TrustFake;
  const started: TestSubgraph[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const s = await startTestSubgraph('registry', 'upstream', createRegistryApp, {
      ICR_BASE_URL: icr.url,
      ICR_API_TOKEN: FAKE_ICR_TOKEN,
      CO2TRUST_BASE_URL: co2trust.url,
      UPSTREAM_RETRIES: '1',
      ...env,
    });
    started.push(s);
    return s;
  };
  beforeAll(async () => {
    icr = await startIcrFake();
    co2trust = await startCo2TrustFake();
  });
  afterAll(async () => {
    for (const s of started) await s.stop();
    await icr.stop();
    await co2trust.stop();
  });

  it('sends the configured x-icr-api-version and the API key on every ICR request', async () => {
    const s = await start({ ICR_API_VERSION: '2024-02-01' });
    icr.resetCalls();
    const res = await graphql(s.url, INVENTORY, { id: NORDIC }, { token: await tokenFor(DEMO.users.bob) });
    expect(icr.calls.map((c) => [c.headers['x-icr-api-version'], c.headers.authorization])).toEqual([
      ['2024-02-01', `Bearer ${FAKE_ICR_TOKEN}`],
    ]);
    // The fake knows only the seed's version: the refusal is a coded error without the key.
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(res)).not.toContain(FAKE_ICR_TOKEN);
  });

  it('maps an unavailable ICR to UPSTREAM_UNAVAILABLE and a refused key to UNAUTHENTICATED, never leaking the key', async () => {
    const s = await start();
    const bob = await tokenFor(DEMO.users.bob);
    icr.fail({ pathPrefix: '/organizations', status: 503, times: 2 });
    const down = await graphql(s.url, INVENTORY, { id: NORDIC }, { token: bob });
    expect(codes(down)).toEqual(['UPSTREAM_UNAVAILABLE']);
    const wrongKey = await start({ ICR_API_TOKEN: 'not-the-key' });
    const refused = await graphql(wrongKey.url, INVENTORY, { id: NORDIC }, { token: bob });
    expect(codes(refused)).toEqual(['UNAUTHENTICATED']);
    expect(JSON.stringify([down, refused])).not.toContain('not-the-key');
    expect(ok(await graphql(s.url, INVENTORY, { id: NORDIC }, { token: bob })).organization!.inventory.totalCount).toBe(
      2,
    );
  });
});
