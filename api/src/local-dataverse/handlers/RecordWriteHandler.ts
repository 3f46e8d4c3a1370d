/**
 * Create (POST), upsert/update (PATCH), single-property update (PUT) and delete (DELETE) of records,
 * with the conditional headers of ref 2.3–2.5 and 7.2. Runs synchronously inside one unit of work so a
 * `$batch` change set can run several of them atomically.
 */
import { randomUUID } from 'node:crypto';
import { DataverseErrors } from '../errors/DataverseErrorFactory';
import type { RecordKey } from '../odata/KeySegment';
import type { ResourcePath } from '../odata/ResourcePath';
import type { RecordReader, WriteTransaction } from '../persistence/RecordStore';
import type { ColumnValue, StoredRecord } from '../persistence/StoredRecord';
import type { Schema, Table } from '../schema/TableSchema';
import { parseSelect } from '../odata/QueryOptions';
import { parseJsonBody, parsePayload } from './RecordPayload';
import { etagOf, represent } from './RecordRepresentation';
import { jsonResponse, preferences, type WebApiRequest, type WebApiResponse } from './WebApiMessage';

export interface WriteContext {
  schema: Schema;
  tx: WriteTransaction;
  resolveContentId?: (reference: string) => string;
}

/** The result of a write, with the record's URL for `$n` references in later change-set parts. */
export interface WriteResult {
  response: WebApiResponse;
  entityUrl?: string;
}

export function executeWrite(request: WebApiRequest, path: ResourcePath, context: WriteContext): WriteResult {
  if (path.kind === 'collection') {
    if (request.method !== 'POST') throw DataverseErrors.methodNotAllowed(request.method, request.path);
    return create(request, path.table, context);
  }
  if (path.kind === 'record') {
    if (path.property !== undefined) {
      if (request.method !== 'PUT' && request.method !== 'DELETE') throw DataverseErrors.methodNotAllowed(request.method, request.path);
      return writeProperty(request, path.table, path.key, path.property, context);
    }
    if (request.method === 'PATCH') return upsert(request, path.table, path.key, path.keyText, context);
    if (request.method === 'DELETE') return remove(request, path.table, path.key, context);
  }
  throw DataverseErrors.methodNotAllowed(request.method, request.path);
}

function create(request: WebApiRequest, table: Table, context: WriteContext): WriteResult {
  const body = parseJsonBody(request.body, table.entitySetName);
  const payload = parsePayload(table, body, { schema: context.schema, reader: context.tx, resolveContentId: context.resolveContentId });
  const id = payload.id ?? randomUUID();
  if (context.tx.get(table.logicalName, id)) throw DataverseErrors.duplicateRecord(); // ref 1.4
  const now = timestamp();
  const record = context.tx.put(table.logicalName, id, {
    ...defaults(table),
    ...payload.values,
    createdon: now,
    modifiedon: now,
    createdby: request.callerId,
    modifiedby: request.callerId,
  });
  const entityUrl = `${request.baseUrl}${table.entitySetName}(${id})`;
  if (wantsRepresentation(request)) {
    // ref 1.2: 201 with the record; no OData-EntityId in this case.
    return {
      response: jsonResponse(201, withContext(request, table, represent(table, record, selectOf(request, table))), {
        'Preference-Applied': 'return=representation',
        ETag: etagOf(record),
      }),
      entityUrl,
    };
  }
  return { response: { status: 204, headers: { 'OData-EntityId': entityUrl } }, entityUrl };
}

function upsert(request: WebApiRequest, table: Table, key: RecordKey, keyText: string, context: WriteContext): WriteResult {
  const existing = find(context.tx, table, key);
  checkConditions(request, table, key, existing);
  const body = parseJsonBody(request.body, table.entitySetName);
  const payload = parsePayload(table, body, { schema: context.schema, reader: context.tx, resolveContentId: context.resolveContentId });
  if (payload.id && key.kind === 'id' && payload.id !== key.id) {
    throw DataverseErrors.payload(table.entitySetName, `The id '${payload.id}' in the body does not match the id '${key.id}' in the URL.`);
  }
  const now = timestamp();
  let record: StoredRecord;
  let created: boolean;
  if (existing) {
    const values = { ...payload.values };
    // ref 2.9: key values cannot be changed by an upsert addressed by that key.
    if (key.kind === 'alternate') for (const attribute of Object.keys(key.values)) delete values[attribute];
    record = context.tx.put(table.logicalName, existing.id, { ...existing.values, ...values, modifiedon: now, modifiedby: request.callerId });
    created = false;
  } else {
    const id = key.kind === 'id' ? key.id : (payload.id ?? randomUUID());
    // ref 2.9: when creating, body key values win, else the URL's are copied into the record.
    const fromUrl = key.kind === 'alternate' ? (key.values as Record<string, ColumnValue>) : {};
    if (context.tx.get(table.logicalName, id)) throw DataverseErrors.duplicateRecord();
    record = context.tx.put(table.logicalName, id, {
      ...defaults(table),
      ...fromUrl,
      ...payload.values,
      createdon: now,
      modifiedon: now,
      createdby: request.callerId,
      modifiedby: request.callerId,
    });
    created = true;
  }
  const entityUrl = `${request.baseUrl}${table.entitySetName}(${record.id})`;
  if (wantsRepresentation(request)) {
    // ref 2.2: 201 when created, 200 when updated, with the ETag.
    return {
      response: jsonResponse(created ? 201 : 200, withContext(request, table, represent(table, record, selectOf(request, table))), {
        'Preference-Applied': 'return=representation',
        ETag: etagOf(record),
      }),
      entityUrl,
    };
  }
  // ref 2.1: 204 either way; OData-EntityId echoes the URL form used.
  const echoed = `${request.baseUrl}${table.entitySetName}(${keyText})`;
  return { response: { status: 204, headers: { 'OData-EntityId': echoed } }, entityUrl };
}

function remove(request: WebApiRequest, table: Table, key: RecordKey, context: WriteContext): WriteResult {
  const existing = find(context.tx, table, key);
  if (!existing) throw notFound(table, key); // ref 2.12
  const ifMatch = request.headers['if-match'];
  if (ifMatch && ifMatch !== '*' && ifMatch !== etagOf(existing)) throw DataverseErrors.versionMismatch();
  context.tx.delete(table.logicalName, existing.id);
  return { response: { status: 204, headers: {} } };
}

/** `PUT <record>/<column>` with `{"value": …}`, and `DELETE <record>/<column>` to clear it. */
function writeProperty(request: WebApiRequest, table: Table, key: RecordKey, property: string, context: WriteContext): WriteResult {
  const existing = find(context.tx, table, key);
  if (!existing) throw notFound(table, key);
  let value: unknown = null;
  if (request.method === 'PUT') {
    const body = parseJsonBody(request.body, table.entitySetName);
    if (!('value' in body)) throw DataverseErrors.payload(table.entitySetName, "A single-property update needs a body of the form {\"value\": …}.");
    value = body.value;
  }
  const payload = parsePayload(table, { [property]: value }, { schema: context.schema, reader: context.tx });
  context.tx.put(table.logicalName, existing.id, { ...existing.values, ...payload.values, modifiedon: timestamp(), modifiedby: request.callerId });
  return { response: { status: 204, headers: {} } };
}

export function find(reader: RecordReader, table: Table, key: RecordKey) {
  return key.kind === 'id' ? reader.get(table.logicalName, key.id) : reader.findByKey(table.logicalName, key.keyName, key.values);
}

export function notFound(table: Table, key: RecordKey) {
  return key.kind === 'id' ? DataverseErrors.recordNotFound(table.logicalName, key.id) : DataverseErrors.recordNotFoundByKey(table.logicalName);
}

/** ref 2.3–2.5, 7.2. */
function checkConditions(request: WebApiRequest, table: Table, key: RecordKey, existing: StoredRecord | undefined): void {
  const ifMatch = request.headers['if-match'];
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifMatch && ifNoneMatch) throw DataverseErrors.conflictingConditions();
  if (ifNoneMatch === '*' && existing) throw DataverseErrors.duplicateRecord();
  if (ifMatch) {
    if (!existing) throw notFound(table, key);
    if (ifMatch !== '*' && ifMatch !== etagOf(existing)) throw DataverseErrors.versionMismatch();
  }
}

/** What a create stores for the columns it leaves out: a choice's or a Yes/No column's default value. */
function defaults(table: Table): Record<string, ColumnValue> {
  const values: Record<string, ColumnValue> = {};
  for (const [name, column] of table.columns) {
    if ((column.type === 'choice' || column.type === 'boolean') && column.default !== undefined) values[name] = column.default;
  }
  return values;
}

function wantsRepresentation(request: WebApiRequest): boolean {
  return preferences(request.headers).get('return') === 'representation';
}

function selectOf(request: WebApiRequest, table: Table) {
  return { select: parseSelect(table, request.query.get('$select')), annotations: wantsAnnotations(request) };
}

export function wantsAnnotations(request: WebApiRequest): boolean {
  return preferences(request.headers).has('odata.include-annotations');
}

export function withContext(request: WebApiRequest, table: Table, body: Record<string, unknown>): Record<string, unknown> {
  const select = request.query.get('$select');
  return { '@odata.context': `${request.baseUrl}$metadata#${table.entitySetName}${select ? `(${select})` : ''}/$entity`, ...body };
}

function timestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}
