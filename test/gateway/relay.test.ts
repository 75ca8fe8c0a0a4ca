// Relay's own pagination against the gateway, driven without React: the documents of
// test/relay/products.ts as relay-compiler writes them, Relay's store and connection handler, and
// `loadPrevious` made of the relay-runtime calls react-relay's usePaginationFragment makes. Relay
// fills an unset variable with its fragment's default, so `loadPrevious` sends `first` (here 2)
// beside `last` and `before`: the gateway pages backwards.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildSchema, parse, validate } from 'graphql';
import relay from 'relay-runtime';
import type { GraphQLResponse, RequestParameters, SingularReaderSelector, Variables } from 'relay-runtime';
import productsQuery from '../relay/__generated__/RelayProductsQuery.graphql.ts';
import productsFragment from '../relay/__generated__/RelayProducts_query.graphql.ts';
import { ROOT } from '../../lib/paths.ts';
import { graphql, ok } from '../support/graphql.ts';
import { startStack, type Stack } from '../support/stack.ts';

const {
  Environment,
  Network,
  RecordSource,
  Store,
  createOperationDescriptor,
  getPaginationMetadata,
  getPaginationVariables,
  getSelector,
  getValueAtPath,
  __internal,
} = relay;

const ARTIFACTS = join(ROOT, 'test', 'relay', '__generated__');

describe('the Relay artifacts', () => {
  it("are relay-compiler's output, unedited, and their documents are valid against the public schema", () => {
    const schema = buildSchema(readFileSync(join(ROOT, 'schema', 'api.graphql'), 'utf8'));
    const files = readdirSync(ARTIFACTS);
    expect(files.length).toBe(3);
    for (const file of files) {
      const text = readFileSync(join(ARTIFACTS, file), 'utf8');
      // relay-compiler signs each file: the md5 of the file with its signature left out.
      const [signature, digest] = text.match(/SignedSource<<([0-9a-f]{32})>>/)!;
      const unsigned = text.replace(signature, '<<SignedSource::*O*zOeWoEQle#+L!plEphiEmie@IsG>>');
      expect([file, createHash('md5').update(unsigned).digest('hex')]).toEqual([file, digest]);
    }
    const { paginationRequest } = getPaginationMetadata(productsFragment, 'RelayProducts');
    for (const request of [productsQuery, paginationRequest as typeof productsQuery])
      expect(validate(schema, parse(request.params.text!))).toEqual([]);
  });
});

interface ProductsPage {
  products: {
    edges: { node: { id: string; name: string } }[];
    pageInfo: { startCursor: string | null; hasPreviousPage: boolean };
  };
}

describe("Relay's loadPrevious against the gateway", () => {
  let stack: Stack;
  /** Every request Relay sent: its operation and variables. */
  const sent: { name: string; variables: Variables }[] = [];

  beforeAll(async () => {
    stack = await startStack('local');
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });

  function relayEnvironment() {
    const network = Network.create(async (params: RequestParameters, variables: Variables) => {
      sent.push({ name: params.name, variables });
      const response = await fetch(stack.gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: params.text, variables }),
      });
      return (await response.json()) as GraphQLResponse;
    });
    return new Environment({ network, store: new Store(new RecordSource()) });
  }

  it('opens the list before a product, then pages back to its start', async () => {
    type All = { products: { edges: { cursor: string; node: { id: string } }[] } };
    const all = ok(
      await graphql<All>(stack.gateway.url, '{ products(first: 100, order: ASC) { edges { cursor node { id } } } }'),
    ).products.edges;
    expect(all.length).toBeGreaterThanOrEqual(4);
    const environment = relayEnvironment();

    // The page that ends just before the fourth product.
    const query = createOperationDescriptor(productsQuery, { last: 1, before: all[3]!.cursor });
    await __internal.fetchQuery(environment, query).toPromise();
    const fragment = getSelector(productsFragment, environment.lookup(query.fragment).data) as SingularReaderSelector;
    const read = () => environment.lookup(fragment).data as unknown as ProductsPage;
    const ids = () => read().products.edges.map((e) => e.node.id);
    expect(ids()).toEqual([all[2]!.node.id]);
    expect(read().products.pageInfo.hasPreviousPage).toBe(true);

    /** What usePaginationFragment's loadPrevious(count) does (react-relay's useLoadMoreFunction). */
    const loadPrevious = async (count: number) => {
      const { paginationRequest, paginationMetadata, connectionPathInFragmentData } = getPaginationMetadata(
        productsFragment,
        'RelayProducts',
      );
      const connection = getValueAtPath(
        environment.lookup(fragment).data,
        connectionPathInFragmentData,
      ) as ProductsPage['products'];
      const baseVariables = { ...fragment.owner.variables, ...fragment.variables };
      const variables = getPaginationVariables(
        'backward',
        count,
        connection.pageInfo.startCursor,
        baseVariables,
        {},
        paginationMetadata,
      );
      await __internal
        .fetchQuery(environment, createOperationDescriptor(paginationRequest, variables, { force: true }))
        .toPromise();
    };

    await loadPrevious(1);
    expect(ids()).toEqual([all[1]!.node.id, all[2]!.node.id]);
    expect(sent.at(-1)).toEqual({
      name: 'RelayProductsPaginationQuery',
      variables: { first: 2, after: null, last: 1, before: expect.any(String) },
    });

    await loadPrevious(1);
    expect(ids()).toEqual([all[0]!.node.id, all[1]!.node.id, all[2]!.node.id]);
    expect(read().products.pageInfo.hasPreviousPage).toBe(false);
    // The opening page and two pages back, each one request.
    expect(sent.map((s) => s.name)).toEqual([
      'RelayProductsQuery',
      'RelayProductsPaginationQuery',
      'RelayProductsPaginationQuery',
    ]);
  });
});
