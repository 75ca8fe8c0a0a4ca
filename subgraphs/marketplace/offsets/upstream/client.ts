// Client of Lune's orders API. The route table below is the one place that knows its paths; the
// contract is Lune's public definition (lune-climate/lune-docs `static/openapi.yml`, with
// lune-climate/lune-ts `src/models/`), mapped in the marketplace README route by route. Every
// response is parsed here, once, by the zod schemas of `wire.ts`; nothing undocumented is sent:
// - auth: `Authorization: Bearer <API key>` (securitySchemes.BearerAuth); `Lune-Account: <id>`
//   only when OFFSET_ORDERS_ACCOUNT_ID names a client account to act for (lune-ts core/request.ts);
// - order bodies: `mass` / `value` / `estimate_id`, `idempotency_key` (≤ 100 characters) and
//   `metadata` (a string map); quotes take only `mass` / `value`. Lune prices everything in the
//   account's currency, so no currency is ever sent;
// - GET /accounts/me answers the account the key acts for; its `currency` prices every order;
// - GET /orders pages by `limit` (1..100, a digit string) and `after` (an order id), newest first.
import { z } from 'zod';
import type { OffsetOrdersConfig } from '../../../../upstreams/offset-orders.ts';
import {
  UpstreamHttpError,
  upstreamClient,
  type ResilienceConfig,
  type UpstreamClient,
} from '../../../../lib/http-client.ts';
import type { Logger } from '../../../../lib/logger.ts';
import { UpstreamContractError, parseUpstream } from '../../../../lib/upstream-contract.ts';
import { LuneAccount, LuneOrder, LuneOrderPage, LuneQuote } from './wire.ts';

const enc = encodeURIComponent;

/** The routes of the definition this layer calls (`paths` of openapi.yml). */
export const LUNE_ROUTES = {
  /** GET: the account the key (and `Lune-Account`) acts for (operation getAccount; lune-ts AccountsService.ts). */
  account: '/accounts/me',
  createByMass: '/orders/by-mass',
  createByValue: '/orders/by-value',
  createByEstimate: '/orders/by-estimate',
  quoteByMass: '/orders/by-mass/quote',
  quoteByValue: '/orders/by-value/quote',
  orders: '/orders',
  order: (id: string) => `/orders/${enc(id)}`,
  byIdempotencyKey: (key: string) => `/orders/by-idempotency-key/${enc(key)}`,
  certificate: (id: string) => `/orders/${enc(id)}/certificate`,
} as const;

/** `maxLength` of `idempotency_key` in every order request schema. */
export const LUNE_IDEMPOTENCY_KEY_MAX = 100;
/** Largest `limit` of GET /orders (LimitPagination: "between 1 and 100"). */
export const LUNE_MAX_LIMIT = 100;

export type LuneOrderKind = 'MASS' | 'VALUE' | 'ESTIMATE';
const CREATE_PATH = {
  MASS: LUNE_ROUTES.createByMass,
  VALUE: LUNE_ROUTES.createByValue,
  ESTIMATE: LUNE_ROUTES.createByEstimate,
} as const;
const QUOTE_PATH = { MASS: LUNE_ROUTES.quoteByMass, VALUE: LUNE_ROUTES.quoteByValue } as const;

/** Lune answered something its definition does not allow: a coded error naming upstream, route and field. */
export const contractError = (route: string, field: string) =>
  new UpstreamContractError('lune', route, field, 'is not as the definition allows');

const parse = <S extends z.ZodType>(schema: S, route: string, body: unknown): z.output<S> =>
  parseUpstream(schema, body, { upstream: 'lune', route });

/** Lune's orders API over the one upstream HTTP client (retries, timeouts, circuit breaker). */
export class LuneApi {
  readonly http: UpstreamClient;

  constructor(http: UpstreamClient) {
    this.http = http;
  }

  /** The account orders are placed on: its currency is the currency of every price. */
  async account(opts: { timeoutMs?: number; retries?: number } = {}): Promise<LuneAccount> {
    return parse(
      LuneAccount,
      'GET /accounts/me',
      await this.http.json<unknown>({ path: LUNE_ROUTES.account, idempotent: true, ...opts }),
    );
  }

  async quote(kind: 'MASS' | 'VALUE', body: Record<string, unknown>): Promise<LuneQuote> {
    const path = QUOTE_PATH[kind];
    return parse(LuneQuote, `POST ${path}`, await this.http.json<unknown>({ method: 'POST', path, body }));
  }

  /**
   * Places an order and answers Lune's body as it came: the caller maps it without throwing, since
   * the order exists once Lune answered 2xx. Keyed, so safe to resend after a lost response.
   */
  async createOrder(
    kind: LuneOrderKind,
    body: Record<string, unknown> & { idempotency_key: string },
  ): Promise<unknown> {
    return this.http.json<unknown>({ method: 'POST', path: CREATE_PATH[kind], body, idempotent: true });
  }

  async order(id: string): Promise<LuneOrder | null> {
    const body = await this.http.jsonOrNull<unknown>({ path: LUNE_ROUTES.order(id) });
    return body === null ? null : parse(LuneOrder, 'GET /orders/{id}', body);
  }

  async orderByIdempotencyKey(key: string): Promise<LuneOrder | null> {
    const body = await this.http.jsonOrNull<unknown>({ path: LUNE_ROUTES.byIdempotencyKey(key) });
    return body === null ? null : parse(LuneOrder, 'GET /orders/by-idempotency-key/{idempotency_key}', body);
  }

  async orders(limit: number, after: string | null): Promise<LuneOrderPage> {
    const body = await this.http.json<unknown>({
      path: LUNE_ROUTES.orders,
      query: { limit: String(Math.min(limit, LUNE_MAX_LIMIT)), after: after ?? undefined },
    });
    return parse(LuneOrderPage, 'GET /orders', body);
  }

  /** The certificate PDF; null when Lune has none (404). */
  async certificate(id: string): Promise<Buffer | null> {
    try {
      const res = await this.http.request<Buffer>({
        path: LUNE_ROUTES.certificate(id),
        binary: true,
        headers: { accept: 'application/pdf' },
      });
      return Buffer.isBuffer(res.body) ? res.body : null;
    } catch (error) {
      if (error instanceof UpstreamHttpError && error.status === 404) return null;
      throw error;
    }
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

/** One keep-alive client per process; the account's API key is the bearer token. */
export function createLuneApi(config: ResilienceConfig & OffsetOrdersConfig, logger: Logger): LuneApi {
  const headers: Record<string, string> = {};
  if (config.OFFSET_ORDERS_API_KEY) headers.authorization = `Bearer ${config.OFFSET_ORDERS_API_KEY}`;
  if (config.OFFSET_ORDERS_ACCOUNT_ID) headers['lune-account'] = config.OFFSET_ORDERS_ACCOUNT_ID;
  return new LuneApi(
    upstreamClient(config, logger, {
      name: 'lune',
      baseUrl: config.OFFSET_ORDERS_BASE_URL,
      routes: LUNE_ROUTES,
      headers: () => headers,
    }),
  );
}
