// End to end through the real gateway and the four real subgraph HTTP servers on loopback.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_QUERY, serveGateway } from '../../gateway/server.ts';
import { DEMO } from '../../demo/data.ts';
import { toGlobalId } from '../../lib/global-id.ts';
import {
  AcrossSubgraphsDocument,
  CreateOrderDocument,
  MailingListCountDocument,
  ProductCountDocument,
  ProductsAndViewerDocument,
  RootFieldsDocument,
  SignInDocument,
  ViewerAndProductsDocument,
  ViewerDocument,
  ViewerOrderPaymentsDocument,
} from '../__generated__/operations.ts';
import { MODES, TEST_SECRETS, tokenFor } from '../support/env.ts';
import { codes, graphql, ok } from '../support/graphql.ts';
import { startStack, type Stack } from '../support/stack.ts';

describe.each(MODES)('one query across all four subgraphs (%s mode)', (mode) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(mode);
  });
  afterAll(() => stack?.stop());

  it('follows the caller to orders and payments, an NFT to its registry credit, and a product to its footprint', async () => {
    const url = stack.gateway.url;
    const signIn = ok(
      await graphql(
        url,
        SignInDocument,
        { email: DEMO.users.alice.email },
        { headers: { 'x-backend-secret-key': TEST_SECRETS.BACKEND_SECRET_KEY } },
      ),
    );
    const token = signIn.authenticate.accessToken!;
    const data = ok(
      await graphql(url, AcrossSubgraphsDocument, { nft: DEMO.nfts[0], product: DEMO.resoldProducts[0] }, { token }),
    );
    expect(data.me?.id).toBe(toGlobalId('User', DEMO.users.alice.id));
    const order = data.me!.orders.nodes.find((o) => o.id === toGlobalId('Order', DEMO.orders[0]))!;
    expect(order.totalPrice).toEqual({ amount: '325.00', currency: 'EUR' });
    expect(order.payments.nodes).toEqual([{ amount: { amount: '325.00', currency: 'EUR' }, status: 'COMPLETED' }]);
    expect(data.nft?.tokenId).toBe(DEMO.tokens[0].tokenId);
    expect(data.nft?.credit?.serialization).toMatch(/^ICR-/);
    expect(data.resoldProduct?.id).toBe(toGlobalId('ResoldProduct', DEMO.resoldProducts[0]));
    expect(Number(data.resoldProduct?.footprint?.total)).toBeGreaterThan(0);
  });

  it("answers a write's idempotency key and warnings from the subgraph in the response's extensions", async () => {
    const url = stack.gateway.url;
    const signIn = ok(
      await graphql(
        url,
        SignInDocument,
        { email: DEMO.users.bob.email },
        { headers: { 'x-backend-secret-key': TEST_SECRETS.BACKEND_SECRET_KEY } },
      ),
    );
    const res = await graphql(
      url,
      CreateOrderDocument,
      { input: { productId: toGlobalId('Product', DEMO.products[0]), quantity: '0.001' } },
      { token: signIn.authenticate.accessToken! },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.createOrder.order?.id).toEqual(expect.any(String));
    // Upstream mode keys a write that came without a key (the write journal), so a retry can be matched.
    if (mode === 'upstream') expect(res.extensions?.idempotencyKey).toMatch(/^auto-/);
    else expect(res.extensions?.idempotencyKey).toBeUndefined();
    // A read carries nothing of the sort.
    const read = await graphql(url, ProductCountDocument, { first: 1 });
    expect(read.extensions?.idempotencyKey).toBeUndefined();
  });
});

describe('gateway (local mode)', () => {
  let stack: Stack;
  let origin: string;
  const url = () => stack.gateway.url;

  beforeAll(async () => {
    stack = await startStack('local');
    origin = new URL(stack.gateway.url).origin;
  });
  afterAll(() => stack?.stop());

  it('GET / answers API information and links', async () => {
    const res = await fetch(`${origin}/`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { links: Record<string, string>; subgraphs: string[] };
    expect(body.links).toEqual({
      graphql: `${origin}/graphql`,
      landingPage: `${origin}/graphql`,
      offsetPage: `${origin}/app/`,
      health: `${origin}/health`,
    });
    expect(body.subgraphs).toEqual(['marketplace', 'payments', 'registry', 'footprints']);
  });

  it('GET /health is 200 with every subgraph and database up', async () => {
    const res = await fetch(`${origin}/health`);
    const body = (await res.json()) as {
      status: string;
      down: string[];
      subgraphs: Record<string, { status: string; database?: { status: string } }>;
    };
    expect(res.status).toBe(200);
    expect(body.status).toBe('up');
    expect(body.down).toEqual([]);
    for (const name of ['marketplace', 'payments', 'registry', 'footprints']) {
      expect(body.subgraphs[name]).toMatchObject({ status: 'up', database: { status: 'up' } });
    }
  });

  it('serves a landing page that loads no assets from the internet', async () => {
    const res = await fetch(`${origin}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<title>Carbon market GraphQL API</title>');
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)="https?:\/\//);
  });

  it("the landing page's example query runs across subgraphs without errors", async () => {
    const data = ok(
      await graphql<{
        nft: { credit: { serialization: string } };
        paymentStats: { global: { transactionCount: number } };
      }>(url(), DEFAULT_QUERY),
    );
    expect(data.nft.credit.serialization).toMatch(/^ICR-/);
    expect(data.paymentStats.global.transactionCount).toBeGreaterThan(0);
  });

  it('introspection shows the root fields of all four subgraphs', async () => {
    const data = ok(await graphql(url(), RootFieldsDocument));
    const queries = data.__schema.queryType.fields!.map((f) => f.name);
    expect(queries).toEqual(
      expect.arrayContaining([
        'products',
        'me',
        'paymentStats',
        'organization',
        'puroInventory',
        'groups',
        'resoldProduct',
      ]),
    );
    const mutations = data.__schema.mutationType!.fields!.map((f) => f.name);
    expect(mutations).toEqual(
      expect.arrayContaining(['authenticate', 'createTransfer', 'transactCredits', 'createResoldProduct']),
    );
  });

  it('malformed GraphQL, unknown fields and wrong variable types are 400 for graphql-response+json (200 for plain JSON) with GraphQL errors', async () => {
    const modern = { headers: { accept: 'application/graphql-response+json' } };
    const parse = await graphql(url(), '{ products(first: ', undefined, modern);
    expect(parse.status).toBe(400);
    expect(codes(parse)).toEqual(['GRAPHQL_PARSE_FAILED']);
    const unknown = await graphql(url(), '{ products { nope } }', undefined, modern);
    expect(unknown.status).toBe(400);
    expect(codes(unknown)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const variable = await graphql(
      url(),
      'query($n: Int) { products(first: $n) { totalCount } }',
      { n: 'many' },
      modern,
    );
    expect(variable.status).toBe(400);
    expect(codes(variable)).toEqual(['BAD_USER_INPUT']);
    // A client that does not ask for graphql-response+json gets the spec's legacy 200, errors and no data.
    const legacy = await graphql(url(), '{ products { nope } }');
    expect([legacy.status, legacy.data, codes(legacy)]).toEqual([200, undefined, ['GRAPHQL_VALIDATION_FAILED']]);
    const badJson = await fetch(url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(badJson.status).toBe(400);
    const text = await badJson.text();
    expect(text).toContain('"errors"');
    expect(text).not.toMatch(/at .*\.(js|ts):\d+/);
  });

  it('refuses operations nested deeper than the limit, through fragments too', async () => {
    const shallow = await serveGateway({ ...stack.config, GATEWAY_MAX_DEPTH: 4 }, 0);
    try {
      const fits = await graphql(
        shallow.url,
        '{ products { nodes { ...P } } } fragment P on Product { supplier { ...S } } fragment S on Supplier { name }',
      );
      expect(fits.status).toBe(200);
      expect(fits.errors).toBeUndefined();
      for (const query of [
        '{ products { edges { node { supplier { name } } } } }',
        '{ products { edges { node { ...P } } } } fragment P on Product { supplier { ...S } } fragment S on Supplier { name }',
      ]) {
        const res = await graphql(shallow.url, query);
        expect(res.status).toBe(400);
        expect(res.errors?.[0]?.message).toBe('Query is nested deeper than 4 levels');
      }
    } finally {
      await shallow.stop();
    }
  });

  it('a field that needs a token gives UNAUTHENTICATED while public fields still answer', async () => {
    const res = await graphql(url(), ProductsAndViewerDocument);
    expect(res.data?.products.totalCount).toBeGreaterThan(0);
    expect(res.data?.me).toBeNull();
    expect(codes(res)).toEqual(['UNAUTHENTICATED']);
  });

  it('expired and forged tokens are refused by the gateway with a message saying why', async () => {
    const expired = await graphql(
      url(),
      ViewerDocument,
      {},
      { token: await tokenFor(DEMO.users.alice, { ttlSeconds: -5 }) },
    );
    expect(codes(expired)).toEqual(['UNAUTHENTICATED']);
    expect(expired.errors![0]!.message).toBe('Token has expired');
    const good = await tokenFor(DEMO.users.alice);
    const forged = await graphql(url(), ViewerDocument, {}, { token: `${good.slice(0, -3)}xyz` });
    expect(codes(forged)).toEqual(['UNAUTHENTICATED']);
    expect(forged.errors![0]!.message).toBe('Token is invalid');
  });

  it('a subgraph refuses a forged token even when called directly, past the gateway', async () => {
    const good = await tokenFor(DEMO.users.alice);
    const res = await graphql(
      stack.subgraphs.marketplace.url,
      ViewerDocument,
      {},
      { token: `${good.slice(0, -3)}xyz` },
    );
    expect(codes(res)).toEqual(['UNAUTHENTICATED']);
  });

  it('a user without the ADMIN scope gets FORBIDDEN on an admin-only field', async () => {
    const res = await graphql(url(), MailingListCountDocument, {}, { token: await tokenFor(DEMO.users.alice) });
    expect(codes(res)).toEqual(['FORBIDDEN']);
    const admin = await graphql(url(), MailingListCountDocument, {}, { token: await tokenFor(DEMO.users.admin) });
    expect(admin.errors).toBeUndefined();
  });

  it('identical concurrent queries of two callers never share a response', async () => {
    const alice = await tokenFor(DEMO.users.alice);
    const bob = await tokenFor(DEMO.users.bob);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        graphql(url(), ViewerAndProductsDocument, {}, { token: i % 2 ? bob : alice }),
      ),
    );
    results.forEach((res, i) =>
      expect(ok(res).me?.id).toBe(toGlobalId('User', i % 2 ? DEMO.users.bob.id : DEMO.users.alice.id)),
    );
  });

  // Stops a subgraph: keep this the last test of the suite.
  it('with one subgraph down: /health names it, other queries succeed, partial data names the failure', async () => {
    await stack.stopSubgraph('payments');
    const health = await fetch(`${origin}/health`);
    expect(health.status).toBe(503);
    expect(((await health.json()) as { down: string[] }).down).toEqual(['payments subgraph']);

    const others = await graphql(url(), ProductCountDocument);
    expect(others.status).toBe(200);
    expect(ok(others).products.totalCount).toBeGreaterThan(0);

    const token = await tokenFor(DEMO.users.alice);
    // Order.payments is non-null: payments being down nulls up to `me`, the nearest nullable field,
    // as the spec asks; the marketplace's own root fields still answer.
    const partial = await graphql(url(), ViewerOrderPaymentsDocument, {}, { token });
    expect(partial.data?.me).toBeNull();
    expect(partial.data?.products.totalCount).toBeGreaterThan(0);
    expect((await graphql(url(), ViewerDocument, {}, { token })).data?.me?.id).toBe(
      toGlobalId('User', DEMO.users.alice.id),
    );
    expect(partial.errors?.length).toBeGreaterThan(0);
    expect(JSON.stringify(partial.errors)).toMatch(/payments/i);
  });
});
