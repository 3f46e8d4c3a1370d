import { apiPropertiesRules } from '../rules/api-properties';
import { connectorFileRules } from '../rules/connector-files';
import { connectorInfoRules } from '../rules/connector-info';
import { customCodeRules } from '../rules/custom-code';
import { definitionSizeRules } from '../rules/definition-size';
import { dynamicOperationRules } from '../rules/dynamic-operations';
import { extensionValueRules } from '../rules/extension-values';
import { hostAndSchemesRules } from '../rules/host-and-schemes';
import { iconRules } from '../rules/icon';
import { jsonSchemaRules } from '../rules/json-schemas';
import { mimeTypeRules } from '../rules/mime-types';
import { operationStringRules } from '../rules/operation-strings';
import { parameterRules } from '../rules/parameters';
import { pageableRules } from '../rules/pageable';
import { pathRules } from '../rules/paths';
import { propertySummaryRules } from '../rules/property-summaries';
import { referenceRules } from '../rules/references';
import { responseRules } from '../rules/responses';
import { schemaRequiredRules } from '../rules/schema-required';
import { securityRules } from '../rules/security';
import { swaggerParserRules } from '../rules/swagger-parser-validation';
import { webhookRules } from '../rules/webhooks';
import { readConnectorFolder, type ConnectorFiles, type JsonFile } from './connector-folder';
import { FindingCollector, type Finding } from './finding';
import type { RuleContext, RuleFamily } from './rule-context';
import { isObject, type JsonObject } from './swagger-model';

/** Every rule family, in the order their findings are reported. */
export const RULE_FAMILIES: readonly RuleFamily[] = [
  connectorFileRules,
  definitionSizeRules,
  swaggerParserRules,
  jsonSchemaRules,
  connectorInfoRules,
  hostAndSchemesRules,
  pathRules,
  operationStringRules,
  parameterRules,
  propertySummaryRules,
  responseRules,
  webhookRules,
  extensionValueRules,
  pageableRules,
  dynamicOperationRules,
  referenceRules,
  schemaRequiredRules,
  mimeTypeRules,
  securityRules,
  apiPropertiesRules,
  customCodeRules,
  iconRules,
];

function objectOf(file: JsonFile): JsonObject | undefined {
  return file.present && file.ok && isObject(file.value) ? file.value : undefined;
}

/** Validates connector files held in memory; the tests and the build call this directly. */
export async function validateConnectorFiles(files: ConnectorFiles): Promise<readonly Finding[]> {
  const findings = new FindingCollector();
  const definition = objectOf(files.definition);
  const properties = objectOf(files.properties);
  const settings = objectOf(files.settings);
  const context: RuleContext = {
    files,
    findings,
    ...(definition ? { definition } : {}),
    ...(properties ? { properties } : {}),
    ...(settings ? { settings } : {}),
  };
  for (const family of RULE_FAMILIES) await family.check(context);
  return findings.findings;
}

/** Validates a connector folder on disk (apiDefinition.swagger.json, apiProperties.json, settings.json, icon.png, script.csx). */
export async function validateConnectorFolder(folder: string): Promise<readonly Finding[]> {
  return validateConnectorFiles(readConnectorFolder(folder));
}
