// A frozen Redis (the process stopped with SIGSTOP: connections stay open, nothing answers) is a
// cache miss for the gateway, never a hang: cacheable queries, persisted-query lookups and
// registrations and mutations (which invalidate cached answers) all answer while it is frozen,
// and Redis is used again once it answers. The freeze is a TCP proxy in front of the test Redis
// that stops passing bytes and passes them on when thawed (test/support/freeze-proxy.ts).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sha256 } from '../../gateway/persisted.ts';
import { DEMO } from '../../demo/data.ts';
import { tokenFor } from '../support/env.ts';
import { graphql } from '../support/graphql.ts';
import { startFreezeProxy, type FreezeProxy } from '../support/freeze-proxy.ts';
import { startStack, type Stack } from '../support/stack.ts';

type Body = { data?: unknown; errors?: { extensions?: { code?: string } }[] };
const codesOf = (body: Body) => (body.errors ?? []).map((e) => e.extensions?.code);

const persisted = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

async function post(url: string, body: Record<string, unknown>, token?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Body;
}

describe('a frozen Redis is a miss, not a hang', () => {
  const target = new URL(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  let proxy: FreezeProxy;
  let stack: Stack;
  let alice: string;
  const run = `r${randomUUID().replaceAll('-', '')}`;

  /** Registers a query by its hash and waits until the gateway finds it again by the hash alone (Redis answers). */
  async function registerAndFind(query: string) {
    for (let tries = 0; tries < 100; tries++) {
      await post(stack.gateway.url, { query, extensions: persisted(sha256(query)) });
      if (!codesOf(await post(stack.gateway.url, { extensions: persisted(sha256(query)) })).length) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }

  beforeAll(async () => {
    proxy = await startFreezeProxy(target.hostname, Number(target.port || 6379));
    stack = await startStack('local', {
      REDIS_URL: `redis://127.0.0.1:${proxy.port}${target.pathname}`,
      REDIS_COMMAND_TIMEOUT_MS: '300',
    });
    alice = await tokenFor(DEMO.users.alice);
  }, 60_000);
  afterAll(async () => {
    proxy?.thaw();
    await stack?.stop();
    await proxy?.close();
  });

  it('while frozen, every kind of request answers without Redis; thawed, Redis is used again', async () => {
    expect(await registerAndFind(`query Before { __typename } # ${run}`)).toBe(true);
    const cacheable = `{ ${run}: puroInventory(first: 2) { nodes { id } } }`;
    expect((await graphql(stack.gateway.url, cacheable)).errors).toBeUndefined();

    proxy.freeze();
    const events: string[] = [];
    const answered = <T>(name: string, p: Promise<T>) => p.then((value) => (events.push(name), value));
    const known = `query Known { __typename } # ${run}`;
    const fresh = `query Fresh { __typename } # ${run}`;
    const answers = Promise.all([
      answered('cacheable query', graphql(stack.gateway.url, cacheable)),
      answered(
        'persisted lookup',
        post(stack.gateway.url, { extensions: persisted(sha256(`query Before { __typename } # ${run}`)) }),
      ),
      answered(
        'persisted registration',
        post(stack.gateway.url, { query: fresh, extensions: persisted(sha256(fresh)) }),
      ),
      answered(
        'mutation',
        graphql(
          stack.gateway.url,
          `mutation { subscribeToMailingList(input: { email: "${run}@buyer.example" }) { entry { id } userErrors { code } } }`,
          {},
          { token: alice },
        ),
      ),
      answered(
        'second cacheable query',
        graphql(stack.gateway.url, `{ ${run}b: creditTypes(first: 1) { nodes { id } } }`),
      ),
    ]);
    // Thawed once everything answered, or after 20 s: a request that waited for Redis answers after the thaw.
    await Promise.race([answers, new Promise((r) => setTimeout(r, 20_000))]);
    expect(proxy.held()).toBeGreaterThan(0);
    events.push('thawed');
    proxy.thaw();
    const [query, lookup, registration, mutation, second] = await answers;

    expect(events.at(-1)).toBe('thawed');
    expect(events).toHaveLength(6);
    expect(query.errors).toBeUndefined();
    expect(second.errors).toBeUndefined();
    // The stored query could not be read: a miss, which a client answers by sending the query again.
    expect(codesOf(lookup)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect(registration).toEqual({ data: { __typename: 'Query' } });
    expect(mutation.errors).toBeUndefined();

    expect(await registerAndFind(known)).toBe(true);
  }, 60_000);
});
