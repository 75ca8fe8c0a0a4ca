// What every long-running process of the stack does at its edges: read the configuration (or exit
// with one message naming the bad variables) and stop cleanly on SIGTERM and Ctrl-C.
import { ConfigError, loadConfig, type Config } from './config.ts';
import { DatabaseUnavailableError } from './db.ts';

/** Runs a start-up step; a configuration or database problem exits with its one-line message. */
export async function orExit<T>(step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof ConfigError || error instanceof DatabaseUnavailableError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

export const loadConfigOrExit = (): Promise<Config> => orExit(() => loadConfig());

/** Calls `stop` once on SIGTERM or SIGINT, then exits 0. */
export function stopOnSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = async () => {
    if (stopping) return;
    stopping = true;
    await stop();
    process.exit(0);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
