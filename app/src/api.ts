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

const hashOf = (document: TypedDocumentNode<unknown, never>) => (document as unknown as { __meta__: { hash: string } }).__meta__.hash;

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
    return (await response.json().catch(() => ({ errors: [{ message: `The API answered HTTP ${response.status}`, extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }))) as GraphQLResponse<T>;
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
  const response = await fetch('/app/sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) });
  if (response.status === 404) throw new ApiError('Sign-in is a development feature: it is off in production.', 'NOT_FOUND');
  const body = (await response.json()) as Session | GraphQLResponse<never>;
  if ('accessToken' in body) return body;
  const [error] = body.errors ?? [];
  throw new ApiError(error?.message ?? `Sign-in failed (HTTP ${response.status})`, error?.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
}
