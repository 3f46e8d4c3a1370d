/**
 * PGlite (Postgres compiled to WASM, in-process) as the database pg-boss 10 talks to through its `db`
 * option: `executeSql(text, values) → Promise<{ rows }>` (pg-boss' `Db` interface in its types.d.ts).
 *
 * - A data folder is opened only after taking the data-folder lock (`queue.lock`): two processes
 *   opening one PGlite folder corrupt it for good (docs/decisions.md), so a second opener gets the lock's clear
 *   error and PGlite is never started. `close()` closes PGlite, then releases the lock.
 * - PGlite runs on a worker thread (`pgliteWorker.mjs`): its WASM Postgres is the API's largest CPU
 *   cost per operation, and there it uses another core instead of holding up HTTP requests.
 * - PGlite is one connection. pg-boss calls `executeSql` concurrently (workers, maintenance, monitor),
 *   and never spans a transaction over several calls (it cannot, on a pool), so calls run one at a time
 *   in arrival order (the worker takes them in order). A multi-statement command that fails inside its own `BEGIN … COMMIT` leaves the
 *   single connection in an aborted transaction; it is rolled back before the next call runs.
 * - pg-boss sends its schema, migrations and locked maintenance commands as several statements without
 *   values: those go through `exec` (simple protocol); a call with values is one statement through
 *   `query` (extended protocol, parameters typed by the server).
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type PgBoss from 'pg-boss';
import { DataFolderLock } from './DataFolderLock';
import { createPgliteClusterIfMissing, PGLITE_START_PARAMS } from './pgliteMemory';

export const QUEUE_LOCK_NAME = 'queue.lock';
/** The PGlite cluster's folder inside the data folder (the lock file sits next to it). */
export const QUEUE_PGDATA = 'queue-pgdata';

export interface SqlResult {
  rows: unknown[];
}

/** A PostgreSQL error as the worker describes it: the message and fields such as `code` (23505, 40P01). */
type WorkerError = { message: string } & Record<string, unknown>;
type WorkerMessage = { type: 'ready' } | { type: 'failed'; error: WorkerError } | { type: 'closed' } | { id: number; rows?: unknown[]; error?: WorkerError };

const WORKER_SCRIPT = join(__dirname, 'pgliteWorker.mjs');

/** The worker's next message with a `type` (answers to calls carry an `id` instead and are skipped). */
function nextTypedMessage(worker: Worker): Promise<Exclude<WorkerMessage, { id: number }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: WorkerMessage) => {
      if (!('type' in message)) return;
      worker.off('message', onMessage);
      worker.off('error', reject);
      resolve(message);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
}

/** An Error like the ones PGlite throws: same message, and `code`, `detail`, … as properties. */
function toError(described: WorkerError): Error {
  const { message, ...fields } = described;
  return Object.assign(new Error(message), fields);
}

export class PgliteDatabase implements PgBoss.Db {
  private readonly pending = new Map<number, { resolve: (result: SqlResult) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    private readonly lock: DataFolderLock | undefined,
    /** The data folder, or undefined in memory. */
    readonly dataDir: string | undefined,
  ) {
    worker.on('message', (message: WorkerMessage) => {
      if (!('id' in message)) return;
      const call = this.pending.get(message.id);
      if (!call) return;
      this.pending.delete(message.id);
      if (this.pending.size === 0) worker.unref();
      if (message.error) call.reject(toError(message.error));
      else call.resolve({ rows: message.rows ?? [] });
    });
    this.exited = new Promise((resolve) => {
      worker.once('exit', () => {
        // A worker that died takes its answers with it: fail the calls still waiting.
        for (const call of this.pending.values()) call.reject(new Error('The queue database stopped.'));
        this.pending.clear();
        this.closed = true;
        resolve();
      });
    });
  }

  /** Opens (or creates) the queue database in `dataDir`, refusing a folder another process has open. */
  static async open(dataDir: string): Promise<PgliteDatabase> {
    const lock = DataFolderLock.acquire(dataDir, QUEUE_LOCK_NAME);
    try {
      const pgdata = `${dataDir}/${QUEUE_PGDATA}`;
      // initdb's memory would stay with the worker: a short-lived one creates a new folder first.
      await createPgliteClusterIfMissing(pgdata);
      return await PgliteDatabase.start(pgdata, lock, dataDir);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /**
   * A queue database that lives and dies with this process (tests, demos): nothing on disk, no lock.
   * `template`: a PGlite data-folder dump (`dumpDataDir`, tar) to start from instead of running initdb,
   * which takes seconds in WebAssembly; the test suites pass one cluster made once.
   */
  static inMemory(options: { template?: string } = {}): Promise<PgliteDatabase> {
    return PgliteDatabase.start(undefined, undefined, undefined, options.template);
  }

  private static async start(pgdata: string | undefined, lock: DataFolderLock | undefined, dataDir: string | undefined, template?: string): Promise<PgliteDatabase> {
    const worker = new Worker(WORKER_SCRIPT, { workerData: { dataDir: pgdata, template, startParams: [...PGLITE_START_PARAMS] } });
    try {
      const message = await nextTypedMessage(worker);
      if (message.type !== 'ready') throw toError(message.type === 'failed' ? message.error : { message: `unexpected message ${message.type}` });
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    // Like PGlite in this thread: the worker keeps the process alive only while a call is waiting.
    worker.unref();
    return new PgliteDatabase(worker, lock, dataDir);
  }

  executeSql(text: string, values?: unknown[]): Promise<SqlResult> {
    if (this.closed) return Promise.reject(new Error('The queue database is closed.'));
    const id = this.nextId++;
    return new Promise<SqlResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ type: 'query', id, text, values });
    });
  }

  /** Lets the calls already sent finish, closes PGlite, ends the worker, then releases the folder's lock. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      try {
        // The worker answers in order: `closed` comes after every call sent before it (and is the only
        // typed message once it is ready). A worker error ends the wait like its exit does.
        const closed = nextTypedMessage(this.worker).catch(() => undefined);
        this.worker.ref();
        this.worker.postMessage({ type: 'close' });
        await Promise.race([closed, this.exited]);
        await this.worker.terminate();
      } finally {
        this.lock?.release();
      }
    })();
    return this.closing;
  }
}
