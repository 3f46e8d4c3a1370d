/** npm run solution:check as users run it: output per finding and the exit code. */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { fixtureEntries, renameEntry, REPOSITORY_ROOT, SHOPIFY, temporaryDirectory, zipEntries, type Entries } from './solutionFixtures';

const TSX = path.join(REPOSITORY_ROOT, 'node_modules', '.bin', 'tsx');
const CLI = path.join(REPOSITORY_ROOT, 'solution', 'tools', 'solution-check.ts');

async function writeZip(entries: Entries): Promise<string> {
  const file = path.join(await temporaryDirectory(), 'Solution.zip');
  await fs.writeFile(file, zipEntries(entries));
  return file;
}

function run(...args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(TSX, [CLI, ...args], { cwd: REPOSITORY_ROOT }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout: stdout + stderr });
    });
  });
}

test('exits 0 and says OK for a valid solution zip', async () => {
  const result = await run(await writeZip(await fixtureEntries(SHOPIFY)));
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('OK (0 errors, 0 warnings)');
});

test('exits 1 and prints each error with its rule for a broken one', async () => {
  const entries = renameEntry(await fixtureEntries(SHOPIFY), 'Connector/cr1a6_shopify_iconblob.Png', 'Connector\\cr1a6_shopify_iconblob.Png');
  const result = await run(await writeZip(entries));
  expect(result.code).toBe(1);
  expect(result.stdout).toContain('ERROR [entry-name-separator]');
  expect(result.stdout).toContain('FAILED');
});

test('exits 1 with a hint for a pac source folder', async () => {
  const result = await run(path.join(REPOSITORY_ROOT, 'solution', 'src'));
  expect(result.code).toBe(1);
  expect(result.stdout).toContain('pack it first');
});
