// Watching upstream objects for changes made at the provider itself (upstream mode): the upstream
// REST APIs have no push channel, so the layer polls what someone subscribed to, and only that.
// A watch is keyed by (topic, object key) and shared by every stream of that object in this
// process: it starts with the first subscriber and stops when the last one leaves. It reads the
// object with a read function a subscriber lent it (that subscriber's credentials), compares a
// fingerprint of what it read with the previous one, and publishes on the topic (lib/pubsub.ts)
// the message the layer publishes for its own changes of that object, so the existing streams,
// in every replica, re-read with their own caller's access and send their events.
// Bounded: watched objects per process (beyond: SUBSCRIPTION_LIMIT at subscribe), reads in flight
// per process; polls back off while nothing changes and after a failure, with jitter.
import { GraphQLError } from 'graphql';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import type { Message, PubSub } from './pubsub.ts';
import { SubscriptionCode } from './subscriptions.ts';

export interface UpstreamWatchSettings {
  /** First delay between two reads of an object, and the delay again after a change. */
  minIntervalMs: number;
  /** Longest delay: the delay doubles while nothing changes (and after a failure) up to it. */
  maxIntervalMs: number;
  /** Objects watched at once in this process; a subscription that would need one more is refused. */
  maxWatches: number;
  /** Reads in flight at once in this process; the others wait for a free slot. */
  maxInFlight: number;
  /** Each delay is moved by up to this fraction either way, so watches started together spread out. */
  jitter: number;
}

export type UpstreamWatchConfig = Pick<
  Config,
  | 'UPSTREAM_WATCH_MAX'
  | 'UPSTREAM_WATCH_MAX_IN_FLIGHT'
  | 'UPSTREAM_WATCH_MIN_INTERVAL_MS'
  | 'UPSTREAM_WATCH_MAX_INTERVAL_MS'
>;

export function upstreamWatchSettingsOf(config: UpstreamWatchConfig): UpstreamWatchSettings {
  return {
    minIntervalMs: config.UPSTREAM_WATCH_MIN_INTERVAL_MS,
    maxIntervalMs: Math.max(config.UPSTREAM_WATCH_MIN_INTERVAL_MS, config.UPSTREAM_WATCH_MAX_INTERVAL_MS),
    maxWatches: config.UPSTREAM_WATCH_MAX,
    maxInFlight: config.UPSTREAM_WATCH_MAX_IN_FLIGHT,
    jitter: 0.2,
  };
}

/**
 * What one subscriber lends the watch of its object: a read with its own caller's credentials,
 * answering the object's parts (e.g. one credit request per id) each with what identifies its
 * state (any JSON value: compared, never published), and the message to publish for a changed part.
 */
export interface WatchSource {
  read(): Promise<Readonly<Record<string, unknown>>>;
  message(part: string): Message;
}

/** A new watch beyond the process's bound: the subscription is refused before its stream starts. */
export class WatchLimitError extends GraphQLError {
  constructor(max: number) {
    super(`At most ${max} objects are watched at the upstreams by this server; try again later`, {
      extensions: { code: SubscriptionCode.LIMIT },
    });
  }
}

interface Watch {
  topic: string;
  key: string;
  /** The subscribers' sources, oldest first: the first one reads (one whose read failed goes last). */
  sources: WatchSource[];
  /** The last read's fingerprints by part; null before the first read that succeeded. */
  fingerprints: Map<string, string> | null;
  delayMs: number;
  timer: NodeJS.Timeout | null;
  /** Settles once the first read finished (succeeded or not). */
  ready: Promise<void>;
  stopped: boolean;
  /** A failure is logged once, until a read succeeds again. */
  failing: boolean;
}

/** Stable JSON: object keys sorted, so equal states give equal fingerprints. */
function fingerprint(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** What a log line may say about a failed read: its kind and code, never a message (it may name people). */
function failureOf(error: unknown): Record<string, unknown> {
  const e = error as { name?: unknown; status?: unknown; code?: unknown; extensions?: { code?: unknown } };
  return {
    error: typeof e?.name === 'string' ? e.name : typeof error,
    ...(typeof e?.status === 'number' ? { status: e.status } : {}),
    ...(typeof e?.extensions?.code === 'string' ? { code: e.extensions.code } : {}),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
  };
}

/** The watches of one subgraph process. */
export class UpstreamWatcher {
  private readonly watches = new Map<string, Watch>();
  private readonly pubsub: PubSub;
  private readonly settings: UpstreamWatchSettings;
  private readonly log: Pick<Logger, 'warn' | 'info'>;
  private readonly random: () => number;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private closed = false;
  // Registered on the subgraph's own /metrics registry (register), not prom-client's global one.
  private readonly active = new Gauge({
    name: 'upstream_watches_active',
    help: 'Objects watched at the upstreams',
    registers: [],
  });
  private readonly polls = new Counter({
    name: 'upstream_watch_polls_total',
    help: 'Reads of watched upstream objects, by outcome (changed, unchanged, first, failed)',
    labelNames: ['outcome'] as const,
    registers: [],
  });
  private readonly published = new Counter({
    name: 'upstream_watch_changes_total',
    help: 'Changes seen at the upstreams and published to subscribers',
    registers: [],
  });

  constructor(
    pubsub: PubSub,
    settings: UpstreamWatchSettings,
    log: Pick<Logger, 'warn' | 'info'>,
    options: { random?: () => number } = {},
  ) {
    this.pubsub = pubsub;
    this.settings = settings;
    this.log = log;
    this.random = options.random ?? Math.random;
  }

  /** Registers the watch metrics on a subgraph's /metrics registry. */
  register(registry: Registry): void {
    for (const metric of [this.active, this.polls, this.published]) registry.registerMetric(metric);
  }

  /** Objects watched now. */
  get size(): number {
    return this.watches.size;
  }

  /** Reads waiting for a slot or in flight now. */
  get pending(): number {
    return this.inFlight + this.waiting.length;
  }

  /**
   * Watches an object for one subscriber until the returned function is called. The first
   * subscriber of an object starts its watch and waits for its first read (what later reads are
   * compared with), so a change made after the subscriber's own first read is seen; later ones
   * join it. Throws SUBSCRIPTION_LIMIT when a new watch would exceed the bound.
   */
  async watch(topic: string, key: string, source: WatchSource): Promise<() => void> {
    if (this.closed)
      throw new GraphQLError('The server is stopping: subscribe again', {
        extensions: { code: SubscriptionCode.SHUTTING_DOWN },
      });
    const id = `${topic}\n${key}`;
    let watch = this.watches.get(id);
    if (!watch) {
      if (this.watches.size >= this.settings.maxWatches) throw new WatchLimitError(this.settings.maxWatches);
      const created: Watch = {
        topic,
        key,
        sources: [],
        fingerprints: null,
        delayMs: this.settings.minIntervalMs,
        timer: null,
        ready: Promise.resolve(),
        stopped: false,
        failing: false,
      };
      created.sources.push(source);
      this.watches.set(id, created);
      this.active.set(this.watches.size);
      created.ready = this.poll(created);
      watch = created;
    } else watch.sources.push(source);
    const joined = watch;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const at = joined.sources.indexOf(source);
      if (at >= 0) joined.sources.splice(at, 1);
      if (joined.sources.length === 0) this.stop(id, joined);
    };
    await joined.ready;
    return release;
  }

  /** Stops every watch (the server is stopping) and refuses new ones. */
  close(): void {
    this.closed = true;
    for (const [id, watch] of [...this.watches]) this.stop(id, watch);
    // Each waiting read takes its slot, finds the watcher closed and frees it.
    for (const wake of this.waiting.splice(0)) {
      this.inFlight++;
      wake();
    }
  }

  private stop(id: string, watch: Watch) {
    watch.stopped = true;
    if (watch.timer) clearTimeout(watch.timer);
    watch.timer = null;
    if (this.watches.get(id) === watch) this.watches.delete(id);
    this.active.set(this.watches.size);
  }

  private async slot(): Promise<void> {
    if (this.inFlight < this.settings.maxInFlight) {
      this.inFlight++;
      return;
    }
    // The slot is handed over by the read that frees it (inFlight stays counted).
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private free() {
    const next = this.waiting.shift();
    if (next) next();
    else this.inFlight--;
  }

  /** One read of a watch, then the next one scheduled. */
  private async poll(watch: Watch): Promise<void> {
    watch.timer = null;
    if (watch.stopped) return;
    await this.slot();
    try {
      if (watch.stopped || this.closed) return;
      const source = watch.sources[0];
      if (!source) return;
      let parts: Readonly<Record<string, unknown>>;
      try {
        parts = await source.read();
      } catch (error) {
        this.polls.inc({ outcome: 'failed' });
        if (!watch.failing)
          this.log.warn(
            { topic: watch.topic, ...failureOf(error) },
            'an upstream read of a watched object failed: reading again later',
          );
        watch.failing = true;
        watch.delayMs = Math.min(watch.delayMs * 2, this.settings.maxIntervalMs);
        // The next read uses the next subscriber's credentials (this one's may be what fails).
        const at = watch.sources.indexOf(source);
        if (at >= 0 && watch.sources.length > 1) watch.sources.push(...watch.sources.splice(at, 1));
        return;
      }
      if (watch.failing) this.log.info({ topic: watch.topic }, 'the upstream read of a watched object succeeds again');
      watch.failing = false;
      const next = new Map(Object.entries(parts).map(([part, state]) => [part, fingerprint(state)]));
      const previous = watch.fingerprints;
      watch.fingerprints = next;
      if (!previous) {
        this.polls.inc({ outcome: 'first' });
        return;
      }
      // A part that is new or whose state changed; a part no longer read is not a change.
      const changed = [...next].filter(([part, state]) => previous.get(part) !== state).map(([part]) => part);
      if (changed.length === 0) {
        this.polls.inc({ outcome: 'unchanged' });
        watch.delayMs = Math.min(watch.delayMs * 2, this.settings.maxIntervalMs);
        return;
      }
      this.polls.inc({ outcome: 'changed' });
      watch.delayMs = this.settings.minIntervalMs;
      if (watch.stopped) return;
      for (const part of changed) {
        this.published.inc();
        this.pubsub.publish(watch.topic, source.message(part));
      }
    } finally {
      this.free();
      this.schedule(watch);
    }
  }

  private schedule(watch: Watch) {
    if (watch.stopped || this.closed || watch.timer) return;
    const spread = 1 + this.settings.jitter * (2 * this.random() - 1);
    const delay = Math.max(1, Math.round(watch.delayMs * spread));
    watch.timer = setTimeout(() => void this.poll(watch), delay);
    watch.timer.unref?.();
  }
}

/** The watcher of a subgraph in upstream mode; none in local mode (the layer sees every change itself). */
export function upstreamWatcherOf(
  upstream: boolean,
  pubsub: PubSub,
  config: UpstreamWatchConfig,
  log: Pick<Logger, 'warn' | 'info'>,
): UpstreamWatcher | null {
  return upstream ? new UpstreamWatcher(pubsub, upstreamWatchSettingsOf(config), log) : null;
}

/**
 * A stream's changes that also end the stream's watch: the watch is taken once the stream knows
 * what it follows (`hold`), and released when the changes end (client gone, refusal, end of stream).
 */
export function heldWhileListening<T>(changes: AsyncIterableIterator<T>): {
  changes: AsyncIterableIterator<T>;
  hold(release: () => void): void;
} {
  let release: (() => void) | null = null;
  let ended = false;
  const end = () => {
    ended = true;
    release?.();
    release = null;
  };
  return {
    hold(r) {
      if (ended) r();
      else release = r;
    },
    changes: {
      [Symbol.asyncIterator]() {
        return this;
      },
      next: () => changes.next(),
      return: (value?: unknown) => {
        end();
        return changes.return ? changes.return(value) : Promise.resolve({ value: undefined, done: true });
      },
      throw: (error?: unknown) => {
        end();
        return changes.throw ? changes.throw(error) : Promise.reject(error);
      },
    },
  };
}
