// The embedded queue database, PGlite, on a worker thread of its own (see PgliteDatabase.ts): its
// WASM Postgres costs more CPU per operation than anything else in the API, and here it runs on
// another core instead of delaying the HTTP event loop. Plain JavaScript so that it starts the same
// under `tsx`, jest and plain node, with no TypeScript loader in the worker.
//
// workerData: { dataDir } (a cluster folder) or { template } (in memory, from a dataDir dump) or {} (in memory).
// Messages in:  { type: 'query', id, text, values } | { type: 'close' }
// Messages out: { type: 'ready' } | { type: 'failed', error } | { id, rows } | { id, error } | { type: 'closed' }
import { Blob } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

/** The fields of a PostgreSQL error that callers read (`code` above all: 23505, 40P01, …). */
const ERROR_FIELDS = ['code', 'severity', 'detail', 'hint', 'position', 'schema', 'table', 'column', 'constraint', 'routine'];

function describeError(error) {
  const described = { message: error instanceof Error ? error.message : String(error) };
  for (const field of ERROR_FIELDS) {
    const value = error && typeof error === 'object' ? error[field] : undefined;
    if (value !== undefined && value !== null) described[field] = value;
  }
  return described;
}

/** One statement with values (extended protocol), or a script of several without (simple protocol). */
async function run(pg, text, values) {
  try {
    if (values && values.length > 0) return (await pg.query(text, values)).rows;
    const results = await pg.exec(text);
    // Like node-postgres for one statement; for several, the rows of the last one that returned any.
    const withRows = results.filter((result) => result.fields.length > 0);
    return withRows[withRows.length - 1]?.rows ?? [];
  } catch (error) {
    try {
      // A script that failed inside its own BEGIN … COMMIT leaves the one connection in an aborted
      // transaction; outside a transaction ROLLBACK is only a warning.
      await pg.exec('ROLLBACK');
    } catch {
      // nothing more to undo
    }
    throw error;
  }
}

async function main() {
  let pg;
  try {
    // startParams: PGlite's own and the memory settings (pgliteMemory.ts).
    const startParams = workerData.startParams;
    if (workerData.dataDir !== undefined) pg = new PGlite({ dataDir: workerData.dataDir, startParams });
    // In memory from a dump of an initialised cluster (tests): no initdb.
    else if (workerData.template !== undefined) pg = new PGlite({ loadDataDir: new Blob([await readFile(workerData.template)]), startParams });
    else pg = new PGlite({ startParams });
    await pg.waitReady;
  } catch (error) {
    parentPort.postMessage({ type: 'failed', error: describeError(error) });
    return;
  }
  // One connection: statements run one at a time, in arrival order.
  let tail = Promise.resolve();
  parentPort.on('message', (message) => {
    tail = tail.then(async () => {
      if (message.type === 'close') {
        await pg.close();
        parentPort.postMessage({ type: 'closed' });
        return;
      }
      try {
        parentPort.postMessage({ id: message.id, rows: await run(pg, message.text, message.values) });
      } catch (error) {
        parentPort.postMessage({ id: message.id, error: describeError(error) });
      }
    });
  });
  parentPort.postMessage({ type: 'ready' });
}

void main();
