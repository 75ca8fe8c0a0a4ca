// A TCP proxy that can freeze: it keeps every connection open (new ones too) and stops passing
// bytes either way, as a process stopped with SIGSTOP or a hung upstream does. Thawed, it passes
// the held bytes on (`deliver`), drops them with every connection (`drop`: the process was
// restarted), or leaves the connections that held bytes hung for good while new ones pass
// (`keep-hung`: requests sent during the hang never get an answer, later ones do).
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface FreezeProxy {
  port: number;
  /** Chunks the client sent while frozen, held back. */
  held(): number;
  /** HTTP requests the client sent through the proxy (a request head per chunk), frozen or not. */
  httpRequests(): number;
  freeze(): void;
  thaw(mode?: 'deliver' | 'drop' | 'keep-hung'): void;
  close(): Promise<void>;
}

interface Connection {
  sockets: Socket[];
  held: (() => void)[];
  hung: boolean;
}

export async function startFreezeProxy(host: string, port: number): Promise<FreezeProxy> {
  let frozen = false;
  let requests = 0;
  const connections = new Set<Connection>();
  const pass = (connection: Connection, from: Socket, to: Socket, counts: boolean) =>
    from.on('data', (chunk: Buffer) => {
      if (counts && /^[A-Z]+ \S+ HTTP\/1\.1\r\n/.test(chunk.toString('latin1', 0, 200))) requests++;
      if (frozen || connection.hung) connection.held.push(() => to.write(chunk));
      else to.write(chunk);
    });
  const server: Server = createServer((client) => {
    const upstream = createConnection(port, host);
    const connection: Connection = { sockets: [client, upstream], held: [], hung: false };
    connections.add(connection);
    for (const s of connection.sockets) {
      s.on('error', () => undefined).on('close', () => {
        client.destroy();
        upstream.destroy();
        connections.delete(connection);
      });
    }
    pass(connection, client, upstream, true);
    pass(connection, upstream, client, false);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    held: () => [...connections].reduce((n, c) => n + c.held.length, 0),
    httpRequests: () => requests,
    freeze: () => void (frozen = true),
    thaw(mode = 'deliver') {
      frozen = false;
      for (const connection of connections) {
        if (mode === 'drop') connection.sockets.forEach((s) => s.destroy());
        else if (mode === 'keep-hung') connection.hung ||= connection.held.length > 0;
        else for (const write of connection.held.splice(0)) write();
      }
    },
    async close() {
      for (const connection of connections) connection.sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
