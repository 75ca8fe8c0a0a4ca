// Places the offset order for a product's year and follows it (polling) to its certificate.
// The idempotency key is made once per product and year and kept (also across a reload) until
// the API answers, so a retry after a lost answer returns the same order instead of a second one.
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ApiError, execute } from './api.ts';
import {
  AppOffsetCertificateDocument,
  AppOffsetOrderDocument,
  AppOffsetResoldProductDocument,
  type AppOffsetOrderQuery,
  type AppOffsetQuoteQuery,
  type AppOrderProgressFragment,
} from './__generated__/graphql.ts';
import type { Product } from './App.tsx';

type Quote = NonNullable<NonNullable<AppOffsetQuoteQuery['resoldProduct']>['offsetQuote']>;
type Order = AppOrderProgressFragment;
type Payment = AppOffsetOrderQuery['paymentTransactions']['nodes'][number];

const FIRST_POLL_MS = 1_000;
const MAX_POLL_MS = 30_000;

/** The order's payment as payments records it: not recorded yet, pending, completed or failed. */
const paymentOf = (payment: Payment | null) => (payment ? payment.status.toLowerCase() : 'being recorded');

const retirementOf = (order: Order) => (order.retirementStatus ?? (order.status === 'COMPLETE' ? 'retired by the provider' : 'pending')).toString().toLowerCase();

/** Whether nothing more will change that the page shows. */
const settled = (order: Order, payment: Payment | null) =>
  order.status === 'CANCELLED' ||
  order.status === 'FAILED' ||
  (order.status === 'COMPLETE' && (order.retirementStatus === null || order.retirementStatus === 'RETIRED') && (payment?.status === 'COMPLETED' || payment?.status === 'FAILED'));

const describe = (order: Order, payment: Payment | null) => `Order ${order.status.toLowerCase()}: payment ${paymentOf(payment)}, retirement ${retirementOf(order)}.`;

/** The stored idempotency key of one product's year, made on first use. */
function keyFor(slot: string, fresh: boolean): string {
  const stored = fresh ? null : sessionStorage.getItem(slot);
  if (stored) return stored;
  const key = `offset-page-${crypto.randomUUID()}`;
  sessionStorage.setItem(slot, key);
  return key;
}

export function OrderPanel({ token, product, year, quote, announce }: { token: string; product: Product; year: number; quote: Quote; announce: (message: string) => void }) {
  const slot = `offset-key:${product.id}:${year}`;
  const [beneficiary, setBeneficiary] = useState('');
  const [order, setOrder] = useState<Order | null>(null);
  const [payment, setPayment] = useState<Payment | null>(null);
  const [certificate, setCertificate] = useState<{ url: string; expiresAt: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const beneficiaryId = useId();
  // What was last announced about the order, so each change is read out once.
  const announced = useRef('');

  async function place(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const idempotencyKey = keyFor(slot, false);
    announce('Placing the order…');
    try {
      const { offsetResoldProduct: result } = await execute(AppOffsetResoldProductDocument, {
        input: {
          resoldProductId: product.id,
          year,
          idempotencyKey,
          // Never pay more than the quote on screen: a higher price is refused, not charged.
          maximumSpend: { amount: quote.totalCost.amount, currency: quote.totalCost.currency },
          ...(beneficiary.trim() ? { beneficiary: beneficiary.trim() } : {}),
        },
      }, token);
      if (result.offsetOrder) {
        setOrder(result.offsetOrder);
        announced.current = describe(result.offsetOrder, null);
        announce(announced.current);
      } else {
        // Refused: nothing was bought, so a changed request may use a new key.
        sessionStorage.removeItem(slot);
        const message = result.userErrors.map((e) => `${e.message} (${e.code})`).join(' ');
        setError(message);
        announce(`The order was refused: ${message}`);
      }
    } catch (e) {
      // The order may or may not exist: the key is kept, so trying again cannot buy twice.
      const message = e instanceof ApiError ? `${e.message} (${e.code}).` : 'The order could not be confirmed.';
      setError(`${message} Try again: the retry uses the same idempotency key, so nothing is bought twice.`);
      announce('The order could not be confirmed; try again.');
    } finally {
      setBusy(false);
    }
  }

  // Follows the order until it is settled, waiting longer after each unchanged answer.
  const orderId = order?.id;
  const done = order ? settled(order, payment) : true;
  useEffect(() => {
    if (!orderId || done) return;
    let delay = FIRST_POLL_MS;
    let timer: ReturnType<typeof setTimeout>;
    let stopped = false;
    const poll = async () => {
      try {
        const { offsetOrder, paymentTransactions } = await execute(AppOffsetOrderDocument, { id: orderId }, token);
        if (stopped) return;
        if (offsetOrder) {
          const paid = paymentTransactions.nodes[0] ?? null;
          const now = describe(offsetOrder, paid);
          if (now !== announced.current) {
            announced.current = now;
            announce(now);
            delay = FIRST_POLL_MS / 2; // a change: the next poll comes after the first delay again
          }
          setOrder(offsetOrder);
          setPayment(paid);
        }
      } catch {
        // A failed poll is tried again later.
      }
      delay = Math.min(delay * 2, MAX_POLL_MS);
      if (!stopped) timer = setTimeout(poll, delay);
    };
    timer = setTimeout(poll, delay);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [orderId, done, token, announce]);

  const complete = order?.status === 'COMPLETE';
  const amount = payment?.amount ?? order?.totalCost;
  useEffect(() => {
    if (!orderId || !complete) return;
    execute(AppOffsetCertificateDocument, { id: orderId }, token).then(({ offsetOrder }) => {
      if (offsetOrder?.certificate) {
        setCertificate(offsetOrder.certificate);
        announce('The certificate is ready.');
      }
    }, (e) => setError(e instanceof ApiError ? `The certificate is not available: ${e.message} (${e.code})` : 'The certificate is not available.'));
  }, [orderId, complete, token, announce]);

  return (
    <section aria-labelledby="order-heading">
      <h2 id="order-heading">3. Offset it</h2>
      {!order && (
        <form onSubmit={place}>
          <p>
            <label htmlFor={beneficiaryId}>Certificate issued to (optional)</label>
            <input id={beneficiaryId} value={beneficiary} maxLength={200} onChange={(e) => setBeneficiary(e.target.value)} />
          </p>
          <button type="submit" disabled={busy}>
            Offset {product.name} for {year}: pay at most {quote.totalCost.amount} {quote.totalCost.currency}
          </button>
        </form>
      )}
      {error && <p role="alert" className="error">{error}</p>}
      {order && (
        <dl className="order">
          <dt>Order</dt>
          <dd>{order.id}</dd>
          <dt>Status</dt>
          <dd data-testid="order-status">{order.status}</dd>
          <dt>Payment</dt>
          <dd data-testid="payment-status">{paymentOf(payment)}{amount ? ` (${amount.amount} ${amount.currency})` : ''}</dd>
          <dt>Retirement</dt>
          <dd data-testid="retirement-status">{retirementOf(order)}{order.retirementBlockedReason ? ` — ${order.retirementBlockedReason}` : ''}</dd>
          <dt>Certificate</dt>
          <dd>
            {certificate ? (
              <a href={certificate.url} target="_blank" rel="noopener noreferrer">
                Download the offset certificate (PDF)
              </a>
            ) : complete ? 'Preparing…' : 'Available once the order is complete.'}
          </dd>
        </dl>
      )}
    </section>
  );
}
