// Public subgraph fetches kept by the gateway, counted in subgraph requests (never in time): the
// public part of a query that is not public as a whole (a returning buyer's) is fetched once for
// every caller, while its private parts, entity fetches and anything under the access directives
// are fetched every time; answers with errors are not kept, identical fetches in flight share one
// request, every caller gets its own copy, and the response cache's invalidation drops them.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildSchema, parse, type ExecutionResult } from 'graphql';
import { Registry } from 'prom-client';
import { DEMO } from '../../demo/data.ts';
import type { SubgraphName } from '../../subgraphs/index.ts';
import { publicFetches } from '../../gateway/public-fetches.ts';
import { memoryResponseStore } from '../../gateway/response-cache.ts';
import { tokenFor } from '../support/env.ts';
import { graphql, ok } from '../support/graphql.ts';
import { countSubgraphRequests as countRequests, startStack, type Stack } from '../support/stack.ts';

describe('public subgraph fetches through the gateway', () => {
  let stack: Stack;
  let requests: Record<SubgraphName, number>;
  let alice: string;
  let bob: string;
  // A page size of its own per run: nothing kept by an earlier query of this suite answers here.
  const size = 2 + Math.floor(Math.random() * 5);

  beforeAll(async () => {
    stack = await startStack('local');
    requests = countRequests(stack);
    [alice, bob] = await Promise.all([tokenFor(DEMO.users.alice), tokenFor(DEMO.users.bob)]);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('a returning buyer’s query reads the public Puro inventory from the subgraph once for every caller; its own part every time', async () => {
    const query = `query($n: Int!) { me { id orders(first: 2) { nodes { id } } } puroInventory(first: $n) { nodes { id vintage } } }`;
    type Answer = { me: { id: string }; puroInventory: { nodes: { id: string }[] } };
    const first = ok(await graphql<Answer>(stack.gateway.url, query, { n: size }, { token: alice }));
    expect(first.puroInventory.nodes.length).toBeGreaterThan(0);
    const before = { ...requests };
    const me = new Set<string>();
    for (const token of [bob, alice, bob]) {
      const again = ok(await graphql<Answer>(stack.gateway.url, query, { n: size }, { token }));
      expect(again.puroInventory).toEqual(first.puroInventory);
      if (token === alice) expect(again.me.id).toBe(first.me.id);
      me.add(again.me.id);
    }
    expect(me.size).toBe(2);
    // Three more queries: the marketplace (`me`, never public) three times, the registry not at all.
    expect(requests.marketplace - before.marketplace).toBe(3);
    expect(requests.registry - before.registry).toBe(0);

    // Other variables are another fetch.
    ok(await graphql(stack.gateway.url, query, { n: size + 1 }, { token: alice }));
    expect(requests.registry - before.registry).toBe(1);

    const metrics = await (await fetch(new URL('/metrics', stack.gateway.url))).text();
    const hits = metrics
      .split('\n')
      .find(
        (l) =>
          l.startsWith('gateway_public_fetches_total{') &&
          l.includes('subgraph="registry"') &&
          l.includes('outcome="hit"'),
      );
    expect(Number(hits?.split(' ').pop())).toBeGreaterThanOrEqual(3);
  });

  it('an entity fetch (an NFT’s credit, from the registry) is never kept', async () => {
    const query = `{ me { id } nft(id: "${DEMO.nfts[0]}") { id credit { serialization } } }`;
    ok(await graphql(stack.gateway.url, query, {}, { token: alice }));
    const before = requests.registry;
    ok(await graphql(stack.gateway.url, query, {}, { token: alice }));
    ok(await graphql(stack.gateway.url, query, {}, { token: bob }));
    expect(requests.registry - before).toBe(2);
  });

  it('a root field without a hint beside a public one keeps the fetch from the cache', async () => {
    const query = `query($n: Int!) { me { id } puroInventory(first: $n) { nodes { id } } retirements(first: 1) { nodes { id } } }`;
    ok(await graphql(stack.gateway.url, query, { n: size }, { token: alice }));
    const before = requests.registry;
    ok(await graphql(stack.gateway.url, query, { n: size }, { token: alice }));
    expect(requests.registry - before).toBe(1);
  });
});

describe('public fetches: policy, copies, errors, sharing and invalidation', () => {
  const schema = buildSchema(`
    directive @cacheControl(maxAge: Int, scope: String) on FIELD_DEFINITION | OBJECT
    type Query { pub(n: Int): Item  priv: Item  plain: Item  mine: Item }
    type Mutation { touch: Item }
    type Item { id: ID! name: String inner: Item }
  `);
  const hints = {
    hints: new Map([
      ['Query.pub', { maxAge: 60, scope: 'PUBLIC' as const }],
      ['Query.priv', { maxAge: 60, scope: 'PRIVATE' as const }],
      ['Query.mine', { maxAge: 60, scope: 'PUBLIC' as const }],
      ['Mutation.touch', { maxAge: 60, scope: 'PUBLIC' as const }],
    ]),
    perCaller: new Set(['Query.mine']),
  };
  const setup = () => {
    const { store } = memoryResponseStore({ maxEntries: 100, maxBytes: 1 << 20 });
    const fetches = publicFetches(store, hints, new Registry());
    (fetches.plugin.onSchemaChange as (p: { schema: typeof schema }) => void)({ schema });
    let sent = 0;
    const answer = (result: ExecutionResult) => () => {
      sent++;
      return Promise.resolve(structuredClone(result));
    };
    const run = (query: string, fetch: () => Promise<ExecutionResult>, variables: Record<string, unknown> = {}) =>
      fetches.execute('sub', { document: parse(query), variables }, fetch) as Promise<ExecutionResult>;
    return { store, run, answer, sent: () => sent };
  };
  const item = { data: { pub: { id: '1', name: 'one' } } };

  it('keeps a public fetch for every caller, each with a copy of its own', async () => {
    const { run, answer, sent } = setup();
    const query = '{ pub(n: 1) { id name } }';
    const first = await run(query, answer(item));
    const second = await run(query, answer(item));
    expect(second).toEqual(item);
    expect(sent()).toBe(1);
    (second.data as { pub: { name: string } }).pub.name = 'changed';
    expect(await run(query, answer(item))).toEqual(item);
    expect(first).toEqual(item);
  });

  it('never keeps a PRIVATE, unhinted or per-caller fetch, nor a mutation', async () => {
    const { run, answer, sent } = setup();
    const queries = ['{ priv { id } }', '{ plain { id } }', '{ mine { id } }', '{ pub { id } plain { id } }'];
    for (const query of [...queries, 'mutation { touch { id } }'])
      for (let i = 0; i < 2; i++) await run(query, answer({ data: {} }));
    expect(sent()).toBe(10);
  });

  it('does not keep an answer with errors', async () => {
    const { run, answer, sent } = setup();
    const failed = { data: { pub: null }, errors: [{ message: 'down' }] } as unknown as ExecutionResult;
    await run('{ pub(n: 2) { id } }', answer(failed));
    await run('{ pub(n: 2) { id } }', answer(item));
    await run('{ pub(n: 2) { id } }', answer(item));
    expect(sent()).toBe(2);
  });

  it('identical fetches in flight share one request; other variables do not', async () => {
    const { run, answer, sent } = setup();
    const query = 'query($n: Int) { pub(n: $n) { id } }';
    const all = await Promise.all([
      run(query, answer(item), { n: 3 }),
      run(query, answer(item), { n: 3 }),
      run(query, answer(item), { n: 3 }),
      run(query, answer(item), { n: 4 }),
    ]);
    expect(all.every((r) => JSON.stringify(r) === JSON.stringify(item))).toBe(true);
    expect(new Set(all).size).toBe(4);
    expect(sent()).toBe(2);
  });

  it('the response cache’s invalidation of a selected type drops the kept fetch', async () => {
    const { store, run, answer, sent } = setup();
    const query = `{ pub(n: 5) { id inner { id } } }`;
    await run(query, answer(item));
    await run(query, answer(item));
    expect(sent()).toBe(1);
    await store.invalidate([{ typename: 'Item' }]);
    await run(query, answer(item));
    expect(sent()).toBe(2);
    await store.invalidate([{ typename: `Other${randomUUID().slice(0, 4)}` }]);
    await run(query, answer(item));
    expect(sent()).toBe(2);
  });
});
