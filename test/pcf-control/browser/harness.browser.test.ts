/**
 * The production PendingStubs and HydrationStatus bundles in Microsoft's pcf-start test harness,
 * driven offline in Debian's headless Chromium with playwright-core: a CSV of ec_stub rows is loaded
 * into the harness, mapped to the control's property-sets, and the rendered rows and texts are
 * checked. Screenshots go to test-output/pcf-control/.
 *
 * Offline: the harness page loads React/ReactDOM 16.14.0 from a public CDN; those two requests are
 * answered from node_modules, every other request that leaves localhost is blocked (and recorded).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchHeadlessChromium } from '../../support/headlessChromium';

const repo = join(__dirname, '..', '..', '..');
const screenshots = join(repo, 'test-output', 'pcf-control');
const NOW = new Date('2026-11-26T12:00:00.000Z');
const CSV = join(__dirname, 'fixtures', 'stubs.csv');

jest.setTimeout(180_000);

interface Harness {
  url: string;
  process: ChildProcess;
  log: () => string;
}

function startHarness(projectFolder: string, constructorName: string): Promise<Harness> {
  const projectDir = join(repo, 'pcf-control', projectFolder);
  const codePath = join(projectDir, 'out', 'controls', constructorName);
  if (!existsSync(join(codePath, 'bundle.js'))) throw new Error(`${codePath} has no bundle.js (global setup should have built it)`);
  const pcfStart = join(require.resolve('pcf-start/package.json', { paths: [projectDir] }), '..', 'bin', 'pcf-start.js');
  // browser-sync starts at port 8181 and takes the next free port when that one is in use
  const child = spawn(process.execPath, [pcfStart, '--codePath', codePath], {
    cwd: projectDir,
    env: { ...process.env, PP_TOOLS_TELEMETRY_OPTOUT: 'true', BROWSER: 'none' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pcf-start printed no URL in 60 s:\n${output}`)), 60_000);
    const poll = setInterval(() => {
      const match = /Local:\s*(http:\/\/localhost:\d+)/.exec(output);
      if (match) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve({ url: match[1] as string, process: child, log: () => output });
      }
    }, 100);
    child.on('exit', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`pcf-start exited with ${code}:\n${output}`));
    });
  });
}

function stopHarness(harness: Harness | undefined): Promise<void> {
  if (!harness || harness.process.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    harness.process.removeAllListeners('exit');
    harness.process.once('exit', () => resolve());
    harness.process.kill('SIGTERM');
  });
}

interface OfflinePage {
  page: Page;
  dialogs: string[];
  blocked: string[];
  pageErrors: string[];
  /** console.error messages (pcf-start loads React's development build, so React warnings land here). */
  consoleErrors: string[];
}

async function openOffline(browser: Browser, url: string, control: string): Promise<OfflinePage> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'en-US', timezoneId: 'UTC' });
  const result: OfflinePage = { page, dialogs: [], blocked: [], pageErrors: [], consoleErrors: [] };
  // pcf-start sizes its own control pane with parseInt() of its Width/Height fields, which are empty
  // until someone types in them: its pane's style gets width NaN and React warns about that (for any
  // control). Give the fields a size, as a person trying the harness would, in the harness's own
  // local-storage entry (<namespace>.<constructor>_context), so only the control's warnings remain.
  await page.addInitScript((key) => {
    window.localStorage.setItem(key, JSON.stringify({ controlContainerWidth: 1200, controlContainerHeight: 800 }));
  }, `DataverseEnsure.${control}_context`);
  page.on('console', (message) => {
    // blocked outside requests are counted in `blocked`
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) result.consoleErrors.push(message.text());
  });
  page.on('dialog', (dialog) => {
    result.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => result.pageErrors.push(error.message));
  await page.route('**/*', async (route) => {
    const requested = new URL(route.request().url());
    if (requested.hostname === 'localhost' || requested.hostname === '127.0.0.1') return route.continue();
    const umd = /^\/(react|react-dom)@16\.14\.0\/umd\/([\w.-]+\.js)$/.exec(requested.pathname);
    if (umd) {
      const file = require.resolve(`${umd[1]}/umd/${umd[2]}`, { paths: [join(repo, 'pcf-control', 'pending-stubs')] });
      return route.fulfill({ status: 200, contentType: 'application/javascript', body: readFileSync(file) });
    }
    result.blocked.push(requested.href);
    return route.abort('blockedbyclient');
  });
  await page.clock.setFixedTime(NOW);
  await page.goto(url, { waitUntil: 'load' });
  return result;
}

async function mapDatasetColumns(page: Page, mapping: Record<string, string>): Promise<void> {
  for (const [propertySet, column] of Object.entries(mapping)) {
    const panel = page.locator('.io-panel', {
      has: page.locator('.key-value-pair-value > span', { hasText: new RegExp(`^${propertySet}$`) }),
    });
    await panel.locator('select').selectOption(column);
  }
  await page.getByRole('button', { name: 'Apply' }).click();
}

let browser: Browser | undefined;

beforeAll(async () => {
  mkdirSync(screenshots, { recursive: true });
  browser = await launchHeadlessChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe('PendingStubs in the pcf-start harness', () => {
  let harness: Harness | undefined;
  let offline: OfflinePage;

  beforeAll(async () => {
    harness = await startHarness('pending-stubs', 'PendingStubs');
    offline = await openOffline(browser as Browser, harness.url, 'PendingStubs');
    const { page } = offline;
    await page.locator('#stubsInput').waitFor({ state: 'attached' });
    await page.setInputFiles('#stubsInput', CSV);
    await mapDatasetColumns(page, {
      stubTable: 'ec_table',
      recordName: 'ec_recordname',
      recordKey: 'ec_key',
      recordId: 'ec_recordid',
      stubState: 'ec_stubstate',
      createdOn: 'createdon',
      attempts: 'ec_attempts',
      lastError: 'ec_lasterror',
      hydrationRequestedOn: 'ec_hydrationrequestedon',
      hydratedOn: 'ec_hydratedon',
    });
    await page.getByRole('button', { name: /Open Yvonne McKay/ }).waitFor();
  });

  afterAll(async () => {
    await offline?.page.close();
    await stopHarness(harness);
  });

  it('loads the production bundle with the platform React and Fluent, without errors', async () => {
    const { page } = offline;
    expect(await page.getByText('Error loading control').count()).toBe(0);
    expect(offline.pageErrors).toEqual([]);
    // no React warning either (the harness runs React's development build), e.g. a NaN width
    expect(offline.consoleErrors).toEqual([]);
    expect(harness?.log()).not.toMatch(/\[Error\]/);
    // the harness served Fluent 8.121.1 as the platform library; the CDN only served React/ReactDOM
    expect(offline.blocked.filter((url) => /react/i.test(url))).toEqual([]);
  });

  it('renders one grid row per CSV row, with the stub texts', async () => {
    const { page } = offline;
    const grid = page.getByRole('grid', { name: 'Stub records awaiting hydration' });
    await expect(grid.getByRole('row').count()).resolves.toBe(1 + 5);
    // visible text only (the exact date-times for screen readers are checked below)
    const rows = await page.locator('[data-stub-id]').evaluateAll((elements) =>
      elements.map((element) => {
        let text = (element as HTMLElement).innerText;
        element.querySelectorAll('[data-testid=age-exact]').forEach((hidden) => {
          text = text.replace((hidden as HTMLElement).innerText, ' ');
        });
        return text.replace(/\s+/g, ' ').trim();
      }),
    );
    expect(rows).toHaveLength(5);
    expect(rows[0]).toMatch(/^Contoso Ltd Key: accountnumber='A-100' account Pending 4 h Stale 4 Source instance a answered 503/);
    expect(rows[1]).toMatch(/^Nancy Davolio Key: c0c0c0c0-2222-4222-8222-000000000002 contact Pending 30 min 0 — — —$/);
    expect(rows[2]).toMatch(/^Fabrikam Inc Key: accountnumber='A-200' account Hydrated 2 d 1 — — \S/);
    expect(rows[3]).toMatch(/^Litware Key: accountnumber='A-300' account Abandoned 4 d 12 Record not found/);
    expect(rows[4]).toMatch(/^Yvonne McKay Key: emailaddress1='yvonne@example\.com' contact Pending 3 d Stale 7 /);
    // each age also carries its exact date-time as text for screen readers
    const exact = await page.getByTestId('age-exact').allTextContents();
    expect(exact).toHaveLength(5);
    for (const text of exact) expect(text).toMatch(/^Created \S.*2026/);
  });

  it('highlights exactly the stale pending rows (older than 60 min), by colour and by a "Stale" marker', async () => {
    const { page } = offline;
    const stale = await page.locator('[data-stub-id]').evaluateAll((elements) =>
      elements.map((element) => ({
        stale: element.getAttribute('data-stale'),
        background: getComputedStyle(element.querySelector('[role=row]') as Element).backgroundColor,
        marker: (element as HTMLElement).innerText.includes('Stale'),
      })),
    );
    expect(stale.map((row) => row.stale)).toEqual(['true', 'false', 'false', 'false', 'true']);
    expect(stale.map((row) => row.marker)).toEqual([true, false, false, false, true]);
    expect(stale[0]?.background).toBe('rgb(255, 244, 206)');
    expect(stale[1]?.background).not.toBe('rgb(255, 244, 206)');
  });

  it('shows the header summary counted over the rows (the harness has no Web API), and paging', async () => {
    const { page } = offline;
    const summary = page.getByRole('list', { name: 'Summary of stub records' });
    await expect(summary.innerText()).resolves.toMatch(/Pending on this page: 3\s+Oldest pending: 3 d\s+Hydrated in the last 24 h on this page: 1/);
    // the whole-table query was tried once and the harness said it cannot do it
    expect(offline.dialogs).toEqual(['Your control is trying to retrieve multiple records. This is not yet supported.']);
    await expect(page.getByTestId('paging-status').innerText()).resolves.toBe('Page 1 of 5 records');
  });

  it('shows the exact date-time of an age in a tooltip', async () => {
    const { page } = offline;
    await page.locator('[data-stub-id] time').first().hover();
    await expect(page.getByText(/^Created .*2026/).first().innerText()).resolves.toMatch(/Created .*26.*2026|Created 11\/26\/2026/);
  });

  it('writes screenshots of the control and of the whole harness', async () => {
    const { page } = offline;
    await page.mouse.move(0, 0);
    await page.waitForTimeout(500);
    await page.getByTestId('pending-stubs').screenshot({ path: join(screenshots, 'pending-stubs.png') });
    await page.screenshot({ path: join(screenshots, 'pending-stubs-harness.png'), fullPage: true });
    expect(existsSync(join(screenshots, 'pending-stubs.png'))).toBe(true);
  });

  it('selects rows and requests hydration through the (unsupported) harness Web API, reporting the failure', async () => {
    const { page } = offline;
    const contoso = page.locator('[data-stub-id="id0"]');
    await contoso.getByRole('checkbox').click();
    await expect(page.getByText('1 selected').count()).resolves.toBe(1);
    const before = offline.dialogs.length;
    await page.getByRole('button', { name: /Request hydration/ }).click();
    await page.getByText(/Hydration could not be requested for 1 of 1 records/).waitFor();
    expect(offline.dialogs.slice(before)).toEqual(['Your control is trying to update a record. This is not yet supported.']);
    await page.getByTestId('pending-stubs').screenshot({ path: join(screenshots, 'pending-stubs-request-hydration.png') });
    // the message can be closed, with a drawn (not font) icon
    const close = page.getByRole('button', { name: 'Close message' });
    const box = await close.locator('svg[data-icon=dismiss]').boundingBox();
    expect(box?.width).toBeGreaterThan(0);
    await close.click();
    await expect(page.getByText(/Hydration could not be requested/).count()).resolves.toBe(0);
  });
});

describe('HydrationStatus in the pcf-start harness', () => {
  let harness: Harness | undefined;
  let offline: OfflinePage;

  beforeAll(async () => {
    harness = await startHarness('hydration-status', 'HydrationStatus');
    offline = await openOffline(browser as Browser, harness.url, 'HydrationStatus');
    await offline.page.getByText('HydrationStatus').first().waitFor();
    await offline.page.waitForTimeout(1000);
  });

  afterAll(async () => {
    await offline?.page.close();
    await stopHarness(harness);
  });

  it('loads without errors and, with no form record in the harness, shows nothing and asks nothing', async () => {
    const { page } = offline;
    expect(await page.getByText('Error loading control').count()).toBe(0);
    expect(offline.pageErrors).toEqual([]);
    expect(offline.consoleErrors).toEqual([]);
    expect(offline.dialogs).toEqual([]);
    expect(await page.locator('[data-hydration-status]').count()).toBe(0);
    await page.screenshot({ path: join(screenshots, 'hydration-status-harness.png') });
  });
});
