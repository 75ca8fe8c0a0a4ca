import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on host:port (0 for any free port) and returns the port taken. */
export async function listen(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return (server.address() as AddressInfo).port;
}

/** Stops accepting and drops idle keep-alive connections, so a stop never waits on clients. */
export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
