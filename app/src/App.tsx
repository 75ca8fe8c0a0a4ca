// The offset page: sign in as a demo user, choose one of the retailer's resold products and a
// year of its sales, see the quote, offset it, and follow the order to its certificate.
import { useEffect, useId, useState, type FormEvent } from 'react';
import { ApiError, execute, signIn, type Session } from './api.ts';
import {
  AppGroupsDocument,
  AppOffsetQuoteDocument,
  AppResoldProductsDocument,
  type AppOffsetQuoteQuery,
} from './__generated__/graphql.ts';
import { OrderPanel } from './OrderPanel.tsx';
import { offerableProducts, openingGroup, type Product } from './products.ts';

const DEMO_USERS = [
  { email: 'alice@buyer.example', label: 'Alice Buyer (user)' },
  { email: 'bob@buyer.example', label: 'Bob Buyer (user)' },
  { email: 'admin@co2trust.example', label: 'Ada Admin (admin)' },
];

export type { Product };
type Quote = NonNullable<NonNullable<AppOffsetQuoteQuery['resoldProduct']>['offsetQuote']>;

const messageOf = (error: unknown) =>
  error instanceof ApiError ? `${error.message} (${error.code})` : 'Something went wrong; try again.';

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  // One live region for the whole page: every status change is read out once.
  const [announcement, setAnnouncement] = useState('');
  return (
    <main>
      <h1>Offset a product's footprint</h1>
      <p role="status" aria-live="polite" className="announcement">
        {announcement}
      </p>
      {session ? (
        <>
          <p>
            Signed in as <strong>{session.user.email}</strong> ({session.user.role}).{' '}
            <button
              type="button"
              onClick={() => {
                setSession(null);
                setAnnouncement('Signed out.');
              }}
            >
              Sign out
            </button>
          </p>
          <Offset session={session} announce={setAnnouncement} />
        </>
      ) : (
        <SignIn
          onSignedIn={(s) => {
            setSession(s);
            setAnnouncement(`Signed in as ${s.user.email}.`);
          }}
        />
      )}
    </main>
  );
}

function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [email, setEmail] = useState(DEMO_USERS[0]!.email);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn(email));
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={submit} aria-labelledby="sign-in-heading">
      <h2 id="sign-in-heading">Sign in</h2>
      <p>Development only: the gateway signs a demo user in for you.</p>
      <label htmlFor="demo-user">Demo user</label>
      <select id="demo-user" value={email} onChange={(e) => setEmail(e.target.value)}>
        {DEMO_USERS.map((u) => (
          <option key={u.email} value={u.email}>
            {u.label}
          </option>
        ))}
      </select>
      <button type="submit" disabled={busy}>
        Sign in
      </button>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}

function Offset({ session, announce }: { session: Session; announce: (message: string) => void }) {
  const token = session.accessToken;
  const [groups, setGroups] = useState<{ id: string; name: string }[] | null>(null);
  // Every group's products, read once: the page opens on a group with a product to offer.
  const [catalogue, setCatalogue] = useState<Map<string, Product[]> | null>(null);
  const [groupId, setGroupId] = useState('');
  const [productId, setProductId] = useState('');
  const [year, setYear] = useState<number | null>(null);
  const [quote, setQuote] = useState<Quote | null | undefined>(undefined);
  // A quote that failed (e.g. the API could not be reached) says so and can be asked for again.
  const [quoteError, setQuoteError] = useState<string | null>(null);
  const [quoteAttempt, setQuoteAttempt] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const ids = { group: useId(), year: useId() };

  useEffect(() => {
    (async () => {
      const groups = (await execute(AppGroupsDocument, {}, token)).groups ?? [];
      const lists = await Promise.all(
        groups.map(async (g) => (await execute(AppResoldProductsDocument, { groupId: g.id }, token)).resoldProducts),
      );
      const catalogue = new Map(groups.map((g, i) => [g.id, lists[i]?.nodes ?? []]));
      setGroups(groups);
      setCatalogue(catalogue);
      setGroupId(openingGroup(groups, catalogue) ?? '');
    })().catch((e: unknown) => setError(messageOf(e)));
  }, [token]);

  const listed = catalogue?.get(groupId);
  const products = listed ? offerableProducts(listed) : null;
  const unlisted = listed && products ? listed.length - products.length : 0;

  useEffect(() => {
    setProductId('');
    if (!products) return;
    announce(`${products.length} ${products.length === 1 ? 'product' : 'products'} loaded.`);
    // Once per group shown (products is derived from these two), not on every render.
  }, [catalogue, groupId, announce]);

  const product = products?.find((p) => p.id === productId);
  const years = product?.yearlySalesVolumes.map((v) => v.year) ?? [];

  useEffect(() => {
    setQuote(undefined);
    setQuoteError(null);
    if (!productId || year === null) return;
    let current = true;
    execute(AppOffsetQuoteDocument, { id: productId, year }, token).then(
      (data) => {
        if (!current) return;
        const q = data.resoldProduct?.offsetQuote ?? null;
        setQuote(q);
        announce(
          q
            ? `Quote: ${q.mass.amount} t CO2e for ${q.totalCost.amount} ${q.totalCost.currency}.`
            : 'No quote: nothing to offset for that year.',
        );
      },
      (e) => {
        if (!current) return;
        setQuoteError(messageOf(e));
        announce('The quote failed; price it again.');
      },
    );
    return () => {
      current = false;
    };
  }, [productId, year, token, announce, quoteAttempt]);

  function choose(id: string) {
    setProductId(id);
    const chosen = products?.find((p) => p.id === id);
    setYear(chosen?.yearlySalesVolumes.at(-1)?.year ?? null);
  }

  return (
    <>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <section aria-labelledby="products-heading">
        <h2 id="products-heading">1. Choose a product</h2>
        {groups && groups.length > 1 && (
          <p>
            <label htmlFor={ids.group}>Group</label>
            <select id={ids.group} value={groupId} onChange={(e) => setGroupId(e.target.value)}>
              {groups.map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                </option>
              ))}
            </select>
          </p>
        )}
        {unlisted > 0 && (
          <p>
            {unlisted === 1 ? '1 product of this group is' : `${unlisted} products of this group are`} not listed: no
            footprint or no sales volume yet, so nothing to offset.
          </p>
        )}
        {products === null ? (
          <p>Loading products…</p>
        ) : products.length === 0 ? (
          <p>No product of this group can be offset yet.</p>
        ) : (
          <fieldset>
            <legend>Resold products and their footprints (kg CO2e per kg)</legend>
            {products.map((p) => (
              <div key={p.id} className="product">
                <input
                  type="radio"
                  name="product"
                  id={`product-${p.id}`}
                  value={p.id}
                  checked={p.id === productId}
                  onChange={() => choose(p.id)}
                />
                <label htmlFor={`product-${p.id}`}>
                  <strong>{p.name}</strong>
                  {p.brandName ? ` · ${p.brandName}` : ''} — footprint{' '}
                  {p.footprint ? `${p.footprint.total} kg CO2e/kg` : 'not calculated yet'}; sales in{' '}
                  {p.yearlySalesVolumes.length
                    ? p.yearlySalesVolumes.map((v) => `${v.year} (${v.tonnes} t)`).join(', ')
                    : 'no year'}
                </label>
              </div>
            ))}
          </fieldset>
        )}
      </section>
      {product && (
        <section aria-labelledby="quote-heading">
          <h2 id="quote-heading">2. Choose a year</h2>
          {years.length === 0 ? (
            <p>This product has no sales volume to offset.</p>
          ) : (
            <p>
              <label htmlFor={ids.year}>Year of sales</label>
              <select id={ids.year} value={year ?? ''} onChange={(e) => setYear(Number(e.target.value))}>
                {years.map((y) => (
                  <option key={y} value={y}>
                    {y}
                  </option>
                ))}
              </select>
            </p>
          )}
          {quote === undefined && year !== null && !quoteError && <p>Pricing…</p>}
          {quoteError && (
            <>
              <p role="alert" className="error">
                {quoteError}
              </p>
              <button type="button" onClick={() => setQuoteAttempt((n) => n + 1)}>
                Price it again
              </button>
            </>
          )}
          {quote === null && (
            <p>Nothing to offset for {year}: the product has no footprint or no emissions that year.</p>
          )}
          {quote && (
            <div className="quote">
              <p>
                {year}: <strong>{quote.mass.amount} t CO2e</strong> for{' '}
                <strong>
                  {quote.totalCost.amount} {quote.totalCost.currency}
                </strong>
              </p>
              <ul>
                {quote.allocations.map((a, i) => (
                  <li key={i}>
                    {a.projectName ?? a.bundleName}: {a.mass.amount} t, {a.cost.amount} {a.cost.currency}
                  </li>
                ))}
              </ul>
            </div>
          )}
        </section>
      )}
      {product && year !== null && quote && (
        <OrderPanel
          key={`${product.id}:${year}`}
          token={token}
          product={product}
          year={year}
          quote={quote}
          announce={announce}
        />
      )}
    </>
  );
}
