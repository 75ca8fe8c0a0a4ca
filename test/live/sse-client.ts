// A GraphQL over SSE client for tests (the graphql-sse protocol, distinct connections mode): one
// request per subscription, `event: next` per result, `event: complete` at the end.
export interface ExecutionResultLike {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export interface SseSubscription {
  /** The HTTP status of the answer (200 for a stream). */
  status: number;
  /** JSON answer when the subscription did not start (a refusal). */
  refusal: ExecutionResultLike | null;
  /** The next result, or null once the stream completed. */
  next(): Promise<ExecutionResultLike | null>;
  /** Every remaining result until completion. */
  rest(): Promise<ExecutionResultLike[]>;
  /** Heartbeats (SSE comments) received so far. */
  heartbeats(): number;
  close(): void;
}

export async function sseSubscribe(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  opts: { token?: string; headers?: Record<string, string> } = {},
): Promise<SseSubscription> {
  const abort = new AbortController();
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...opts.headers,
    },
    body: JSON.stringify({ query, variables }),
    signal: abort.signal,
  });
  if (!res.headers.get('content-type')?.includes('text/event-stream')) {
    const refusal = (await res.json()) as ExecutionResultLike;
    return {
      status: res.status,
      refusal,
      next: async () => null,
      rest: async () => [],
      heartbeats: () => 0,
      close: () => undefined,
    };
  }
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let completed = false;
  let beats = 0;
  const next = async (): Promise<ExecutionResultLike | null> => {
    for (;;) {
      if (completed) return null;
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = message.split('\n');
        if (lines.every((l) => l.startsWith(':'))) {
          beats++;
          continue;
        }
        const event = lines
          .find((l) => l.startsWith('event:'))
          ?.slice(6)
          .trim();
        const data = lines
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trim())
          .join('\n');
        if (event === 'complete') {
          completed = true;
          abort.abort();
          return null;
        }
        if (data) return JSON.parse(data) as ExecutionResultLike;
        continue;
      }
      const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (chunk.done) {
        completed = true;
        return null;
      }
      buffer += chunk.value;
    }
  };
  return {
    status: res.status,
    refusal: null,
    next,
    async rest() {
      const all: ExecutionResultLike[] = [];
      for (let r = await next(); r; r = await next()) all.push(r);
      return all;
    },
    heartbeats: () => beats,
    close: () => abort.abort(),
  };
}
