// The layer's pub/sub for live updates: a state change (an order placed, a service call delivered,
// a review, a payment recorded) is published on a topic where it happens; subscriptions
// (lib/subscriptions.ts) listen on the topics they serve. In-process by default; through Redis
// when REDIS_URL is set, so a subscriber on one replica hears what another replica published.
// A message is a small JSON object naming what changed (ids), never personal data: a subscriber
// re-reads the record with its own caller's access rules.
import { EventEmitter } from 'node:events';
import { createClient } from 'redis';
import type { Logger } from './logger.ts';

export type Message = Record<string, unknown>;
export type Listener = (message: Message) => void;

export interface PubSub {
  /** Sends `message` to every listener of `topic` (in every replica with Redis). Never throws. */
  publish(topic: string, message: Message): void;
  /** Calls `listener` for each message of `topic` until the returned function is called. */
  listen(topic: string, listener: Listener): () => void;
  close(): Promise<void>;
}

/** Listeners of this process, by topic. */
class LocalTopics {
  private readonly emitter = new EventEmitter();
  constructor() {
    // Subscriptions are bounded by their own limits (lib/subscriptions.ts), not by a listener count.
    this.emitter.setMaxListeners(0);
  }
  emit(topic: string, message: Message) {
    this.emitter.emit(topic, message);
  }
  on(topic: string, listener: Listener): () => void {
    this.emitter.on(topic, listener);
    return () => this.emitter.off(topic, listener);
  }
  count(topic: string) {
    return this.emitter.listenerCount(topic);
  }
  /** Topics with listeners. */
  names(): string[] {
    return this.emitter.eventNames().filter((t): t is string => typeof t === 'string');
  }
}

/** Topics of one process only. */
export function memoryPubSub(): PubSub {
  const topics = new LocalTopics();
  return {
    publish: (topic, message) => topics.emit(topic, message),
    listen: (topic, listener) => topics.on(topic, listener),
    close: async () => undefined,
  };
}

/**
 * The channels of a Redis URL's database: PUBLISH/SUBSCRIBE ignores the database number, so it is
 * part of the channel's name, and deployments that share a Redis server by database stay apart.
 */
export function channelPrefix(url: string): string {
  const db = Number.parseInt(new URL(url).pathname.slice(1) || '0', 10);
  return `carbon-federation:live:${Number.isNaN(db) ? 0 : db}:`;
}

/**
 * Topics shared by every replica through Redis PUBLISH/SUBSCRIBE: one connection publishes, one
 * subscribes (a channel per topic with listeners here). While Redis is unreachable a message is
 * delivered to this process's listeners only and the outage is logged once.
 */
export function redisPubSub(url: string, log: Pick<Logger, 'warn' | 'info'>): PubSub {
  const topics = new LocalTopics();
  const CHANNEL_PREFIX = channelPrefix(url);
  const options = {
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2_000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 5_000) },
  };
  const publisher = createClient(options);
  const subscriber = createClient(options);
  let down = false;
  const wentDown = (err: unknown) => {
    if (!down) log.warn({ err }, 'Redis unreachable: live updates reach this replica only');
    down = true;
  };
  for (const client of [publisher, subscriber]) {
    client.on('error', wentDown);
    client.on('ready', () => (down = false));
    client.connect().catch(() => undefined);
  }
  const deliver = (raw: string, channel: string) => {
    try {
      topics.emit(channel.slice(CHANNEL_PREFIX.length), JSON.parse(raw) as Message);
    } catch {
      // Not a message of this layer: ignored.
    }
  };
  const subscribed = new Set<string>();
  const follow = (topic: string) => {
    if (subscribed.has(topic)) return;
    subscribed.add(topic);
    subscriber.subscribe(CHANNEL_PREFIX + topic, deliver).catch(() => subscribed.delete(topic));
  };
  const unfollow = (topic: string) => {
    if (!subscribed.has(topic) || topics.count(topic) > 0) return;
    subscribed.delete(topic);
    if (subscriber.isReady) subscriber.unsubscribe(CHANNEL_PREFIX + topic).catch(() => undefined);
  };
  // The client subscribes again to its channels after a reconnect; a channel whose SUBSCRIBE failed
  // (Redis unreachable when its first listener came) is subscribed once Redis is ready again.
  subscriber.on('ready', () => topics.names().forEach(follow));
  return {
    publish(topic, message) {
      if (!publisher.isReady) {
        topics.emit(topic, message);
        return;
      }
      publisher.publish(CHANNEL_PREFIX + topic, JSON.stringify(message)).catch(() => topics.emit(topic, message));
    },
    listen(topic, listener) {
      const off = topics.on(topic, listener);
      follow(topic);
      return () => {
        off();
        unfollow(topic);
      };
    },
    async close() {
      for (const client of [publisher, subscriber]) {
        if (client.isReady) await client.close().catch(() => client.destroy());
        else if (client.isOpen) client.destroy();
      }
    },
  };
}

/** The pub/sub of a configuration: Redis when REDIS_URL is set, else this process's. */
export function pubSubOf(config: { REDIS_URL?: string | undefined }, log: Pick<Logger, 'warn' | 'info'>): PubSub {
  return config.REDIS_URL ? redisPubSub(config.REDIS_URL, log) : memoryPubSub();
}
