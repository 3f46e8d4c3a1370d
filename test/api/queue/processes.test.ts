/**
 * Issue 4, with the API in its own process: SIGKILL while it drains 1,000 queued operations and a
 * restart on the same data folder (PGlite); SIGTERM with operations in flight; two replicas sharing
 * one PostgreSQL (Debian's, started by test/support/postgres.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalDataverse, type LocalDataverse } from '../../../api/src/local-dataverse';
import { startPostgres, type TestPostgres } from '../../support/postgres';
import { spawnedApiProcesses, startApiProcess, writeConfig, type ApiProcess } from './apiProcess';
import { call, inParallel, pollUntilDone, rowsWithPrefix, setFault, submitWithReferences, waitForDrain } from './queueFixture';

jest.setTimeout(300_000);

let a: LocalDataverse;
let b: LocalDataverse;
let dir: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dve-processes-'));
  a = await startLocalDataverse({ port: 0, memory: true });
  b = await startLocalDataverse({ port: 0, memory: true });
});
afterEach(async () => {
  // Every process spawned, also one whose start failed or that started after its twin failed.
  await Promise.all(
    [...spawnedApiProcesses].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
  await Promise.all([a.close(), b.close()]);
  rmSync(dir, { recursive: true, force: true });
});

function start(configFile: string, dataDir: string, env: Record<string, string> = {}): Promise<ApiProcess> {
  return startApiProcess(configFile, dataDir, env);
}

/** Accepts `count` submits while b is down: every one 202. */
async function acceptWhileDown(urls: string[], run: string, count: number) {
  await setFault(b.url, { mode: 'down' });
  const answers = await inParallel(count, 8, (i) => call(urls[i % urls.length]!, 'POST', '/v1/instances/b/submit', submitWithReferences(run, i)));
  expect(answers.filter((answer) => answer.status !== 202).map((answer) => answer.status)).toEqual([]);
  return answers;
}

async function expectAppliedOnce(run: string, answers: Array<{ headers: Headers }>, via: string) {
  const contacts = await rowsWithPrefix(b.url, 'contacts', 'lastname', `${run} `);
  expect(contacts).toHaveLength(answers.length);
  expect(new Set(contacts.map((contact) => contact.lastname)).size).toBe(answers.length);
  const idByName = new Map(contacts.map((contact) => [contact.lastname as string, contact.contactid]));
  for (const [i, answer] of answers.entries()) {
    const location = answer.headers.get('location')!.replace(/^http:\/\/127\.0\.0\.1:\d+/, via);
    const done = await pollUntilDone(location);
    expect(done.status).toBe(200);
    expect(done.body.id).toBe(idByName.get(`${run} ${i}`));
  }
}

it('SIGKILL while draining 1,000 operations, restart on the same data folder: all 1,000 applied exactly once', async () => {
  const config = writeConfig(dir, a.url, b.url);
  const dataDir = join(dir, 'data');
  const first = await start(config, dataDir);
  const answers = await acceptWhileDown([first.url], 'KILL', 1000);

  await setFault(b.url, { mode: 'none' });
  // Let the drain get going, then kill it mid-flight.
  for (;;) {
    const applied = (await rowsWithPrefix(b.url, 'contacts', 'lastname', 'KILL ')).length;
    if (applied >= 150) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  first.child.kill('SIGKILL');
  expect((await first.exited).signal).toBe('SIGKILL');
  const appliedAtKill = (await rowsWithPrefix(b.url, 'contacts', 'lastname', 'KILL ')).length;
  expect(appliedAtKill).toBeLessThan(1000);

  const second = await start(config, dataDir);
  await waitForDrain(second.url, 180_000);
  await expectAppliedOnce('KILL', answers, second.url);
  console.log(`SIGKILL with ${appliedAtKill} of 1000 applied; the restarted process applied the rest, each once`);
});

it('SIGTERM stops intake, lets operations in flight finish or hands them back, and exits 0; a restart finishes the rest once', async () => {
  const config = writeConfig(dir, a.url, b.url, { concurrency: 4 });
  const dataDir = join(dir, 'data');
  const first = await start(config, dataDir);
  const answers = await acceptWhileDown([first.url], 'TERM', 40);
  // b answers slowly: operations are in flight when the signal comes.
  await setFault(b.url, { mode: 'slow', latencyMs: 700 });
  for (;;) {
    const running = (await call(first.url, 'GET', '/v1/operations?state=running')).body.value.length;
    if (running > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  first.child.kill('SIGTERM');
  const exit = await first.exited;
  expect(exit).toEqual({ code: 0, signal: null });
  expect(first.output()).toContain('SIGTERM: stopping');

  await setFault(b.url, { mode: 'none' });
  const second = await start(config, dataDir);
  await waitForDrain(second.url, 120_000);
  await expectAppliedOnce('TERM', answers, second.url);
});

describe('two replicas on one PostgreSQL', () => {
  let postgres: TestPostgres;
  beforeAll(async () => {
    postgres = await startPostgres();
  });
  afterAll(async () => postgres?.stop());

  it('drain 1,000 operations together: each applied once, both did work', async () => {
    const config = writeConfig(dir, a.url, b.url);
    const env = { DATABASE_URL: postgres.url };
    const [one, two] = await Promise.all([start(config, join(dir, 'one'), env), start(config, join(dir, 'two'), env)]);
    const answers = await acceptWhileDown([one!.url, two!.url], 'PG', 1000);
    await setFault(b.url, { mode: 'none' });
    await waitForDrain(one!.url, 180_000);
    await expectAppliedOnce('PG', answers, one!.url);

    const finished = async (url: string) => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return [...text.matchAll(/^dve_operations_finished_total\{[^}]*outcome="succeeded"[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    };
    const [byOne, byTwo] = [await finished(one!.url), await finished(two!.url)];
    console.log(`replica one applied ${byOne}, replica two ${byTwo}`);
    expect(byOne).toBeGreaterThan(0);
    expect(byTwo).toBeGreaterThan(0);
    expect(byOne + byTwo).toBe(1000);
  });
});
