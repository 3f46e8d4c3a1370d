/**
 * PGlite (Postgres compiled to WASM, in-process) as the database pg-boss 10 talks to through its `db`
 * option: `executeSql(text, values) → Promise<{ rows }>` (pg-boss' `Db` interface in its types.d.ts).
 *
 * - A data folder is opened only after taking the data-folder lock (`queue.lock`): two processes
 *   opening one PGlite folder corrupt it for good (DESIGN.md), so a second opener gets the lock's clear
 *   error and PGlite is never started. `close()` closes PGlite, then releases the lock.
 * - PGlite is one connection. pg-boss calls `executeSql` concurrently (workers, maintenance, monitor),
 *   and never spans a transaction over several calls (it cannot, on a pool), so calls run one at a time
 *   in arrival order. A multi-statement command that fails inside its own `BEGIN … COMMIT` leaves the
 *   single connection in an aborted transaction; it is rolled back before the next call runs.
 * - pg-boss sends its schema, migrations and locked maintenance commands as several statements without
 *   values: those go through `exec` (simple protocol); a call with values is one statement through
 *   `query` (extended protocol, parameters typed by the server).
 */
import { PGlite } from '@electric-sql/pglite';
import type PgBoss from 'pg-boss';
import { DataFolderLock } from '../storage/DataFolderLock';

export const QUEUE_LOCK_NAME = 'queue.lock';
/** The PGlite cluster's folder inside the data folder (the lock file sits next to it). */
export const QUEUE_PGDATA = 'queue-pgdata';

export interface SqlResult {
  rows: unknown[];
}

export class PgliteDatabase implements PgBoss.Db {
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly pg: PGlite,
    private readonly lock: DataFolderLock | undefined,
    /** The data folder, or undefined in memory. */
    readonly dataDir: string | undefined,
  ) {}

  /** Opens (or creates) the queue database in `dataDir`, refusing a folder another process has open. */
  static async open(dataDir: string): Promise<PgliteDatabase> {
    const lock = DataFolderLock.acquire(dataDir, QUEUE_LOCK_NAME);
    try {
      const pg = new PGlite(`${dataDir}/${QUEUE_PGDATA}`);
      await pg.waitReady;
      return new PgliteDatabase(pg, lock, dataDir);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** A queue database that lives and dies with this process (tests, demos): nothing on disk, no lock. */
  static async inMemory(): Promise<PgliteDatabase> {
    const pg = new PGlite();
    await pg.waitReady;
    return new PgliteDatabase(pg, undefined, undefined);
  }

  executeSql(text: string, values?: unknown[]): Promise<SqlResult> {
    return this.serialised(() => this.run(text, values));
  }

  /** Waits for the calls already queued, closes PGlite, then releases the folder's lock. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.tail.catch(() => undefined);
      await this.pg.close();
    } finally {
      this.lock?.release();
    }
  }

  private serialised<T>(call: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('The queue database is closed.'));
    const result = this.tail.then(call, call);
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async run(text: string, values: unknown[] | undefined): Promise<SqlResult> {
    try {
      if (values && values.length > 0) {
        const result = await this.pg.query(text, values);
        return { rows: result.rows };
      }
      const results = await this.pg.exec(text);
      // Like node-postgres for one statement; for several, the rows of the last one that returned any.
      const withRows = results.filter((r) => r.fields.length > 0);
      return { rows: withRows[withRows.length - 1]?.rows ?? [] };
    } catch (error) {
      await this.rollbackIfInTransaction();
      throw error;
    }
  }

  private async rollbackIfInTransaction(): Promise<void> {
    try {
      // Outside a transaction ROLLBACK is only a warning; inside an aborted one it ends it.
      await this.pg.exec('ROLLBACK');
    } catch {
      // nothing more to undo
    }
  }
}
