// freePort gives a child process a port to listen on: free now, never one handed out before by this
// process, and outside the range the kernel takes outgoing connections' local ports from.
import { readFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { describe, expect, it, jest } from '@jest/globals';
import { freePort, listenOn } from './free-port.ts';

describe('freePort', () => {
  it('hands out distinct ports below the ephemeral range that a server can listen on', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 50; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(15000);
      expect(port).toBeLessThan(firstEphemeral());
    }
    const server = await listenOn(ports[0]!);
    expect(server).toBeDefined();
    await close(server!);
  });

  it('passes over a port something listens on', async () => {
    const range = firstEphemeral() - 15000;
    const held = await listenInRange(20000);
    const next = held.port + 1;
    const random = jest.spyOn(Math, 'random');
    for (const port of [held.port, next]) random.mockReturnValueOnce((port - 15000 + 0.5) / range);
    try {
      expect(await freePort()).toBe(next);
    } finally {
      random.mockRestore();
      await close(held.server);
    }
  });
});

function firstEphemeral(): number {
  return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
}

/** A server on the first port from `from` on whose next port is free too. */
async function listenInRange(from: number): Promise<{ server: Server; port: number }> {
  for (let port = from; ; port += 2) {
    const server = await listenOn(port);
    if (!server) continue;
    const probe = await listenOn(port + 1);
    if (probe) {
      await close(probe);
      return { server, port };
    }
    await close(server);
  }
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));
