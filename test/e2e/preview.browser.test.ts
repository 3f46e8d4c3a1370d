/**
 * The local preview page `/preview/stubs` end to end: two in-memory local Dataverse instances (a =
 * source, b = target), the core over HTTP, `createApp` with the preview on a free port; stubs created
 * through `service.ensure`, one hydrated. Debian's headless Chromium (playwright-core) opens the page
 * with every request that leaves this machine blocked, checks the rows, texts and header numbers the
 * PendingStubs control's own components render, requests hydration for a selected row (and checks
 * `ec_hydrationrequestedon` in the local Dataverse), and writes screenshots to test-output/preview/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchHeadlessChromium } from '../support/headlessChromium';
import { hashApiKey } from '../../api/src/config/ApiKeys';
import { createApp, createLogger } from '../../api/src/http';
import { isLoopbackHostName, previewEnabled } from '../../api/src/http/preview/previewPage';
import { CoreFixture, context } from '../api/core/coreFixture';

const repo = join(__dirname, '..', '..');
const screenshots = join(repo, 'test-output', 'preview');
const API_KEY = 'preview-test-key-0123456789';
const REMOTE_HOST = 'preview.test';

jest.setTimeout(120_000);

/** What the row texts are read through (the root tsconfig has no DOM library). */
interface DomNode {
  innerText: string;
  querySelectorAll(selector: string): { forEach(visit: (node: DomNode) => void): void };
}

/** Retries `read` until `check` stops throwing (the page renders asynchronously). */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => void, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    try {
      check(value);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

interface Problems {
  errors: string[];
  blocked: string[];
}

function listen(app: ReturnType<typeof createApp>): Promise<{ server: Server; url: string }> {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1');
    server.once('listening', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
    server.once('error', reject);
  });
}

/** A raw request with any Host header (fetch does not let a test set it). */
function rawRequest(url: string, options: { method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.once('error', reject);
    request.end(options.body);
  });
}

describe('local preview page /preview/stubs', () => {
  const fixture = new CoreFixture();
  let server: Server | undefined;
  let baseUrl = '';
  let browser: Browser | undefined;
  let page: Page;
  const problems: Problems = { errors: [], blocked: [] };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    await fixture.start();
    const app = createApp({
      service: fixture.core,
      config: { apiKeys: [{ name: 'test', sha256: hashApiKey(API_KEY) }] },
      logger: createLogger({ level: 'silent' }),
      preview: {
        instances: [
          { name: 'a' },
          { name: 'b', source: 'a' },
        ],
      },
    });
    ({ server, url: baseUrl } = await listen(app));

    const contoso = await fixture.core.ensure('b', { table: 'account', key: { accountnumber: 'A-100' }, name: 'Contoso' }, context);
    const fabrikam = await fixture.core.ensure('b', { table: 'account', key: { accountnumber: 'A-200' }, name: 'Fabrikam' }, context);
    const adams = await fixture.core.ensure('b', { table: 'contact', key: { contactid: 'c0c0c0c0-1111-4111-8111-000000000001' }, name: 'Adams' }, context);
    ids['contoso'] = contoso.id;
    ids['fabrikam'] = fabrikam.id;
    ids['adams'] = adams.id;
    const hydrated = await fixture.core.hydrate('b', { table: 'account', key: { accountnumber: 'A-200' }, record: { name: 'Fabrikam Inc' } }, context);
    expect(hydrated.wasStub).toBe(true);

    // a host name that is not loopback but reaches this machine: the page as seen from another machine
    browser = await launchHeadlessChromium([`--host-resolver-rules=MAP ${REMOTE_HOST} 127.0.0.1`]);
    page = await browser.newPage({ viewport: { width: 1440, height: 760 }, locale: 'en-US', timezoneId: 'UTC' });
    page.on('pageerror', (error) => problems.errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.errors.push(message.text());
    });
    await page.route('**/*', async (route) => {
      const requested = new URL(route.request().url());
      if (requested.hostname === '127.0.0.1') return route.continue();
      problems.blocked.push(requested.href);
      return route.abort('blockedbyclient');
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    await fixture.stop();
  });

  it('serves the page under a strict Content-Security-Policy: scripts from itself only, nothing inline', async () => {
    const response = await fetch(`${baseUrl}/preview/stubs`);
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    const scriptSrc = /(?:^|;)\s*script-src ([^;]*)/.exec(csp)?.[1];
    expect(scriptSrc).toBe("'self'");
    expect(csp).toMatch(/script-src-attr 'none'/);
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/connect-src 'self'/);
    const html = await response.text();
    expect(html).toMatch(/<script src="\/preview\/stubs\/app\.js"><\/script>/);
    expect(html.match(/<script/g)).toHaveLength(1);
    const script = await fetch(`${baseUrl}/preview/stubs/app.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^application\/javascript/);
    const etag = script.headers.get('etag');
    expect(etag).toBeTruthy();
    expect((await fetch(`${baseUrl}/preview/stubs/app.js`, { headers: { 'If-None-Match': etag! } })).status).toBe(304);
  });

  it('renders the live stubs of instance b with the control\'s components: rows, state texts, header numbers', async () => {
    await page.goto(`${baseUrl}/preview/stubs`);
    const grid = page.getByRole('grid', { name: 'Stub records awaiting hydration' });
    await page.locator('[data-stub-id]').first().waitFor({ timeout: 30_000 });
    await expect(grid.getByRole('row').count()).resolves.toBe(1 + 3);
    // visible text only (without the exact date-times kept for screen readers)
    const rows = await page.locator('[data-stub-id]').evaluateAll((elements) =>
      elements.map((element) => {
        const node = element as unknown as DomNode;
        let text = node.innerText;
        node.querySelectorAll('[data-testid=age-exact]').forEach((hidden) => {
          text = text.replace(hidden.innerText, ' ');
        });
        return text.replace(/\s+/g, ' ').trim();
      }),
    );
    // listStubs answers oldest first; these three were created within the same second, so no order here
    expect(rows).toHaveLength(3);
    const byName = (name: string) => rows.find((row) => row.startsWith(`${name} `));
    expect(byName('Contoso')).toMatch(/^Contoso Key: \{"accountnumber":"A-100"\} account Pending just now 0 — — —$/);
    expect(byName('Fabrikam')).toMatch(/^Fabrikam Key: \{"accountnumber":"A-200"\} account Hydrated just now 0 — — \w{3} \d{1,2}, 2\d{3}, /);
    expect(byName('Adams')).toMatch(/^Adams Key: c0c0c0c0-1111-4111-8111-000000000001 contact Pending just now 0 — — —$/);

    const summary = page.getByRole('list', { name: 'Summary of stub records' });
    // counted over the whole table by the preview router (not "on this page")
    await eventually(() => summary.innerText(), (text) => expect(text).toMatch(/^Pending: 2\s+Oldest pending: just now\s+Hydrated in the last 24 h: 1$/));
    await expect(page.getByTestId('paging-status').innerText()).resolves.toMatch(/^Page 1/);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Pending stubs — instance b');
  });

  it('writes a screenshot of the preview', async () => {
    await page.mouse.move(0, 0);
    await page.waitForTimeout(300);
    await page.locator('.preview').screenshot({ path: join(screenshots, 'pending-stubs-local-preview.png') });
    await page.screenshot({ path: join(screenshots, 'pending-stubs-local-preview-page.png'), fullPage: true });
    expect(existsSync(join(screenshots, 'pending-stubs-local-preview.png'))).toBe(true);
  });

  it('"Open record" shows which form a model-driven app would open: the stubbed table and id', async () => {
    await page.getByRole('button', { name: 'Open Adams (contact)' }).click();
    const notice = page.getByTestId('open-record-notice');
    await expect(notice.innerText()).resolves.toContain(`contact form of record ${ids['adams']}`);
    await expect(notice.innerText()).resolves.toContain(`etn=contact&id=${ids['adams']}`);
    await notice.getByRole('button', { name: 'Close' }).click();
    await expect(notice.count()).resolves.toBe(0);
  });

  it('sorts the loaded page on the client', async () => {
    await page.getByRole('columnheader', { name: /^Record/ }).click();
    const names = () => page.locator('[data-stub-id] [role=gridcell] button').allTextContents();
    await eventually(names, (value) => expect(value).toEqual(['Adams', 'Contoso', 'Fabrikam']));
    await page.getByRole('columnheader', { name: /^Record/ }).click();
    await eventually(names, (value) => expect(value).toEqual(['Fabrikam', 'Contoso', 'Adams']));
  });

  it('"Request hydration" on a selected row sets ec_hydrationrequestedon in the local Dataverse', async () => {
    const before = await fixture.core.getStub('b', 'account', ids['contoso']!);
    expect(before?.hydrationRequestedOn).toBeNull();
    // a fresh page: selecting the record link above also selected its row
    await page.goto(`${baseUrl}/preview/stubs`);
    const contoso = page.locator('[data-stub-id]', { hasText: 'Contoso' });
    await contoso.getByRole('checkbox').click();
    await expect(page.getByText('1 selected').count()).resolves.toBe(1);
    const started = Date.now();
    await page.getByRole('button', { name: /Request hydration/ }).click();
    await page.getByText('Hydration requested for 1 records.').waitFor();

    const row = await fixture.get(fixture.b, `ec_stubs?$select=ec_hydrationrequestedon&$filter=${encodeURIComponent(`ec_recordid eq ${ids['contoso']}`)}`);
    const requestedOn = row.body.value[0].ec_hydrationrequestedon as string;
    expect(Math.abs(Date.parse(requestedOn) - started)).toBeLessThan(60_000);
    // only the selected row
    expect((await fixture.core.getStub('b', 'contact', ids['adams']!))?.hydrationRequestedOn).toBeNull();
    // the grid refreshed: the column now shows a date for Contoso
    await eventually(() => contoso.innerText(), (text) => expect(text.replace(/\s+/g, ' ')).not.toMatch(/Pending just now 0 — — —/));
    await page.locator('.preview').screenshot({ path: join(screenshots, 'pending-stubs-local-preview-requested.png') });
  });

  it('?instance= picks another configured instance (a has no stubs: the empty state) and refuses unknown names', async () => {
    await page.goto(`${baseUrl}/preview/stubs?instance=a`);
    await page.getByText('No records are waiting for hydration').waitFor({ timeout: 30_000 });
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Pending stubs — instance a');
    const unknown = await fetch(`${baseUrl}/preview/stubs?instance=zz`);
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toMatch(/configured instances: a, b/);
    expect((await fetch(`${baseUrl}/preview/stubs/api/stubs?instance=zz`)).status).toBe(400);
  });

  it('pages through the skip tokens: next, previous, first', async () => {
    for (let index = 0; index < 25; index++) {
      const guid = `c0c0c0c0-2222-4222-8222-${String(index).padStart(12, '0')}`;
      await fixture.core.ensure('b', { table: 'contact', key: { contactid: guid }, name: `Paging ${String(index).padStart(2, '0')}` }, context);
    }
    await page.goto(`${baseUrl}/preview/stubs`);
    const rows = page.locator('[data-stub-id]');
    const status = page.getByTestId('paging-status');
    await eventually(() => rows.count(), (count) => expect(count).toBe(25), 30_000);
    await expect(status.innerText()).resolves.toBe('Page 1');
    expect(await page.getByRole('button', { name: 'Previous page' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Next page' }).click();
    await eventually(() => status.innerText(), (text) => expect(text).toBe('Page 2'));
    await eventually(() => rows.count(), (count) => expect(count).toBe(3));
    expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await eventually(() => status.innerText(), (text) => expect(text).toBe('Page 1'));
    await eventually(() => rows.count(), (count) => expect(count).toBe(25));
    await page.getByRole('button', { name: 'Next page' }).click();
    await eventually(() => status.innerText(), (text) => expect(text).toBe('Page 2'));
    await page.getByRole('button', { name: 'First page' }).click();
    await eventually(() => status.innerText(), (text) => expect(text).toBe('Page 1'));
    // the header still counts the whole table, not the page
    const summary = page.getByRole('list', { name: 'Summary of stub records' });
    await eventually(() => summary.innerText(), (text) => expect(text).toMatch(/^Pending: 27\s/));
  });

  it('had no script error, CSP violation or request leaving the machine', () => {
    expect(problems.errors).toEqual([]);
    expect(problems.blocked).toEqual([]);
  });

  it('seen from another machine, the page asks for the API key and then shows the stubs', async () => {
    const port = new URL(baseUrl).port;
    const remote = await browser!.newPage({ viewport: { width: 1440, height: 760 }, locale: 'en-US', timezoneId: 'UTC' });
    const remoteErrors: string[] = [];
    remote.on('pageerror', (error) => remoteErrors.push(error.message));
    await remote.route('**/*', (route) => (new URL(route.request().url()).hostname === REMOTE_HOST ? route.continue() : route.abort('blockedbyclient')));
    try {
      await remote.goto(`http://${REMOTE_HOST}:${port}/preview/stubs`);
      const form = remote.getByRole('form', { name: 'API key' });
      await form.waitFor({ timeout: 30_000 });
      await remote.getByText(/could not be loaded: .*X-API-Key/).waitFor();
      await form.locator('input[type=password]').fill(API_KEY);
      await form.getByRole('button', { name: 'Use key' }).click();
      await remote.locator('[data-stub-id]').first().waitFor();
      await expect(form.count()).resolves.toBe(0);
      await eventually(() => remote.getByRole('list', { name: 'Summary of stub records' }).innerText(), (text) => expect(text).toMatch(/^Pending: \d+\s/));
      expect(remoteErrors).toEqual([]);
    } finally {
      await remote.close();
    }
  });

  it('answers its JSON to local requests without a key, to any other only with the API key', async () => {
    const path = `${baseUrl}/preview/stubs/api/summary`;
    const local = await rawRequest(path, {});
    expect(local.status).toBe(200);
    expect(JSON.parse(local.body)).toEqual({ complete: true, pendingCount: 27, oldestPendingCreatedOn: expect.any(String), hydratedLast24h: 1 });
    // a foreign Host (DNS rebinding, a proxy) is not local
    expect((await rawRequest(path, { headers: { Host: 'preview.example.com' } })).status).toBe(401);
    expect((await rawRequest(path, { headers: { Host: 'preview.example.com', 'X-API-Key': 'wrong' } })).status).toBe(401);
    expect((await rawRequest(path, { headers: { Host: 'preview.example.com', 'X-API-Key': API_KEY } })).status).toBe(200);
  });

  it('writes only ec_hydrationrequestedon, only as JSON, only from its own origin', async () => {
    const url = `${baseUrl}/preview/stubs/api/stubs/${ids['adams']}?instance=b`;
    const stubId = (await fixture.core.getStub('b', 'contact', ids['adams']!))!.id;
    const stubUrl = `${baseUrl}/preview/stubs/api/stubs/${stubId}?instance=b`;
    const json = { 'Content-Type': 'application/json' };
    const now = new Date().toISOString();
    const foreign = await fetch(stubUrl, { method: 'PATCH', headers: { ...json, Origin: 'http://evil.example' }, body: JSON.stringify({ ec_hydrationrequestedon: now }) });
    expect(foreign.status).toBe(401);
    const text = await fetch(stubUrl, { method: 'PATCH', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ ec_hydrationrequestedon: now }) });
    expect(text.status).toBe(415);
    const other = await fetch(stubUrl, { method: 'PATCH', headers: json, body: JSON.stringify({ ec_hydrationrequestedon: now, ec_stubstate: 100000001 }) });
    expect(other.status).toBe(400);
    // the record id is not an ec_stub row id
    const missing = await fetch(url, { method: 'PATCH', headers: json, body: JSON.stringify({ ec_hydrationrequestedon: now }) });
    expect(missing.status).toBe(404);
    expect((await fixture.core.getStub('b', 'contact', ids['adams']!))?.hydrationRequestedOn).toBeNull();
    const same = await fetch(stubUrl, { method: 'PATCH', headers: { ...json, Origin: baseUrl }, body: JSON.stringify({ ec_hydrationrequestedon: now }) });
    expect(same.status).toBe(204);
    expect((await fixture.core.getStub('b', 'contact', ids['adams']!))?.hydrationRequestedOn).not.toBeNull();
  });

  it('is not served when createApp gets no preview option', async () => {
    const plain = await listen(createApp({ service: fixture.core, config: { apiKeys: [] }, logger: createLogger({ level: 'silent' }) }));
    try {
      expect((await fetch(`${plain.url}/preview/stubs`)).status).toBe(404);
      expect((await fetch(`${plain.url}/preview/stubs/api/summary`)).status).toBe(404);
    } finally {
      await new Promise<void>((resolve) => plain.server.close(() => resolve()));
    }
  });
});

describe('previewEnabled (what npm start decides)', () => {
  it('serves the preview on a loopback bind, or when PREVIEW=true; PREVIEW=false turns it off', () => {
    expect(previewEnabled('127.0.0.1', {})).toBe(true);
    expect(previewEnabled('localhost', {})).toBe(true);
    expect(previewEnabled('::1', {})).toBe(true);
    expect(previewEnabled('0.0.0.0', {})).toBe(false);
    expect(previewEnabled('10.1.2.3', {})).toBe(false);
    expect(previewEnabled('0.0.0.0', { PREVIEW: 'true' })).toBe(true);
    expect(previewEnabled('127.0.0.1', { PREVIEW: 'false' })).toBe(false);
    expect(isLoopbackHostName('[::1]')).toBe(true);
    expect(isLoopbackHostName('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopbackHostName('127.evil.example')).toBe(false);
  });
});
