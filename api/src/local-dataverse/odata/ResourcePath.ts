/**
 * Resolves the part of a Web API URL after `/api/data/v9.2/` to the resource it names. Segments are
 * split on `/` first and percent-decoded after (ref 2.7), so an encoded `%2F` inside a key stays in it.
 */
import { DataverseErrors } from '../errors/DataverseErrorFactory';
import type { Schema, Table } from '../schema/TableSchema';
import { parseKey, splitKeySegment, type RecordKey } from './KeySegment';

export type ResourcePath =
  | { kind: 'batch' }
  | { kind: 'metadata' }
  /** `cast`: the type segment of `EntityDefinitions(…)/Attributes/Microsoft.Dynamics.CRM.<Type>AttributeMetadata`. */
  | { kind: 'entityDefinitions'; key?: string; navigation?: string; cast?: string }
  | { kind: 'collection'; table: Table }
  | { kind: 'count'; table: Table }
  | { kind: 'record'; table: Table; key: RecordKey; keyText: string; property?: string };

export const API_PREFIX = '/api/data/v9.2/';

export function parseResourcePath(path: string, schema: Schema): ResourcePath {
  const rawSegments = path.split('/');
  if (rawSegments.length > 0 && rawSegments[rawSegments.length - 1] === '') rawSegments.pop();
  let segments: string[];
  try {
    segments = rawSegments.map((s) => decodeURIComponent(s));
  } catch {
    throw DataverseErrors.badUri(`The URL path '${path}' is not correctly percent-encoded.`);
  }
  const [first, second, third, ...rest] = segments;
  if (first === undefined || first === '') throw DataverseErrors.resourceNotFound('');
  if (first === '$batch' && segments.length === 1) return { kind: 'batch' };
  if (first === '$metadata' && segments.length === 1) return { kind: 'metadata' };
  const split = splitKeySegment(first);
  const name = split?.name ?? first;
  if (name === 'EntityDefinitions') {
    if (rest.length > 0) throw DataverseErrors.resourceNotFound(rest[0]!);
    if (third !== undefined && (second !== 'Attributes' || !third.startsWith('Microsoft.Dynamics.CRM.'))) throw DataverseErrors.resourceNotFound(third);
    return { kind: 'entityDefinitions', key: split?.inner, navigation: second, cast: third };
  }
  const table = schema.tablesByEntitySet.get(name);
  if (!table) throw DataverseErrors.resourceNotFound(name);
  if (!split) {
    if (second === '$count' && third === undefined) return { kind: 'count', table };
    if (second !== undefined) throw DataverseErrors.resourceNotFound(second);
    return { kind: 'collection', table };
  }
  if (third !== undefined || rest.length > 0) throw DataverseErrors.resourceNotFound(third ?? rest[0]!);
  const key = parseKey(table, split.inner);
  return { kind: 'record', table, key, keyText: rawSegments[0]!.slice(rawSegments[0]!.indexOf('(') + 1, -1), property: second };
}

/**
 * A record URL as it appears in `@odata.bind` values and batch request lines: `/accounts(…)`,
 * `accounts(…)`, `/api/data/v9.2/accounts(…)` or an absolute URL.
 */
export function stripToResourcePath(url: string): string {
  let path = url;
  const absolute = /^https?:\/\/[^/]+(\/.*)?$/i.exec(path);
  if (absolute) path = absolute[1] ?? '/';
  const prefix = path.indexOf(API_PREFIX);
  if (prefix >= 0) path = path.slice(prefix + API_PREFIX.length);
  return path.replace(/^\//, '');
}

export function recordKeyDescription(table: Table, key: RecordKey): string {
  return key.kind === 'id' ? key.id : `${table.logicalName}(${Object.entries(key.values).map(([k, v]) => `${k}=${String(v)}`).join(',')})`;
}
