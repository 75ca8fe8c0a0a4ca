// Who loads the API in the benchmark, and what each of them reads or writes. Every persona has
// distinct callers (one token each), seeded through the gateway's own mutations before the load:
//   returning  buyers with orders (and their payments), an NFT and an offset order: the headline
//   new        buyers signed in for the first time (no orders: payments is never reached)
//   anonymous  catalogue browsers without a token
//   member     members of a registry organization reading its inventory
//   admin      the admin (a token each) reading payments, orders and offset orders
// The mixed workload sends every persona's reads with about one request in ten a write: an order,
// an offset order by mass, or a product's yearly offset (a retry of the same key: idempotent).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { signToken } from '../lib/auth.ts';
import type { StackConfig as Config } from '../subgraphs/index.ts';
import { DEMO } from '../demo/data.ts';
import { ROOT } from '../lib/paths.ts';

export type PersonaName = 'returning' | 'new' | 'anonymous' | 'member' | 'admin';

/** The bench query (all four subgraphs), as new buyers send it. */
export const BENCH_QUERY = readFileSync(join(ROOT, 'bench', 'query.graphql'), 'utf8');

/** A returning buyer: the bench query, with the buyer's NFTs and offset orders. */
const RETURNING = `query ReturningBuyer {
  me {
    id
    orders(first: 5) { nodes { id totalPrice { amount currency } payments { nodes { amount { amount currency } } } } }
    nfts(first: 5) { nodes { id name tokenId quantity { amount unit } } }
  }
  offsetOrders(first: 5) { nodes { id status mass { amount unit } totalCost { amount currency } } }
  products(first: 10) {
    totalCount
    nodes { id name pricePerTonne { amount currency } supplier { name } }
  }
  nft(id: "${DEMO.nfts[0]}") { id tokenId credit { serialization vintage } }
  puroInventory(first: 5) { nodes { id } }
  resoldProduct(id: "${DEMO.resoldProducts[0]}") { id name footprint { total } }
}`;

const CATALOGUE = `query Catalogue {
  products(first: 20) { totalCount nodes { id name productType vintage pricePerTonne { amount currency } availableQuantity supplier { id name } } }
  suppliers(first: 10) { nodes { id name } }
  puroInventory(first: 10) { nodes { id } }
  creditTypes(first: 10) { nodes { code name } }
  paymentStats { global { transactionCount volumes { volume { amount currency } } } }
}`;

const MEMBER = `query OrganizationInventory {
  me { id }
  organization(id: "${DEMO.organizations.nordicForest}") {
    id
    name
    inventory(first: 20) { totalCount nodes { id amount { amount unit } serialization credit { id vintage project { id fullName } } } }
    creditRequests(first: 5) { nodes { id action } }
  }
}`;

const ADMIN = `query AdminOverview {
  paymentTransactions(first: 20) { totalCount nodes { id type status amount { amount currency } } }
  orders(first: 20) { totalCount nodes { id status totalPrice { amount currency } product { name } } }
  offsetOrders(first: 10) { nodes { id status mass { amount unit } } }
  paymentStats { global { transactionCount } }
}`;

export const PERSONA_QUERIES: Record<PersonaName, string> = {
  returning: RETURNING,
  new: BENCH_QUERY,
  anonymous: CATALOGUE,
  member: MEMBER,
  admin: ADMIN,
};

export const PERSONA_LABELS: Record<PersonaName, string> = {
  returning: 'returning buyer (orders, payments, NFTs, offset orders): the headline',
  new: 'new buyer, the bench query (no orders: never reaches payments)',
  anonymous: 'anonymous catalogue browser',
  member: 'organization member reading its inventory',
  admin: 'admin reading payments, orders and offset orders',
};

const CREATE_ORDER = `mutation Buy($input: CreateOrderInput!) { createOrder(input: $input) { order { id status } userErrors { field code message } } }`;
const CREATE_OFFSET = `mutation Offset($input: CreateOffsetOrderByMassInput!) { createOffsetOrderByMass(input: $input) { offsetOrder { id status } userErrors { field code message } } }`;
const OFFSET_PRODUCT = `mutation OffsetProduct($input: OffsetResoldProductInput!) { offsetResoldProduct(input: $input) { offsetOrder { id status } userErrors { field code message } } }`;
const CREATE_NFT = `mutation Nft($input: CreateNftInput!) { createNft(input: $input) { nft { id } userErrors { field code message } } }`;
const GRANT = `mutation Grant($input: OrganizationAccessInput!) { grantOrganizationAccess(input: $input) { member { userId } userErrors { field code message } } }`;

/** Every document the benchmark sends, checked against the API schema before anything starts. */
export function checkDocuments() {
  const schema = buildSchema(readFileSync(join(ROOT, 'schema', 'api.graphql'), 'utf8'));
  for (const doc of [
    ...Object.values(PERSONA_QUERIES),
    CREATE_ORDER,
    CREATE_OFFSET,
    OFFSET_PRODUCT,
    CREATE_NFT,
    GRANT,
  ]) {
    const errors = validate(schema, parse(doc));
    if (errors.length) throw new Error(`bench document does not validate: ${errors[0]!.message}\n${doc}`);
  }
}

export interface Callers {
  /** One token per connection for each signed-in persona; anonymous callers have none. */
  tokens: Record<Exclude<PersonaName, 'anonymous'>, string[]>;
}

type Gql = <T>(
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
  headers?: Record<string, string>,
) => Promise<T>;

/** A GraphQL client of the gateway that fails on any error (seeding must not half-succeed). */
function client(gatewayUrl: string): Gql {
  return async (query, variables = {}, token, headers = {}) => {
    const res = await fetch(gatewayUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: Record<string, { userErrors?: unknown[] }>; errors?: unknown[] };
    if (body.errors?.length || !body.data)
      throw new Error(`seeding failed: ${JSON.stringify(body.errors ?? body).slice(0, 500)}`);
    for (const payload of Object.values(body.data)) {
      if (payload && Array.isArray(payload.userErrors) && payload.userErrors.length)
        throw new Error(`seeding refused: ${JSON.stringify(payload.userErrors)}`);
    }
    return body.data as never;
  };
}

/** Runs `fn` for 0..n-1, a few at a time (the stack shares the machine with the load generator). */
async function each(n: number, fn: (i: number) => Promise<unknown>, parallel = 4) {
  for (let i = 0; i < n; i += parallel)
    await Promise.all(Array.from({ length: Math.min(parallel, n - i) }, (_v, k) => fn(i + k)));
}

/** Signs in `connections` callers per persona and gives the returning buyers and members their data. */
export async function seedCallers(
  gatewayUrl: string,
  config: Config,
  connections: number,
  run = Date.now().toString(36),
): Promise<Callers> {
  const gql = client(gatewayUrl);
  const signIn = async (email: string) => {
    const { authenticate } = await gql<{ authenticate: { accessToken: string; user: { id: string } } }>(
      `mutation SignIn($email: String!) { authenticate(input: { email: $email }) { accessToken user { id } } }`,
      { email },
      undefined,
      { 'x-backend-secret-key': config.backendSecretKey },
    );
    return { token: authenticate.accessToken, id: authenticate.user.id };
  };
  const admin = DEMO.users.admin;
  const admins = await Promise.all(
    Array.from({ length: connections }, (_v, i) => signToken(admin, config.jwtSecret, 3600 + i).then((t) => t.token)),
  );
  const tokens: Callers['tokens'] = { returning: [], new: [], member: [], admin: admins };

  await each(connections, async (i) => {
    tokens.new[i] = (await signIn(`bench-new-${run}-${i}@buyer.example`)).token;
    const member = await signIn(`bench-member-${run}-${i}@nordic-forest.example`);
    await gql(GRANT, { input: { organizationId: DEMO.organizations.nordicForest, userId: member.id } }, admins[0]);
    tokens.member[i] = member.token;

    const buyer = await signIn(`bench-returning-${run}-${i}@buyer.example`);
    tokens.returning[i] = buyer.token;
    for (const [k, productId] of [DEMO.products[0], DEMO.products[1], DEMO.products[2]].entries()) {
      await gql(
        CREATE_ORDER,
        { input: { productId, quantity: '0.01', idempotencyKey: `bench-${run}-${i}-order-${k}` } },
        buyer.token,
      );
    }
    await gql(
      CREATE_OFFSET,
      { input: { mass: { amount: '2', unit: 'KG' }, idempotencyKey: `bench-${run}-${i}-offset` } },
      buyer.token,
    );
    const token = { tokenAddress: '0x00000000000000000000000000000000000be4c1', tokenId: `${run}-${i}` };
    await gql(
      CREATE_NFT,
      {
        input: { name: `Bench credit ${i}`, ...token, supplierId: DEMO.suppliers[0], ownerId: buyer.id, quantity: '1' },
      },
      admins[0],
    );
  });
  await paymentsRecorded(gql, tokens.returning);
  return { tokens };
}

/** Waits until every returning buyer's orders have their payment (the marketplace records them through its outbox). */
async function paymentsRecorded(gql: Gql, buyers: string[]) {
  const q = `{ me { orders(first: 5) { nodes { payments { totalCount } } } } }`;
  for (let attempt = 0; attempt < 300; attempt++) {
    let missing = 0;
    for (const token of buyers) {
      const { me } = await gql<{ me: { orders: { nodes: { payments: { totalCount: number | null } }[] } } }>(
        q,
        {},
        token,
      );
      missing += me.orders.nodes.filter((o) => !o.payments.totalCount).length + Math.max(0, 3 - me.orders.nodes.length);
    }
    if (missing === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the returning buyers’ payments were not recorded in time');
}

const json = (query: string, variables?: Record<string, unknown>) =>
  JSON.stringify(variables ? { query, variables } : { query });
const headersOf = (token?: string): Record<string, string> => ({
  'content-type': 'application/json',
  ...(token ? { authorization: `Bearer ${token}` } : {}),
});

/** The read of a persona's caller (connection i). */
export function readOf(persona: PersonaName, callers: Callers, i: number) {
  const token = persona === 'anonymous' ? undefined : callers.tokens[persona][i % callers.tokens[persona].length];
  return { path: '/graphql', headers: headersOf(token), body: json(PERSONA_QUERIES[persona]) };
}

const PERSONAS: PersonaName[] = ['returning', 'new', 'anonymous', 'member', 'admin'];

/**
 * The mixed workload's n-th request on connection i: the reads of the persona that connection
 * stands for, with every tenth request (at a turn of the connection's own) a write by a buyer (the connection's own when it is a
 * buyer's, else a returning buyer's): an order of a few kilograms, an offset order by mass, or the
 * yearly offset of a resold product (one key per caller and product: later sends are retries).
 */
export function mixedRequest(callers: Callers, i: number, n: number, run: string) {
  const persona = PERSONAS[i % PERSONAS.length]!;
  // Connections write at different turns, so about a tenth of what is sent at any time is a write.
  if ((n + i) % 10 !== 9) return readOf(persona, callers, i);
  const buyers = persona === 'new' ? callers.tokens.new : callers.tokens.returning;
  const token = buyers[i % buyers.length]!;
  const write = (Math.floor((n + i) / 10) + i) % 3;
  const key = `mixed-${run}-${i}-${n}`;
  const body =
    write === 0
      ? json(CREATE_ORDER, { input: { productId: DEMO.products[2], quantity: '0.005', idempotencyKey: key } })
      : write === 1
        ? json(CREATE_OFFSET, { input: { mass: { amount: '1', unit: 'KG' }, idempotencyKey: key } })
        : json(OFFSET_PRODUCT, {
            input: {
              resoldProductId: DEMO.resoldProducts[0],
              year: 2024,
              idempotencyKey: `mixed-${run}-${i}-oat-drink-2024`,
            },
          });
  return { path: '/graphql', headers: headersOf(token), body, write: true };
}
