import { randomUUID } from 'node:crypto';
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  DelegateBackoff,
  circuitBreaker,
  handleWhen,
  retry,
  type IRetryBackoffContext,
} from 'cockatiel';
import { Agent, request as undiciRequest } from 'undici';
import type { GraphQLError } from 'graphql';
import { ErrorCode, apiError } from './errors.ts';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { recordBreakerState, routeNamer } from './metrics.ts';
import { upstreamCallStarted } from './telemetry.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface UpstreamRequest {
  method?: HttpMethod;
  path: string;
  query?: Record<string, string | number | boolean | null | undefined | (string | number)[]>;
  body?: unknown;
  /** A form-encoded body (OAuth2 token requests). */
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /**
   * Safe to send again once it may have arrived (after a timeout, a reset, a 5xx): GET, PUT and
   * DELETE by default; a POST only where the upstream's document defines its idempotency. A write
   * that is not is sent again only when it provably never left (connection refused, circuit open)
   * or was refused unprocessed (425, 429).
   */
  idempotent?: boolean;
  /** Answer the body of a successful response as raw bytes (a Buffer), e.g. a PDF. */
  binary?: boolean;
  /** This call's timeout when it is not the client's (e.g. a health probe's, shorter). */
  timeoutMs?: number;
  /** This call's retries when they are not the client's (a health probe makes one attempt). */
  retries?: number;
}

export interface UpstreamResponse<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/** An upstream answered with an error status. */
export class UpstreamHttpError extends Error {
  readonly upstream: string;
  readonly status: number;
  readonly body: unknown;
  readonly retryAfterMs: number | null;
  constructor(upstream: string, status: number, body: unknown, retryAfterMs: number | null) {
    super(`${upstream} answered ${status}`);
    this.upstream = upstream;
    this.status = status;
    this.body = body;
    this.retryAfterMs = retryAfterMs;
  }
}

/** An upstream could not be reached or did not answer in time. */
export class UpstreamUnreachableError extends Error {
  readonly upstream: string;
  /**
   * False when the request provably never left (connection refused, circuit open): safe to send
   * again whatever the method. True when it may have reached the upstream (timeout, reset).
   */
  readonly maybeSent: boolean;
  constructor(upstream: string, reason: string, maybeSent = true) {
    super(`${upstream} unreachable: ${reason}`);
    this.upstream = upstream;
    this.maybeSent = maybeSent;
  }
}

/** Connection errors that happen before a byte of the request is sent. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export interface UpstreamClientOptions {
  /** Short name used in errors and logs (the upstream's name, or a part of it: `<name>-auth`). */
  name: string;
  baseUrl: string;
  timeoutMs: number;
  retries: number;
  breakerThreshold: number;
  halfOpenAfterMs: number;
  logger: Logger;
  /** Headers added to every request (auth); evaluated per attempt so refreshed tokens apply. */
  headers?: () => Record<string, string> | Promise<Record<string, string>>;
  /** Name of a header that gets a fresh random id on every HTTP request (e.g. x-request-id). */
  requestIdHeader?: string;
  /** Called once on a 401; return true when credentials were renewed and the request may be sent again. */
  onUnauthorized?: () => Promise<boolean>;
  /** Largest Retry-After the client waits for; a longer one fails at once. */
  maxRetryAfterMs?: number;
  /** First backoff delay; doubles each attempt, with jitter. */
  baseDelayMs?: number;
  /** The client's route table: metrics name a call by its entry, never by a path with ids. */
  routes?: Parameters<typeof routeNamer>[0];
}

/** Statuses that mean "not processed, try again later": retried for every method. */
const RETRY_ANY_METHOD = new Set([425, 429]);
/** Statuses that may hide a processed request: retried only when the request is idempotent. */
const RETRY_IDEMPOTENT = new Set([502, 503, 504]);

export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | null {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return null;
  if (/^\d+$/.test(raw.trim())) return Number(raw.trim()) * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * The one HTTP client for upstream REST APIs: a keep-alive undici pool, a timeout per call,
 * retries with exponential backoff that honour Retry-After, and a circuit breaker (cockatiel)
 * that fails fast while an upstream is down. Headers are never logged.
 *
 * The breaker counts every attempt that got no answer (a timeout, also one while the body was
 * read; a refused or reset connection) and every 5xx. It opens after `breakerThreshold` of them
 * in a row and fails calls fast; after `halfOpenAfterMs` one call (a query's or a health probe's)
 * tries the upstream while every other call still fails fast, and its answer closes or reopens
 * the breaker. An attempt counts only in the state it started in: one that began before the
 * breaker last changed state (sent during a hang, answered after the recovery) neither reopens it
 * nor keeps it open.
 */
export class UpstreamClient {
  readonly name: string;
  private readonly opts: UpstreamClientOptions;
  private readonly agent: Agent;
  private readonly breaker;
  private readonly routeOf: (path: string) => string;
  /** When the breaker last changed state (ms since the epoch). */
  private stateSince = 0;
  /** When each failed attempt started, by its error. */
  private readonly attemptStarts = new WeakMap<object, number>();

  constructor(opts: UpstreamClientOptions) {
    this.name = opts.name;
    this.opts = opts;
    this.agent = new Agent({
      keepAliveTimeout: 10_000,
      connections: 32,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    });
    const failure = (e: unknown) =>
      e instanceof UpstreamUnreachableError || (e instanceof UpstreamHttpError && e.status >= 500);
    this.breaker = circuitBreaker(
      handleWhen((e) => failure(e) && (this.attemptStarts.get(e as object) ?? 0) >= this.stateSince),
      { halfOpenAfter: opts.halfOpenAfterMs, breaker: new ConsecutiveBreaker(opts.breakerThreshold) },
    );
    this.routeOf = routeNamer(opts.routes);
    recordBreakerState(this.name, this.breaker.state);
    this.breaker.onStateChange((state) => {
      this.stateSince = Date.now();
      recordBreakerState(this.name, state);
    });
  }

  /** Whether the breaker is not closed: calls fail fast, but for the one trial call once it half-opens. */
  get circuitOpen(): boolean {
    return this.breaker.state !== CircuitState.Closed;
  }

  /** Calls `listener` whenever the breaker opens, half-opens or closes (health reports drop what they knew). */
  onBreakerChange(listener: (state: CircuitState) => void): void {
    this.breaker.onStateChange(listener);
  }

  async request<T>(req: UpstreamRequest): Promise<UpstreamResponse<T>> {
    const method = req.method ?? 'GET';
    const idempotent = req.idempotent ?? (method === 'GET' || method === 'PUT' || method === 'DELETE');
    const maxRetryAfter = this.opts.maxRetryAfterMs ?? 30_000;
    const base = this.opts.baseDelayMs ?? 100;
    const retryable = (e: unknown) =>
      (e instanceof UpstreamHttpError &&
        (RETRY_ANY_METHOD.has(e.status) || (idempotent && RETRY_IDEMPOTENT.has(e.status))) &&
        (e.retryAfterMs === null || e.retryAfterMs <= maxRetryAfter)) ||
      (e instanceof UpstreamUnreachableError && (idempotent || !e.maybeSent));
    const policy = retry(handleWhen(retryable), {
      maxAttempts: req.retries ?? this.opts.retries,
      backoff: new DelegateBackoff((ctx: IRetryBackoffContext<unknown>) => {
        const err = 'error' in ctx.result ? ctx.result.error : undefined;
        const exponential = base * 2 ** (ctx.attempt - 1);
        const jittered = exponential / 2 + Math.random() * (exponential / 2);
        return err instanceof UpstreamHttpError && err.retryAfterMs !== null
          ? Math.max(err.retryAfterMs, jittered)
          : jittered;
      }),
    });
    let renewed = false;
    const attempt = async (): Promise<UpstreamResponse<T>> => {
      const started = Date.now();
      try {
        try {
          return await this.send<T>(method, req);
        } catch (error) {
          if (error instanceof UpstreamHttpError && error.status === 401 && !renewed && this.opts.onUnauthorized) {
            renewed = true;
            if (await this.opts.onUnauthorized()) return await this.send<T>(method, req);
          }
          throw error;
        }
      } catch (error) {
        if (error && typeof error === 'object') this.attemptStarts.set(error, started);
        throw error;
      }
    };
    // While the breaker's one trial call is in flight, other calls fail fast rather than wait for it.
    const guarded = () => {
      if (this.breaker.state === CircuitState.HalfOpen) throw new BrokenCircuitError();
      return this.breaker.execute(attempt);
    };
    try {
      return await policy.execute(guarded);
    } catch (error) {
      if (error instanceof BrokenCircuitError)
        throw new UpstreamUnreachableError(this.name, 'circuit open after repeated failures', false);
      throw error;
    }
  }

  /** The JSON body of a successful request. */
  async json<T>(req: UpstreamRequest): Promise<T> {
    return (await this.request<T>(req)).body;
  }

  /** Like `json`, but a 404 (or 204) is `null` rather than an error. */
  async jsonOrNull<T>(req: UpstreamRequest): Promise<T | null> {
    try {
      const res = await this.request<T>(req);
      return res.status === 204 ? null : res.body;
    } catch (error) {
      if (error instanceof UpstreamHttpError && error.status === 404) return null;
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private url(req: UpstreamRequest): string {
    const url = new URL(
      req.path.replace(/^\//, ''),
      this.opts.baseUrl.endsWith('/') ? this.opts.baseUrl : `${this.opts.baseUrl}/`,
    );
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (v === undefined || v === null) continue;
      if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, String(item));
      else url.searchParams.set(k, String(v));
    }
    return url.toString();
  }

  private async send<T>(method: HttpMethod, req: UpstreamRequest): Promise<UpstreamResponse<T>> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(await this.opts.headers?.()),
      ...req.headers,
    };
    let body: string | undefined;
    if (req.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(req.form).toString();
    } else if (req.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.body);
    }
    const requestId = this.opts.requestIdHeader ? randomUUID() : undefined;
    if (requestId) headers[this.opts.requestIdHeader!] = requestId;
    const started = performance.now();
    const completed = upstreamCallStarted(this.name, this.routeOf(req.path), method, headers);
    const url = this.url(req);
    const timeoutMs = req.timeoutMs ?? this.opts.timeoutMs;
    let res;
    let bytes: Buffer | null;
    let text: string;
    try {
      res = await undiciRequest(url, {
        method,
        headers,
        body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(timeoutMs),
      });
      // The body is read under the same timeout: an upstream that hangs after its headers is a timeout too.
      bytes = req.binary && res.statusCode < 400 ? Buffer.from(await res.body.arrayBuffer()) : null;
      text = bytes ? '' : await res.body.text();
    } catch (error) {
      completed(null);
      const name = (error as { name?: unknown } | null)?.name;
      const timedOut =
        typeof name === 'string' &&
        ['TimeoutError', 'AbortError', 'BodyTimeoutError', 'HeadersTimeoutError'].includes(name);
      const reason = timedOut
        ? `timed out after ${timeoutMs} ms`
        : error instanceof Error
          ? error.message
          : String(error);
      this.opts.logger.warn(
        { upstream: this.name, method, path: req.path, requestId, reason },
        'upstream request failed',
      );
      const code =
        (error as { code?: unknown; cause?: { code?: unknown } } | null)?.code ??
        (error as { cause?: { code?: unknown } } | null)?.cause?.code;
      // Headers received: the request arrived.
      throw new UpstreamUnreachableError(
        this.name,
        reason,
        res !== undefined || !(typeof code === 'string' && NOT_SENT_CODES.has(code)),
      );
    }
    const ms = Math.round(performance.now() - started);
    completed(res.statusCode);
    this.opts.logger.debug(
      { upstream: this.name, method, path: req.path, status: res.statusCode, ms, requestId },
      'upstream request',
    );
    let parsed: unknown = text;
    if (text && String(res.headers['content-type'] ?? '').includes('json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (res.statusCode >= 400) {
      // The upstream's own words go to the log only (redacted), never to a client.
      const said = upstreamMessage(parsed);
      const entry = {
        upstream: this.name,
        method,
        path: req.path,
        status: res.statusCode,
        requestId,
        ...(said ? { upstreamMessage: redact(said) } : {}),
      };
      if (res.statusCode >= 500) this.opts.logger.warn(entry, 'upstream error');
      else this.opts.logger.debug(entry, 'upstream refusal');
      throw new UpstreamHttpError(this.name, res.statusCode, parsed, parseRetryAfter(res.headers['retry-after']));
    }
    return { status: res.statusCode, headers: res.headers, body: (bytes ?? (text === '' ? null : parsed)) as T };
  }
}

/** The message of an upstream error body (its `message`, `detail`, `error` or `title`): for the log only. */
function upstreamMessage(body: unknown): string | null {
  if (typeof body === 'string' && body.trim()) return body.trim().slice(0, 200);
  if (body && typeof body === 'object') {
    for (const key of ['message', 'detail', 'error', 'title']) {
      const v = (body as Record<string, unknown>)[key];
      if (typeof v === 'string' && v.trim()) return v.trim().slice(0, 200);
    }
  }
  return null;
}

/** Removes what may be personal data or a secret from a text bound for the log: emails, IBANs, tokens, long numbers. */
export function redact(text: string): string {
  return text
    .replace(/[^\s@"']+@[^\s@"']+/g, '[email]')
    .replace(/\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b/gi, '[iban]')
    .replace(/\b(?:bearer\s+)?[A-Za-z0-9_\-.]{24,}\b/gi, '[token]')
    .replace(/\d{9,}/g, '[number]');
}

/**
 * The one mapping from upstream failures to GraphQL errors with stable codes. The messages are
 * the layer's own: an upstream's text (which may name records, fields or people) is logged only.
 */
export function upstreamToGraphQLError(error: unknown): GraphQLError | null {
  if (error instanceof UpstreamUnreachableError) {
    return apiError(ErrorCode.UPSTREAM_UNAVAILABLE, `The ${error.upstream} service is unavailable, try again later`);
  }
  if (!(error instanceof UpstreamHttpError)) return null;
  switch (true) {
    case error.status === 400 || error.status === 422:
      return apiError(ErrorCode.BAD_USER_INPUT, `The ${error.upstream} service rejected the request`);
    case error.status === 401:
      return apiError(ErrorCode.UNAUTHENTICATED, `${error.upstream} refused the credentials`);
    case error.status === 403:
      return apiError(ErrorCode.FORBIDDEN, `The ${error.upstream} service does not allow this`);
    case error.status === 404:
      return apiError(ErrorCode.NOT_FOUND, 'Not found');
    case error.status === 409:
      return apiError(ErrorCode.CONFLICT, `The ${error.upstream} service reported a conflict`);
    case error.status === 425:
      return apiError(
        ErrorCode.UPSTREAM_UNAVAILABLE,
        `${error.upstream} has not finished processing yet, try again later`,
      );
    case error.status === 429:
      return apiError(
        ErrorCode.RATE_LIMITED,
        `${error.upstream} rate limit exceeded, try again later`,
        error.retryAfterMs !== null ? { retryAfterSeconds: Math.ceil(error.retryAfterMs / 1000) } : {},
      );
    default:
      return apiError(ErrorCode.UPSTREAM_UNAVAILABLE, `The ${error.upstream} service failed, try again later`);
  }
}

/** The shared settings every upstream client takes. */
export type ResilienceConfig = Pick<
  Config,
  'UPSTREAM_TIMEOUT_MS' | 'UPSTREAM_RETRIES' | 'UPSTREAM_BREAKER_THRESHOLD' | 'UPSTREAM_BREAKER_HALF_OPEN_MS'
>;

/** An upstream client with the timeout, retry and circuit-breaker settings of the configuration. */
export function upstreamClient(
  config: ResilienceConfig,
  logger: Logger,
  opts: Pick<UpstreamClientOptions, 'name' | 'baseUrl'> & Partial<Omit<UpstreamClientOptions, 'logger'>>,
): UpstreamClient {
  return new UpstreamClient({
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    retries: config.UPSTREAM_RETRIES,
    breakerThreshold: config.UPSTREAM_BREAKER_THRESHOLD,
    halfOpenAfterMs: config.UPSTREAM_BREAKER_HALF_OPEN_MS,
    logger,
    ...opts,
  });
}
