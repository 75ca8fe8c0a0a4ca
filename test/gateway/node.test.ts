// Global object identification through the gateway: every entity type of the supergraph
// implements Node, and node(id:) / nodes(ids:) refetch one object of each by its id.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildSchema, isObjectType } from 'graphql';
import { DEMO } from '../../demo/data.ts';
import { toGlobalId } from '../../lib/global-id.ts';
import { ROOT } from '../../lib/paths.ts';
import { tokenFor } from '../support/env.ts';
import {
  NodeByIdDocument,
  NodesByIdsDocument,
  ProductIdDocument,
  ProductNodeDocument,
  ResoldProductNodeNameDocument,
  SampleNftDocument,
  SampleOffsetOrderDocument,
  SampleOffsetPoolRetirementDocument,
  SampleOrderDocument,
  SampleOrganizationDocument,
  SampleProductDocument,
  SampleProjectDocument,
  SampleResoldProductDocument,
  SampleSupplierDocument,
  ViewerDocument,
} from '../__generated__/operations.ts';
import { codes, graphql, ok } from '../support/graphql.ts';
import { startStack, type Stack } from '../support/stack.ts';

/** Entity types of the composed supergraph: object types with a key in some subgraph. */
function supergraphEntityTypes(): string[] {
  const sdl = readFileSync(join(ROOT, 'schema', 'supergraph.graphql'), 'utf8');
  const names = [...sdl.matchAll(/^type (\w+)((?:\s+implements[^@{]+)?)\s*([^{]*)\{/gm)]
    .filter(([, , , directives]) => /@join__type\([^)]*key:/.test(directives!))
    .map(([, name]) => name!);
  return [...new Set(names)].sort();
}

/** One operation per entity type that finds (or makes) one object of it, as the admin, and the id it took. */
type Sample = (url: string, token: string) => Promise<string | undefined>;
const SAMPLES: Record<string, Sample> = {
  User: async (url, token) => ok(await graphql(url, ViewerDocument, {}, { token })).me?.id,
  Product: async (url, token) => ok(await graphql(url, SampleProductDocument, {}, { token })).products.nodes[0]?.id,
  Supplier: async (url, token) => ok(await graphql(url, SampleSupplierDocument, {}, { token })).suppliers.nodes[0]?.id,
  Order: async (url, token) => ok(await graphql(url, SampleOrderDocument, {}, { token })).orders.nodes[0]?.id,
  Nft: async (url, token) => ok(await graphql(url, SampleNftDocument, {}, { token })).nfts.nodes[0]?.id,
  OffsetOrder: async (url, token) =>
    ok(await graphql(url, SampleOffsetOrderDocument, {}, { token })).offsetOrders.nodes[0]?.id,
  // A whole tonne ordered fills a pooled retirement at once.
  OffsetPoolRetirement: async (url, token) =>
    ok(
      await graphql(
        url,
        SampleOffsetPoolRetirementDocument,
        { input: { mass: { amount: '1', unit: 'T' }, idempotencyKey: 'node-sample' } },
        { token },
      ),
    ).createOffsetOrderByMass.offsetOrder?.retirementShares.find((s) => s.retirement)?.retirement!.id,
  ResoldProduct: async (url, token) =>
    ok(await graphql(url, SampleResoldProductDocument, { groupId: DEMO.groups[0]! }, { token })).resoldProducts
      ?.nodes[0]?.id,
  Organization: async (url, token) =>
    ok(await graphql(url, SampleOrganizationDocument, { id: DEMO.organizations.carbonBuyer }, { token })).organization
      ?.id,
  Project: async (url, token) =>
    ok(
      await graphql(url, SampleProjectDocument, { id: DEMO.organizations.carbonBuyer }, { token }),
    ).organization?.inventory.nodes.find((h) => h.credit?.project)?.credit!.project!.id,
};

const NODE = NodeByIdDocument;
const NODES = NodesByIdsDocument;

describe('node(id:) and nodes(ids:) through the gateway', () => {
  let stack: Stack;
  let admin = '';
  let alice = '';
  let bob = '';
  const url = () => stack.gateway.url;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    stack = await startStack('local');
    [admin, alice, bob] = await Promise.all([
      tokenFor(DEMO.users.admin),
      tokenFor(DEMO.users.alice),
      tokenFor(DEMO.users.bob),
    ]);
  }, 60_000);
  afterAll(() => stack?.stop());

  it('every entity type of the supergraph implements Node, and one object of each is refetched by its id', async () => {
    const types = supergraphEntityTypes();
    expect(types.length).toBeGreaterThanOrEqual(10);
    const api = buildSchema(readFileSync(join(ROOT, 'schema', 'api.graphql'), 'utf8'));
    for (const type of types) {
      const object = api.getType(type);
      expect(isObjectType(object) && object.getInterfaces().map((i) => i.name)).toContain('Node');
      // A new entity type needs a sample here: the test fails until it has one.
      const sample = SAMPLES[type];
      expect({ type, sample: Boolean(sample) }).toEqual({ type, sample: true });
      const id = await sample!(url(), admin);
      expect({ type, id: typeof id }).toEqual({ type, id: 'string' });
      // The id is global: it names its type.
      expect(Buffer.from(id!, 'base64url').toString('utf8').startsWith(`${type}:`)).toBe(true);
      expect(ok(await graphql(url(), NODE, { id: id! }, { token: admin }))).toEqual({ node: { __typename: type, id } });
      ids.set(type, id!);
    }
    // All at once, in the order given.
    const all = [...ids.values()];
    const data = ok(await graphql(url(), NODES, { ids: all }, { token: admin }));
    expect(data.nodes).toEqual([...ids].map(([type, id]) => ({ __typename: type, id })));
  });

  it("the gateway completes a node's fields from the subgraph that owns the type", async () => {
    const product = ids.get('Product')!;
    const data = ok(await graphql(url(), ProductNodeDocument, { id: product }, { token: admin }));
    if (data.node?.__typename !== 'Product') throw new Error(`not a product: ${data.node?.__typename}`);
    expect(data.node.id).toBe(product);
    expect(typeof data.node.name).toBe('string');
    // A reference to another entity carries that entity's global id: node() takes it as it is.
    if (data.node.supplier)
      expect(ok(await graphql(url(), NODE, { id: data.node.supplier.id }, { token: admin }))).toEqual({
        node: { __typename: 'Supplier', id: data.node.supplier.id },
      });
  });

  it('a forged id or one of an unknown type is BAD_USER_INPUT; an unknown object of a known type is null', async () => {
    for (const id of ['not-a-global-id', toGlobalId('Nothing', '1'), Buffer.from('Product:').toString('base64url')]) {
      const res = await graphql(url(), NODE, { id }, { token: admin });
      expect(res.data).toEqual({ node: null });
      expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    }
    const missing = await graphql(
      url(),
      NODE,
      { id: toGlobalId('Product', 'de030000-0000-4000-8000-0000000000ff') },
      { token: admin },
    );
    expect(missing).toMatchObject({ data: { node: null } });
    expect(missing.errors).toBeUndefined();
  });

  it('nodes(ids:) answers each id on its own and takes at most 100 ids', async () => {
    const res = await graphql(url(), NODES, { ids: [ids.get('Product')!, 'forged'] }, { token: admin });
    expect(res.data?.nodes).toEqual([{ __typename: 'Product', id: ids.get('Product') }, null]);
    expect(res.errors?.map((e) => [e.extensions?.code, e.path])).toEqual([['BAD_USER_INPUT', ['nodes', 1]]]);
    const tooMany = await graphql(
      url(),
      NODES,
      { ids: Array<string>(101).fill(ids.get('Product')!) },
      { token: admin },
    );
    expect(codes(tooMany)).toEqual(['BAD_USER_INPUT']);
  });

  it('a global id of another type in an argument is BAD_USER_INPUT; the old local ids are still accepted', async () => {
    const q = ProductIdDocument;
    expect(codes(await graphql(url(), q, { id: ids.get('Supplier')! }, { token: admin }))).toEqual(['BAD_USER_INPUT']);
    const product = ids.get('Product')!;
    const local = Buffer.from(product, 'base64url').toString('utf8').slice('Product:'.length);
    expect(ok(await graphql(url(), q, { id: local }, { token: admin }))).toEqual({ product: { id: product } });
  });

  it('access control applies: an object the caller may not see is null, as one that does not exist, as its own query answers', async () => {
    const organization = ids.get('Organization')!; // Carbon Buyer: Alice is a member, Bob is not
    expect(ok(await graphql(url(), NODE, { id: organization }, { token: alice }))).toEqual({
      node: { __typename: 'Organization', id: organization },
    });
    const own = await graphql(url(), SampleOrganizationDocument, { id: organization }, { token: bob });
    const viaNode = await graphql(url(), NODE, { id: organization }, { token: bob });
    expect(viaNode.data).toEqual({ node: null });
    expect(own.data).toEqual({ organization: null });
    expect(codes(viaNode)).toEqual([]);
    const absent = await graphql(
      url(),
      NODE,
      { id: toGlobalId('Organization', 'no-such-organization') },
      { token: bob },
    );
    expect(absent).toMatchObject({ data: { node: null } });
    expect(absent.errors).toBeUndefined();
    // Anonymous: nothing of the object either.
    const anonymous = await graphql(url(), NODE, { id: organization });
    expect(anonymous.data).toEqual({ node: null });
    // A public object is refetched without a token, as its own query reads it.
    const product = toGlobalId('Product', DEMO.products[0]!);
    expect(ok(await graphql(url(), NODE, { id: product }))).toEqual({ node: { __typename: 'Product', id: product } });
    // A product only its owner and admins see stays hidden from an anonymous caller.
    expect(ok(await graphql(url(), NODE, { id: toGlobalId('Product', DEMO.products[3]!) }))).toEqual({ node: null });
    // A resold product is for signed-in users: to anyone else it does not exist.
    const resold = await graphql(url(), ResoldProductNodeNameDocument, { id: ids.get('ResoldProduct')! });
    expect(resold.data).toEqual({ node: null });
  });
});
