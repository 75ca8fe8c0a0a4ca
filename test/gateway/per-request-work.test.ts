// What the gateway does again for every request of many distinct callers, counted (never timed):
// a query is planned once per kind of caller, not once per request, no abort signal collects a
// listener per subgraph request, no subgraph answer is copied, and subgraph connections are kept
// open and reused, and a request body is parsed from the request as it came (no second request
// around a stream that re-reads it).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { useQueryPlan } from '@graphql-hive/router-runtime';
import { SUBGRAPHS } from '../../subgraphs/index.ts';
import { DEMO } from '../../demo/data.ts';
import { ROOT } from '../../lib/paths.ts';
import { serveGateway, type RunningGateway } from '../../gateway/server.ts';
import { tokenFor } from '../support/env.ts';
import { ViewerAndProductIdsDocument } from '../__generated__/operations.ts';
import { graphql } from '../support/graphql.ts';
import { startStack, type Stack } from '../support/stack.ts';

const BENCH_QUERY = readFileSync(join(ROOT, 'bench', 'query.graphql'), 'utf8');
const CALLERS = 24;

describe('per-request work with distinct callers', () => {
  let stack: Stack;
  let gateway: RunningGateway;
  const plans = new Set<unknown>();
  let tokens: string[];
  // Requests whose parser was handed another request than the one that came (a body read through a second stream).
  let rewrapped = 0;
  const watchParser: GatewayPlugin = {
    onRequestParse({ request, requestParser, setRequestParser }) {
      if (!requestParser) return;
      setRequestParser((req) => {
        if (req !== request) rewrapped++;
        return requestParser(req);
      });
    },
  };

  beforeAll(async () => {
    stack = await startStack('local');
    // A second gateway over the same subgraphs that reports the plan of every request it executes.
    gateway = await serveGateway(stack.config, 0, [
      useQueryPlan({ onQueryPlan: (plan) => plans.add(plan) }) as unknown as GatewayPlugin,
      watchParser,
    ]);
    tokens = await Promise.all([
      tokenFor(DEMO.users.alice),
      tokenFor(DEMO.users.bob),
      ...Array.from({ length: CALLERS - 2 }, (_v, i) =>
        tokenFor({ id: randomUUID(), email: `caller-${i}@buyer.example`, role: 'USER' }),
      ),
    ]);
  });
  afterAll(async () => {
    await gateway?.stop();
    await stack?.stop();
  });

  it('plans a query once, however many callers of whatever kind send it', async () => {
    plans.clear();
    for (const token of tokens) {
      const { errors } = await graphql(gateway.url, BENCH_QUERY, {}, { token });
      expect(errors ?? []).toEqual([]);
    }
    expect(plans.size).toBe(1);
    // The gateway removes no field (the subgraphs decide access): anonymous callers and admins share the plan.
    for (let i = 0; i < 3; i++) await graphql(gateway.url, BENCH_QUERY);
    await graphql(gateway.url, BENCH_QUERY, {}, { token: await tokenFor(DEMO.users.admin) });
    expect(plans.size).toBe(1);
  });

  it('parses a request body with a Content-Length from the request as it came', async () => {
    rewrapped = 0;
    for (const token of tokens.slice(0, 10)) {
      const { errors } = await graphql(gateway.url, BENCH_QUERY, {}, { token });
      expect(errors ?? []).toEqual([]);
    }
    expect(rewrapped).toBe(0);
  });

  it('keeps the caller-dependent part of authorisation per request', async () => {
    // The same query text, with and without a token: the anonymous answer holds the error, the
    // signed-in one the data, whichever was planned first.
    const query = ViewerAndProductIdsDocument;
    const anonymous = await graphql(gateway.url, query);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const signedIn = await graphql(gateway.url, query, {}, { token: tokens[0] });
    expect(signedIn.errors ?? []).toEqual([]);
    expect(signedIn.data?.me).toBeTruthy();
    expect((await graphql(gateway.url, query)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('adds no listener per subgraph request to a long-lived abort signal', async () => {
    const listeners = new Map<EventTarget, number>();
    const original = EventTarget.prototype.addEventListener;
    EventTarget.prototype.addEventListener = function (this: EventTarget, type: string, ...rest: unknown[]) {
      if (type === 'abort') listeners.set(this, (listeners.get(this) ?? 0) + 1);
      return (original as (...a: unknown[]) => void).call(this, type, ...rest);
    } as typeof original;
    try {
      await Promise.all(tokens.map((token) => graphql(gateway.url, BENCH_QUERY, {}, { token })));
      await Promise.all(tokens.map((token) => graphql(gateway.url, BENCH_QUERY, {}, { token })));
    } finally {
      EventTarget.prototype.addEventListener = original;
    }
    // 48 queries of 4 subgraph requests each: a signal shared by them would have collected dozens.
    expect(listeners.size).toBeGreaterThan(0);
    expect(Math.max(...listeners.values())).toBeLessThanOrEqual(4);
  });

  it('does not copy subgraph answers (no sharing of subgraph requests between callers)', async () => {
    const original = globalThis.structuredClone;
    let copies = 0;
    globalThis.structuredClone = ((value: unknown, options?: StructuredSerializeOptions) => {
      copies++;
      return original(value, options);
    }) as typeof structuredClone;
    try {
      const answers = await Promise.all(
        tokens.slice(0, 4).map((token) => graphql(gateway.url, BENCH_QUERY, {}, { token })),
      );
      for (const { errors } of answers) expect(errors ?? []).toEqual([]);
    } finally {
      globalThis.structuredClone = original;
    }
    expect(copies).toBe(0);
  });

  it('reuses its connections to the subgraphs: rounds of queries after the first open next to none', async () => {
    const opened = new Map<string, number>();
    const requests = new Map<string, number>();
    const count = (map: Map<string, number>, name: string) => () => map.set(name, (map.get(name) ?? 0) + 1);
    const listeners = SUBGRAPHS.flatMap((name) => [
      [stack.subgraphs[name].server, 'connection', count(opened, name)] as const,
      [stack.subgraphs[name].server, 'request', count(requests, name)] as const,
    ]);
    const round = async () => {
      const answers = await Promise.all(tokens.map((token) => graphql(gateway.url, BENCH_QUERY, {}, { token })));
      for (const { errors } of answers) expect(errors ?? []).toEqual([]);
    };
    await round();
    for (const [server, event, listener] of listeners) server.on(event, listener);
    try {
      // 72 queries, 24 at once, each with its subgraph requests.
      for (let i = 0; i < 3; i++) await round();
    } finally {
      for (const [server, event, listener] of listeners) server.off(event, listener);
    }
    // The pool may still grow to a round's peak of requests in flight at once (which varies with
    // timing: the first round's public fetches are shared, later rounds' are kept), but a
    // connection per request it never opens: at most a quarter of a subgraph's requests.
    for (const name of SUBGRAPHS) {
      expect(requests.get(name) ?? 0).toBeGreaterThan(0);
      expect(opened.get(name) ?? 0).toBeLessThanOrEqual((requests.get(name) ?? 0) / 4);
    }
  });
});
