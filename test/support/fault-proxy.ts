// A fault-injecting HTTP proxy between the layer and an upstream fake: it forwards requests and,
// for the ones a fault matches, loses the answer after the upstream acted, answers after the
// layer's timeout, hangs without forwarding, answers a 5xx (before or after the upstream acted) or
// a 2xx whose body is not the record. Whether the upstream acted is read from the fake's own call
// log; the proxy only counts what it did.
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultKind =
  /** Forwarded; the upstream's answer is dropped and the connection reset. */
  | 'lose'
  /** Forwarded; the upstream's answer is held `delayMs` (past the layer's timeout), then sent. */
  | 'late'
  /** Not forwarded; the connection is held open until the proxy stops. */
  | 'hang'
  /** Not forwarded; answered with `status` (a 5xx, or a refusal with `body`). */
  | 'fail'
  /** Forwarded; the upstream's answer is replaced with `status` (a 5xx). */
  | 'failAfter'
  /** Forwarded; the upstream's 2xx answer is replaced with a 2xx `body` that is not the record. */
  | 'garble';

export interface ProxyFault {
  kind: FaultKind;
  method?: string;
  pathPrefix?: string;
  /** How many matching requests get the fault (default 1). */
  times?: number;
  /** Chance (0..1) that a matching request gets the fault; drawn from `random`. */
  rate?: number;
  status?: number;
  delayMs?: number;
  body?: unknown;
}

export interface FaultProxy {
  url: string;
  /** What the proxy did with each request, in order: `forward` or a fault kind. */
  log: { method: string; path: string; action: 'forward' | FaultKind }[];
  inject(fault: ProxyFault): void;
  clear(): void;
  stop(): Promise<void>;
}

/** A seeded generator, so a run under random faults is the same run every time. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startFaultProxy(target: string, random: () => number = Math.random): Promise<FaultProxy> {
  const faults: (ProxyFault & { left: number })[] = [];
  const log: FaultProxy['log'] = [];
  const held = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  const to = new URL(target);

  const forward = (req: IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>((resolve, reject) => {
      const out = httpRequest(
        {
          host: to.hostname,
          port: to.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: to.host },
        },
        async (res) => {
          const chunks: Buffer[] = [];
          for await (const c of res) chunks.push(c as Buffer);
          resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) });
        },
      );
      out.on('error', reject);
      out.end(body);
    });

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const path = new URL(req.url ?? '/', 'http://proxy').pathname;
    const method = req.method ?? 'GET';
    const fault = faults.find(
      (f) => f.left > 0 && (!f.method || f.method === method) && (!f.pathPrefix || path.startsWith(f.pathPrefix)),
    );
    const hit = fault && (fault.rate === undefined || random() < fault.rate) ? fault : undefined;
    if (hit) hit.left--;
    const action = hit?.kind ?? 'forward';
    log.push({ method, path, action });
    try {
      if (action === 'hang') {
        held.add(res);
        return;
      }
      if (action === 'fail') {
        res.writeHead(hit!.status ?? 500, { 'content-type': 'application/json' });
        res.end(JSON.stringify(hit!.body ?? { message: 'injected failure' }));
        return;
      }
      const answer = await forward(req, body);
      if (action === 'lose') {
        res.socket?.destroy();
        return;
      }
      if (action === 'failAfter') {
        res.writeHead(hit!.status ?? 500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'injected failure after the upstream acted' }));
        return;
      }
      if (action === 'garble' && answer.status < 300) {
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(hit!.body ?? { ok: true }));
        return;
      }
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      };
      if (action === 'late') {
        const timer = setTimeout(() => {
          timers.delete(timer);
          send();
        }, hit!.delayMs ?? 2_000);
        timers.add(timer);
        return;
      }
      send();
    } catch {
      if (!res.headersSent) res.writeHead(502).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    inject: (fault) => faults.push({ ...fault, left: fault.times ?? 1 }),
    clear: () => {
      faults.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        for (const r of held) r.socket?.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
