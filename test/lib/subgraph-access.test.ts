// A subgraph answers federation's entry points (`_entities`, `_service`) and introspection only
// to the gateway or a holder of the service token; a user token sent directly is not enough.
// Request bodies are bounded.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../lib/demo.ts';
import { GATEWAY_PROOF_HEADER, gatewayProof } from '../../lib/auth.ts';
import { createMarketplaceApp } from '../../subgraphs/marketplace/server.ts';
import { AS_GATEWAY, TEST_SECRETS, tokenFor } from '../support/env.ts';
import { graphql, ok } from '../support/graphql.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph.ts';

const OPERATIONS = {
  _entities: {
    query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id email name role } } }`,
    variables: { r: [{ __typename: 'User', id: DEMO.users.alice.id }] },
  },
  _service: { query: '{ _service { sdl } }', variables: {} },
  __schema: { query: '{ __schema { queryType { name } } }', variables: {} },
  __type: { query: '{ __type(name: "User") { name } }', variables: {} },
  // Hidden in a fragment: found all the same.
  fragment: { query: 'query { ...F } fragment F on Query { _service { sdl } }', variables: {} },
};

describe('subgraph internal fields', () => {
  let subgraph: TestSubgraph;
  const callers: Record<string, () => Promise<Record<string, string>>> = {
    anonymous: async () => ({}),
    'user token': async () => ({ authorization: `Bearer ${await tokenFor(DEMO.users.alice)}` }),
    'admin token': async () => ({ authorization: `Bearer ${await tokenFor(DEMO.users.admin)}` }),
    'forged proof': async () => ({ [GATEWAY_PROOF_HEADER]: gatewayProof('not-the-service-token-0123456789abcdef') }),
    'the service token as proof': async () => ({ [GATEWAY_PROOF_HEADER]: TEST_SECRETS.SERVICE_TOKEN }),
  };
  const trusted: Record<string, () => Promise<Record<string, string>>> = {
    'service token': async () => ({ authorization: `Bearer ${TEST_SECRETS.SERVICE_TOKEN}` }),
    'gateway proof': async () => AS_GATEWAY,
    'gateway proof with a user token': async () => ({ ...AS_GATEWAY, authorization: `Bearer ${await tokenFor(DEMO.users.alice)}` }),
  };

  beforeAll(async () => {
    subgraph = await startTestSubgraph('marketplace', 'local', createMarketplaceApp);
  });
  afterAll(async () => {
    await subgraph?.stop();
  });

  describe.each(Object.keys(callers))('%s', (caller) => {
    it.each(Object.keys(OPERATIONS))('is refused %s with 403 FORBIDDEN and no data', async (op) => {
      const { query, variables } = OPERATIONS[op as keyof typeof OPERATIONS];
      const res = await graphql(subgraph.url, query, variables, { headers: await callers[caller]!() });
      expect(res.status).toBe(403);
      expect(res.data ?? null).toBeNull();
      expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(JSON.stringify(res)).not.toContain(DEMO.users.alice.email);
    });
  });

  describe.each(Object.keys(trusted))('%s', (caller) => {
    it.each(Object.keys(OPERATIONS))('is answered %s', async (op) => {
      const { query, variables } = OPERATIONS[op as keyof typeof OPERATIONS];
      const res = await graphql(subgraph.url, query, variables, { headers: await trusted[caller]!() });
      expect(res.status).toBe(200);
      expect(res.errors).toBeUndefined();
      expect(res.data).toBeTruthy();
    });
  });

  it('still answers ordinary queries to anyone, and __typename', async () => {
    const data = ok(await graphql<{ __typename: string; products: { totalCount: number } }>(subgraph.url, '{ __typename products { totalCount } }'));
    expect(data.__typename).toBe('Query');
    expect(data.products.totalCount).toBeGreaterThan(0);
  });
});

describe('subgraph request bodies', () => {
  let subgraph: TestSubgraph;
  beforeAll(async () => {
    subgraph = await startTestSubgraph('marketplace', 'local', createMarketplaceApp);
  });
  afterAll(async () => {
    await subgraph?.stop();
  });

  const padded = (bytes: number) => JSON.stringify({ query: `{ __typename }`, variables: { pad: 'x'.repeat(bytes) } });

  it('answers a 2 MB body with 413 and a JSON GraphQL error (default limit 1 MB)', async () => {
    expect(subgraph.config.SUBGRAPH_MAX_BODY_BYTES).toBe(1024 * 1024);
    const res = await fetch(subgraph.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: padded(2 * 1024 * 1024) });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ errors: [{ message: 'Request body is larger than 1048576 bytes', extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
  });

  it('counts a streamed body without a declared length too', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(256 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await fetch(subgraph.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('accepts a body just under the limit', async () => {
    const res = await fetch(subgraph.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: padded(1024 * 1024 - 100) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('subgraph body limit setting', () => {
  let subgraph: TestSubgraph;
  beforeAll(async () => {
    subgraph = await startTestSubgraph('marketplace', 'local', createMarketplaceApp, { SUBGRAPH_MAX_BODY_BYTES: '4096' });
  });
  afterAll(async () => {
    await subgraph?.stop();
  });

  it('applies SUBGRAPH_MAX_BODY_BYTES', async () => {
    const post = (pad: number) => fetch(subgraph.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(pad) } }) });
    expect((await post(3000)).status).toBe(200);
    expect((await post(5000)).status).toBe(413);
  });
});

describe('through the gateway', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack('local');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('resolves entities across subgraphs with its proof, whatever proof a client sends', async () => {
    const token = await tokenFor(DEMO.users.alice);
    const query = '{ me { email paymentTransactions { totalCount } } nft(id: "' + DEMO.nfts[0] + '") { credit { serialization } } }';
    for (const headers of [{}, { [GATEWAY_PROOF_HEADER]: 'forged' }] as Record<string, string>[]) {
      const data = ok(await graphql<{ me: { email: string; paymentTransactions: { totalCount: number } }; nft: { credit: unknown } }>(stack.gateway.url, query, {}, { token, headers }));
      expect(data.me.email).toBe(DEMO.users.alice.email);
      expect(typeof data.me.paymentTransactions.totalCount).toBe('number');
      expect(data.nft.credit).not.toBeNull();
    }
  });
});
