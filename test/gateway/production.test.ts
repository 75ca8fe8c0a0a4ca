// The production profile (NODE_ENV=production): only trusted documents run unless a setting says
// otherwise, which the process logs at start; without either the gateway does not start. With
// introspection off, no error message suggests a name of the schema.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createGateway, serveGateway, type RunningGateway } from '../../gateway/server.ts';
import { loadTrustedDocuments } from '../../gateway/persisted.ts';
import { withoutSuggestion } from '../../gateway/suggestions.ts';
import { ConfigError } from '../../lib/config.ts';
import { EXIT_CANNOT_START } from '../../lib/process.ts';
import { ROOT } from '../../lib/paths.ts';
import { TEST_SECRETS, testConfig } from '../support/env.ts';
import { codes, graphql } from '../support/graphql.ts';

/** The manifest the Kubernetes configuration ships (the one codegen writes). */
const SHIPPED = join(ROOT, 'deploy', 'kubernetes', 'app', 'persisted-documents.json');

/** Runs the gateway process with `env` until `done` says its output is complete (or it exits). */
async function gatewayProcess(
  env: Record<string, string>,
  done: (output: string) => boolean,
): Promise<{ output: string; code: number | null; url?: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'carbon-production-'));
  const absent = 'http://127.0.0.1:9/graphql';
  const child = spawn(process.execPath, [join(ROOT, 'gateway', 'server.ts')], {
    env: {
      PATH: process.env.PATH,
      ...TEST_SECRETS,
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      GATEWAY_PORT: '0',
      DATA_DIR: dataDir,
      MARKETPLACE_URL: absent,
      PAYMENTS_URL: absent,
      REGISTRY_URL: absent,
      FOOTPRINTS_URL: absent,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    for (let i = 0; i < 1200 && child.exitCode === null && !done(output); i++)
      await new Promise((r) => setTimeout(r, 50));
    const url = output.match(/gateway ready at (http:\/\/\S+\/graphql)/)?.[1];
    // Still running: it answers one arbitrary query before it is stopped.
    if (url && child.exitCode === null)
      output += `\nanswer: ${JSON.stringify((await graphql(url, '{ __typename }')).data)}`;
    if (child.exitCode === null) child.kill('SIGTERM');
    return { output, code: await exited, url };
  } finally {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('trusted documents in production', () => {
  it('a production gateway without a manifest does not start: one line names both settings, exit code 78', async () => {
    const { output, code } = await gatewayProcess({ NODE_ENV: 'production' }, () => false);
    expect(code).toBe(EXIT_CANNOT_START);
    expect(output).toContain('GATEWAY_TRUSTED_DOCUMENTS: required with NODE_ENV=production');
    expect(output).toContain('GATEWAY_ALLOW_ARBITRARY_OPERATIONS=true');
    expect(output).not.toContain('gateway ready');
  }, 90_000);

  it('GATEWAY_ALLOW_ARBITRARY_OPERATIONS=true runs any operation, and the process says so when it starts', async () => {
    const { output, url } = await gatewayProcess(
      { NODE_ENV: 'production', GATEWAY_ALLOW_ARBITRARY_OPERATIONS: 'true' },
      (o) => o.includes('gateway ready'),
    );
    expect(url).toBeDefined();
    const warning = output.split('\n').find((line) => line.includes('GATEWAY_ALLOW_ARBITRARY_OPERATIONS is true'));
    expect(JSON.parse(warning!)).toMatchObject({
      level: 40,
      msg: expect.stringContaining('any operation is executed'),
    });
    // Said before the gateway serves.
    expect(output.indexOf(warning!)).toBeLessThan(output.indexOf('gateway ready'));
    expect(output).toContain('answer: {"__typename":"Query"}');
  }, 90_000);

  it('a manifest and the setting together, or a manifest that cannot be read, are configuration errors naming the variable', async () => {
    const build = (env: Record<string, string>) => () => createGateway(testConfig({ NODE_ENV: 'production', ...env }));
    expect(build({ GATEWAY_TRUSTED_DOCUMENTS: SHIPPED, GATEWAY_ALLOW_ARBITRARY_OPERATIONS: 'true' })).toThrow(
      ConfigError,
    );
    expect(build({ GATEWAY_TRUSTED_DOCUMENTS: SHIPPED, GATEWAY_ALLOW_ARBITRARY_OPERATIONS: 'true' })).toThrow(
      /GATEWAY_ALLOW_ARBITRARY_OPERATIONS: must not be true/,
    );
    expect(build({ GATEWAY_TRUSTED_DOCUMENTS: join(ROOT, 'no-such-manifest.json') })).toThrow(
      /GATEWAY_TRUSTED_DOCUMENTS: .*no-such-manifest\.json/,
    );
    // Development runs any operation without being told.
    await createGateway(testConfig({})).runtime.dispose();
  });

  describe('with the manifest the Kubernetes configuration ships', () => {
    let gateway: RunningGateway;

    beforeAll(async () => {
      gateway = await serveGateway(testConfig({ NODE_ENV: 'production', GATEWAY_TRUSTED_DOCUMENTS: SHIPPED }), 0);
    });
    afterAll(async () => {
      await gateway.stop();
    });

    it('runs a listed document, by its hash or its text, and refuses any other', async () => {
      const [hash, text] = [...loadTrustedDocuments(SHIPPED).entries()].find(([, t]) =>
        t.startsWith('query AppGroups'),
      )!;
      const trustErrors = (c: (string | undefined)[]) =>
        c.filter((code) => code === 'OPERATION_NOT_TRUSTED' || code === 'PERSISTED_QUERY_NOT_FOUND');
      const byHash = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
      });
      const answer = (await byHash.json()) as { errors?: { extensions?: { code?: string } }[] };
      // It runs (the footprints subgraph is not there, so it answers UPSTREAM_UNAVAILABLE).
      expect(trustErrors((answer.errors ?? []).map((e) => e.extensions?.code))).toEqual([]);
      expect(trustErrors(codes(await graphql(gateway.url, text)))).toEqual([]);
      const other = await graphql(gateway.url, '{ __typename }');
      expect(other.status).toBe(400);
      expect(codes(other)).toEqual(['OPERATION_NOT_TRUSTED']);
    });

    it("applies to subscriptions: the offset page's runs by its hash, any other is refused before it streams", async () => {
      const [hash] = [...loadTrustedDocuments(SHIPPED).entries()].find(([, t]) =>
        t.includes('subscription AppOffsetProgress'),
      )!;
      const stream = (body: unknown) =>
        fetch(gateway.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
          body: JSON.stringify(body),
        });
      // Listed: it runs (anonymous: the marketplace is not there, so its error, not a trust error, comes back).
      const listed = await (
        await stream({ variables: { key: 'k' }, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } })
      ).text();
      expect(listed).not.toMatch(/OPERATION_NOT_TRUSTED|PERSISTED_QUERY_NOT_FOUND/);
      const unlisted = await (
        await stream({ query: 'subscription { offsetOrderProgress(idempotencyKey: "k") { step } }' })
      ).text();
      expect(unlisted).toContain('OPERATION_NOT_TRUSTED');
    });
  });
});

describe('schema suggestions', () => {
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

  /** Mistyped names in every place graphql-js suggests one: field, argument, input field, type, enum value (a variable's). */
  const typos: [string, string, Record<string, unknown>][] = [
    ['a field', '{ productz { totalCount } }', {}],
    ['an argument', '{ products(firsst: 1) { totalCount } }', {}],
    ['an input field', '{ products(filter: { supplierIdd: "x" }) { totalCount } }', {}],
    ['a type', 'query ($f: ProductFiltr) { products(filter: $f) { totalCount } }', {}],
    ['an enum value of a variable', 'query ($o: SortDirection) { products(order: $o) { totalCount } }', { o: 'ASCC' }],
  ];

  it.each(typos)(
    'production names no schema name for a mistyped %s; development still suggests one',
    async (_what, query, variables) => {
      const refused = await graphql(production.url, query, variables);
      expect(refused.errors).toHaveLength(1);
      expect(refused.errors![0]!.message).not.toContain('Did you mean');
      const helped = await graphql(development.url, query, variables);
      expect(helped.errors![0]!.message).toMatch(/Did you mean/);
      // The same error otherwise: the message up to the hint, and the code.
      expect(refused.errors![0]!.message).toBe(withoutSuggestion(helped.errors![0]!.message));
      expect(codes(refused)).toEqual(codes(helped));
    },
  );

  it('cuts only the hint at the end of a message', () => {
    expect(
      withoutSuggestion('Cannot query field "productz" on type "Query". Did you mean "product" or "products"?'),
    ).toBe('Cannot query field "productz" on type "Query".');
    expect(
      withoutSuggestion('Value "ASCC" does not exist in "SortDirection" enum. Did you mean the enum value "ASC"?'),
    ).toBe('Value "ASCC" does not exist in "SortDirection" enum.');
    expect(withoutSuggestion('Did you mean to pay twice? No.')).toBe('Did you mean to pay twice? No.');
  });
});
