/**
 * `npm run bench:hydration` — the reconciler's throughput: BENCH_STUBS (default 1,000) Pending stubs in
 * the target whose records exist in the source, hydrated by the reconciler as `npm start` runs it (the
 * core over HTTP, the lease in pg-boss on in-memory PGlite), against two local Dataverse instances in
 * their own processes (in memory). Prints hydrated stubs/s from the first round to the last stub, and
 * the Dataverse requests per hydrated stub: source reads, target requests, total (HTTP requests as the
 * local Dataverse counts them, a `$batch` being one).
 *
 * Twice: with no added latency (loopback, every request costs only CPU on the same two cores), and
 * with BENCH_LATENCY_MS (default 10) added to every request of both instances — a conservative model of
 * a real Dataverse round trip. Exits 1 when the loopback run is under 200 stubs/s or reads the source
 * more than 0.1 times per stub (targets of issue 8).
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pino from 'pino';
import { createEnsureCore } from '../src/core/createEnsureCore';
import type { CoreInstance } from '../src/core/InstanceRegistry';
import { WebApiClient } from '../src/dataverse';
import { createQueue } from '../src/database/createQueue';
import { startReconciler, type ReconcilerSettingsInput } from '../src/reconciler';
import { LOCAL_DATAVERSE_READY, startChild, stopChild } from './childProcesses';

const STUBS = Number(process.env.BENCH_STUBS ?? 1000);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 10);
const SETTINGS: ReconcilerSettingsInput = {
  enabled: false,
  ...(process.env.BENCH_BATCH_SIZE ? { batchSize: Number(process.env.BENCH_BATCH_SIZE) } : {}),
  ...(process.env.BENCH_CONCURRENCY ? { concurrency: Number(process.env.BENCH_CONCURRENCY) } : {}),
};
const TARGET_STUBS_PER_SECOND = 200;
const MAX_SOURCE_REQUESTS_PER_STUB = 0.1;

interface Figures {
  stubsPerSecond: number;
  rounds: number;
  sourcePerStub: number;
  targetPerStub: number;
  totalPerStub: number;
}

async function admin(url: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${url}/_admin/${path}`, body === undefined ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return response.json();
}

async function requests(url: string): Promise<number> {
  return ((await admin(url, 'stats')) as { http: { total: number } }).http.total;
}

async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let i = next++; i < items.length; i = next++) await work(items[i]!);
  }));
}

async function run(sourceUrl: string, targetUrl: string, latencyMs: number): Promise<Figures> {
  const source = new WebApiClient({ url: sourceUrl });
  const target = new WebApiClient({ url: targetUrl });
  const instances: CoreInstance[] = [
    { name: 'a', url: sourceUrl, client: source, tables: ['account'], stubDefaults: {} },
    { name: 'b', url: targetUrl, client: target, source: 'a', tables: ['account'], stubDefaults: {} },
  ];
  const core = createEnsureCore({ instances });
  const boss = await createQueue({ memory: true, boss: { supervise: false, schedule: false } });
  try {
    // 1,000 accounts in the source (change sets of 100), then a stub of each in the target.
    const ids = Array.from({ length: STUBS }, () => randomUUID());
    for (let i = 0; i < ids.length; i += 100) {
      const result = await source.executeBatch([
        { changeSet: ids.slice(i, i + 100).map((id, j) => ({ method: 'PATCH' as const, target: { entitySet: 'accounts', key: id }, body: { name: `Account ${i + j}`, accountnumber: `H-${id.slice(0, 13)}`, telephone1: '+1 555 0100', revenue: 1000 + j, description: 'Hydrated by the reconciler' } })) },
      ]);
      if (!result.ok) throw new Error(`seeding the source failed: ${result.errors[0]?.message}`);
    }
    await inParallel(ids, 16, async (id) => {
      const ensured = await core.ensure('b', { table: 'account', key: { accountid: id }, name: 'Stub' }, { origin: 'bench' });
      if (ensured.outcome !== 'created-stub') throw new Error(`expected a stub of ${id}, got ${ensured.outcome}`);
    });
    // Warm the metadata cache (as a running service has it), then measure from a clean count.
    await source.getEntityMetadata('account');
    await target.getEntityMetadata('ec_stub').catch(() => undefined);
    await Promise.all([sourceUrl, targetUrl].map((url) => admin(url, 'faults', latencyMs > 0 ? { mode: 'slow', latencyMs } : { mode: 'none' })));
    await Promise.all([sourceUrl, targetUrl].map((url) => admin(url, 'stats/reset', {})));

    const reconciler = startReconciler({ instances, service: core, db: boss.getDb(), settings: SETTINGS, logger: pino({ level: 'silent' }) });
    const started = performance.now();
    let hydrated = 0;
    let rounds = 0;
    while (hydrated < STUBS) {
      const report = await reconciler.runOnce();
      rounds++;
      const instance = report.instances[0];
      if (!instance || instance.error || instance.examined === 0) throw new Error(`round ${rounds} made no progress: ${JSON.stringify(report)}`);
      hydrated += instance.hydrated;
    }
    const seconds = (performance.now() - started) / 1000;
    await reconciler.stop();
    const [sourceRequests, targetRequests] = await Promise.all([requests(sourceUrl), requests(targetUrl)]);
    const pending = await core.listStubs('b', { state: 'Pending', top: 1 });
    if (pending.value.length > 0) throw new Error('stubs are still Pending after the run');
    return {
      stubsPerSecond: STUBS / seconds,
      rounds,
      sourcePerStub: sourceRequests / STUBS,
      targetPerStub: targetRequests / STUBS,
      totalPerStub: (sourceRequests + targetRequests) / STUBS,
    };
  } finally {
    await Promise.all([sourceUrl, targetUrl].map((url) => admin(url, 'faults', { mode: 'none' }).catch(() => undefined)));
    await boss.stop({ graceful: false });
    await Promise.all([source.close(), target.close()]);
  }
}

async function startInstance(): Promise<{ child: ChildProcess; url: string }> {
  return startChild(join(__dirname, '../src/local-dataverse/cli.ts'), ['--port', '0', '--memory'], {}, LOCAL_DATAVERSE_READY);
}

function line(label: string, figures: Figures): string {
  return [
    `${label.padEnd(30)} ${figures.stubsPerSecond.toFixed(0).padStart(6)} stubs/s`,
    `${String(figures.rounds).padStart(3)} rounds`,
    `source ${figures.sourcePerStub.toFixed(3)} req/stub`,
    `target ${figures.targetPerStub.toFixed(3)} req/stub`,
    `total ${figures.totalPerStub.toFixed(3)} req/stub`,
  ].join('   ');
}

async function main(): Promise<void> {
  const children: ChildProcess[] = [];
  try {
    const results: Array<[string, Figures]> = [];
    for (const latency of [0, LATENCY_MS]) {
      // Fresh instances per run: the second run starts from empty tables too.
      const [source, target] = await Promise.all([startInstance(), startInstance()]);
      children.push(source.child, target.child);
      results.push([latency === 0 ? 'loopback' : `+${latency} ms per request`, await run(source.url, target.url, latency)]);
      await Promise.all([stopChild(source.child), stopChild(target.child)]);
      children.length = 0;
    }
    process.stdout.write(`\nHydration by the reconciler: ${STUBS} Pending stubs, source and target local Dataverse (own processes, in memory)\n`);
    for (const [label, figures] of results) process.stdout.write(`${line(label, figures)}\n`);
    const loopback = results[0]![1];
    const misses: string[] = [];
    if (loopback.stubsPerSecond < TARGET_STUBS_PER_SECOND) misses.push(`${loopback.stubsPerSecond.toFixed(0)} stubs/s is under ${TARGET_STUBS_PER_SECOND}`);
    if (loopback.sourcePerStub > MAX_SOURCE_REQUESTS_PER_STUB) misses.push(`${loopback.sourcePerStub.toFixed(3)} source requests per stub is over ${MAX_SOURCE_REQUESTS_PER_STUB}`);
    if (misses.length > 0) {
      process.stdout.write(`Below target: ${misses.join('; ')}\n`);
      process.exitCode = 1;
    }
  } finally {
    await Promise.all(children.map((child) => stopChild(child)));
  }
}

main().catch((error: unknown) => {
  console.error(`bench:hydration failed: ${(error as Error).stack ?? error}`);
  process.exit(1);
});
