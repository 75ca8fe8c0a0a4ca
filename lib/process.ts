// What every long-running process of the stack does at its edges: read the configuration (or exit
// with one message naming the bad variables), exit with one line when its port is taken, and stop
// cleanly on SIGTERM and Ctrl-C.
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig, variablePrefix, type Config } from './config.ts';
import { DatabaseUnavailableError } from './db.ts';
import { PortInUseError, setShutdownTimeout } from './http-server.ts';

/** Exit code of a process that cannot start whatever the number of tries (bad config, taken port): `npm start` does not restart it. */
export const EXIT_CANNOT_START = 78;

/** Runs a start-up step; a configuration or database problem exits with its one-line message. */
export async function orExit<T>(step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(EXIT_CANNOT_START);
    }
    if (error instanceof DatabaseUnavailableError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

/** The wait before restart number `restarts` (1, 2, ...): `first` doubling per restart in a row, at most `max`. */
export function restartDelay(restarts: number, first: number, max: number): number {
  return Math.min(first * 2 ** Math.max(restarts - 1, 0), max);
}

/** The variable that sets a port of the stack, for messages. */
export function portVariable(config: Config, port: number): string | undefined {
  return ['GATEWAY_PORT', ...config.subgraphs.map((n) => `${variablePrefix(n)}_PORT`)].find(
    (name) => config[name as keyof Config] === port,
  );
}

/**
 * `.env` in the working directory, when there is one: its variables fill what the environment does
 * not set (a variable already set wins), for every process started from the project folder.
 */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}

/**
 * Reads the configuration of a process (`load`: the shared one by default) and applies its
 * process-wide parts: the graceful-stop bound of its servers, and a taken port ending the process
 * with one line and EXIT_CANNOT_START.
 */
export async function loadConfigOrExit<C extends Config = Config>(load: () => C = () => loadConfig() as C): Promise<C> {
  loadDotEnv();
  const config = await orExit(load);
  setShutdownTimeout(config.SHUTDOWN_TIMEOUT_MS);
  // A monitor leaves every other uncaught error to Node's default report.
  process.on('uncaughtExceptionMonitor', (error) => {
    if (!(error instanceof PortInUseError)) return;
    const variable = portVariable(config, error.port);
    console.error(
      `${error.message}${variable ? ` (set by ${variable})` : ''}; stop the other process or choose another port`,
    );
    process.exit(EXIT_CANNOT_START);
  });
  return config;
}

/**
 * Calls `stop` once on SIGTERM or SIGINT, then exits 0. `stop` alone decides the order (stop
 * accepting, finish what is in flight, then dispose), so the listeners libraries registered for
 * these signals are removed: the gateway runtime's own one would abort requests in flight.
 */
export function stopOnSignals(stop: () => Promise<void>): void {
  process.removeAllListeners('SIGTERM');
  process.removeAllListeners('SIGINT');
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
