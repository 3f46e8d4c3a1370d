/**
 * How a stored record looks on the wire (ref 4.1, 4.4, 7.1): every column (null when empty), lookups as
 * `_<column>_value`, computed and system columns, the primary id, and the weak ETag.
 */
import type { ColumnValue, StoredRecord } from '../persistence/StoredRecord';
import { isLookupValue } from '../persistence/StoredRecord';
import type { Table } from '../schema/TableSchema';

export const etagOf = (record: StoredRecord) => `W/"${record.version}"`;

/** The name a column has in responses, $select, $filter and $orderby. */
export function wireNameOf(table: Table, column: string): string {
  const def = table.columns.get(column);
  if (def?.type === 'lookup' || column === 'createdby' || column === 'modifiedby') return `_${column}_value`;
  return column;
}

/** Every property name a query may use for the table, mapped to the stored column. */
export function queryableProperties(table: Table): Map<string, string> {
  const names = new Map<string, string>();
  names.set(table.primaryIdAttribute, table.primaryIdAttribute);
  for (const column of table.columns.keys()) names.set(wireNameOf(table, column), column);
  for (const system of ['createdon', 'modifiedon', 'createdby', 'modifiedby', 'versionnumber']) {
    names.set(wireNameOf(table, system), system);
  }
  return names;
}

/** The flat projection used for responses and for evaluating $filter / $orderby. */
export function flatten(table: Table, record: StoredRecord): Record<string, ColumnValue> {
  const flat: Record<string, ColumnValue> = {};
  for (const [name, def] of table.columns) {
    if (def.type === 'computed') {
      const parts = def.concat.map((p) => record.values[p]).filter((v) => typeof v === 'string' && v.length > 0);
      flat[name] = parts.length > 0 ? parts.join(def.separator) : null;
      continue;
    }
    const value = record.values[name];
    flat[wireNameOf(table, name)] = isLookupValue(value) ? value.id : (value ?? null);
  }
  flat.createdon = record.values.createdon ?? null;
  flat.modifiedon = record.values.modifiedon ?? null;
  flat._createdby_value = (record.values.createdby as string | undefined) ?? null;
  flat._modifiedby_value = (record.values.modifiedby as string | undefined) ?? null;
  flat.versionnumber = record.version;
  flat[table.primaryIdAttribute] = record.id;
  return flat;
}

export interface RepresentationOptions {
  /** Wire names to return; all when undefined. The primary id is always returned (ref 4.1). */
  select?: string[];
  /** `Prefer: odata.include-annotations` asked for lookup and formatted-value annotations. */
  annotations?: boolean;
}

export function represent(table: Table, record: StoredRecord, options: RepresentationOptions = {}): Record<string, unknown> {
  const flat = flatten(table, record);
  const body: Record<string, unknown> = { '@odata.etag': etagOf(record) };
  const names = options.select ? [...options.select.filter((n) => n !== table.primaryIdAttribute), table.primaryIdAttribute] : Object.keys(flat);
  for (const name of names) {
    const value = flat[name] ?? null;
    if (options.annotations) annotate(table, record, name, value, body);
    body[name] = value;
  }
  return body;
}

function annotate(table: Table, record: StoredRecord, wireName: string, value: ColumnValue, body: Record<string, unknown>): void {
  if (value === null) return;
  const lookupColumn = /^_(.+)_value$/.exec(wireName)?.[1];
  if (lookupColumn) {
    const stored = record.values[lookupColumn];
    const target = isLookupValue(stored) ? stored.table : 'systemuser';
    body[`${wireName}@Microsoft.Dynamics.CRM.lookuplogicalname`] = target;
    const nav = [...table.navigationProperties.values()].find((n) => n.column === lookupColumn && n.target === target);
    if (nav) body[`${wireName}@Microsoft.Dynamics.CRM.associatednavigationproperty`] = nav.name;
    return;
  }
  const def = table.columns.get(wireName);
  if (def?.type === 'choice') {
    const label = Object.entries(def.options).find(([, v]) => v === value)?.[0];
    if (label) body[`${wireName}@OData.Community.Display.V1.FormattedValue`] = label;
  }
}
