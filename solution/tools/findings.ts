/**
 * What the solution checker reports. An error means Dataverse refuses or mangles the import (or the
 * package is not what it claims to be); a warning is legal but suspicious — `--strict`, which our own
 * build uses, turns warnings into errors.
 */
export type Severity = 'error' | 'warning';

export interface Finding {
  readonly severity: Severity;
  /** Stable identifier of the rule, e.g. `content-types`, used by tests and in the output. */
  readonly rule: string;
  /** What is wrong and what to do about it. */
  readonly message: string;
}

export class Findings {
  private readonly list: Finding[] = [];

  error(rule: string, message: string): void {
    this.list.push({ severity: 'error', rule, message });
  }

  warning(rule: string, message: string): void {
    this.list.push({ severity: 'warning', rule, message });
  }

  get all(): readonly Finding[] {
    return this.list;
  }
}

export function formatFinding(finding: Finding): string {
  return `${finding.severity.toUpperCase()} [${finding.rule}] ${finding.message}`;
}
