// The upstream watch on its own (fake timers): one read loop per watched object whatever the
// number of its subscribers, started by the first and stopped by the last; backoff while nothing
// changes, back to the minimum after a change; a message published per changed part; the bounds
// on watched objects (SUBSCRIPTION_LIMIT) and on reads in flight; failures back off and are
// logged once; close stops everything.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Registry } from 'prom-client';
import { memoryPubSub, type Message } from '../../lib/pubsub.ts';
import { topicEvents } from '../../lib/subscriptions.ts';
import {
  UpstreamWatcher,
  WatchLimitError,
  heldWhileListening,
  upstreamWatchSettingsOf,
  type UpstreamWatchSettings,
} from '../../lib/upstream-watch.ts';

const SETTINGS: UpstreamWatchSettings = {
  minIntervalMs: 100,
  maxIntervalMs: 800,
  maxWatches: 3,
  maxInFlight: 8,
  jitter: 0,
};

function quietLog() {
  const warnings: unknown[][] = [];
  return { warnings, log: { warn: (...a: unknown[]) => warnings.push(a), info: () => undefined } };
}

/** An upstream object whose state the test changes, counting its reads. */
function upstreamObject(initial: Record<string, unknown>) {
  const object = { state: { ...initial }, reads: 0, failing: false };
  return Object.assign(object, {
    read: async () => {
      object.reads++;
      if (object.failing) throw Object.assign(new Error('upstream said no (alice@example.test)'), { status: 503 });
      return { ...object.state };
    },
  });
}

describe('UpstreamWatcher', () => {
  let pubsub: ReturnType<typeof memoryPubSub>;
  let heard: Message[];
  let off: () => void;
  beforeEach(() => {
    jest.useFakeTimers();
    pubsub = memoryPubSub();
    heard = [];
    off = pubsub.listen('t', (m) => heard.push(m));
  });
  afterEach(() => {
    off();
    jest.useRealTimers();
  });

  it('reads once per interval for all subscribers of an object, publishes only changes, and stops with the last', async () => {
    const { log } = quietLog();
    const watcher = new UpstreamWatcher(pubsub, SETTINGS, log);
    const object = upstreamObject({ a: 'PENDING' });
    const source = { read: object.read, message: (part: string) => ({ part }) };
    const releaseOne = await watcher.watch('t', 'k', source);
    // The first read is the baseline: nothing published.
    expect(object.reads).toBe(1);
    const releaseTwo = await watcher.watch('t', 'k', { ...source });
    expect(watcher.size).toBe(1);
    expect(object.reads).toBe(1);

    await jest.advanceTimersByTimeAsync(100);
    expect(object.reads).toBe(2);
    expect(heard).toEqual([]);

    object.state = { a: 'COMPLETED', b: 'PENDING' };
    await jest.advanceTimersByTimeAsync(200); // the delay doubled after an unchanged read
    expect(object.reads).toBe(3);
    expect(heard).toEqual([{ part: 'a' }, { part: 'b' }]);

    // Back to the minimum after a change.
    object.state = { a: 'COMPLETED', b: 'FAILED' };
    await jest.advanceTimersByTimeAsync(100);
    expect(object.reads).toBe(4);
    expect(heard.at(-1)).toEqual({ part: 'b' });

    releaseOne();
    await jest.advanceTimersByTimeAsync(100);
    expect(object.reads).toBe(5);
    releaseTwo();
    releaseTwo();
    expect(watcher.size).toBe(0);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(object.reads).toBe(5);
  });

  it('backs off to the longest delay while nothing changes', async () => {
    const watcher = new UpstreamWatcher(pubsub, SETTINGS, quietLog().log);
    const object = upstreamObject({ a: 1 });
    await watcher.watch('t', 'k', { read: object.read, message: () => ({}) });
    // 100, 200, 400, 800, 800, ...: over 10 s, 1 + 3 + (10_000 - 700) / 800 reads at most.
    await jest.advanceTimersByTimeAsync(10_000);
    expect(object.reads).toBe(1 + 3 + Math.floor((10_000 - 700) / 800));
    expect(heard).toEqual([]);
    watcher.close();
  });

  it('spreads delays by the jitter', async () => {
    const watcher = new UpstreamWatcher(pubsub, { ...SETTINGS, jitter: 0.5 }, quietLog().log, { random: () => 0 });
    const object = upstreamObject({ a: 1 });
    await watcher.watch('t', 'k', { read: object.read, message: () => ({}) });
    await jest.advanceTimersByTimeAsync(49);
    expect(object.reads).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(object.reads).toBe(2);
    watcher.close();
  });

  it('refuses a new object beyond the bound with SUBSCRIPTION_LIMIT; a subscriber of a watched object still joins', async () => {
    const watcher = new UpstreamWatcher(pubsub, { ...SETTINGS, maxWatches: 2 }, quietLog().log);
    const source = () => ({ read: async () => ({}), message: () => ({}) });
    const first = await watcher.watch('t', 'one', source());
    await watcher.watch('t', 'two', source());
    const refusal = await watcher.watch('t', 'three', source()).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(WatchLimitError);
    expect((refusal as WatchLimitError).extensions.code).toBe('SUBSCRIPTION_LIMIT');
    await watcher.watch('t', 'one', source());
    expect(watcher.size).toBe(2);
    first();
    // The object still has a subscriber: the bound is still reached.
    await expect(watcher.watch('t', 'three', source())).rejects.toBeInstanceOf(WatchLimitError);
    watcher.close();
  });

  it('has at most maxInFlight reads in flight', async () => {
    const watcher = new UpstreamWatcher(pubsub, { ...SETTINGS, maxWatches: 10, maxInFlight: 2 }, quietLog().log);
    let inFlight = 0;
    let most = 0;
    const slowRead = async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 50));
      inFlight--;
      return {};
    };
    const started = Array.from({ length: 5 }, (_, i) =>
      watcher.watch('t', `k${i}`, { read: slowRead, message: () => ({}) }),
    );
    expect(watcher.pending).toBe(5);
    await jest.advanceTimersByTimeAsync(1_000);
    await Promise.all(started);
    expect(most).toBe(2);
    watcher.close();
  });

  it('backs off after a failed read, logs it once without its message, and publishes nothing until reads succeed', async () => {
    const { log, warnings } = quietLog();
    const watcher = new UpstreamWatcher(pubsub, SETTINGS, log);
    const object = upstreamObject({ a: 1 });
    await watcher.watch('t', 'k', { read: object.read, message: () => ({ changed: true }) });
    object.failing = true;
    await jest.advanceTimersByTimeAsync(100 + 200 + 400 + 800);
    expect(object.reads).toBe(5);
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings)).not.toContain('alice');
    expect(JSON.stringify(warnings[0]![0])).toContain('503');
    object.failing = false;
    object.state = { a: 2 };
    await jest.advanceTimersByTimeAsync(800);
    expect(object.reads).toBe(6);
    // The change made during the outage is published once the upstream answers again.
    expect(heard).toEqual([{ changed: true }]);
    watcher.close();
  });

  it("reads with the next subscriber's source after a failed read", async () => {
    const watcher = new UpstreamWatcher(pubsub, SETTINGS, quietLog().log);
    const broken = upstreamObject({ a: 1 });
    const working = upstreamObject({ a: 1 });
    await watcher.watch('t', 'k', { read: broken.read, message: () => ({ changed: true }) });
    await watcher.watch('t', 'k', { read: working.read, message: () => ({ changed: true }) });
    broken.failing = true;
    await jest.advanceTimersByTimeAsync(100);
    expect([broken.reads, working.reads]).toEqual([2, 0]);
    working.state = { a: 2 };
    await jest.advanceTimersByTimeAsync(200);
    expect([broken.reads, working.reads]).toEqual([2, 1]);
    expect(heard).toEqual([{ changed: true }]);
    watcher.close();
  });

  it('close stops every watch and refuses new ones with SHUTTING_DOWN', async () => {
    const watcher = new UpstreamWatcher(pubsub, SETTINGS, quietLog().log);
    const object = upstreamObject({ a: 1 });
    await watcher.watch('t', 'k', { read: object.read, message: () => ({}) });
    watcher.close();
    expect(watcher.size).toBe(0);
    await jest.advanceTimersByTimeAsync(5_000);
    expect(object.reads).toBe(1);
    await expect(watcher.watch('t', 'k', { read: object.read, message: () => ({}) })).rejects.toMatchObject({
      extensions: { code: 'SHUTTING_DOWN' },
    });
  });

  it('counts watches and reads on the registry it is given', async () => {
    const registry = new Registry();
    const watcher = new UpstreamWatcher(pubsub, SETTINGS, quietLog().log);
    watcher.register(registry);
    const object = upstreamObject({ a: 1 });
    await watcher.watch('t', 'k', { read: object.read, message: () => ({}) });
    await jest.advanceTimersByTimeAsync(100);
    const text = await registry.metrics();
    expect(text).toMatch(/^upstream_watches_active 1$/m);
    expect(text).toMatch(/^upstream_watch_polls_total\{outcome="first"\} 1$/m);
    expect(text).toMatch(/^upstream_watch_polls_total\{outcome="unchanged"\} 1$/m);
    watcher.close();
    expect(await registry.metrics()).toMatch(/^upstream_watches_active 0$/m);
  });

  it('reads its settings from the configuration', () => {
    expect(
      upstreamWatchSettingsOf({
        UPSTREAM_WATCH_MAX: 5,
        UPSTREAM_WATCH_MAX_IN_FLIGHT: 2,
        UPSTREAM_WATCH_MIN_INTERVAL_MS: 500,
        UPSTREAM_WATCH_MAX_INTERVAL_MS: 100,
      }),
    ).toMatchObject({ maxWatches: 5, maxInFlight: 2, minIntervalMs: 500, maxIntervalMs: 500 });
  });
});

describe('heldWhileListening', () => {
  it('releases what the stream holds when its changes end, at once when they already ended', async () => {
    const pubsub = memoryPubSub();
    const held = heldWhileListening(topicEvents(pubsub, ['t']));
    const released: string[] = [];
    held.hold(() => released.push('first'));
    await held.changes.return!();
    expect(released).toEqual(['first']);
    held.hold(() => released.push('late'));
    expect(released).toEqual(['first', 'late']);
  });
});
