// The page's GraphQL client: each typed document is sent as a persisted document (its sha256
// alone), and its text from the manifest only when the gateway does not know the hash yet.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import manifest from './__generated__/persisted-documents.json';
import { version } from '../../package.json';

const texts: Record<string, string> = manifest;

/** A GraphQL or HTTP failure, with the API's stable code. */
export class ApiError extends Error {
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.code = code;
  }
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

const hashOf = (document: TypedDocumentNode<unknown, never>) =>
  (document as unknown as { __meta__: { hash: string } }).__meta__.hash;

export async function execute<T, V>(document: TypedDocumentNode<T, V>, variables: V, token: string | null): Promise<T> {
  const hash = hashOf(document as TypedDocumentNode<unknown, never>);
  const send = async (withText: boolean): Promise<GraphQLResponse<T>> => {
    let response: Response;
    try {
      response = await fetch('/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          // Who is calling, for the gateway's logs, traces and metrics (and its manifest when kept per client).
          'graphql-client-name': 'offset-page',
          'graphql-client-version': version,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({
          ...(withText ? { query: texts[hash] } : {}),
          variables,
          extensions: { persistedQuery: { version: 1, sha256Hash: hash.replace(/^sha256:/, '') } },
        }),
      });
    } catch {
      throw new ApiError('The API cannot be reached; check the connection and try again.', 'NETWORK_ERROR');
    }
    return (await response.json().catch(() => ({
      errors: [{ message: `The API answered HTTP ${response.status}`, extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
    }))) as GraphQLResponse<T>;
  };
  let result = await send(false);
  if (result.errors?.some((e) => e.extensions?.code === 'PERSISTED_QUERY_NOT_FOUND')) result = await send(true);
  const [error] = result.errors ?? [];
  if (error) throw new ApiError(error.message, error.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
  return result.data as T;
}

export interface Session {
  accessToken: string;
  user: { email: string; role: string };
}

/** The gateway's development sign-in (POST /app/sign-in): a demo user's token. */
export async function signIn(email: string): Promise<Session> {
  const response = await fetch('/app/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
  });
  if (response.status === 404)
    throw new ApiError('Sign-in is a development feature: it is off in production.', 'NOT_FOUND');
  const body = (await response.json()) as Session | GraphQLResponse<never>;
  if ('accessToken' in body) return body;
  const [error] = body.errors ?? [];
  throw new ApiError(
    error?.message ?? `Sign-in failed (HTTP ${response.status})`,
    error?.extensions?.code ?? 'INTERNAL_SERVER_ERROR',
  );
}

/**
 * Follows a subscription as GraphQL over SSE (one request, one event per result; no polling):
 * `onResult` receives each result until the stream completes, `onError` a failure (the stream
 * ends then). Sent as a persisted document like `execute`. Returns a function that stops it.
 */
export function subscribe<T, V>(
  document: TypedDocumentNode<T, V>,
  variables: V,
  token: string | null,
  onResult: (data: T) => void,
  onError: (error: ApiError) => void,
): () => void {
  const hash = hashOf(document as TypedDocumentNode<unknown, never>);
  const abort = new AbortController();
  const open = async (withText: boolean): Promise<void> => {
    const response = await fetch('/graphql', {
      method: 'POST',
      signal: abort.signal,
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        'graphql-client-name': 'offset-page',
        'graphql-client-version': version,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({
        ...(withText ? { query: texts[hash] } : {}),
        variables,
        extensions: { persistedQuery: { version: 1, sha256Hash: hash.replace(/^sha256:/, '') } },
      }),
    });
    const results =
      response.headers.get('content-type')?.includes('text/event-stream') && response.body
        ? eventsOf(response.body)
        : single(response);
    let first = true;
    for await (const result of results) {
      const [error] = result.errors ?? [];
      if (first && !withText && error?.extensions?.code === 'PERSISTED_QUERY_NOT_FOUND') return open(true);
      first = false;
      if (error) throw new ApiError(error.message, error.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
      onResult(result.data as T);
    }
  };
  open(false).catch((e: unknown) => {
    if (abort.signal.aborted) return;
    onError(
      e instanceof ApiError
        ? e
        : new ApiError(
            'The live updates were interrupted; reload the page to follow the order again.',
            'NETWORK_ERROR',
          ),
    );
  });
  return () => abort.abort();
}

async function* single<T>(response: Response): AsyncGenerator<GraphQLResponse<T>> {
  yield (await response.json().catch(() => ({
    errors: [{ message: `The API answered HTTP ${response.status}`, extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
  }))) as GraphQLResponse<T>;
}

/** The results of an SSE body: `event: next` data, until `event: complete`. */
async function* eventsOf<T>(body: ReadableStream<Uint8Array>): AsyncGenerator<GraphQLResponse<T>> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const end = buffer.indexOf('\n\n');
    if (end < 0) {
      const chunk = await reader.read();
      if (chunk.done) return;
      buffer += decoder.decode(chunk.value, { stream: true });
      continue;
    }
    const lines = buffer.slice(0, end).split('\n');
    buffer = buffer.slice(end + 2);
    if (lines.some((l) => l.startsWith('event: complete'))) return;
    const data = lines
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).trim())
      .join('\n');
    if (data) yield JSON.parse(data) as GraphQLResponse<T>;
  }
}
