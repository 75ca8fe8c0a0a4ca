// Input limits shared by every subgraph, through the real gateway: a NUL character in any string
// argument and an amount beyond the Decimal bounds are BAD_USER_INPUT naming the field (never an
// internal error), and money and mass beyond the domain limits are user errors that write nothing.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'graphql';
import { DEMO } from '../../demo/data.ts';
import { Decimal } from '../../lib/decimal.ts';
import { DomainError, ValidationErrors } from '../../lib/errors.ts';
import {
  MAX_MASS_GRAMS,
  MAX_MONEY_AMOUNT,
  MAX_SPEND_WITHOUT_MASS_CHECK,
  assertMassWithinLimit,
  assertMoneyWithinLimit,
  massLimitError,
  nulCharacterArgument,
} from '../../lib/limits.ts';
import { validatePaymentTransaction } from '../../subgraphs/payments/validation.ts';
import { tokenFor } from '../support/env.ts';
import { graphql, ok, type GraphQLResponse } from '../support/graphql.ts';
import { startStack, type Stack } from '../support/stack.ts';

const NUL = 'a\u0000b';
type Payload = { userErrors: { field: string[] | null; code: string }[] } & Record<string, unknown>;

describe('nulCharacterArgument', () => {
  it('names the variable path or the literal argument path holding a NUL character', () => {
    const doc = parse('mutation($input: X!) { a(input: $input) { b } c(x: { y: ["ok", "a\\u0000b"] }) }');
    expect(nulCharacterArgument(doc, { input: { name: 'fine', tags: ['ok', NUL] } })).toBe('input.tags.1');
    expect(nulCharacterArgument(doc, { input: { name: 'fine' } })).toBe('x.y.1');
    expect(nulCharacterArgument(parse('{ a(x: "fine") }'), { input: { name: 'fine' } })).toBeNull();
  });
});

describe('one money limit for the marketplace and payments', () => {
  it('payments records exactly the largest order total the marketplace accepts, and no more', () => {
    const record = (amount: string) => () =>
      validatePaymentTransaction({
        externalReference: 'o-1',
        type: 'ORDER',
        typeId: 'o-1',
        payerId: 'u-1',
        amount: new Decimal(amount),
        currency: 'EUR',
      });
    expect(record(MAX_MONEY_AMOUNT.toFixed())().amount.toFixed()).toBe('1000000000000');
    expect(record('1000000000000.01')).toThrow(ValidationErrors);
    expect(() => assertMoneyWithinLimit(MAX_MONEY_AMOUNT, 'EUR', 'input.quantity')).not.toThrow();
    expect(() => assertMoneyWithinLimit(new Decimal('1000000000000.01'), 'EUR', 'input.quantity')).toThrow(DomainError);
  });
});

describe('one mass limit for every mass held in grams', () => {
  it('accepts 10^9 t (10^15 g) and refuses one gram more, INVALID on the field', () => {
    expect(massLimitError(MAX_MASS_GRAMS, 'input.mass.amount')).toBeNull();
    expect(massLimitError(MAX_MASS_GRAMS + 1n, 'input.mass.amount')).toEqual({
      field: ['input', 'mass', 'amount'],
      code: 'INVALID',
      message: 'Quantity is at most 1000000000 t',
    });
    expect(() => assertMassWithinLimit(MAX_MASS_GRAMS + 1n, 'input.resoldProductId')).toThrow(DomainError);
    expect(MAX_SPEND_WITHOUT_MASS_CHECK.toFixed()).toBe('1000000000');
  });
});

describe('input limits through the gateway (local mode)', () => {
  let stack: Stack;
  const tokens = { admin: '', alice: '', bob: '' };
  const send = (query: string, variables: Record<string, unknown>, token?: string) =>
    graphql<Record<string, Payload>>(stack.gateway.url, query, variables, { token });

  beforeAll(async () => {
    stack = await startStack('local');
    for (const user of ['admin', 'alice', 'bob'] as const) tokens[user] = await tokenFor(DEMO.users[user]);
  });
  afterAll(() => stack?.stop());

  const expectBadInput = (res: GraphQLResponse<unknown>, field: string) => {
    expect(res.status).not.toBe(500);
    expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0]!.message).toContain(field);
  };

  it('a NUL character in a string of every subgraph is BAD_USER_INPUT naming the field', async () => {
    expectBadInput(
      await send(
        'mutation($input: CreateSupplierInput!) { createSupplier(input: $input) { userErrors { code } } }',
        { input: { name: NUL } },
        tokens.admin,
      ),
      'input.name',
    );
    expectBadInput(
      await send(
        'mutation($input: CreateBankAccountInput!) { createBankAccount(input: $input) { userErrors { code } } }',
        {
          input: {
            holderName: NUL,
            iban: 'SE4550000000058398257466',
            bic: 'ESSESESS',
            currency: 'SEK',
            countryCode: 'SE',
          },
        },
        tokens.alice,
      ),
      'input.holderName',
    );
    expectBadInput(
      await send(
        'mutation($input: CreditActionInput!) { transactCredits(input: $input) { userErrors { code } } }',
        {
          input: {
            organizationId: DEMO.organizations.nordicForest,
            action: 'RETIRE',
            creditId: 'x',
            amount: '1',
            retirement: { reason: 'r', beneficiaryName: NUL },
          },
        },
        tokens.bob,
      ),
      'input.retirement.beneficiaryName',
    );
    expectBadInput(
      await send(
        'mutation($input: CreateProductSupplierInput!) { createProductSupplier(input: $input) { userErrors { code } } }',
        { input: { groupId: DEMO.groups[0], name: `Supplier ${NUL}` } },
        tokens.admin,
      ),
      'input.name',
    );
    // A literal in the document, in a query, without a token.
    expectBadInput(
      await send('{ products(filter: { supplierId: "x\\u0000" }) { totalCount } }', {}),
      'filter.supplierId',
    );
  });

  it('a Decimal beyond 10^12 or with more than 12 decimal places is BAD_USER_INPUT naming the field', async () => {
    const create =
      'mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } userErrors { field code } } }';
    const product = (price: string, quantity = '10') => ({
      input: {
        name: 'Limits',
        productType: 'REMOVAL',
        supplierId: DEMO.suppliers[0],
        pricePerTonne: { amount: price, currency: 'EUR' },
        availableQuantity: quantity,
      },
    });
    expectBadInput(await send(create, product('1000000000000.01'), tokens.admin), 'input.pricePerTonne.amount');
    expectBadInput(await send(create, product('99999999999999999999999'), tokens.admin), 'input.pricePerTonne.amount');
    expectBadInput(await send(create, product('1', '0.0000000000001'), tokens.admin), 'input.availableQuantity');
    // Mass beyond 10^9 t is a user error on the field.
    const heavy = ok(await send(create, product('1', '1000000001'), tokens.admin)).createProduct!;
    expect(heavy.userErrors).toEqual([{ field: ['input', 'availableQuantity'], code: 'INVALID' }]);
  });

  it('sales volumes beyond 10^9 t are a user error on the field in footprints too', async () => {
    const create =
      'mutation($input: CreateResoldProductInput!) { createResoldProduct(input: $input) { resoldProduct { id } userErrors { field code } } }';
    const input = (tonnes: string) => ({
      groupId: DEMO.groups[0],
      name: 'Heavy product',
      pickUpLocation: 'A',
      productionLocation: 'B',
      shipToLocation: 'C',
      yearlySalesVolumes: [{ year: 2025, tonnes }],
    });
    const refused = ok(await send(create, { input: input('1000000000.5') }, tokens.admin)).createResoldProduct!;
    expect(refused).toEqual({
      resoldProduct: null,
      userErrors: [{ field: ['input', 'yearlySalesVolumes', '0', 'tonnes'], code: 'INVALID' }],
    });
    const heaviest = ok(await send(create, { input: input('1000000000') }, tokens.admin)).createResoldProduct!;
    expect(heaviest.userErrors).toEqual([]);
  });

  it('an order whose total payments would refuse is refused and writes nothing', async () => {
    const create =
      'mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } userErrors { field code } } }';
    const input = {
      name: 'Dear credits',
      productType: 'REMOVAL',
      supplierId: DEMO.suppliers[0],
      pricePerTonne: { amount: '1000000000000', currency: 'EUR' },
      availableQuantity: '10',
    };
    const productId = (ok(await send(create, { input }, tokens.admin)).createProduct!.product as { id: string }).id;
    const order =
      'mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { id } userErrors { field code } } }';
    const refused = ok(await send(order, { input: { productId, quantity: '1.5' } }, tokens.alice)).createOrder!;
    expect(refused).toEqual({ order: null, userErrors: [{ field: ['input', 'quantity'], code: 'INVALID' }] });
    // The inventory was not taken: exactly the limit still sells.
    const bought = ok(await send(order, { input: { productId, quantity: '1' } }, tokens.alice)).createOrder!;
    expect(bought.userErrors).toEqual([]);
    const left = ok(
      await send('query($id: ID!) { product(id: $id) { availableQuantity } }', { id: productId }, tokens.admin),
    ) as unknown as { product: { availableQuantity: string } };
    expect(left.product.availableQuantity).toBe('9');
  });
});
