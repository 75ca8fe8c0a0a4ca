// Hostile requests through the real gateway: each is refused with its code before it costs the
// gateway time or memory, and every legitimate query of the repository passes every limit.
import { readFileSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Kind, buildSchema, getIntrospectionQuery, parse, print, type OperationDefinitionNode } from 'graphql';
import { DEFAULT_QUERY, serveGateway, type RunningGateway } from '../../gateway/server.ts';
import { LimitCode, operationCost } from '../../gateway/limits.ts';
import { DEMO } from '../../demo/data.ts';
import { ROOT } from '../../lib/paths.ts';
import { TEST_SECRETS, testConfig, tokenFor } from '../support/env.ts';
import { codes, graphql, ok, type GraphQLResponse } from '../support/graphql.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { COSTLY, aliases, directives, doublingFragments, nested } from './queries.ts';

const REFUSAL_CODES = new Set<string>([...Object.values(LimitCode), 'PAYLOAD_TOO_LARGE']);
const TEN_MB = 10 * 1024 * 1024;

/** Sends a query and measures how long the gateway took to answer. */
async function timed(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLResponse & { ms: number }> {
  const started = performance.now();
  const res = await graphql(url, query, variables);
  return { ...res, ms: performance.now() - started };
}

/** Bytes of heap in use once garbage is collected (the gateway runs in this process). */
function heapAfterCollection(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

/**
 * Sends `body`, with its Content-Length or chunked without one, and stops sending as soon as the
 * gateway answers: the time measured is the gateway's, not the upload's.
 */
function post(
  url: string,
  body: string,
  opts: { chunked?: boolean } = {},
): Promise<{ status: number; code?: string; ms: number; sent: number }> {
  const data = Buffer.from(body);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    // A connection of its own: an idle pooled one may be closed by the server as it is reused.
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          ...(opts.chunked ? {} : { 'content-length': String(data.byteLength) }),
        },
      },
      (res) => {
        answered = true;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const json = JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] };
          resolve({
            status: res.statusCode!,
            code: json.errors?.[0]?.extensions?.code,
            ms: performance.now() - started,
            sent,
          });
          req.destroy();
        });
      },
    );
    // A write after the gateway closed the connection fails; the answer is what counts.
    req.on('error', (error) => (answered ? undefined : reject(error)));
    req.on('close', () => (answered ? undefined : reject(new Error('The connection closed with no answer'))));
    // One chunk per turn of the event loop, so the gateway (in this process) can answer between them.
    const write = () => {
      if (answered) return;
      if (sent >= data.byteLength) return void req.end();
      const chunk = data.subarray(sent, sent + 64 * 1024);
      sent += chunk.byteLength;
      if (req.write(chunk)) setImmediate(write);
      else req.once('drain', write);
    };
    write();
  });
}

describe('gateway limits', () => {
  let stack: Stack;
  let url: string;

  beforeAll(async () => {
    stack = await startStack('local');
    url = stack.gateway.url;
    // The first request loads the supergraph; timings below are of a warm gateway.
    ok(await graphql(url, DEFAULT_QUERY));
  });
  afterAll(() => stack?.stop());

  const hostile: [string, () => string, string][] = [
    ['30 doubling fragments', () => doublingFragments(30), LimitCode.selections],
    ['10,000 aliases', () => aliases(10_000), LimitCode.tokens],
    ['31 aliases', () => aliases(31), LimitCode.aliases],
    ['100 levels of nesting', () => nested(100), LimitCode.depth],
    ['60 directives', () => directives(60), LimitCode.directives],
    ['two nested pages of 100', () => COSTLY, LimitCode.cost],
  ];

  it.each(hostile)('refuses %s with its code in well under a second', async (_name, query, code) => {
    const res = await timed(url, query());
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual([code]);
    expect(res.data ?? null).toBeNull();
    expect(res.ms).toBeLessThan(1000);
  });

  it('costs a page size taken from a variable', async () => {
    const query =
      'query($n: Int) { products(first: $n) { nodes { supplier { payments(first: 100) { nodes { amount { amount } } } } } } }';
    const token = await tokenFor(DEMO.users.alice);
    expect(codes(await graphql(url, query, { n: 100 }, { token }))).toEqual([LimitCode.cost]);
    expect((await graphql(url, query, { n: 2 }, { token })).errors).toBeUndefined();
    // The document's cached validation holds neither answer: each request is costed with its variables.
    expect(codes(await graphql(url, query, { n: 100 }, { token }))).toEqual([LimitCode.cost]);
  });

  it('refuses a 10 MB body with 413 and a GraphQL error, from its Content-Length and while it streams', async () => {
    const big = JSON.stringify({ query: '{ __typename }', pad: 'x'.repeat(TEN_MB) });
    for (const chunked of [false, true]) {
      const res = await post(url, big, { chunked });
      expect(res).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
      expect(res.ms).toBeLessThan(1000);
      // The gateway answered (and closed the connection) long before the body was sent.
      expect(res.sent).toBeLessThan(TEN_MB);
    }
    // A body just under the limit is read, with or without its length.
    const fits = JSON.stringify({
      query: '{ __typename }',
      variables: { pad: 'é'.repeat((stack.config.GATEWAY_MAX_BODY_BYTES - 100) / 2) },
    });
    for (const chunked of [false, true]) expect((await post(url, fits, { chunked })).status).toBe(200);
  });

  it('keeps its memory: 100 distinct hostile requests leave less than 50 MB more heap', async () => {
    // Built before measuring: the client's own buffers are not the gateway's memory.
    const big = JSON.stringify({ query: '{ __typename }', pad: 'x'.repeat(TEN_MB) });
    const queries = hostile.map(([, query]) => query());
    const before = heapAfterCollection();
    for (let i = 0; i < 100; i++) {
      const kind = i % (queries.length + 1);
      if (kind === queries.length) {
        expect((await post(url, big)).code).toBe('PAYLOAD_TOO_LARGE');
        continue;
      }
      // A comment makes each document distinct, so no cache answers it.
      const res = await post(url, JSON.stringify({ query: `${queries[kind]}\n# ${i}` }));
      expect(REFUSAL_CODES.has(res.code ?? '')).toBe(true);
    }
    expect(heapAfterCollection() - before).toBeLessThan(50 * 1024 * 1024);
  }, 120_000);

  it('admits every legitimate query of the repository', async () => {
    const token = await tokenFor(DEMO.users.alice);
    const headers = { 'x-backend-secret-key': TEST_SECRETS.BACKEND_SECRET_KEY };
    const documents = [
      // The client operations (the folders below hold the suites' own, run by their suites).
      ...readdirSync(join(ROOT, 'test', 'operations'))
        .filter((f) => f.endsWith('.graphql'))
        .map((f) => readFileSync(join(ROOT, 'test', 'operations', f), 'utf8')),
      readFileSync(join(ROOT, 'bench', 'query.graphql'), 'utf8'),
      DEFAULT_QUERY,
      // GraphiQL's introspection query, with every option it turns on.
      getIntrospectionQuery({
        descriptions: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        schemaDescription: true,
        inputValueDeprecation: true,
        oneOf: true,
      }),
      // The curl examples of the README.
      ...[...readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/-d '(\{"query":.*?\})'/g)].map(
        (m) => (JSON.parse(m[1]!) as { query: string }).query,
      ),
    ];
    expect(documents.length).toBeGreaterThanOrEqual(7);
    const variables = { email: DEMO.users.alice.email, nft: DEMO.nfts[0], product: DEMO.resoldProducts[0] };
    let operations = 0;
    for (const text of documents) {
      const document = parse(text);
      for (const operation of document.definitions.filter(
        (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
      )) {
        operations++;
        const single = print({
          ...document,
          definitions: [operation, ...document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)],
        });
        const res = await graphql(url, single, variables, { token, headers });
        expect({ query: single.slice(0, 80), codes: codes(res).filter((c) => REFUSAL_CODES.has(c ?? '')) }).toEqual({
          query: single.slice(0, 80),
          codes: [],
        });
        // A subscription sent as a plain request is refused for its transport (tested in
        // unsupported-operations.test.ts), after the limits admitted it.
        if (operation.operation !== 'subscription') expect(res.status).toBe(200);
      }
    }
    expect(operations).toBeGreaterThanOrEqual(8);
  });
});

// These requests are answered by the gateway itself, so no subgraph runs.
describe('gateway limits raised by configuration', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    const config = testConfig({
      GATEWAY_MAX_BODY_BYTES: String(20 * 1024 * 1024),
      GATEWAY_MAX_TOKENS: '1000000',
      GATEWAY_DOCUMENT_CACHE_BYTES: '2000000',
    });
    gateway = await serveGateway(config, 0);
    ok(await graphql(gateway.url, '{ __typename }'));
  });
  afterAll(() => gateway?.stop());

  it('10,000 aliases are counted in linear time and refused with QUERY_TOO_MANY_ALIASES', async () => {
    const res = await timed(gateway.url, aliases(10_000));
    expect(codes(res)).toEqual([LimitCode.aliases]);
    expect(res.ms).toBeLessThan(1000);
  });

  it('the parsed-document cache stays within its byte budget', async () => {
    // 40 distinct documents of 20 kB, each charged 1 MB, against a budget of 2 MB.
    for (let i = 0; i < 40; i++) {
      const res = await graphql(gateway.url, `{ __type(name: "${String(i).padStart(20_000, 'x')}") { name } }`);
      expect(res.errors).toBeUndefined();
    }
    expect(gateway.documentCache.bytes).toBeLessThanOrEqual(2_000_000);
    expect(gateway.documentCache.size).toBeGreaterThan(0);
  });
});

describe('the cost of nodes(ids:)', () => {
  const schema = buildSchema(readFileSync(join(ROOT, 'schema', 'api.graphql'), 'utf8'));
  const cost = (query: string, variables: Record<string, unknown> = {}) => {
    const document = parse(query);
    return operationCost(schema, document, document.definitions[0] as OperationDefinitionNode, variables);
  };
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `id-${i}`);
  /** Each object: itself and a page of 100 payments (1 + 100). */
  const PAYMENTS = '... on Supplier { payments(first: 100) { nodes { id } } }';

  it('is the number of ids given, in the query or in a variable', () => {
    expect(cost('{ nodes(ids: ["a", "b", "c"]) { id } }')).toBe(3);
    expect(cost('{ nodes(ids: "a") { id } }')).toBe(1);
    expect(cost(`{ nodes(ids: ${JSON.stringify(ids(100))}) { id ${PAYMENTS} } }`)).toBe(100 * 102);
    expect(cost('query ($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: ids(7) })).toBe(7);
    expect(cost(`query ($ids: [ID!]!) { nodes(ids: $ids) { id ${PAYMENTS} } }`, { ids: ids(1) })).toBe(102);
  });

  describe('through the gateway', () => {
    let gateway: RunningGateway;

    beforeAll(async () => {
      gateway = await serveGateway(testConfig({}), 0);
    });
    afterAll(() => gateway?.stop());

    it('refuses 100 ids that each fetch 100 payments, and admits one', async () => {
      const query = `query ($ids: [ID!]!) { nodes(ids: $ids) { id ${PAYMENTS} } }`;
      const many = await graphql(gateway.url, query, { ids: ids(100) });
      expect([many.status, codes(many)]).toEqual([400, [LimitCode.cost]]);
      expect(many.errors![0]!.message).toContain('Query costs 10200');
      // One id passes the limit (and goes on to the registry, which this test does not run).
      expect(codes(await graphql(gateway.url, query, { ids: ids(1) }))).not.toContain(LimitCode.cost);
    });
  });
});
