// A subgraph that could not be reached or did not answer, as the gateway runtime reports it in an
// error's chain: named in the errors clients get (gateway/server.ts) and ending a stream it served
// (gateway/subscriptions.ts).

/** Codes of failures to reach a subgraph, as the gateway runtime reports them. */
const SUBGRAPH_FAILURE_CODES = new Set(['SUBREQUEST_HTTP_ERROR', 'DOWNSTREAM_SERVICE_ERROR', 'GATEWAY_TIMEOUT']);

/** The deepest error of a chain naming a subgraph that failed, if any. */
export function subgraphFailure(error: unknown): { service: string; timedOut: boolean } | null {
  for (
    let e = error as { originalError?: unknown; extensions?: Record<string, unknown>; errors?: unknown[] } | undefined;
    e;
    e = e.originalError as typeof e
  ) {
    const code = e.extensions?.code;
    if (typeof code === 'string' && SUBGRAPH_FAILURE_CODES.has(code) && typeof e.extensions?.serviceName === 'string') {
      return { service: e.extensions.serviceName, timedOut: code === 'GATEWAY_TIMEOUT' };
    }
    if (Array.isArray(e.errors))
      for (const inner of e.errors) {
        const failure = subgraphFailure(inner);
        if (failure) return failure;
      }
  }
  return null;
}
