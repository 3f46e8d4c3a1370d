// Makes the PGlite template cluster that test/support/pgliteTemplate.ts hands to the suites: one
// `initdb` (PGlite's WebAssembly Postgres, 4–6 s on a 2-core machine) whose result is kept in
// <target>/pgdata (a cluster folder, closed cleanly) and <target>/pgdata.tar (the same cluster as
// PGlite's `dumpDataDir`, which `loadDataDir` takes for an in-memory database).
//
// Its own process because initdb grows PGlite's WebAssembly memory by about 500 MB that never shrinks.
// Built in a sibling folder, then renamed into place: a reader never sees half a template, and when two
// processes race the loser throws its copy away.
//
//   node test/support/makePgliteTemplate.mjs <target folder>
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { argv, exit } from 'node:process';
import { PGlite } from '@electric-sql/pglite';

const target = argv[2];
if (!target) throw new Error('usage: makePgliteTemplate.mjs <target folder>');
if (existsSync(join(target, 'pgdata.tar'))) exit(0);

mkdirSync(dirname(target), { recursive: true });
const building = mkdtempSync(join(dirname(target), `${basename(target)}.building-`));
try {
  const pg = new PGlite(join(building, 'pgdata'));
  await pg.waitReady;
  const dump = await pg.dumpDataDir('none');
  await pg.close();
  writeFileSync(join(building, 'pgdata.tar'), new Uint8Array(await dump.arrayBuffer()));
  try {
    renameSync(building, target);
  } catch (error) {
    // Another process put its template in place first: use that one.
    if (!existsSync(join(target, 'pgdata.tar'))) throw error;
  }
} finally {
  rmSync(building, { recursive: true, force: true });
}
