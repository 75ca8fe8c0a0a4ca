// Places the offset order for a product's year and follows it live (a subscription over SSE, no
// polling) to its certificate. The idempotency key is made once per product and year and kept
// (also across a reload) until the API answers, so a retry after a lost answer returns the same
// order instead of a second one; the same key names the run the page follows.
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ApiError, execute, subscribe } from './api.ts';
import {
  AppOffsetCertificateDocument,
  AppOffsetProgressDocument,
  AppOffsetResoldProductDocument,
  type AppOffsetProgressSubscription,
  type AppOffsetQuoteQuery,
  type AppOrderProgressFragment,
} from './__generated__/graphql.ts';
import type { Product } from './App.tsx';

type Quote = NonNullable<NonNullable<AppOffsetQuoteQuery['resoldProduct']>['offsetQuote']>;
type Order = AppOrderProgressFragment;
type Progress = AppOffsetProgressSubscription['offsetResoldProductProgress'];
type Step = Progress['step'];

/** What each step means for the buyer. */
const STEP_TEXT: Record<Step, string> = {
  WAITING: 'placing the order',
  MEASURED: 'footprint measured and priced, placing the order',
  ORDERED: 'order placed, payment being recorded',
  PAID: 'paid, the registry is retiring the credits',
  // The registry retires whole tonnes: a fraction of a tonne waits for other orders of the same project.
  WAITING_FOR_POOLED_TONNE: 'paid, waiting for a pooled tonne',
  RETIREMENT_BLOCKED: 'paid, the registry refuses the retirement for now (it is retried)',
  CERTIFICATE_READY: 'retired',
  REFUSED: 'refused, nothing is charged',
};

/** The payment as far as the steps tell: recorded once the run is past ORDERED. */
const paymentOf = (step: Step | null) =>
  step === null || step === 'WAITING' || step === 'MEASURED' || step === 'ORDERED'
    ? 'being recorded'
    : step === 'REFUSED'
      ? 'none'
      : 'completed';

const retirementOf = (order: Order) =>
  (order.retirementStatus ?? (order.status === 'COMPLETE' ? 'retired by the provider' : 'pending'))
    .toString()
    .toLowerCase();

const describe = (order: Order, progress: Progress | null) =>
  `Order ${order.status.toLowerCase()}: ${progress ? STEP_TEXT[progress.step] : STEP_TEXT.ORDERED}${progress?.detail ? ` (${progress.detail})` : ''}.`;

/** The stored idempotency key of one product's year, made on first use. */
function keyFor(slot: string, fresh: boolean): string {
  const stored = fresh ? null : sessionStorage.getItem(slot);
  if (stored) return stored;
  const key = `offset-page-${crypto.randomUUID()}`;
  sessionStorage.setItem(slot, key);
  return key;
}

export function OrderPanel({
  token,
  product,
  year,
  quote,
  announce,
}: {
  token: string;
  product: Product;
  year: number;
  quote: Quote;
  announce: (message: string) => void;
}) {
  const slot = `offset-key:${product.id}:${year}`;
  const [beneficiary, setBeneficiary] = useState('');
  const [order, setOrder] = useState<Order | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [followed, setFollowed] = useState<string | null>(null);
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
      const { offsetResoldProduct: result } = await execute(
        AppOffsetResoldProductDocument,
        {
          input: {
            resoldProductId: product.id,
            year,
            idempotencyKey,
            // Never pay more than the quote on screen: a higher price is refused, not charged.
            maximumSpend: { amount: quote.totalCost.amount, currency: quote.totalCost.currency },
            ...(beneficiary.trim() ? { beneficiary: beneficiary.trim() } : {}),
          },
        },
        token,
      );
      // Answered: the key has done its work (a lost answer's retry), so the next offset of this
      // product's year, by this buyer or after a reload, is a new order with a new key.
      sessionStorage.removeItem(slot);
      if (result.offsetOrder) {
        setOrder(result.offsetOrder);
        setFollowed(idempotencyKey);
        announced.current = describe(result.offsetOrder, null);
        announce(announced.current);
      } else {
        // Refused: nothing was bought.
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

  // Follows the run and its order live: one event per step, until a final one.
  useEffect(() => {
    if (!followed) return;
    return subscribe(
      AppOffsetProgressDocument,
      { key: followed },
      token,
      ({ offsetResoldProductProgress: next }) => {
        setProgress(next);
        if (next.order) setOrder(next.order);
        const shown = next.order ?? null;
        if (!shown) return;
        const now = describe(shown, next);
        if (now !== announced.current) {
          announced.current = now;
          announce(now);
        }
      },
      (e) => {
        setError(`${e.message} (${e.code})`);
        announce('The live updates of the order stopped.');
      },
    );
  }, [followed, token, announce]);

  const orderId = order?.id;
  const complete = order?.status === 'COMPLETE';
  const amount = order?.totalCost;
  const step = progress?.step ?? (order ? 'ORDERED' : null);
  // The certificate of a complete order (it lists what is retired so far), asked for once.
  useEffect(() => {
    if (!orderId || !complete) return;
    execute(AppOffsetCertificateDocument, { id: orderId }, token).then(
      ({ offsetOrder }) => {
        if (offsetOrder?.certificate) {
          setCertificate(offsetOrder.certificate);
          announce('The certificate is ready.');
        }
      },
      (e) =>
        setError(
          e instanceof ApiError
            ? `The certificate is not available: ${e.message} (${e.code})`
            : 'The certificate is not available.',
        ),
    );
  }, [orderId, complete, token, announce]);

  return (
    <section aria-labelledby="order-heading">
      <h2 id="order-heading">3. Offset it</h2>
      {!order && (
        <form onSubmit={place}>
          <p>
            <label htmlFor={beneficiaryId}>Certificate issued to (optional)</label>
            <input
              id={beneficiaryId}
              value={beneficiary}
              maxLength={200}
              onChange={(e) => setBeneficiary(e.target.value)}
            />
          </p>
          <button type="submit" disabled={busy}>
            Offset {product.name} for {year}: pay at most {quote.totalCost.amount} {quote.totalCost.currency}
          </button>
        </form>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {order && (
        <dl className="order">
          <dt>Status</dt>
          <dd data-testid="order-status">{order.status}</dd>
          <dt>Step</dt>
          <dd data-testid="order-step">
            {step ? STEP_TEXT[step] : ''}
            {progress?.detail ? <span className="detail"> — {progress.detail}</span> : null}
          </dd>
          <dt>Payment</dt>
          <dd data-testid="payment-status">
            {paymentOf(step)}
            {amount && paymentOf(step) === 'completed' ? ` (${amount.amount} ${amount.currency})` : ''}
          </dd>
          <dt>Retirement</dt>
          <dd data-testid="retirement-status">
            {retirementOf(order)}
            {order.retirementBlockedReason ? ` — ${order.retirementBlockedReason}` : ''}
          </dd>
          <dt>Certificate</dt>
          <dd>
            {certificate ? (
              <a href={certificate.url} target="_blank" rel="noopener noreferrer">
                Download the offset certificate (PDF)
              </a>
            ) : complete ? (
              'Preparing…'
            ) : (
              'Available once the order is complete.'
            )}
          </dd>
        </dl>
      )}
    </section>
  );
}
