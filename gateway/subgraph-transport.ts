// The HTTP transport to the subgraphs: `@graphql-mesh/transport-http`, with each subgraph request's
// abort signal (the caller's disconnect and the subgraph timeout) given to its fetch directly.
//
// Why: the HTTP executor combines that signal with its own long-lived dispose signal (one per
// subgraph) by adding an `abort` listener to each, and removes them only once the request's signals
// are garbage-collected. So the dispose signal holds a listener for every subgraph request since the
// last collection, and Node's `addEventListener` walks them all to refuse a duplicate: under load,
// thousands per call, a tenth of the gateway's CPU. Given no signal, the executor uses its dispose
// signal alone (no listener); the fetch below still aborts on the request's own signal.
//
// And no sharing of identical subgraph requests in flight: the executor would copy every subgraph
// answer (`structuredClone`) so that sharers cannot alter each other's, and its key (URL, headers,
// body) differs between callers anyway, since each carries its own token. Identical requests of one
// caller are still shared at the gateway's door (inbound deduplication).
import type { ExecutionRequest, Executor } from '@graphql-tools/utils';
import type { Transport } from '@graphql-mesh/transport-common';
import http from '@graphql-mesh/transport-http';

type FetchFn = (url: string, init: RequestInit, context?: unknown, info?: unknown) => unknown;
type Disposable = { [Symbol.asyncDispose]?: () => PromiseLike<void> };

export const subgraphHttpTransport: Transport = {
  getSubgraphExecutor(payload) {
    const transportEntry = { ...payload.transportEntry, options: { ...payload.transportEntry.options, deduplicateInflightRequests: false } };
    const executor = http.getSubgraphExecutor({ ...payload, transportEntry }) as Executor & Disposable;
    const fetchFn = payload.fetch as unknown as FetchFn;
    const withOwnSignal: Executor = (request: ExecutionRequest) => {
      const { signal } = request;
      if (!signal) return executor(request);
      const fetch: FetchFn = (url, init, context, info) => fetchFn(url, { ...init, signal }, context, info);
      return executor({ ...request, signal: undefined, extensions: { ...request.extensions, fetch } });
    };
    const dispose = executor[Symbol.asyncDispose];
    return dispose ? Object.assign(withOwnSignal, { [Symbol.asyncDispose]: () => dispose.call(executor) }) : withOwnSignal;
  },
};
