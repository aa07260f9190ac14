import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { gql } from '../helpers/graphql';
import { startTestServer, type TestServer } from '../helpers/server';

/** What the page-side functions use of the browser's globals. */
interface PageGlobals {
  document: {
    querySelector(selector: string): {
      textContent: string | null;
      CodeMirror?: { getValue(): string };
    } | null;
  };
}

/** Debian's chromium (installed by .ci/run), or CHROMIUM_PATH. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('the in-browser GraphQL IDE (GraphiQL, offline)', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`no browser at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`);
    }
    // Development: the demo key is pre-filled as a header.
    server = await startTestServer({ NODE_ENV: 'development' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('opens from GET /graphql, runs the quote example with the demo key, and never leaves localhost', async () => {
    const page = await browser.newPage();
    const offsite: string[] = [];
    const failed: string[] = [];
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (!['127.0.0.1', 'localhost'].includes(url.hostname)) {
        offsite.push(url.href);
        return route.abort();
      }
      return route.continue();
    });
    page.on('response', (response) => {
      if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
    });
    page.on('pageerror', (error) => failed.push(`page error: ${error.message}`));

    await page.goto(server.url);
    await page.waitForSelector('.graphiql-execute-button', { timeout: 20_000 });
    // The examples are tabs; the first is the quote query, with its variables.
    const tabs = await page.locator('.graphiql-tab').allTextContents();
    expect(tabs.length).toBeGreaterThanOrEqual(10);
    expect(tabs[0]).toContain('Quote');
    await page.click('.graphiql-execute-button');
    // Functions run in the page (serialized: self-contained; types here are erased).
    // Functions, not strings: the page's CSP forbids eval.
    await page.waitForFunction(
      () =>
        (globalThis as unknown as PageGlobals).document
          .querySelector('.result-window')
          ?.textContent?.includes('"price"'),
      null,
      { timeout: 20_000 },
    );
    const text = await page.evaluate(() =>
      (globalThis as unknown as PageGlobals).document
        .querySelector('.result-window .CodeMirror')!
        .CodeMirror!.getValue(),
    );
    const result = JSON.parse(text);
    expect(result.data.quote.symbol).toBe('AAPL');
    const direct = await gql<{ quote: { price: number } }>(
      server.url,
      '{ quote(symbol: "AAPL") { price } }',
      { apiKey: server.app.demo!.apiKey },
    );
    expect(result.data.quote.price).toBe(direct.body.data!.quote.price);

    // The docs explorer reads the schema from introspection.
    await page.click('button[aria-label="Show Documentation Explorer"]');
    await page.waitForSelector('.graphiql-doc-explorer', { timeout: 10_000 });
    expect(await page.textContent('.graphiql-doc-explorer')).toContain('Query');

    expect(offsite).toEqual([]);
    expect(failed).toEqual([]);
    await page.close();
  });

  it('serves its assets from the gateway, and the page under a same-origin Content-Security-Policy', async () => {
    const page = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    for (const src of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
      const asset = await fetch(new URL(src[1], server.url));
      expect({ src: src[1], status: asset.status }).toEqual({ src: src[1], status: 200 });
    }
    // Only the listed assets: nothing else of the disk is reachable through the path.
    for (const asset of ['nope.js', '../package.json', '..%2Fpackage.json']) {
      const response = await fetch(new URL(`/ide/assets/${asset}`, server.url));
      expect({ asset, status: response.status }).toEqual({ asset, status: 404 });
    }
    // An API client's GET is still GraphQL, not the page.
    const api = await fetch(`${server.url}?query=${encodeURIComponent('{ plans { name } }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    const answer = (await api.json()) as { data: { plans: unknown[] } };
    expect(answer.data.plans).toHaveLength(4);
  });
});
