/**
 * `npm run bench:memory` — resident memory (RSS) of the API process as deployed (`node dist/main.js`,
 * built by `npm run build` first), idle, in the three setups the README gives figures for:
 *
 * - `DATABASE_URL`: instances remote, the queue on PostgreSQL (BENCH_DATABASE_URL, else a throwaway
 *   cluster as the tests start one);
 * - embedded queue: instances remote, the queue's PGlite in the data folder;
 * - embedded default: two local Dataverse instances and the queue, three PGlite databases (the
 *   embedded default's configuration, on free ports).
 *
 * The remote instances are two local Dataverse processes (in memory) started here. Each setup starts
 * twice on one new data folder: the first start creates the databases, the restart opens them. For
 * each start: RSS once it listens, RSS after BENCH_MEMORY_IDLE_SECONDS (10) idle, and the peak so far.
 * BENCH_NODE_ARGS adds Node flags to the API process (e.g. `--max-semi-space-size=1`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { EMBEDDED_DEFAULT_CONFIG } from '../src/config/embeddedDefault';
import { startPostgres, type TestPostgres } from '../../test/support/postgres';
import { LOCAL_DATAVERSE_READY, memoryMegabytes, startChild, stopChild } from './childProcesses';

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'main.js');
const IDLE_SECONDS = Number(process.env.BENCH_MEMORY_IDLE_SECONDS ?? 10);
const API_READY = /Dataverse Ensure API: (http:\/\/127\.0\.0\.1:\d+)\/v1/;

interface Measure {
  ready: number;
  idle: number;
  peak: number;
  seconds: number;
}

/** `node dist/main.js` with this configuration file and data folder, resolved once it listens. */
function startApi(configFile: string, dataDir: string, env: Record<string, string>): Promise<ChildProcess> {
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, MAIN], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, CONFIG_FILE: configFile, DATA_DIR: dataDir, API_KEYS: `bench-${randomUUID()}`, LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...env },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (API_READY.test(out)) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`node dist/main.js exited with ${code}: ${out}`)));
  });
}

async function measureStart(configFile: string, dataDir: string, env: Record<string, string>): Promise<Measure> {
  const began = performance.now();
  const api = await startApi(configFile, dataDir, env);
  const seconds = (performance.now() - began) / 1000;
  try {
    const ready = memoryMegabytes(api)!;
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
    const idle = memoryMegabytes(api)!;
    return { ready: ready.rss, idle: idle.rss, peak: idle.peak, seconds };
  } finally {
    await stopChild(api);
  }
}

async function main(): Promise<void> {
  if (!existsSync(MAIN)) throw new Error('dist/main.js is missing: run `npm run build` first');
  if (!existsSync('/proc/self/status')) throw new Error('RSS is read from /proc: Linux only');
  const dir = mkdtempSync(join(tmpdir(), 'dve-bench-memory-'));
  const cli = join(__dirname, '..', 'src', 'local-dataverse', 'cli.ts');
  const a = await startChild(cli, ['--port', '0', '--memory'], {}, LOCAL_DATAVERSE_READY);
  const b = await startChild(cli, ['--port', '0', '--memory'], {}, LOCAL_DATAVERSE_READY);
  let postgres: TestPostgres | undefined;
  try {
    const remote = join(dir, 'remote.json');
    writeFileSync(
      remote,
      JSON.stringify({
        port: 0,
        instances: {
          a: { url: a.url, tables: ['account', 'contact'] },
          b: { url: b.url, source: 'a', tables: ['account', 'contact'], stubDefaults: { contact: { nameColumn: 'lastname' } } },
        },
      }),
    );
    // The embedded default as `npm start` runs it without a file, on free ports.
    const embedded = join(dir, 'embedded.json');
    const instances = Object.fromEntries(Object.entries(EMBEDDED_DEFAULT_CONFIG.instances).map(([name, instance]) => [name, { ...instance, local: { port: 0 } }]));
    writeFileSync(embedded, JSON.stringify({ port: 0, instances }));

    const databaseUrl = process.env.BENCH_DATABASE_URL ?? (postgres = await startPostgres()).url;
    const setups: { name: string; configFile: string; env: Record<string, string> }[] = [
      { name: 'remote instances, queue on PostgreSQL (DATABASE_URL)', configFile: remote, env: { DATABASE_URL: databaseUrl } },
      { name: 'remote instances, embedded queue (PGlite)', configFile: remote, env: {} },
      { name: 'embedded default (local a and b + queue: 3 PGlite)', configFile: embedded, env: {} },
    ];
    const f = (mb: number) => `${mb.toFixed(0)} MB`.padStart(8);
    console.log(`\nAPI process RSS (node ${process.version}, ${[...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), 'dist/main.js'].join(' ')}; idle = ${IDLE_SECONDS} s after listening)`);
    console.log(`${'setup'.padEnd(54)} ${'start'.padEnd(11)} ${'listening'.padStart(9)} ${'idle'.padStart(8)} ${'peak'.padStart(8)} ${'start s'.padStart(8)}`);
    for (const [i, setup] of setups.entries()) {
      const dataDir = join(dir, `data-${i}`);
      for (const start of ['first', 'restart']) {
        const measure = await measureStart(setup.configFile, dataDir, setup.env);
        console.log(`${setup.name.padEnd(54)} ${start.padEnd(11)} ${f(measure.ready).padStart(9)} ${f(measure.idle)} ${f(measure.peak)} ${measure.seconds.toFixed(1).padStart(8)}`);
      }
    }
  } finally {
    await postgres?.stop();
    await Promise.all([stopChild(a.child), stopChild(b.child)]);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
