// Ports for servers that a test or the benchmark starts in another process, which must be told
// their port before they listen.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

/**
 * A port nothing listens on now. It is drawn at random from below the kernel's ephemeral range
 * (`ip_local_port_range`), where outgoing connections take their local ports: a port the OS
 * hands out for `listen(0)` sits in that range, and with two suites running side by side another
 * process's connection may take it before the child process that was given it listens. Ports
 * handed out by this process are not handed out again.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST_PORT + Math.floor(Math.random() * (firstEphemeralPort - LOWEST_PORT));
    if (!handedOut.has(port) && (await listensOn(port))) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port in ${LOWEST_PORT}-${firstEphemeralPort - 1}`);
}

const LOWEST_PORT = 15000;
const handedOut = new Set<number>();
const firstEphemeralPort = (() => {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0]);
    if (first > LOWEST_PORT + 1000) return first;
  } catch {
    // not Linux: the kernel's usual first ephemeral port
  }
  return 32768;
})();

async function listensOn(port: number): Promise<boolean> {
  const server = await listenOn(port);
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  return server !== undefined;
}

/** A server listening on `port` of 127.0.0.1, or undefined when the port is taken. */
export async function listenOn(port: number): Promise<Server | undefined> {
  const server = createServer();
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  return listening ? server : undefined;
}
