/**
 * Swagger UI at /docs really renders in Chromium under the API's helmet Content-Security-Policy (its
 * scripts are files, not inline), lists every operation, and calls /v1 with the key it is given.
 */
import type { Browser } from 'playwright-core';
import { launchHeadlessChromium } from '../../support/headlessChromium';
import { API_KEY, TestApp } from './httpTestApp';

describe('Swagger UI (/docs) in Chromium', () => {
  const app = new TestApp();
  let browser: Browser | undefined;

  beforeAll(async () => {
    await app.start();
    browser = await launchHeadlessChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app.stop();
  });

  it('renders every operation without a CSP violation or script error, and authorizes with X-API-Key', async () => {
    const page = await browser!.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().includes('validator.swagger.io')) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(String(error)));
    await page.goto(`${app.baseUrl}/docs/`);
    await page.waitForSelector('.opblock-summary-path', { timeout: 20_000 });
    const paths = await page.$$eval('.opblock-summary-path', (elements) => elements.map((element) => element.textContent?.replace(/\u200b/g, '')));
    expect([...paths].sort()).toEqual(
      [
        '/v1/instances',
        '/v1/instances/{instance}/ensure',
        '/v1/instances/{instance}/hydrate',
        '/v1/instances/{instance}/stubs',
        '/v1/instances/{instance}/stubs/{table}/{id}',
        '/v1/instances/{instance}/submit',
        '/v1/instances/{instance}/tables',
        '/v1/instances/{instance}/tables/{table}/schema',
      ].sort(),
    );

    const status = await page.evaluate(async (key) => (await fetch('/v1/instances', { headers: { 'X-API-Key': key } })).status, API_KEY);
    expect(status).toBe(200);
    expect(problems).toEqual([]);
  }, 60_000);
});
