// Apollo Client 4, as a frontend uses it, against the real gateway: its persisted-query link
// registers a query once and then sends only the hash, and an execution error reaches the
// application as GraphQL errors (CombinedGraphQLErrors), not as a ServerError; relayStylePagination
// merges keyset pages without repeats.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { relayStylePagination } from '@apollo/client/utilities';
import { DEMO } from '../../demo/data.ts';
import { TEST_SECRETS, tokenFor } from '../support/env.ts';
import { graphql, ok } from '../support/graphql.ts';
import { startStack, type Stack } from '../support/stack.ts';

interface Sent {
  method: string;
  hasQuery: boolean;
  hasHash: boolean;
}

describe('Apollo Client 4 through the gateway', () => {
  let stack: Stack;
  let sent: Sent[];

  beforeAll(async () => {
    stack = await startStack('local');
  });
  afterAll(async () => {
    await stack.stop();
  });

  /** A client with Apollo's persisted-query link; every request it sends is recorded. */
  function client(opts: { useGETForHashedQueries?: boolean; token?: string } = {}) {
    sent = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      const method = init?.method ?? 'GET';
      const payload =
        method === 'GET'
          ? { query: url.searchParams.get('query'), extensions: url.searchParams.get('extensions') }
          : (JSON.parse(String(init?.body)) as { query?: string; extensions?: unknown });
      sent.push({
        method,
        hasQuery: Boolean(payload.query),
        hasHash: JSON.stringify(payload.extensions ?? '').includes('sha256Hash'),
      });
      return fetch(input, init);
    };
    const persisted = new PersistedQueryLink({
      sha256: (text: string) => createHash('sha256').update(text).digest('hex'),
      useGETForHashedQueries: opts.useGETForHashedQueries,
    });
    const headers = opts.token ? { authorization: `Bearer ${opts.token}` } : undefined;
    return new ApolloClient({
      link: persisted.concat(new HttpLink({ uri: stack.gateway.url, fetch: recordingFetch, headers })),
      cache: new InMemoryCache(),
    });
  }

  it('registers a query once, then sends only its hash (POST)', async () => {
    const apollo = client();
    const query = gql`
      query ProductCount {
        products(first: 2) {
          totalCount
        }
      }
    `;
    const first = await apollo.query({ query, fetchPolicy: 'network-only' });
    expect(first.data).toEqual({ products: { __typename: 'ProductConnection', totalCount: expect.any(Number) } });
    // The hash alone (not found), then the hash with the query.
    expect(sent).toEqual([
      { method: 'POST', hasQuery: false, hasHash: true },
      { method: 'POST', hasQuery: true, hasHash: true },
    ]);
    await apollo.query({ query, fetchPolicy: 'network-only' });
    expect(sent[2]).toEqual({ method: 'POST', hasQuery: false, hasHash: true });
    expect(sent).toHaveLength(3);
  });

  it('sends a known hash over GET when asked to', async () => {
    const apollo = client({ useGETForHashedQueries: true });
    const query = gql`
      query SupplierCount {
        suppliers(first: 1) {
          totalCount
        }
      }
    `;
    await apollo.query({ query, fetchPolicy: 'network-only' });
    await apollo.query({ query, fetchPolicy: 'network-only' });
    expect(sent.map((s) => `${s.method} ${s.hasQuery}`)).toEqual(['GET false', 'POST true', 'GET false']);
  });

  it('an execution error of the only root field is a GraphQL error with its code and path', async () => {
    const apollo = client();
    const query = gql`
      query TooMany {
        products(first: 101) {
          totalCount
        }
      }
    `;
    const error = await apollo.query({ query, fetchPolicy: 'network-only' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(CombinedGraphQLErrors.is(error)).toBe(true);
    const { errors } = error as CombinedGraphQLErrors;
    expect(errors.map((e) => [e.extensions?.code, e.path])).toEqual([['BAD_USER_INPUT', ['products']]]);
  });

  it('a mutation refused with userErrors resolves with its payload, not an error, and leaves the cache alone', async () => {
    const apollo = client({ token: await tokenFor(DEMO.users.alice) });
    const mutation = gql`
      mutation TooSmall($input: CreateOffsetOrderByMassInput!) {
        createOffsetOrderByMass(input: $input) {
          offsetOrder {
            id
          }
          userErrors {
            field
            code
            message
          }
        }
      }
    `;
    const result = await apollo.mutate({
      mutation,
      variables: { input: { mass: { amount: '1', unit: 'G' }, idempotencyKey: 'apollo-too-small' } },
    });
    expect(result.error).toBeUndefined();
    const payload = (
      result.data as {
        createOffsetOrderByMass: { offsetOrder: unknown; userErrors: { field: string; code: string }[] };
      }
    ).createOffsetOrderByMass;
    expect(payload.offsetOrder).toBeNull();
    expect(payload.userErrors.map((e) => e.code)).toEqual(['BELOW_MINIMUM']);
    expect(Object.keys(apollo.cache.extract() as object).filter((key) => key.startsWith('OffsetOrder:'))).toEqual([]);
  });

  it('pagination after an insert: relayStylePagination merges page 2 with no order of page 1 repeated', async () => {
    const token = await tokenFor(DEMO.users.alice);
    const place = async (key: string) =>
      ok(
        await graphql(
          stack.gateway.url,
          `mutation { createOffsetOrderByMass(input: { mass: { amount: "1", unit: T }, idempotencyKey: "${key}" }) { offsetOrder { id } } }`,
          {},
          { token },
        ),
      );
    for (const key of ['apollo-page-1', 'apollo-page-2', 'apollo-page-3', 'apollo-page-4']) await place(key);
    const apollo = new ApolloClient({
      link: new HttpLink({ uri: stack.gateway.url, headers: { authorization: `Bearer ${token}` } }),
      cache: new InMemoryCache({ typePolicies: { Query: { fields: { offsetOrders: relayStylePagination() } } } }),
    });
    const query = gql`
      query Orders($after: String) {
        offsetOrders(first: 2, after: $after) {
          edges {
            cursor
            node {
              id
            }
          }
          pageInfo {
            endCursor
            hasNextPage
          }
        }
      }
    `;
    type Orders = { offsetOrders: { edges: { node: { id: string } }[]; pageInfo: { endCursor: string } } };
    const before = ok(
      await graphql<Orders>(
        stack.gateway.url,
        `
          {
            offsetOrders(first: 4) {
              edges {
                node {
                  id
                }
              }
              pageInfo {
                endCursor
              }
            }
          }
        `,
        {},
        { token },
      ),
    );
    const watched = apollo.watchQuery<Orders>({ query });
    const first = await watched.refetch();
    await place('apollo-page-5'); // a newer order arrives between page 1 and page 2
    await watched.fetchMore({ variables: { after: first.data!.offsetOrders.pageInfo.endCursor } });
    const merged = apollo.readQuery<Orders>({ query })!.offsetOrders.edges.map((e) => e.node.id);
    expect(merged).toEqual(before.offsetOrders.edges.map((e) => e.node.id));
  });

  it("keeps an NFT's token-wide credit and an organization's holding of it apart in one normalizing cache", async () => {
    const login = await graphql<{ authenticate: { accessToken: string } }>(
      stack.gateway.url,
      `mutation { authenticate(input: { email: "${DEMO.users.alice.email}" }) { accessToken } }`,
      {},
      { headers: { 'x-backend-secret-key': TEST_SECRETS.BACKEND_SECRET_KEY } },
    );
    const apollo = client({ token: ok(login).authenticate.accessToken });
    type Amount = { amount: string };
    const nftCredits = gql`
      query NftCredits {
        nfts(first: 50) {
          nodes {
            id
            credit {
              id
              amount {
                amount
              }
            }
          }
        }
      }
    `;
    const holdings = gql`
      query Holdings($id: ID!) {
        organization(id: $id) {
          id
          inventory {
            nodes {
              id
              amount {
                amount
              }
              credit {
                id
                amount {
                  amount
                }
              }
            }
          }
        }
      }
    `;
    type Nfts = { nfts: { nodes: { id: string; credit: { id: string; amount: Amount } | null }[] } };
    type Holdings = {
      organization: { inventory: { nodes: { id: string; amount: Amount; credit: { id: string; amount: Amount } }[] } };
    };

    const before = (await apollo.query<Nfts>({ query: nftCredits, fetchPolicy: 'network-only' })).data!;
    const inventory = (
      await apollo.query<Holdings>({
        query: holdings,
        variables: { id: DEMO.organizations.carbonBuyer },
        fetchPolicy: 'network-only',
      })
    ).data!;
    // A credit the organization holds part of (another holds the rest), tokenised as an NFT.
    const holding = inventory.organization.inventory.nodes.find(
      (h) =>
        Number(h.amount.amount) < Number(h.credit.amount.amount) &&
        before.nfts.nodes.some((n) => n.credit?.id === h.credit.id),
    )!;
    const nft = before.nfts.nodes.find((n) => n.credit?.id === holding.credit.id)!;
    expect(holding.id).not.toBe(holding.credit.id);
    expect(holding.credit.amount).toEqual(nft.credit!.amount);

    // Reading the holding did not overwrite the NFT's credit in the cache.
    const after = (await apollo.query<Nfts>({ query: nftCredits, fetchPolicy: 'cache-only' })).data!;
    expect(after).toEqual(before);
  });
});
