/**
 * The whole service as `npm start` runs it (`startService`): two local Dataverse instances (a = source,
 * b = target) on free ports, the API on a free port, the durable queue on PGlite in a temporary data
 * folder (or PostgreSQL with `databaseUrl`), with short resilience and queue timings so tests run in
 * seconds. Helpers send actions, poll operations and drive b's faults over HTTP.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../../api/src/config';
import { createLogger } from '../../../api/src/http';
import { startService, type RunningService } from '../../../api/src/main';
import { abConfigInstances } from '../../support/abInstances';
import { seedServiceDataFolder } from '../../support/pgliteTemplate';

export const API_KEY = 'dve_test_operations_key_0123456789abcdef';

export interface QueueFixtureOptions {
  /** Extra `queue` settings. */
  queue?: Record<string, unknown>;
  /** Extra resilience settings for b. */
  resilience?: Record<string, unknown>;
  /** Reconciler settings (e.g. `{ enabled: false }` when a test counts every request b gets). */
  reconciler?: Record<string, unknown>;
  databaseUrl?: string;
  /** Reuse a data folder (restart tests). */
  cwd?: string;
  /** Fixed ports for a and b (restart tests keep them). */
  ports?: { a: number; b: number };
  /** Keep local instances on disk (restart tests). */
  persistent?: boolean;
  /** More environment variables (e.g. more `API_KEYS`, `ADMIN_API_KEYS`). */
  env?: Record<string, string>;
}

export interface QueueFixture {
  service: RunningService;
  url: string;
  cwd: string;
  logLines: string[];
  b: string;
  a: string;
  close(): Promise<void>;
}

export async function startQueueFixture(options: QueueFixtureOptions = {}): Promise<QueueFixture> {
  const cwd = options.cwd ?? mkdtempSync(join(tmpdir(), 'dve-queue-'));
  const memory = !options.persistent;
  writeFileSync(
    join(cwd, 'dataverse-ensure.config.json'),
    JSON.stringify({
      port: 0,
      logLevel: 'warn',
      queue: { pollIntervalSeconds: 0.2, retryAfterSeconds: 1, leaseSeconds: 30, ...options.queue },
      ...(options.reconciler ? { reconciler: options.reconciler } : {}),
      instances: abConfigInstances(
        { local: { port: options.ports?.a ?? 0, memory } },
        {
          local: { port: options.ports?.b ?? 0, memory },
          resilience: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 100, halfOpenAfterMs: 300, attemptTimeoutMs: 5_000, breaker: { kind: 'consecutive', threshold: 3 }, ...options.resilience },
        },
      ),
    }),
  );
  const logLines: string[] = [];
  const logger = createLogger({
    level: 'warn',
    destination: new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logLines.push(chunk.toString('utf8'));
        callback();
      },
    }),
  });
  const env: NodeJS.ProcessEnv = { API_KEYS: API_KEY, ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}), ...options.env };
  // PGlite clusters copied in where the start looks for them (no initdb); a restart keeps its data.
  seedServiceDataFolder(join(cwd, '.data'), { queue: !options.databaseUrl, localInstances: options.persistent ? ['a', 'b'] : [] });
  const service = await startService(loadConfig({ cwd, env }), { logger, shutdownTimeoutSeconds: 5 });
  return {
    service,
    url: service.url,
    cwd,
    logLines,
    a: service.instanceUrls['a']!,
    b: service.instanceUrls['b']!,
    close: async () => {
      await service.close();
      if (!options.cwd) rmSync(cwd, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers of many shapes, read by tests
  body: any;
  ms: number;
}

export async function call(url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { 'X-API-Key': API_KEY, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined, ms: performance.now() - started };
}

export async function setFault(instanceUrl: string, fault: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${instanceUrl}/_admin/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(fault) });
  if (!response.ok) throw new Error(`fault ${JSON.stringify(fault)}: ${response.status} ${await response.text()}`);
}

/** Polls an operation's Location until it is no longer 202. */
export async function pollUntilDone(location: string, timeoutMs = 30_000): Promise<Answer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await call('', 'GET', location);
    if (answer.status !== 202) return answer;
    if (Date.now() > deadline) throw new Error(`operation ${location} still pending after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until `GET /v1/operations?state=<state>` lists nothing for instance b (the queue drained). */
export async function waitForDrain(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [queued, running] = await Promise.all([call(url, 'GET', '/v1/operations?state=queued&top=1'), call(url, 'GET', '/v1/operations?state=running&top=1')]);
    if (queued.body.value.length === 0 && running.body.value.length === 0) return;
    if (Date.now() > deadline) throw new Error(`queue not drained after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Rows of a table in a local instance (through its Web API, with $count). */
export async function countRows(instanceUrl: string, entitySet: string, filter?: string): Promise<number> {
  // No $top: with it, @odata.count counts the page only (as Dataverse does).
  const query = new URLSearchParams({ $count: 'true', $select: `${entitySet === 'accounts' ? 'accountid' : entitySet === 'contacts' ? 'contactid' : 'createdon'}`, ...(filter ? { $filter: filter } : {}) });
  const response = await fetch(`${instanceUrl}/api/data/v9.2/${entitySet}?${query}`, { headers: { Prefer: 'odata.maxpagesize=5000' } });
  const body = (await response.json()) as { '@odata.count': number };
  return body['@odata.count'];
}

/** A contact with three references (two accounts by alternate key, one contact by GUID). */
export function submitWithReferences(run: string, i: number) {
  return {
    table: 'contact',
    record: { lastname: `${run} ${i}` },
    references: {
      parentcustomerid_account: { table: 'account', key: { accountnumber: `${run}-P${i % 7}` }, name: `Parent ${i % 7}` },
      masterid: { table: 'contact', key: { contactid: `00000000-0000-4000-8000-${String(i % 5).padStart(12, '0')}` }, name: `Master ${i % 5}` },
    },
  };
}

/** Every row of a table whose column starts with `prefix` (one request; the local Dataverse pages at 5000). */
export async function rowsWithPrefix(instanceUrl: string, entitySet: string, column: string, prefix: string): Promise<Array<Record<string, unknown>>> {
  const query = new URLSearchParams({ $filter: `startswith(${column},'${prefix}')` });
  const response = await fetch(`${instanceUrl}/api/data/v9.2/${entitySet}?${query}`, { headers: { Prefer: 'odata.maxpagesize=5000' } });
  return ((await response.json()) as { value: Array<Record<string, unknown>> }).value;
}

/** Runs `count` calls with `concurrency` workers; returns each answer in call order. */
export async function inParallel<T>(count: number, concurrency: number, call: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) results[i] = await call(i);
    }),
  );
  return results;
}

export async function requestLog(instanceUrl: string, since = 0): Promise<Array<{ at: number; method: string; path: string; status: number }>> {
  const response = await fetch(`${instanceUrl}/_admin/requests?since=${since}`);
  return ((await response.json()) as { value: Array<{ at: number; method: string; path: string; status: number }> }).value;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
