import { RULES, severityOf, type RuleId, type Severity } from './rule-catalog';

/** Where in which file a finding is: the file name and the path of keys inside its JSON. */
export type JsonPath = readonly (string | number)[];

export interface Finding {
  readonly ruleId: RuleId;
  readonly severity: Severity;
  /** Source label, e.g. "S1 OperationSummaryTooLong". */
  readonly source: string;
  /** File the finding is about, e.g. "apiDefinition.swagger.json". */
  readonly file: string;
  /** JSON path inside the file, e.g. "paths./v1/x.post.summary"; "" for the whole file. */
  readonly path: string;
  readonly message: string;
}

/**
 * Formats a JSON path the way people read it in the definition: keys joined with ".",
 * array positions as "[n]" (`paths./v1/x.post.parameters[0].name`).
 */
export function formatJsonPath(path: JsonPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? segment : `.${segment}`;
  }
  return text;
}

/**
 * The source label of a finding: the rule's default, or its source id with a more precise error
 * code (`S1 OperationPathTemplateNotValid`), or a whole other source when `code` names one (`S10`).
 */
function sourceLabel(ruleId: RuleId, code: string | undefined): string {
  const fallback = RULES[ruleId].source;
  if (code === undefined) return fallback;
  if (/^S\d+\b/.test(code)) return code;
  return `${fallback.split(' ')[0]} ${code}`;
}

/** Collects findings for one validation run; rule modules only call `report`. */
export class FindingCollector {
  private readonly collected: Finding[] = [];

  /** `code` names the source's error code when the rule has several; it can lower the severity (warningCodes). */
  report(ruleId: RuleId, file: string, path: JsonPath, message: string, code?: string): void {
    const source = sourceLabel(ruleId, code);
    this.collected.push({ ruleId, severity: severityOf(ruleId, code), source, file, path: formatJsonPath(path), message });
  }

  get findings(): readonly Finding[] {
    return this.collected;
  }
}
