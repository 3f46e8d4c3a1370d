/**
 * Persists records in PGlite (Postgres compiled to WASM, in-process) in a data folder. One table holds
 * every record as JSONB; each unit of work is one Postgres transaction, so a change set is on disk
 * entirely or not at all, and an acknowledged write survives SIGKILL (Postgres' WAL recovery).
 */
import { PGlite } from '@electric-sql/pglite';
import { DataFolderLock } from '../../database/DataFolderLock';
import { createPgliteClusterIfMissing, PGLITE_START_PARAMS } from '../../database/pgliteMemory';
import { RecordsRefusedError, type RecordJournal } from './RecordJournal';
import type { RecordChange, StoredRecord } from './StoredRecord';

const SCHEMA = `
  create table if not exists records (
    tbl text not null,
    id uuid not null,
    version bigint not null,
    data jsonb not null,
    primary key (tbl, id)
  );
`;

const UPSERT = `
  insert into records (tbl, id, version, data)
  select tbl, id, version, data from jsonb_to_recordset($1::jsonb) as x(tbl text, id uuid, version bigint, data jsonb)
  on conflict (tbl, id) do update set version = excluded.version, data = excluded.data
`;

const DELETE = `
  delete from records r using jsonb_to_recordset($1::jsonb) as x(tbl text, id uuid)
  where r.tbl = x.tbl and r.id = x.id
`;

export class PgliteJournal implements RecordJournal {
  private constructor(
    private readonly db: PGlite,
    private readonly lock: DataFolderLock,
  ) {}

  /** Opens (or creates) the journal in `folder`, refusing a folder another process has open. */
  static async open(folder: string): Promise<PgliteJournal> {
    const lock = DataFolderLock.acquire(folder);
    try {
      const pgdata = `${folder}/pgdata`;
      // initdb's memory would stay with this process: a short-lived child process creates a new folder
      // first (one initdb for the databases created alongside, pgliteMemory.ts).
      await createPgliteClusterIfMissing(pgdata);
      const db = new PGlite({ dataDir: pgdata, startParams: [...PGLITE_START_PARAMS] });
      await db.waitReady;
      await db.exec(SCHEMA);
      return new PgliteJournal(db, lock);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  async load() {
    const result = await this.db.query<{ tbl: string; id: string; version: string | number; data: StoredRecord['values'] }>(
      'select tbl, id, version, data from records',
    );
    return result.rows.map((row) => ({
      table: row.tbl,
      record: { id: row.id, version: Number(row.version), values: row.data },
    }));
  }

  async persist(changes: RecordChange[]): Promise<void> {
    try {
      await this.write(changes);
    } catch (error) {
      if (refusesData(error)) throw new RecordsRefusedError((error as Error).message, { cause: error });
      throw error;
    }
  }

  private async write(changes: RecordChange[]): Promise<void> {
    const puts = changes.filter((c) => c.record !== null).map((c) => ({ tbl: c.table, id: c.id, version: c.record!.version, data: c.record!.values }));
    const deletes = changes.filter((c) => c.record === null).map((c) => ({ tbl: c.table, id: c.id }));
    if (deletes.length === 0) {
      // A single statement is atomic on its own: no explicit transaction round trip needed.
      if (puts.length > 0) await this.db.query(UPSERT, [JSON.stringify(puts)]);
      return;
    }
    await this.db.transaction(async (tx) => {
      if (puts.length > 0) await tx.query(UPSERT, [JSON.stringify(puts)]);
      await tx.query(DELETE, [JSON.stringify(deletes)]);
    });
  }

  async close(): Promise<void> {
    try {
      await this.db.close();
    } finally {
      this.lock.release();
    }
  }
}

/**
 * Postgres errors about the statement's data rather than the storage: SQLSTATE class 22 (data
 * exception, e.g. 22P05 for `\u0000` in JSONB, 22P02 for an unpaired surrogate), 23 (integrity
 * constraint) and 54 (program limit, e.g. a value too large). The statement is rolled back and the
 * database stays usable. https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
function refusesData(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|23|54)[0-9A-Z]{3}$/.test(code);
}
