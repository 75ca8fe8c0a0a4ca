// Schema-aware fuzzing of the whole API through the real gateway: for every query and mutation
// field of the composed schema, fast-check generates arguments from their input types (edge
// strings: NUL, huge, unicode; numbers and decimals out of range; unknown ids and real demo ids)
// and sends them signed in and anonymously (and once each as an admin with every string holding NUL). No answer may be an HTTP 5xx or an internal error
// (masked or not), every answer must have the shape its operation asks for (response-check.ts),
// every subgraph must still be up, and the ledgers must hold their invariants.
// The run is bounded (FUZZ_RUNS per field, default 3) and repeatable (FUZZ_SEED, default 20261201).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
} from 'graphql';
import { openDatabase } from '../../lib/db.ts';
import { DEMO } from '../../demo/data.ts';
import { ROOT } from '../../lib/paths.ts';
import { entities as marketplaceEntities } from '../../subgraphs/marketplace/entities.ts';
import { BundleOrder, Product } from '../../subgraphs/marketplace/local/entities.ts';
import { MIGRATIONS as MARKETPLACE_MIGRATIONS } from '../../subgraphs/marketplace/server.ts';
import { Balance, Credit, entities as registryEntities } from '../../subgraphs/registry/local/entities.ts';
import { ledgerTotals } from '../../subgraphs/registry/local/ledger.ts';
import { MIGRATIONS as REGISTRY_MIGRATIONS } from '../../subgraphs/registry/server.ts';
import { TEST_SECRETS, tokenFor } from '../support/env.ts';
import { checkResponse } from '../support/response-check.ts';
import { startStack, type Stack } from '../support/stack.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const RUNS = Number(process.env.FUZZ_RUNS ?? 3);

const schema = buildSchema(readFileSync(join(ROOT, 'schema/api.graphql'), 'utf8'));

/** Ids that exist in the demo data, so generated input reaches past "not found". */
const demoIds = [
  ...Object.values(DEMO.users).map((u) => u.id),
  ...DEMO.products,
  ...DEMO.suppliers,
  ...DEMO.orders,
  ...DEMO.nfts,
  ...Object.values(DEMO.organizations),
  ...DEMO.projects,
  ...DEMO.groups,
  ...DEMO.resoldProducts,
  ...DEMO.bundleOrders,
  ...DEMO.offsetOrders,
  ...DEMO.emissionEstimates,
];

const edgeStrings = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  'x'.repeat(20_000),
  '💩🏳️‍🌈 ünïcödé 𝔘',
  '\uD800',
  '\u202Eevil',
  "'; drop table users; --",
  '%s%n%x',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '00000000-0000-4000-8000-000000000000',
  'alice@buyer.example',
);
const strings = fc.oneof(
  { weight: 3, arbitrary: edgeStrings },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.constantFrom(...demoIds) },
);
const decimals = fc.oneof(
  fc.constantFrom(
    '0',
    '1',
    '-1',
    '0.5',
    '12.50',
    '1e5',
    '-0',
    '1000000000000',
    '1000000000000.01',
    '99999999999999999999999',
    '0.0000000000001',
    '9223372036854775808',
    'NaN',
    'Infinity',
    ' 1 ',
    '1.',
    '.5',
  ),
  fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.integer({ min: 0, max: 10_000 }).map((n) => (n / 100).toFixed(2)),
);
const ints = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, 1, -1, 100, 101, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 53, 1990, 2026, 2100),
);

const SCALARS: Record<string, fc.Arbitrary<unknown>> = {
  String: strings,
  ID: fc.oneof(fc.constantFrom(...demoIds), strings),
  Int: ints,
  Float: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), ints),
  Boolean: fc.boolean(),
  Decimal: decimals,
  DateTime: fc.oneof(
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    fc.constantFrom('2026-13-01T00:00:00Z', 'yesterday', '9999-12-31T23:59:59Z'),
    strings,
  ),
  Date: fc.oneof(fc.constantFrom('2026-01-31', '2024-02-29', '2026-02-30', '0000-01-01', '9999-12-31'), strings),
  CountryCode: fc.oneof(fc.constantFrom('SE', 'DE', 'US', 'XX', 'se', ''), strings),
  CurrencyCode: fc.oneof(fc.constantFrom('EUR', 'SEK', 'USD', 'JPY', 'XXX', 'eur'), strings),
};

/** A value for an input type; now and then a value of the wrong shape (the API must answer 400). */
function valueOf(type: GraphQLInputType, depth = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return typed(type.ofType, depth);
  return fc.option(typed(type, depth), { nil: null, freq: 4 });
}

function typed(type: GraphQLInputType, depth: number): fc.Arbitrary<unknown> {
  const proper = ((): fc.Arbitrary<unknown> => {
    if (isListType(type)) return fc.array(valueOf(type.ofType, depth + 1), { maxLength: depth > 2 ? 0 : 3 });
    if (isEnumType(type)) return fc.constantFrom(...type.getValues().map((v) => v.value as string));
    if (isInputObjectType(type)) {
      const fields = Object.values(type.getFields());
      const shape = Object.fromEntries(fields.map((f) => [f.name, valueOf(f.type, depth + 1)]));
      return fc.record(shape, { requiredKeys: fields.filter((f) => isNonNullType(f.type)).map((f) => f.name) });
    }
    return SCALARS[type.name] ?? strings;
  })();
  return fc.oneof({ weight: 19, arbitrary: proper }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) });
}

const EXAMPLE_SCALARS: Record<string, unknown> = {
  Int: 1,
  Float: 1.5,
  Boolean: true,
  Decimal: '1',
  DateTime: '2026-01-31T12:00:00Z',
  Date: '2026-01-31',
  CountryCode: 'SE',
  CurrencyCode: 'EUR',
};

/** A well-formed value in which every string is 'a\u0000b': each field is tried once with it as an admin. */
function nulExampleOf(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return nulExampleOf(type.ofType);
  if (isListType(type)) return [nulExampleOf(type.ofType)];
  if (isEnumType(type)) return type.getValues()[0]!.value;
  if (isInputObjectType(type))
    return Object.fromEntries(Object.values(type.getFields()).map((f) => [f.name, nulExampleOf(f.type)]));
  return type.name in EXAMPLE_SCALARS ? EXAMPLE_SCALARS[type.name] : 'a\u0000b';
}

/** Every leaf field (without required arguments) and, one level down, those of nested objects. */
function selectionOf(type: GraphQLOutputType, depth: number): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return '';
  if (!isObjectType(named) || depth < 0) return '{ __typename }';
  const parts = ['__typename'];
  for (const field of Object.values(named.getFields())) {
    if (field.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined)) continue;
    if (isLeafType(getNamedType(field.type))) parts.push(field.name);
    else if (depth > 0) parts.push(`${field.name} ${selectionOf(field.type, depth - 1)}`);
  }
  return `{ ${parts.join(' ')} }`;
}

function operationOf(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>): string {
  const variables = field.args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  const args = field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
  return `${kind} Fuzz${variables ? `(${variables})` : ''} { ${field.name}${args ? `(${args})` : ''} ${selectionOf(field.type, 1)} }`;
}

type Body = { errors?: { message: string; extensions?: Record<string, unknown> }[] };

function parsed(text: string): Body | null {
  try {
    return JSON.parse(text) as Body;
  } catch {
    return null;
  }
}

/** What a response must never show: a 5xx, a stack, SQL, a path of the code, an unmasked internal error. */
function problemsOf(status: number, body: Body | null): string[] {
  const problems: string[] = [];
  if (status >= 500) problems.push(`HTTP ${status}`);
  if (body === null) return [...problems, 'not JSON'];
  for (const error of body.errors ?? []) {
    const code = error.extensions?.code;
    if (error.extensions?.stacktrace !== undefined) problems.push(`stacktrace in ${String(code)}`);
    // An internal error is a bug even when masked (a 500 in disguise); unmasked it also leaks.
    if (code === 'INTERNAL_SERVER_ERROR')
      problems.push(
        error.message === 'Internal server error' ? 'internal error' : `unmasked internal error: ${error.message}`,
      );
    if (
      /\.ts:\d+|node_modules|SQLITE_|syntax error at|violates|duplicate key|invalid byte sequence/i.test(error.message)
    )
      problems.push(`internal detail in "${error.message.slice(0, 120)}"`);
  }
  return problems;
}

describe('API fuzzing through the gateway (local mode)', () => {
  let stack: Stack;
  const tokens: Record<'none' | 'alice' | 'admin', string | undefined> = {
    none: undefined,
    alice: undefined,
    admin: undefined,
  };
  /** Internal errors seen (masked as they must be), and how far requests got: printed for whoever reads the run. */
  const internal = new Map<string, number>();
  const seen = { requests: 0, executed: 0 };

  beforeAll(async () => {
    stack = await startStack('local');
    tokens.alice = await tokenFor(DEMO.users.alice);
    tokens.admin = await tokenFor(DEMO.users.admin);
  }, 60_000);
  afterAll(async () => {
    process.stdout.write(
      `fuzz: ${seen.requests} requests, ${seen.executed} executed (the rest refused as invalid requests); masked internal errors by field: ${JSON.stringify(Object.fromEntries(internal))}\n`,
    );
    await stack?.stop();
  });

  const send = async (query: string, variables: unknown, who: keyof typeof tokens, backendKey: boolean) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (tokens[who]) headers.authorization = `Bearer ${tokens[who]}`;
    if (backendKey) headers['x-backend-secret-key'] = TEST_SECRETS.BACKEND_SECRET_KEY;
    const res = await fetch(stack.gateway.url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    return { status: res.status, body: parsed(await res.text()) };
  };

  const fieldsOf = (kind: 'query' | 'mutation') => {
    const root = kind === 'query' ? schema.getQueryType() : schema.getMutationType();
    return Object.values(root?.getFields() ?? {}).map((field) => [kind, field] as const);
  };

  it(`no input to any query or mutation gives a 5xx or an internal error (seed ${SEED}, ${RUNS} runs per field)`, async () => {
    const fields = [...fieldsOf('query'), ...fieldsOf('mutation')];
    expect(fields.length).toBeGreaterThan(50);
    for (const [kind, field] of fields) {
      const query = operationOf(kind, field);
      const args = fc.record(Object.fromEntries(field.args.map((a) => [a.name, valueOf(a.type)])), {
        requiredKeys: [],
      });
      await fc.assert(
        fc.asyncProperty(
          args,
          fc.constantFrom('none', 'alice', 'admin'),
          fc.boolean(),
          async (variables, who, backendKey) => {
            const { status, body } = await send(query, variables, who as keyof typeof tokens, backendKey);
            seen.requests++;
            if (status === 200) seen.executed++;
            if (body?.errors?.some((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR'))
              internal.set(field.name, (internal.get(field.name) ?? 0) + 1);
            expect(problemsOf(status, body)).toEqual([]);
            // And the answer is what the operation asked for, as the spec shapes it.
            if (body)
              expect(checkResponse(schema, query, variables as Record<string, unknown>, body as never)).toEqual([]);
          },
        ),
        {
          seed: SEED,
          numRuns: RUNS,
          endOnFailure: true,
          examples: [[Object.fromEntries(field.args.map((a) => [a.name, nulExampleOf(a.type)])), 'admin', false]],
        },
      );
    }
  }, 120_000);

  it('every subgraph is still up and the ledgers hold their invariants', async () => {
    const health = await fetch(`${new URL(stack.gateway.url).origin}/health`);
    expect(health.status).toBe(200);

    const registry = await openDatabase(stack.config, {
      name: 'registry',
      entities: registryEntities,
      migrationsPath: REGISTRY_MIGRATIONS,
    });
    try {
      const em = registry.fork();
      for (const credit of await em.find(Credit, {})) {
        const t = await ledgerTotals(registry.fork(), credit.id);
        expect({
          credit: credit.id,
          whole: t.issued === t.held + t.reserved + t.retired + t.cancelled,
          serialsUnique: t.serialsUnique,
          balancesMatch: t.balancesMatch,
        }).toEqual({
          credit: credit.id,
          whole: true,
          serialsUnique: true,
          balancesMatch: true,
        });
      }
      expect(await em.count(Balance, { $or: [{ heldTonnes: { $lt: 0n } }, { reservedTonnes: { $lt: 0n } }] })).toBe(0);
    } finally {
      await registry.close();
    }
    const marketplace = await openDatabase(stack.config, {
      name: 'marketplace',
      entities: marketplaceEntities,
      migrationsPath: MARKETPLACE_MIGRATIONS,
    });
    try {
      const em = marketplace.fork();
      expect(await em.count(Product, { availableGrams: { $lt: 0n } })).toBe(0);
      expect(await em.count(BundleOrder, { availableGrams: { $lt: 0n } })).toBe(0);
    } finally {
      await marketplace.close();
    }
  });
});
