// Every GraphQL example of the README, the docs/ pages and the subgraph READMEs runs against the
// stack (local mode, demo data) as an admin: it must parse, validate and execute without an internal
// error. Examples naming an object with a placeholder (`"…"`, `"<id>"`) are answered NOT_FOUND or
// BAD_USER_INPUT like any unknown id; an example without a placeholder must answer without errors.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Kind, parse, print } from 'graphql';
import { DEMO } from '../demo/data.ts';
import { ROOT } from '../lib/paths.ts';
import { SUBGRAPHS } from '../subgraphs/index.ts';
import { markdownExamples } from '../scripts/schema-contract.ts';
import { TEST_SECRETS, tokenFor } from './support/env.ts';
import { graphql } from './support/graphql.ts';
import { startStack, type Stack } from './support/stack.ts';

const files = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
  ...SUBGRAPHS.map((name) => `subgraphs/${name}/README.md`),
];
const PLACEHOLDER = /"[^"]*(…|<[^>"]*>)[^"]*"|\$[a-zA-Z]/;
/** What a placeholder id or a mutation's business rule may answer; never a validation or internal error. */
const EXPECTED_WITH_PLACEHOLDER = new Set(['NOT_FOUND', 'BAD_USER_INPUT', 'FORBIDDEN']);
/** Each operation of each example on its own (a block may hold several anonymous ones), with the fragments it uses. */
const examples = files
  .flatMap((file) => markdownExamples(readFileSync(join(ROOT, file), 'utf8'), file))
  .flatMap(({ source, text }) => {
    const { definitions } = parse(text);
    const fragments = definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
    const operations = definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    return operations.map((op, i) => ({
      source: operations.length > 1 ? `${source} #${i + 1}` : source,
      text: print({ kind: Kind.DOCUMENT, definitions: [op, ...fragments] }),
      placeholder: PLACEHOLDER.test(print(op)),
    }));
  });

describe('the examples of the README and docs/ run against the stack', () => {
  let stack: Stack;
  let token: string;
  beforeAll(async () => {
    stack = await startStack('local');
    token = await tokenFor(DEMO.users.admin);
  });
  afterAll(() => stack?.stop());

  it('finds the examples of every page', () => {
    expect(examples.length).toBeGreaterThan(20);
    expect(new Set(examples.map((e) => e.source.replace(/:\d+( #\d+)?$/, '')))).toEqual(
      new Set(files.filter((f) => examples.some((e) => e.source.startsWith(`${f}:`)))),
    );
  });

  /** A subscription over SSE, as the docs show it: its first event (or none within a few seconds). */
  async function subscribe(
    text: string,
  ): Promise<{ status: number; errors?: { extensions?: Record<string, unknown> }[] }> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 3000);
    try {
      const res = await fetch(stack.gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: text }),
        signal: abort.signal,
      });
      if (!res.headers.get('content-type')?.includes('text/event-stream'))
        return { status: res.status, ...((await res.json()) as object) };
      let received = '';
      try {
        for await (const chunk of res.body!) {
          received += Buffer.from(chunk).toString('utf8');
          const data = /^data: (.+)$/m.exec(received.split('event: next')[1] ?? '');
          if (data) return { status: res.status, ...(JSON.parse(data[1]!) as object) };
          if (received.includes('event: complete')) break;
        }
      } catch {
        // No event within the wait: a valid subscription waiting for a change.
      }
      return { status: res.status };
    } finally {
      clearTimeout(timer);
      abort.abort();
    }
  }

  it.each(examples.map((e) => [e.source, e.text, e.placeholder] as const))('%s', async (_source, text, placeholder) => {
    const subscription = parse(text).definitions.some(
      (d) => d.kind === Kind.OPERATION_DEFINITION && d.operation === 'subscription',
    );
    const res = subscription
      ? await subscribe(text)
      : await graphql(stack.gateway.url, text, undefined, {
          token,
          headers: { 'x-backend-secret-key': TEST_SECRETS.BACKEND_SECRET_KEY },
        });
    expect(res.status).toBeLessThan(500);
    const codes = (res.errors ?? []).map((e) => String(e.extensions?.code));
    if (placeholder) {
      expect(codes.filter((c) => !EXPECTED_WITH_PLACEHOLDER.has(c))).toEqual([]);
    } else {
      expect(res.errors ?? []).toEqual([]);
    }
  });
});
