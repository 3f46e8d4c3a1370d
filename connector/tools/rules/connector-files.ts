import { CONNECTOR_FILES, type JsonFile } from '../validation/connector-folder';
import type { RuleContext, RuleFamily } from '../validation/rule-context';

function checkJson(context: RuleContext, file: JsonFile, name: string, required: boolean): void {
  if (!file.present) {
    if (required) context.findings.report('X05', name, [], `${name} is missing from the connector folder.`);
    return;
  }
  if (!file.ok) context.findings.report('X05', name, [], `${name} is not valid JSON: ${file.error}`);
  else if (typeof file.value !== 'object' || file.value === null || Array.isArray(file.value)) context.findings.report('X05', name, [], `${name} must hold a JSON object.`);
}

/** X05: the definition and apiProperties exist and parse (settings.json when present); X06: an icon. */
export const connectorFileRules: RuleFamily = {
  name: 'connector files',
  check(context) {
    checkJson(context, context.files.definition, CONNECTOR_FILES.definition, true);
    checkJson(context, context.files.properties, CONNECTOR_FILES.properties, true);
    checkJson(context, context.files.settings, CONNECTOR_FILES.settings, false);
    if (!context.files.icon) context.findings.report('X06', CONNECTOR_FILES.icon, [], 'icon.png is missing: the connector gets the default icon (certification requires one).');
  },
};
