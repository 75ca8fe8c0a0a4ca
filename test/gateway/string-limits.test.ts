// String limits through the gateway (local mode), the same on SQLite and PostgreSQL: a string one
// character over its field's limit is refused before anything is written (an INVALID user error
// on the field for a mutation, BAD_USER_INPUT for a query argument), and one of exactly the limit
// is stored whole. Before the limits, `createOrder.orderHash` and a retirement's beneficiary name
// over 255 characters were INTERNAL_SERVER_ERROR on PostgreSQL and accepted on SQLite.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { TEST_SECRETS, tokenFor } from '../support/env.ts';
import { graphql, ok } from '../support/graphql.ts';
import { startStack, type Stack } from '../support/stack.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

describe('string limits through the gateway (local mode)', () => {
  let stack: Stack;
  let alice: string;
  let admin: string;
  const gql = (query: string, variables: Record<string, unknown>, token?: string) =>
    graphql<Json>(stack.gateway.url, query, variables, { token });

  beforeAll(async () => {
    stack = await startStack('local');
    [alice, admin] = await Promise.all([tokenFor(DEMO.users.alice), tokenFor(DEMO.users.admin)]);
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('createOrder: an order hash of 256 characters is an INVALID user error and nothing is bought; 255 are stored whole', async () => {
    const CREATE = `mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { id orderHash } userErrors { field code message } } }`;
    const COUNT = `{ me { orders { totalCount } } product(id: "${DEMO.products[0]}") { availableQuantity } }`;
    const before = ok(await gql(COUNT, {}, alice));
    const input = (orderHash: string) => ({ productId: DEMO.products[0], quantity: '1', isPublic: false, orderHash });
    const refused = ok(await gql(CREATE, { input: input(`0x${'a'.repeat(254)}`) }, alice)).createOrder;
    expect(refused).toEqual({
      order: null,
      userErrors: [
        { field: ['input', 'orderHash'], code: 'INVALID', message: '"input.orderHash" has at most 255 characters' },
      ],
    });
    expect(ok(await gql(COUNT, {}, alice))).toEqual(before);
    const hash = `0x${'b'.repeat(253)}`;
    const placed = ok(await gql(CREATE, { input: input(hash) }, alice)).createOrder;
    expect(placed.userErrors).toEqual([]);
    expect(placed.order.orderHash).toBe(hash);
  });

  it('a retirement: a beneficiary name of 256 characters is an INVALID user error and nothing is retired; 255 are stored whole', async () => {
    const RETIRE = `mutation($input: RetireCreditsForOffsetOrderInput!) { retireCreditsForOffsetOrder(input: $input) { retirements { beneficiaryName } userErrors { field code } } }`;
    const service = { authorization: `Bearer ${TEST_SECRETS.SERVICE_TOKEN}` };
    const retire = (beneficiaryName: string, key: string) =>
      graphql<Json>(
        stack.subgraphs.registry.url,
        RETIRE,
        {
          input: {
            offsetOrderId: DEMO.offsetOrders[2],
            projectId: DEMO.offsetProjects[0],
            tonnes: 1,
            beneficiaryName,
            idempotencyKey: key,
          },
        },
        { headers: service },
      );
    const RETIREMENTS = `{ retirements(filter: { offsetOrderId: "${DEMO.offsetOrders[2]}" }) { totalCount } }`;
    const before = ok(await gql(RETIREMENTS, {}, admin));
    expect(ok(await retire('B'.repeat(256), 'limits-1')).retireCreditsForOffsetOrder).toEqual({
      retirements: null,
      userErrors: [{ field: ['input', 'beneficiaryName'], code: 'INVALID' }],
    });
    expect(ok(await gql(RETIREMENTS, {}, admin))).toEqual(before);
    const name = 'N'.repeat(255);
    const done = ok(await retire(name, 'limits-2')).retireCreditsForOffsetOrder;
    expect(done.userErrors).toEqual([]);
    expect(done.retirements.map((r: { beneficiaryName: string }) => r.beneficiaryName)).toEqual([name]);
  });

  it('a description over 2,000 characters is refused; a query argument over its limit is BAD_USER_INPUT', async () => {
    const CREATE = `mutation($input: CreateSupplierInput!) { createSupplier(input: $input) { supplier { id } userErrors { field code } } }`;
    const created = ok(
      await gql(CREATE, { input: { name: 'Long Text Forestry', description: 'd'.repeat(2001) } }, admin),
    ).createSupplier;
    expect(created).toEqual({ supplier: null, userErrors: [{ field: ['input', 'description'], code: 'INVALID' }] });
    const res = await gql(
      `query($c: String) { productSuppliers(groupId: "${DEMO.groups[0]}", customId: $c) { totalCount } }`,
      { c: 'c'.repeat(256) },
      admin,
    );
    expect(res.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
      ['BAD_USER_INPUT', '"customId" has at most 255 characters'],
    ]);
  });
});
