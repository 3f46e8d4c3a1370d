import type { ConnectorFiles } from './connector-folder';
import { CONNECTOR_FILES } from './connector-folder';
import type { FindingCollector, JsonPath } from './finding';
import type { RuleId } from './rule-catalog';
import type { JsonObject } from './swagger-model';

/** What every rule module receives: the files, their parsed JSON objects, and where to report. */
export interface RuleContext {
  readonly files: ConnectorFiles;
  /** apiDefinition.swagger.json when it parsed to an object. */
  readonly definition?: JsonObject;
  /** apiProperties.json when it parsed to an object. */
  readonly properties?: JsonObject;
  /** settings.json when present and parsed to an object. */
  readonly settings?: JsonObject;
  readonly findings: FindingCollector;
}

/** One family of rules (one module under rules/). */
export interface RuleFamily {
  readonly name: string;
  check(context: RuleContext): void | Promise<void>;
}

/** Reports against apiDefinition.swagger.json. */
export function reportDefinition(context: RuleContext, ruleId: RuleId, path: JsonPath, message: string, code?: string): void {
  context.findings.report(ruleId, CONNECTOR_FILES.definition, path, message, code);
}

/** Reports against apiProperties.json. */
export function reportProperties(context: RuleContext, ruleId: RuleId, path: JsonPath, message: string, code?: string): void {
  context.findings.report(ruleId, CONNECTOR_FILES.properties, path, message, code);
}
