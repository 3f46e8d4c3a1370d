/**
 * Turns a JSON request body into column values for a table, as Dataverse validates it: unknown
 * properties (ref 1.5), types, lengths and choice values (ref 6.3), and `@odata.bind` lookups with
 * referential integrity (ref 3.1–3.4): a bind to a record that does not exist fails.
 */
import { DataverseErrors } from '../errors/DataverseErrorFactory';
import { parseResourcePath, stripToResourcePath } from '../odata/ResourcePath';
import { hasInvalidXmlCharacter } from '../odata/XmlCharacters';
import type { RecordReader } from '../persistence/RecordStore';
import type { ColumnValue, LookupValue } from '../persistence/StoredRecord';
import type { ColumnDefinition, NavigationProperty, Schema, Table } from '../schema/TableSchema';

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const SYSTEM_READ_ONLY = new Set(['createdon', 'modifiedon', 'versionnumber', '_createdby_value', '_modifiedby_value']);

export interface PayloadContext {
  schema: Schema;
  reader: RecordReader;
  /** Resolves `$n` Content-ID references inside a batch change set (ref 5.2). */
  resolveContentId?: (reference: string) => string;
}

export interface ParsedPayload {
  values: Record<string, ColumnValue>;
  /** The primary id when the body carries it. */
  id?: string;
}

export function parseJsonBody(body: string | undefined, entitySet: string): Record<string, unknown> {
  if (body === undefined || body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw DataverseErrors.payload(entitySet, `Invalid JSON. ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw DataverseErrors.payload(entitySet, 'The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

export function parsePayload(table: Table, body: Record<string, unknown>, context: PayloadContext): ParsedPayload {
  const values: Record<string, ColumnValue> = Object.create(null) as Record<string, ColumnValue>;
  let id: string | undefined;
  for (const [property, raw] of Object.entries(body)) {
    if (property.endsWith('@odata.bind')) {
      const navName = property.slice(0, -'@odata.bind'.length);
      const nav = table.navigationProperties.get(navName);
      if (!nav) throw DataverseErrors.undeclaredNavigationProperty(table.entitySetName, navName);
      values[nav.column] = raw === null ? null : resolveBind(table, navName, nav, raw, context);
      continue;
    }
    if (property.startsWith('@') || property.includes('@')) continue; // instance annotations
    if (property === table.primaryIdAttribute) {
      if (typeof raw !== 'string' || !GUID.test(raw)) throw DataverseErrors.typeMismatch(table.entitySetName, raw, 'Edm.Guid');
      id = raw.toLowerCase();
      continue;
    }
    const nav = table.navigationProperties.get(property);
    if (nav) {
      // `"nav": null` disassociates (ref 2.11); deep insert is outside the local subset.
      if (raw !== null) throw DataverseErrors.notSupported(`Deep insert through '${property}'`);
      values[nav.column] = null;
      continue;
    }
    if (SYSTEM_READ_ONLY.has(property)) continue; // the server maintains these
    const column = table.columns.get(property);
    if (!column || column.type === 'lookup') throw DataverseErrors.invalidProperty(property, table.logicalName);
    if (column.type === 'computed') continue; // read-only, like contact.fullname
    values[property] = convert(table, property, column, raw);
  }
  return { values, id };
}

function convert(table: Table, name: string, column: ColumnDefinition, raw: unknown): ColumnValue {
  if (raw === null) return null;
  const set = table.entitySetName;
  switch (column.type) {
    case 'string':
    case 'memo':
      if (typeof raw !== 'string') throw DataverseErrors.typeMismatch(set, raw, 'Edm.String');
      if (hasInvalidXmlCharacter(raw)) throw DataverseErrors.invalidCharacters(name);
      if (raw.length > column.maxLength) throw DataverseErrors.maxLengthExceeded(name, table.logicalName, column.maxLength);
      return raw;
    case 'integer': {
      if (typeof raw !== 'number' || !Number.isInteger(raw)) throw DataverseErrors.typeMismatch(set, raw, 'Edm.Int32');
      const min = column.min ?? -2147483648;
      const max = column.max ?? 2147483647;
      if (raw < min || raw > max) throw DataverseErrors.outOfRange(name, table.logicalName, raw, `${min} to ${max}`);
      return raw;
    }
    case 'decimal':
    case 'money':
      if (typeof raw !== 'number' || !Number.isFinite(raw)) throw DataverseErrors.typeMismatch(set, raw, 'Edm.Decimal');
      return raw;
    case 'boolean':
      if (typeof raw !== 'boolean') throw DataverseErrors.typeMismatch(set, raw, 'Edm.Boolean');
      return raw;
    case 'datetime': {
      if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(Date.parse(raw))) {
        throw DataverseErrors.typeMismatch(set, raw, 'Edm.DateTimeOffset');
      }
      return new Date(raw).toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    case 'choice': {
      if (typeof raw !== 'number' || !Number.isInteger(raw)) throw DataverseErrors.typeMismatch(set, raw, 'Edm.Int32');
      const accepted = Object.values(column.options);
      if (!accepted.includes(raw)) throw DataverseErrors.outOfRange(name, table.logicalName, raw, accepted.join(','));
      return raw;
    }
    case 'lookup':
    case 'computed':
      throw DataverseErrors.invalidProperty(name, table.logicalName);
  }
}

function resolveBind(table: Table, navName: string, nav: NavigationProperty, raw: unknown, context: PayloadContext): LookupValue {
  const target = nav.target;
  if (typeof raw !== 'string' || raw.length === 0) {
    throw DataverseErrors.payload(table.entitySetName, `The value of '${navName}@odata.bind' must be a record URL such as '/accounts(<id>)'.`);
  }
  // Raw or percent-encoded, an invalid character anywhere in the bind names the lookup column it sets.
  if (hasInvalidXmlCharacter(raw) || hasInvalidXmlCharacter(percentDecoded(raw))) throw DataverseErrors.invalidCharacters(nav.column);
  const url = raw.startsWith('$') && context.resolveContentId ? context.resolveContentId(raw) : raw;
  const path = parseResourcePath(stripToResourcePath(url), context.schema);
  if (path.kind !== 'record' || path.property !== undefined) {
    throw DataverseErrors.payload(table.entitySetName, `The value '${raw}' of '${navName}@odata.bind' is not a record URL.`);
  }
  if (path.table.logicalName !== target) {
    // UNDOC text: the service refuses a bind to another entity type than the navigation property's.
    throw DataverseErrors.payload(
      table.entitySetName,
      `A navigation property '${navName}' of type 'Microsoft.Dynamics.CRM.${target}' cannot be bound to a record of type 'Microsoft.Dynamics.CRM.${path.table.logicalName}'.`,
    );
  }
  if (path.key.kind === 'id') {
    if (!context.reader.get(target, path.key.id)) throw DataverseErrors.recordNotFound(target, path.key.id);
    return { table: target, id: path.key.id };
  }
  const found = context.reader.findByKey(target, path.key.keyName, path.key.values);
  if (!found) throw DataverseErrors.recordNotFoundByKey(target);
  return { table: target, id: found.id };
}

/** `text` percent-decoded, or as it is when it is not correctly encoded (the URL parser reports that). */
function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
