// GraphiQL at the gateway, in a real browser: the page loads offline, runs its default query across
// the subgraphs and shows a result without errors.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startStack, type Stack } from '../support/stack.ts';
import { artifact, launchBrowser, type Browser } from './browser.ts';

describe('GraphiQL in Chromium', () => {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    stack = await startStack('local');
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('runs the default query and shows its data without errors', async () => {
    const page = await browser.context.newPage();
    const foreignRequests: string[] = [];
    // Self-contained: the page asks nothing of any other host (blob: and data: URLs are its own).
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (/^https?:$/.test(url.protocol) && url.origin !== new URL(stack.gateway.url).origin)
        foreignRequests.push(request.url());
    });
    await page.goto(stack.gateway.url, { waitUntil: 'load' });
    const execute = page.getByRole('button', { name: /Execute query/ });
    await execute.waitFor({ timeout: 60_000 });
    const answered = page.waitForResponse(
      (r) =>
        r.url() === stack.gateway.url &&
        r.request().method() === 'POST' &&
        (r.request().postData() ?? '').includes('query Overview'),
    );
    await execute.click();
    const result = (await (await answered).json()) as { data?: Record<string, unknown>; errors?: unknown[] };
    expect(result.errors).toBeUndefined();
    expect(Object.keys(result.data ?? {})).toEqual(['products', 'nft', 'puroInventory', 'paymentStats']);
    // The result pane shows it.
    const shown = page.locator('.graphiql-response');
    await expect(shown.getByText('"products"').first().waitFor({ timeout: 30_000 })).resolves.toBeUndefined();
    expect(await shown.innerText()).not.toContain('"errors"');
    await page.screenshot({ path: artifact('graphiql.png') });
    expect(foreignRequests).toEqual([]);
  }, 120_000);
});
