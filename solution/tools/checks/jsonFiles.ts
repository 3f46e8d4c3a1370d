/** Every .json entry (connector definitions, flows, connection parameters) must parse. */
import type { Findings } from '../findings';
import type { SolutionPackage } from '../solutionPackage';

export function checkJsonFiles(pkg: SolutionPackage, findings: Findings): void {
  for (const name of pkg.names.filter((entry) => entry.toLowerCase().endsWith('.json'))) {
    try {
      JSON.parse(pkg.text(name) ?? '');
    } catch (error) {
      findings.error('json-parse', `${name} is not valid JSON (${error instanceof Error ? error.message : String(error)}): fix or regenerate it`);
    }
  }
}
