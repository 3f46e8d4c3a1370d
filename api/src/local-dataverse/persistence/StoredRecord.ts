/** A record as the local Dataverse keeps it: column values by logical name, lookups as `{table,id}`. */
export interface LookupValue {
  table: string;
  id: string;
}

export type ColumnValue = string | number | boolean | null | LookupValue;

export interface StoredRecord {
  /** Lower-case GUID. */
  id: string;
  /** Row version: the `versionnumber` column and the weak ETag `W/"<version>"` (ref 7.1). */
  version: number;
  values: Record<string, ColumnValue>;
}

export interface RecordChange {
  table: string;
  id: string;
  /** `null` deletes the record. */
  record: StoredRecord | null;
}

export function isLookupValue(value: unknown): value is LookupValue {
  return typeof value === 'object' && value !== null && 'id' in value && 'table' in value;
}
