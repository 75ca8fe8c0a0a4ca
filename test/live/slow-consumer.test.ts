// A slow consumer through a subgraph's real HTTP SSE endpoint: a client opens a stream (signed as
// the gateway signs it) and stops reading while many large events are produced (credit requests
// filed one after another, each an event of about 70 KB). Once the socket refuses more, the subgraph
// buffers at most SUBSCRIPTIONS_MAX_BUFFERED events, then ends the stream with SLOW_CONSUMER and
// `complete` behind them, counts it in subscription_events_dropped_total{reason="slow_consumer"},
// and writes nothing more: what the client finally reads is bounded, far below what was produced.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { signRequest } from '../../lib/signature.ts';
import { demoCredits } from '../../subgraphs/registry/local/seed.ts';
import { TEST_SIGNING_KEY, tokenFor } from '../support/env.ts';
import { graphql } from '../support/graphql.ts';
import { startStack, type Stack } from '../support/stack.ts';

const MAX_BUFFERED = 20;
/** Each event repeats two of the request's fields under many aliases: about 70 KB. */
const ALIASES = 800;

/** A metric's value in a scrape: the sample of `name` whose labels include `label`. */
const metric = (text: string, name: string, label = '') =>
  Number(
    text
      .split('\n')
      .find((l) => l.startsWith(name) && /^[{ ]/.test(l.slice(name.length)) && l.includes(label))
      ?.split(' ')
      .at(-1) ?? 0,
  );

describe('a slow consumer of a subgraph SSE stream', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('local', {
      SUBSCRIPTIONS_MAX_BUFFERED: String(MAX_BUFFERED),
      // The grace a client that stopped reading has to read the end of its stream.
      SUBSCRIPTIONS_HEARTBEAT_MS: '60000',
    });
  }, 90_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('ends the stream with SLOW_CONSUMER behind a bounded buffer, and counts what it dropped', async () => {
    const organizationId = DEMO.organizations.nordicForest;
    const fields = Array.from({ length: ALIASES }, (_, i) => `f${i}: fromOrganizationId c${i}: creditId`).join(' ');
    const query = `subscription($org: ID!) { creditRequestUpdated(organizationId: $org) { creditRequest { id ${fields} } } }`;
    const body = JSON.stringify({ query, variables: { org: organizationId } });
    const bob = await tokenFor(DEMO.users.bob);
    const authorization = `Bearer ${bob}`;
    const url = new URL(stack.subgraphs.registry.url);
    const headers = {
      host: url.host,
      'content-type': 'application/json',
      accept: 'text/event-stream',
      'content-length': String(Buffer.byteLength(body)),
      authorization,
      ...signRequest(TEST_SIGNING_KEY, { method: 'POST', path: url.pathname, body, authorization }),
    };
    // A raw socket, so the test decides when it reads: after the request, nothing until the end.
    const socket: Socket = connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST ${url.pathname} HTTP/1.1\r\n${Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\r\n')}\r\n\r\n${body}`,
    );
    socket.pause();
    const metrics = new URL('/metrics', url);
    const scrape = async () => (await fetch(metrics)).text();
    for (let i = 0; i < 200 && metric(await scrape(), 'subscriptions_active') !== 1; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(metric(await scrape(), 'subscriptions_active')).toBe(1);

    // Many events, one per request a member files: far more bytes than any socket buffers.
    const FILE = `mutation($input: CreditActionInput!) { requestCreditAction(input: $input) { userErrors { code message } } }`;
    const input = {
      organizationId,
      action: 'TRANSFER',
      creditId: demoCredits[0]!.id,
      amount: '1',
      toOrganizationId: DEMO.organizations.carbonBuyer,
    };
    let filed = 0;
    let ended = false;
    for (let round = 0; round < 300 && !ended; round++) {
      const res = await graphql<{ requestCreditAction: { userErrors: unknown[] } }>(
        stack.subgraphs.registry.url,
        FILE,
        { input },
        { token: bob },
      );
      expect(res.data?.requestCreditAction.userErrors).toEqual([]);
      filed++;
      if (round % 10 === 9) ended = metric(await scrape(), 'subscriptions_active') === 0;
    }
    expect(ended).toBe(true);
    expect(metric(await scrape(), 'subscription_events_dropped_total', 'reason="slow_consumer"')).toBe(1);

    // The client reads at last: what was buffered, then SLOW_CONSUMER and the end of the stream.
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.resume();
    await Promise.race([
      closed,
      new Promise<void>((resolve) => {
        const check = () => (text.includes('event: complete') ? resolve() : setTimeout(check, 20));
        check();
      }),
    ]);
    socket.destroy();
    const events = text.split('\n\n').filter((e) => e.includes('event: next'));
    const last = JSON.parse(
      events
        .at(-1)!
        .split('\n')
        .find((l) => l.startsWith('data: '))!
        .slice(6),
    ) as {
      errors?: { extensions: { code: string } }[];
    };
    expect(last.errors?.map((e) => e.extensions.code)).toEqual(['SLOW_CONSUMER']);
    expect(text).toContain('event: complete');
    // The socket's buffers filled first (events, not messages, piled up), and the stream stopped at
    // the bound: a few MB, not what kept being produced.
    const delivered = events.length - 1;
    expect(delivered).toBeGreaterThan(MAX_BUFFERED);
    expect(text.length).toBeGreaterThan(1024 * 1024);
    expect(delivered).toBeLessThan(filed);
    expect(text.length).toBeLessThan(32 * 1024 * 1024);
  }, 120_000);
});
