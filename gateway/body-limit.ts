// The request body limit (GATEWAY_MAX_BODY_BYTES): refused at once from its Content-Length, and
// while it streams when it has none (chunked, or decompressed by compression.ts), so no more than
// the limit is ever read. A body with a Content-Length within the limit is read as it is: HTTP
// framing bounds it already.
//
// graphql-yoga, under the gateway runtime, adds a limit of its own (25 MB, which the runtime gives
// no way to set) that pipes every request body through a stream and builds a second request
// around it: about 5 % of the gateway's CPU per query, for a check this limit makes already.
// `withoutRuntimeBodyLimit` takes that one out of the runtime's request-parse hooks, and refuses
// to start when it cannot find exactly one (a runtime that changed is found by the tests, not in
// production).
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { GraphQLError } from 'graphql';

/** The request-parse hooks of this module's plugins (told apart from the runtime's own limit). */
const ownHooks = new WeakSet<object>();

/** A body larger than the limit; the connection is closed so the rest of it is never read. */
function tooLarge(maxBytes: number): GraphQLError {
  return new GraphQLError(`Request body is larger than ${maxBytes} bytes`, {
    extensions: { code: 'PAYLOAD_TOO_LARGE', http: { status: 413, headers: { connection: 'close' } } },
  });
}

/** The whole body, or a refusal as soon as more than `maxBytes` have arrived (the rest is never read). */
async function readWithin(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<string> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let read = 0;
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    read += next.value.byteLength;
    if (read > maxBytes) {
      void reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(next.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Refuses a body larger than the limit: at once from its Content-Length, and while it streams
 * (a chunked body has none), so no more than the limit is ever read.
 */
export function bodyLimit(maxBytes: number): GatewayPlugin {
  const plugin: GatewayPlugin = {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const length = request.headers.get('content-length');
      if (length !== null && !(Number(length) <= maxBytes)) throw tooLarge(maxBytes);
      // A body with a Content-Length within the limit is no longer than that (HTTP framing): read as it is.
      // (A decompressed body has none: compression.ts removes it.)
      if (length !== null && !request.headers.has('content-encoding')) return;
      if (!requestParser || !request.body) return;
      setRequestParser(async (req) => {
        const body = await readWithin(req.body!, maxBytes);
        return requestParser(
          new fetchAPI.Request(req.url, { method: req.method, headers: req.headers, signal: req.signal, body }),
        );
      });
    },
  };
  ownHooks.add(plugin.onRequestParse!);
  return plugin;
}

/**
 * The runtime without graphql-yoga's own body limit: the one request-parse hook, other than this
 * module's, that reads Content-Length and sets the request parser (useLimitRequestBodySize).
 */
export function withoutRuntimeBodyLimit<R extends object>(runtime: R): R {
  const hooks = (runtime as { onRequestParseHooks?: unknown }).onRequestParseHooks;
  if (!Array.isArray(hooks)) throw new Error('the gateway runtime has no request-parse hooks to read');
  const found = hooks.flatMap((hook: (...args: unknown[]) => unknown, index) => {
    const source = String(hook);
    return !ownHooks.has(hook) && source.includes('content-length') && source.includes('setRequestParser')
      ? [index]
      : [];
  });
  if (found.length !== 1)
    throw new Error(
      `expected one body limit of the gateway runtime's own among its request-parse hooks, found ${found.length}`,
    );
  hooks.splice(found[0]!, 1);
  return runtime;
}
