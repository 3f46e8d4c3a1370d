/**
 * The durable queue's groundwork: pg-boss 10 on PGlite through the executeSql adapter, in a temp data
 * folder. A job is sent, worked and completed; a job sent before a stop is still there after a restart
 * on the same folder; a second opener of an open folder is refused by the data-folder lock; and the
 * PostgreSQL path (DATABASE_URL) is reached through pg-boss' own connection (no server here: it must fail
 * clearly, not fall back to PGlite).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type PgBoss from 'pg-boss';
import { DataFolderInUseError } from '../../../api/src/database/DataFolderLock';
import { createQueue, type QueueBoss } from '../../../api/src/database/createQueue';
import { QUEUE_PGDATA } from '../../../api/src/database/PgliteDatabase';
import { seedPgliteCluster } from '../../support/pgliteTemplate';

jest.setTimeout(60_000);

const QUEUE = 'ensure-writes';
/** Fast polling and no background maintenance, so a test waits for its job, not for timers. */
const BOSS = { supervise: false, schedule: false } as const;

let dataDir: string;
const opened: QueueBoss[] = [];

async function open(dir = dataDir): Promise<QueueBoss> {
  const boss = await createQueue({ dataDir: dir, boss: BOSS, onError: (error) => { throw error; } });
  opened.push(boss);
  return boss;
}

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'dve-queue-'));
});

/**
 * Puts an empty cluster in the data folder, as a start that ran before leaves it: the tests after the
 * first are about pg-boss on PGlite, not about creating the cluster (initdb), which the first covers.
 */
function seeded(): void {
  seedPgliteCluster(join(dataDir, QUEUE_PGDATA));
}

afterEach(async () => {
  for (const boss of opened.splice(0)) await boss.stop({ graceful: false });
  rmSync(dataDir, { recursive: true, force: true });
});

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('pg-boss 10 on PGlite in a data folder', () => {
  it('sends a job, a worker works it, and it ends completed with the handler\'s output', async () => {
    // An empty folder: the first start creates the cluster (initdb).
    const boss = await open();
    expect(boss.backend).toBe('pglite');
    await boss.createQueue(QUEUE);

    const worked: Array<PgBoss.Job<{ record: string }>> = [];
    await boss.work<{ record: string }>(QUEUE, { pollingIntervalSeconds: 0.5 }, async (jobs) => {
      worked.push(...jobs);
      return { applied: jobs.map((job) => job.data.record) };
    });
    const id = await boss.send(QUEUE, { record: 'account:42' });
    expect(id).toEqual(expect.any(String));

    const done = await until(async () => {
      const job = await boss.getJobById<{ record: string }>(QUEUE, id!);
      return job?.state === 'completed' ? job : undefined;
    });
    expect(worked.map((job) => job.id)).toEqual([id]);
    expect(done.data).toEqual({ record: 'account:42' });
    expect(done.output).toEqual({ applied: ['account:42'] });
  });

  it('fetch and complete by hand: the job moves created → active → completed', async () => {
    seeded();
    const boss = await open();
    await boss.createQueue(QUEUE);
    const id = await boss.send(QUEUE, { n: 1 });
    expect((await boss.getJobById(QUEUE, id!))?.state).toBe('created');

    const [job] = await boss.fetch<{ n: number }>(QUEUE);
    expect(job?.id).toBe(id);
    expect((await boss.getJobById(QUEUE, id!))?.state).toBe('active');
    expect(await boss.fetch(QUEUE)).toEqual([]); // nobody else gets an active job

    await boss.complete(QUEUE, id!, { ok: true });
    const done = await boss.getJobById(QUEUE, id!);
    expect(done?.state).toBe('completed');
    expect(done?.output).toEqual({ ok: true });
  });

  it('a job sent, the boss stopped and a new one started on the same folder: the job is still there and is worked', async () => {
    seeded();
    const first = await open();
    await first.createQueue(QUEUE);
    const id = await first.send(QUEUE, { record: 'contact:7' }, { singletonKey: 'contact:7' });
    await first.stop();

    const second = await open();
    const job = await second.getJobById<{ record: string }>(QUEUE, id!);
    expect(job?.state).toBe('created');
    expect(job?.data).toEqual({ record: 'contact:7' });

    const [fetched] = await second.fetch<{ record: string }>(QUEUE);
    expect(fetched?.id).toBe(id);
    await second.complete(QUEUE, id!);
    expect((await second.getJobById(QUEUE, id!))?.state).toBe('completed');
  });

  it('a failing handler: the job is retried, then failed with the error kept', async () => {
    seeded();
    const boss = await open();
    await boss.createQueue(QUEUE, { name: QUEUE, retryLimit: 1, retryDelay: 0 });
    let attempts = 0;
    await boss.work(QUEUE, { pollingIntervalSeconds: 0.5 }, async () => {
      attempts++;
      throw new Error('Dataverse said 400: bad field');
    });
    const id = await boss.send(QUEUE, { n: 1 });
    const failed = await until(async () => {
      const job = await boss.getJobById(QUEUE, id!);
      return job?.state === 'failed' ? job : undefined;
    });
    expect(attempts).toBe(2);
    expect(JSON.stringify(failed.output)).toContain('Dataverse said 400: bad field');
  });

  it('a second createQueue on an open folder is refused with the lock\'s clear error, and the first keeps working', async () => {
    seeded();
    const first = await open();
    await first.createQueue(QUEUE);

    const second = createQueue({ dataDir, boss: BOSS });
    await expect(second).rejects.toBeInstanceOf(DataFolderInUseError);
    await expect(second).rejects.toThrow(/already in use by process \d+.*would corrupt it/s);

    const id = await first.send(QUEUE, { still: 'fine' });
    expect((await first.getJobById(QUEUE, id!))?.state).toBe('created');

    // Once the first has stopped, the folder is free again.
    await first.stop();
    const third = await open();
    expect((await third.getJobById(QUEUE, id!))?.data).toEqual({ still: 'fine' });
  });

  it('stop is idempotent and releases the folder even when called twice at once', async () => {
    seeded();
    const boss = await open();
    await Promise.all([boss.stop(), boss.stop()]);
    const again = await open();
    expect(again.backend).toBe('pglite');
  });
});

describe('other locations', () => {
  it('in memory: works, and leaves nothing behind', async () => {
    const boss = await createQueue({ memory: true, boss: BOSS });
    opened.push(boss);
    await boss.createQueue(QUEUE);
    const id = await boss.send(QUEUE, { n: 1 });
    const [job] = await boss.fetch(QUEUE);
    expect(job?.id).toBe(id);
  });

  it('DATABASE_URL goes to PostgreSQL through pg-boss\' own pool: with no server, start fails with the connection error', async () => {
    await expect(createQueue({ databaseUrl: 'postgres://nobody:nothing@127.0.0.1:1/none', boss: BOSS })).rejects.toThrow(
      /ECONNREFUSED|connect/,
    );
  });
});
