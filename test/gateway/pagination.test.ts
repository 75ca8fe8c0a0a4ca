// Keyset pagination through the gateway (local mode), over every connection field of the public
// schema that pages both ways: walking forwards and backwards (also as Relay's loadPrevious asks,
// `first` beside `last`) gives the same items, an offset cursor is refused, and a page stays put
// when rows are added or removed before it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { tokenFor } from '../support/env.ts';
import { codes, graphql, ok } from '../support/graphql.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { REACH, connectionFields, connectionQuery, pageIn, type Page } from './connections.ts';

/** Every connection field of the public schema that takes `last` and `before`. */
const twoWayConnections = () =>
  connectionFields()
    .filter((f) => f.backwards)
    .map((f) => f.coordinate);

describe('keyset pagination through the gateway (local mode)', () => {
  let stack: Stack;
  let admin: string;
  let alice: string;
  /** Items seen on each list's walk. */
  const walked = new Map<string, number>();

  beforeAll(async () => {
    stack = await startStack('local');
    admin = await tokenFor(DEMO.users.admin);
    alice = await tokenFor(DEMO.users.alice);
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });

  const gql = <T>(query: string, token = admin) => graphql<T>(stack.gateway.url, query, {}, { token });

  async function page(coordinate: string, args: string): Promise<Page> {
    const query = connectionQuery(
      coordinate,
      args,
      '{ edges { cursor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }',
    );
    const found = pageIn(ok(await gql(query)));
    if (!found) throw new Error(`${coordinate}: no page in the answer (is there a parent to reach it through?)`);
    return found;
  }

  it('knows how to reach every connection field that pages both ways', () => {
    expect(twoWayConnections().sort()).toEqual(Object.keys(REACH).sort());
  });

  it.each(Object.keys(REACH))(
    '%s: forwards and backwards walk the same items; an offset cursor is refused',
    async (coordinate) => {
      const forward: string[] = [];
      let next = await page(coordinate, 'first: 2');
      forward.push(...next.edges.map((e) => e.cursor));
      while (next.pageInfo.hasNextPage) {
        next = await page(coordinate, `first: 2, after: "${next.pageInfo.endCursor}"`);
        forward.push(...next.edges.map((e) => e.cursor));
      }
      const backward: string[] = [];
      let previous = await page(coordinate, 'last: 2');
      backward.unshift(...previous.edges.map((e) => e.cursor));
      for (let step = 1; previous.pageInfo.hasPreviousPage; step++) {
        // Every other page as Relay's loadPrevious asks for it: its fragment's default `first` beside `last`.
        const relayDefault = step % 2 === 0 ? 'first: 20, ' : '';
        previous = await page(coordinate, `${relayDefault}last: 2, before: "${previous.pageInfo.startCursor}"`);
        backward.unshift(...previous.edges.map((e) => e.cursor));
      }
      expect(backward).toEqual(forward);
      expect(new Set(forward).size).toBe(forward.length);
      walked.set(coordinate, forward.length);

      // An offset cursor of the same list (what local lists used to hand out) is refused.
      const { l } = forward[0]
        ? (JSON.parse(Buffer.from(forward[0], 'base64url').toString('utf8')) as { l?: string })
        : {};
      const offsetCursor = Buffer.from(JSON.stringify({ l, o: 0 })).toString('base64url');
      const refused = await gql(connectionQuery(coordinate, `first: 1, after: "${offsetCursor}"`, '{ totalCount }'));
      expect(codes(refused)).toContain('BAD_USER_INPUT');
      expect(refused.errors?.[0]?.message).toContain('Invalid cursor');
    },
  );

  it('walked many lists of more than one page (the demo data fills them)', () => {
    expect([...walked.values()].filter((n) => n > 2).length).toBeGreaterThanOrEqual(12);
  });

  it('after one new order, page 2 repeats no order of page 1', async () => {
    const place = (key: string) =>
      gql(
        `mutation { createOffsetOrderByMass(input: { mass: { amount: "1", unit: T }, idempotencyKey: "${key}" }) { offsetOrder { id } userErrors { code } } }`,
        alice,
      );
    ok(await place('pagination-1'));
    ok(await place('pagination-2'));
    type Orders = { offsetOrders: { nodes: { id: string }[]; pageInfo: { endCursor: string } } };
    const list = (args: string) =>
      gql<Orders>(`{ offsetOrders(${args}) { nodes { id } pageInfo { endCursor } } }`, alice);
    const first = ok(await list('first: 2')).offsetOrders;
    ok(await place('pagination-3'));
    const second = ok(await list(`first: 2, after: "${first.pageInfo.endCursor}"`)).offsetOrders;
    const firstIds = first.nodes.map((n) => n.id);
    expect(second.nodes.filter((n) => firstIds.includes(n.id))).toEqual([]);
    expect(second.nodes.length).toBeGreaterThan(0);
  });

  it('after a supplier of page 1 is deleted, page 2 skips nothing', async () => {
    type Suppliers = { productSuppliers: { nodes: { id: string; name: string }[]; pageInfo: { endCursor: string } } };
    const group = DEMO.groups[0];
    for (const name of ['Aardvark Farms', 'Abacus Mills', 'Acme Grain', 'Adder Oats']) {
      ok(
        await gql(
          `mutation { createProductSupplier(input: { groupId: "${group}", name: "${name}" }) { productSupplier { id } userErrors { code } } }`,
        ),
      );
    }
    const list = (args: string) =>
      gql<Suppliers>(`{ productSuppliers(groupId: "${group}", ${args}) { nodes { id name } pageInfo { endCursor } } }`);
    const everything = ok(await list('first: 100')).productSuppliers.nodes;
    const first = ok(await list('first: 2')).productSuppliers;
    ok(
      await gql(
        `mutation { deleteProductSupplier(input: { id: "${first.nodes[0]!.id}" }) { deletedProductSupplierId userErrors { code } } }`,
      ),
    );
    const second = ok(await list(`first: 2, after: "${first.pageInfo.endCursor}"`)).productSuppliers;
    expect(second.nodes).toEqual(everything.slice(2, 4));
  });
});
