// Subscriptions of a subgraph, served as GraphQL over SSE (the graphql-sse protocol's distinct
// connections mode: one HTTP request per subscription, `event: next` per result, `event:
// complete` at the end), which is what the gateway's HTTP transport speaks to subgraphs for
// subscription operations. A stream is authenticated like any request (the gateway's signature,
// the caller's token), runs graphql's `subscribe` on the subgraph's schema (whose fields the
// access policy wraps, so every event passes the owner's rules), and is bounded:
// - per caller and per process (a coded refusal, SUBSCRIPTION_LIMIT, before the stream starts);
// - heartbeats (an SSE comment) keep idle connections open through proxies;
// - events a slow client has not taken are buffered up to a bound, then the stream ends with
//   SLOW_CONSUMER (what was dropped is counted);
// - the stream ends with UNAUTHENTICATED when the caller's token expires, and when an event is
//   no longer visible to the caller (access revoked);
// - a stopping subgraph ends every stream with SHUTTING_DOWN and `complete` before it closes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  GraphQLError,
  createSourceEventStream,
  execute,
  getOperationAST,
  parse,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AuthState } from './auth.ts';
import type { Config } from './config.ts';
import { formatError } from './errors.ts';
import type { Logger } from './logger.ts';
import type { Listener, Message, PubSub } from './pubsub.ts';

export const SubscriptionCode = {
  /** Too many subscriptions for this caller or this process. */
  LIMIT: 'SUBSCRIPTION_LIMIT',
  /** The client did not read its events fast enough: the stream ended. */
  SLOW_CONSUMER: 'SLOW_CONSUMER',
  /** The server is stopping: subscribe again (to another replica). */
  SHUTTING_DOWN: 'SHUTTING_DOWN',
} as const;

export interface SubscriptionLimits {
  /** Open subscriptions of one caller (user, service or anonymous client) in this process. */
  perCaller: number;
  /** Open subscriptions of this process. */
  perProcess: number;
  /** Milliseconds between heartbeats of an idle stream. */
  heartbeatMs: number;
  /** Events waiting for a slow client before its stream ends. */
  maxBuffered: number;
}

export const DEFAULT_SUBSCRIPTION_LIMITS: SubscriptionLimits = {
  perCaller: 20,
  perProcess: 5_000,
  heartbeatMs: 15_000,
  maxBuffered: 100,
};

export type SubscriptionConfig = Pick<
  Config,
  | 'SUBSCRIPTIONS_MAX_PER_CALLER'
  | 'SUBSCRIPTIONS_MAX_PER_PROCESS'
  | 'SUBSCRIPTIONS_HEARTBEAT_MS'
  | 'SUBSCRIPTIONS_MAX_BUFFERED'
>;

/** The limits a configuration sets (the defaults where it sets none). */
export function subscriptionLimitsOf(config: Partial<SubscriptionConfig>): SubscriptionLimits {
  const d = DEFAULT_SUBSCRIPTION_LIMITS;
  return {
    perCaller: config.SUBSCRIPTIONS_MAX_PER_CALLER ?? d.perCaller,
    perProcess: config.SUBSCRIPTIONS_MAX_PER_PROCESS ?? d.perProcess,
    heartbeatMs: config.SUBSCRIPTIONS_HEARTBEAT_MS ?? d.heartbeatMs,
    maxBuffered: config.SUBSCRIPTIONS_MAX_BUFFERED ?? d.maxBuffered,
  };
}

/** A subscription request: the query (GET search parameters or a POST body). */
export interface SubscriptionRequest {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

/** Whether a request asks for an event stream. */
export const wantsEventStream = (req: IncomingMessage) =>
  String(req.headers.accept ?? '').includes('text/event-stream');

/** The subscription a request carries, or null when it carries another operation (or none). */
export function subscriptionOf(
  params: Partial<SubscriptionRequest>,
): { request: SubscriptionRequest; document: DocumentNode } | null {
  if (typeof params.query !== 'string') return null;
  let document: DocumentNode;
  try {
    document = parse(params.query);
  } catch {
    return null;
  }
  const operation = getOperationAST(document, params.operationName ?? undefined);
  return operation?.operation === 'subscription' ? { request: params as SubscriptionRequest, document } : null;
}

/** The request's parameters: a GET's search parameters (variables as JSON) or a parsed POST body. */
export function requestParams(url: URL, body: unknown): Partial<SubscriptionRequest> {
  if (body && typeof body === 'object') return body as Partial<SubscriptionRequest>;
  const variables = url.searchParams.get('variables');
  let parsed: Record<string, unknown> | null;
  try {
    parsed = variables ? (JSON.parse(variables) as Record<string, unknown>) : null;
  } catch {
    parsed = null;
  }
  return {
    query: url.searchParams.get('query') ?? undefined,
    variables: parsed,
    operationName: url.searchParams.get('operationName'),
  };
}

/** When the caller's token expires (ms since the epoch), read from its already verified claims. */
export function tokenExpiry(auth: AuthState): number | null {
  if (!auth.token) return null;
  try {
    const claims = JSON.parse(Buffer.from(auth.token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      exp?: unknown;
    };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : null;
  } catch {
    return null;
  }
}

const coded = (message: string, code: string) => ({ message, extensions: { code } });

/**
 * Messages of some topics as an async iterator for a `subscribe` resolver: bounded (a client that
 * lets more than `maxBuffered` pile up ends with SLOW_CONSUMER), listening until returned.
 */
export function topicEvents(
  pubsub: PubSub,
  topics: readonly string[],
  maxBuffered = DEFAULT_SUBSCRIPTION_LIMITS.maxBuffered,
): AsyncIterableIterator<Message> {
  const queue: Message[] = [];
  let waiting: ((r: IteratorResult<Message>) => void) | null = null;
  let failed: ((e: unknown) => void) | null = null;
  let overflow = false;
  let done = false;
  const listener: Listener = (message) => {
    if (done) return;
    if (waiting) {
      const resolve = waiting;
      waiting = failed = null;
      resolve({ value: message, done: false });
    } else if (queue.length >= maxBuffered) {
      overflow = true;
      failed?.(slowConsumer());
    } else queue.push(message);
  };
  const offs = topics.map((topic) => pubsub.listen(topic, listener));
  const finish = () => {
    done = true;
    offs.forEach((off) => off());
    queue.length = 0;
    waiting?.({ value: undefined, done: true });
    waiting = failed = null;
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      if (overflow) {
        overflow = false;
        finish();
        return Promise.reject(slowConsumer());
      }
      if (queue.length) return Promise.resolve({ value: queue.shift()!, done: false });
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => {
        waiting = resolve;
        failed = reject;
      });
    },
    return() {
      finish();
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(error) {
      finish();
      return Promise.reject(error);
    },
  };
}

/**
 * A subscription's stream over topic changes: listens before `start` (so nothing in between is
 * missed; a `start` that throws refuses the subscription and stops listening), then yields what
 * `events` makes of the first value and the changes. Returning the stream (the client went away)
 * stops listening at once, even while it awaits a change.
 */
export async function followTopics<F, T>(
  changes: AsyncIterableIterator<Message>,
  start: () => Promise<F>,
  events: (first: F, changes: AsyncIterableIterator<Message>) => AsyncGenerator<T>,
): Promise<AsyncGenerator<T>> {
  let first: F;
  try {
    first = await start();
  } catch (error) {
    await changes.return?.();
    throw error;
  }
  const stream = (async function* () {
    try {
      yield* events(first, changes);
    } finally {
      await changes.return?.();
    }
  })();
  const end = stream.return.bind(stream);
  return Object.assign(stream, {
    return: async () => {
      await changes.return?.();
      return end(undefined);
    },
  });
}

export class SlowConsumerError extends GraphQLError {
  constructor() {
    super('Events were not read fast enough: the stream ended; subscribe again', {
      extensions: { code: SubscriptionCode.SLOW_CONSUMER },
    });
  }
}
const slowConsumer = () => new SlowConsumerError();

const START = Symbol('subscription start');

/**
 * The resolvers of a Subscription field. `start` receives the arguments checked and decoded like
 * any field's (string limits, @authenticated, global ids: they wrap the field's `resolve`, which
 * graphql does not call to subscribe, so `subscribe` goes through it) and returns the events;
 * `resolve` shapes each event.
 */
export function subscriptionField<A, C, P, R = P>(
  start: (args: A, ctx: C) => AsyncIterable<P> | Promise<AsyncIterable<P>>,
  resolve: (payload: P, ctx: C) => R | Promise<R> = (p) => p as unknown as R,
) {
  return {
    subscribe: (root: unknown, args: A, ctx: C, info: GraphQLResolveInfo) => {
      const field = info.parentType.getFields()[info.fieldName]!;
      return field.resolve!(START, args, ctx, info) as AsyncIterable<P> | Promise<AsyncIterable<P>>;
    },
    resolve: (payload: unknown, args: A, ctx: C) => (payload === START ? start(args, ctx) : resolve(payload as P, ctx)),
  };
}

interface Stream {
  caller: string;
  end(error?: { message: string; extensions?: Record<string, unknown> }): void;
}

/** The subscription streams of one subgraph process. */
export class SubscriptionServer {
  private readonly streams = new Set<Stream>();
  private readonly byCaller = new Map<string, number>();
  private readonly active: Gauge;
  private readonly delivered: Counter;
  private readonly dropped: Counter;
  private stopping = false;
  private readonly schema: GraphQLSchema;
  private readonly limits: SubscriptionLimits;
  private readonly log: Logger;

  constructor(schema: GraphQLSchema, limits: SubscriptionLimits, log: Logger, metrics: Registry) {
    this.schema = schema;
    this.limits = limits;
    this.log = log;
    this.active = new Gauge({
      name: 'subscriptions_active',
      help: 'Open subscription streams of this server',
      registers: [metrics],
    });
    this.delivered = new Counter({
      name: 'subscription_events_delivered_total',
      help: 'Subscription events written to clients',
      registers: [metrics],
    });
    this.dropped = new Counter({
      name: 'subscription_events_dropped_total',
      help: 'Subscription events not delivered, by reason (slow_consumer: the client did not read them; closed: the stream ended first)',
      labelNames: ['reason'] as const,
      registers: [metrics],
    });
  }

  get size() {
    return this.streams.size;
  }

  /** Serves one subscription as an SSE stream; answers JSON when it cannot start (invalid, refused). */
  async serve(
    req: IncomingMessage,
    res: ServerResponse,
    sub: { request: SubscriptionRequest; document: DocumentNode },
    auth: AuthState,
    contextOf: () => unknown,
  ): Promise<void> {
    const refuse = (status: number, errors: readonly { message: string; extensions?: Record<string, unknown> }[]) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ errors }));
    };
    const validation = validate(this.schema, sub.document);
    if (validation.length)
      return refuse(
        400,
        validation.map((e) => ({ message: e.message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })),
      );
    const caller = auth.viewer ? `user:${auth.viewer.id}` : auth.service ? 'service' : 'anonymous';
    if (this.stopping)
      return refuse(503, [coded('The server is stopping: subscribe again', SubscriptionCode.SHUTTING_DOWN)]);
    if (this.streams.size >= this.limits.perProcess)
      return refuse(429, [coded('Too many subscriptions on this server; try again later', SubscriptionCode.LIMIT)]);
    if ((this.byCaller.get(caller) ?? 0) >= this.limits.perCaller)
      return refuse(429, [coded(`At most ${this.limits.perCaller} subscriptions per caller`, SubscriptionCode.LIMIT)]);

    const args = {
      schema: this.schema,
      document: sub.document,
      variableValues: sub.request.variables ?? undefined,
      operationName: sub.request.operationName ?? undefined,
    };
    const source = await createSourceEventStream({ ...args, contextValue: contextOf() });
    if (!(Symbol.asyncIterator in source)) {
      return refuse(
        200,
        (source.errors ?? []).map((e) => this.format(e)),
      );
    }
    const sourceEvents = source as AsyncGenerator<unknown>;
    // Each event runs with a context of its own (fresh loaders: what changed is read again).
    const events = (async function* () {
      try {
        for await (const payload of sourceEvents)
          yield (await execute({ ...args, rootValue: payload, contextValue: contextOf() })) as ExecutionResult;
      } finally {
        await sourceEvents.return?.(undefined);
      }
    })();

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    let ended = false;
    const timers: NodeJS.Timeout[] = [];
    const write = (event: 'next' | 'complete', data?: unknown) =>
      res.write(`event: ${event}\ndata: ${data === undefined ? '' : JSON.stringify(data)}\n\n`);
    const stream: Stream = {
      caller,
      end: (error) => {
        if (ended) return;
        ended = true;
        timers.forEach(clearInterval);
        this.streams.delete(stream);
        this.byCaller.set(caller, (this.byCaller.get(caller) ?? 1) - 1);
        if (this.byCaller.get(caller) === 0) this.byCaller.delete(caller);
        this.active.dec();
        if (error && !res.destroyed) write('next', { errors: [error] });
        if (!res.destroyed) {
          write('complete');
          res.end();
        }
        // The source first: the stream may be awaiting its next event, which returning it ends.
        void sourceEvents.return?.(undefined);
      },
    };
    this.streams.add(stream);
    this.byCaller.set(caller, (this.byCaller.get(caller) ?? 0) + 1);
    this.active.inc();
    req.socket.setTimeout(0);
    res.on('close', () => stream.end());
    timers.push(setInterval(() => !res.destroyed && res.write(':\n\n'), this.limits.heartbeatMs));
    const expiry = tokenExpiry(auth);
    if (expiry !== null)
      timers.push(
        setTimeout(
          () => stream.end(coded('The token has expired: sign in again and subscribe again', 'UNAUTHENTICATED')),
          Math.max(0, expiry - Date.now()),
        ),
      );

    // Events a slow client has not read yet (the socket refuses more): beyond the bound, the stream ends.
    let unread = 0;
    res.on('drain', () => (unread = 0));
    try {
      for await (const event of events) {
        if (ended) break;
        const formatted = { ...event, ...(event.errors ? { errors: event.errors.map((e) => this.format(e)) } : {}) };
        if (!write('next', formatted)) unread++;
        this.delivered.inc();
        // An event the caller may no longer see (access revoked, token no longer valid) ends the stream.
        if (
          event.data === null ||
          (event.data && Object.values(event.data).every((v) => v === null) && event.errors?.length)
        ) {
          stream.end();
          break;
        }
        if (unread > this.limits.maxBuffered) {
          // The stream ends with SLOW_CONSUMER behind what is buffered (nothing more is written);
          // a client that does not read it within a heartbeat period loses the connection.
          this.dropped.inc({ reason: 'slow_consumer' });
          const gone = setTimeout(() => res.destroy(), this.limits.heartbeatMs).unref();
          res.once('close', () => clearTimeout(gone));
          stream.end(this.format(new SlowConsumerError()));
          break;
        }
      }
      stream.end();
    } catch (error) {
      if (error instanceof SlowConsumerError) this.dropped.inc({ reason: 'slow_consumer' });
      else this.log.error({ err: error }, 'subscription failed');
      stream.end(this.format(error instanceof GraphQLError ? error : new GraphQLError('Internal server error')));
    }
  }

  /** Ends every stream with SHUTTING_DOWN and refuses new ones (the server is stopping). */
  closeAll(): void {
    this.stopping = true;
    for (const stream of [...this.streams])
      stream.end(coded('The server is stopping: subscribe again', SubscriptionCode.SHUTTING_DOWN));
  }

  private format(error: GraphQLError | { message: string; extensions?: Record<string, unknown> }) {
    const code = error.extensions?.code;
    if (
      code === SubscriptionCode.SLOW_CONSUMER ||
      code === SubscriptionCode.LIMIT ||
      code === SubscriptionCode.SHUTTING_DOWN
    )
      return { message: error.message, extensions: { code } };
    const formatted =
      error instanceof GraphQLError ? error.toJSON() : { message: error.message, extensions: error.extensions };
    return formatError(formatted, error, (err) => this.log.error({ err }, 'unexpected subscription error'));
  }
}
