// Every route of every upstream, fed random JSON and mutations of a valid body: the only
// outcomes are a parsed value or an UpstreamContractError, never another exception. The route
// lists come from the route tables themselves (a route without a parser fails the test), and
// the valid sample of each schema is derived from the schema, so a new field is covered too.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { z } from 'zod';
import type { UpstreamClient } from '../../lib/http-client.ts';
import { UpstreamContractError, parseUpstream } from '../../lib/upstream-contract.ts';
import {
  CARBONCLOUD_ROUTES,
  CARBONCLOUD_SCHEMAS,
  carbonCloudRouteName,
  tokenAnswer,
} from '../../subgraphs/footprints/upstream/client.ts';
import { LUNE_ROUTES, LuneApi } from '../../subgraphs/marketplace/offsets/upstream/client.ts';
import { placedOrderOf } from '../../subgraphs/marketplace/offsets/upstream/mappers.ts';
import { LuneAccount, LuneOrder, LuneOrderPage, LuneQuote } from '../../subgraphs/marketplace/offsets/upstream/wire.ts';
import { CO2TRUST_ROUTES, CO2TRUST_SCHEMAS } from '../../subgraphs/marketplace/upstream/client.ts';
import { PAYMENTS_ROUTES, PAYMENTS_SCHEMAS } from '../../subgraphs/payments/upstream/client.ts';
import { ICR_ROUTES, PURO_ROUTES, PURO_SCHEMAS } from '../../subgraphs/registry/upstream/client.ts';
import { ICR_SCHEMAS } from '../../subgraphs/registry/upstream/icr-schemas.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);

/** One way a route's answer is read: the schema it is parsed with (and a valid sample), or the code that reads it. */
interface Parser {
  name: string;
  /** Reads a body; may only return or throw an UpstreamContractError. */
  read: (body: unknown) => unknown;
  /** A body the parser accepts, to mutate. */
  sample: unknown;
}

type Table<R> = { [K in keyof R]: Parser[] };

// ---- a valid sample of a zod schema, derived from the schema ----------------------------

const LEAF_CANDIDATES: unknown[] = [
  '2025-01-02T03:04:05.000Z',
  '2025-01-02',
  '2025',
  '1.5',
  'SE',
  'created',
  'removal',
  'order',
  'id-1',
  1,
  2,
  true,
  false,
  {},
  null,
];

/** The sample the schema's structure gives, or else the first leaf candidate the schema accepts. */
function sampleOf(schema: z.ZodType): unknown {
  const derived = structuralSample(schema);
  if (schema.safeParse(derived).success) return derived;
  const found = LEAF_CANDIDATES.find((c) => schema.safeParse(c).success);
  return found === undefined ? derived : found;
}

function structuralSample(schema: z.ZodType): unknown {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  switch (def.type) {
    case 'object': {
      const shape = def.shape as Record<string, z.ZodType>;
      return Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, sampleOf(v)]));
    }
    case 'array':
      return [sampleOf(def.element as z.ZodType), sampleOf(def.element as z.ZodType)];
    case 'record':
      return { [String(sampleOf(def.keyType as z.ZodType))]: sampleOf(def.valueType as z.ZodType) };
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
      return sampleOf(def.innerType as z.ZodType);
    case 'pipe':
      return sampleOf(def.in as z.ZodType);
    case 'union':
      for (const option of def.options as z.ZodType[]) {
        const s = sampleOf(option);
        if (option.safeParse(s).success) return s;
      }
      return null;
    default:
      return null;
  }
}

const fromSchema = (name: string, schema: z.ZodType, upstream: string, route: string): Parser => ({
  name,
  read: (body) => parseUpstream(schema, body, { upstream, route }),
  sample: sampleOf(schema),
});

// ---- the route tables, each route with its parsers ------------------------------------------

const co2 = (schema: keyof typeof CO2TRUST_SCHEMAS) => fromSchema(schema, CO2TRUST_SCHEMAS[schema], 'co2trust', schema);
/** CO2Trust core: each route with the schemas its answers are parsed by (marketplace/upstream/source.ts). */
const CORE: Table<typeof CO2TRUST_ROUTES> = {
  authenticate: [co2('authenticate')],
  products: [co2('products')],
  product: [co2('product')],
  productOptions: [co2('productOptions')],
  suppliers: [co2('suppliers')],
  supplier: [co2('supplier')],
  supplierOptions: [co2('supplierOptions')],
  traders: [co2('traders')],
  trader: [co2('trader')],
  impactPartners: [co2('impactPartners')],
  impactPartner: [co2('impactPartner')],
  orders: [co2('orders'), co2('order')],
  order: [co2('order')],
  userOrders: [co2('orders')],
  userPurchasedOrders: [co2('orders')],
  nfts: [co2('nfts')],
  mintableNfts: [co2('nfts')],
  userNfts: [co2('nfts')],
  nft: [co2('nft')],
  bundleOrders: [co2('bundleOrders'), co2('order')],
  bundleOrder: [co2('bundleOrder')],
  productOrders: [co2('productOrders')],
  productOrder: [co2('productOrder')],
  sync: [co2('sync')],
  upsert: [co2('product'), co2('supplier'), co2('trader'), co2('impactPartner'), co2('nft')],
  upsertOne: [co2('product'), co2('supplier'), co2('trader'), co2('impactPartner'), co2('nft')],
  mailingList: [co2('mailingList'), co2('mailingListEntry')],
};

const pay = (schema: keyof typeof PAYMENTS_SCHEMAS) => fromSchema(schema, PAYMENTS_SCHEMAS[schema], 'co2trust', schema);
/** CO2Trust payments (payments/upstream/source.ts). */
const PAYMENTS: Table<typeof PAYMENTS_ROUTES> = {
  stats: [pay('stats')],
  globalStats: [pay('globalStats')],
  quarterlyStats: [pay('quarterlyStats')],
  transactions: [pay('transactions')],
  userTransactions: [pay('transactions')],
  bankAccounts: [pay('bankAccounts'), pay('bankAccount')],
  transfers: [pay('transfers'), pay('transfer')],
};

/** CO2Trust Puro (registry/upstream/source.ts): PURO_SCHEMAS is keyed by the route table. */
const PURO = Object.fromEntries(
  Object.keys(PURO_ROUTES).map((k) => [
    k,
    [fromSchema(k, PURO_SCHEMAS[k as keyof typeof PURO_SCHEMAS], 'co2trust', k)],
  ]),
) as Table<typeof PURO_ROUTES>;

/** ICR (registry/upstream/icr.ts): ICR_SCHEMAS is keyed by the route table. */
const ICR = Object.fromEntries(
  Object.keys(ICR_ROUTES).map((k) => [k, [fromSchema(k, ICR_SCHEMAS[k as keyof typeof ICR_SCHEMAS], 'icr', k)]]),
) as Table<typeof ICR_ROUTES>;

/** CarbonCloud (footprints/upstream/source.ts): every method of CARBONCLOUD_SCHEMAS, keyed by the route table. */
const CARBONCLOUD = Object.fromEntries(
  Object.keys(CARBONCLOUD_ROUTES).map((k) => {
    const route = k as keyof typeof CARBONCLOUD_ROUTES;
    const methods = (CARBONCLOUD_SCHEMAS[route] ?? {}) as Record<string, z.ZodType>;
    return [
      k,
      Object.entries(methods).map(([m, schema]) =>
        fromSchema(`${m}`, schema, 'carboncloud', carbonCloudRouteName(route, m as 'GET')),
      ),
    ];
  }),
) as Table<typeof CARBONCLOUD_ROUTES>;
const CARBONCLOUD_AUTH: Table<{ token: string }> = {
  token: [fromSchema('token', tokenAnswer, 'carboncloud-auth', 'token')],
};

/** Lune answers a body (or bytes) as the stub says: the real LuneApi methods read it. */
function luneWith(body: unknown): LuneApi {
  const http = {
    json: async () => body,
    jsonOrNull: async () => body,
    request: async () => ({ status: 200, headers: {}, body }),
  };
  return new LuneApi(http as unknown as UpstreamClient);
}
const owner = { ownerId: 'u1', clientKey: 'k1' };
const placed = (kind: 'MASS' | 'VALUE' | 'ESTIMATE'): Parser => ({
  name: 'placedOrderOf',
  // The POST answer: the order exists once Lune answered 2xx, so it is mapped without throwing.
  read: (body) => placedOrderOf(body, owner, { kind, estimateId: null, fallbackId: 'entry-1' }),
  sample: sampleOf(LuneOrder),
});
/** Lune (marketplace/offsets/upstream): async readers are awaited by the runner. */
const LUNE: Table<typeof LUNE_ROUTES> = {
  account: [{ name: 'account', read: (b) => luneWith(b).account(), sample: sampleOf(LuneAccount) }],
  createByMass: [placed('MASS')],
  createByValue: [placed('VALUE')],
  createByEstimate: [placed('ESTIMATE')],
  quoteByMass: [{ name: 'quote', read: (b) => luneWith(b).quote('MASS', {}), sample: sampleOf(LuneQuote) }],
  quoteByValue: [{ name: 'quote', read: (b) => luneWith(b).quote('VALUE', {}), sample: sampleOf(LuneQuote) }],
  orders: [{ name: 'orders', read: (b) => luneWith(b).orders(10, null), sample: sampleOf(LuneOrderPage) }],
  order: [{ name: 'order', read: (b) => luneWith(b).order('o1'), sample: sampleOf(LuneOrder) }],
  byIdempotencyKey: [
    {
      name: 'orderByIdempotencyKey',
      read: (b) => luneWith(b).orderByIdempotencyKey('k1'),
      sample: sampleOf(LuneOrder),
    },
  ],
  certificate: [{ name: 'certificate', read: (b) => luneWith(b).certificate('o1'), sample: Buffer.from('%PDF-1.4') }],
};

const UPSTREAMS: {
  upstream: string;
  routes: Record<string, unknown>;
  parsers: Record<string, Parser[] | undefined>;
}[] = [
  { upstream: 'co2trust core', routes: CO2TRUST_ROUTES, parsers: CORE },
  { upstream: 'co2trust payments', routes: PAYMENTS_ROUTES, parsers: PAYMENTS },
  { upstream: 'co2trust puro', routes: PURO_ROUTES, parsers: PURO },
  { upstream: 'icr', routes: ICR_ROUTES, parsers: ICR },
  { upstream: 'carboncloud', routes: CARBONCLOUD_ROUTES, parsers: CARBONCLOUD },
  { upstream: 'carboncloud auth', routes: { token: '' }, parsers: CARBONCLOUD_AUTH },
  { upstream: 'lune', routes: LUNE_ROUTES, parsers: LUNE },
];

// ---- mutations of a valid body ---------------------------------------------------------------

type Path = (string | number)[];
type Mutation = 'rename' | 'stringForNumber' | 'unknownEnum' | 'remove' | 'extra' | 'null' | 'wrongType';
const MUTATIONS: Mutation[] = ['rename', 'stringForNumber', 'unknownEnum', 'remove', 'extra', 'null', 'wrongType'];

/** Every path to a value inside a body (the body itself is `[]`). */
function pathsOf(value: unknown, at: Path = []): Path[] {
  const inner = Array.isArray(value)
    ? value.flatMap((v, i) => pathsOf(v, [...at, i]))
    : value && typeof value === 'object' && !Buffer.isBuffer(value)
      ? Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...at, k]))
      : [];
  return [at, ...inner];
}

function mutate(body: unknown, path: Path, how: Mutation): unknown {
  const copy = structuredClone(body);
  if (path.length === 0)
    return how === 'extra' && copy && typeof copy === 'object'
      ? Object.assign(copy, { unexpected: 1 })
      : how === 'null'
        ? null
        : 'not a body';
  const parent = path
    .slice(0, -1)
    .reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], copy) as Record<string | number, unknown>;
  const key = path.at(-1)!;
  const old = parent[key];
  switch (how) {
    case 'rename':
      delete parent[key];
      if (!Array.isArray(parent)) parent[`${String(key)}_renamed`] = old;
      break;
    case 'stringForNumber':
      parent[key] = typeof old === 'number' ? String(old) : 'twelve';
      break;
    case 'unknownEnum':
      parent[key] = 'SOMETHING_NEW';
      break;
    case 'remove':
      delete parent[key];
      break;
    case 'extra':
      if (old && typeof old === 'object' && !Array.isArray(old))
        (old as Record<string, unknown>).unexpected = { nested: [1, 'x'] };
      else parent[key] = [old];
      break;
    case 'null':
      parent[key] = null;
      break;
    case 'wrongType':
      parent[key] = typeof old === 'string' ? 42 : typeof old === 'number' ? { n: old } : 'text';
      break;
  }
  return copy;
}

/** Runs a parser; resolves to 'parsed' or 'contract', and rejects on any other exception. */
async function outcome(parser: Parser, body: unknown): Promise<'parsed' | 'contract'> {
  try {
    await parser.read(body);
    return 'parsed';
  } catch (error) {
    if (error instanceof UpstreamContractError) return 'contract';
    throw new Error(
      `${parser.name} threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)} for ${JSON.stringify(body)?.slice(0, 300)}`,
      { cause: error },
    );
  }
}

describe('every upstream route has a parser, and every parser only parses or refuses with UPSTREAM_CONTRACT', () => {
  for (const { upstream, routes, parsers } of UPSTREAMS) {
    describe(upstream, () => {
      it('every route of the route table has a parser', () => {
        const missing = Object.keys(routes).filter((k) => !parsers[k]?.length);
        expect(missing).toEqual([]);
      });

      for (const route of Object.keys(routes)) {
        for (const parser of parsers[route] ?? []) {
          const label = `${route} (${parser.name})`;

          it(`${label}: its valid sample parses`, async () => {
            expect(await outcome(parser, parser.sample)).toBe('parsed');
          });

          it(`${label}: random JSON is parsed or UPSTREAM_CONTRACT`, async () => {
            await fc.assert(
              fc.asyncProperty(
                fc.oneof(
                  fc.json().map((s) => JSON.parse(s) as unknown),
                  fc.jsonValue(),
                  fc.anything(),
                ),
                async (body) => {
                  await outcome(parser, body);
                },
              ),
              { numRuns: RUNS, seed: SEED },
            );
          });

          it(`${label}: a mutated valid body is parsed or UPSTREAM_CONTRACT`, async () => {
            const paths = pathsOf(parser.sample);
            await fc.assert(
              fc.asyncProperty(fc.constantFrom(...paths), fc.constantFrom(...MUTATIONS), async (path, how) => {
                await outcome(parser, mutate(parser.sample, path, how));
              }),
              { numRuns: RUNS * 2, seed: SEED },
            );
          });
        }
      }
    });
  }
});
