// `node createPgliteCluster.mjs <pgdata> <startParams as JSON>`: creates a PGlite cluster (initdb) in
// <pgdata>, closes it and exits 0; on failure, prints the error on stderr and exits 1. Run as a child
// process (see pgliteMemory.ts) so that the ~500 MB initdb grows leave with it: a worker thread's
// would stay in the parent's malloc arenas. Plain JavaScript: it starts the same under `tsx`, jest and
// plain node.
import process from 'node:process';
import { PGlite } from '@electric-sql/pglite';

const [pgdata, startParams] = process.argv.slice(2);
try {
  const pg = new PGlite({ dataDir: pgdata, startParams: JSON.parse(startParams) });
  await pg.waitReady;
  await pg.close();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
