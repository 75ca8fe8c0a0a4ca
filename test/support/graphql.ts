// A tiny GraphQL-over-HTTP client for tests.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode } from 'graphql';
import { signRequest } from '../../lib/signature.ts';
import { TEST_SIGNING_KEY } from './env.ts';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; [k: string]: unknown } }[];
  /** The response's own `extensions` (e.g. an idempotency key the layer gave, warnings). */
  extensions?: Record<string, unknown>;
  headers: Headers;
}

export interface RequestOptions {
  token?: string;
  headers?: Record<string, string>;
  unsigned?: boolean;
}

/** The variables (required when the operation declares a required one) and the request's options. */
type VariablesAndOptions<V> =
  Record<string, never> extends V ? [variables?: V, opts?: RequestOptions] : [variables: V, opts?: RequestOptions];

/** A document that carries no result type: a text, or a parsed document that is not a typed one. */
type UntypedDocument = string | (DocumentNode & { __apiType?: never });

/**
 * Sends an operation. A typed document (test/__generated__/operations.ts) gives the result's and
 * the variables' types; a text is for documents the schema does not type: malformed or hostile
 * ones, introspection of the gateway's own limits, documents built at run time.
 */
export function graphql<T, V>(
  url: string,
  document: TypedDocumentNode<T, V>,
  ...rest: VariablesAndOptions<V>
): Promise<GraphQLResponse<T>>;
export function graphql<T = Record<string, unknown>>(
  url: string,
  query: UntypedDocument,
  variables?: Record<string, unknown>,
  opts?: RequestOptions,
): Promise<GraphQLResponse<T>>;
export async function graphql<T>(
  url: string,
  query: string | DocumentNode,
  variables?: unknown,
  opts: RequestOptions = {},
): Promise<GraphQLResponse<T>> {
  const body = JSON.stringify({ query: typeof query === 'string' ? query : print(query), variables });
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
    ...opts.headers,
  };
  // Every request is signed as the gateway signs its own, so a suite may call a subgraph directly
  // as the gateway would (the gateway itself ignores the headers); `unsigned` sends it as anyone could.
  if (!opts.unsigned)
    Object.assign(
      headers,
      signRequest(TEST_SIGNING_KEY, {
        method: 'POST',
        path: new URL(url).pathname,
        body,
        authorization: headers.authorization ?? null,
      }),
    );
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  let answer: { data?: T; errors?: GraphQLResponse['errors']; extensions?: Record<string, unknown> };
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch {
    throw new Error(`Non-JSON response ${res.status}: ${text.slice(0, 200)}`);
  }
  return {
    status: res.status,
    data: answer.data,
    errors: answer.errors,
    ...(answer.extensions ? { extensions: answer.extensions } : {}),
    headers: res.headers,
  };
}

/** A GET to a subgraph with the caller's token, signed as the gateway signs what it forwards. */
export function gatewayGet(url: string, token?: string): Promise<Response> {
  const authorization = token ? `Bearer ${token}` : null;
  const { pathname, search } = new URL(url);
  const signature = signRequest(TEST_SIGNING_KEY, {
    method: 'GET',
    path: `${pathname}${search}`,
    body: '',
    authorization,
  });
  return fetch(url, { headers: { ...signature, ...(authorization ? { authorization } : {}) } });
}

/** The data of a response that must have no errors. */
export function ok<T>(res: GraphQLResponse<T>): T {
  if (res.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors)}`);
  if (!res.data) throw new Error(`No data (status ${res.status})`);
  return res.data;
}

export const codes = (res: GraphQLResponse<unknown>) => (res.errors ?? []).map((e) => e.extensions?.code);
