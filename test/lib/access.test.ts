// The one access model (lib/access.ts) on a small schema: an object rule applies to every field
// that yields its type (single, list, nested list, interface, `_entities`-like unions), a field rule
// answers only its audience, memberships are asked once they matter, and a schema with a type the
// policy does not declare is refused.
import { describe, expect, it } from '@jest/globals';
import { graphql as execute, type GraphQLSchema } from 'graphql';
import { makeExecutableSchema } from '@graphql-tools/schema';
import {
  ALL,
  enforceAccess,
  inScope,
  scopeFilter,
  scopeOf,
  type AccessContext,
  type AccessPolicy,
} from '../../lib/access.ts';
import type { AuthState, Viewer } from '../../lib/auth.ts';

const typeDefs = `
  interface Thing { id: ID! }
  type Doc implements Thing { id: ID! title: String! secret: String ownerId: ID }
  type Team implements Thing { id: ID! name: String }
  type Box { docs: [Doc!]! grid: [[Doc]] }
  union Any = Doc | Team
  type Query { doc(id: ID!): Doc sureDoc(id: ID!): Doc! docs: [Doc!]! box: Box thing(id: ID!): Thing any(ids: [ID!]!): [Any]! team(id: ID!): Team }
`;
const DOCS = [
  { id: 'd1', title: 'Public', secret: 's1', ownerId: 'alice', isPublic: true, teamId: 't1' },
  { id: 'd2', title: 'Alice', secret: 's2', ownerId: 'alice', isPublic: false, teamId: 't1' },
  { id: 'd3', title: 'Bob', secret: 's3', ownerId: 'bob', isPublic: false, teamId: 't2' },
];
const TEAMS = [
  { id: 't1', name: 'One' },
  { id: 't2', name: 'Two' },
];
const docOf = (id: string) => DOCS.find((d) => d.id === id) ?? null;
const resolvers = {
  Query: {
    doc: (_: unknown, { id }: { id: string }) => docOf(id),
    sureDoc: (_: unknown, { id }: { id: string }) => docOf(id),
    docs: () => DOCS,
    box: () => ({ docs: DOCS, grid: [DOCS, [DOCS[2]]] }),
    thing: (_: unknown, { id }: { id: string }) =>
      id.startsWith('t')
        ? { ...TEAMS.find((t) => t.id === id), __typename: 'Team' }
        : { ...docOf(id), __typename: 'Doc' },
    any: (_: unknown, { ids }: { ids: string[] }) =>
      ids.map((id) =>
        id.startsWith('t')
          ? { ...TEAMS.find((t) => t.id === id), __typename: 'Team' }
          : { ...docOf(id), __typename: 'Doc' },
      ),
    team: (_: unknown, { id }: { id: string }) => TEAMS.find((t) => t.id === id),
  },
  Thing: { __resolveType: (t: { __typename: string }) => t.__typename },
  Any: { __resolveType: (t: { __typename: string }) => t.__typename },
};
type DocRecord = (typeof DOCS)[number];
const policy: AccessPolicy = {
  Doc: {
    object: {
      see: ['owner', 'admin'],
      owner: (d: DocRecord) => d.ownerId,
      public: { to: 'anyone', when: (d: DocRecord) => d.isPublic },
    },
    fields: { secret: ['owner'] },
  },
  Team: { object: { see: ['member', 'admin'], organization: (t: { id: string }) => t.id } },
  Box: { value: true },
} as AccessPolicy;

const viewer = (id: string, role: 'USER' | 'ADMIN' = 'USER'): Viewer => ({
  id,
  email: `${id}@example.org`,
  role,
  scopes: [role],
});
const auth = (v: Viewer | null, service = false): AuthState => ({
  viewer: v,
  service,
  tokenProblem: null,
  trusted: true,
  token: null,
});
const schema = (): GraphQLSchema => enforceAccess(makeExecutableSchema({ typeDefs, resolvers }), policy);

async function run(source: string, context: AccessContext) {
  const result = await execute({ schema: schema(), source, contextValue: context });
  return { data: result.data, codes: (result.errors ?? []).map((e) => `${e.path?.join('.')}:${e.extensions.code}`) };
}

describe('one access model', () => {
  const asked: string[] = [];
  const alice: AccessContext = {
    auth: auth(viewer('alice')),
    memberOf: async (team) => (asked.push(team), team === 't1'),
  };
  const bob: AccessContext = { auth: auth(viewer('bob')) };
  const anonymous: AccessContext = { auth: auth(null) };

  it('lets through, on every field that yields the type, only the objects the caller may see', async () => {
    const q =
      '{ a: doc(id: "d2") { id } b: doc(id: "d3") { id } docs { id } box { docs { id } grid { id } } thing(id: "d3") { id } any(ids: ["d1", "d3", "t2"]) { ... on Doc { id } } }';
    const first = await run(q, alice);
    expect(first.codes).toEqual([]);
    expect(first.data).toEqual({
      a: { id: 'd2' },
      b: null,
      docs: [{ id: 'd1' }, { id: 'd2' }],
      box: { docs: [{ id: 'd1' }, { id: 'd2' }], grid: [[{ id: 'd1' }, { id: 'd2' }, null], [null]] },
      thing: null,
      any: [{ id: 'd1' }, null, null],
    });
    expect((await run('{ docs { id } }', anonymous)).data).toEqual({ docs: [{ id: 'd1' }] });
    expect((await run('{ docs { id } }', { auth: auth(viewer('root', 'ADMIN')) })).data).toEqual({
      docs: [{ id: 'd1' }, { id: 'd2' }, { id: 'd3' }],
    });
  });

  it('answers a hidden object in a non-null position as not found, without its data', async () => {
    const res = await run('{ sureDoc(id: "d3") { title } }', alice);
    expect(res).toEqual({ data: null, codes: ['sureDoc:NOT_FOUND'] });
  });

  it('answers a field with its own rule to its audience only, with the code that says why', async () => {
    expect(await run('{ doc(id: "d1") { title secret } }', alice)).toEqual({
      data: { doc: { title: 'Public', secret: 's1' } },
      codes: [],
    });
    expect(await run('{ doc(id: "d1") { title secret } }', bob)).toEqual({
      data: { doc: { title: 'Public', secret: null } },
      codes: ['doc.secret:FORBIDDEN'],
    });
    expect(await run('{ doc(id: "d1") { secret } }', anonymous)).toEqual({
      data: { doc: { secret: null } },
      codes: ['doc.secret:UNAUTHENTICATED'],
    });
  });

  it('asks memberships only when no cheaper audience decides', async () => {
    asked.length = 0;
    expect((await run('{ one: team(id: "t1") { name } two: team(id: "t2") { name } }', alice)).data).toEqual({
      one: { name: 'One' },
      two: null,
    });
    expect(asked.sort()).toEqual(['t1', 't2']);
    asked.length = 0;
    await run('{ team(id: "t2") { name } }', { ...alice, auth: auth(viewer('root', 'ADMIN')) });
    expect(asked).toEqual([]);
    expect((await run('{ team(id: "t1") { name } }', bob)).data).toEqual({ team: null });
  });

  it('gives adapters the same rule as a scope, and refuses a schema with an undeclared type', () => {
    const rule = (policy.Doc as { object: never }).object;
    expect(scopeOf(rule, auth(null))).toEqual({ all: false, public: true, ownerId: null });
    expect(scopeOf(rule, auth(viewer('alice')))).toEqual({ all: false, public: true, ownerId: 'alice' });
    expect(scopeOf(rule, auth(viewer('root', 'ADMIN')))).toBe(ALL);
    expect(scopeFilter({ all: false, public: true, ownerId: 'alice' }, ['ownerId'])).toEqual({
      $or: [{ isPublic: true }, { ownerId: 'alice' }],
    });
    expect(scopeFilter({ all: false, public: false, ownerId: null })).toEqual({ id: { $in: [] } });
    expect(inScope({ all: false, public: false, ownerId: 'alice' }, { isPublic: true }, 'bob')).toBe(false);
    const { Team: _team, ...withoutTeam } = policy;
    expect(() => enforceAccess(makeExecutableSchema({ typeDefs, resolvers }), withoutTeam)).toThrow(
      'No access rule declared for Team',
    );
    expect(() =>
      enforceAccess(makeExecutableSchema({ typeDefs, resolvers }), { ...policy, Ghost: { value: true } }),
    ).toThrow('Ghost');
  });
});
