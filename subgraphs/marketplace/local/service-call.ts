// One way to call another subgraph of the federation as a trusted service: a GraphQL POST with
// the shared service token (`Authorization: Bearer <SERVICE_TOKEN>`), bounded by a timeout, over
// undici keep-alive connections (about twice the calls per second of fetch on loopback).
import { Agent, request } from 'undici';

/** Keep-alive connections shared by every service call of the process. */
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });

export interface ServiceEndpoint {
  /** The subgraph's GraphQL URL (`config.urlOf(name)`). */
  url: string;
  serviceToken: string;
  timeoutMs: number;
}

/**
 * The data of the answer, or why there is none (short, without secrets), and what kind of failure
 * it is: `refused` when the target refused the request as invalid (`BAD_USER_INPUT`: sending it
 * again cannot help), `error` for any other GraphQL error, `unreachable` when no GraphQL answer came.
 */
export type ServiceAnswer<T> = { data: T; problem?: never; failure?: never } | { data?: never; problem: string; failure: 'refused' | 'error' | 'unreachable' };

/** Codes of GraphQL errors that say the request is invalid, not that the target is unwell. */
const REFUSED_CODES = new Set(['BAD_USER_INPUT']);

export async function callService<T>(
  target: string,
  endpoint: ServiceEndpoint,
  query: string,
  variables: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<ServiceAnswer<T>> {
  try {
    const res = await request(endpoint.url, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${endpoint.serviceToken}` },
      body: JSON.stringify({ query, variables }),
      headersTimeout: endpoint.timeoutMs,
      bodyTimeout: endpoint.timeoutMs,
      signal,
    });
    // A GraphQL server answers an invalid request with 400 and a body that says why.
    if (res.statusCode !== 200 && res.statusCode !== 400) {
      await res.body.dump();
      return { problem: `${target} answered ${res.statusCode}`, failure: 'unreachable' };
    }
    const body = (await res.body.json()) as { data?: T | null; errors?: { message: string; extensions?: { code?: unknown } }[] };
    const first = body.errors?.[0];
    if (first) return { problem: `${target} error: ${first.message}`.slice(0, 300), failure: REFUSED_CODES.has(String(first.extensions?.code)) ? 'refused' : 'error' };
    if (res.statusCode !== 200) return { problem: `${target} answered ${res.statusCode}`, failure: 'unreachable' };
    if (body.data == null) return { problem: `${target} returned no data`, failure: 'error' };
    return { data: body.data };
  } catch (error) {
    return { problem: error instanceof Error ? `${target}: ${error.message}`.slice(0, 300) : `${target} could not be reached`, failure: 'unreachable' };
  }
}
