/**
 * A fresh PGlite database without paying for `initdb` each time. Creating a cluster runs initdb in
 * WebAssembly: 4–6 s on a 2-core machine, and a run of the suites creates dozens. One cluster is made
 * once per PGlite version (jest's global setup, `pgliteTemplateSetup.ts`; or the first suite that
 * asks) and cached under `node_modules/.cache/dve-pglite-template/<version>/`; a suite starts from a
 * copy, which opens in well under a second.
 *
 * The product still opens its databases as it always does:
 * - a data folder: `seedPgliteCluster(<folder>)` copies the cluster where the product will look (the
 *   queue's `<dataDir>/queue-pgdata`, a local instance's `<folder>/pgdata`); the product finds a
 *   cluster there, as on any later start, and creates its own tables in it;
 * - in memory: `createQueue({ memory: true, template: pgliteTemplateDump() })` loads the same cluster
 *   from PGlite's dump instead of running initdb.
 *
 * The first start (initdb through the product) stays tested by the suites that do not seed: `npm start`
 * and the dist build on an empty data folder, createQueue's first test, PgliteDatabase's and the local
 * Dataverse persistence suites' first opens.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { QUEUE_PGDATA } from '../../api/src/database/PgliteDatabase';

const ROOT = resolve(__dirname, '..', '..');
const MAKER = join(__dirname, 'makePgliteTemplate.mjs');

function pgliteVersion(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string }).version;
}

/** The template's folder for the installed PGlite, made first when missing. */
export function pgliteTemplate(): string {
  const folder = join(ROOT, 'node_modules', '.cache', 'dve-pglite-template', pgliteVersion());
  if (!existsSync(join(folder, 'pgdata.tar'))) {
    const made = spawnSync(process.execPath, [MAKER, folder], { encoding: 'utf8', timeout: 120_000 });
    if (made.status !== 0 || !existsSync(join(folder, 'pgdata.tar'))) {
      throw new Error(`could not make the PGlite template in ${folder} (exit ${made.status ?? made.signal}):\n${made.stdout}\n${made.stderr}`);
    }
  }
  return folder;
}

/** The template as a tar dump (PGlite's `loadDataDir`), for an in-memory database. */
export function pgliteTemplateDump(): string {
  return join(pgliteTemplate(), 'pgdata.tar');
}

/** Copies the template cluster into `pgdata`, which must not hold one yet. */
export function seedPgliteCluster(pgdata: string): void {
  if (existsSync(join(pgdata, 'PG_VERSION'))) throw new Error(`${pgdata} already holds a cluster`);
  mkdirSync(pgdata, { recursive: true });
  cpSync(join(pgliteTemplate(), 'pgdata'), pgdata, { recursive: true });
}

/**
 * Seeds a service data folder (`DATA_DIR`) where a start looks for its clusters, each one that is not
 * there yet (a restart on the folder keeps its data): the queue's unless it is on PostgreSQL, and each
 * named local instance's journal (`<dataDir>/local-dataverse/<name>/pgdata`).
 */
export function seedServiceDataFolder(dataDir: string, parts: { queue?: boolean; localInstances?: readonly string[] } = {}): void {
  const clusters = [...(parts.queue === false ? [] : [join(dataDir, QUEUE_PGDATA)]), ...(parts.localInstances ?? []).map((name) => join(dataDir, 'local-dataverse', name, 'pgdata'))];
  for (const pgdata of clusters) if (!existsSync(join(pgdata, 'PG_VERSION'))) seedPgliteCluster(pgdata);
}
