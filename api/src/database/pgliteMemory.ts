/**
 * What keeps each embedded PGlite database (the queue's, each local Dataverse's) small in memory.
 *
 * - PGlite's WebAssembly memory only grows, and a page Postgres has touched stays resident until the
 *   process (or the worker thread holding it) ends. Postgres' defaults are sized for a server: a
 *   128 MB `shared_buffers` pool alone keeps ~130 MB resident per database. These databases hold a
 *   few MB (the queue's jobs, a test double's records), which 16 MB of buffers hold entirely;
 *   `wal_buffers` follows (1/32 of it). Durability is Postgres' own either way: buffers only cache pages.
 * - Creating a database (initdb) grows that memory by another ~500 MB, so a new cluster is created by a
 *   child process that then exits, taking that memory with it; the database is then opened afresh. (A
 *   worker thread frees its WebAssembly memory when it ends, but ~100 MB it allocated stays in the
 *   process' malloc arenas.)
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

/** PostgreSQL settings (`-c name=value`) every embedded database starts with, beside PGlite's own. */
export const PGLITE_MEMORY_SETTINGS: Readonly<Record<string, string>> = { shared_buffers: '16MB' };

/** PGlite's `startParams`: its defaults, then the settings above. */
export const PGLITE_START_PARAMS: readonly string[] = [
  ...PGlite.defaultStartParams,
  ...Object.entries(PGLITE_MEMORY_SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
];

const CREATE_SCRIPT = join(__dirname, 'createPgliteCluster.mjs');

/**
 * The cluster this process is creating now, if any: its folder (`<pgdata>.creating`), the child
 * process' initdb, and the copies other databases of this process take of it meanwhile.
 */
interface ClusterInCreation {
  folder: string;
  made: Promise<void>;
  copies: Promise<void>[];
}
let inCreation: ClusterInCreation | undefined;

/**
 * Creates a PGlite cluster in `pgdata` unless one is there (its `PG_VERSION` file), in a child process
 * that exits once the cluster is on disk, so initdb's memory leaves with it. The caller holds the
 * folder's lock.
 *
 * Databases created side by side (a first start creates three) share one initdb: the first one runs it,
 * the others copy its new cluster. A copy is as good as another initdb: what differs between two runs
 * (the cluster's system identifier, timestamps) matters only to replication between clusters, which
 * these databases never do. Three children each compiling PGlite's WebAssembly and running initdb
 * side by side on two cores took about twice as long.
 */
export async function createPgliteClusterIfMissing(pgdata: string): Promise<void> {
  if (existsSync(join(pgdata, 'PG_VERSION'))) return;
  // Created aside, then renamed into place: a creation cut short (SIGKILL) leaves no half cluster, and
  // what it left aside is removed here by the next creation (which holds the folder's lock).
  const creating = `${pgdata}.creating`;
  rmSync(creating, { recursive: true, force: true });
  const current = inCreation;
  if (current) {
    const copy = current.made.then(() => cpSync(current.folder, creating, { recursive: true }));
    current.copies.push(copy);
    await copy;
  } else {
    const own: ClusterInCreation = { folder: creating, made: runInitdb(creating, pgdata), copies: [] };
    inCreation = own;
    try {
      await own.made;
    } finally {
      // The copies taken meanwhile finish before this folder moves (a copy may start while we wait).
      let waited = 0;
      while (waited < own.copies.length) {
        waited = own.copies.length;
        await Promise.allSettled(own.copies);
      }
      inCreation = undefined;
    }
  }
  renameSync(creating, pgdata);
}

function runInitdb(folder: string, pgdata: string): Promise<void> {
  // execFile, not fork: no inherited Node flags (an inspector port, the parent's --cpu-prof).
  return new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [CREATE_SCRIPT, folder, JSON.stringify(PGLITE_START_PARAMS)], { maxBuffer: 1024 * 1024 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`could not create the database in ${pgdata}: ${stderr.trim() || error.message}`, { cause: error }));
      else resolve();
    });
  });
}
