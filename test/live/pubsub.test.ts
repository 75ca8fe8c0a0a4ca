// The pub/sub and the bounded event iterators subscriptions read from (no server, no clock).
import { describe, expect, it } from '@jest/globals';
import { memoryPubSub } from '../../lib/pubsub.ts';
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
