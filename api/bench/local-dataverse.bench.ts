/**
 * `npm run bench:local-dataverse` — throughput of the local Dataverse over HTTP at a fixed concurrency:
 * single creates, keyed reads, conditional upserts (If-None-Match: *) and 10-operation change sets.
 * The server runs in its own process on a fresh data folder (PGlite, as `npm start` uses it), then in
 * memory. Each figure is also printed as a ratio to a baseline measured in the same run: a no-op admin
 * request on the same server, i.e. the bare HTTP round trip of this machine.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { LOCAL_DATAVERSE_READY, startChild, stopChild } from './childProcesses';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const OPERATIONS = Number(process.env.BENCH_OPERATIONS ?? 4000);
const CLI = join(__dirname, '../src/local-dataverse/cli.ts');
const CRLF = '\r\n';
/** The load generator uses undici's request API: fetch would cost more CPU than the server under test. */
const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 30_000 });

async function call(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; text: string }> {
  const response = await request(url, { method: (init.method ?? 'GET') as 'GET', headers: init.headers, body: init.body, dispatcher: agent });
  return { status: response.statusCode, text: await response.body.text() };
}

function startServer(args: string[]) {
  return startChild(CLI, ['--port', '0', ...args], {}, LOCAL_DATAVERSE_READY);
}

/** Runs `count` operations with CONCURRENCY in flight; returns operations per second. */
async function measure(count: number, operation: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < count; i = next++) await operation(i);
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

async function expectStatus(response: { status: number; text: string }, status: number): Promise<void> {
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${response.text.slice(0, 300)}`);
}

function changeSet(prefix: string, size: number): { body: string; contentType: string } {
  const batch = `batch_${randomUUID()}`;
  const cs = `changeset_${randomUUID()}`;
  let body = `--${batch}${CRLF}Content-Type: multipart/mixed; boundary=${cs}${CRLF}${CRLF}`;
  for (let n = 1; n <= size; n++) {
    body +=
      `--${cs}${CRLF}Content-Type: application/http${CRLF}Content-Transfer-Encoding: binary${CRLF}Content-ID: ${n}${CRLF}${CRLF}` +
      `POST /api/data/v9.2/accounts HTTP/1.1${CRLF}Content-Type: application/json${CRLF}${CRLF}{"name":"${prefix}-${n}"}${CRLF}`;
  }
  body += `--${cs}--${CRLF}--${batch}--${CRLF}`;
  return { body, contentType: `multipart/mixed; boundary=${batch}` };
}

async function run(label: string, args: string[]): Promise<Record<string, number>> {
  const { child, url } = await startServer(args);
  const api = `${url}/api/data/v9.2/`;
  const json = { 'Content-Type': 'application/json' };
  try {
    const run = randomUUID().slice(0, 8);
    // Warm up the JIT and connection pool.
    await measure(500, async () => expectStatus(await call(`${url}/_admin/faults`), 200));
    const results: Record<string, number> = {};
    results.baseline = await measure(OPERATIONS, async () => expectStatus(await call(`${url}/_admin/faults`), 200));
    results.creates = await measure(OPERATIONS, async (i) =>
      expectStatus(await call(`${api}accounts`, { method: 'POST', headers: json, body: JSON.stringify({ name: `bench ${i}`, accountnumber: `${run}-C${i}` }) }), 204),
    );
    results.keyedReads = await measure(OPERATIONS, async (i) =>
      expectStatus(await call(`${api}accounts(accountnumber='${run}-C${i}')?$select=name`), 200),
    );
    results.conditionalUpserts = await measure(OPERATIONS, async (i) =>
      expectStatus(
        await call(`${api}accounts(accountnumber='${run}-U${i}')`, { method: 'PATCH', headers: { ...json, 'If-None-Match': '*' }, body: JSON.stringify({ name: `stub ${i}` }) }),
        204,
      ),
    );
    results.changeSets10 = await measure(Math.ceil(OPERATIONS / 10), async (i) => {
      const { body, contentType } = changeSet(`${run}-B${i}`, 10);
      await expectStatus(await call(`${api}$batch`, { method: 'POST', headers: { 'Content-Type': contentType }, body }), 200);
    });
    console.log(`\n${label} (concurrency ${CONCURRENCY}, ${OPERATIONS} operations each)`);
    console.log('  scenario                 ops/s    ratio to baseline');
    for (const [name, rate] of Object.entries(results)) {
      console.log(`  ${name.padEnd(22)} ${rate.toFixed(0).padStart(7)}    ${(rate / results.baseline!).toFixed(2)}`);
    }
    return results;
  } finally {
    await stopChild(child);
  }
}

async function main(): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'local-dataverse-bench-'));
  try {
    const disk = await run('On disk (PGlite data folder, as npm start runs it)', ['--data', folder]);
    await run('In memory (--memory, as tests run it)', ['--memory']);
    const targets = [
      ['creates', 1000],
      ['keyedReads', 2000],
    ] as const;
    console.log('\nTargets on disk:');
    let ok = true;
    for (const [name, target] of targets) {
      const pass = disk[name]! >= target;
      ok &&= pass;
      console.log(`  ${name}: ${disk[name]!.toFixed(0)}/s (target ≥ ${target}/s) ${pass ? 'met' : 'NOT met'}`);
    }
    if (!ok) process.exitCode = 1;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
