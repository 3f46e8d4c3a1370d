/**
 * One process per data folder. Two processes opening the same PGlite folder corrupt it for good (it
 * then fails at every start; docs/decisions.md), so every embedded store takes this lock first and a
 * second opener gets a clear error.
 *
 * The lock is a file, linked into place atomically, holding the owner's pid and host. A lock left by a process
 * that no longer runs (SIGKILL, power loss) is taken over; a live owner is never overridden.
 */
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export class DataFolderInUseError extends Error {
  constructor(readonly folder: string, readonly ownerPid: number) {
    super(
      `The data folder ${folder} is already in use by process ${ownerPid}. ` +
        'Stop that process, or give this one another data folder (--data / DATA_DIR). ' +
        'Opening one folder from two processes would corrupt it.',
    );
    this.name = 'DataFolderInUseError';
  }
}

interface LockContent {
  pid: number;
  host: string;
  since: string;
}

export class DataFolderLock {
  private released = false;

  private constructor(readonly folder: string, private readonly lockPath: string) {}

  static acquire(folder: string, name = 'dataverse-ensure.lock'): DataFolderLock {
    mkdirSync(folder, { recursive: true });
    const lockPath = join(folder, name);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        // Write the content aside, then link it into place: the lock appears complete or not at all.
        const content: LockContent = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
        const staging = `${lockPath}.${process.pid}.tmp`;
        writeFileSync(staging, JSON.stringify(content));
        try {
          linkSync(staging, lockPath);
        } finally {
          unlinkSync(staging);
        }
        const lock = new DataFolderLock(folder, lockPath);
        process.once('exit', () => lock.release());
        return lock;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = readOwner(lockPath);
      if (owner && isAlive(owner)) throw new DataFolderInUseError(folder, owner.pid);
      // The owner is gone: remove its lock and try once more (a racing opener then finds ours alive).
      try {
        unlinkSync(lockPath);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    const owner = readOwner(lockPath);
    throw new DataFolderInUseError(folder, owner?.pid ?? -1);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    const owner = readOwner(this.lockPath);
    if (owner?.pid === process.pid) {
      try {
        unlinkSync(this.lockPath);
      } catch {
        // already gone
      }
    }
  }
}

function readOwner(lockPath: string): LockContent | undefined {
  try {
    const parsed = JSON.parse(readFileSync(lockPath, 'utf8')) as LockContent;
    return typeof parsed.pid === 'number' ? parsed : undefined;
  } catch {
    return undefined; // unreadable: treat as stale
  }
}

function isAlive(owner: LockContent): boolean {
  if (owner.host !== hostname()) return true; // another machine's lock (shared disk): never steal it
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
