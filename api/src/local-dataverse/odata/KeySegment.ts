/**
 * Parses the key part of a record URL — `accounts(<guid>)`, `accounts(accountid=<guid>)`,
 * `accounts(accountnumber='A''1')`, `contacts(firstname='Joe',emailaddress1='a@b.c')` (ref 2.6–2.8) —
 * and resolves it against the table's primary key and alternate keys.
 */
import { DataverseErrors } from '../errors/DataverseErrorFactory';
import type { Table } from '../schema/TableSchema';
import { literalValue, tokenize, type LiteralValue } from './ODataLexer';
import { hasInvalidXmlCharacter } from './XmlCharacters';

export type RecordKey =
  | { kind: 'id'; id: string }
  | { kind: 'alternate'; keyName: string; values: Record<string, LiteralValue> };

/** Parses `inner`, the decoded text between the parentheses. */
export function parseKey(table: Table, inner: string): RecordKey {
  const tokens = tokenize(inner);
  const first = tokens[0]!;
  // Single unnamed value: the primary key (a GUID).
  if (tokens.length === 2 && first.kind !== 'name') {
    if (first.kind !== 'guid') throw DataverseErrors.keyNotDefined(table.logicalName);
    return { kind: 'id', id: first.value };
  }
  const pairs: Record<string, LiteralValue> = {};
  let i = 0;
  for (;;) {
    const name = tokens[i];
    const eq = tokens[i + 1];
    const value = tokens[i + 2];
    if (!name || name.kind !== 'name' || !eq || eq.kind !== 'punct' || eq.value !== '=' || !value) {
      throw DataverseErrors.badUri(`Bad Request - Error in query syntax: the key '${inner}' is not of the form name=value.`);
    }
    const literal = literalValue(value);
    if (literal === undefined) throw DataverseErrors.badUri(`Bad Request - Error in query syntax: '${inner}' has no value for '${name.value}'.`);
    if (name.value in pairs) throw DataverseErrors.keyNotDefined(table.logicalName);
    pairs[name.value] = literal;
    const next = tokens[i + 3];
    if (!next || next.kind === 'eof') break;
    if (next.kind !== 'punct' || next.value !== ',') {
      throw DataverseErrors.badUri(`Bad Request - Error in query syntax: unexpected '${inner.slice(next.position)}' in key '${inner}'.`);
    }
    i += 4;
  }
  const names = Object.keys(pairs);
  if (names.length === 1 && names[0] === table.primaryIdAttribute) {
    const id = pairs[table.primaryIdAttribute];
    if (typeof id !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) {
      throw DataverseErrors.keyNotDefined(table.logicalName);
    }
    return { kind: 'id', id };
  }
  const key = table.keys.find(
    (k) => k.attributes.length === names.length && k.attributes.every((a) => names.includes(a)),
  );
  if (!key) throw DataverseErrors.keyNotDefined(table.logicalName);
  // A key literal is a column value (an upsert copies it into the new record): same rule as bodies.
  for (const [attribute, value] of Object.entries(pairs)) {
    if (typeof value === 'string' && hasInvalidXmlCharacter(value)) throw DataverseErrors.invalidCharacters(attribute);
  }
  return { kind: 'alternate', keyName: key.logicalName, values: pairs };
}

/** Splits `name(inner)` into its parts; `undefined` when the segment has no parentheses. */
export function splitKeySegment(segment: string): { name: string; inner: string } | undefined {
  const open = segment.indexOf('(');
  if (open < 0) return undefined;
  if (!segment.endsWith(')')) {
    // A quote left open swallows the closing parenthesis: report it as the service does.
    tokenize(segment.slice(open + 1));
    throw DataverseErrors.badUri(`Bad Request - Error in query syntax: '${segment}' has no closing parenthesis.`);
  }
  return { name: segment.slice(0, open), inner: segment.slice(open + 1, -1) };
}
