/**
 * Zips that are byte-identical for identical input: entries sorted by name, one fixed timestamp,
 * fixed compression level. (DOS timestamps are local time, so the date is built from local fields.)
 */
import { zipSync, type Zippable } from 'fflate';

const FIXED_TIMESTAMP = new Date(2000, 0, 1, 0, 0, 0);

export function writeDeterministicZip(entries: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const files: Zippable = {};
  for (const name of [...entries.keys()].sort()) {
    files[name] = [entries.get(name) as Uint8Array, { mtime: FIXED_TIMESTAMP, level: 6 }];
  }
  return zipSync(files, { mtime: FIXED_TIMESTAMP, level: 6 });
}
