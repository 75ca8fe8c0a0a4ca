// Client identity (graphql-client-name / apollographql-client-name and their versions): a bounded
// metric label, trusted-document manifests kept per client, and the use of deprecated fields
// counted per client, worked out once per document.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { Registry } from 'prom-client';
import { clientIdentities, clientNames } from '../../gateway/client-identity.ts';
import { deprecatedFieldUsage, deprecatedUses } from '../../gateway/deprecated-fields.ts';
import { sha256 } from '../../gateway/persisted.ts';
import { serveGateway, type RunningGateway } from '../../gateway/server.ts';
import { testConfig } from '../support/env.ts';

const requestWith = (headers: Record<string, string>) => new Request('http://gateway/graphql', { headers });

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return (await res.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
}

/** The value of the sample of `name` with exactly these labels (besides `service`), from the gateway's /metrics. */
async function sample(url: string, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const text = await (await fetch(`${new URL(url).origin}/metrics`)).text();
  for (const line of text.split('\n')) {
    const match = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...match[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    delete found.service;
    if (JSON.stringify(Object.entries(found).sort()) === JSON.stringify(Object.entries(labels).sort()))
      return Number(match[3]);
  }
  return undefined;
}

describe('client identity', () => {
  it('labels a configured name as itself, any other as other and none as none; logs and traces get the name as sent', () => {
    const { of } = clientIdentities(clientNames('offset-page, admin-console'));
    expect(of(requestWith({ 'graphql-client-name': 'offset-page', 'graphql-client-version': '1.4.0' }))).toEqual({
      name: 'offset-page',
      version: '1.4.0',
      label: 'offset-page',
    });
    expect(
      of(requestWith({ 'apollographql-client-name': 'admin-console', 'apollographql-client-version': '2' })),
    ).toEqual({ name: 'admin-console', version: '2', label: 'admin-console' });
    expect(of(requestWith({ 'graphql-client-name': 'someone-else' }))).toEqual({
      name: 'someone-else',
      version: null,
      label: 'other',
    });
    expect(of(requestWith({}))).toEqual({ name: null, version: null, label: 'none' });
    // Nothing unprintable or long reaches a log line.
    expect(of(requestWith({ 'graphql-client-name': 'a b\u0007' })).name).toBeNull();
    expect(of(requestWith({ 'graphql-client-name': 'x'.repeat(300) })).name).toHaveLength(64);
  });
});

describe('the gateway by client', () => {
  let manifests: string;
  let perClient: RunningGateway;
  let open: RunningGateway;
  const pageQuery = 'query PageQuery { __typename }';
  const consoleQuery = 'query ConsoleQuery { a: __typename }';

  beforeAll(async () => {
    manifests = mkdtempSync(join(tmpdir(), 'client-manifests-'));
    writeFileSync(join(manifests, 'offset-page.json'), JSON.stringify({ [`sha256:${sha256(pageQuery)}`]: pageQuery }));
    writeFileSync(join(manifests, 'admin-console.json'), JSON.stringify({ [sha256(consoleQuery)]: consoleQuery }));
    mkdirSync(join(manifests, 'empty'));
    perClient = await serveGateway(testConfig({ GATEWAY_TRUSTED_DOCUMENTS: manifests }), 0);
    open = await serveGateway(testConfig(), 0);
  });
  afterAll(async () => {
    await perClient?.stop();
    await open?.stop();
    rmSync(manifests, { recursive: true, force: true });
  });

  it('runs only the documents of the client a request names, when manifests are kept per client', async () => {
    const page = { 'graphql-client-name': 'offset-page' };
    expect(await post(perClient.url, { query: pageQuery }, page)).toEqual({ data: { __typename: 'Query' } });
    expect(
      await post(
        perClient.url,
        { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(pageQuery) } } },
        page,
      ),
    ).toEqual({ data: { __typename: 'Query' } });
    expect((await post(perClient.url, { query: consoleQuery }, page)).errors?.[0]?.extensions?.code).toBe(
      'OPERATION_NOT_TRUSTED',
    );
    expect(
      await post(perClient.url, { query: consoleQuery }, { 'apollographql-client-name': 'admin-console' }),
    ).toEqual({ data: { a: 'Query' } });
    expect((await post(perClient.url, { query: pageQuery })).errors?.[0]?.extensions?.code).toBe(
      'OPERATION_NOT_TRUSTED',
    );
    expect(
      (await post(perClient.url, { query: pageQuery }, { 'graphql-client-name': 'unknown-app' })).errors?.[0]
        ?.extensions?.code,
    ).toBe('OPERATION_NOT_TRUSTED');
    // A client with a manifest is a known client: its own label, though GATEWAY_CLIENT_NAMES does not list it.
    expect(
      await sample(perClient.url, 'graphql_envelop_request', {
        operationName: 'ConsoleQuery',
        operationType: 'query',
        client: 'admin-console',
      }),
    ).toBe(1);
    expect(
      await sample(perClient.url, 'graphql_envelop_request', {
        operationName: 'PageQuery',
        operationType: 'query',
        client: 'offset-page',
      }),
    ).toBe(2);
  });

  it('refuses to start on a manifest folder with no manifest', async () => {
    await expect(serveGateway(testConfig({ GATEWAY_TRUSTED_DOCUMENTS: join(manifests, 'empty') }), 0)).rejects.toThrow(
      /no <client name>.json manifest/,
    );
  });

  it('counts operations per client label in /metrics, and declares the deprecated-field counter', async () => {
    const query = 'query Labelled { __typename }';
    await post(open.url, { query }, { 'graphql-client-name': 'offset-page', 'graphql-client-version': '3.1.0' });
    await post(open.url, { query }, { 'apollographql-client-name': 'offset-page' });
    await post(open.url, { query }, { 'graphql-client-name': 'a-script' });
    await post(open.url, { query });
    const labels = { operationName: 'Labelled', operationType: 'query' };
    expect(await sample(open.url, 'graphql_envelop_request', { ...labels, client: 'offset-page' })).toBe(2);
    expect(await sample(open.url, 'graphql_envelop_request', { ...labels, client: 'other' })).toBe(1);
    expect(await sample(open.url, 'graphql_envelop_request', { ...labels, client: 'none' })).toBe(1);
    const text = await (await fetch(`${new URL(open.url).origin}/metrics`)).text();
    expect(text).toContain('# TYPE graphql_deprecated_field_usage_total counter');
  });
});

describe('use of deprecated fields', () => {
  const schema = createSchema({
    typeDefs: /* GraphQL */ `
      type Query {
        price: Int @deprecated(reason: "Use \`pricePerTonne\` instead.")
        pricePerTonne: Int
        products(sort: String @deprecated(reason: "Use \`order\`."), order: String, filter: Filter, kind: Kind): [Int]
      }
      input Filter {
        old: Int @deprecated(reason: "Use \`new\`.")
        new: Int
      }
      enum Kind {
        A
        B @deprecated(reason: "Use \`A\`.")
      }
    `,
    resolvers: { Query: { price: () => 1, pricePerTonne: () => 1, products: () => [] } },
  });

  it('names each deprecated field, argument, input field and enum value an operation uses, fragments included', () => {
    const document = createYoga({ schema }).getEnveloped().parse(`
      query Q { ...F products(sort: "a", order: "b", filter: { old: 1, new: 2 }, kind: B) }
      query Other { pricePerTonne }
      fragment F on Query { price pricePerTonne }
    `);
    expect(deprecatedUses(schema, document, 'Q').sort()).toEqual([
      'Filter.old',
      'Kind.B',
      'Query.price',
      'Query.products.sort',
    ]);
    expect(deprecatedUses(schema, document, 'Other')).toEqual([]);
  });

  it('counts per client, working out each document once', async () => {
    const registry = new Registry();
    let walks = 0;
    const { of } = clientIdentities(clientNames('offset-page'));
    const counting: typeof deprecatedUses = (...args) => {
      walks++;
      return deprecatedUses(...args);
    };
    const yoga = createYoga({
      schema,
      plugins: [deprecatedFieldUsage(registry, of, counting) as Plugin],
      logging: false,
    });
    const send = (query: string, headers: Record<string, string> = {}) =>
      yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query }),
      });
    for (let i = 0; i < 3; i++) await send('{ price }', { 'graphql-client-name': 'offset-page' });
    await send('{ price }', { 'graphql-client-name': 'a-script' });
    await send('{ pricePerTonne }');
    expect(walks).toBe(2);
    const values = (await registry.getSingleMetric('graphql_deprecated_field_usage_total')!.get()).values;
    expect(values.map((v) => [v.labels, v.value])).toEqual([
      [{ client: 'offset-page', coordinate: 'Query.price' }, 3],
      [{ client: 'other', coordinate: 'Query.price' }, 1],
    ]);
  });
});
