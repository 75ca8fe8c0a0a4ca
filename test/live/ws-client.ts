// A graphql-ws client for tests: one subscription's results as they come, and how it ended.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { ExecutionResultLike } from './sse-client.ts';

export interface WsSubscription {
  /** Results received so far. */
  results: ExecutionResultLike[];
  /** Resolves once `count` results arrived (or the stream ended first). */
  received(count: number): Promise<void>;
  /** Resolves when the stream completes, rejects when it errors (a closed socket, an error message). */
  ended: Promise<void>;
  close(): Promise<void>;
}

export function wsSubscribe(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  token: string,
): WsSubscription {
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: true,
  });
  const results: ExecutionResultLike[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const wake = (all = false) => {
    for (const w of waiters.filter((w) => all || results.length >= w.count)) w.resolve();
  };
  const ended = new Promise<void>((resolve, reject) => {
    client.subscribe(
      { query, variables },
      {
        next: (result) => {
          results.push(result as ExecutionResultLike);
          wake();
        },
        error: (error) => {
          wake(true);
          reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
        },
        complete: () => {
          wake(true);
          resolve();
        },
      },
    );
  });
  ended.catch(() => undefined);
  return {
    results,
    received: (count) =>
      results.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve })),
    ended,
    close: () => client.dispose() as Promise<void>,
  };
}
