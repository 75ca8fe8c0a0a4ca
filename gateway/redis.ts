// The gateway's Redis connection for a shared store (persisted queries, response cache). Every
// call answers its fallback (a miss, nothing kept) instead of waiting or failing when Redis
// cannot answer: while it is unreachable (no offline queue; the client reconnects with backoff),
// and when it does not answer within REDIS_COMMAND_TIMEOUT_MS (a frozen server still holds the
// connection open). After a command goes unanswered, calls skip Redis at once until a PING is
// answered again, so a frozen Redis costs one timeout, not one per request. Each outage is
// logged once, never thrown at a caller.
import { createClient } from 'redis';
import type { Logger } from '../lib/logger.ts';

export type RedisClient = ReturnType<typeof createClient>;

export interface SharedRedis {
  /** Runs `command`, or answers `fallback` when Redis is unreachable, unresponsive, fails or does not answer in time. */
  call<T>(command: (client: RedisClient) => Promise<T>, fallback: T): Promise<T>;
  close(): Promise<void>;
}

const TIMED_OUT = Symbol('timed out');
const FAILED = Symbol('failed');

/** The promise's value, or TIMED_OUT after `ms` (the promise itself is left to settle). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A connecting client; `outage` is the warning logged once per outage. */
export function sharedRedis(
  url: string,
  commandTimeoutMs: number,
  log: Pick<Logger, 'warn' | 'info'>,
  outage: string,
): SharedRedis {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2_000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 5_000) },
  });
  let down = false;
  const wentDown = (err: unknown) => {
    if (!down) log.warn({ err }, outage);
    down = true;
  };
  client.on('error', wentDown);
  client.on('ready', () => {
    down = false;
    unresponsive = false;
  });
  client.connect().catch(() => undefined);

  /** Set when a command went unanswered: calls answer their fallback until a PING is answered. */
  let unresponsive = false;
  let probing = false;
  const probe = () => {
    if (probing) return;
    probing = true;
    void within(
      client.ping().then(
        () => true,
        () => false,
      ),
      commandTimeoutMs,
    ).then((answered) => {
      probing = false;
      if (answered !== true) return;
      unresponsive = false;
      if (down) log.info({}, 'Redis answers again');
      down = false;
    });
  };

  return {
    async call(command, fallback) {
      if (!client.isReady) return fallback;
      if (unresponsive) {
        probe();
        return fallback;
      }
      const answer = await within(
        command(client).catch((): typeof FAILED => FAILED),
        commandTimeoutMs,
      );
      if (answer === FAILED) return fallback;
      if (answer !== TIMED_OUT) return answer;
      if (!unresponsive) {
        unresponsive = true;
        wentDown(new Error(`Redis did not answer within ${commandTimeoutMs} ms`));
      }
      return fallback;
    },
    async close() {
      // A frozen Redis would never answer the QUIT: the connection is then dropped.
      if (
        client.isReady &&
        !unresponsive &&
        (await within(
          client.close().then(
            () => true,
            () => false,
          ),
          commandTimeoutMs,
        )) === true
      )
        return;
      if (client.isOpen) client.destroy();
    },
  };
}
