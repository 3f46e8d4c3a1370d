import { join } from 'node:path';
import { parseJsonFile, readConnectorFolder, type ConnectorFiles } from '../../connector/tools/validation/connector-folder';

export const FIXTURES = join(__dirname, 'fixtures');
export const COMPLIANT_FOLDER = join(FIXTURES, 'compliant');
export const CERTIFIED_EXAMPLES = ['captisa-forms', 'rapid-platform', 'tendocs-documents'] as const;

// The fixtures are JSON of arbitrary shape; tests edit them freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** The editable pieces of a connector folder: the JSON files as objects, the icon and script as they are. */
export interface EditableConnector {
  definition: Json;
  properties: Json;
  settings: Json;
  icon?: Buffer;
  script?: string;
  /** Raw text that replaces the definition (to break JSON itself). */
  definitionText?: string;
}

export function loadEditable(folder = COMPLIANT_FOLDER): EditableConnector {
  const files = readConnectorFolder(folder);
  const value = (file: ConnectorFiles['definition']): Json => (file.present && file.ok ? structuredClone(file.value) : undefined);
  return {
    definition: value(files.definition),
    properties: value(files.properties),
    settings: value(files.settings),
    ...(files.icon ? { icon: files.icon } : {}),
  };
}

export function toConnectorFiles(connector: EditableConnector): ConnectorFiles {
  const text = (value: Json): string | undefined => (value === undefined ? undefined : JSON.stringify(value, null, 2));
  return {
    definition: parseJsonFile(connector.definitionText ?? text(connector.definition)),
    properties: parseJsonFile(text(connector.properties)),
    settings: parseJsonFile(text(connector.settings)),
    ...(connector.icon ? { icon: connector.icon } : {}),
    ...(connector.script !== undefined ? { script: connector.script } : {}),
  };
}
