import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Another process holds the port: a start-up failure that a restart cannot cure. */
export class PortInUseError extends Error {
  readonly port: number;
  readonly host: string;
  constructor(host: string, port: number) {
    super(`port ${port} on ${host} is already in use`);
    this.host = host;
    this.port = port;
  }
}

/** Listens on host:port (0 for any free port) and returns the port taken. */
export async function listen(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(host, port) : error);
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

let shutdownTimeoutMs = 10_000;
/** How long a graceful stop of this process waits for in-flight requests (`SHUTDOWN_TIMEOUT_MS`). */
export function setShutdownTimeout(ms: number): void {
  shutdownTimeoutMs = ms;
}
/** How often a stopping server closes the keep-alive connections that have become idle. */
const IDLE_SWEEP_MS = 25;

/**
 * Stops gracefully: refuses new connections, lets every request already received finish (each
 * connection is closed as soon as it is idle, so clients reconnect elsewhere), and after
 * `timeoutMs` drops whatever is still open so a stop is bounded.
 */
export async function closeServer(server: Server, timeoutMs = shutdownTimeoutMs): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  const deadline = setTimeout(() => server.closeAllConnections(), timeoutMs);
  try {
    await closed;
  } finally {
    clearInterval(sweep);
    clearTimeout(deadline);
  }
}
