// One way to call another subgraph of the federation as a trusted service: a GraphQL POST with
// the shared service token (`Authorization: Bearer <SERVICE_TOKEN>`), bounded by a timeout.

export interface ServiceEndpoint {
  /** The subgraph's GraphQL URL (`config.urlOf(name)`). */
  url: string;
  serviceToken: string;
  timeoutMs: number;
}

/** The data of the answer, or why there is none (short, without secrets). */
export type ServiceAnswer<T> = { data: T; problem?: never } | { data?: never; problem: string };

export async function callService<T>(
  target: string,
  endpoint: ServiceEndpoint,
  query: string,
  variables: Record<string, unknown>,
): Promise<ServiceAnswer<T>> {
  try {
    const res = await fetch(endpoint.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${endpoint.serviceToken}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(endpoint.timeoutMs),
    });
    if (!res.ok) return { problem: `${target} answered ${res.status}` };
    const body = (await res.json()) as { data?: T | null; errors?: { message: string }[] };
    if (body.errors?.length) return { problem: `${target} error: ${body.errors[0]!.message}`.slice(0, 300) };
    if (body.data == null) return { problem: `${target} returned no data` };
    return { data: body.data };
  } catch (error) {
    return { problem: error instanceof Error ? `${target}: ${error.message}`.slice(0, 300) : `${target} could not be reached` };
  }
}
