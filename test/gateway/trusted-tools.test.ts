// Introspection for trusted tools: in production the schema is refused to the public and to users,
// and given to an admin's token or the service credential, by introspection and at
// GET /schema.graphql, also when only trusted documents run; a frontend's codegen loads it from
// the deployed gateway.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generate } from '@graphql-codegen/cli';
import { getIntrospectionQuery } from 'graphql';
import { DEMO } from '../../demo/data.ts';
import { ROOT } from '../../lib/paths.ts';
import { serveGateway, type RunningGateway } from '../../gateway/server.ts';
import { sha256 } from '../../gateway/persisted.ts';
import { onlyIntrospects } from '../../gateway/trusted-tools.ts';
import { TEST_SECRETS, testConfig, tokenFor } from '../support/env.ts';

interface Answer {
  status: number;
  body: {
    data?: { __schema?: { types: { name: string; description: string | null }[] } } | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
}

async function post(url: string, query: string, token?: string): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

const schemaUrl = (url: string) => `${new URL(url).origin}/schema.graphql`;
const getSchema = (url: string, token?: string) =>
  fetch(schemaUrl(url), { headers: token ? { authorization: `Bearer ${token}` } : {} });
const codes = (a: Answer) => (a.body.errors ?? []).map((e) => e.extensions?.code);
const API_SDL = readFileSync(join(ROOT, 'schema', 'api.graphql'), 'utf8');
const INTROSPECTION = getIntrospectionQuery({ descriptions: true });

describe('the schema for trusted tools', () => {
  let production: RunningGateway;
  let trustedOnly: RunningGateway;
  let development: RunningGateway;
  let manifestDir: string;
  const tokens = {} as Record<'user' | 'admin' | 'expired' | 'forged', string>;

  beforeAll(async () => {
    manifestDir = mkdtempSync(join(tmpdir(), 'trusted-tools-'));
    const listed = '{ __typename }';
    writeFileSync(join(manifestDir, 'manifest.json'), JSON.stringify({ [sha256(listed)]: listed }));
    production = await serveGateway(
      testConfig({ NODE_ENV: 'production', GATEWAY_ALLOW_ARBITRARY_OPERATIONS: 'true' }),
      0,
    );
    trustedOnly = await serveGateway(
      testConfig({ NODE_ENV: 'production', GATEWAY_TRUSTED_DOCUMENTS: join(manifestDir, 'manifest.json') }),
      0,
    );
    development = await serveGateway(testConfig(), 0);
    tokens.user = await tokenFor(DEMO.users.alice);
    tokens.admin = await tokenFor(DEMO.users.admin);
    tokens.expired = await tokenFor(DEMO.users.admin, { ttlSeconds: -60 });
    tokens.forged = `${tokens.admin.slice(0, -4)}AAAA`;
  });
  afterAll(async () => {
    await production?.stop();
    await trustedOnly?.stop();
    await development?.stop();
    rmSync(manifestDir, { recursive: true, force: true });
  });

  it('production refuses introspection anonymously and to a user, expired or forged token, and answers an admin and the service credential', async () => {
    for (const token of [undefined, tokens.user, tokens.expired, tokens.forged]) {
      const refused = await post(production.url, INTROSPECTION, token);
      expect(refused.status).toBe(400);
      expect(codes(refused)).toEqual(['INTROSPECTION_DISABLED']);
    }
    for (const token of [tokens.admin, TEST_SECRETS.SERVICE_TOKEN]) {
      const answered = await post(production.url, INTROSPECTION, token);
      expect(answered.status).toBe(200);
      const product = answered.body.data!.__schema!.types.find((t) => t.name === 'Product')!;
      expect(product.description).toMatch(/\w/);
    }
    // Validation results are cached per document for every caller: the admin's answer is not.
    expect(codes(await post(production.url, INTROSPECTION))).toEqual(['INTROSPECTION_DISABLED']);
  });

  it('production serves GET /schema.graphql to an admin and the service credential only', async () => {
    const anonymous = await getSchema(production.url);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect(await anonymous.json()).toEqual({
      errors: [
        {
          message: expect.stringMatching(/admin token or the service credential/),
          extensions: { code: 'UNAUTHENTICATED' },
        },
      ],
    });
    const user = await getSchema(production.url, tokens.user);
    expect(user.status).toBe(403);
    expect(((await user.json()) as Answer['body']).errors![0]!.extensions!.code).toBe('FORBIDDEN');
    for (const token of [tokens.expired, tokens.forged])
      expect((await getSchema(production.url, token)).status).toBe(401);
    for (const token of [tokens.admin, TEST_SECRETS.SERVICE_TOKEN]) {
      const served = await getSchema(production.url, token);
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await served.text()).toBe(API_SDL);
    }
  });

  it('development serves the schema to anyone', async () => {
    const served = await getSchema(development.url);
    expect(served.status).toBe(200);
    expect(await served.text()).toBe(API_SDL);
  });

  it('with trusted documents only, an admin may still introspect, and nothing else that is not listed', async () => {
    expect(
      (await post(trustedOnly.url, INTROSPECTION, tokens.admin)).body.data!.__schema!.types.length,
    ).toBeGreaterThan(50);
    expect(codes(await post(trustedOnly.url, INTROSPECTION))).toEqual(['OPERATION_NOT_TRUSTED']);
    expect(codes(await post(trustedOnly.url, INTROSPECTION, tokens.user))).toEqual(['OPERATION_NOT_TRUSTED']);
    expect(
      codes(
        await post(
          trustedOnly.url,
          '{ __schema { queryType { name } } products(first: 1) { totalCount } }',
          tokens.admin,
        ),
      ),
    ).toEqual(['OPERATION_NOT_TRUSTED']);
    expect(codes(await post(trustedOnly.url, '{ products(first: 1) { totalCount } }', tokens.admin))).toEqual([
      'OPERATION_NOT_TRUSTED',
    ]);
    expect((await post(trustedOnly.url, '{ __typename }')).body).toEqual({ data: { __typename: 'Query' } });
  });

  it("a frontend's codegen loads the schema of a production gateway, from /schema.graphql or by introspection, with an admin token", async () => {
    for (const pointer of [schemaUrl(production.url), production.url]) {
      const [output] = await generate(
        {
          schema: [{ [pointer]: { headers: { authorization: `Bearer ${tokens.admin}` } } }],
          generates: { 'types.ts': { plugins: ['typescript'] } },
          silent: true,
        },
        false,
      );
      expect(output!.content).toMatch(/export type Product = Node & \{/);
      // Descriptions come along as comments.
      expect(output!.content).toMatch(/\/\*\* [A-Z]/);
    }
  }, 60_000);

  it('knows an introspection-only query', () => {
    expect(onlyIntrospects(INTROSPECTION)).toBe(true);
    expect(onlyIntrospects('{ __type(name: "Product") { name } __typename }')).toBe(true);
    expect(onlyIntrospects('query { ...F } fragment F on Query { __schema { types { name } } }')).toBe(true);
    expect(onlyIntrospects('{ __schema { types { name } } products { totalCount } }')).toBe(false);
    expect(onlyIntrospects('query { ...F } fragment F on Query { me { id } }')).toBe(false);
    expect(onlyIntrospects('mutation { __typename }')).toBe(false);
    expect(onlyIntrospects('{ __schema')).toBe(false);
  });
});
