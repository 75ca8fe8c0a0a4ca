// A subgraph answers federation's entry points (`_entities`, `_service`) and introspection only
// to requests the gateway signed or that carry the service credential; a user token sent directly
// is not enough, nor a signature of another key, another body, an old one or one already used.
// Request bodies are bounded.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { signRequest } from '../../lib/signature.ts';
import { createMarketplaceApp } from '../../subgraphs/marketplace/server.ts';
import { TEST_SECRETS, TEST_SIGNING_KEY, tokenFor } from '../support/env.ts';
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

type Headers = (body: string, path: string) => Promise<Record<string, string>>;

const signed =
  (opts: { key?: typeof TEST_SIGNING_KEY; token?: string; now?: number; body?: string } = {}): Headers =>
  async (body, path) => {
    const authorization = opts.token ? `Bearer ${opts.token}` : null;
    const signature = signRequest(
      opts.key ?? TEST_SIGNING_KEY,
      { method: 'POST', path, body: opts.body ?? body, authorization },
      { now: opts.now },
    );
    return { ...signature, ...(authorization ? { authorization } : {}) };
  };

async function send(url: string, body: string, headers: Record<string, string>) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const json = (await res.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
  return { status: res.status, ...json };
}

describe('subgraph internal fields', () => {
  let subgraph: TestSubgraph;
  const callers: Record<string, Headers> = {
    anonymous: async () => ({}),
    'user token': async () => ({ authorization: `Bearer ${await tokenFor(DEMO.users.alice)}` }),
    'admin token': async () => ({ authorization: `Bearer ${await tokenFor(DEMO.users.admin)}` }),
    'signature of another key': signed({
      key: { id: TEST_SIGNING_KEY.id, secret: 'not-the-gateway-signing-key-0123456789abcdef' },
    }),
    'signature of an unknown key id': signed({ key: { id: 'retired', secret: TEST_SIGNING_KEY.secret } }),
    'signature of another body': signed({ body: '{"query":"{ __typename }"}' }),
    'signature older than its window': signed({ now: Date.now() - 120_000 }),
    'the service token as a signature': async () => ({
      signature: `gateway=:${Buffer.from(TEST_SECRETS.SERVICE_TOKEN).toString('base64')}:`,
      'signature-input': 'gateway=()',
    }),
  };
  const trusted: Record<string, Headers> = {
    'service token': async () => ({ authorization: `Bearer ${TEST_SECRETS.SERVICE_TOKEN}` }),
    'gateway signature': signed(),
    'gateway signature with a user token': async (body, path) =>
      signed({ token: await tokenFor(DEMO.users.alice) })(body, path),
  };

  beforeAll(async () => {
    subgraph = await startTestSubgraph('marketplace', 'local', createMarketplaceApp);
  });
  afterAll(async () => {
    await subgraph?.stop();
  });

  const bodyOf = (op: string) => JSON.stringify(OPERATIONS[op as keyof typeof OPERATIONS]);

  describe.each(Object.keys(callers))('%s', (caller) => {
    it.each(Object.keys(OPERATIONS))('is refused %s with 403 FORBIDDEN and no data', async (op) => {
      const body = bodyOf(op);
      const res = await send(subgraph.url, body, await callers[caller]!(body, '/graphql'));
      expect(res.status).toBe(403);
      expect(res.data ?? null).toBeNull();
      expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(JSON.stringify(res)).not.toContain(DEMO.users.alice.email);
    });
  });

  describe.each(Object.keys(trusted))('%s', (caller) => {
    it.each(Object.keys(OPERATIONS))('is answered %s', async (op) => {
      const body = bodyOf(op);
      const res = await send(subgraph.url, body, await trusted[caller]!(body, '/graphql'));
      expect(res.status).toBe(200);
      expect(res.errors).toBeUndefined();
      expect(res.data).toBeTruthy();
    });
  });

  it('refuses a signed request sent a second time (a captured copy), and one signed for another path', async () => {
    const body = bodyOf('_service');
    const headers = await signed()(body, '/graphql');
    expect((await send(subgraph.url, body, headers)).status).toBe(200);
    const replayed = await send(subgraph.url, body, headers);
    expect([replayed.status, replayed.errors?.map((e) => e.extensions?.code)]).toEqual([403, ['FORBIDDEN']]);
    const elsewhere = await send(subgraph.url, body, await signed()(body, '/other'));
    expect(elsewhere.status).toBe(403);
  });

  it('treats a direct request with a user token and no valid signature as anonymous', async () => {
    const body = JSON.stringify({ query: '{ me { email } }' });
    const res = await send(subgraph.url, body, { authorization: `Bearer ${await tokenFor(DEMO.users.alice)}` });
    expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    const viaGateway = await send(
      subgraph.url,
      body,
      await signed({ token: await tokenFor(DEMO.users.alice) })(body, '/graphql'),
    );
    expect(viaGateway.data).toEqual({ me: { email: DEMO.users.alice.email } });
  });

  it('still answers ordinary queries to anyone, and __typename', async () => {
    const data = ok(
      await graphql<{ __typename: string; products: { totalCount: number } }>(
        subgraph.url,
        '{ __typename products { totalCount } }',
      ),
    );
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
    const res = await fetch(subgraph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: padded(2 * 1024 * 1024),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      errors: [{ message: 'Request body is larger than 1048576 bytes', extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
    });
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
    const res = await fetch(subgraph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe(
      'PAYLOAD_TOO_LARGE',
    );
  });

  it('accepts a body just under the limit', async () => {
    const res = await fetch(subgraph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: padded(1024 * 1024 - 100),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('subgraph body limit setting', () => {
  let subgraph: TestSubgraph;
  beforeAll(async () => {
    subgraph = await startTestSubgraph('marketplace', 'local', createMarketplaceApp, {
      SUBGRAPH_MAX_BODY_BYTES: '4096',
    });
  });
  afterAll(async () => {
    await subgraph?.stop();
  });

  it('applies SUBGRAPH_MAX_BODY_BYTES', async () => {
    const post = (pad: number) =>
      fetch(subgraph.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(pad) } }),
      });
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

  it('resolves entities across subgraphs with its signature, whatever signature headers a client sends', async () => {
    const token = await tokenFor(DEMO.users.alice);
    const query =
      '{ me { email paymentTransactions { totalCount } } nft(id: "' +
      DEMO.nfts[0] +
      '") { credit { serialization } } }';
    for (const headers of [{}, { signature: 'gateway=:Zm9yZ2Vk:', 'signature-input': 'gateway=("@method")' }] as Record<
      string,
      string
    >[]) {
      const data = ok(
        await graphql<{ me: { email: string; paymentTransactions: { totalCount: number } }; nft: { credit: unknown } }>(
          stack.gateway.url,
          query,
          {},
          { token, headers },
        ),
      );
      expect(data.me.email).toBe(DEMO.users.alice.email);
      expect(typeof data.me.paymentTransactions.totalCount).toBe('number');
      expect(data.nft.credit).not.toBeNull();
    }
  });
});
