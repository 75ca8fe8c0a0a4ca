// The ICR operations of the document, typed: each call goes to one route of `ICR_ROUTES`, its
// answer is parsed by `icr-schemas.ts`, and an error status reaches the rest of the layer without
// the upstream's body, so no upstream text (e.g. `Cannot GET …`) can reach a client.
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../../../lib/errors.ts';
import {
  UpstreamHttpError,
  UpstreamUnreachableError,
  type UpstreamClient,
  type UpstreamRequest,
} from '../../../lib/http-client.ts';
import type { CarbonCreditRecord, CreditRequestRecord } from '../source.ts';
import { ICR_ROUTES, ICR_ROUTE_NAMES, type IcrAction, type IcrActionBody } from './client.ts';
import { icrCreditRequest, icrCreditRequestPage, icrInventory, icrReviewAnswer, parseIcr } from './icr-schemas.ts';
import { fromIcr } from './mappers.ts';
import type { Logger } from '../../../lib/logger.ts';

/** Largest page of credit requests asked for. */
export const ICR_PAGE = 100;

/** The refusal the ICR sent, without its body (the status decides; the text never travels). */
export class IcrRefusal extends UpstreamHttpError {
  /** Whether the body named this id (tells an unknown credit from an unknown receiver). */
  readonly mentions: (id: string) => boolean;
  constructor(error: UpstreamHttpError) {
    super(error.upstream, error.status, null, error.retryAfterMs);
    const text = JSON.stringify(error.body ?? '');
    this.mentions = (id) => text.includes(id);
  }
}

/**
 * Whether a failed write may have taken effect at the ICR: everything but a refusal (4xx), a
 * 503 (not processed, as HTTP defines it) and a request that provably never left.
 */
export function maybeApplied(error: unknown): boolean {
  if (error instanceof UpstreamUnreachableError) return error.maybeSent;
  if (error instanceof UpstreamHttpError) return error.status >= 500 && error.status !== 503;
  return true;
}

export const isOutcomeUnknown = (error: unknown) =>
  error instanceof GraphQLError && error.extensions.code === ErrorCode.UPSTREAM_OUTCOME_UNKNOWN;

export class IcrApi {
  readonly client: UpstreamClient;
  private readonly logger: Logger | undefined;

  constructor(client: UpstreamClient, logger?: Logger) {
    this.client = client;
    this.logger = logger;
  }

  private async call(req: UpstreamRequest, notFoundIsNull = false): Promise<unknown> {
    try {
      const res = await this.client.request<unknown>(req);
      return res.body;
    } catch (error) {
      if (error instanceof UpstreamHttpError) {
        if (notFoundIsNull && error.status === 404) return null;
        throw new IcrRefusal(error);
      }
      throw error;
    }
  }

  /** The organization's inventory ("Get organization inventory"); null when the organization is unknown. */
  async inventory(organizationId: string, development: boolean): Promise<CarbonCreditRecord[] | null> {
    const body = await this.call(
      { path: ICR_ROUTES.inventory(organizationId), query: { development: development ? 'true' : undefined } },
      true,
    );
    if (body === null) return null;
    return parseIcr(this.logger, icrInventory, body, ICR_ROUTE_NAMES.inventory).credits.map((c) =>
      fromIcr.credit(c, c.organizationId ?? organizationId),
    );
  }

  /** One page (zero-based) of the organization's credit requests ("Get organization inventory requests"). */
  async requestsPage(
    organizationId: string,
    page: number,
    limit = ICR_PAGE,
  ): Promise<{ items: CreditRequestRecord[]; total: number }> {
    const body = await this.call({ path: ICR_ROUTES.requests(organizationId), query: { limit, page } });
    const parsed = parseIcr(this.logger, icrCreditRequestPage, body, ICR_ROUTE_NAMES.requests);
    return {
      items: parsed.creditRequests.map((r) => fromIcr.request(r, organizationId)),
      total: parsed.pagination.total,
    };
  }

  /** Every credit request of the organization, page by page (at most `maxPages`). */
  async allRequests(organizationId: string, maxPages = 50): Promise<CreditRequestRecord[]> {
    const all: CreditRequestRecord[] = [];
    for (let page = 0; page < maxPages; page++) {
      const { items, total } = await this.requestsPage(organizationId, page);
      all.push(...items);
      if (!items.length || all.length >= total) break;
    }
    return all;
  }

  /** One credit request ("Get organization inventory request"); null when unknown. */
  async request(organizationId: string, requestId: string): Promise<CreditRequestRecord | null> {
    const body = await this.call({ path: ICR_ROUTES.request(organizationId, requestId) }, true);
    return body === null
      ? null
      : fromIcr.request(parseIcr(this.logger, icrCreditRequest, body, ICR_ROUTE_NAMES.request), organizationId);
  }

  /**
   * Executes (`action`, "Transact with credits in inventory") or files (`request`, "Request
   * movements of credits in inventory") a credit action. The ICR cannot deduplicate a POST, so it
   * is never re-sent once it may have arrived (`idempotent: false`: the client retries only
   * 425/429/503 and requests that never left).
   */
  async post(
    route: 'action' | 'request',
    organizationId: string,
    action: IcrAction,
    body: IcrActionBody,
  ): Promise<CreditRequestRecord> {
    const path =
      route === 'action' ? ICR_ROUTES.action(organizationId, action) : ICR_ROUTES.requestAction(organizationId, action);
    const answer = await this.call({ method: 'POST', path, body, idempotent: false });
    return fromIcr.request(
      parseIcr(
        this.logger,
        icrCreditRequest,
        answer,
        route === 'action' ? ICR_ROUTE_NAMES.action : ICR_ROUTE_NAMES.requestAction,
      ),
      organizationId,
    );
  }

  /** Reviews a pending request ("Review a credit action request"); not re-sent once it may have arrived. */
  async review(organizationId: string, requestId: string, state: 'Accepted' | 'Rejected'): Promise<void> {
    const answer = await this.call({
      method: 'POST',
      path: ICR_ROUTES.review(organizationId, requestId),
      body: { state },
      idempotent: false,
    });
    parseIcr(this.logger, icrReviewAnswer, answer, ICR_ROUTE_NAMES.review);
  }
}
