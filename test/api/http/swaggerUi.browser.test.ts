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
    const operations = await page.$$eval('.opblock-summary', (elements) =>
      elements.map((element) => `${element.querySelector('.opblock-summary-method')?.textContent ?? ''} ${element.querySelector('.opblock-summary-path')?.textContent?.replace(/\u200b/g, '') ?? ''}`),
    );
    expect([...operations].sort()).toEqual(
      [
        'GET /v1/instances',
        'POST /v1/instances/{instance}/ensure',
        'POST /v1/instances/{instance}/submit',
        'POST /v1/instances/{instance}/hydrate',
        'GET /v1/instances/{instance}/stubs',
        'GET /v1/instances/{instance}/stubs/summary',
        'GET /v1/instances/{instance}/stubs/{table}/{id}',
        'POST /v1/instances/{instance}/subscriptions',
        'GET /v1/subscriptions',
        'GET /v1/subscriptions/{id}',
        'DELETE /v1/subscriptions/{id}',
        'GET /v1/instances/{instance}/tables',
        'GET /v1/instances/{instance}/tables/{table}/schema',
        'GET /v1/operations',
        'GET /v1/operations/{id}',
        'POST /v1/operations/{id}/retry',
        'POST /v1/operations/{id}/cancel',
      ].sort(),
    );

    const status = await page.evaluate(async (key) => (await fetch('/v1/instances', { headers: { 'X-API-Key': key } })).status, API_KEY);
    expect(status).toBe(200);
    expect(problems).toEqual([]);
  }, 60_000);
});
