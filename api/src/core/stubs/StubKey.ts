/**
 * The stub key codec: how a stubbed record's key is written into its `ec_stub` row and read back —
 * `ec_key` (the GUID, or the alternate key's columns as JSON in the key's column order) and `ec_name`
 * (`<table>:<key>`) — and the one shape callers see it in: an object of columns (`stubKeyColumns`,
 * `{"accountid": "<guid>"}` or `{"accountnumber": "A-100"}`) in stub answers, stub events and
 * submit's `stubsCreated`. Every reader and writer goes through here: the row written with the stub,
 * the `key` of stub answers and events, and the reconciler looking a stub up in the source by its
 * alternate key. Which column is the primary id comes from the table's metadata, never from the
 * table's name.
 */
import type { EntityMetadata } from '../../dataverse';
import { clip } from '../clip';
import type { RecordKeyInput } from '../EnsureService';
import type { ResolvedKey } from '../RecordKeys';

/** `ec_key` is text 1000, `ec_name` text 400. */
const KEY_TEXT_MAX = 1000;
const ROW_NAME_MAX = 400;

/** `ec_key`: the GUID of a primary-id key, else the alternate key's columns as JSON. */
export function encodeStubKey(key: ResolvedKey): string {
  return clip(key.kind === 'id' ? key.id : JSON.stringify(key.values), KEY_TEXT_MAX);
}

/** `ec_name`: the table and the key, as people read it in the model-driven app. */
export function stubRowName(table: string, key: ResolvedKey): string {
  return clip(`${table}:${key.kind === 'id' ? key.id : JSON.stringify(key.values)}`, ROW_NAME_MAX);
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * The key an `ec_key` text names in the table `meta` describes: a GUID, or JSON columns that are one of
 * the table's alternate keys (string or number values). Anything else — a cut or edited text, columns
 * that are no key of this table — is undefined.
 */
export function decodeStubKey(meta: EntityMetadata, text: string): ResolvedKey | undefined {
  if (GUID.test(text)) return { kind: 'id', id: text.toLowerCase() };
  if (!text.startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (entries.length === 0 || !entries.every(([, value]) => typeof value === 'string' || typeof value === 'number')) return undefined;
  const columns = entries.map(([column]) => column).sort();
  const match = meta.keys.find((key) => key.keyAttributes.length === columns.length && [...key.keyAttributes].sort().every((column, i) => column === columns[i]));
  return match ? { kind: 'alternate', keyName: match.logicalName, values: Object.fromEntries(entries) as Record<string, string | number> } : undefined;
}

/** The key as callers see it: `{ <primary id column>: <guid> }` or the alternate key's columns. */
export function stubKeyColumns(meta: EntityMetadata, key: ResolvedKey): RecordKeyInput {
  return key.kind === 'id' ? { [meta.primaryIdAttribute]: key.id } : key.values;
}

/** An `ec_key` text as callers see it; undefined when it is no key of the table (`decodeStubKey`). */
export function readStubKey(meta: EntityMetadata, text: string): RecordKeyInput | undefined {
  const key = decodeStubKey(meta, text);
  return key ? stubKeyColumns(meta, key) : undefined;
}
