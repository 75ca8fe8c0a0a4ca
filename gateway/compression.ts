// Compression both ways. Answers are compressed in the coding the client prefers by its
// Accept-Encoding weights (RFC 9110 §12.5.3: the highest q wins, `q=0` is "not acceptable", `*`
// stands for any coding not listed; among equal weights the client's order), among brotli, gzip
// and deflate, and carry `Vary: Accept-Encoding` whenever that header chose their coding, so a
// shared cache never hands a compressed answer to a client that cannot read it. Request bodies
// sent with a Content-Encoding of those are decompressed; another coding is 415.
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { appendVary } from './http.ts';

/** The codings the gateway compresses with. */
export const CODINGS = ['br', 'gzip', 'deflate'] as const;
export type Coding = (typeof CODINGS)[number];

const ALIASES: Record<string, Coding> = { 'x-gzip': 'gzip' };

/** A weight as RFC 9110 writes it (0 to 1, at most three decimals); null when it is not one. */
function weightOf(parameters: string[]): number | null {
  const q = parameters.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('q='));
  if (q === undefined) return 1;
  const value = q.slice(2);
  return /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value) ? Number(value) : null;
}

/** The coding to answer in, given the request's Accept-Encoding; null for none (identity). */
export function negotiateCoding(acceptEncoding: string | null): Coding | null {
  if (!acceptEncoding) return null;
  const weights = new Map<string, number>();
  for (const member of acceptEncoding.split(',')) {
    const [name, ...parameters] = member.split(';');
    const coding = name!.trim().toLowerCase();
    const weight = weightOf(parameters);
    // A malformed member is ignored; a repeated one keeps its first weight.
    if (coding === '' || weight === null) continue;
    const key = ALIASES[coding] ?? coding;
    if (!weights.has(key)) weights.set(key, weight);
  }
  let chosen: Coding | null = null;
  let best = 0;
  // In the client's order, so equal weights keep the coding it named first; `*` stands last for the rest.
  const named = [...weights.keys()].filter((c): c is Coding => (CODINGS as readonly string[]).includes(c));
  const rest = CODINGS.filter((c) => !weights.has(c));
  for (const coding of [...named, ...rest]) {
    const weight = weights.get(coding) ?? weights.get('*') ?? 0;
    if (weight > best) [chosen, best] = [coding, weight];
  }
  return chosen;
}

/** Streams stay as they are: compressing them would hold back each event until a block fills. */
const STREAMED = /^(text\/event-stream|multipart\/mixed)/i;

function decompressRequest(
  request: Request,
  fetchAPI: { Request: typeof Request; Response: typeof Response; DecompressionStream: typeof DecompressionStream },
): Request | Response {
  const codings = (request.headers.get('content-encoding') ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0 || !request.body) return request;
  const known = codings.map((c) => ALIASES[c] ?? c);
  if (!known.every((c) => (CODINGS as readonly string[]).includes(c))) {
    return new fetchAPI.Response(`Unsupported Content-Encoding: ${codings.join(', ')}`, {
      status: 415,
      headers: { 'accept-encoding': CODINGS.join(', ') },
    });
  }
  // Codings are listed in the order they were applied: undone last first.
  const body = known.reduceRight<ReadableStream>(
    (stream, coding) => stream.pipeThrough(new fetchAPI.DecompressionStream(coding as CompressionFormat)),
    request.body,
  );
  const headers = new Headers(request.headers);
  headers.delete('content-encoding');
  headers.delete('content-length');
  return new fetchAPI.Request(request.url, {
    method: request.method,
    headers,
    body,
    signal: request.signal,
    duplex: 'half',
  } as RequestInit);
}

export const compression: GatewayPlugin = {
  onRequest({ request, setRequest, endResponse, fetchAPI }) {
    const decompressed = decompressRequest(request, fetchAPI);
    if (decompressed instanceof fetchAPI.Response) endResponse(decompressed);
    else if (decompressed !== request) setRequest(decompressed);
  },
  onResponse({ request, response, setResponse, fetchAPI }) {
    const type = response.headers.get('content-type') ?? '';
    if (!response.body || response.headers.has('content-encoding') || STREAMED.test(type)) return;
    appendVary(response.headers, 'Accept-Encoding');
    const coding = negotiateCoding(request.headers.get('accept-encoding'));
    if (!coding) return;
    const headers = new fetchAPI.Headers(response.headers);
    headers.set('content-encoding', coding);
    headers.delete('content-length');
    setResponse(
      new fetchAPI.Response(response.body.pipeThrough(new fetchAPI.CompressionStream(coding as CompressionFormat)), {
        status: response.status,
        statusText: response.statusText,
        headers,
      }),
    );
  },
};
