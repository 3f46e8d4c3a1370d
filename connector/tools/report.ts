import type { Finding } from './validation/finding';

export interface ValidationSummary {
  readonly errors: number;
  readonly warnings: number;
}

export function summarize(findings: readonly Finding[]): ValidationSummary {
  const errors = findings.filter((finding) => finding.severity === 'error').length;
  return { errors, warnings: findings.length - errors };
}

/** One line per finding: `ERROR   R20 S1 OperationSummaryTooLong  apiDefinition.swagger.json paths./v1/x.post.summary: …`. */
export function formatFinding(finding: Finding): string {
  const level = finding.severity === 'error' ? 'ERROR  ' : 'WARNING';
  const where = finding.path ? `${finding.file} ${finding.path}` : finding.file;
  return `${level} ${finding.ruleId} ${finding.source}  ${where}: ${finding.message}`;
}

/** The whole report: errors first, then warnings, then the counts. */
export function formatReport(folder: string, findings: readonly Finding[]): string {
  const ordered = [...findings].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  const { errors, warnings } = summarize(findings);
  const lines = ordered.map(formatFinding);
  lines.push(`${folder}: ${errors} error(s), ${warnings} warning(s)`);
  return lines.join('\n');
}
