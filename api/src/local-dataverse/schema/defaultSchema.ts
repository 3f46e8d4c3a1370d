import { join } from 'node:path';
import { Schema } from './TableSchema';

/** Path of the schema the local Dataverse serves when no --schema is given. */
export const DEFAULT_SCHEMA_PATH = join(__dirname, 'default-schema.json');

export function loadSchema(path: string = DEFAULT_SCHEMA_PATH): Schema {
  return Schema.fromFile(path);
}
