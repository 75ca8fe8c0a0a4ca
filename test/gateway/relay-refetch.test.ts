// Relay's refetch of every Node type against the gateway, as a Relay app refetches: the
// `@refetchable` fragments of test/relay/nodes/node-types.ts (one per type implementing `Node`,
// generated from the schema) as relay-compiler writes them, run with relay-runtime (without React):
// `fetchQuery` of the fragment's refetch query with `{ id }` (`node(id:)` with `__typename`), into
// Relay's store, then the fragment read from the store. For each identity that may see a demo
// object of a type, what Relay reads must be what the type's own root query reads, field by field
// (a type without a query of its own by id is compared with `nodes(ids:)`). For an identity that
// may not see it (or an id of nothing, where everyone may see every object of the type), Relay gets
// `node: null` without an error, and never a node without `__typename`.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { buildSchema, Kind, parse, print, validate, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import relay from 'relay-runtime';
import type {
  ConcreteRequest,
  GraphQLResponse,
  ReaderFragment,
  ReaderSelection,
  RequestParameters,
  SingularReaderSelector,
  Variables,
} from 'relay-runtime';
import { DEMO, demoId } from '../../demo/data.ts';
import { toGlobalId } from '../../lib/global-id.ts';
import { ROOT } from '../../lib/subgraph.ts';
import { NODE_TYPES_FILE, nodeTypes, nodeTypesSource } from '../relay/nodes/node-types.generate.ts';
import { tokenFor } from '../support/env.ts';
import { graphql, ok } from '../support/graphql.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { until } from '../marketplace/helpers.ts';

const { Environment, Network, RecordSource, Store, createOperationDescriptor, fetchQuery, getSelector } = relay;

const api = buildSchema(readFileSync(join(ROOT, 'schema', 'api.graphql'), 'utf8'));
const NODE_TYPES = nodeTypes(api).map((t) => t.name);
const ARTIFACTS = join(ROOT, 'test', 'relay', 'nodes', '__generated__');

/** The fragments of node-types.ts, by the type they are on. */
function fragmentsOfFile(): Map<string, FragmentDefinitionNode> {
  const text = readFileSync(NODE_TYPES_FILE, 'utf8');
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const [, body] of text.matchAll(/graphql`([^`]*)`/g)) {
    for (const definition of parse(body!).definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.typeCondition.name.value, definition);
    }
  }
  return fragments;
}

/** A selection set as field names, nested fields after their parent's name: the shape both a document and an artifact have. */
const shapeOfDocument = (set: SelectionSetNode): unknown[] =>
  set.selections.map((s) =>
    s.kind === Kind.FIELD
      ? s.selectionSet
        ? { [s.name.value]: shapeOfDocument(s.selectionSet) }
        : s.name.value
      : s.kind,
  );
const shapeOfArtifact = (selections: readonly ReaderSelection[]): unknown[] =>
  selections.map((s) =>
    s.kind === 'ScalarField' ? s.name : s.kind === 'LinkedField' ? { [s.name]: shapeOfArtifact(s.selections) } : s.kind,
  );

interface Artifacts {
  query: ConcreteRequest;
  fragment: ReaderFragment;
}
/** The compiled refetch query and fragment of a type; null when relay-compiler wrote none. */
async function artifactsOf(type: string): Promise<Artifacts | null> {
  const query = join(ARTIFACTS, `RelayNode${type}RefetchQuery.graphql.ts`);
  const fragment = join(ARTIFACTS, `RelayNode_${type}.graphql.ts`);
  if (!existsSync(query) || !existsSync(fragment)) return null;
  return {
    query: ((await import(query)) as { default: ConcreteRequest }).default,
    fragment: ((await import(fragment)) as { default: ReaderFragment }).default,
  };
}

describe('the Relay node fragments', () => {
  it('name a fragment for every Node type of the schema, each refetchable by node(id:)', () => {
    const fragments = fragmentsOfFile();
    expect({ withoutFragment: NODE_TYPES.filter((t) => !fragments.has(t)) }).toEqual({ withoutFragment: [] });
    expect([...fragments.keys()].sort()).toEqual(NODE_TYPES);
    for (const [type, fragment] of fragments) {
      const refetchable = fragment.directives?.find((d) => d.name.value === 'refetchable');
      expect([fragment.name.value, refetchable && print(refetchable)]).toEqual([
        `RelayNode_${type}`,
        `@refetchable(queryName: "RelayNode${type}RefetchQuery")`,
      ]);
    }
  });

  it('are the generator’s output for the current schema (every scalar, enum and small value object field of each type)', () => {
    const regenerate =
      'node test/relay/nodes/node-types.generate.ts && (cd test/relay/nodes && npx relay-compiler@21.0.1)';
    expect([regenerate, readFileSync(NODE_TYPES_FILE, 'utf8')]).toEqual([regenerate, nodeTypesSource(api)]);
  });

  it("have relay-compiler's artifacts, unedited, selecting what the fragments select, valid against the public schema", async () => {
    const fragments = fragmentsOfFile();
    const expected = NODE_TYPES.flatMap((t) => [
      `RelayNode${t}RefetchQuery.graphql.ts`,
      `RelayNode_${t}.graphql.ts`,
    ]).sort();
    expect(readdirSync(ARTIFACTS).sort()).toEqual(expected);
    for (const file of expected) {
      const text = readFileSync(join(ARTIFACTS, file), 'utf8');
      // relay-compiler signs each file: the md5 of the file with its signature left out.
      const [signature, digest] = text.match(/SignedSource<<([0-9a-f]{32})>>/)!;
      const unsigned = text.replace(signature, '<<SignedSource::*O*zOeWoEQle#+L!plEphiEmie@IsG>>');
      expect([file, createHash('md5').update(unsigned).digest('hex')]).toEqual([file, digest]);
    }
    for (const type of NODE_TYPES) {
      const { query, fragment } = (await artifactsOf(type))!;
      expect([type, validate(api, parse(query.params.text!))]).toEqual([type, []]);
      expect([type, shapeOfArtifact(fragment.selections)]).toEqual([
        type,
        shapeOfDocument(fragments.get(type)!.selectionSet),
      ]);
    }
  });
});

type Identity = 'anonymous' | 'alice' | 'bob' | 'admin';
const EVERYONE: Identity[] = ['anonymous', 'alice', 'bob', 'admin'];

/** One demo object of a type: who may see it, and one who may not (null: everyone may). */
interface Case {
  id: string;
  see: Identity[];
  hidden: Identity | null;
}
/** The demo objects refetched, with the audiences of their types' rules (subgraphs/*\/policy.ts). */
const CASES: Record<string, Case[]> = {
  // The user themself and admins.
  User: [
    { id: DEMO.users.alice.id, see: ['alice', 'admin'], hidden: 'bob' },
    { id: DEMO.users.bob.id, see: ['bob'], hidden: 'anonymous' },
  ],
  // Public to anyone; a private one to its owner and admins.
  Product: [
    { id: DEMO.products[0], see: EVERYONE, hidden: null },
    { id: DEMO.products[3], see: ['alice', 'admin'], hidden: 'bob' },
  ],
  Supplier: [{ id: DEMO.suppliers[0], see: EVERYONE, hidden: null }],
  // A public order to every signed-in user; a private one to its buyer and admins.
  Order: [
    { id: DEMO.orders[0], see: ['alice', 'bob', 'admin'], hidden: 'anonymous' },
    { id: DEMO.orders[1], see: ['alice', 'admin'], hidden: 'bob' },
  ],
  Nft: [{ id: DEMO.nfts[0], see: EVERYONE, hidden: null }],
  OffsetOrder: [{ id: DEMO.offsetOrders[0], see: ['alice', 'admin'], hidden: 'bob' }],
  OffsetPoolRetirement: [], // made in beforeAll: the demo data has none
  // Members and admins.
  Organization: [{ id: DEMO.organizations.carbonBuyer, see: ['alice', 'admin'], hidden: 'bob' }],
  Project: [{ id: DEMO.projects[0], see: EVERYONE, hidden: null }],
  // Every signed-in user.
  ResoldProduct: [{ id: DEMO.resoldProducts[0], see: ['alice', 'bob', 'admin'], hidden: 'anonymous' }],
};

/** Each type's own root field by id; a type without one is read with `nodes(ids:)`. */
const OWN: Record<string, (id: string, who: Identity, object: Case) => string | null> = {
  User: (_id, who, object) => (who !== 'anonymous' && DEMO.users[who].id === object.id ? 'me' : null),
  Product: (id) => `product(id: "${id}")`,
  Supplier: (id) => `supplier(id: "${id}")`,
  Order: (id) => `order(id: "${id}")`,
  Nft: (id) => `nft(id: "${id}")`,
  OffsetOrder: (id) => `offsetOrder(id: "${id}")`,
  Organization: (id) => `organization(id: "${id}")`,
  ResoldProduct: (id) => `resoldProduct(id: "${id}")`,
};

/** An id no demo object has. */
const NOTHING = demoId(15, 0xfffe);

describe("Relay's refetch of every Node type against the gateway", () => {
  let stack: Stack;
  const tokens: Record<Identity, string | undefined> = {
    anonymous: undefined,
    alice: undefined,
    bob: undefined,
    admin: undefined,
  };
  /** Every request Relay sent and the answer it got. */
  const sent: {
    who: Identity;
    name: string;
    variables: Variables;
    response: { data?: unknown; errors?: unknown[] };
  }[] = [];
  const environments = new Map<Identity, InstanceType<typeof Environment>>();
  /** What Relay warned about (it warns with console.error outside production: a field missing from a payload, …). */
  const warnings: string[] = [];

  beforeAll(async () => {
    jest.spyOn(console, 'error').mockImplementation((message: unknown) => void warnings.push(String(message)));
    stack = await startStack('local');
    tokens.alice = await tokenFor(DEMO.users.alice);
    tokens.bob = await tokenFor(DEMO.users.bob);
    tokens.admin = await tokenFor(DEMO.users.admin);
    // A pooled retirement: a whole tonne ordered fills one at once (Lune retires its own).
    const placed = ok(
      await graphql<{
        createOffsetOrderByMass: { offsetOrder: { retirementShares: { retirement: { id: string } | null }[] } };
      }>(
        stack.gateway.url,
        'mutation { createOffsetOrderByMass(input: { mass: { amount: "1", unit: T }, idempotencyKey: "relay-refetch-pool" }) { offsetOrder { retirementShares { retirement { id } } } } }',
        {},
        { token: tokens.alice },
      ),
    );
    const pool = placed.createOffsetOrderByMass.offsetOrder.retirementShares.find((s) => s.retirement)!.retirement!.id;
    CASES.OffsetPoolRetirement = [
      { id: Buffer.from(pool, 'base64url').toString('utf8').split(':')[1]!, see: EVERYONE, hidden: null },
    ];
    // The retirement moves on (PENDING, then RETIRED) through the outbox: the reads compare it settled.
    await until(async () => {
      const read = ok(
        await graphql<{ node: { status: string } | null }>(
          stack.gateway.url,
          'query($id: ID!) { node(id: $id) { ... on OffsetPoolRetirement { status } } }',
          { id: pool },
          { token: tokens.alice },
        ),
      );
      return read.node?.status === 'RETIRED';
    }, 'the pooled retirement to be retired');
  }, 60_000);
  afterAll(async () => {
    jest.restoreAllMocks();
    await stack?.stop();
  });

  /** One Relay environment per identity, as one app's: its network layer sends the identity's token. */
  function environmentOf(who: Identity) {
    let environment = environments.get(who);
    if (environment) return environment;
    const network = Network.create(async (params: RequestParameters, variables: Variables) => {
      const response = await fetch(stack.gateway.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(tokens[who] ? { authorization: `Bearer ${tokens[who]}` } : {}),
        },
        body: JSON.stringify({ query: params.text, variables }),
      });
      const answer = (await response.json()) as { data?: unknown; errors?: unknown[] };
      sent.push({ who, name: params.name, variables, response: answer });
      return answer as GraphQLResponse;
    });
    environment = new Environment({ network, store: new Store(new RecordSource()) });
    environments.set(who, environment);
    return environment;
  }

  /**
   * What a Relay app shows after refetching a node: the fragment read from the store, or null when
   * Relay got no node. Throws what Relay threw (a node without `__typename`: "Expected a typename")
   * and data Relay finds missing in its store.
   */
  async function refetch(type: string, id: string, who: Identity): Promise<Record<string, unknown> | null> {
    const { query, fragment } = (await artifactsOf(type))!;
    const environment = environmentOf(who);
    const operation = createOperationDescriptor(query, { id });
    environment.retain(operation);
    await fetchQuery(environment, query, { id }).toPromise();
    const root = environment.lookup(operation.fragment);
    if (root.isMissingData) throw new Error('the refetch query misses data in the store');
    const node = (root.data as { node: object | null }).node;
    if (node === null) return null;
    // Relay stored the object under its id, with the __typename the refetch query asked for.
    const typename = environment.getStore().getSource().get(id)?.__typename;
    if (typename !== type) throw new Error(`stored as ${String(typename)}`);
    const read = environment.lookup(getSelector(fragment, node) as SingularReaderSelector);
    if (read.isMissingData) throw new Error(`the fragment misses data in the store: ${JSON.stringify(read.data)}`);
    return read.data as Record<string, unknown>;
  }

  /** The same fields, read with a plain request through the type's own root field (or `nodes(ids:)`). */
  async function readOwn(type: string, object: Case, who: Identity): Promise<unknown> {
    const id = toGlobalId(type, object.id);
    const fields = print(fragmentsOfFile().get(type)!.selectionSet);
    const root = OWN[type]?.(id, who, object) ?? null;
    const res = root
      ? await graphql<{ value: unknown }>(stack.gateway.url, `{ value: ${root} ${fields} }`, {}, { token: tokens[who] })
      : await graphql<{ value: unknown[] }>(
          stack.gateway.url,
          `query($ids: [ID!]!) { value: nodes(ids: $ids) { ... on ${type} ${fields} } }`,
          { ids: [id] },
          { token: tokens[who] },
        );
    const data = ok(res);
    return root ? data.value : (data.value as unknown[])[0];
  }

  /** A value, or what was thrown instead, so that every refetch of a test ends before it does. */
  const settled = <T>(promise: Promise<T>): Promise<T | { thrown: string }> =>
    promise.catch((error: unknown) => ({ thrown: error instanceof Error ? error.message : String(error) }));

  it("reads through node(id:) what each type's own query reads, for every identity that may see a demo object of it", async () => {
    const pairs = NODE_TYPES.flatMap((type) =>
      (CASES[type] ?? []).flatMap((object) => object.see.map((who) => ({ type, object, who }))),
    );
    // Every Node type is refetched, each by an identity that may see it.
    expect(NODE_TYPES.filter((t) => !pairs.some((p) => p.type === t))).toEqual([]);
    const differences: string[] = [];
    const before = sent.length;
    const warned = warnings.length;
    await Promise.all(
      pairs.map(async ({ type, object, who }) => {
        const id = toGlobalId(type, object.id);
        const [viaRelay, viaOwn] = await Promise.all([
          settled(refetch(type, id, who)),
          settled(readOwn(type, object, who)),
        ]);
        if (
          JSON.stringify(sortKeys(viaRelay)) !== JSON.stringify(sortKeys(viaOwn)) ||
          viaRelay === null ||
          'thrown' in viaRelay
        ) {
          differences.push(
            `${type} ${object.id} as ${who}: relay ${JSON.stringify(viaRelay)} own ${JSON.stringify(viaOwn)}`,
          );
        }
      }),
    );
    expect(differences).toEqual([]);
    // One request per refetch, each the type's refetch query with the id alone, answered without an error.
    const mine = sent.slice(before);
    expect(mine.length).toBe(pairs.length);
    for (const s of mine)
      expect([s.name, s.variables, s.response.errors]).toEqual([
        expect.stringMatching(/^RelayNode\w+RefetchQuery$/),
        { id: s.variables.id },
        undefined,
      ]);
    expect(warnings.slice(warned)).toEqual([]);
  }, 60_000);

  it('gets node: null, without an error, for an identity that may not see the object, and for an id of nothing', async () => {
    const hidden = NODE_TYPES.flatMap((type) =>
      (CASES[type] ?? []).map((object) =>
        object.hidden ? { type, id: object.id, who: object.hidden } : { type, id: NOTHING, who: 'alice' as Identity },
      ),
    );
    // Each type has an identity or an id that sees nothing.
    expect(NODE_TYPES.filter((t) => !hidden.some((h) => h.type === t))).toEqual([]);
    const before = sent.length;
    const warned = warnings.length;
    const answers = await Promise.all(
      hidden.map(async ({ type, id, who }) => ({
        type,
        id,
        who,
        node: await settled(refetch(type, toGlobalId(type, id), who)),
      })),
    );
    expect(answers.filter((a) => a.node !== null)).toEqual([]);
    const requests = sent.slice(before);
    expect(requests.length).toBe(hidden.length);
    for (const r of requests) expect([r.name, r.response]).toEqual([r.name, { data: { node: null } }]);
    expect(warnings.slice(warned)).toEqual([]);
  }, 60_000);
});

/** A value with its objects' keys in order: Relay reads fields in its own order. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  return value;
}
