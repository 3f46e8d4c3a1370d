/**
 * npm run build:solution [-- --skip-prebuild]
 *
 * Builds the code components (npm run build:pcf -- --if-stale: a current production build is reused)
 * and the connector (npm run build:connector), when those scripts exist, packs solution/src into
 * solution/dist/DataverseEnsure_<version>.zip (unmanaged) and DataverseEnsure_<version>_managed.zip
 * (managed), then runs the solution checker on both in strict mode. The version comes from the root
 * package.json (0.1.0 → 0.1.0.0, file name 0_1_0_0).
 */
import { execFileSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';

import { checkSolution } from './checkSolution';
import { writeDeterministicZip } from './deterministicZip';
import { formatFinding } from './findings';
import { solutionPackageFromZip } from './solutionPackage';
import { packSolution, SolutionPackError } from './solutionSourcePacker';
import { toSolutionVersion, versionForFileName } from './solutionVersion';

const REPOSITORY_ROOT = path.join(__dirname, '..', '..');
export const SOLUTION_SOURCE = path.join(REPOSITORY_ROOT, 'solution', 'src');
export const DIST_DIRECTORY = path.join(REPOSITORY_ROOT, 'solution', 'dist');
export const CONNECTOR_DIRECTORY = path.join(REPOSITORY_ROOT, 'connector');
/** Where pcf-scripts writes each code component of this repository (solution names: docs/data-model.md). */
export const CONTROL_OUTPUTS: ReadonlyMap<string, string> = new Map([
  ['ec_DataverseEnsure.PendingStubs', path.join(REPOSITORY_ROOT, 'pcf-control', 'pending-stubs', 'out', 'controls', 'PendingStubs')],
  ['ec_DataverseEnsure.HydrationStatus', path.join(REPOSITORY_ROOT, 'pcf-control', 'hydration-status', 'out', 'controls', 'HydrationStatus')],
]);
const SOLUTION_UNIQUE_NAME = 'DataverseEnsure';

interface RootPackageJson {
  readonly version: string;
  readonly scripts?: Record<string, string>;
}

function readRootPackage(): RootPackageJson {
  return JSON.parse(readFileSync(path.join(REPOSITORY_ROOT, 'package.json'), 'utf8')) as RootPackageJson;
}

function runScriptIfPresent(pkg: RootPackageJson, script: string, args: readonly string[] = []): void {
  if (!pkg.scripts?.[script]) {
    console.log(`build:solution: no '${script}' script in package.json, using what is already built`);
    return;
  }
  const command = ['run', script, ...(args.length > 0 ? ['--', ...args] : [])];
  console.log(`build:solution: npm ${command.join(' ')}`);
  try {
    execFileSync('npm', command, { cwd: REPOSITORY_ROOT, stdio: 'inherit' });
  } catch {
    throw new SolutionPackError(`npm run ${script} failed (see its output above): fix it, then run npm run build:solution again`);
  }
}

export async function buildSolutionZips(version: string): Promise<string[]> {
  await fs.mkdir(DIST_DIRECTORY, { recursive: true });
  const controls = new Map([...CONTROL_OUTPUTS].map(([name, directory]) => [name, { directory }]));
  const written: string[] = [];
  for (const managed of [false, true]) {
    const entries = await packSolution({ sourceDirectory: SOLUTION_SOURCE, version, managed, controls, connector: { directory: CONNECTOR_DIRECTORY } });
    const file = path.join(DIST_DIRECTORY, `${SOLUTION_UNIQUE_NAME}_${versionForFileName(version)}${managed ? '_managed' : ''}.zip`);
    await fs.writeFile(file, writeDeterministicZip(entries));
    written.push(file);
  }
  return written;
}

async function main(): Promise<number> {
  const rootPackage = readRootPackage();
  if (!process.argv.includes('--skip-prebuild')) {
    // A control whose production output is newer than its sources is not built again: after npm test
    // (whose PCF build suites build them when stale), CI's build:solution reuses that build.
    runScriptIfPresent(rootPackage, 'build:pcf', ['--if-stale']);
    runScriptIfPresent(rootPackage, 'build:connector');
  }
  const version = toSolutionVersion(rootPackage.version);
  const files = await buildSolutionZips(version);
  let failed = false;
  for (const file of files) {
    const result = await checkSolution(solutionPackageFromZip(new Uint8Array(await fs.readFile(file)), file), {
      strict: true,
      connectorDirectory: CONNECTOR_DIRECTORY,
    });
    for (const finding of result.findings) console.log(`${path.relative(REPOSITORY_ROOT, file)}: ${formatFinding(finding)}`);
    console.log(`${path.relative(REPOSITORY_ROOT, file)}: ${result.passed ? 'written and checked' : 'FAILED the solution check'}`);
    failed ||= !result.passed;
  }
  return failed ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      console.error(`build:solution: ${error instanceof SolutionPackError ? '' : 'unexpected error: '}${message}`);
      process.exit(1);
    },
  );
}
