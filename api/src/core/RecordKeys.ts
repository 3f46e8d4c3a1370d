/**
 * Record keys as users give them (`{"accountid": "<guid>"}` or an alternate key's columns), checked
 * against the table's metadata and turned into the client's EntityKey — the only way a user value
 * reaches a URL (the client's ODataKeyLiteral writes it).
 */
import { guid, isGuid, type EntityKey, type EntityMetadata } from '../dataverse';
import { ApiErrors } from './ApiErrors';
import { storedKeyValueProblem } from './DataverseText';
import type { RecordKeyInput } from './EnsureService';

export type ResolvedKey =
  | { kind: 'id'; id: string }
  | { kind: 'alternate'; keyName: string; values: Record<string, string | number> };

/** `field`: the key's path in the action's input (`key`, `references.<nav>.key`). */
export function resolveKey(meta: EntityMetadata, key: RecordKeyInput, field: string): ResolvedKey {
  const names = Object.keys(key);
  const expected = describeKeys(meta);
  if (names.length === 0) throw ApiErrors.keyEmpty(field, expected);
  for (const name of names) {
    const problem = storedKeyValueProblem(key[name]);
    if (problem !== undefined) throw ApiErrors.keyValueRefused(`${field}.${name}`, problem);
  }
  if (names.length === 1 && names[0] === meta.primaryIdAttribute) {
    const id = key[meta.primaryIdAttribute];
    if (!isGuid(id)) throw ApiErrors.keyNotAGuid(`${field}.${meta.primaryIdAttribute}`);
    return { kind: 'id', id: id.toLowerCase() };
  }
  const match = meta.keys.find((k) => k.keyAttributes.length === names.length && k.keyAttributes.every((a) => names.includes(a)));
  if (!match) throw ApiErrors.keyIdentifiesNothing(field, meta.logicalName, expected);
  const values: Record<string, string | number> = {};
  for (const attribute of match.keyAttributes) values[attribute] = key[attribute]!;
  return { kind: 'alternate', keyName: match.logicalName, values };
}

export function toEntityKey(key: ResolvedKey): EntityKey {
  return key.kind === 'id' ? key.id : key.values;
}

/** Identity of a referenced record for caches and locks (alternate keys compare case-insensitively). */
export function referenceId(instance: string, table: string, key: ResolvedKey): string {
  const text = key.kind === 'id' ? key.id : JSON.stringify(Object.entries(key.values).sort(([a], [b]) => a.localeCompare(b))).toLowerCase();
  return `${instance}\u0000${table}\u0000${text}`;
}

/** A filter matching any of the keys (all of one table), for the one existence query per table. */
export function keysFilter(meta: EntityMetadata, keys: ResolvedKey[], formatEquals: (column: string, value: string | number | ReturnType<typeof guid>) => string): string {
  return keys
    .map((key) =>
      key.kind === 'id'
        ? formatEquals(meta.primaryIdAttribute, guid(key.id))
        : `(${Object.entries(key.values).map(([column, value]) => formatEquals(column, value)).join(' and ')})`,
    )
    .join(' or ');
}

/** Whether a returned row is the record `key` names (strings compare case-insensitively, as Dataverse does). */
export function rowMatchesKey(meta: EntityMetadata, row: Record<string, unknown>, key: ResolvedKey): boolean {
  if (key.kind === 'id') return String(row[meta.primaryIdAttribute]).toLowerCase() === key.id;
  return Object.entries(key.values).every(([column, value]) => {
    const actual = row[column];
    return typeof value === 'string' && typeof actual === 'string' ? actual.toLowerCase() === value.toLowerCase() : actual === value;
  });
}

function describeKeys(meta: EntityMetadata): string {
  const options = [`{"${meta.primaryIdAttribute}": "<guid>"}`, ...meta.keys.map((k) => `{${k.keyAttributes.map((a) => `"${a}": …`).join(', ')}}`)];
  return options.join(' or ');
}
