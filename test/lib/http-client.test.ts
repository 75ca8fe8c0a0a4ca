import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { REDACTED_PATHS } from '../../lib/logger.ts';
import {
  UpstreamClient,
  UpstreamHttpError,
  UpstreamUnreachableError,
  parseRetryAfter,
  redact,
  upstreamToGraphQLError,
} from '../../lib/http-client.ts';
import { json, startFake, type RunningFake } from '../../fakes/harness.ts';
import { freePort } from '../support/free-port.ts';

function captureLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: pino({ level: 'debug', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, stream), lines };
}

describe('UpstreamClient', () => {
  let fake: RunningFake;
  let hangingBody: Server;
  /** Requests that reached `/hang/{id}`, by id, when they arrived. */
  const hangs: string[] = [];
  const log = captureLogger();
  const client = (over: Partial<ConstructorParameters<typeof UpstreamClient>[0]> = {}) =>
    new UpstreamClient({
      name: 'demo',
      baseUrl: fake.url,
      // Long enough for a loaded machine; the tests of timeouts give their own short one.
      timeoutMs: 5_000,
      retries: 3,
      breakerThreshold: 3,
      halfOpenAfterMs: 60_000,
      logger: log.logger,
      baseDelayMs: 5,
      headers: () => ({ authorization: 'Bearer super-secret-token' }),
      ...over,
    });

  beforeAll(async () => {
    fake = await startFake('demo', [
      { method: 'GET', path: '/things/{id}', handler: (req) => json({ id: req.params.id }) },
      { method: 'POST', path: '/things', handler: (req) => json({ created: req.body }, 201) },
      {
        method: 'GET',
        path: '/slow',
        handler: async () => {
          await new Promise((r) => setTimeout(r, 1500));
          return json({});
        },
      },
      {
        method: 'GET',
        path: '/hang/{id}',
        handler: async (req) => {
          hangs.push(req.params.id!);
          await new Promise((r) => setTimeout(r, 1500));
          return json({});
        },
      },
    ]);
    // Answers its headers, then never the end of its body.
    hangingBody = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":');
    });
    await new Promise<void>((resolve) => hangingBody.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    hangingBody.closeAllConnections();
    await new Promise((resolve) => hangingBody.close(resolve));
    await fake.stop();
  });
  beforeEach(() => {
    fake.resetCalls();
    hangs.length = 0;
  });

  it('sends JSON with the configured headers and returns the parsed body', async () => {
    const res = await client().request<{ created: unknown }>({ method: 'POST', path: '/things', body: { a: 1 } });
    expect(res.status).toBe(201);
    expect(res.body.created).toEqual({ a: 1 });
    expect(fake.calls[0]!.headers.authorization).toBe('Bearer super-secret-token');
    expect(fake.calls[0]!.headers['content-type']).toBe('application/json');
  });

  it('retries 429 after the Retry-After delay and then succeeds', async () => {
    fake.fail({ pathPrefix: '/things/1', status: 429, headers: { 'retry-after': '1' }, times: 1 });
    const started = Date.now();
    const body = await client().json<{ id: string }>({ path: '/things/1' });
    expect(body).toEqual({ id: '1' });
    expect(fake.callsTo('/things/1')).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('retries 425 and 429 for a POST (refused unprocessed), but not a 5xx or a timeout that may hide an effect', async () => {
    fake.fail({ method: 'POST', pathPrefix: '/things', status: 425, times: 1 });
    fake.fail({ method: 'POST', pathPrefix: '/things', status: 429, times: 1 });
    await expect(client().json({ method: 'POST', path: '/things', body: {} })).resolves.toEqual({ created: {} });
    expect(fake.callsTo('/things', 'POST')).toHaveLength(3);
    for (const status of [500, 502, 503, 504]) {
      fake.resetCalls();
      fake.fail({ method: 'POST', pathPrefix: '/things', status, times: 1 });
      await expect(client().json({ method: 'POST', path: '/things', body: {} })).rejects.toBeInstanceOf(
        UpstreamHttpError,
      );
      expect(fake.callsTo('/things', 'POST')).toHaveLength(1);
    }
    fake.resetCalls();
    fake.fail({ method: 'POST', pathPrefix: '/things', status: 0, afterEffect: true, times: 1 });
    await expect(client().json({ method: 'POST', path: '/things', body: {} })).rejects.toBeInstanceOf(
      UpstreamUnreachableError,
    );
    expect(fake.callsTo('/things', 'POST')).toHaveLength(1);
  });

  it("an upstream refusal's text is written to the log, redacted", async () => {
    fake.fail({
      method: 'POST',
      pathPrefix: '/things',
      status: 422,
      body: { message: 'price_per_unit is required for jane@example.com' },
    });
    await expect(client().json({ method: 'POST', path: '/things', body: {} })).rejects.toBeInstanceOf(
      UpstreamHttpError,
    );
    const line = log.lines.find((l) => l.includes('price_per_unit'));
    expect(line).toContain('price_per_unit is required for [email]');
    expect(log.lines.join('\n')).not.toContain('jane@example.com');
  });

  it("an upstream error reaches the client as the layer's words; the upstream's text only the log, redacted", () => {
    const error = new UpstreamHttpError(
      'co2trust',
      422,
      { message: 'price_per_unit is required for jane@example.com' },
      null,
    );
    const mapped = upstreamToGraphQLError(error)!;
    expect(mapped.extensions.code).toBe('BAD_USER_INPUT');
    expect(mapped.message).toBe('The co2trust service rejected the request');
    const missing = upstreamToGraphQLError(
      new UpstreamHttpError(
        'co2trust-payments',
        404,
        { message: 'Bank account DE89370400440532013000 not found' },
        null,
      ),
    )!;
    expect(missing.message).toBe('Not found');
    expect(
      redact('Bank account DE89 3704 0044 0532 0130 00 of jane@example.com, token eyJhbGciOiJIUzI1NiJ9abcdefghijkl'),
    ).toBe('Bank account [iban] of [email] token [token]');
  });

  it('gives up after the configured retries and maps the failure to a stable code', async () => {
    fake.fail({ pathPrefix: '/things/2', status: 429, times: 10 });
    const error = await client({ breakerThreshold: 100 })
      .json({ path: '/things/2' })
      .catch((e: unknown) => e);
    expect(fake.callsTo('/things/2')).toHaveLength(4);
    expect(upstreamToGraphQLError(error)?.extensions.code).toBe('RATE_LIMITED');
  });

  it('does not retry 4xx client errors and maps them', async () => {
    for (const [status, code] of [
      [400, 'BAD_USER_INPUT'],
      [401, 'UNAUTHENTICATED'],
      [403, 'FORBIDDEN'],
      [404, 'NOT_FOUND'],
      [409, 'CONFLICT'],
    ] as const) {
      fake.resetCalls();
      fake.fail({ pathPrefix: '/things/3', status, body: { message: `reason ${status}` } });
      const error = await client()
        .json({ path: '/things/3' })
        .catch((e: unknown) => e);
      expect(fake.callsTo('/things/3')).toHaveLength(1);
      expect(upstreamToGraphQLError(error)?.extensions.code).toBe(code);
    }
  });

  it('times out a slow upstream and reports it unavailable', async () => {
    const error = await client({ retries: 0, timeoutMs: 500 })
      .json({ path: '/slow' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnreachableError);
    expect(upstreamToGraphQLError(error)?.extensions.code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('never re-sends a POST that timed out (it may have arrived), and says which failures never left', async () => {
    fake.fail({ method: 'POST', pathPrefix: '/things', status: 201, delayMs: 1_000 });
    const lost = await client({ timeoutMs: 500 })
      .json({ method: 'POST', path: '/things', body: { n: 1 } })
      .catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(UpstreamUnreachableError);
    expect((lost as UpstreamUnreachableError).maybeSent).toBe(true);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(fake.callsTo('/things', 'POST')).toHaveLength(1);
    const closed = await freePort();
    const refused = await client({ baseUrl: `http://127.0.0.1:${closed}` })
      .json({ method: 'POST', path: '/things', body: { n: 2 } })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UpstreamUnreachableError);
    expect((refused as UpstreamUnreachableError).maybeSent).toBe(false);
  });

  it('opens the circuit after consecutive failures and then fails fast without calling', async () => {
    const c = client({ retries: 0, breakerThreshold: 2 });
    fake.fail({ pathPrefix: '/things/4', status: 500, times: 2 });
    await expect(c.json({ path: '/things/4' })).rejects.toBeInstanceOf(UpstreamHttpError);
    await expect(c.json({ path: '/things/4' })).rejects.toBeInstanceOf(UpstreamHttpError);
    fake.resetCalls();
    await expect(c.json({ path: '/things/4' })).rejects.toBeInstanceOf(UpstreamUnreachableError);
    expect(fake.callsTo('/things/4')).toHaveLength(0);
  });

  it('counts a timeout as a failure, also one while the body is read, and then fails fast', async () => {
    const url = `http://127.0.0.1:${(hangingBody.address() as AddressInfo).port}`;
    const c = client({ baseUrl: url, timeoutMs: 300, retries: 0, breakerThreshold: 2 });
    let received = 0;
    hangingBody.on('request', () => received++);
    for (let i = 0; i < 2; i++) {
      const error = await c.json({ path: '/anything' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UpstreamUnreachableError);
      expect(upstreamToGraphQLError(error)?.extensions.code).toBe('UPSTREAM_UNAVAILABLE');
    }
    expect(received).toBe(2);
    const fast = await c.json({ path: '/anything' }).catch((e: unknown) => e);
    expect((fast as UpstreamUnreachableError).maybeSent).toBe(false);
    expect(received).toBe(2);
  });

  it('a call may have its own timeout and retries (a health probe: one short attempt)', async () => {
    const error = await client()
      .json({ path: '/hang/probe', timeoutMs: 100, retries: 0 })
      .catch((e: unknown) => e);
    expect((error as Error).message).toContain('timed out after 100 ms');
    expect(hangs).toEqual(['probe']);
  });

  it('while half-open, only the one trial call reaches the upstream; the others fail fast instead of waiting for it', async () => {
    const c = client({ retries: 0, breakerThreshold: 1, halfOpenAfterMs: 200, timeoutMs: 1000 });
    fake.fail({ pathPrefix: '/things/6', status: 500 });
    await expect(c.json({ path: '/things/6' })).rejects.toBeInstanceOf(UpstreamHttpError);
    await new Promise((r) => setTimeout(r, 250));
    fake.resetCalls();
    const settled: string[] = [];
    const trial = c.json({ path: '/hang/trial' }).catch((e: unknown) => (settled.push('trial'), e));
    await new Promise((r) => setTimeout(r, 50));
    const other = await c.json({ path: '/things/7' }).catch((e: unknown) => (settled.push('other'), e));
    // It did not wait for the trial's answer.
    expect(settled).toEqual(['other']);
    expect(other).toBeInstanceOf(UpstreamUnreachableError);
    expect((other as UpstreamUnreachableError).maybeSent).toBe(false);
    // The trial timed out: the breaker is open again and nothing else went through.
    expect(await trial).toBeInstanceOf(UpstreamUnreachableError);
    expect(hangs).toEqual(['trial']);
    expect(fake.callsTo('/things/7')).toHaveLength(0);
    await expect(c.json({ path: '/things/7' })).rejects.toBeInstanceOf(UpstreamUnreachableError);
    expect(fake.callsTo('/things/7')).toHaveLength(0);
  });

  it('a failure of a call sent before the breaker closed does not open it again', async () => {
    const c = client({ retries: 0, breakerThreshold: 1, halfOpenAfterMs: 200, timeoutMs: 1000 });
    // Sent while the upstream "hangs": it times out only after the upstream has recovered.
    const stale = c.json({ path: '/hang/stale' }).catch((e: unknown) => e);
    fake.fail({ pathPrefix: '/things/8', status: 500 });
    await expect(c.json({ path: '/things/8' })).rejects.toBeInstanceOf(UpstreamHttpError);
    await new Promise((r) => setTimeout(r, 250));
    // The trial call answers: the breaker closes.
    await expect(c.json({ path: '/things/9' })).resolves.toEqual({ id: '9' });
    expect(await stale).toBeInstanceOf(UpstreamUnreachableError);
    fake.resetCalls();
    await expect(c.json({ path: '/things/10' })).resolves.toEqual({ id: '10' });
    expect(fake.callsTo('/things/10')).toHaveLength(1);
  });

  it('renews credentials once on a 401 and sends a fresh request id on every request', async () => {
    let renewals = 0;
    const c = client({
      requestIdHeader: 'x-request-id',
      onUnauthorized: async () => {
        renewals++;
        return true;
      },
    });
    fake.fail({ pathPrefix: '/things/5', status: 401, times: 1 });
    await expect(c.json({ path: '/things/5' })).resolves.toEqual({ id: '5' });
    expect(renewals).toBe(1);
    const ids = fake.callsTo('/things/5').map((call) => call.headers['x-request-id']);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
  });

  it('never writes credentials to the log', () => {
    expect(log.lines.join('\n')).not.toContain('super-secret-token');
    expect(log.lines.length).toBeGreaterThan(0);
  });

  it('parses Retry-After in seconds and as an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter(undefined)).toBeNull();
  });
});
