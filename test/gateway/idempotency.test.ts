// Every mutation whose input takes an `idempotencyKey` answers the same key with a different input
// with one code, IDEMPOTENCY_MISMATCH on `input.idempotencyKey` (local mode, through the gateway;
// the service-only registry mutation on the registry itself). The list of mutations comes from
// schema/api.graphql, so a new one without a case here fails the test.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildSchema, getNamedType, isInputObjectType } from 'graphql';
import { DEMO } from '../../demo/data.ts';
import { ROOT } from '../../lib/paths.ts';
import { DEMO_PAYMENTS } from '../../subgraphs/payments/local/seed.ts';
import { demoCredits } from '../../subgraphs/registry/local/seed.ts';
import { TEST_SECRETS, tokenFor } from '../support/env.ts';
import { graphql, ok } from '../support/graphql.ts';
import { startStack, type Stack } from '../support/stack.ts';

interface Case {
  /** A valid input (with its idempotency key). */
  input: Record<string, unknown>;
  /** What to change for "a different input". */
  change: Record<string, unknown>;
  /** The payload field to select besides `userErrors`. */
  select: string;
  as: 'alice' | 'service';
}

const retirement = { reason: 'Scope 1 compensation', beneficiaryName: 'Carbon Buyer Ltd', comment: 'Annual claim' };

const CASES: Record<string, Case> = {
  createOrder: {
    input: { productId: DEMO.products[0], quantity: '1', idempotencyKey: 'same-order' },
    change: { quantity: '2' },
    select: 'order { id }',
    as: 'alice',
  },
  createBundleOrder: {
    input: { bundleOrderId: DEMO.bundleOrders[0], quantity: '1', idempotencyKey: 'same-bundle' },
    change: { quantity: '2' },
    select: 'order { id }',
    as: 'alice',
  },
  createOffsetOrderByMass: {
    input: { mass: { amount: '1', unit: 'T' }, idempotencyKey: 'same-mass' },
    change: { mass: { amount: '2', unit: 'T' } },
    select: 'offsetOrder { id }',
    as: 'alice',
  },
  createOffsetOrderByValue: {
    input: { value: '50', currency: 'EUR', idempotencyKey: 'same-value' },
    change: { value: '60' },
    select: 'offsetOrder { id }',
    as: 'alice',
  },
  createOffsetOrderByEstimate: {
    input: { estimateId: DEMO.emissionEstimates[0], idempotencyKey: 'same-estimate' },
    change: { estimateId: DEMO.emissionEstimates[1] },
    select: 'offsetOrder { id }',
    as: 'alice',
  },
  createTransfer: {
    input: {
      bankAccountId: DEMO_PAYMENTS.bankAccounts.alice,
      amount: '1.00',
      currency: 'EUR',
      idempotencyKey: 'same-transfer',
    },
    change: { amount: '2.00' },
    select: 'transfer { id }',
    as: 'alice',
  },
  transactCredits: {
    input: {
      organizationId: DEMO.organizations.carbonBuyer,
      action: 'RETIRE',
      creditId: demoCredits[2]!.id,
      amount: '1',
      retirement,
      idempotencyKey: 'same-transact',
    },
    change: { amount: '2' },
    select: 'creditRequest { id }',
    as: 'alice',
  },
  requestCreditAction: {
    input: {
      organizationId: DEMO.organizations.carbonBuyer,
      action: 'RETIRE',
      creditId: demoCredits[2]!.id,
      amount: '1',
      retirement,
      idempotencyKey: 'same-request',
    },
    change: { amount: '2' },
    select: 'creditRequest { id }',
    as: 'alice',
  },
  offsetResoldProduct: {
    input: { resoldProductId: DEMO.resoldProducts[0], year: 2024, idempotencyKey: 'same-product' },
    change: { year: 2025 },
    select: 'offsetOrder { id }',
    as: 'alice',
  },
  retireCreditsForOffsetOrder: {
    input: {
      offsetOrderId: DEMO.offsetOrders[2],
      projectId: DEMO.offsetProjects[0],
      tonnes: 1,
      beneficiaryName: 'Alice Buyer',
      idempotencyKey: 'same-retirement',
    },
    change: { tonnes: 2 },
    select: 'retirements { id }',
    as: 'service',
  },
};

/** Mutations of the public schema whose input has an `idempotencyKey` field, with their input type. */
function keyedMutations(): Map<string, string> {
  const schema = buildSchema(readFileSync(join(ROOT, 'schema', 'api.graphql'), 'utf8'));
  const keyed = new Map<string, string>();
  for (const field of Object.values(schema.getMutationType()!.getFields())) {
    const input = field.args.find((a) => a.name === 'input');
    const type = input && getNamedType(input.type);
    if (type && isInputObjectType(type) && 'idempotencyKey' in type.getFields()) keyed.set(field.name, type.name);
  }
  return keyed;
}

describe('the same idempotency key with a different input is IDEMPOTENCY_MISMATCH everywhere', () => {
  let stack: Stack;
  let alice: string;
  const keyed = keyedMutations();

  beforeAll(async () => {
    stack = await startStack('local');
    alice = await tokenFor(DEMO.users.alice);
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('has a case for every mutation that takes an idempotencyKey', () => {
    expect([...keyed.keys()].sort()).toEqual(Object.keys(CASES).sort());
  });

  it.each(Object.keys(CASES))('%s', async (mutation) => {
    const c = CASES[mutation]!;
    const document = `mutation M($input: ${keyed.get(mutation)}!) { ${mutation}(input: $input) { ${c.select} userErrors { field code } } }`;
    const send = async (input: Record<string, unknown>) => {
      const res =
        c.as === 'service'
          ? await graphql(
              stack.subgraphs.registry.url,
              document,
              { input },
              { headers: { authorization: `Bearer ${TEST_SECRETS.SERVICE_TOKEN}` } },
            )
          : await graphql(stack.gateway.url, document, { input }, { token: alice });
      return ok(res)[mutation] as { userErrors: { field: string[]; code: string }[] };
    };
    expect((await send(c.input)).userErrors).toEqual([]);
    expect((await send(c.input)).userErrors).toEqual([]);
    expect((await send({ ...c.input, ...c.change })).userErrors).toEqual([
      { field: ['input', 'idempotencyKey'], code: 'IDEMPOTENCY_MISMATCH' },
    ]);
  });
});
