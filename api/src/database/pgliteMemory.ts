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
import { existsSync, renameSync, rmSync } from 'node:fs';
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
 * Creates a PGlite cluster in `pgdata` unless one is there (its `PG_VERSION` file), in a child process
 * that exits once the cluster is on disk, so initdb's memory leaves with it. The caller holds the
 * folder's lock.
 */
export async function createPgliteClusterIfMissing(pgdata: string): Promise<void> {
  if (existsSync(join(pgdata, 'PG_VERSION'))) return;
  // Created aside, then renamed into place: a creation cut short (SIGKILL) leaves no half cluster.
  const creating = `${pgdata}.creating`;
  rmSync(creating, { recursive: true, force: true });
  // execFile, not fork: no inherited Node flags (an inspector port, the parent's --cpu-prof).
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [CREATE_SCRIPT, creating, JSON.stringify(PGLITE_START_PARAMS)], { maxBuffer: 1024 * 1024 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`could not create the database in ${pgdata}: ${stderr.trim() || error.message}`, { cause: error }));
      else resolve();
    });
  });
  renameSync(creating, pgdata);
}
