import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { createMarketplaceApp } from '../../subgraphs/marketplace/server.ts';
import { FAKE_CO2TRUST_SECRET, startCo2TrustFake, type Co2TrustFake } from '../../fakes/co2trust.ts';
import { MODES, TEST_SECRETS, tokenFor } from '../support/env.ts';
import {
  AuthDocument,
  MeDocument,
  MyOrderBuyersDocument,
  OrderBuyerQuantityDocument,
  OrderIdDocument,
  ProductNameDocument,
  ProductPageDocument,
  ProductsOfTypeDocument,
} from '../__generated__/marketplace-operations.ts';
import { codes, graphql, ok } from '../support/graphql.ts';
import { DEMO_IDS } from '../support/ids.ts';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph.ts';

const AUTH = AuthDocument;

describe.each(MODES)('marketplace (%s mode)', (mode) => {
  let subgraph: TestSubgraph;
  let fake: Co2TrustFake | undefined;
  const backend = { 'x-backend-secret-key': TEST_SECRETS.BACKEND_SECRET_KEY };

  beforeAll(async () => {
    const env: Record<string, string> = {};
    if (mode === 'upstream') {
      fake = await startCo2TrustFake();
      Object.assign(env, { CO2TRUST_BASE_URL: fake.url, CO2TRUST_BACKEND_SECRET_KEY: FAKE_CO2TRUST_SECRET });
    }
    subgraph = await startTestSubgraph('marketplace', mode, createMarketplaceApp, env);
  });
  afterAll(async () => {
    await subgraph?.stop();
    await fake?.stop();
  });

  const login = async (email: string) =>
    ok(await graphql(subgraph.url, AUTH, { email }, { headers: backend })).authenticate.accessToken!;

  it('authenticate needs the backend secret key', async () => {
    const res = await graphql(subgraph.url, AUTH, { email: DEMO.users.alice.email });
    expect(codes(res)).toEqual(['UNAUTHENTICATED']);
    const wrong = await graphql(
      subgraph.url,
      AUTH,
      { email: DEMO.users.alice.email },
      { headers: { 'x-backend-secret-key': 'nope' } },
    );
    expect(codes(wrong)).toEqual(['UNAUTHENTICATED']);
  });

  it('authenticate returns a bearer token and the user; me returns the caller', async () => {
    const data = ok(await graphql(subgraph.url, AUTH, { email: DEMO.users.alice.email }, { headers: backend }));
    expect(data.authenticate.tokenType).toBe('Bearer');
    expect(data.authenticate.user).toEqual({ id: DEMO_IDS.users.alice, email: DEMO.users.alice.email, role: 'USER' });
    const me = ok(await graphql(subgraph.url, MeDocument, {}, { token: data.authenticate.accessToken! }));
    expect(me.me).toEqual({ id: DEMO_IDS.users.alice, email: DEMO.users.alice.email });
  });

  it('authenticate rejects a malformed email as a user error', async () => {
    const res = ok(await graphql(subgraph.url, AUTH, { email: 'not-an-email' }, { headers: backend }));
    expect(res.authenticate.accessToken).toBeNull();
    expect(res.authenticate.userErrors).toEqual([
      { field: ['input', 'email'], code: 'INVALID', message: 'Enter a valid email address' },
    ]);
  });

  it('me without a token, with a forged one or an expired one is UNAUTHENTICATED', async () => {
    expect(codes(await graphql(subgraph.url, MeDocument))).toEqual(['UNAUTHENTICATED']);
    const forged = `${(await tokenFor(DEMO.users.alice)).slice(0, -4)}AAAA`;
    expect(codes(await graphql(subgraph.url, MeDocument, {}, { token: forged }))).toEqual(['UNAUTHENTICATED']);
    const expired = await graphql(
      subgraph.url,
      MeDocument,
      {},
      { token: await tokenFor(DEMO.users.alice, { ttlSeconds: -10 }) },
    );
    expect(codes(expired)).toEqual(['UNAUTHENTICATED']);
    expect(expired.errors![0]!.message).toBe('Token has expired');
  });

  it('lists public products newest first with cursors, totals and money as decimals', async () => {
    const q = ProductPageDocument;
    const first = ok(await graphql(subgraph.url, q));
    expect(first.products.totalCount).toBe(4);
    expect(first.products.nodes.map((n) => n.id)).toEqual([DEMO_IDS.products[2], DEMO_IDS.products[1]]);
    expect(first.products.nodes[1]!.pricePerTonne).toEqual({ amount: '145.00', currency: 'EUR' });
    expect(first.products.nodes[1]!.supplier?.name).toBe('Icelandic Biochar');
    expect(first.products.pageInfo.hasNextPage).toBe(true);
    const second = ok(await graphql(subgraph.url, q, { after: first.products.pageInfo.endCursor }));
    expect(second.products.nodes.map((n) => n.id)).toEqual([DEMO_IDS.products[0], DEMO_IDS.bundleProduct]);
    expect(second.products.pageInfo.hasNextPage).toBe(false);
  });

  it('filters products and shows a non-public product only to its owner', async () => {
    const removal = ok(await graphql(subgraph.url, ProductsOfTypeDocument, { type: 'REMOVAL' }));
    expect(removal.products.nodes.map((n) => n.id).sort()).toEqual([DEMO_IDS.products[0], DEMO_IDS.products[1]].sort());
    const hidden = { id: DEMO_IDS.products[3]! };
    expect(ok(await graphql(subgraph.url, ProductNameDocument, hidden)).product).toBeNull();
    const bob = await login(DEMO.users.bob.email);
    expect(ok(await graphql(subgraph.url, ProductNameDocument, hidden, { token: bob })).product).toBeNull();
    const alice = await login(DEMO.users.alice.email);
    expect(ok(await graphql(subgraph.url, ProductNameDocument, hidden, { token: alice })).product).toEqual({
      id: DEMO_IDS.products[3],
      name: 'Private Forest Allocation',
    });
  });

  it('rejects a page size above the maximum and a garbage cursor', async () => {
    expect(codes(await graphql(subgraph.url, '{ products(first: 101) { totalCount } }'))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await graphql(subgraph.url, '{ products(after: "garbage!") { totalCount } }'))).toEqual([
      'BAD_USER_INPUT',
    ]);
  });

  it("me.orders lists only the caller's orders, newest first", async () => {
    const alice = await login(DEMO.users.alice.email);
    const data = ok(await graphql(subgraph.url, MyOrderBuyersDocument, {}, { token: alice }));
    const orders = data.me!.orders.nodes;
    expect(orders.map((o) => o.id)).toEqual([DEMO_IDS.orders[4], DEMO_IDS.orders[1], DEMO_IDS.orders[0]]);
    expect(new Set(orders.map((o) => o.buyer?.id))).toEqual(new Set([DEMO_IDS.users.alice]));
  });

  it('an order of another user is invisible unless public; the buyer is hidden from others', async () => {
    const bob = await login(DEMO.users.bob.email);
    const priv = ok(await graphql(subgraph.url, OrderIdDocument, { id: DEMO_IDS.orders[1]! }, { token: bob }));
    expect(priv.order).toBeNull();
    const pub = ok(
      await graphql(subgraph.url, OrderBuyerQuantityDocument, { id: DEMO_IDS.orders[0]! }, { token: bob }),
    );
    expect(pub.order).toEqual({ id: DEMO_IDS.orders[0], buyer: null, quantity: { amount: '10', unit: 'T' } });
  });

  it('resolves NFT entity references in one batch', async () => {
    const q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Nft { id tokenAddress tokenId } } }`;
    const reps = DEMO_IDS.nfts.map((id) => ({ __typename: 'Nft', id }));
    const data = ok(
      await graphql<{ _entities: { id: string; tokenAddress: string; tokenId: string }[] }>(
        subgraph.url,
        q,
        { r: reps },
        {},
      ),
    );
    expect(data._entities.map((e) => e.tokenId)).toEqual(DEMO.tokens.map((t) => t.tokenId));
  });
});
