// Live updates of offset orders: `offsetOrderProgress` and `offsetResoldProductProgress`. What
// changes an order or a run (an order placed, a service call delivered or refused, a step of a
// product offset run) publishes a message on OFFSET_ORDERS_TOPIC where it happens; each stream
// then reads its order again, with a fresh context of its caller (the same access rules as a
// query), and sends an event when its step changed. Messages name nothing: the stream decides.
// Upstream mode: an order that changes at Lune itself (paid, retiring, complete with its
// certificate, cancelled) is seen by watching what each stream follows while it is open
// (lib/upstream-watch.ts), which publishes the same message when the stream's step would change.
import { createHash } from 'node:crypto';
import { maySee } from '../../../lib/access.ts';
import { requireViewer } from '../../../lib/auth.ts';
import { badInput, notFound } from '../../../lib/errors.ts';
import { followTopics, subscriptionField, topicEvents } from '../../../lib/subscriptions.ts';
import { heldWhileListening } from '../../../lib/upstream-watch.ts';
import type { OffsetOrderStep, SubscriptionResolvers } from '../__generated__/resolvers-types.ts';
import type { Context } from '../context.ts';
import type { OffsetProductRun } from './flow/entities.ts';
import { orderKeyOf } from './flow/flow.ts';
import { offsetOrderRule } from '../policy.ts';
import type { OffsetOrderView, OffsetRetirementStateRecord } from './source.ts';

export const OFFSET_ORDERS_TOPIC = 'marketplace.offset-orders';

export interface OffsetOrderProgressEvent {
  step: OffsetOrderStep;
  final: boolean;
  detail: string | null;
  order: OffsetOrderView | null;
}

const FINAL: ReadonlySet<OffsetOrderStep> = new Set(['CERTIFICATE_READY', 'REFUSED']);

const event = (
  step: OffsetOrderStep,
  order: OffsetOrderView | null,
  detail: string | null = null,
): OffsetOrderProgressEvent => ({ step, final: FINAL.has(step), detail, order });

/** The buyer's step of an order, from its status and (local mode) its retirement. */
export function orderStep(
  order: OffsetOrderView,
  retirement: OffsetRetirementStateRecord | null,
): OffsetOrderProgressEvent {
  switch (order.status) {
    case 'CANCELLED':
    case 'FAILED':
      return event(
        'REFUSED',
        order,
        order.status === 'CANCELLED'
          ? 'The order was cancelled; nothing is charged'
          : 'The provider could not fulfil the order; nothing is charged',
      );
    case 'PAID':
    case 'RETIRING':
      return event('PAID', order);
    case 'COMPLETE':
      break;
    default:
      return event('ORDERED', order);
  }
  if (!retirement || retirement.status === 'RETIRED') return event('CERTIFICATE_READY', order);
  if (retirement.status === 'BLOCKED') return event('RETIREMENT_BLOCKED', order, retirement.blockedReason);
  const pooled = retirement.shares.filter((s) => s.retirement === null);
  if (pooled.length === 0) return event('PAID', order, 'The registry is recording the retirement of whole tonnes');
  const projects = [...new Set(pooled.map((s) => s.projectName))].join(', ');
  return event(
    'WAITING_FOR_POOLED_TONNE',
    order,
    `The registry retires whole tonnes only: grams of this order wait in the pool of ${projects} until other orders fill the tonne`,
  );
}

type Lookup = { id: string } | { idempotencyKey: string };

/** The order a stream follows, read with a fresh context of its caller (null: none yet, or not the caller's). */
async function readOrder(ctx: Context, lookup: Lookup): Promise<OffsetOrderProgressEvent> {
  const fresh = ctx.renew();
  const viewer = requireViewer(fresh);
  const order =
    'id' in lookup
      ? await fresh.offsetLoaders.offsetOrder.load(lookup.id)
      : await fresh.offsets.offsetOrderByIdempotencyKey(viewer.id, lookup.idempotencyKey);
  // The policy's rule of offset orders decides at the start and for every event (access revoked: the stream ends).
  if (!order || !(await maySee(offsetOrderRule, order, fresh))) return event('WAITING', null);
  return orderStep(order, await fresh.offsetLoaders.retirementState.load(order.id));
}

/** A product offset run's step, then its order's. */
async function readRun(ctx: Context, idempotencyKey: string): Promise<OffsetOrderProgressEvent> {
  const fresh = ctx.renew();
  const viewer = requireViewer(fresh);
  const run: OffsetProductRun | null = await fresh.offsetProducts.runByKey(viewer.id, idempotencyKey);
  if (!run) return event('WAITING', null);
  if (run.step === 'MEASURED') return event('MEASURED', null);
  if (run.step === 'REFUSED') return event('REFUSED', null, run.refusalMessage);
  const order = run.orderId ? await fresh.offsets.offsetOrderByIdempotencyKey(viewer.id, orderKeyOf(run.id)) : null;
  if (!order) return event('ORDERED', null);
  const step = orderStep(order, await fresh.offsetLoaders.retirementState.load(order.id));
  // The run is COMPLETE once payments has its payment record.
  if (run.step === 'ORDERED' && step.step !== 'REFUSED') return event('ORDERED', order);
  return step;
}

/** What a watch's message says of the watch: a digest of its key. */
const watchTag = (key: string) => createHash('sha256').update(key).digest('base64url').slice(0, 16);

/**
 * The events of one stream: the current step at once, then each change of step, until a final
 * one. Listens before the first read, so nothing that happens in between is missed; a first read
 * that fails (e.g. NOT_FOUND) refuses the subscription before it starts.
 */
function progress(
  ctx: Context,
  watchKey: string,
  read: () => Promise<OffsetOrderProgressEvent>,
): Promise<AsyncGenerator<OffsetOrderProgressEvent>> {
  const watched = heldWhileListening(topicEvents(ctx.live, [OFFSET_ORDERS_TOPIC]));
  // A change a watch saw names the watch by a digest of its key (no ids, no keys in the message):
  // other streams, which have watches of their own, need not read again for it.
  const tag = watchTag(watchKey);
  const start = async () => {
    // Upstream mode: the watch reads what this stream reads, with this caller's context, before the
    // stream's own first read (so a change in between is not missed); it is released with the stream.
    if (ctx.upstreamWatch)
      watched.hold(
        await ctx.upstreamWatch.watch(OFFSET_ORDERS_TOPIC, watchKey, {
          read: async () => {
            const { step, detail, order } = await read();
            return { step: [step, detail, order?.id ?? null, order?.status ?? null] };
          },
          message: () => ({ watch: tag }),
        }),
      );
    return read();
  };
  return followTopics(watched.changes, start, async function* (first, changes) {
    let last = first;
    yield last;
    if (last.final) return;
    for await (const change of changes) {
      if (typeof change.watch === 'string' && change.watch !== tag) continue;
      const next = await read();
      if (next.step === last.step && next.detail === last.detail && next.order?.id === last.order?.id) continue;
      last = next;
      yield next;
      if (next.final) return;
    }
  });
}

export const offsetOrderSubscriptions: SubscriptionResolvers<Context> = {
  offsetOrderProgress: subscriptionField(
    (args: { id?: string | null; idempotencyKey?: string | null }, ctx: Context) => {
      requireViewer(ctx);
      const { id, idempotencyKey } = args;
      if ((id == null) === (idempotencyKey == null))
        throw badInput('Give exactly one of id and idempotencyKey', id == null ? 'idempotencyKey' : 'id');
      const lookup: Lookup = id != null ? { id } : { idempotencyKey: idempotencyKey! };
      // By id, every caller who may see the order sees the same order: one watch for all of them.
      // A key is the buyer's own: the watch is the buyer's.
      const watchKey = id != null ? `order:${id}` : `key:${ctx.auth.viewer!.id}:${idempotencyKey!}`;
      return progress(ctx, watchKey, async () => {
        const found = await readOrder(ctx, lookup);
        // By id the order exists already: one the caller may not see (or no longer sees) is NOT_FOUND.
        if ('id' in lookup && !found.order) throw notFound('Offset order', lookup.id);
        return found;
      });
    },
  ) as unknown as SubscriptionResolvers<Context>['offsetOrderProgress'],
  offsetResoldProductProgress: subscriptionField((args: { idempotencyKey: string }, ctx: Context) => {
    requireViewer(ctx);
    return progress(ctx, `run:${ctx.auth.viewer!.id}:${args.idempotencyKey}`, () => readRun(ctx, args.idempotencyKey));
  }) as unknown as SubscriptionResolvers<Context>['offsetResoldProductProgress'],
};
