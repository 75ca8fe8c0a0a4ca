// The HTTP transport to the subgraphs: `@graphql-mesh/transport-http`, with every subgraph request
// signed (lib/signature.ts: RFC 9421 over the method, path, body digest and the caller's
// Authorization, valid for seconds, with a nonce), and each request's abort signal (the caller's
// disconnect and the subgraph timeout) given to its fetch directly.
//
// Why the signal: the HTTP executor combines that signal with its own long-lived dispose signal (one
// per subgraph) by adding an `abort` listener to each, and removes them only once the request's
// signals are garbage-collected. So the dispose signal holds a listener for every subgraph request
// since the last collection, and Node's `addEventListener` walks them all to refuse a duplicate:
// under load, thousands per call, a tenth of the gateway's CPU. Given no signal, the executor uses
// its dispose signal alone (no listener); the fetch below still aborts on the request's own signal.
//
// And no sharing of identical subgraph requests in flight: the executor would copy every subgraph
// answer (`structuredClone`) so that sharers cannot alter each other's, and its key (URL, headers,
// body) differs between callers anyway, since each carries its own token. Identical requests of one
// caller are still shared at the gateway's door (inbound deduplication).
//
// The fetch under the gateway's hooks (`subgraphFetch`, the runtime's fetchAPI.fetch) sends a
// request with a text body on undici's pool of keep-alive connections per origin and reads the
// whole answer as text: none of the stream plumbing of a WHATWG Response, which the executor only
// reads as text. Anything else goes to the platform's fetch.
import type { ExecutionRequest, Executor } from '@graphql-tools/utils';
import type { Transport } from '@graphql-mesh/transport-common';
import http from '@graphql-mesh/transport-http';
import { Agent, type Dispatcher } from 'undici';
import { signRequest, type SigningKey } from '../lib/signature.ts';
import { noteSubgraphExtensions } from './forwarded-extensions.ts';
import type { PublicFetches } from './public-fetches.ts';

type FetchFn = (url: string, init: RequestInit, context?: unknown, info?: unknown) => unknown;
type Disposable = { [Symbol.asyncDispose]?: () => PromiseLike<void> };

/** The request's headers as a plain object with lower-case names. */
function headersOf(init: RequestInit): Record<string, string> {
  const out: Record<string, string> = {};
  const given = init.headers;
  if (!given) return out;
  if (given instanceof Headers || Array.isArray(given)) {
    new Headers(given).forEach((value, name) => (out[name] = value));
    return out;
  }
  for (const name in given) {
    const value = (given as Record<string, string | undefined>)[name];
    if (value !== undefined && value !== null) out[name.toLowerCase()] = String(value);
  }
  return out;
}

/** Origin, and path with query, of a URL, kept per URL (a gateway calls a handful of subgraph URLs). */
const targets = new Map<string, { origin: string; path: string }>();
function partsOf(url: string): { origin: string; path: string } {
  let target = targets.get(url);
  if (target === undefined) {
    const { origin, pathname, search } = new URL(url);
    target = { origin, path: `${pathname}${search}` };
    if (targets.size >= 1000) targets.clear();
    targets.set(url, target);
  }
  return target;
}
const targetOf = (url: string) => partsOf(url).path;

/** `init` with the gateway's signature added (a GET carries its query in the URL and no body). */
export function signedInit(key: SigningKey, url: string, init: RequestInit): RequestInit {
  const headers = headersOf(init);
  const body = typeof init.body === 'string' ? init.body : '';
  Object.assign(
    headers,
    signRequest(key, {
      method: init.method ?? 'GET',
      path: targetOf(url),
      body,
      authorization: headers.authorization ?? null,
    }),
  );
  return { ...init, headers };
}

/** The headers of an answer, read-only but for `set`, as the executor and the gateway's hooks read them. */
class AnswerHeaders {
  private readonly map = new Map<string, string>();
  constructor(raw: Record<string, string | string[] | undefined>) {
    for (const name in raw) {
      const value = raw[name];
      if (value !== undefined) this.map.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : value);
    }
  }
  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }
  set(name: string, value: string): void {
    this.map.set(name.toLowerCase(), value);
  }
  forEach(fn: (value: string, name: string) => void): void {
    this.map.forEach(fn);
  }
  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }
  keys(): IterableIterator<string> {
    return this.map.keys();
  }
  values(): IterableIterator<string> {
    return this.map.values();
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.map.entries();
  }
}

/** A subgraph's answer, read in full: what the HTTP executor and the gateway's fetch hooks use of a Response. */
class SubgraphAnswer {
  readonly status: number;
  readonly statusText = '';
  readonly headers: AnswerHeaders;
  readonly url: string;
  private readonly text_: string;
  constructor(url: string, status: number, headers: AnswerHeaders, text: string) {
    this.url = url;
    this.status = status;
    this.headers = headers;
    this.text_ = text;
  }
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  get bodyUsed(): boolean {
    return false;
  }
  get body(): ReadableStream<Uint8Array> {
    return new Response(this.text_).body!;
  }
  text(): Promise<string> {
    return Promise.resolve(this.text_);
  }
  json(): Promise<unknown> {
    return Promise.resolve(JSON.parse(this.text_));
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    return new Response(this.text_).arrayBuffer();
  }
  clone(): SubgraphAnswer {
    return this;
  }
}

/** Keep-alive connections to the subgraphs, per origin. */
const dispatcher: Dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 128, pipelining: 1 });

/**
 * The gateway's fetch: a request with a text body (or none), as the executor sends subgraph
 * operations, on the keep-alive pool; anything else through the platform's fetch.
 */
export const subgraphFetch = async function subgraphFetch(
  input: string | URL | Request,
  init: RequestInit = {},
): Promise<Response> {
  const body = init.body;
  // A subscription's event stream is read as it arrives, by the platform's fetch.
  if (
    typeof input !== 'string' ||
    (body != null && typeof body !== 'string') ||
    !(input.startsWith('http://') || input.startsWith('https://')) ||
    acceptsEventStream(init)
  ) {
    return fetch(input, init);
  }
  const { origin, path } = partsOf(input);
  const res = await dispatcher.request({
    origin,
    path,
    method: (init.method ?? 'GET').toUpperCase() as Dispatcher.HttpMethod,
    headers: headersOf(init),
    body: body ?? undefined,
    signal: init.signal ?? undefined,
  });
  const text = await res.body.text();
  return new SubgraphAnswer(input, res.statusCode, new AnswerHeaders(res.headers), text) as unknown as Response;
} as typeof fetch;

/**
 * The signal of a subgraph fetch: the request's own, and for a subscription's event stream also
 * the executor's, which aborts when the stream is returned (the client went away): the subgraph
 * then sees its stream close. One stream per subscription, so the listener is not per query.
 */
function streamSignal(init: RequestInit, signal: AbortSignal): AbortSignal {
  return acceptsEventStream(init) && init.signal ? AbortSignal.any([signal, init.signal]) : signal;
}

/** Whether a request asks for an event stream (a subscription), which is never read in full. */
function acceptsEventStream(init: RequestInit): boolean {
  const given = init.headers;
  if (!given) return false;
  let accept: string | null | undefined;
  if (given instanceof Headers) accept = given.get('accept');
  else if (Array.isArray(given)) accept = given.find(([name]) => name.toLowerCase() === 'accept')?.[1];
  // The executor's plain object, read without building a Headers object on every subgraph fetch.
  else for (const name in given) if (name.toLowerCase() === 'accept') accept = (given as Record<string, string>)[name];
  return accept?.includes('text/event-stream') ?? false;
}

/** `publicFetches`: when given, fetches of public fields are answered from its cache (public-fetches.ts). */
export function subgraphHttpTransport(signingKey: SigningKey, publicFetches?: PublicFetches): Transport {
  return {
    getSubgraphExecutor(payload) {
      const transportEntry = {
        ...payload.transportEntry,
        options: { ...payload.transportEntry.options, deduplicateInflightRequests: false },
      };
      const executor = http.getSubgraphExecutor({ ...payload, transportEntry }) as Executor & Disposable;
      const fetchFn = payload.fetch as unknown as FetchFn;
      const sendSigned: Executor = (request: ExecutionRequest) => {
        const { signal } = request;
        const fetch: FetchFn = (url, init, context, info) =>
          fetchFn(
            url,
            signedInit(signingKey, url, signal ? { ...init, signal: streamSignal(init, signal) } : init),
            context,
            info,
          );
        const result = executor({ ...request, signal: undefined, extensions: { ...request.extensions, fetch } });
        if (result instanceof Promise)
          return result.then((r) => (noteSubgraphExtensions(request.context, r), r)) as typeof result;
        noteSubgraphExtensions(request.context, result);
        return result;
      };
      const signedExecutor = (
        publicFetches
          ? (request: ExecutionRequest) =>
              request.operationType === 'subscription'
                ? sendSigned(request)
                : publicFetches.execute(payload.subgraphName, request, () => sendSigned(request))
          : sendSigned
      ) as Executor;
      const dispose = executor[Symbol.asyncDispose];
      return dispose
        ? Object.assign(signedExecutor, { [Symbol.asyncDispose]: () => dispose.call(executor) })
        : signedExecutor;
    },
  };
}
