/**
 * `npm run connector:calibrate -- <folder>`: runs the offline validator on every connector
 * folder under `<folder>` (each subfolder holding an `apiDefinition.swagger.json`) and prints one
 * row per connector — folder, errors, warnings, first error — and the share that passes with 0
 * errors. Point it at a set of certified connectors (e.g. `certified-connectors/` of
 * microsoft/PowerPlatformConnectors): a rule at error level that certified connectors break is a
 * rule the platform does not enforce. Not part of `npm test`: the sample is not in this repository.
 * Exit code 0 (2: bad arguments); the table is the result.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatFinding, summarize } from './report';
import { CONNECTOR_FILES } from './validation/connector-folder';
import type { Finding } from './validation/finding';
import { validateConnectorFolder } from './validation/validate-connector-files';

const USAGE = 'usage: npm run connector:calibrate -- <folder of connector folders>';

export interface CalibrationRow {
  readonly folder: string;
  readonly errors: number;
  readonly warnings: number;
  readonly firstError?: Finding;
}

/** The connector folders directly under `root`, sorted by name. */
export function connectorFoldersUnder(root: string): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, CONNECTOR_FILES.definition)))
    .map((entry) => entry.name)
    .sort((a, b) => a.localeCompare(b));
}

export async function calibrate(root: string): Promise<CalibrationRow[]> {
  const rows: CalibrationRow[] = [];
  for (const folder of connectorFoldersUnder(root)) {
    const findings = await validateConnectorFolder(join(root, folder));
    const firstError = findings.find((finding) => finding.severity === 'error');
    rows.push({ folder, ...summarize(findings), ...(firstError ? { firstError } : {}) });
  }
  return rows;
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

export function formatCalibration(rows: readonly CalibrationRow[]): string {
  const width = Math.max(6, ...rows.map((row) => row.folder.length));
  const lines = [`${'folder'.padEnd(width)}  errors  warnings  first error`, `${'-'.repeat(width)}  ------  --------  -----------`];
  for (const row of rows) {
    const first = row.firstError ? truncate(formatFinding(row.firstError).replace(/^ERROR\s+/, ''), 160) : '';
    lines.push(`${row.folder.padEnd(width)}  ${String(row.errors).padStart(6)}  ${String(row.warnings).padStart(8)}  ${first}`);
  }
  const passed = rows.filter((row) => row.errors === 0).length;
  const ratio = rows.length === 0 ? 0 : (100 * passed) / rows.length;
  lines.push(`${passed} of ${rows.length} pass with 0 errors (${ratio.toFixed(1)} %)`);
  return lines.join('\n');
}

export async function runCalibrate(args: readonly string[]): Promise<number> {
  if (args.length !== 1 || args[0]!.startsWith('-')) {
    console.error(USAGE);
    return 2;
  }
  const root = resolve(args[0]!);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    console.error(`folder not found: ${root}\n${USAGE}`);
    return 2;
  }
  const rows = await calibrate(root);
  if (rows.length === 0) {
    console.error(`no connector folder (a subfolder with ${CONNECTOR_FILES.definition}) under ${root}`);
    return 2;
  }
  console.log(formatCalibration(rows));
  return 0;
}

if (require.main === module) {
  runCalibrate(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(2);
    },
  );
}
