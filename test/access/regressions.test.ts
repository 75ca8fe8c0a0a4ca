// Each way the access rules once leaked, as a caller from outside would try it through the gateway:
// personal data through node/nodes and nested references, malformed answers from field removal,
// node refetching other data than a type's own query, a missing null propagation, and upstream
// answers holding more than the caller may see.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeJwt } from 'jose';
import { DEMO } from '../../demo/data.ts';
import { toGlobalId } from '../../lib/global-id.ts';
import { closeServer } from '../../lib/http-server.ts';
import { createMarketplaceApp } from '../../subgraphs/marketplace/server.ts';
import { TEST_SECRETS, tokenFor } from '../support/env.ts';
import { codes, graphql } from '../support/graphql.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph.ts';

const { alice, bob } = DEMO.users;

describe('access through the gateway (local mode)', () => {
  let stack: Stack;
  const tokens: Record<'alice' | 'bob', string> = { alice: '', bob: '' };
  const url = () => stack.gateway.url;

  beforeAll(async () => {
    stack = await startStack('local');
    tokens.alice = await tokenFor(alice);
    tokens.bob = await tokenFor(bob);
  }, 60_000);
  afterAll(() => stack?.stop());

  it("gives no user's email, name or role to anyone but the user and admins, through node, nodes or a payment's payer", async () => {
    const q =
      'query($id: ID!, $ids: [ID!]!) { node(id: $id) { ... on User { email name role } } nodes(ids: $ids) { ... on User { email } } }';
    const vars = {
      id: toGlobalId('User', bob.id),
      ids: [toGlobalId('User', bob.id), toGlobalId('User', DEMO.users.admin.id)],
    };
    for (const token of [undefined, tokens.alice]) {
      const res = await graphql(url(), q, vars, { token });
      expect(res.data).toEqual({ node: null, nodes: [null, null] });
      expect(JSON.stringify(res)).not.toMatch(/@(buyer|co2trust)\.example/);
    }
    // Whether a user id exists is not told either: an unknown one answers the same.
    expect(
      (await graphql(url(), q, { id: toGlobalId('User', '00000000-0000-4000-8000-00000000abcd'), ids: [] })).data,
    ).toEqual({ node: null, nodes: [] });
    // Alice received a payment Bob paid: she sees the payment, not Bob.
    const paid = await graphql<{
      paymentTransactions: { nodes: { payer: { email: string } | null; payee: { email: string } | null }[] };
    }>(
      url(),
      '{ paymentTransactions(first: 100) { nodes { payer { email } payee { email } } } }',
      {},
      { token: tokens.alice },
    );
    const payers = paid.data!.paymentTransactions.nodes.map((t) => t.payer?.email ?? null);
    expect(payers).toContain(null);
    expect(JSON.stringify(paid.data)).not.toContain(bob.email);
    expect(payers.filter(Boolean).every((e) => e === alice.email)).toBe(true);
  });

  it('answers a list root the caller may not use with null and an error at its path, under an alias too', async () => {
    for (const [query, key] of [
      ['{ groups { id } }', 'groups'],
      ['{ mine: groups { id } }', 'mine'],
      [
        `{ resoldProductUpdates(groupId: "${toGlobalId('Group', DEMO.groups[0])}", since: "2026-01-01T00:00:00Z") { resoldProductId } }`,
        'resoldProductUpdates',
      ],
    ] as const) {
      const res = await graphql(url(), query);
      expect(res.data).toEqual({ [key]: null });
      expect(res.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[[key], 'UNAUTHENTICATED']]);
    }
  });

  it('answers fragments on several types by type condition: a public product keeps its name, gains no key, and a hidden object is null', async () => {
    const product = toGlobalId('Product', DEMO.products[0]);
    const q =
      'query($id: ID!) { node(id: $id) { __typename id ... on Product { name } ... on ResoldProduct { name: name rp: id } } }';
    expect((await graphql(url(), q, { id: product })).data).toEqual({
      node: { __typename: 'Product', id: product, name: 'Boreal Forest Restoration 2021' },
    });
    const aliased = await graphql(
      url(),
      'query($id: ID!) { node(id: $id) { __typename id ... on Product { title: name } ... on ResoldProduct { label: name } } }',
      { id: product },
    );
    expect(aliased.data).toEqual({
      node: { __typename: 'Product', id: product, title: 'Boreal Forest Restoration 2021' },
    });
    const hidden = await graphql(url(), q, { id: toGlobalId('ResoldProduct', DEMO.resoldProducts[0]) });
    expect(hidden).toMatchObject({ data: { node: null } });
    expect(hidden.errors).toBeUndefined();
  });

  it('nulls the object of a non-null field that failed, up to the nearest nullable field, in node and nodes as in the type’s own query', async () => {
    const supplier = toGlobalId('Supplier', DEMO.suppliers[0]);
    const own = await graphql(url(), 'query($id: ID!) { supplier(id: $id) { id name payments { totalCount } } }', {
      id: supplier,
    });
    const viaNode = await graphql(
      url(),
      'query($id: ID!) { node(id: $id) { ... on Supplier { id name payments { totalCount } } } }',
      { id: supplier },
    );
    const viaNodes = await graphql(
      url(),
      'query($ids: [ID!]!) { nodes(ids: $ids) { ... on Supplier { id name payments { totalCount } } } }',
      { ids: [supplier] },
    );
    expect(own.data).toEqual({ supplier: null });
    expect(viaNode.data).toEqual({ node: null });
    expect(viaNodes.data).toEqual({ nodes: [null] });
    for (const res of [own, viaNode, viaNodes]) expect(codes(res)).toEqual(['UNAUTHENTICATED']);
  });

  it("refetches through node what the type's own query reads: an organization's name, a project's fields", async () => {
    const organization = toGlobalId('Organization', DEMO.organizations.carbonBuyer);
    const fields = 'id name';
    const own = await graphql(
      url(),
      `query($id: ID!) { organization(id: $id) { ${fields} } }`,
      { id: organization },
      { token: tokens.alice },
    );
    const viaNode = await graphql(
      url(),
      `query($id: ID!) { node(id: $id) { ... on Organization { ${fields} } } }`,
      { id: organization },
      { token: tokens.alice },
    );
    expect(own.data).toEqual({ organization: { id: organization, name: 'Carbon Buyer Ltd' } });
    expect(viaNode.data).toEqual({ node: own.data!.organization });
    const project = await graphql<{ node: Record<string, unknown> }>(
      url(),
      'query($id: ID!) { node(id: $id) { ... on Project { id fullName num url publicUrl } } }',
      { id: toGlobalId('Project', DEMO.projects[1]) },
    );
    expect(project.errors).toBeUndefined();
    expect(project.data!.node).toMatchObject({
      fullName: 'Reykjanes Biochar',
      num: '354',
      publicUrl: `https://carbonregistry.com/explore/projects/${DEMO.projects[1]}`,
    });
  });
});

describe('access in upstream mode', () => {
  /** A CO2Trust stand-in that lists a non-public supplier to whoever asks (as a careless upstream would). */
  let careless: Server;
  let marketplace: TestSubgraph;
  const supplier = (id: string, isPublic: boolean) => ({
    id,
    name: isPublic ? 'Open Forest' : 'Hidden Forest',
    description: null,
    country_code: 'SE',
    methodology_code: null,
    featured: false,
    is_public: isPublic,
    created_at: '2026-01-01T00:00:00Z',
  });

  beforeAll(async () => {
    careless = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      res.setHeader('content-type', 'application/json');
      if (path.endsWith('/suppliers'))
        return res.end(JSON.stringify({ items: [supplier('s-open', true), supplier('s-hidden', false)], total: 2 }));
      if (path.endsWith('/suppliers/s-hidden')) return res.end(JSON.stringify(supplier('s-hidden', false)));
      if (path.endsWith('/users/auth'))
        return res.end(
          JSON.stringify({
            access_token: 'co2trust-secret-access-token',
            user: {
              id: alice.id,
              email: alice.email,
              name: alice.name,
              role: 'user',
              created_at: '2026-01-01T00:00:00Z',
            },
          }),
        );
      res.statusCode = 404;
      res.end('{}');
    });
    await new Promise<void>((resolve) => careless.listen(0, '127.0.0.1', resolve));
    marketplace = await startTestSubgraph('marketplace', 'upstream', createMarketplaceApp, {
      CO2TRUST_BASE_URL: `http://127.0.0.1:${(careless.address() as AddressInfo).port}`,
      CO2TRUST_BACKEND_SECRET_KEY: 'backend',
    });
  }, 60_000);
  afterAll(async () => {
    await marketplace?.stop();
    if (careless) await closeServer(careless);
  });

  it("leaves out of a user's lists, and out of by-id reads, what CO2Trust answers beyond the caller's view", async () => {
    const token = await tokenFor(alice, { upstreamToken: 'co2t_alice' });
    const list = await graphql<{ suppliers: { nodes: { id: string }[] } }>(
      marketplace.url,
      '{ suppliers { nodes { name } } }',
      {},
      { token },
    );
    expect(list.data).toEqual({ suppliers: { nodes: [{ name: 'Open Forest' }] } });
    const one = await graphql(marketplace.url, '{ supplier(id: "s-hidden") { name } }', {}, { token });
    expect(one.data).toEqual({ supplier: null });
    const admin = await graphql<{ suppliers: { nodes: { name: string }[] } }>(
      marketplace.url,
      '{ suppliers { nodes { name } } }',
      {},
      { token: await tokenFor(DEMO.users.admin, { upstreamToken: 'co2t_admin' }) },
    );
    expect(admin.data!.suppliers.nodes.map((s) => s.name)).toEqual(['Open Forest', 'Hidden Forest']);
  });

  it('carries the CO2Trust token inside the access token unreadably', async () => {
    const res = await graphql<{ authenticate: { accessToken: string } }>(
      marketplace.url,
      'mutation { authenticate(input: { email: "alice@buyer.example" }) { accessToken } }',
      {},
      { headers: { 'x-backend-secret-key': TEST_SECRETS.BACKEND_SECRET_KEY } },
    );
    const jwt = res.data!.authenticate.accessToken;
    const claims = decodeJwt(jwt);
    expect(typeof claims.upt).toBe('string');
    expect(JSON.stringify(claims)).not.toContain('co2trust-secret-access-token');
    expect(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')).not.toContain('co2trust-secret-access-token');
  });
});
