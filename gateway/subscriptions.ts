// Subscriptions at the gateway. Over HTTP the runtime (Yoga) serves them itself as GraphQL over
// SSE (distinct connections mode) to a client that sends `Accept: text/event-stream`. Over
// WebSocket (graphql-ws, the graphql-transport-ws protocol) on the same /graphql path, each
// operation runs as the HTTP request a client would send, so it passes every plugin an HTTP
// request passes (limits, trusted documents, headers forwarded and signed to subgraphs). The
// client's `Authorization` (and client name) travel in the connection_init payload, as headers
// cannot be set on a browser's WebSocket. Streams are counted on /metrics and end cleanly when
// the gateway stops.
import type { IncomingMessage, Server } from 'node:http';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { isAsyncIterable } from '@graphql-tools/utils';
import { GraphQLError, GraphQLSchema, parse, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../lib/logger.ts';
import { subgraphFailure } from './subgraph-failure.ts';

/** The headers a WebSocket client may send in its connection_init payload (as HTTP clients send them). */
const CONNECTION_HEADERS = ['authorization', 'graphql-client-name', 'graphql-client-version', 'x-request-id'];

/** The HTTP request an operation over WebSocket runs as: the upgrade's URL and origin, the payload's headers. */
export function requestOfConnection(
  upgrade: IncomingMessage | undefined,
  params: Record<string, unknown> | undefined,
): Request {
  const headers = new Headers();
  const host = upgrade?.headers.host ?? 'localhost';
  if (upgrade?.headers.origin) headers.set('origin', upgrade.headers.origin);
  headers.set('accept', 'text/event-stream');
  headers.set('content-type', 'application/json');
  for (const name of CONNECTION_HEADERS) {
    const value = params?.[name] ?? params?.[name.replace(/-(\w)/g, (_m, c: string) => c.toUpperCase())];
    if (typeof value === 'string') headers.set(name, value);
  }
  return new Request(`http://${host}${upgrade?.url ?? '/graphql'}`, { method: 'POST', headers });
}

export interface SubscriptionStreams {
  plugin: GatewayPlugin;
  /** Ends every open stream with SHUTTING_DOWN, then completes it (the gateway is stopping). */
  closeAll(): void;
}

const SHUTTING_DOWN = {
  errors: [new GraphQLError('The server is stopping: subscribe again', { extensions: { code: 'SHUTTING_DOWN' } })],
};

/** The one result of a stream whose subgraph went away mid-stream (killed, connection lost). */
const interrupted = (service: string) => ({
  errors: [
    new GraphQLError(`The ${service} subgraph serving this stream went away: subscribe again`, {
      extensions: { code: 'STREAM_INTERRUPTED', serviceName: service },
    }),
  ],
});

/**
 * The subgraph whose stream a result (or a thrown error) reports lost, if any: a failure at the
 * subscription's root field. A subgraph that fails to enrich one event (a nested field's entity
 * fetch) is that event's error, as in a query, and the stream goes on.
 */
function failedSubgraph(result: unknown): string | null {
  const errors = (result as { errors?: readonly unknown[] } | null)?.errors;
  for (const error of Array.isArray(errors) ? errors : [result]) {
    const path = (error as { path?: readonly unknown[] } | null)?.path;
    if (path && path.length > 1) continue;
    const failure = subgraphFailure(error);
    if (failure) return failure.service;
  }
  return null;
}

/**
 * A stream that ends, with one last SHUTTING_DOWN result, when `stop` aborts. Returning it (the
 * client went away) returns the subgraph's stream at once, even while an event is awaited. A
 * subgraph lost after the stream started (killed, its connection cut) ends it with one
 * STREAM_INTERRUPTED result naming the subgraph, without the data of the event before.
 */
function stoppable<T>(
  source: AsyncIterable<T>,
  stop: AbortSignal,
  onNext: () => void,
): AsyncIterableIterator<T | typeof SHUTTING_DOWN | ReturnType<typeof interrupted>> {
  const iterator = source[Symbol.asyncIterator]();
  const stopped = new Promise<'stopped'>((resolve) =>
    stop.aborted ? resolve('stopped') : stop.addEventListener('abort', () => resolve('stopped'), { once: true }),
  );
  let finished = false;
  const finish = async () => {
    if (finished) return;
    finished = true;
    await iterator.return?.();
  };
  const done = { done: true as const, value: undefined };
  let started = false;
  const lost = (service: string) => {
    void finish();
    onNext();
    return { done: false as const, value: interrupted(service) };
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      if (finished) return done;
      let next: IteratorResult<T> | 'stopped';
      try {
        next = await Promise.race([iterator.next(), stopped]);
      } catch (error) {
        const service = failedSubgraph(error);
        if (!service) throw error;
        return lost(service);
      }
      if (next === 'stopped') {
        void finish();
        return { done: false, value: SHUTTING_DOWN };
      }
      if (next.done) {
        finished = true;
        return done;
      }
      // Before the first event, a subgraph that cannot be reached is the refusal the client gets (UPSTREAM_UNAVAILABLE).
      const service = started ? failedSubgraph(next.value) : null;
      if (service) return lost(service);
      started = true;
      onNext();
      return next;
    },
    async return() {
      await finish();
      return done;
    },
  };
}

/** Open subscription streams and events sent to clients, by transport, on the gateway's /metrics. */
export function subscriptionStreams(registry: Registry): SubscriptionStreams {
  const active = new Gauge({
    name: 'gateway_subscriptions_active',
    help: 'Subscription streams open to clients, by transport (sse, websocket)',
    labelNames: ['transport'] as const,
    registers: [registry],
  });
  const events = new Counter({
    name: 'gateway_subscription_events_total',
    help: 'Subscription events sent to clients, by transport',
    labelNames: ['transport'] as const,
    registers: [registry],
  });
  const stopping = new AbortController();
  return {
    closeAll: () => stopping.abort(),
    plugin: {
      // The runtime answers a subscription with its subscribe function (an async iterable).
      onSubscribe({ args }) {
        const transport = (args.contextValue as { transport?: string }).transport === 'websocket' ? 'websocket' : 'sse';
        return {
          onSubscribeResult({ result, setResult }) {
            if (!isAsyncIterable(result)) return undefined;
            active.inc({ transport });
            setResult(stoppable(result, stopping.signal, () => events.inc({ transport })) as typeof result);
            return { onEnd: () => void active.dec({ transport }) };
          },
        };
      },
    },
  };
}

export interface WebSocketEndpoint {
  close(): Promise<void>;
}

/** The results of an SSE answer (graphql-sse distinct connections mode), or its one JSON result. */
async function* resultsOf(response: Response): AsyncGenerator<ExecutionResult> {
  if (!response.headers.get('content-type')?.includes('text/event-stream') || !response.body) {
    yield (await response.json()) as ExecutionResult;
    return;
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end < 0) {
        const chunk = await reader.read();
        if (chunk.done) return;
        buffer += chunk.value;
        continue;
      }
      const lines = buffer.slice(0, end).split('\n');
      buffer = buffer.slice(end + 2);
      if (lines.some((l) => l.startsWith('event: complete'))) return;
      const data = lines
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trim())
        .join('\n');
      if (data) yield JSON.parse(data) as ExecutionResult;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

type Fetch = (request: Request, serverContext: Record<string, unknown>) => Response | Promise<Response>;

/**
 * graphql-ws on the gateway's HTTP server, at /graphql. Each operation over a socket is run as
 * the same HTTP request a client would send (a subscription as GraphQL over SSE), through the
 * runtime's whole pipeline: limits, trusted documents, production profile, the headers forwarded
 * and signed to subgraphs. Needs the `ws` package; without it the gateway serves subscriptions over
 * SSE only (logged once at start).
 */
export async function serveWebSockets(
  server: Server,
  fetchFn: Fetch,
  log: Pick<Logger, 'warn'>,
): Promise<WebSocketEndpoint | null> {
  let ws: typeof import('ws');
  let useServer: typeof import('graphql-ws/use/ws').useServer;
  try {
    ws = await import('ws');
    ({ useServer } = await import('graphql-ws/use/ws'));
  } catch {
    log.warn({}, 'the ws package is not installed: subscriptions are served over SSE only, not WebSocket');
    return null;
  }
  // Upgrades are taken from the HTTP server by hand (not `{ server }`), so the server's own errors (a
  // port already in use) stay the server's and are not reported a second time as the socket server's.
  const wss = new ws.WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://gateway').pathname !== '/graphql') {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (client) => wss.emit('connection', client, req));
  });
  const run = (args: ExecutionArgs) => {
    const { request, params } = args.contextValue as { request: Request; params: SubscribePayload };
    const abort = new AbortController();
    const answer = Promise.resolve(
      fetchFn(new Request(request, { body: JSON.stringify(params), signal: abort.signal }), { transport: 'websocket' }),
    );
    const results = (async function* () {
      try {
        yield* resultsOf(await answer);
      } finally {
        abort.abort();
      }
    })();
    return results;
  };
  const disposable = useServer<Record<string, unknown>>(
    {
      onSubscribe(ctx, _id, params) {
        let document;
        try {
          document = parse(params.query);
        } catch (error) {
          return [error as GraphQLError];
        }
        return {
          schema: PLACEHOLDER_SCHEMA,
          document,
          operationName: params.operationName,
          contextValue: { request: requestOfConnection(ctx.extra.request, ctx.connectionParams), params },
        };
      },
      subscribe: (args) => run(args),
      // Results arrive as the JSON the gateway answered (errors already formatted): sent as they are.
      onNext: (_ctx, _id, _payload, _args, result) => result,
      // A query or mutation over the socket: its one result.
      execute: async (args) => (await run(args).next()).value ?? { errors: [new GraphQLError('No result')] },
    },
    wss,
    15_000,
  );
  return {
    async close() {
      // Each open socket is closed with 1001 (going away); the client subscribes again elsewhere.
      for (const client of wss.clients) client.close(1001, 'The server is stopping');
      await disposable.dispose();
    },
  };
}

/** graphql-ws wants a schema with the arguments it runs; the runtime, not graphql-ws, executes. */
const PLACEHOLDER_SCHEMA = new GraphQLSchema({});
