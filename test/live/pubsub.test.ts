// The pub/sub (in process, and through Redis) and the bounded event iterators subscriptions read from.
import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import { channelPrefix, memoryPubSub, redisPubSub } from '../../lib/pubsub.ts';
import { freePort } from '../support/free-port.ts';
import { SubscriptionCode, subscriptionLimitsOf, tokenExpiry, topicEvents } from '../../lib/subscriptions.ts';
import { ANONYMOUS } from '../../lib/auth.ts';

describe('live update plumbing', () => {
  it("delivers a topic's messages in order to each listener, and none after it stops listening", async () => {
    const pubsub = memoryPubSub();
    const events = topicEvents(pubsub, ['a'], 10);
    pubsub.publish('a', { n: 1 });
    pubsub.publish('b', { n: 99 });
    pubsub.publish('a', { n: 2 });
    expect((await events.next()).value).toEqual({ n: 1 });
    expect((await events.next()).value).toEqual({ n: 2 });
    const pending = events.next();
    await events.return!();
    expect(await pending).toEqual({ value: undefined, done: true });
    pubsub.publish('a', { n: 3 });
    expect(await events.next()).toEqual({ value: undefined, done: true });
  });

  it('ends a reader that lets more than its bound pile up with SLOW_CONSUMER', async () => {
    const pubsub = memoryPubSub();
    const events = topicEvents(pubsub, ['a'], 2);
    for (let n = 0; n < 3; n++) pubsub.publish('a', { n });
    let code: unknown = null;
    try {
      await events.next();
    } catch (error) {
      code = (error as { extensions?: { code?: string } }).extensions?.code;
    }
    expect(code).toBe(SubscriptionCode.SLOW_CONSUMER);
    expect(await events.next()).toEqual({ value: undefined, done: true });
  });

  it("reads limits from the configuration, and a token's expiry from its claims", () => {
    expect(subscriptionLimitsOf({ SUBSCRIPTIONS_MAX_PER_CALLER: 3 })).toEqual({
      perCaller: 3,
      perProcess: 5_000,
      heartbeatMs: 15_000,
      maxBuffered: 100,
    });
    const claims = Buffer.from(JSON.stringify({ exp: 1_900_000_000 })).toString('base64url');
    expect(tokenExpiry({ ...ANONYMOUS, token: `h.${claims}.s` })).toBe(1_900_000_000_000);
    expect(tokenExpiry(ANONYMOUS)).toBeNull();
  });
});

describe('the pub/sub through Redis', () => {
  const target = new URL(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/12');
  const quiet = { warn: () => undefined, info: () => undefined };

  it('names its channels with the database number, which PUBLISH/SUBSCRIBE does not scope', () => {
    expect(channelPrefix('redis://127.0.0.1:6379/12')).toBe('carbon-federation:live:12:');
    expect(channelPrefix('redis://127.0.0.1:6379')).toBe('carbon-federation:live:0:');
  });

  it('a listener that came while Redis was unreachable hears the messages once Redis is back', async () => {
    // Redis behind a port that refuses connections at first, then forwards to the real server.
    const port = await freePort();
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    const late = redisPubSub(`redis://127.0.0.1:${port}${target.pathname}`, quiet);
    const heard: unknown[] = [];
    const off = late.listen('probe', (m) => heard.push(m));
    const publisher = redisPubSub(target.toString(), quiet);
    try {
      await new Promise((r) => setTimeout(r, 300));
      await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
      const message = { n: randomUUID() };
      for (let i = 0; i < 200 && heard.length === 0; i++) {
        publisher.publish('probe', message);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(heard[0]).toEqual(message);
    } finally {
      off();
      await late.close();
      await publisher.close();
      for (const s of sockets) s.destroy();
      await new Promise((r) => proxy.close(r));
    }
  }, 30_000);
});
