// The one way a subgraph calls another subgraph of the federation: a GraphQL POST with the service
// credential (`Authorization: Bearer <SERVICE_TOKEN>`), either for the service itself (outbox
// deliveries) or on behalf of a caller (`X-On-Behalf-Of: <the caller's token>` or `anonymous`), so
// the target applies its access rules to that caller. Never the gateway's signature, never a
// caller's token passed off as a service's. One timeout and one answer shape, over undici
// keep-alive connections (about twice the calls per second of fetch on loopback).
import { Agent, request } from 'undici';
import { ON_BEHALF_OF_HEADER, bearerToken } from './auth.ts';
import type { Config, SubgraphName } from './config.ts';

/** Keep-alive connections shared by every service call of the process. */
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });

export interface ServiceEndpoint {
  /** The subgraph's GraphQL URL (`config.urlOf(name)`; `serviceEndpoint` builds the whole endpoint). */
  url: string;
  serviceToken: string;
  timeoutMs: number;
}

/** A subgraph's endpoint as configured: its URL, the service credential and the one timeout of every service call. */
export const serviceEndpoint = (
  config: Pick<Config, 'urlOf' | 'serviceToken' | 'UPSTREAM_TIMEOUT_MS'>,
  name: SubgraphName,
): ServiceEndpoint => ({
  url: config.urlOf(name),
  serviceToken: config.serviceToken,
  timeoutMs: config.UPSTREAM_TIMEOUT_MS,
});

/** Whom the call is for: the service itself, or a caller (its bearer token, or null when anonymous). */
export type Acting = { service: true } | { onBehalfOf: string | null };
export const AS_SERVICE: Acting = { service: true };

/** The caller a request's Authorization header names, to act for it. */
export const onBehalfOf = (authorization: string | string[] | undefined | null): Acting => ({
  onBehalfOf: typeof authorization === 'string' ? bearerToken(authorization) : null,
});

/**
 * The data of the answer, or why there is none (short, without secrets), and what kind of failure
 * it is: `refused` when the target refused the request as invalid (`BAD_USER_INPUT`: sending it
 * again cannot help), `error` for any other GraphQL error, `unreachable` when no GraphQL answer came.
 * `errors` are the answer's GraphQL errors (with their paths), when a caller needs them one by one.
 */
export type ServiceAnswer<T> =
  | { data: T; problem?: never; failure?: never; errors?: ServiceError[] }
  | { data?: never; problem: string; failure: 'refused' | 'error' | 'unreachable'; errors?: ServiceError[] };

export interface ServiceError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: unknown };
}

/** Codes of GraphQL errors that say the request is invalid, not that the target is unwell. */
const REFUSED_CODES = new Set(['BAD_USER_INPUT']);

export async function callService<T>(
  target: string,
  endpoint: ServiceEndpoint,
  acting: Acting,
  query: string,
  variables: Record<string, unknown>,
  opts: { signal?: AbortSignal; requestId?: string; partial?: boolean } = {},
): Promise<ServiceAnswer<T>> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    authorization: `Bearer ${endpoint.serviceToken}`,
  };
  if ('onBehalfOf' in acting) headers[ON_BEHALF_OF_HEADER] = acting.onBehalfOf ?? 'anonymous';
  if (opts.requestId) headers['x-request-id'] = opts.requestId;
  try {
    const res = await request(endpoint.url, {
      method: 'POST',
      dispatcher: agent,
      headers,
      body: JSON.stringify({ query, variables }),
      headersTimeout: endpoint.timeoutMs,
      bodyTimeout: endpoint.timeoutMs,
      signal: opts.signal,
    });
    // A GraphQL server answers an invalid request with 400 and a body that says why.
    if (res.statusCode !== 200 && res.statusCode !== 400) {
      await res.body.dump();
      return { problem: `${target} answered ${res.statusCode}`, failure: 'unreachable' };
    }
    const body = (await res.body.json()) as { data?: T | null; errors?: ServiceError[] };
    const first = body.errors?.[0];
    // `partial`: data with errors on some paths is an answer; the caller reads `errors` by path.
    if (first && !(opts.partial && body.data != null)) {
      return {
        problem: `${target} error: ${first.message}`.slice(0, 300),
        failure: REFUSED_CODES.has(String(first.extensions?.code)) ? 'refused' : 'error',
        errors: body.errors,
      };
    }
    if (res.statusCode !== 200) return { problem: `${target} answered ${res.statusCode}`, failure: 'unreachable' };
    if (body.data == null) return { problem: `${target} returned no data`, failure: 'error' };
    return { data: body.data, errors: body.errors };
  } catch (error) {
    return {
      problem: error instanceof Error ? `${target}: ${error.message}`.slice(0, 300) : `${target} could not be reached`,
      failure: 'unreachable',
    };
  }
}
