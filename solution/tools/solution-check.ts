/**
 * npm run solution:check [-- <zip or extracted folder> ...] [--connector <folder>] [--strict]
 *
 * Without a path it checks the zips `npm run build:solution` wrote to solution/dist/. Exits 1 when
 * any package has an error.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { checkSolution } from './checkSolution';
import { formatFinding } from './findings';
import { readSolutionPackage } from './solutionPackage';

const DIST_DIRECTORY = path.join(__dirname, '..', 'dist');

interface Arguments {
  readonly locations: string[];
  readonly connectorDirectory: string | undefined;
  readonly strict: boolean;
}

function parseArguments(argv: readonly string[]): Arguments {
  const locations: string[] = [];
  let connectorDirectory: string | undefined;
  let strict = false;
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] as string;
    if (argument === '--strict') strict = true;
    else if (argument === '--connector') {
      connectorDirectory = argv[index + 1];
      index += 1;
      if (!connectorDirectory) throw new Error('--connector needs a folder (e.g. --connector connector)');
    } else if (argument.startsWith('--')) throw new Error(`unknown option ${argument}`);
    else locations.push(argument);
  }
  return { locations, connectorDirectory, strict };
}

async function defaultLocations(): Promise<string[]> {
  const names = await fs.readdir(DIST_DIRECTORY).catch(() => [] as string[]);
  const zips = names.filter((name) => name.endsWith('.zip')).map((name) => path.join(DIST_DIRECTORY, name));
  if (zips.length === 0) throw new Error(`no solution zip in ${DIST_DIRECTORY}: run npm run build:solution, or pass a zip: npm run solution:check -- <zip>`);
  return zips;
}

async function main(): Promise<number> {
  const args = parseArguments(process.argv.slice(2));
  const locations = args.locations.length > 0 ? args.locations : await defaultLocations();
  let failed = false;
  for (const location of locations) {
    const result = await checkSolution(await readSolutionPackage(location), { connectorDirectory: args.connectorDirectory, strict: args.strict });
    for (const finding of result.findings) console.log(`${location}: ${formatFinding(finding)}`);
    console.log(`${location}: ${result.passed ? 'OK' : 'FAILED'} (${result.errors.length} errors, ${result.warnings.length} warnings)`);
    failed ||= !result.passed;
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`solution:check: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
