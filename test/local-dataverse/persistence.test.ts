/**
 * On disk: records survive a restart and a SIGKILL (every acknowledged write is kept, no change set
 * is half applied), and a data folder is never opened by two processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalDataverse } from '../../api/src/local-dataverse';
import { DataFolderInUseError } from '../../api/src/database/DataFolderLock';
import { seedPgliteCluster } from '../support/pgliteTemplate';

jest.setTimeout(120_000);

const CLI = join(__dirname, '../../api/src/local-dataverse/cli.ts');
let folder: string;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'local-dataverse-'));
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

/** Starts the CLI in a child process and resolves with its base URL once it prints it. */
function startChild(dataDir: string): Promise<{ child: ChildProcess; api: string; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--port', '0', '--data', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /ready at (http:\/\/127\.0\.0\.1:\d+\/api\/data\/v9\.2\/)/.exec(output);
      if (match) resolve({ child, api: match[1]!, output: () => output });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`child exited with ${code}: ${output}`)));
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

const CRLF = '\r\n';
function changeSetOfTwo(marker: string): { body: string; contentType: string } {
  const batch = `batch_${randomUUID()}`;
  const cs = `changeset_${randomUUID()}`;
  const part = (n: number) =>
    `--${cs}${CRLF}Content-Type: application/http${CRLF}Content-Transfer-Encoding: binary${CRLF}Content-ID: ${n}${CRLF}${CRLF}` +
    `POST /api/data/v9.2/accounts HTTP/1.1${CRLF}Content-Type: application/json${CRLF}${CRLF}{"name":"${marker}","accountnumber":"${marker}-${n}"}${CRLF}`;
  const body = `--${batch}${CRLF}Content-Type: multipart/mixed; boundary=${cs}${CRLF}${CRLF}${part(1)}${part(2)}--${cs}--${CRLF}--${batch}--${CRLF}`;
  return { body, contentType: `multipart/mixed; boundary=${batch}` };
}

/**
 * An empty cluster where the journal looks for it, as a first start leaves it: the tests after the first
 * are not about creating it (initdb), which the first covers.
 */
function seeded(): void {
  seedPgliteCluster(join(folder, 'pgdata'));
}

test('records, versions and keys survive a clean restart', async () => {
  // An empty folder: the first start creates the cluster (initdb).
  const first = await startLocalDataverse({ dataDir: folder });
  const response = await fetch(`${first.webApiUrl}accounts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Prefer: 'return=representation' },
    body: JSON.stringify({ name: 'Persisted', accountnumber: 'P-1' }),
  });
  const created = (await response.json()) as { accountid: string; '@odata.etag': string };
  await first.close();

  const second = await startLocalDataverse({ dataDir: folder });
  try {
    const byKey = await fetch(`${second.webApiUrl}accounts(accountnumber='P-1')?$select=name`);
    expect(await byKey.json()).toMatchObject({ name: 'Persisted', accountid: created.accountid, '@odata.etag': created['@odata.etag'] });
    const update = await fetch(`${second.webApiUrl}accounts(${created.accountid})`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json', Prefer: 'return=representation' },
      body: JSON.stringify({ name: 'Updated' }),
    });
    const etag = ((await update.json()) as { '@odata.etag': string })['@odata.etag'];
    expect(Number(/\d+/.exec(etag)![0])).toBeGreaterThan(Number(/\d+/.exec(created['@odata.etag'])![0]));
  } finally {
    await second.close();
  }
});

test('a second opener of a data folder gets a clear error, in-process and from another process', async () => {
  seeded();
  const owner = await startLocalDataverse({ dataDir: folder });
  try {
    await expect(startLocalDataverse({ dataDir: folder })).rejects.toThrow(DataFolderInUseError);
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--port', '0', '--data', folder], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    expect(await exitOf(child)).toBe(1);
    expect(output).toContain(`is already in use by process ${process.pid}`);
    // The owner is untouched and still serves.
    expect((await fetch(`${owner.webApiUrl}accounts/$count`)).status).toBe(200);
  } finally {
    await owner.close();
  }
});

test('SIGKILL while writing: every acknowledged write is kept and no change set is half applied', async () => {
  seeded();
  const { child, api } = await startChild(folder);
  const acknowledged: string[] = [];
  const changeSetsAcknowledged: string[] = [];
  const changeSetsSent: string[] = [];
  let stop = false;
  const writer = async (n: number) => {
    for (let i = 0; !stop; i++) {
      const name = `w${n}-${i}`;
      try {
        if (i % 3 === 0) {
          changeSetsSent.push(name);
          const { body, contentType } = changeSetOfTwo(name);
          const r = await fetch(`${api}$batch`, { method: 'POST', headers: { 'Content-Type': contentType }, body });
          const text = await r.text();
          if (r.status === 200 && (text.match(/HTTP\/1\.1 204/g) ?? []).length === 2) changeSetsAcknowledged.push(name);
        } else {
          const r = await fetch(`${api}accounts`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name }) });
          if (r.status === 204) acknowledged.push(name);
        }
      } catch {
        return; // the server is gone
      }
    }
  };
  const writers = [0, 1, 2, 3].map(writer);
  // Kill mid-stream once the writes are well under way: at least 1.5 s of writing and more than 50
  // acknowledged. On a busy machine (suites side by side) 1.5 s may not reach 50; the deadline only
  // bounds a server that stalls, which the assertion below then reports.
  const writingSince = Date.now();
  const written = () => acknowledged.length + changeSetsAcknowledged.length;
  while ((Date.now() - writingSince < 1500 || written() <= 50) && Date.now() - writingSince < 60_000) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const exited = exitOf(child);
  child.kill('SIGKILL');
  await exited;
  stop = true;
  await Promise.all(writers);
  expect(written()).toBeGreaterThan(50);

  const restarted = await startLocalDataverse({ dataDir: folder }); // takes over the dead process's lock
  try {
    const names = new Map<string, number>();
    for (const record of restarted.store.rows('account')) {
      const name = record.values.name as string;
      names.set(name, (names.get(name) ?? 0) + 1);
    }
    for (const name of acknowledged) expect(names.get(name)).toBe(1);
    for (const name of changeSetsAcknowledged) expect(names.get(name)).toBe(2);
    for (const name of changeSetsSent) expect([undefined, 2]).toContain(names.get(name));
  } finally {
    await restarted.close();
  }
});
