// The offset page in a real browser, from sign-in to the certificate link of a demo product's
// year: signing in, choosing the product and placing the order by keyboard alone, a lost answer
// retried with the same idempotency key, every step in the live region as the subscription
// sends it (no polling request), a phone-wide screen (390 px) that never scrolls sideways, and
// the same year offset again as a second order.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { DEMO } from '../../demo/data.ts';
import { ensureAppBuilt } from '../../scripts/build-app.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { artifact, launchBrowser, type Browser } from './browser.ts';

/** What the focused element is, and whether its focus ring shows. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    const style = el ? getComputedStyle(el) : null;
    return {
      tag: el?.tagName.toLowerCase(),
      text: el?.textContent?.trim() ?? '',
      label: (el as HTMLInputElement | null)?.labels?.[0]?.textContent ?? '',
      ring: style ? style.outlineStyle !== 'none' && style.outlineWidth !== '0px' : false,
    };
  });

/** Controls without an accessible name: a label, an aria-label or their own text. */
const unlabelled = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('input, select, button, a')]
      .filter(
        (el) => !((el as HTMLInputElement).labels?.length || el.getAttribute('aria-label') || el.textContent?.trim()),
      )
      .map((el) => el.outerHTML),
  );

/** Every text the live region (role=status) has held, in order, as a screen reader would hear them. */
async function recordAnnouncements(
  page: Page,
): Promise<{ all: string[]; heard(pattern: RegExp | string): Promise<void> }> {
  const all: string[] = [];
  await page.exposeFunction('announced', (text: string) => all.push(text));
  await page.addInitScript(() => {
    let last = '';
    new MutationObserver(() => {
      const text = document.querySelector('[role=status]')?.textContent ?? '';
      if (text && text !== last) (window as unknown as { announced(t: string): void }).announced((last = text));
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  return {
    all,
    async heard(pattern) {
      const matches = (t: string) => (typeof pattern === 'string' ? t === pattern : pattern.test(t));
      for (let i = 0; i < 1200 && !all.some(matches); i++) await new Promise((r) => setTimeout(r, 50));
      if (!all.some(matches)) throw new Error(`Never announced: ${pattern}; announced: ${JSON.stringify(all)}`);
    },
  };
}

/** Alice's offset orders of the demo Oat Drink, read through the API. */
async function ordersOfOatDrink(base: string): Promise<unknown[]> {
  const signIn = await fetch(`${base}/app/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'alice@buyer.example' }),
  });
  const { accessToken } = (await signIn.json()) as { accessToken: string };
  const answer = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({
      query: `{ resoldProduct(id: "${DEMO.resoldProducts[0]}") { name offsetOrders { nodes { offsetYear status } } } }`,
    }),
  });
  const { data } = (await answer.json()) as {
    data: { resoldProduct: { name: string; offsetOrders: { nodes: unknown[] } } };
  };
  expect(data.resoldProduct.name).toBe('Oat Drink Barista 1 L');
  return data.resoldProduct.offsetOrders.nodes;
}

describe('the offset page in Chromium', () => {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    await ensureAppBuilt();
    stack = await startStack('local');
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('goes from sign-in to the certificate link of a product year', async () => {
    const base = stack.gateway.url.replace(/\/graphql$/, '');
    const page = await browser.context.newPage();
    const announcements = await recordAnnouncements(page);

    // The answer to the first order request is lost (the order was placed, the connection
    // dropped); the retry must carry the same idempotency key and get the same order.
    const keys: string[] = [];
    let dropped = false;
    // Every GraphQL request once the order is placed: a subscription (event stream) or not.
    const afterOrder: { stream: boolean; variables: string[] }[] = [];
    await page.setViewportSize({ width: 390, height: 844 });
    await page.route(`${base}/graphql`, async (route) => {
      const body = route.request().postDataJSON() as {
        query?: string;
        variables?: { input?: { idempotencyKey?: string } };
      };
      const key = body.variables?.input?.idempotencyKey;
      if (keys.length > 0)
        afterOrder.push({
          stream: (route.request().headers().accept ?? '').includes('text/event-stream'),
          variables: Object.keys(body.variables ?? {}),
        });
      if (key === undefined) return route.continue();
      keys.push(key);
      // The first request that can execute (it carries the text) reaches the gateway; its answer is dropped.
      if (dropped || !body.query) return route.continue();
      dropped = true;
      await route.fetch();
      return route.abort('connectionreset');
    });

    await page.goto(`${base}/app/`);
    expect(await unlabelled(page)).toEqual([]);

    // Sign in by keyboard: from the user list, Tab to the button and press Enter.
    await page.getByLabel('Demo user').focus();
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'button', text: 'Sign in', ring: true });
    await page.keyboard.press('Enter');
    await announcements.heard('Signed in as alice@buyer.example.');

    // The page opens on the group with products to offer (the first group by name has none yet)
    // and lists only products it can quote; Tab into them and pick the first with Space.
    await page.getByLabel(/Oat Drink Barista 1 L/).waitFor();
    expect(await page.getByLabel('Group').locator('option:checked').innerText()).toBe('Nordic Grocery Private Label');
    await announcements.heard('3 products loaded.');
    await page.getByLabel('Group').focus();
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({
      tag: 'input',
      label: expect.stringContaining('Oat Drink Barista 1 L'),
      ring: true,
    });
    await page.keyboard.press('Space');
    await page.getByLabel('Year of sales').selectOption('2025');
    await announcements.heard(/^Quote: [\d.]+ t CO2e for [\d.]+ EUR\.$/);
    expect(await unlabelled(page)).toEqual([]);

    // Place the order by keyboard; its answer is lost, so the page asks to try again.
    const place = page.getByRole('button', { name: /^Offset Oat Drink Barista 1 L for 2025/ });
    await place.focus();
    await page.keyboard.press('Enter');
    await page
      .getByRole('alert')
      .filter({ hasText: /same idempotency key/ })
      .waitFor();
    await announcements.heard('The order could not be confirmed; try again.');
    await place.focus();
    await page.keyboard.press('Enter');

    // The order, its payment and retirement, and the certificate link once it is complete.
    const link = page.getByRole('link', { name: 'Download the offset certificate (PDF)' });
    await link.waitFor({ timeout: 60_000 }).catch(async (error: unknown) => {
      throw new Error(
        `No certificate link; the page says: ${(await page.getByRole('alert').allInnerTexts()).join(' | ')}`,
        { cause: error },
      );
    });
    // The lost request, then the retry (its hash, then its text): one key throughout, one order.
    expect(keys.length).toBeGreaterThanOrEqual(2);
    expect(new Set(keys).size).toBe(1);
    expect(await ordersOfOatDrink(base)).toEqual([{ offsetYear: 2025, status: 'COMPLETE' }]);
    expect(await page.getByTestId('order-status').innerText()).toBe('COMPLETE');
    await announcements.heard('The certificate is ready.');
    // Each step as the subscription sends it: the payment being recorded, then recorded, then
    // the retirement (a fraction of a tonne waits for its pooled tonne, and the page says why).
    await announcements.heard(/^Order complete: order placed, payment being recorded\.$/);
    await announcements.heard(
      /^Order complete: (retired|paid, waiting for a pooled tonne \(The registry retires whole tonnes only.*\)|paid, the registry is retiring the credits.*)\.$/,
    );
    expect(await page.getByTestId('payment-status').innerText()).toMatch(/^completed \([\d.]+ EUR\)$/);
    expect(await page.getByTestId('retirement-status').innerText()).toMatch(/^(pending|retired)$/);
    // No polling: after the order, one subscription (its hash, then its text once) and the
    // certificate asked for once (likewise); the mutation retry carries `input`.
    const reads = afterOrder.filter((r) => !r.stream && !r.variables.includes('input'));
    expect(afterOrder.filter((r) => r.stream).length).toBeLessThanOrEqual(2);
    expect(reads.length).toBeLessThanOrEqual(2);
    expect(reads.every((r) => r.variables.join() === 'id')).toBe(true);
    // At 390 px nothing is wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: artifact('offset-page.png'), fullPage: true });

    const certificate = await fetch((await link.getAttribute('href'))!);
    expect(certificate.status).toBe(200);
    expect(certificate.headers.get('content-type')).toBe('application/pdf');

    // The same year offset again, after choosing another product and coming back: a second
    // order under a new key (the first key went with its answer), not the first order again.
    await page.getByLabel(/Organic Rolled Oats 750 g/).check();
    await page.getByLabel(/Oat Drink Barista 1 L/).check();
    await page.getByRole('button', { name: /^Offset Oat Drink Barista 1 L for 2025/ }).click();
    await page.getByTestId('order-status').waitFor();
    expect(new Set(keys).size).toBe(2);
    expect(await ordersOfOatDrink(base)).toHaveLength(2);
  }, 180_000);
});
