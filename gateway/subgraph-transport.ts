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
import type { ExecutionRequest, Executor } from '@graphql-tools/utils';
import type { Transport } from '@graphql-mesh/transport-common';
import http from '@graphql-mesh/transport-http';
import { signRequest, type SigningKey } from '../lib/signature.ts';

type FetchFn = (url: string, init: RequestInit, context?: unknown, info?: unknown) => unknown;
type Disposable = { [Symbol.asyncDispose]?: () => PromiseLike<void> };

/** The request's headers as a plain object with lower-case names. */
function headersOf(init: RequestInit): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => (out[name] = value));
  return out;
}

/** `init` with the gateway's signature added (a GET carries its query in the URL and no body). */
export function signedInit(key: SigningKey, url: string, init: RequestInit): RequestInit {
  const headers = headersOf(init);
  const { pathname, search } = new URL(url);
  const body = typeof init.body === 'string' ? init.body : '';
  Object.assign(headers, signRequest(key, { method: init.method ?? 'GET', path: `${pathname}${search}`, body, authorization: headers.authorization ?? null }));
  return { ...init, headers };
}

/**
 * The signal of a subgraph fetch: the request's own, and for a subscription's event stream also
 * the executor's, which aborts when the stream is returned (the client went away): the subgraph
 * then sees its stream close. One stream per subscription, so the listener is not per query.
 */
function streamSignal(init: RequestInit, signal: AbortSignal): AbortSignal {
  const streaming = new Headers(init.headers).get('accept')?.includes('text/event-stream');
  return streaming && init.signal ? AbortSignal.any([signal, init.signal]) : signal;
}

export function subgraphHttpTransport(signingKey: SigningKey): Transport {
  return {
    getSubgraphExecutor(payload) {
      const transportEntry = { ...payload.transportEntry, options: { ...payload.transportEntry.options, deduplicateInflightRequests: false } };
      const executor = http.getSubgraphExecutor({ ...payload, transportEntry }) as Executor & Disposable;
      const fetchFn = payload.fetch as unknown as FetchFn;
      const signedExecutor: Executor = (request: ExecutionRequest) => {
        const { signal } = request;
        const fetch: FetchFn = (url, init, context, info) => fetchFn(url, signedInit(signingKey, url, signal ? { ...init, signal: streamSignal(init, signal) } : init), context, info);
        return executor({ ...request, signal: undefined, extensions: { ...request.extensions, fetch } });
      };
      const dispose = executor[Symbol.asyncDispose];
      return dispose ? Object.assign(signedExecutor, { [Symbol.asyncDispose]: () => dispose.call(executor) }) : signedExecutor;
    },
  };
}
