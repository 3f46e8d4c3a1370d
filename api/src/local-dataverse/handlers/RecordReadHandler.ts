/**
 * Retrieve a record (ref 4.1–4.3, 4.9), query a collection with $select/$filter/$orderby/$top/$count
 * and server-driven paging (ref 4.4–4.8), and `/$count`.
 */
import { DataverseErrors } from '../errors/DataverseErrorFactory';
import { compareValues, evaluateFilter } from '../odata/FilterExpression';
import { indexedCandidates } from '../odata/IndexedLookup';
import { parseQueryOptions, parseSelect, type OrderBy } from '../odata/QueryOptions';
import type { ResourcePath } from '../odata/ResourcePath';
import type { RecordStore } from '../persistence/RecordStore';
import type { ColumnValue } from '../persistence/StoredRecord';
import type { Table } from '../schema/TableSchema';
import { find, notFound, wantsAnnotations, withContext } from './RecordWriteHandler';
import { etagOf, flatten, represent } from './RecordRepresentation';
import { jsonResponse, preferences, type WebApiRequest, type WebApiResponse } from './WebApiMessage';

/** ref 4.7: default and maximum page size. */
export const MAX_PAGE_SIZE = 5000;

export function executeRead(request: WebApiRequest, path: ResourcePath, store: RecordStore): WebApiResponse {
  if (path.kind === 'record') return retrieve(request, path.table, path, store);
  if (path.kind === 'count') {
    return { status: 200, headers: { 'Content-Type': 'text/plain' }, body: String(Math.min(store.count(path.table.logicalName), MAX_PAGE_SIZE)) };
  }
  if (path.kind === 'collection') return query(request, path.table, store);
  throw DataverseErrors.methodNotAllowed(request.method, request.path);
}

function retrieve(request: WebApiRequest, table: Table, path: Extract<ResourcePath, { kind: 'record' }>, store: RecordStore): WebApiResponse {
  for (const option of ['$expand', '$filter', '$orderby', '$top']) {
    if (request.query.has(option)) throw DataverseErrors.notSupported(`The query option ${option} on a single record`);
  }
  const select = parseSelect(table, request.query.get('$select'));
  const record = find(store, table, path.key);
  if (!record) throw notFound(table, path.key);
  if (path.property !== undefined) {
    const value = flatten(table, record)[path.property];
    if (value === undefined) throw DataverseErrors.resourceNotFound(path.property);
    return jsonResponse(200, { '@odata.context': `${request.baseUrl}$metadata#${table.entitySetName}(${record.id})/${path.property}`, value });
  }
  // ref 4.9: a matching If-None-Match answers 304.
  if (request.headers['if-none-match'] === etagOf(record)) return { status: 304, headers: { ETag: etagOf(record) } };
  return jsonResponse(200, withContext(request, table, represent(table, record, { select, annotations: wantsAnnotations(request) })), { ETag: etagOf(record) });
}

interface SkipToken {
  v: ColumnValue[];
  id: string;
}

function query(request: WebApiRequest, table: Table, store: RecordStore): WebApiResponse {
  const options = parseQueryOptions(table, request.query);
  const prefs = preferences(request.headers);
  const maxPageSizeText = prefs.get('odata.maxpagesize');
  let pageSize = MAX_PAGE_SIZE;
  let pageSizeApplied: number | undefined;
  if (maxPageSizeText !== undefined) {
    const n = Number(maxPageSizeText);
    if (!Number.isInteger(n) || n <= 0) throw DataverseErrors.badUri(`The odata.maxpagesize preference '${maxPageSizeText}' is not a positive integer.`);
    pageSize = Math.min(n, MAX_PAGE_SIZE);
    pageSizeApplied = pageSize;
  }

  const rows: Array<{ flat: Record<string, ColumnValue>; record: ReturnType<RecordStore['get']> & object }> = [];
  for (const record of indexedCandidates(options.filter, table, store) ?? store.rows(table.logicalName)) {
    const flat = flatten(table, record);
    if (options.filter && !evaluateFilter(options.filter, flat)) continue;
    rows.push({ flat, record });
  }
  const orderBy: OrderBy[] = [...options.orderBy, { property: table.primaryIdAttribute, descending: false }];
  const sortValues = (flat: Record<string, ColumnValue>) => orderBy.map((o) => flat[o.property] ?? null);
  const compare = (a: ColumnValue[], b: ColumnValue[]) => {
    for (let i = 0; i < orderBy.length; i++) {
      const x = a[i] ?? null;
      const y = b[i] ?? null;
      // Nulls sort first ascending, as in SQL Server.
      const order = x === null ? (y === null ? 0 : -1) : y === null ? 1 : compareValues(x, y);
      if (order !== 0) return orderBy[i]!.descending ? -order : order;
    }
    return 0;
  };
  rows.sort((a, b) => compare(sortValues(a.flat), sortValues(b.flat)));

  // ref 4.6: $top is ignored when odata.maxpagesize is present.
  const limited = options.top !== undefined && pageSizeApplied === undefined ? rows.slice(0, options.top) : rows;
  let start = 0;
  if (options.skipToken) {
    const token = decodeSkipToken(options.skipToken);
    start = limited.findIndex((row) => compare(sortValues(row.flat), token.v) > 0);
    if (start < 0) start = limited.length;
  }
  const page = limited.slice(start, start + pageSize);
  const hasMore = start + pageSize < limited.length;

  const annotations = wantsAnnotations(request);
  const select = request.query.get('$select');
  const body: Record<string, unknown> = { '@odata.context': `${request.baseUrl}$metadata#${table.entitySetName}${select ? `(${select})` : ''}` };
  if (options.count) body['@odata.count'] = Math.min(limited.length, MAX_PAGE_SIZE); // ref 4.8
  body.value = page.map((row) => represent(table, row.record, { select: options.select, annotations }));
  if (hasMore) {
    const last = page[page.length - 1]!;
    const next = new URLSearchParams(request.query);
    next.set('$skiptoken', encodeSkipToken({ v: sortValues(last.flat), id: last.record.id }));
    body['@odata.nextLink'] = `${request.baseUrl}${table.entitySetName}?${next.toString().replace(/\+/g, '%20')}`;
  }
  const headers: Record<string, string> = {};
  if (pageSizeApplied !== undefined) headers['Preference-Applied'] = `odata.maxpagesize=${pageSizeApplied}`;
  return jsonResponse(200, body, headers);
}

/** Opaque to clients (ref 4.7): the sort position of the last row returned. */
function encodeSkipToken(token: SkipToken): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeSkipToken(text: string): SkipToken {
  try {
    const token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as SkipToken;
    if (Array.isArray(token.v) && typeof token.id === 'string') return token;
  } catch {
    // fall through
  }
  throw DataverseErrors.badUri('The $skiptoken is not valid. Use the @odata.nextLink as returned, without changing it.');
}
