import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The file names the Power Platform tooling (portal import, paconn, pac connector) expects. */
export const CONNECTOR_FILES = {
  definition: 'apiDefinition.swagger.json',
  properties: 'apiProperties.json',
  settings: 'settings.json',
  icon: 'icon.png',
  script: 'script.csx',
} as const;

/** A JSON file as read: its raw bytes and, when it parsed, its value; or why it did not. */
export type JsonFile =
  | { readonly present: false }
  | { readonly present: true; readonly bytes: number; readonly ok: true; readonly value: unknown }
  | { readonly present: true; readonly bytes: number; readonly ok: false; readonly error: string };

/** The files of one connector folder, in memory, so rules never touch the disk. */
export interface ConnectorFiles {
  readonly definition: JsonFile;
  readonly properties: JsonFile;
  readonly settings: JsonFile;
  readonly icon?: Buffer;
  readonly script?: string;
}

export function parseJsonFile(text: string | undefined): JsonFile {
  if (text === undefined) return { present: false };
  const bytes = Buffer.byteLength(text, 'utf8');
  try {
    return { present: true, bytes, ok: true, value: JSON.parse(stripBom(text)) as unknown };
  } catch (error) {
    return { present: true, bytes, ok: false, error: (error as Error).message };
  }
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function readIfPresent(path: string): Buffer | undefined {
  return existsSync(path) ? readFileSync(path) : undefined;
}

export function readConnectorFolder(folder: string): ConnectorFiles {
  const text = (name: string): string | undefined => readIfPresent(join(folder, name))?.toString('utf8');
  const icon = readIfPresent(join(folder, CONNECTOR_FILES.icon));
  const script = text(CONNECTOR_FILES.script);
  return {
    definition: parseJsonFile(text(CONNECTOR_FILES.definition)),
    properties: parseJsonFile(text(CONNECTOR_FILES.properties)),
    settings: parseJsonFile(text(CONNECTOR_FILES.settings)),
    ...(icon ? { icon } : {}),
    ...(script !== undefined ? { script } : {}),
  };
}
