/**
 * The embedded databases' memory settings and how a new PGlite cluster is created: in a child process,
 * aside then renamed into place (a creation cut short leaves no half cluster behind), once; clusters
 * created side by side share one initdb.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PgliteDatabase, QUEUE_PGDATA } from '../../../api/src/database/PgliteDatabase';
import { createPgliteClusterIfMissing, PGLITE_MEMORY_SETTINGS, PGLITE_START_PARAMS } from '../../../api/src/database/pgliteMemory';

jest.setTimeout(120_000);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dve-pglite-memory-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

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

/** The cluster's system identifier, which initdb draws anew each time it runs. */
async function systemIdentifier(pgdata: string): Promise<string> {
  const pg = new PGlite({ dataDir: pgdata, startParams: [...PGLITE_START_PARAMS] });
  try {
    const result = await pg.query<{ system_identifier: string }>('select system_identifier::text from pg_control_system()');
    return result.rows[0]!.system_identifier;
  } finally {
    await pg.close();
  }
}

it('clusters created side by side share one initdb, each a copy in its own folder; a later creation runs initdb anew', async () => {
  // Each in its own folder, as each database's caller makes (and locks) it first.
  const folders = ['a', 'b', 'c'].map((name) => join(mkdirSync(join(dir, name), { recursive: true })!, 'pgdata'));
  await Promise.all(folders.map((pgdata) => createPgliteClusterIfMissing(pgdata)));
  for (const name of ['a', 'b', 'c']) expect(readdirSync(join(dir, name))).toEqual(['pgdata']);
  const identifiers = new Set<string>();
  for (const pgdata of folders) identifiers.add(await systemIdentifier(pgdata));
  expect(identifiers.size).toBe(1);
  // Copies, not one folder: a write to one is not in another.
  const a = new PGlite({ dataDir: folders[0]!, startParams: [...PGLITE_START_PARAMS] });
  await a.exec('create table only_in_a (id int)');
  await a.close();
  const b = new PGlite({ dataDir: folders[1]!, startParams: [...PGLITE_START_PARAMS] });
  try {
    expect((await b.query("select to_regclass('only_in_a') as t")).rows).toEqual([{ t: null }]);
  } finally {
    await b.close();
  }

  // A later creation, alone, replaces what an interrupted creation left aside and leaves nothing else.
  const later = join(mkdirSync(join(dir, 'later'), { recursive: true })!, 'pgdata');
  mkdirSync(`${later}.creating`);
  writeFileSync(join(`${later}.creating`, 'PG_VERSION'), 'half');
  await createPgliteClusterIfMissing(later);
  expect(existsSync(join(later, 'base'))).toBe(true);
  expect(readdirSync(join(dir, 'later'))).toEqual(['pgdata']);
  expect(identifiers.has(await systemIdentifier(later))).toBe(false);
  // An existing cluster is left as it is.
  const created = statSync(join(later, 'PG_VERSION')).mtimeMs;
  await createPgliteClusterIfMissing(later);
  expect(statSync(join(later, 'PG_VERSION')).mtimeMs).toBe(created);
});

it('when the shared initdb fails, every creation waiting on it fails and leaves no cluster; the next one succeeds', async () => {
  // The first creation's folder cannot be made (its parent is missing), so its initdb fails.
  const broken = join(dir, 'missing', 'pgdata');
  const waiting = join(mkdirSync(join(dir, 'waiting'), { recursive: true })!, 'pgdata');
  const results = await Promise.allSettled([createPgliteClusterIfMissing(broken), createPgliteClusterIfMissing(waiting)]);
  expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  expect(String((results[1] as PromiseRejectedResult).reason)).toContain('could not create the database');
  expect(existsSync(join(waiting, 'PG_VERSION'))).toBe(false);
  await createPgliteClusterIfMissing(waiting);
  expect(readdirSync(join(dir, 'waiting'))).toEqual(['pgdata']);
  expect(existsSync(join(waiting, 'PG_VERSION'))).toBe(true);
});
