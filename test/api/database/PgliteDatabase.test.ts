/**
 * The executeSql adapter on its own: the two shapes pg-boss sends (several statements without values,
 * one statement with values), recovery from a failed BEGIN … COMMIT on the single connection, errors
 * and values unchanged across the worker thread PGlite runs on, calls run one at a time, and the lock
 * taken before PGlite opens a folder and released by close().
 */
import { Blob } from 'node:buffer';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { DataFolderInUseError } from '../../../api/src/database/DataFolderLock';
import { PgliteDatabase, QUEUE_LOCK_NAME, QUEUE_PGDATA } from '../../../api/src/database/PgliteDatabase';
import { pgliteTemplateDump } from '../../support/pgliteTemplate';

jest.setTimeout(60_000);

describe('executeSql in memory', () => {
  let db: PgliteDatabase;
  beforeAll(async () => {
    db = await PgliteDatabase.inMemory();
  });
  afterAll(() => db.close());

  it('runs one statement with values (parameters typed by the server: text[], jsonb, int)', async () => {
    const { rows } = await db.executeSql('select $1::text[] as names, $2::jsonb as data, $3::int + 1 as n', [['a', 'b'], { x: 1 }, 41]);
    expect(rows).toEqual([{ names: ['a', 'b'], data: { x: 1 }, n: 42 }]);
  });

  it('runs several statements without values and answers the rows of the last one that has rows', async () => {
    await db.executeSql('create table t (id int primary key)');
    const { rows } = await db.executeSql('BEGIN; insert into t values (1), (2); select count(*)::int as c from t; COMMIT;');
    expect(rows).toEqual([{ c: 2 }]);
    expect((await db.executeSql('select id from t order by id')).rows).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('a failure inside BEGIN … COMMIT is rolled back, and the connection is usable at once', async () => {
    await expect(db.executeSql('BEGIN; insert into t values (3); insert into t values (1); COMMIT;')).rejects.toThrow(/duplicate key/);
    expect((await db.executeSql('select count(*)::int as c from t')).rows).toEqual([{ c: 2 }]);
  });

  it("a PostgreSQL error keeps its code and details across the database's worker thread (callers retry on 40P01, skip 23505)", async () => {
    const failure = await db.executeSql('insert into t values ($1)', [1]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).toMatchObject({ message: expect.stringMatching(/duplicate key/), code: '23505', constraint: 't_pkey', table: 't' });
  });

  it('timestamps, JSON and big integers come back as the same types PGlite gives in the thread', async () => {
    const { rows } = await db.executeSql(`select '2026-11-26T10:00:00Z'::timestamptz as at, '{"a":[1,"x"]}'::json as j, 9007199254740993::bigint as big, null::text as nothing`);
    expect(rows).toEqual([{ at: new Date('2026-11-26T10:00:00Z'), j: { a: [1, 'x'] }, big: 9007199254740993n, nothing: null }]);
  });

  it('concurrent calls are run one at a time, in order, and one failure does not stop the others', async () => {
    await db.executeSql('create table log (seq serial primary key, v int)');
    const calls = Array.from({ length: 20 }, (_, i) =>
      i === 7 ? db.executeSql('select nope from log', []) : db.executeSql('insert into log (v) values ($1) returning v', [i]),
    );
    const settled = await Promise.allSettled(calls);
    expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(1);
    const { rows } = await db.executeSql('select v from log order by seq');
    expect(rows.map((r) => (r as { v: number }).v)).toEqual([...Array(20).keys()].filter((i) => i !== 7));
  });
});

describe('a data folder', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'dve-queue-db-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('takes the queue lock before opening, keeps data across close → reopen, and close releases the lock', async () => {
    const db = await PgliteDatabase.open(dataDir);
    expect(existsSync(join(dataDir, QUEUE_LOCK_NAME))).toBe(true);
    expect(existsSync(join(dataDir, QUEUE_PGDATA))).toBe(true);
    await expect(PgliteDatabase.open(dataDir)).rejects.toBeInstanceOf(DataFolderInUseError);

    await db.executeSql('create table kept (v text); insert into kept values (\'yes\');');
    await db.close();
    await db.close(); // idempotent
    expect(existsSync(join(dataDir, QUEUE_LOCK_NAME))).toBe(false);
    await expect(db.executeSql('select 1')).rejects.toThrow(/closed/);

    const reopened = await PgliteDatabase.open(dataDir);
    try {
      expect((await reopened.executeSql('select v from kept')).rows).toEqual([{ v: 'yes' }]);
    } finally {
      await reopened.close();
    }
  });
});

describe('in memory from a template (a dump of an initialised cluster: the suites start from one instead of initdb)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dve-queue-template-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts with what the dump holds, and each database started from it is its own', async () => {
    // A dump with a marker table in it, itself made from the suites' template (no initdb here either).
    const pg = new PGlite({ loadDataDir: new Blob([readFileSync(pgliteTemplateDump())]) });
    await pg.exec("create table marker (v text); insert into marker values ('from the template');");
    const template = join(dir, 'marked.tar');
    writeFileSync(template, new Uint8Array(await (await pg.dumpDataDir('none')).arrayBuffer()));
    await pg.close();

    const one = await PgliteDatabase.inMemory({ template });
    const two = await PgliteDatabase.inMemory({ template });
    try {
      expect((await one.executeSql('select v from marker')).rows).toEqual([{ v: 'from the template' }]);
      await one.executeSql("insert into marker values ('written to one')");
      expect((await one.executeSql('select count(*)::int as n from marker')).rows).toEqual([{ n: 2 }]);
      expect((await two.executeSql('select v from marker')).rows).toEqual([{ v: 'from the template' }]);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});
