/**
 * The `reconciler` section of the configuration file: defaults filled in (short enough for `npm start`
 * to hydrate within seconds), values from the file kept, bad values refused naming the setting; and the
 * doubling wait between attempts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../api/src/config';
import { RECONCILER_DEFAULTS, retryDelaySeconds } from '../../../api/src/reconciler';

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'dve-reconciler-config-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

const env = { API_KEYS: 'reconciler-settings-key-0123456789' };
function withFile(reconciler: unknown) {
  writeFileSync(join(cwd, 'dataverse-ensure.config.json'), JSON.stringify({ reconciler, instances: { a: { local: { port: 0, memory: true }, tables: ['account'] }, b: { local: { port: 0, memory: true }, source: 'a', tables: ['account'] } } }));
  return loadConfig({ cwd, env });
}

it('fills every default; the embedded default runs rounds every 5 s', () => {
  expect(loadConfig({ cwd, env }).reconciler).toEqual(RECONCILER_DEFAULTS);
  expect(RECONCILER_DEFAULTS).toMatchObject({ enabled: true, intervalSeconds: 5, batchSize: 500, concurrency: 8, maxAttempts: 20, abandonAfterHours: 72, retryBaseSeconds: 10, retryMaxSeconds: 3600, leaseSeconds: 60, columns: {} });
});

it('keeps the file’s values over the defaults', () => {
  expect(withFile({ intervalSeconds: 1, maxAttempts: 3, columns: { account: ['name', 'telephone1'] } }).reconciler).toEqual({
    ...RECONCILER_DEFAULTS,
    intervalSeconds: 1,
    maxAttempts: 3,
    columns: { account: ['name', 'telephone1'] },
  });
});

it('refuses bad values, naming the setting', () => {
  expect(() => withFile({ batchSize: 5000 })).toThrow(/reconciler\.batchSize: /);
  expect(() => withFile({ intervalSeconds: 0 })).toThrow(/reconciler\.intervalSeconds: /);
  expect(() => withFile({ columns: { account: ['Name!'] } })).toThrow(/reconciler\.columns\.account\.0: must be a column logical name/);
  expect(() => withFile({ everySecond: true })).toThrow(/reconciler\.everySecond: is not a known setting/);
});

it('waits retryBaseSeconds after the first failed attempt, doubling up to retryMaxSeconds', () => {
  const settings = { retryBaseSeconds: 10, retryMaxSeconds: 3600 };
  expect([1, 2, 3, 9, 10, 30].map((attempts) => retryDelaySeconds(settings, attempts))).toEqual([10, 20, 40, 2560, 3600, 3600]);
  expect(retryDelaySeconds({ retryBaseSeconds: 0, retryMaxSeconds: 3600 }, 5)).toBe(0);
});
