// The gateway's response cache, counted in subgraph requests (never in time): a repeated public
// query is answered from the cache, a per-caller answer is never served to another caller, a
// mutation invalidates (also through another replica sharing Redis), and memory stays bounded.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildSchema, parse } from 'graphql';
import { DEMO } from '../../demo/data.ts';
import type { SubgraphName } from '../../subgraphs/index.ts';
import { serveGateway, loadSupergraph, type RunningGateway } from '../../gateway/server.ts';
import { cacheHintsOf, memoryResponseStore, policyOf } from '../../gateway/response-cache.ts';
import { tokenFor } from '../support/env.ts';
import { graphql, ok } from '../support/graphql.ts';
import { DEMO_IDS } from '../support/ids.ts';
import { countSubgraphRequests as countRequests, startStack, type Stack } from '../support/stack.ts';

/** A field alias of its own per run, so an answer kept in Redis by an earlier run never answers here. */
const run = `r${randomUUID().replaceAll('-', '')}`;

describe('response cache (in memory)', () => {
  let stack: Stack;
  let requests: Record<SubgraphName, number>;
  let admin: string;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    stack = await startStack('local');
    requests = countRequests(stack);
    [admin, alice, bob] = await Promise.all([
      tokenFor(DEMO.users.admin),
      tokenFor(DEMO.users.alice),
      tokenFor(DEMO.users.bob),
    ]);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('a repeated public query is answered from the cache, shared by every caller', async () => {
    const query = `{ ${run}: puroInventory(first: 3) { totalCount nodes { id vintage } } }`;
    const first = ok(await graphql(stack.gateway.url, query, {}, { token: alice }));
    const before = requests.registry;
    expect(ok(await graphql(stack.gateway.url, query, {}, { token: alice }))).toEqual(first);
    expect(ok(await graphql(stack.gateway.url, query, {}, { token: bob }))).toEqual(first);
    expect(ok(await graphql(stack.gateway.url, query))).toEqual(first);
    expect(requests.registry).toBe(before);
  });

  it('an answer from the cache says so, with its age and maxAge in seconds; a fresh answer says nothing', async () => {
    const query = `{ ${run}age: creditTypes(first: 1) { nodes { id } } }`;
    const post = async () => {
      const res = await fetch(stack.gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
      return (await res.json()) as { data: unknown; extensions?: Record<string, unknown> };
    };
    const fresh = await post();
    expect(fresh.extensions?.responseCache).toBeUndefined();
    const before = requests.registry;
    const cached = await post();
    expect(requests.registry).toBe(before);
    expect(cached.data).toEqual(fresh.data);
    expect(cached.extensions?.responseCache).toEqual({ hit: true, age: expect.any(Number), maxAge: 300 });
    expect((cached.extensions!.responseCache as { age: number }).age).toBeLessThanOrEqual(300);
  });

  it('a query with a field that has no hint is never cached', async () => {
    const query = `{ ${run}: puroInventory(first: 1) { nodes { id } } me { id } }`;
    await graphql(stack.gateway.url, query, {}, { token: alice });
    const before = requests.marketplace;
    expect(ok(await graphql<{ me: { id: string } }>(stack.gateway.url, query, {}, { token: alice })).me.id).toBe(
      DEMO_IDS.users.alice,
    );
    expect(requests.marketplace).toBe(before + 1);
  });

  it('a PRIVATE answer (the catalogue with a product only its owner and an admin see) is never served to another caller', async () => {
    // Not public: its owner (alice) and an admin see it, nobody else.
    const hidden = DEMO_IDS.products[3]!;
    const query = `{ ${run}: products(first: 100) { nodes { id } } }`;
    const ids = (data: Record<string, { nodes: { id: string }[] }>) => data[run]!.nodes.map((n) => n.id);

    expect(ids(ok(await graphql(stack.gateway.url, query, {}, { token: admin })))).toContain(hidden);
    let before = requests.marketplace;
    expect(ids(ok(await graphql(stack.gateway.url, query, {}, { token: admin })))).toContain(hidden);
    expect(requests.marketplace).toBe(before);

    for (const token of [bob, undefined]) {
      before = requests.marketplace;
      expect(ids(ok(await graphql(stack.gateway.url, query, {}, { token })))).not.toContain(hidden);
      expect(requests.marketplace).toBe(before + 1);
    }
    // Each caller's own answer is then kept for that caller.
    before = requests.marketplace;
    expect(ids(ok(await graphql(stack.gateway.url, query, {}, { token: bob })))).not.toContain(hidden);
    expect(requests.marketplace).toBe(before);
  });

  it('a mutation that returns a Product invalidates every kept answer with a Product', async () => {
    const product = DEMO_IDS.products[0]!;
    const query = `{ ${run}: products(first: 100) { nodes { id name } } }`;
    const nameIn = (data: Record<string, { nodes: { id: string; name: string }[] }>) =>
      data[run]!.nodes.find((n) => n.id === product)?.name;
    await graphql(stack.gateway.url, query);
    let before = requests.marketplace;
    const old = nameIn(ok(await graphql(stack.gateway.url, query)));
    expect(requests.marketplace).toBe(before);

    const renamed = `${old} (renamed ${run})`;
    ok(
      await graphql(
        stack.gateway.url,
        'mutation($id: ID!, $name: String) { updateProduct(input: { id: $id, name: $name }) { product { id } } }',
        { id: product, name: renamed },
        { token: admin },
      ),
    );
    before = requests.marketplace;
    expect(nameIn(ok(await graphql(stack.gateway.url, query)))).toBe(renamed);
    expect(requests.marketplace).toBe(before + 1);
  });
});

describe('response cache shared by gateway replicas (REDIS_URL)', () => {
  let stack: Stack;
  let other: RunningGateway;
  let requests: Record<SubgraphName, number>;
  let admin: string;

  beforeAll(async () => {
    stack = await startStack('local', { REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' });
    other = await serveGateway(stack.config, 0);
    requests = countRequests(stack);
    admin = await tokenFor(DEMO.users.admin);
  });
  afterAll(async () => {
    await other?.stop();
    await stack?.stop();
  });

  it("an answer kept through one replica is served by the other, and one replica's mutation invalidates it for both", async () => {
    const product = DEMO_IDS.products[1]!;
    const query = `{ ${run}: products(first: 100) { nodes { id name } } }`;
    const nameIn = (data: Record<string, { nodes: { id: string; name: string }[] }>) =>
      data[run]!.nodes.find((n) => n.id === product)?.name;
    // Until a replica's Redis connection is ready it answers without the cache.
    let before = 0;
    for (let tries = 0; tries < 50; tries++) {
      await graphql(stack.gateway.url, query);
      before = requests.marketplace;
      await graphql(other.url, query);
      if (requests.marketplace === before) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(requests.marketplace).toBe(before);

    const renamed = `Renamed ${run}`;
    ok(
      await graphql(
        stack.gateway.url,
        'mutation($id: ID!, $name: String) { updateProduct(input: { id: $id, name: $name }) { product { id } } }',
        { id: product, name: renamed },
        { token: admin },
      ),
    );
    before = requests.marketplace;
    expect(nameIn(ok(await graphql(other.url, query)))).toBe(renamed);
    expect(requests.marketplace).toBe(before + 1);
  });
});

describe('cache policy and bounds', () => {
  const hints = cacheHintsOf(loadSupergraph({ urlOf: () => 'http://127.0.0.1:1/graphql' } as never));
  const schema = buildSchema(`
    directive @cacheControl(maxAge: Int, scope: String) on FIELD_DEFINITION | OBJECT
    type Query { a: A @cacheControl(maxAge: 60) b: A @cacheControl(maxAge: 10, scope: "PRIVATE") c: A }
    type A { x: Int inner: A }
  `);
  const local = {
    hints: new Map([
      ['Query.a', { maxAge: 60 }],
      ['Query.b', { maxAge: 10, scope: 'PRIVATE' as const }],
    ]),
    perCaller: new Set(['A.inner']),
  };
  const policy = (q: string) => policyOf(parse(q), undefined, schema, local);

  it('reads hints and per-caller fields from the supergraph', () => {
    expect(hints.hints.get('Query.puroInventory')).toEqual({ maxAge: 60, scope: 'PUBLIC' });
    expect(hints.hints.get('Query.products')).toEqual({ maxAge: 60, scope: 'PRIVATE' });
    expect(hints.perCaller.has('Query.me')).toBe(true);
  });

  it('the smallest maxAge wins, an unhinted root field or a mutation is never cached, PRIVATE and per-caller fields make it per caller', () => {
    expect(policy('{ a { x } }')).toEqual({ maxAge: 60, scope: 'PUBLIC' });
    expect(policy('{ a { x } b { x } }')).toEqual({ maxAge: 10, scope: 'PRIVATE' });
    expect(policy('{ a { inner { x } } }')).toEqual({ maxAge: 60, scope: 'PRIVATE' });
    expect(policy('{ a { x } c { x } }').maxAge).toBe(0);
    expect(policy('{ __schema { queryType { name } } }').maxAge).toBe(0);
    expect(policy('mutation { a }').maxAge).toBe(0);
  });

  it('the memory store drops the least recently used answers beyond its byte budget, and their type tags with them', () => {
    const { store, entries } = memoryResponseStore({ maxEntries: 100, maxBytes: 1_000 });
    const answer = (n: number) => ({ data: { text: `${n}`.padEnd(150, '.') } });
    for (let n = 0; n < 5; n++) store.set(`k${n}`, answer(n), [{ typename: 'Product', id: n }], 60_000);
    expect(entries.bytes).toBeLessThanOrEqual(1_000);
    expect(entries.size).toBeLessThan(5);
    expect(store.get('k0')).toBeUndefined();
    expect(store.get('k4')).toEqual({ ...answer(4), extensions: { responseCache: { hit: true, age: 0, maxAge: 60 } } });
    store.invalidate([{ typename: 'Product', id: 99 }]);
    expect(entries.size).toBe(0);
    store.set('big', { data: { text: 'x'.repeat(1_000) } }, [], 60_000);
    expect(entries.size).toBe(0);
  });
});
