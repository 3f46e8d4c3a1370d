/**
 * The embedded databases' memory settings and how a new PGlite cluster is created: in a child process,
 * aside then renamed into place (a creation cut short leaves no half cluster behind), once.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgliteDatabase, QUEUE_PGDATA } from '../../../api/src/database/PgliteDatabase';
import { createPgliteClusterIfMissing, PGLITE_MEMORY_SETTINGS } from '../../../api/src/database/pgliteMemory';

jest.setTimeout(120_000);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dve-pglite-memory-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('creates a cluster where there is none, replacing what an interrupted creation left aside, and leaves nothing else', async () => {
  const pgdata = join(dir, 'pgdata');
  mkdirSync(`${pgdata}.creating`);
  writeFileSync(join(`${pgdata}.creating`, 'PG_VERSION'), 'half');
  await createPgliteClusterIfMissing(pgdata);
  expect(existsSync(join(pgdata, 'PG_VERSION'))).toBe(true);
  expect(existsSync(join(pgdata, 'base'))).toBe(true);
  expect(readdirSync(dir)).toEqual(['pgdata']);
  // An existing cluster is left as it is.
  const created = statSync(join(pgdata, 'PG_VERSION')).mtimeMs;
  await createPgliteClusterIfMissing(pgdata);
  expect(statSync(join(pgdata, 'PG_VERSION')).mtimeMs).toBe(created);
});

it('the queue database, created then reopened, runs with the memory settings', async () => {
  for (let start = 0; start < 2; start++) {
    const db = await PgliteDatabase.open(dir);
    try {
      for (const [name, value] of Object.entries(PGLITE_MEMORY_SETTINGS)) {
        expect((await db.executeSql(`show ${name}`)).rows).toEqual([{ [name]: value }]);
      }
    } finally {
      await db.close();
    }
  }
  expect(readdirSync(dir).sort()).toEqual([QUEUE_PGDATA]);
});
