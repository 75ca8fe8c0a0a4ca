// One listen and one graceful close for every server of the stack: a taken port is a typed error,
// and a stop finishes the requests already received, closes idle keep-alive connections, refuses
// new connections, and is bounded.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Agent, request } from 'undici';
import { PortInUseError, closeServer, listen } from '../../lib/http-server.ts';
import { portVariable, restartDelay } from '../../lib/process.ts';
import { testConfig } from '../support/env.ts';

const servers: Server[] = [];
const agents: Agent[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    if (s.listening) await new Promise((r) => s.close(r));
  }
  for (const a of agents.splice(0)) await a.destroy();
});

/** A server whose requests to /slow answer only when `release` is called. */
function slowServer() {
  const waiting: (() => void)[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/slow') waiting.push(() => res.end('done'));
    else res.end('fast');
  });
  servers.push(server);
  return { server, waiting, release: () => waiting.splice(0).forEach((f) => f()) };
}

async function until(check: () => boolean) {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

describe('listen', () => {
  it('rejects with PortInUseError naming host and port when the port is taken', async () => {
    const first = slowServer().server;
    const port = await listen(first, '127.0.0.1', 0);
    const second = slowServer().server;
    const error = await listen(second, '127.0.0.1', port).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortInUseError);
    expect((error as PortInUseError).message).toBe(`port ${port} on 127.0.0.1 is already in use`);
  });

  it('names the variable that sets a port', () => {
    const config = testConfig({ GATEWAY_PORT: '4100', REGISTRY_PORT: '4103' });
    expect(portVariable(config, 4100)).toBe('GATEWAY_PORT');
    expect(portVariable(config, 4103)).toBe('REGISTRY_PORT');
    expect(portVariable(config, 1)).toBeUndefined();
  });
});

describe('closeServer', () => {
  it('finishes a request in flight, refuses new connections meanwhile, then resolves', async () => {
    const { server, waiting, release } = slowServer();
    const port = await listen(server, '127.0.0.1', 0);
    const agent = new Agent();
    agents.push(agent);
    const inFlight = request(`http://127.0.0.1:${port}/slow`, { dispatcher: agent });
    await until(() => waiting.length === 1);

    let closed = false;
    const closing = closeServer(server, 10_000).then(() => (closed = true));
    expect(await refused(port)).toBe(true);
    expect(closed).toBe(false);

    release();
    const res = await inFlight;
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('done');
    await closing;
    expect(closed).toBe(true);
  });

  it('closes idle keep-alive connections instead of waiting for their timeout', async () => {
    const { server } = slowServer();
    server.keepAliveTimeout = 60_000;
    const port = await listen(server, '127.0.0.1', 0);
    const agent = new Agent({ keepAliveTimeout: 60_000 });
    agents.push(agent);
    const res = await request(`http://127.0.0.1:${port}/fast`, { dispatcher: agent });
    expect(await res.body.text()).toBe('fast');
    // The keep-alive connection is open and idle; the stop must not wait 60 s for it.
    await closeServer(server, 30_000);
    expect(server.listening).toBe(false);
  });

  it('drops what is still in flight after the bound', async () => {
    const { server, waiting } = slowServer();
    const port = await listen(server, '127.0.0.1', 0);
    const agent = new Agent();
    agents.push(agent);
    const inFlight = request(`http://127.0.0.1:${port}/slow`, { dispatcher: agent }).catch((e: unknown) => e);
    await until(() => waiting.length === 1);
    await closeServer(server, 200);
    expect(await inFlight).toBeInstanceOf(Error);
  });
});

describe('restartDelay', () => {
  it('doubles per restart in a row from the first delay, up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => restartDelay(n, 500, 30_000))).toEqual([
      500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000,
    ]);
  });
});
