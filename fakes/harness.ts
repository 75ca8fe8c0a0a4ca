// A small HTTP server for contract fakes of the upstream REST APIs, on a loopback port.
// Each fake declares its routes as written in ../shared/seeds; the harness records every call
// (so tests can count upstream requests) and can inject faults (status codes, delays).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
  rawBody: string;
}

export interface FakeReply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type FakeHandler = (req: FakeRequest) => FakeReply | Promise<FakeReply>;

export interface FakeRoute {
  method: string;
  /** Path pattern with `{param}` segments, e.g. `/orders/{id}`. */
  path: string;
  handler: FakeHandler;
}

export interface Fault {
  /** Match on method and a path prefix. */
  method?: string;
  pathPrefix?: string;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** How many matching requests get the fault (default 1). */
  times?: number;
  delayMs?: number;
  /**
   * The request reaches the API and takes effect first (the route runs), then the caller gets the
   * fault instead of the route's answer: a lost response, as after a timeout or a reset. With
   * `status: 0` the connection is destroyed without an answer.
   */
  afterEffect?: boolean;
  /** Chance (0..1) that a matching request gets the fault; a request that draws no fault uses none of `times`. */
  rate?: number;
}

export interface RecordedCall {
  method: string;
  path: string;
  query: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  status: number;
}

export interface RunningFake {
  name: string;
  url: string;
  calls: RecordedCall[];
  /** Calls whose path starts with the prefix (and method, if given). */
  callsTo(pathPrefix: string, method?: string): RecordedCall[];
  resetCalls(): void;
  fail(fault: Fault): void;
  stop(): Promise<void>;
}

function compile(pattern: string) {
  const names: string[] = [];
  const re = new RegExp(
    `^${pattern.replace(/\{([^}]+)\}/g, (_m, name: string) => {
      names.push(name);
      return '([^/]+)';
    })}/?$`,
  );
  return (path: string) => {
    const m = re.exec(path);
    if (!m) return null;
    return Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
  };
}

export const json = (body: unknown, status = 200): FakeReply => ({ status, body });
export const problem = (status: number, message: string): FakeReply => ({ status, body: { message } });

/**
 * Starts a fake. `guard` runs before every route (auth headers, content type) and may answer
 * instead of the route, as the real API would with 401 or 415.
 */
export async function startFake(
  name: string,
  routes: FakeRoute[],
  guard?: (req: FakeRequest) => FakeReply | null | Promise<FakeReply | null>,
  port = 0,
): Promise<RunningFake> {
  const compiled = routes.map((r) => ({ ...r, match: compile(r.path) }));
  const calls: RecordedCall[] = [];
  const faults: (Fault & { left: number })[] = [];

  const respond = (res: ServerResponse, reply: FakeReply) => {
    const status = reply.status ?? 200;
    const headers = { ...(reply.body !== undefined ? { 'content-type': 'application/json' } : {}), ...reply.headers };
    res.writeHead(status, headers);
    res.end(
      reply.body === undefined
        ? undefined
        : typeof reply.body === 'string' || Buffer.isBuffer(reply.body)
          ? reply.body
          : JSON.stringify(reply.body),
    );
    return status;
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let body: unknown = rawBody;
    if (rawBody && String(req.headers['content-type'] ?? '').includes('json')) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = rawBody;
      }
    } else if (rawBody && String(req.headers['content-type'] ?? '').includes('x-www-form-urlencoded')) {
      body = Object.fromEntries(new URLSearchParams(rawBody));
    }
    const record = (status: number) =>
      calls.push({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.search,
        headers: req.headers,
        body,
        status,
      });
    try {
      const fault = faults.find(
        (f) =>
          f.left > 0 &&
          (!f.method || f.method === req.method) &&
          (!f.pathPrefix || url.pathname.startsWith(f.pathPrefix)),
      );
      const faulted = fault && (fault.rate === undefined || Math.random() < fault.rate) ? fault : undefined;
      if (faulted) faulted.left--;
      const injectFault = async (f: Fault) => {
        if (f.delayMs) await new Promise((r) => setTimeout(r, f.delayMs));
        if (f.status === 0) {
          record(0);
          res.destroy();
          return;
        }
        record(
          respond(res, { status: f.status, body: f.body ?? { message: `injected ${f.status}` }, headers: f.headers }),
        );
      };
      if (faulted && !faulted.afterEffect) return await injectFault(faulted);
      const base: FakeRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        params: {},
        query: url.searchParams,
        headers: req.headers,
        body,
        rawBody,
      };
      const denied = guard ? await guard(base) : null;
      if (denied) {
        record(respond(res, denied));
        return;
      }
      for (const route of compiled) {
        if (route.method !== req.method) continue;
        const params = route.match(url.pathname);
        if (!params) continue;
        const reply = await route.handler({ ...base, params });
        if (faulted) return await injectFault(faulted);
        record(respond(res, reply));
        return;
      }
      record(respond(res, problem(404, `No route ${req.method} ${url.pathname}`)));
    } catch (error) {
      record(respond(res, problem(500, error instanceof Error ? error.message : 'fake failed')));
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    name,
    url,
    calls,
    callsTo: (prefix, method) => calls.filter((c) => c.path.startsWith(prefix) && (!method || c.method === method)),
    resetCalls: () => {
      calls.length = 0;
    },
    fail: (fault) => {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
