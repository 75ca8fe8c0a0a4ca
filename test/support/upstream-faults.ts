// An HTTP proxy between the layer and an upstream fake that injects the faults a network and a
// busy upstream produce, each decided per request by a plan:
// - `lose`: the request reaches the upstream and takes effect; its answer is lost (the connection
//   is destroyed once the upstream has answered);
// - `late`: the request takes effect and its answer comes `delayMs` later (after the caller's timeout);
// - `hang`: the request is held, unanswered, until `release()`; then it reaches the upstream (it
//   takes effect when the upstream "resumes") and its answer goes nowhere if the caller left;
// - `error5xx`: the request takes effect and the caller gets a 500 without a body;
// - `unreadable`: the request takes effect and the caller gets a 200 whose JSON body is cut off;
// - `unavailable`: the caller gets a 503 at once; the request never reaches the upstream.
// The upstream fake's own call log says what took effect; `faults` says what was injected.
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export type UpstreamFault = 'lose' | 'late' | 'hang' | 'error5xx' | 'unreadable' | 'unavailable';

export interface ProxiedRequest {
  method: string;
  path: string;
}

/** Decides the fault of one request, or none. */
export type FaultPlan = (req: ProxiedRequest) => UpstreamFault | null;

export interface UpstreamFaultProxy {
  url: string;
  /** Replaces the plan (initially: no faults). */
  plan(plan: FaultPlan): void;
  /** Every fault injected, in order, with the request it hit. */
  faults: { fault: UpstreamFault; method: string; path: string }[];
  /** Requests held by `hang` now. */
  hung(): number;
  /** Sends every held request on to the upstream (the upstream resumes); answers the callers still waiting. */
  release(): Promise<void>;
  stop(): Promise<void>;
}

interface Forwarded {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A plan that injects each fault of `faults` with its chance, on requests `applies` accepts. */
export function randomFaults(
  faults: Partial<Record<UpstreamFault, number>>,
  applies: (req: ProxiedRequest) => boolean = () => true,
  random = Math.random,
): FaultPlan {
  return (req) => {
    if (!applies(req)) return null;
    let draw = random();
    for (const [fault, chance] of Object.entries(faults) as [UpstreamFault, number][]) {
      if (draw < chance) return fault;
      draw -= chance;
    }
    return null;
  };
}

export async function startUpstreamFaultProxy(
  target: string,
  opts: { delayMs?: number } = {},
): Promise<UpstreamFaultProxy> {
  const base = new URL(target);
  const delayMs = opts.delayMs ?? 1_500;
  let plan: FaultPlan = () => null;
  const faults: UpstreamFaultProxy['faults'] = [];
  const held: (() => Promise<void>)[] = [];
  const open = new Set<ServerResponse>();

  const forward = (req: IncomingMessage, body: Buffer): Promise<Forwarded> =>
    new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: base.host };
      const out = httpRequest(
        { host: base.hostname, port: base.port, method: req.method, path: req.url, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });

  const reply = (res: ServerResponse, answer: Forwarded) => {
    if (res.destroyed || res.writableEnded) return;
    const headers = { ...answer.headers };
    delete headers['content-length'];
    delete headers['transfer-encoding'];
    delete headers.connection;
    res.writeHead(answer.status, headers);
    res.end(answer.body);
  };

  const server: Server = createServer((req, res) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = new URL(req.url ?? '/', 'http://proxy').pathname;
      const fault = plan({ method: req.method ?? 'GET', path });
      if (fault) faults.push({ fault, method: req.method ?? 'GET', path });
      const failed = () => void res.destroy();
      switch (fault) {
        case null:
          return void forward(req, body).then((a) => reply(res, a), failed);
        case 'unavailable':
          res.writeHead(503, { connection: 'close' });
          return void res.end();
        case 'lose':
          return void forward(req, body).then(() => res.destroy(), failed);
        case 'late':
          return void forward(req, body).then((a) => setTimeout(() => reply(res, a), delayMs).unref(), failed);
        case 'error5xx':
          return void forward(req, body).then(() => {
            res.writeHead(500, { connection: 'close' });
            res.end();
          }, failed);
        case 'unreadable':
          return void forward(req, body).then(() => {
            res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
            res.end('{"id": "cut off');
          }, failed);
        case 'hang':
          held.push(() => forward(req, body).then((a) => reply(res, a), failed));
          return;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    plan(next) {
      plan = next;
    },
    faults,
    hung: () => held.length,
    async release() {
      const now = held.splice(0);
      await Promise.all(now.map((send) => send()));
    },
    async stop() {
      held.splice(0);
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
