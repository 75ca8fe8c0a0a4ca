// GraphQL over HTTP as frontend clients use it, through the real gateway: status codes and result
// shape, methods, automatic persisted queries, trusted documents, the production profile, CORS,
// compression (with the Vary headers HTTP caches need) and graphql-http's conformance audit.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync, brotliDecompressSync, inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getIntrospectionQuery, Kind, parse } from 'graphql';
import { serverAudits } from 'graphql-http';
import { serveGateway, type RunningGateway } from '../../gateway/server.ts';
import { loadTrustedDocuments, persistedOperations, sha256 } from '../../gateway/persisted.ts';
import { negotiateCoding } from '../../gateway/compression.ts';
import { testConfig } from '../support/env.ts';
import { startStack, type Stack } from '../support/stack.ts';

interface Answer {
  status: number;
  headers: Headers;
  body: { data?: unknown; errors?: { message: string; path?: unknown[]; extensions?: { code?: string } }[] };
}

const JSON_ONLY = 'application/json';
const GRAPHQL_RESPONSE = 'application/graphql-response+json';

async function post(url: string, payload: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: JSON_ONLY, ...headers },
    body: JSON.stringify(payload),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Answer['body'] };
}

async function get(
  url: string,
  params: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const search = new URLSearchParams(
    Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
  const res = await fetch(`${url}?${search}`, { headers: { accept: JSON_ONLY, ...headers } });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Answer['body'] };
}

const codes = (a: Answer) => (a.body.errors ?? []).map((e) => e.extensions?.code);
const persisted = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

/** A gateway alone (no subgraph is reached by the documents these tests send). */
async function gatewayWith(env: Record<string, string> = {}): Promise<RunningGateway> {
  return serveGateway(testConfig(env), 0);
}

describe('executed operations answer 200 with data and paths', () => {
  let stack: Stack;
  let url: string;

  beforeAll(async () => {
    stack = await startStack('local');
    url = stack.gateway.url;
  });
  afterAll(async () => {
    await stack.stop();
  });

  const soleRootFieldFailures: [string, string, string][] = [
    ['first above the maximum', '{ products(first: 101) { totalCount } }', 'products'],
    ['a bad cursor', '{ products(after: "not-a-cursor") { totalCount } }', 'products'],
    [
      'authenticate without the backend key',
      'mutation { authenticate(input: { email: "alice@buyer.example" }) { accessToken } }',
      'authenticate',
    ],
    ['an aliased root field', '{ catalogue: products(first: 101) { totalCount } }', 'catalogue'],
  ];

  for (const accept of [JSON_ONLY, GRAPHQL_RESPONSE]) {
    for (const [what, query, path] of soleRootFieldFailures) {
      it(`${what}, the only root field, is 200 with data null and the error's path (${accept})`, async () => {
        const res = await post(url, { query }, { accept });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toContain(accept);
        expect(res.body).toHaveProperty('data', null);
        expect(res.body.errors).toHaveLength(1);
        expect(res.body.errors![0]!.path).toEqual([path]);
        expect(codes(res)[0]).toMatch(/^(BAD_USER_INPUT|UNAUTHENTICATED)$/);
      });
    }
  }

  it('the same error beside another root field is 200 with the error path', async () => {
    const res = await post(url, {
      query: '{ products(first: 101) { totalCount } paymentStats { global { transactionCount } } }',
    });
    expect(res.status).toBe(200);
    expect(res.body).toHaveProperty('data');
    expect(res.body.errors![0]!.path).toEqual(['products']);
  });

  it('a request that cannot execute has errors and no data: 400 for graphql-response+json, 200 for application/json', async () => {
    for (const query of [
      '{ productz }',
      '{ products(first: ',
      'query ($n: Int!) { products(first: $n) { totalCount } }',
    ]) {
      for (const [accept, status] of [
        [JSON_ONLY, 200],
        [GRAPHQL_RESPONSE, 400],
      ] as const) {
        const res = await post(url, { query, variables: { n: 'ten' } }, { accept });
        expect([res.status, res.headers.get('content-type')]).toEqual([status, expect.stringContaining(accept)]);
        expect(res.body).not.toHaveProperty('data');
        expect(codes(res)[0]).toBeDefined();
      }
    }
  });

  it('a body that is not JSON stays 400 for every client', async () => {
    for (const accept of [JSON_ONLY, GRAPHQL_RESPONSE]) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body: '{ "query": ',
      });
      expect(res.status).toBe(400);
    }
  });

  it('wrong methods and a mutation over GET are 405 with Allow: GET, POST', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const res = await fetch(url, {
        method,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, POST');
    }
    const res = await get(url, {
      query: 'mutation { authenticate(input: { email: "alice@buyer.example" }) { accessToken } }',
    });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST');
  });

  it('a query over GET executes', async () => {
    const res = await get(url, { query: '{ products(first: 1) { totalCount } }' });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ products: { totalCount: expect.any(Number) } });
  });

  it("a literal one of the API's scalars cannot take is a validation error naming the argument, before any subgraph is asked", async () => {
    const quote = (currency: string, country = '"SE"') =>
      `{ offsetQuoteByValue(input: { value: "10.00", currency: ${currency} }) { quote { totalCost { currency } } } suppliers(filter: { countryCode: ${country} }) { totalCount } }`;
    const unquoted = await post(url, { query: quote('EUR') }, { accept: GRAPHQL_RESPONSE });
    expect(unquoted.status).toBe(400);
    expect(unquoted.body.data).toBeUndefined();
    expect(unquoted.body.errors!.map((e) => [e.extensions?.code, e.message])).toEqual([
      [
        'GRAPHQL_VALIDATION_FAILED',
        expect.stringMatching(
          /^"input\.currency" takes a CurrencyCode, not the unquoted EUR \(write it as a string: "EUR"\)/,
        ),
      ],
    ]);
    const unknown = await post(url, { query: quote('"EUX"', '"XX"') }, { accept: GRAPHQL_RESPONSE });
    expect(unknown.body.errors!.map((e) => e.message.split(':')[0])).toEqual([
      '"input.currency" takes a CurrencyCode, not this value',
      '"filter.countryCode" takes a CountryCode, not this value',
    ]);
    // Quoted, it passes validation and reaches the subgraphs (a quote needs a token).
    const quoted = await post(url, { query: quote('"EUR"') });
    expect(codes(quoted)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('automatic persisted queries', () => {
  let gateway: RunningGateway;
  const query = 'query Typename { __typename }';
  const hash = sha256(query);

  beforeAll(async () => {
    gateway = await gatewayWith();
  });
  afterAll(async () => {
    await gateway.stop();
  });

  it('an unknown hash alone is 200 PERSISTED_QUERY_NOT_FOUND over POST and GET, as Apollo clients expect', async () => {
    const unknown = sha256('query Unknown { __typename }');
    for (const res of [
      await post(gateway.url, { extensions: persisted(unknown) }),
      await get(gateway.url, { extensions: persisted(unknown) }),
    ]) {
      expect(res.status).toBe(200);
      expect(res.body.errors).toEqual([
        { message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } },
      ]);
      expect(res.body).not.toHaveProperty('data');
    }
  });

  it('the hash with its query is stored, then the hash alone executes it (POST and GET)', async () => {
    const first = await post(gateway.url, { query, extensions: persisted(hash) });
    expect(first.body).toEqual({ data: { __typename: 'Query' } });
    expect((await post(gateway.url, { extensions: persisted(hash) })).body).toEqual({ data: { __typename: 'Query' } });
    const overGet = await get(gateway.url, { extensions: persisted(hash) });
    expect(overGet.status).toBe(200);
    expect(overGet.body).toEqual({ data: { __typename: 'Query' } });
  });

  it('a hash that is not the query’s is refused and nothing is stored', async () => {
    const other = sha256('query Other { __typename }');
    const res = await post(gateway.url, { query, extensions: persisted(other) });
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['PERSISTED_QUERY_HASH_MISMATCH']);
    expect(codes(await post(gateway.url, { extensions: persisted(other) }))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });

  it('another protocol version or a malformed hash is refused with a code', async () => {
    expect(
      codes(await post(gateway.url, { extensions: { persistedQuery: { version: 2, sha256Hash: hash } } })),
    ).toEqual(['PERSISTED_QUERY_VERSION_NOT_SUPPORTED']);
    expect(codes(await post(gateway.url, { extensions: persisted('not-a-hash') }))).toEqual([
      'PERSISTED_QUERY_HASH_MISMATCH',
    ]);
  });

  it('the store is bounded in entries and in bytes, dropping the least recently used', async () => {
    const { plugin, store } = persistedOperations({ maxEntries: 2, maxBytes: 1_000 });
    const register = async (q: string) => {
      let params: unknown;
      const done = (
        plugin.onRequestParse as unknown as (p: { request: Request }) => {
          onRequestParseDone(p: unknown): Promise<void>;
        }
      )({ request: new Request('http://gateway/graphql') });
      await done.onRequestParseDone({
        requestParserResult: { query: q, extensions: persisted(sha256(q)) },
        setRequestParserResult: (p: unknown) => (params = p),
      });
      return params;
    };
    for (const q of ['{ a: __typename }', '{ b: __typename }', '{ c: __typename }']) await register(q);
    expect(store.size).toBe(2);
    expect(store.get(sha256('{ a: __typename }'))).toBeUndefined();
    await register(`{ long: __typename } # ${'x'.repeat(400)}`);
    expect(store.bytes).toBeLessThanOrEqual(1_000);
    expect(store.size).toBe(1);
  });
});

describe('automatic persisted queries shared by gateway replicas (REDIS_URL)', () => {
  const replicas: RunningGateway[] = [];
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  // A query of its own per run, so a hash left in Redis by an earlier run never answers for it.
  const query = `query Shared { __typename } # ${randomUUID()}`;
  const hash = sha256(query);

  beforeAll(async () => {
    for (let i = 0; i < 2; i++)
      replicas.push(await gatewayWith({ REDIS_URL: redisUrl, GATEWAY_APQ_TTL_SECONDS: '60' }));
  });
  afterAll(async () => {
    await Promise.all(replicas.map((g) => g.stop()));
  });

  it('a hash registered on one replica is known to the other; a replica without Redis does not know it', async () => {
    const [a, b] = replicas;
    expect(codes(await post(b!.url, { extensions: persisted(hash) }))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    // Until a replica's Redis connection is ready its store misses (a client just sends the query again).
    for (let tries = 0; tries < 50; tries++) {
      expect((await post(a!.url, { query, extensions: persisted(hash) })).body).toEqual({
        data: { __typename: 'Query' },
      });
      if (!codes(await post(b!.url, { extensions: persisted(hash) })).length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const res of [
      await post(b!.url, { extensions: persisted(hash) }),
      await get(b!.url, { extensions: persisted(hash) }),
    ]) {
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ data: { __typename: 'Query' } });
    }
    const alone = await gatewayWith();
    try {
      expect(codes(await post(alone.url, { extensions: persisted(hash) }))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    } finally {
      await alone.stop();
    }
  });

  it('an unreachable Redis is a miss, never an error: the client sends the query again and it runs', async () => {
    const lost = await gatewayWith({ REDIS_URL: 'redis://127.0.0.1:9' });
    try {
      expect(codes(await post(lost.url, { extensions: persisted(hash) }))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
      expect((await post(lost.url, { query, extensions: persisted(hash) })).body).toEqual({
        data: { __typename: 'Query' },
      });
    } finally {
      await lost.stop();
    }
  });
});

describe('trusted documents', () => {
  let gateway: RunningGateway;
  let dir: string;
  const listed = 'query Listed { __typename }';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trusted-'));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ [sha256(listed)]: listed }));
    gateway = await gatewayWith({ GATEWAY_TRUSTED_DOCUMENTS: join(dir, 'manifest.json') });
  });
  afterAll(async () => {
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a listed document executes by its hash (POST and GET) or by its text', async () => {
    expect((await post(gateway.url, { extensions: persisted(sha256(listed)) })).body).toEqual({
      data: { __typename: 'Query' },
    });
    expect((await get(gateway.url, { extensions: persisted(sha256(listed)) })).body).toEqual({
      data: { __typename: 'Query' },
    });
    expect((await post(gateway.url, { query: listed })).body).toEqual({ data: { __typename: 'Query' } });
  });

  it('any other document is refused, and a hash cannot register one', async () => {
    const other = 'query Other { __typename }';
    const text = await post(gateway.url, { query: other });
    expect(text.status).toBe(400);
    expect(codes(text)).toEqual(['OPERATION_NOT_TRUSTED']);
    const registered = await post(gateway.url, { query: other, extensions: persisted(sha256(other)) });
    expect(registered.status).toBe(400);
    expect(codes(registered)).toEqual(['OPERATION_NOT_TRUSTED']);
    const byHash = await post(gateway.url, { extensions: persisted(sha256(other)) });
    expect(byHash.status).toBe(200);
    expect(codes(byHash)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });

  it('a manifest whose hash does not match its document is refused at start', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ [sha256('{ a }')]: '{ b }' }));
    expect(() => loadTrustedDocuments(bad)).toThrow(/is not a string whose sha256 is that hash/);
  });

  it('the manifest codegen writes lists every operation of test/operations', () => {
    const manifest = loadTrustedDocuments(join(process.cwd(), 'test/__generated__/client/persisted-documents.json'));
    expect(manifest.size).toBeGreaterThan(0);
    for (const document of manifest.values()) expect(document).toMatch(/^(query|mutation|fragment) /);
  });

  it("the manifest holds the client operations of test/operations and none of the suites' own", () => {
    const manifest = loadTrustedDocuments(join(process.cwd(), 'test/__generated__/client/persisted-documents.json'));
    const namesIn = (text: string) =>
      parse(text)
        .definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION)
        .map((d) => d.name?.value);
    const trusted = new Set([...manifest.values()].flatMap(namesIn));
    const operations = join(process.cwd(), 'test/operations');
    const files = readdirSync(operations, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.graphql'));
    const [clients, suites] = [files.filter((f) => !f.includes('/')), files.filter((f) => f.includes('/'))];
    const named = (list: string[]) => list.flatMap((f) => namesIn(readFileSync(join(operations, f), 'utf8')));
    expect(named(clients).length).toBeGreaterThan(0);
    for (const name of named(clients)) expect(trusted).toContain(name);
    expect(named(suites).length).toBeGreaterThan(0);
    expect(named(suites).filter((name) => trusted.has(name))).toEqual([]);
  });
});

describe('production profile, CORS and compression', () => {
  let development: RunningGateway;
  let production: RunningGateway;
  let allowlisted: RunningGateway;

  beforeAll(async () => {
    development = await gatewayWith();
    production = await gatewayWith({ NODE_ENV: 'production', GATEWAY_ALLOW_ARBITRARY_OPERATIONS: 'true' });
    allowlisted = await gatewayWith({ GATEWAY_CORS_ORIGINS: 'https://app.example, https://admin.example' });
  });
  afterAll(async () => {
    await development.stop();
    await production.stop();
    await allowlisted.stop();
  });

  it('production refuses introspection with a code and keeps ordinary queries', async () => {
    const refused = await post(production.url, { query: getIntrospectionQuery() });
    expect(refused.status).toBe(400);
    expect(codes(refused)).toEqual(['INTROSPECTION_DISABLED']);
    expect(codes(await post(production.url, { query: '{ __type(name: "Query") { name } }' }))).toEqual([
      'INTROSPECTION_DISABLED',
    ]);
    expect((await post(production.url, { query: '{ __typename }' })).body).toEqual({ data: { __typename: 'Query' } });
    expect((await post(development.url, { query: '{ __schema { queryType { name } } }' })).body).toEqual({
      data: { __schema: { queryType: { name: 'Query' } } },
    });
  });

  it('production serves no GraphiQL page; development does', async () => {
    const page = (url: string) => fetch(url, { headers: { accept: 'text/html' } });
    const dev = await page(development.url);
    expect(dev.status).toBe(200);
    expect(await dev.text()).toContain('<html');
    const prod = await page(production.url);
    expect(prod.headers.get('content-type') ?? '').not.toContain('text/html');
    expect(await prod.text()).not.toContain('<html');
  });

  const preflight = (url: string, origin: string) =>
    fetch(url, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      },
    });

  it('development admits any origin without credentials', async () => {
    const res = await post(development.url, { query: '{ __typename }' }, { origin: 'https://anywhere.example' });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://anywhere.example');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(
      (await preflight(development.url, 'https://anywhere.example')).headers.get('access-control-allow-credentials'),
    ).toBeNull();
  });

  it('production admits no origin by default', async () => {
    const res = await post(production.url, { query: '{ __typename }' }, { origin: 'https://anywhere.example' });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(
      (await preflight(production.url, 'https://anywhere.example')).headers.get('access-control-allow-origin'),
    ).toBeNull();
  });

  const vary = (headers: Headers) =>
    (headers.get('vary') ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean);

  it('answers whose CORS headers depend on the Origin say Vary: Origin, whatever the Origin (or none)', async () => {
    for (const gateway of [allowlisted, development]) {
      for (const origin of [{ origin: 'https://admin.example' }, { origin: 'https://evil.example' }, {}] as Record<
        string,
        string
      >[]) {
        const answer = await post(gateway.url, { query: '{ __typename }' }, origin);
        expect([origin, vary(answer.headers)]).toEqual([origin, expect.arrayContaining(['origin'])]);
      }
      expect(vary((await preflight(gateway.url, 'https://admin.example')).headers)).toContain('origin');
    }
    const listed = await post(
      allowlisted.url,
      { query: '{ __typename }' },
      { origin: 'https://app.example', 'accept-encoding': 'gzip' },
    );
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(vary(listed.headers).sort()).toEqual(['accept-encoding', 'origin']);
    // Production without a list answers every origin alike.
    expect(
      vary((await post(production.url, { query: '{ __typename }' }, { origin: 'https://anywhere.example' })).headers),
    ).not.toContain('origin');
  });

  it('an allowlist admits its origins with credentials and no other origin', async () => {
    const listed = await preflight(allowlisted.url, 'https://admin.example');
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://admin.example');
    expect(listed.headers.get('access-control-allow-credentials')).toBe('true');
    const other = await post(allowlisted.url, { query: '{ __typename }' }, { origin: 'https://evil.example' });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.headers.get('access-control-allow-credentials')).toBeNull();
    const otherPreflight = await preflight(allowlisted.url, 'https://evil.example');
    expect(otherPreflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  /** The raw bytes of a response (fetch would decode them), with the encoding the server chose. */
  async function raw(url: string, headers: Record<string, string>, body?: string | Buffer) {
    const { request } = await import('node:http');
    return new Promise<{ status: number; encoding?: string; vary: string[]; bytes: Buffer }>((resolve, reject) => {
      const req = request(
        url,
        {
          method: body ? 'POST' : 'GET',
          headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          const vary = String(res.headers.vary ?? '')
            .split(',')
            .map((h) => h.trim().toLowerCase())
            .filter(Boolean);
          res.on('end', () =>
            resolve({
              status: res.statusCode!,
              encoding: res.headers['content-encoding'],
              vary,
              bytes: Buffer.concat(chunks),
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  const decoded = (answer: { encoding?: string; bytes: Buffer }) =>
    answer.encoding === 'br'
      ? brotliDecompressSync(answer.bytes)
      : answer.encoding === 'gzip'
        ? gunzipSync(answer.bytes)
        : answer.encoding === 'deflate'
          ? inflateSync(answer.bytes)
          : answer.bytes;

  it('chooses the coding by the Accept-Encoding weights, and every answer it could compress says Vary: Accept-Encoding', async () => {
    const body = JSON.stringify({ query: getIntrospectionQuery() });
    const plain = await raw(development.url, { accept: JSON_ONLY }, body);
    expect(plain.vary).toContain('accept-encoding');
    const cases: [string, string | undefined][] = [
      ['gzip;q=0.1, br;q=1.0', 'br'],
      ['br;q=0, gzip', 'gzip'],
      ['deflate, gzip;q=0.5', 'deflate'],
      ['br;q=0.5, gzip;q=0.5', 'br'],
      ['gzip;q=0.5, br;q=0.5', 'gzip'],
      ['GZIP', 'gzip'],
      ['x-gzip', 'gzip'],
      ['*;q=0.2, br;q=0', 'gzip'],
      ['gzip;q=0', undefined],
      ['identity', undefined],
      ['zstd;q=1, compress', undefined],
    ];
    for (const [acceptEncoding, coding] of cases) {
      const answer = await raw(development.url, { accept: JSON_ONLY, 'accept-encoding': acceptEncoding }, body);
      expect([acceptEncoding, answer.encoding, answer.vary]).toEqual([
        acceptEncoding,
        coding,
        expect.arrayContaining(['accept-encoding']),
      ]);
      expect(decoded(answer).equals(plain.bytes)).toBe(true);
    }
  });

  it('reads the weights as RFC 9110 writes them', () => {
    expect(negotiateCoding(null)).toBeNull();
    expect(negotiateCoding('')).toBeNull();
    expect(negotiateCoding('gzip;q=0.1, br;q=1.0')).toBe('br');
    expect(negotiateCoding('gzip ; q=0.8 , deflate;q=0.9')).toBe('deflate');
    // A weight outside 0..1 or with more than three decimals is no weight: the member is ignored.
    expect(negotiateCoding('br;q=2, gzip;q=0.5')).toBe('gzip');
    expect(negotiateCoding('br;q=0.0001, gzip;q=0.001')).toBe('gzip');
    expect(negotiateCoding('*')).toBe('br');
    expect(negotiateCoding('*;q=0')).toBeNull();
    expect(negotiateCoding('gzip;q=0, *')).toBe('br');
  });

  it('reads a request body sent gzip-compressed, within the body limit; another coding is 415', async () => {
    const body = gzipSync(JSON.stringify({ query: '{ __typename }' }));
    const answer = await raw(development.url, { accept: JSON_ONLY, 'content-encoding': 'gzip' }, body);
    expect([answer.status, JSON.parse(answer.bytes.toString('utf8'))]).toEqual([
      200,
      { data: { __typename: 'Query' } },
    ]);
    expect((await raw(development.url, { accept: JSON_ONLY, 'content-encoding': 'compress' }, body)).status).toBe(415);
    // The body limit counts what the body decompresses to: 10 MB of padding in 10 kB of gzip is refused.
    const bomb = gzipSync(JSON.stringify({ query: '{ __typename }', pad: ' '.repeat(10 * 1024 * 1024) }));
    expect(bomb.byteLength).toBeLessThan(100_000);
    const refused = await raw(development.url, { accept: JSON_ONLY, 'content-encoding': 'gzip' }, bomb);
    expect([refused.status, JSON.parse(refused.bytes.toString('utf8')).errors[0].extensions.code]).toEqual([
      413,
      'PAYLOAD_TOO_LARGE',
    ]);
  });

  it('responses are gzip or brotli compressed when the client accepts it, plain otherwise', async () => {
    const body = JSON.stringify({ query: getIntrospectionQuery() });
    const plain = await raw(development.url, { accept: JSON_ONLY }, body);
    expect(plain.encoding).toBeUndefined();
    const gzip = await raw(development.url, { accept: JSON_ONLY, 'accept-encoding': 'gzip' }, body);
    expect(gzip.encoding).toBe('gzip');
    expect(gunzipSync(gzip.bytes).equals(plain.bytes)).toBe(true);
    const br = await raw(development.url, { accept: JSON_ONLY, 'accept-encoding': 'br' }, body);
    expect(br.encoding).toBe('br');
    expect(brotliDecompressSync(br.bytes).equals(plain.bytes)).toBe(true);
    expect(br.bytes.byteLength).toBeLessThan(plain.bytes.byteLength / 4);
  });

  it('the GraphiQL page is sent compressed', async () => {
    const plain = await raw(development.url, { accept: 'text/html' });
    const compressed = await raw(development.url, { accept: 'text/html', 'accept-encoding': 'gzip, deflate, br' });
    expect(compressed.encoding).toMatch(/^(gzip|br)$/);
    expect(compressed.bytes.byteLength).toBeLessThan(plain.bytes.byteLength / 3);
  });
});

describe("graphql-http's server audit", () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await gatewayWith();
  });
  afterAll(async () => {
    await gateway.stop();
  });

  it('passes every audit with no failure and no warning, for application/json and application/graphql-response+json', async () => {
    const notOk: string[] = [];
    const audits = serverAudits({ url: gateway.url });
    for (const audit of audits) {
      const result = await audit.fn();
      if (result.status !== 'ok') notOk.push(`${result.status} ${result.id} ${result.name}: ${result.reason}`);
    }
    expect(notOk).toEqual([]);
    // Both media types are audited (the audit names each one it checks).
    expect(audits.some((a) => a.name.includes('application/json'))).toBe(true);
    expect(audits.some((a) => a.name.includes('application/graphql-response+json'))).toBe(true);
  });
});
