import type { Viewer } from '../../../../lib/auth.ts';
import { keysetConnection } from '../../../../lib/connection.ts';
import { DomainError, ErrorCode, apiError, unauthenticated } from '../../../../lib/errors.ts';
import { UpstreamHttpError, type UpstreamClient } from '../../../../lib/http-client.ts';
import { gramsToTonnesString, minorToDecimal, requestHash } from '../allocation.ts';
import type { OffsetOrderPage, OffsetOrderRecord, OffsetOrderSource, OffsetRequest } from '../source.ts';
import {
  OFFSET_ORDER_ROUTES as R,
  OFFSET_ORDERS_MAX_LIMIT,
  type OffsetApiConflict,
  type OffsetApiOrder,
  type OffsetApiOrderPage,
  type OffsetApiQuote,
} from './client.ts';
import { fromOffsetApi, upstreamKeyOf } from './mappers.ts';

const FIELD_OF = { MASS: 'input.mass', VALUE: 'input.value', ESTIMATE: 'input.estimateId' } as const;

/** Offset orders through the offset-orders REST API, with the marketplace's API key. */
export class UpstreamOffsetOrderSource implements OffsetOrderSource {
  private readonly client: UpstreamClient;
  private readonly viewer: Viewer | null;

  constructor(client: UpstreamClient, viewer: Viewer | null) {
    this.client = client;
    this.viewer = viewer;
  }

  async quote(request: OffsetRequest & { kind: 'MASS' | 'VALUE' }) {
    try {
      const quote = await this.call(() =>
        this.client.json<OffsetApiQuote>({ method: 'POST', path: request.kind === 'MASS' ? R.quoteByMass : R.quoteByValue, body: demandBody(request) }),
      );
      return fromOffsetApi.quote(quote);
    } catch (error) {
      throw conflictToUserError(error, request);
    }
  }

  /** One POST per quote: the API has no batch quote. */
  quotes(requests: readonly (OffsetRequest & { kind: 'MASS' | 'VALUE' })[]) {
    return Promise.all(
      requests.map((r) =>
        this.quote(r).catch((error: unknown) => {
          if (error instanceof DomainError) return error;
          throw error;
        }),
      ),
    );
  }

  async placeOrder(request: OffsetRequest, idempotencyKey: string | null): Promise<OffsetOrderRecord> {
    const viewer = this.viewer;
    if (!viewer) throw unauthenticated();
    const hash = requestHash(request);
    const key = idempotencyKey ? upstreamKeyOf(viewer.id, idempotencyKey) : null;
    const path = request.kind === 'MASS' ? R.createByMass : request.kind === 'VALUE' ? R.createByValue : R.createByEstimate;
    try {
      const order = await this.call(() =>
        this.client.json<OffsetApiOrder>({
          method: 'POST',
          path,
          // A keyed POST is safe to resend: the API answers a repeat with 409.
          idempotent: key !== null,
          body: {
            ...demandBody(request),
            ...(key ? { idempotency_key: key } : {}),
            beneficiary: viewer.name ?? viewer.email,
            metadata: { buyer_id: viewer.id, request_hash: hash },
          },
        }),
      );
      return fromOffsetApi.order(order);
    } catch (error) {
      if (error instanceof UpstreamHttpError && error.status === 409 && key) {
        // The API refuses any reuse of a key; the same request gets the first order back.
        const first = await this.call(() => this.client.jsonOrNull<OffsetApiOrder>({ path: R.byIdempotencyKey(key) }));
        if (first) {
          if (first.metadata?.request_hash !== hash) {
            throw new DomainError('CONFLICT', 'This idempotency key was already used for a different offset order request', 'input.idempotencyKey');
          }
          return fromOffsetApi.order(first);
        }
      }
      throw conflictToUserError(error, request);
    }
  }

  async offsetOrders({ limit, afterKey }: OffsetOrderPage) {
    const viewer = this.viewer;
    if (!viewer) throw unauthenticated();
    const admin = viewer.role === 'ADMIN';
    const found: OffsetApiOrder[] = [];
    let after = afterKey;
    let more = true;
    // An admin's page is one request; a buyer's is the account's list filtered by buyer.
    while (more && found.length <= limit) {
      const page = await this.call(() =>
        this.client.json<OffsetApiOrderPage>({
          path: R.orders,
          query: { limit: admin ? Math.min(limit + 1, OFFSET_ORDERS_MAX_LIMIT) : OFFSET_ORDERS_MAX_LIMIT, after: after ?? undefined },
        }),
      );
      for (const o of page.data) {
        after = o.id;
        if (admin || o.metadata?.buyer_id === viewer.id) found.push(o);
        if (found.length > limit) break;
      }
      more = page.has_more && page.data.length > 0;
    }
    return keysetConnection(found.map(fromOffsetApi.order), limit, (o) => o.id, { hasPreviousPage: afterKey !== null, totalCount: null });
  }

  /** One GET per id: the API has no batch lookup (the DataLoader still merges repeats). */
  offsetOrdersByIds(ids: readonly string[]) {
    return Promise.all(
      ids.map(async (id) => {
        const o = await this.call(() => this.client.jsonOrNull<OffsetApiOrder>({ path: R.order(id) }));
        return o && fromOffsetApi.order(o);
      }),
    );
  }

  async offsetOrderByIdempotencyKey(ownerId: string, idempotencyKey: string) {
    const o = await this.call(() => this.client.jsonOrNull<OffsetApiOrder>({ path: R.byIdempotencyKey(upstreamKeyOf(ownerId, idempotencyKey)) }));
    return o && o.metadata?.buyer_id === ownerId ? fromOffsetApi.order(o) : null;
  }

  async certificatePdf(order: OffsetOrderRecord) {
    const res = await this.call(async () => {
      try {
        return await this.client.request<Buffer>({ path: R.certificate(order.id), binary: true, headers: { accept: 'application/pdf' } });
      } catch (error) {
        if (error instanceof UpstreamHttpError && error.status === 404) return null;
        throw error;
      }
    });
    return res && Buffer.isBuffer(res.body) ? res.body : null;
  }

  /** A refused API key or a malformed request is the marketplace's fault, not the caller's. */
  private async call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof UpstreamHttpError && error.status === 401) {
        throw apiError(ErrorCode.UPSTREAM_UNAVAILABLE, 'The offset-orders service refused the marketplace credentials');
      }
      if (error instanceof UpstreamHttpError && error.status === 415) {
        throw apiError(ErrorCode.INTERNAL_SERVER_ERROR, 'The offset-orders service refused the request format');
      }
      throw error;
    }
  }
}

/** The body that says what to buy: a mass in tonnes, a maximum spend, or an estimate. */
function demandBody(request: OffsetRequest): Record<string, unknown> {
  switch (request.kind) {
    case 'MASS':
      return { mass: { amount: gramsToTonnesString(request.grams), unit: 't' }, currency: request.currency };
    case 'VALUE':
      return { value: minorToDecimal(request.maximumMinor, request.currency).toString(), currency: request.currency };
    case 'ESTIMATE':
      return { estimate_id: request.estimateId, currency: request.currency };
  }
}

/** A 409 (or an unknown estimate) is an expected business failure: a user error with the same code as local mode. */
function conflictToUserError(error: unknown, request: OffsetRequest): unknown {
  if (!(error instanceof UpstreamHttpError)) return error;
  if (error.status === 404 && request.kind === 'ESTIMATE') {
    return new DomainError('NOT_FOUND', `Emission estimate ${request.estimateId} not found`, 'input.estimateId');
  }
  if (error.status !== 409) return error;
  const body = (error.body ?? {}) as OffsetApiConflict;
  const message = typeof body.message === 'string' && body.message ? body.message.slice(0, 200) : 'The offset-orders service reported a conflict';
  switch (body.error_code) {
    case 'quantity_not_positive':
      return new DomainError('INVALID', message, FIELD_OF[request.kind]);
    case 'currency_not_supported':
      return new DomainError('INVALID', message, 'input.currency');
    case 'insufficient_quantity':
      return new DomainError('INSUFFICIENT_INVENTORY', message, FIELD_OF[request.kind]);
    case 'estimate_already_ordered':
      return new DomainError('CONFLICT', message, 'input.estimateId');
    default:
      return new DomainError('CONFLICT', message, request.kind === 'ESTIMATE' ? 'input.estimateId' : 'input');
  }
}
