/**
 * A solution package as the checker sees it: the entries of a solution zip (or of a folder holding
 * an extracted zip) by their raw names, exactly as written — a backslash stays a backslash so the
 * checker can report it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';

import { decodeUtf8 } from './xmlDocument';

export class SolutionPackage {
  constructor(
    /** Entry name → bytes. Directory entries (names ending in '/') are left out. */
    readonly entries: ReadonlyMap<string, Uint8Array>,
    /** Where the package came from, for messages. */
    readonly origin: string,
  ) {}

  has(name: string): boolean {
    return this.entries.has(name);
  }

  bytes(name: string): Uint8Array | undefined {
    return this.entries.get(name);
  }

  text(name: string): string | undefined {
    const bytes = this.entries.get(name);
    return bytes === undefined ? undefined : decodeUtf8(bytes);
  }

  get names(): string[] {
    return [...this.entries.keys()].sort();
  }
}

export function solutionPackageFromZip(zipBytes: Uint8Array, origin: string): SolutionPackage {
  const files = unzipSync(zipBytes);
  const entries = new Map<string, Uint8Array>();
  for (const [name, bytes] of Object.entries(files)) {
    if (!name.endsWith('/')) entries.set(name, bytes);
  }
  return new SolutionPackage(entries, origin);
}

async function listFiles(root: string, relative = ''): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await fs.readdir(path.join(root, relative), { withFileTypes: true })) {
    const child = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) names.push(...(await listFiles(root, child)));
    else if (entry.isFile()) names.push(child);
  }
  return names;
}

/**
 * Reads a solution zip, or a folder holding the flat layout of an extracted zip (`solution.xml` at
 * its root). A `pac solution unpack` folder is refused with a hint: pack it first.
 */
export async function readSolutionPackage(location: string): Promise<SolutionPackage> {
  const stat = await fs.stat(location);
  if (stat.isFile()) return solutionPackageFromZip(new Uint8Array(await fs.readFile(location)), location);
  const names = await listFiles(location);
  if (!names.includes('solution.xml') && names.includes('Other/Solution.xml')) {
    throw new Error(
      `${location} is a 'pac solution unpack' source folder (Other/Solution.xml), not a solution package: ` +
        'pack it first (npm run build:solution for this repository, or pac solution pack) and check the zip',
    );
  }
  const entries = new Map<string, Uint8Array>();
  for (const name of names) entries.set(name, new Uint8Array(await fs.readFile(path.join(location, name))));
  return new SolutionPackage(entries, location);
}
