/**
 * pg-boss 10 on a real PostgreSQL server (Debian's packages; see test/support/postgres.ts): the test
 * harness starts and stops a cluster (or a database on DVE_TEST_DATABASE_URL); createQueue({ databaseUrl })
 * works a job to completion on it; and two createQueue instances — two pg pools, as two API replicas
 * would have — share one queue of 300 jobs: every job is completed exactly once and both did work.
 */
import { createRequire } from 'node:module';
import type PgBoss from 'pg-boss';
import { createQueue, type QueueBoss } from '../../../api/src/database/createQueue';
import { startPostgres, type TestPostgres } from '../../support/postgres';

jest.setTimeout(120_000);

const QUEUE = 'ensure-writes';
/** No background maintenance, so a test waits for its jobs, not for timers. */
const BOSS = { supervise: false, schedule: false } as const;

let postgres: TestPostgres;
const opened: QueueBoss[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
});

afterAll(async () => {
  await postgres?.stop();
});

afterEach(async () => {
  for (const boss of opened.splice(0)) await boss.stop({ graceful: false });
});

async function open(): Promise<QueueBoss> {
  const boss = await createQueue({ databaseUrl: postgres.url, boss: BOSS, onError: (error) => { throw error; } });
  opened.push(boss);
  return boss;
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** node-postgres as pg-boss resolves it (pg-boss' own dependency), for the harness test's own query. */
async function serverVersion(url: string): Promise<string> {
  const fromPgBoss = createRequire(createRequire(__filename).resolve('pg-boss'));
  const { Client } = fromPgBoss('pg') as {
    Client: new (config: { connectionString: string }) => {
      connect(): Promise<void>;
      query(text: string): Promise<{ rows: Array<{ server_version: string }> }>;
      end(): Promise<void>;
    };
  };
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('SHOW server_version');
    return rows[0]!.server_version;
  } finally {
    await client.end();
  }
}

describe('the PostgreSQL test harness', () => {
  it('starts a server that answers, and stop() ends it', async () => {
    const other = await startPostgres();
    try {
      expect(other.url).toMatch(/^postgres:\/\//);
      expect(other.url).not.toBe(postgres.url);
      expect(await serverVersion(other.url)).toMatch(/^\d+/);
    } finally {
      await other.stop();
    }
    await expect(serverVersion(other.url)).rejects.toThrow();
    await other.stop(); // twice is fine
  });
});

describe('pg-boss 10 on PostgreSQL (createQueue({ databaseUrl }))', () => {
  it('sends a job, a worker works it, and it ends completed with the handler\'s output', async () => {
    const boss = await open();
    expect(boss.backend).toBe('postgres');
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

  it('two queue instances (two pools, as two replicas) share 300 jobs: each completed exactly once, both worked', async () => {
    const queue = 'shared-by-replicas';
    const first = await open();
    const second = await open();
    await first.createQueue(queue);

    const total = 300;

    const calls = new Map<string, number>();
    const byReplica = { first: 0, second: 0 };
    const handler = (replica: keyof typeof byReplica) => async (jobs: Array<PgBoss.Job<{ n: number }>>) => {
      for (const job of jobs) {
        calls.set(job.id, (calls.get(job.id) ?? 0) + 1);
        byReplica[replica] += 1;
      }
      // A little work, so both replicas have fetches in flight at the same time.
      await new Promise((resolve) => setTimeout(resolve, 5));
    };
    for (const [replica, boss] of [['first', first], ['second', second]] as const) {
      // Two registrations per replica, small batches: many concurrent fetches compete for the same rows.
      for (let worker = 0; worker < 2; worker++) {
        await boss.work<{ n: number }>(queue, { pollingIntervalSeconds: 0.5, batchSize: 10 }, handler(replica));
      }
    }

    const sent = (await Promise.all(Array.from({ length: total }, (_, n) => (n % 2 === 0 ? first : second).send(queue, { n }))))
      .filter((id): id is string => id !== null);
    expect(new Set(sent).size).toBe(total);

    await until(async () => (calls.size >= total ? true : undefined));
    // Every job ends completed (the state is written after the handler returns) …
    await until(async () => {
      for (const id of sent) if ((await first.getJobById(queue, id))?.state !== 'completed') return undefined;
      return true;
    });
    // … and a duplicate delivery, if any, has had time to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    expect([...calls.keys()].sort()).toEqual([...sent].sort());
    expect([...calls.values()].every((count) => count === 1)).toBe(true);
    expect(byReplica.first).toBeGreaterThan(0);
    expect(byReplica.second).toBeGreaterThan(0);
    expect(byReplica.first + byReplica.second).toBe(total);
  });
});
