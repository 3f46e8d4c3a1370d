/**
 * Test helpers: real exported solutions (fixtures/, see each SOURCE.txt) zipped with fflate, the
 * library the packer uses, and stand-ins for the two build outputs the packer consumes (the built
 * code component and the connector folder) so the packer can be tested without running those builds.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';

import { checkSolution, type CheckOptions, type CheckResult } from '../../solution/tools/checkSolution';
import { solutionPackageFromZip } from '../../solution/tools/solutionPackage';
import { decodeUtf8 } from '../../solution/tools/xmlDocument';

export const REPOSITORY_ROOT = path.join(__dirname, '..', '..');
export const FIXTURES = path.join(__dirname, 'fixtures');
export const SHOPIFY = 'microsoft_iom-provider-shopify';
export const TACTEC = 'tactec-dev-powerapps_XML_1_1';
export const FRANBELL_PCF = 'FranBellCast_JSMultiTagPCF';

export type Entries = Map<string, Uint8Array>;

async function listFiles(root: string, relative = ''): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await fs.readdir(path.join(root, relative), { withFileTypes: true })) {
    const child = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) names.push(...(await listFiles(root, child)));
    else names.push(child);
  }
  return names;
}

/** The files of a fixture folder as zip entries, without its SOURCE.txt. */
export async function fixtureEntries(fixture: string): Promise<Entries> {
  const directory = path.join(FIXTURES, fixture);
  const entries: Entries = new Map();
  for (const name of await listFiles(directory)) {
    if (name !== 'SOURCE.txt') entries.set(name, new Uint8Array(await fs.readFile(path.join(directory, name))));
  }
  return entries;
}

export function zipEntries(entries: Entries): Uint8Array {
  return zipSync(Object.fromEntries(entries));
}

export async function check(entries: Entries, options: CheckOptions = {}): Promise<CheckResult> {
  return checkSolution(solutionPackageFromZip(zipEntries(entries), 'test'), options);
}

export function text(entries: Entries, name: string): string {
  const bytes = entries.get(name);
  if (!bytes) throw new Error(`no entry ${name}`);
  return decodeUtf8(bytes);
}

/** Replaces `search` in an entry (which must occur) and returns the same map for chaining. */
export function editEntry(entries: Entries, name: string, search: string | RegExp, replacement: string): Entries {
  const before = text(entries, name);
  const after = before.replace(search, replacement);
  if (after === before) throw new Error(`edit of ${name} changed nothing (${String(search)})`);
  entries.set(name, new TextEncoder().encode(after));
  return entries;
}

export function renameEntry(entries: Entries, from: string, to: string): Entries {
  const bytes = entries.get(from);
  if (!bytes) throw new Error(`no entry ${from}`);
  entries.delete(from);
  entries.set(to, bytes);
  return entries;
}

/** Rules of the errors in a result, for compact assertions. */
export function errorRules(result: CheckResult): string[] {
  return [...new Set(result.errors.map((finding) => finding.rule))].sort();
}

export async function temporaryDirectory(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'solution-test-'));
}

/**
 * A stand-in for pcf-scripts' production output of one of our controls: the control's committed
 * ControlManifest.Input.xml with the code path a build writes (bundle.js), a one-line minified
 * bundle, and the control's string resources. Built from the control's source so a renamed data set
 * or namespace shows up here.
 */
export async function controlBuildStandIn(projectFolder: string, constructorName: string): Promise<string> {
  const source = path.join(REPOSITORY_ROOT, 'pcf-control', projectFolder, constructorName);
  const directory = await temporaryDirectory();
  const manifest = (await fs.readFile(path.join(source, 'ControlManifest.Input.xml'), 'utf8')).replace(/<code path="[^"]*"/, '<code path="bundle.js"');
  await fs.writeFile(path.join(directory, 'ControlManifest.xml'), manifest);
  await fs.writeFile(path.join(directory, 'bundle.js'), 'var pcf_tools_stand_in;(()=>{"use strict";var e={};pcf_tools_stand_in=e})();\n');
  for (const match of manifest.matchAll(/<(?:resx|css) path="([^"]+)"/g)) {
    const relative = match[1] as string;
    await fs.mkdir(path.dirname(path.join(directory, relative)), { recursive: true });
    await fs.copyFile(path.join(source, relative), path.join(directory, relative));
  }
  return directory;
}

export async function pendingStubsBuildStandIn(): Promise<string> {
  return controlBuildStandIn('pending-stubs', 'PendingStubs');
}

/** Both code components of the solution, built (stood in for). */
export async function controlBuildStandIns(): Promise<Map<string, { directory: string }>> {
  return new Map([
    ['ec_DataverseEnsure.PendingStubs', { directory: await pendingStubsBuildStandIn() }],
    ['ec_DataverseEnsure.HydrationStatus', { directory: await controlBuildStandIn('hydration-status', 'HydrationStatus') }],
  ]);
}

/**
 * A copy of our generated connector (connector/, kept in sync with the API by npm run build:connector
 * and the connector drift test), so tests may change the copy without touching the real one.
 */
export async function connectorStandIn(): Promise<string> {
  const directory = await temporaryDirectory();
  for (const file of ['apiDefinition.swagger.json', 'apiProperties.json', 'icon.png']) {
    await fs.copyFile(path.join(REPOSITORY_ROOT, 'connector', file), path.join(directory, file));
  }
  return directory;
}

/** The Shopify fixture's connector files laid out as a connector/ folder, to check that export against. */
export async function shopifyConnectorFolder(): Promise<string> {
  const shopify = path.join(FIXTURES, SHOPIFY, 'Connector');
  const directory = await temporaryDirectory();
  await fs.copyFile(path.join(shopify, 'cr1a6_shopify_openapidefinition.json'), path.join(directory, 'apiDefinition.swagger.json'));
  return directory;
}
