/**
 * Zip entry names: Dataverse reads entries by forward-slash paths relative to the zip root. A zip
 * written by a tool that keeps Windows separators (`Controls\x\bundle.js`) imports as "file not
 * found" for every file in a folder.
 */
import type { Findings } from '../findings';
import type { SolutionPackage } from '../solutionPackage';

export function checkEntryNames(pkg: SolutionPackage, findings: Findings): void {
  for (const name of pkg.names) {
    if (name.includes('\\')) {
      findings.error(
        'entry-name-separator',
        `zip entry '${name}' uses a backslash; Dataverse expects forward slashes: re-create the zip with '/' separators (e.g. '${name.replace(/\\/g, '/')}')`,
      );
    }
    if (name.startsWith('/')) {
      findings.error('entry-name-separator', `zip entry '${name}' starts with '/': store entries relative to the zip root`);
    }
  }
}
