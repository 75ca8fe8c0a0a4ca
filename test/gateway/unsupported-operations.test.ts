// What the gateway cannot execute is a coded 4xx before it reaches the planner, never
// INTERNAL_SERVER_ERROR: a subscription sent as a plain request (it needs an event stream or a
// WebSocket: test/live/), and introspection selected through a fragment.
// These requests are answered by the gateway alone (no subgraph runs).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { serveGateway, type RunningGateway } from '../../gateway/server.ts';
import { UnsupportedCode } from '../../gateway/unsupported-operations.ts';
import { testConfig } from '../support/env.ts';

interface Answer {
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
}

async function send(
  url: string,
  query: string,
  opts: { method?: 'GET' | 'POST'; accept?: string } = {},
): Promise<Answer> {
  const accept = opts.accept ?? 'application/json';
  const res =
    opts.method === 'GET'
      ? await fetch(`${url}?${new URLSearchParams({ query })}`, { headers: { accept } })
      : await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept },
          body: JSON.stringify({ query }),
        });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

const codes = (a: Answer) => (a.body.errors ?? []).map((e) => e.extensions?.code);

describe('operations the gateway cannot execute', () => {
  let development: RunningGateway;
  let production: RunningGateway;

  beforeAll(async () => {
    development = await serveGateway(testConfig({}), 0);
    production = await serveGateway(
      testConfig({ NODE_ENV: 'production', GATEWAY_ALLOW_ARBITRARY_OPERATIONS: 'true' }),
      0,
    );
  });
  afterAll(async () => {
    await development.stop();
    await production.stop();
  });

  const subscriptions = [
    'subscription { offsetOrderProgress(idempotencyKey: "k") { step } }',
    'subscription Named { offsetOrderProgress(id: "T2Zmc2V0T3JkZXI6MQ==") { step } }',
    'subscription ($k: String) { offsetOrderProgress(idempotencyKey: $k) { step } }',
  ];

  it('a subscription asking for multipart/mixed is the same refusal: the runtime streams subscriptions as SSE only', async () => {
    const res = await fetch(development.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
      body: JSON.stringify({ query: subscriptions[0] }),
    });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain(UnsupportedCode.SUBSCRIPTION_TRANSPORT);
    expect(text).not.toContain('"data"');
  });

  it.each(subscriptions)(
    'a subscription without an event stream is 400 SUBSCRIPTION_TRANSPORT_REQUIRED, over POST and GET, for both media types: %s',
    async (query) => {
      for (const gateway of [development, production]) {
        for (const method of ['POST', 'GET'] as const) {
          for (const accept of ['application/json', 'application/graphql-response+json']) {
            const answer = await send(gateway.url, query, { method, accept });
            expect([method, accept, answer.status, codes(answer)]).toEqual([
              method,
              accept,
              400,
              [UnsupportedCode.SUBSCRIPTION_TRANSPORT],
            ]);
            expect(answer.body).not.toHaveProperty('data');
          }
        }
      }
    },
  );

  const throughFragments = [
    '{ ...Schema } fragment Schema on Query { __schema { queryType { name } } }',
    '{ ... on Query { __type(name: "Product") { name } } }',
    '{ ...Outer } fragment Outer on Query { ...Inner } fragment Inner on Query { __schema { types { name } } }',
    '{ __typename ... @include(if: true) { __schema { queryType { name } } } }',
  ];

  it.each(throughFragments)(
    'introspection through a fragment is 400 INTROSPECTION_IN_FRAGMENT in development: %s',
    async (query) => {
      const answer = await send(development.url, query);
      expect([answer.status, codes(answer)]).toEqual([400, [UnsupportedCode.INTROSPECTION_IN_FRAGMENT]]);
      // Production refuses any introspection first.
      expect(codes(await send(production.url, query))).toEqual(['INTROSPECTION_DISABLED']);
    },
  );

  it('introspection on the query itself still answers in development, fragments inside it too', async () => {
    const answer = await send(
      development.url,
      '{ __schema { queryType { ...Named } } } fragment Named on __Type { name }',
    );
    expect(answer).toEqual({ status: 200, body: { data: { __schema: { queryType: { name: 'Query' } } } } });
    expect((await send(development.url, '{ __type(name: "Product") { name } }')).body).toEqual({
      data: { __type: { name: 'Product' } },
    });
  });

  it('an invalid document keeps its validation error', async () => {
    const answer = await send(development.url, 'subscription { ...Missing }', {
      accept: 'application/graphql-response+json',
    });
    expect(answer.status).toBe(400);
    expect(codes(answer)).toContain('GRAPHQL_VALIDATION_FAILED');
    expect(codes(answer)).not.toContain(UnsupportedCode.OPERATION_TYPE);
  });
});
