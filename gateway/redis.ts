// The gateway's Redis connection for a shared store (persisted queries, response cache). While Redis
// is unreachable a command fails at once (no offline queue) and the client keeps reconnecting with
// backoff; each outage is logged once, never thrown at a caller, and the store answers as a miss.
import { createClient } from 'redis';
import type { Logger } from '../lib/logger.ts';

/** A connecting client; `outage` is the warning logged once per outage. */
export function sharedRedis(url: string, log: Pick<Logger, 'warn'>, outage: string) {
  const client = createClient({ url, disableOfflineQueue: true, socket: { connectTimeout: 2_000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 5_000) } });
  let down = false;
  client.on('error', (err: Error) => {
    if (!down) log.warn({ err }, outage);
    down = true;
  });
  client.on('ready', () => (down = false));
  client.connect().catch(() => undefined);
  return client;
}
