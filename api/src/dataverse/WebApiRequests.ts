/**
 * What the Web API client sends, built from the port's arguments: the Web API root of an environment
 * URL, the conditional-write headers (ref 2.3, 2.4, 7.2), a record's JSON body, and one `$batch` request
 * part. Every value that becomes URL text goes through ODataKeyLiteral / ODataIdentifier / ODataQuery.
 */
import type { BatchRequestPart } from './BatchRequestWriter';
import type { BatchItem, BatchOperation, DataverseRecordInput, WriteCondition } from './DataverseClient';
import { InvalidDataverseInputError } from './DataverseErrors';
import { assertODataIdentifier } from './ODataIdentifier';
import { recordPath } from './ODataKeyLiteral';
import { assertMaxPageSize, queryString } from './ODataQuery';

const API_ROOT = /\/api\/data\/v9\.\d\/?$/;

/** The Web API root for an environment URL (v9.2 unless the URL names a version). */
export function webApiRoot(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidDataverseInputError(`not a URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new InvalidDataverseInputError('the environment URL must be http or https');
  if (parsed.search || parsed.hash || parsed.username || parsed.password) {
    throw new InvalidDataverseInputError('the environment URL must not carry a query, fragment or credentials');
  }
  if (API_ROOT.test(parsed.pathname)) return new URL(parsed.pathname.endsWith('/') ? parsed.href : `${parsed.href}/`);
  if (parsed.pathname !== '/' && parsed.pathname !== '') throw new InvalidDataverseInputError('the environment URL must be the origin or its /api/data/v9.x/ root');
  return new URL('/api/data/v9.2/', parsed.origin);
}

const ETAG = /^(W\/)?"[^"\r\n]*"$/;

export function assertEtag(etag: string): string {
  if (!ETAG.test(etag)) throw new InvalidDataverseInputError('an ETag looks like W/"123" (quoted, no line breaks)');
  return etag;
}

export function conditionHeaders(condition: WriteCondition | undefined): Record<string, string> {
  if (condition === undefined) return {};
  if (condition === 'createOnly') return { 'If-None-Match': '*' };
  if (condition === 'updateOnly') return { 'If-Match': '*' };
  if (typeof condition === 'object' && typeof condition.etag === 'string') return { 'If-Match': assertEtag(condition.etag) };
  throw new InvalidDataverseInputError("condition is 'createOnly', 'updateOnly' or { etag }");
}

export function serializeRecord(record: DataverseRecordInput): string {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) throw new InvalidDataverseInputError('a record is a JSON object');
  return JSON.stringify(record);
}

export function isChangeSet(item: BatchItem): item is { readonly changeSet: readonly BatchOperation[] } {
  return (item as { changeSet?: unknown }).changeSet !== undefined;
}

/** One request of a `$batch` (ref 5.1, 5.2): its URL relative to the Web API root (or `$n`), headers and body. */
export function batchRequestPart(operation: BatchOperation): BatchRequestPart {
  const target = operation.target;
  let url: string;
  if ('reference' in target) {
    url = `$${target.reference}`;
  } else {
    url = target.key === undefined ? assertODataIdentifier(target.entitySet, 'entity set') : recordPath(target.entitySet, target.key);
  }
  const query = operation.query;
  if (query !== undefined) {
    if (operation.method === 'GET') url += queryString(query);
    else if (operation.returnRepresentation && query.select) url += queryString({ select: query.select });
  }
  const headers: Record<string, string> = { ...conditionHeaders(operation.condition) };
  const prefer: string[] = [];
  if (operation.returnRepresentation) prefer.push('return=representation');
  if (operation.method === 'GET' && query?.maxPageSize !== undefined) prefer.push(`odata.maxpagesize=${assertMaxPageSize(query.maxPageSize)}`);
  if (prefer.length > 0) headers.Prefer = prefer.join(',');
  if (operation.body !== undefined) headers['Content-Type'] = 'application/json; type=entry';
  return {
    method: operation.method,
    url,
    headers,
    ...(operation.body === undefined ? {} : { body: serializeRecord(operation.body) }),
    ...(operation.contentId === undefined ? {} : { contentId: operation.contentId }),
  };
}
