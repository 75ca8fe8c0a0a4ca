// Live updates of payments: `orderPaymentUpdated`. A payment recorded (recordPaymentTransaction)
// publishes on PAYMENTS_TOPIC where it happens; each stream reads its order's payments again with
// its caller's scope (the PaymentTransaction rule) and sends an event when the latest changed.
// Upstream mode: a payment whose status changes at CO2Trust itself is seen by watching the order's
// latest payment while someone follows it (lib/upstream-watch.ts), which publishes the same message.
import { isAdmin, requireViewer } from '../../../lib/auth.ts';
import { pageArgs } from '../../../lib/connection.ts';
import { followTopics, subscriptionField, topicEvents } from '../../../lib/subscriptions.ts';
import { heldWhileListening } from '../../../lib/upstream-watch.ts';
import type { PaymentTransactionStatus, SubscriptionResolvers } from '../__generated__/resolvers-types.ts';
import type { Context } from '../context.ts';
import type { PaymentTransactionRecord } from '../source.ts';

export const PAYMENTS_TOPIC = 'payments.transactions';

export interface OrderPaymentEvent {
  order: { id: string };
  payment: PaymentTransactionRecord | null;
  status: PaymentTransactionStatus | null;
}

/** The order's latest payment the caller may see (the source applies the caller's scope). */
async function read(ctx: Context, orderId: string): Promise<OrderPaymentEvent> {
  const fresh = ctx.renew();
  const page = await fresh.source.paymentTransactions({
    page: pageArgs({ first: 1 }),
    filter: { type: 'ORDER', typeId: orderId },
    order: 'DESC',
  });
  const payment = page.nodes[0] ?? null;
  return { order: { id: orderId }, payment, status: payment?.status ?? null };
}

/**
 * Upstream mode: the order's latest payment as this caller sees it, watched at CO2Trust while the
 * stream is open. The caller's scope is part of the watch's key: what a buyer sees of an order's
 * payments (payer or payee) may differ from what another caller sees, so each scope is watched
 * with its own credentials and no caller's watch can hide a change from another.
 */
async function watchUpstream(ctx: Context, orderId: string): Promise<(() => void) | null> {
  if (!ctx.upstreamWatch) return null;
  const viewer = requireViewer(ctx);
  const scope = isAdmin(viewer) ? 'all' : `user:${viewer.id}`;
  return ctx.upstreamWatch.watch(PAYMENTS_TOPIC, `${orderId}\n${scope}`, {
    read: async () => {
      const { payment, status } = await read(ctx, orderId);
      return { latest: [payment?.id ?? null, status] };
    },
    message: () => ({ typeId: orderId }),
  });
}

function updates(ctx: Context, orderId: string) {
  const watched = heldWhileListening(topicEvents(ctx.live, [PAYMENTS_TOPIC]));
  return followTopics(
    watched.changes,
    async () => {
      const release = await watchUpstream(ctx, orderId);
      if (release) watched.hold(release);
      return read(ctx, orderId);
    },
    async function* (first, changes) {
      let last = first;
      yield last;
      for await (const change of changes) {
        if (change.typeId !== undefined && change.typeId !== orderId) continue;
        const next = await read(ctx, orderId);
        if (next.payment?.id === last.payment?.id && next.status === last.status) continue;
        last = next;
        yield next;
      }
    },
  );
}

export const paymentSubscriptions: SubscriptionResolvers<Context> = {
  orderPaymentUpdated: subscriptionField((args: { orderId: string }, ctx: Context) => {
    requireViewer(ctx);
    return updates(ctx, args.orderId);
  }) as unknown as SubscriptionResolvers<Context>['orderPaymentUpdated'],
};
