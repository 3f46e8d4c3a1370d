import { InvalidDataverseInputError } from './DataverseErrors';
import { assertODataIdentifier } from './ODataIdentifier';

/**
 * OData literals for keys and filters — the one place where a user-supplied value becomes URL text.
 *
 * - strings: single-quoted, embedded `'` doubled (`O'Bryan` → `'O''Bryan'`), ref 2.7;
 * - GUIDs (wrapped with {@link guid}): validated, unquoted, lower case, ref 2.6 / 4.1;
 * - numbers: finite only, unquoted (`example_key1=2`), ref 2.6; booleans: `true` / `false`.
 *
 * In a URL the literal is then percent-encoded by {@link percentEncodeODataText}: everything
 * `encodeURIComponent` encodes (so `$ & + , / : ; = ? @ # %` and spaces, ref 2.7), plus the
 * characters it leaves that are OData syntax in a key segment: `'` `(` `)` `*` `!`. The server
 * percent-decodes before parsing (ref 2.7), so `accountnumber='O%27%27Bryan'` is `O'Bryan`.
 * Only the delimiting quotes of a string stay raw.
 */

/** A GUID value that must be written unquoted (primary keys, lookup values such as `_x_value`). */
export interface GuidValue {
  readonly kind: 'guid';
  readonly value: string;
}

/** A value of one key column, or an operand in a filter built with ODataQuery. */
export type KeyValue = string | number | boolean | GuidValue;

/**
 * How a record is addressed: a GUID string (the primary key, `accounts(<guid>)`) or the columns of
 * an alternate key (`{ accountnumber: 'A-100' }` → `accounts(accountnumber='A-100')`), ref 2.6.
 */
export type EntityKey = string | Readonly<Record<string, KeyValue>>;

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** True when `value` is a GUID in the 8-4-4-4-12 form Dataverse uses (no braces). */
export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && GUID.test(value);
}

/** Marks `value` as a GUID literal (validated now, written unquoted in lower case). */
export function guid(value: string): GuidValue {
  return { kind: 'guid', value: assertGuid(value, 'GUID') };
}

/** Returns the GUID in lower case, or throws InvalidDataverseInputError naming `what`. */
export function assertGuid(value: unknown, what: string): string {
  if (!isGuid(value)) {
    throw new InvalidDataverseInputError(`${what} must be a GUID like 00000000-0000-0000-0000-000000000000`);
  }
  return value.toLowerCase();
}

/**
 * The OData literal for one value, *not* percent-encoded: the form that appears inside a key
 * segment or a `$filter` expression before the whole URL component is encoded.
 */
export function formatODataLiteral(value: KeyValue): string {
  switch (typeof value) {
    case 'string':
      return `'${value.replace(/'/g, "''")}'`;
    case 'number':
      if (!Number.isFinite(value)) {
        throw new InvalidDataverseInputError(`a numeric key or filter value must be finite; got ${value}`);
      }
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value !== null && value.kind === 'guid') return assertGuid(value.value, 'GUID');
      break;
  }
  throw new InvalidDataverseInputError(`unsupported key or filter value of type ${value === null ? 'null' : typeof value}`);
}

/**
 * Percent-encodes text for any part of a Dataverse URL (path segment or query option value):
 * `encodeURIComponent` plus `'` `(` `)` `*` `!`. Lone UTF-16 surrogates cannot be encoded and are
 * refused with InvalidDataverseInputError.
 */
export function percentEncodeODataText(text: string): string {
  let encoded: string;
  try {
    encoded = encodeURIComponent(text);
  } catch {
    throw new InvalidDataverseInputError('value contains an unpaired UTF-16 surrogate and cannot be sent');
  }
  return encoded.replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A literal ready for a URL: quotes of strings raw, their content percent-encoded. */
function encodedLiteral(value: KeyValue): string {
  const literal = formatODataLiteral(value);
  if (typeof value !== 'string') return percentEncodeODataText(literal);
  return `'${percentEncodeODataText(literal.slice(1, -1))}'`;
}

/**
 * The text between the parentheses of a record URL: `<guid>` for a primary key, `col=<literal>` for
 * each part of an alternate key joined with `,` (ref 2.6). Column names are validated.
 */
export function keySegment(key: EntityKey): string {
  if (typeof key === 'string') return assertGuid(key, 'record id');
  if (key === null || typeof key !== 'object' || Array.isArray(key)) {
    throw new InvalidDataverseInputError('a key is a GUID string or an object of alternate-key columns');
  }
  const columns = Object.keys(key);
  if (columns.length === 0) throw new InvalidDataverseInputError('an alternate key needs at least one column');
  return columns
    .map((column) => {
      const value = key[column];
      if (value === undefined || value === null) {
        throw new InvalidDataverseInputError(`alternate key column ${JSON.stringify(column)} has no value`);
      }
      return `${assertODataIdentifier(column, 'key column')}=${encodedLiteral(value)}`;
    })
    .join(',');
}

/** `accounts(<key segment>)` — the record path relative to the Web API base URL. */
export function recordPath(entitySet: string, key: EntityKey): string {
  return `${assertODataIdentifier(entitySet, 'entity set')}(${keySegment(key)})`;
}

/**
 * The value of a `<nav>@odata.bind` property for a record (ref 3.1, 3.2): `/accounts(<key>)`,
 * built with the same literal rules as URLs.
 */
export function recordBindPath(entitySet: string, key: EntityKey): string {
  return `/${recordPath(entitySet, key)}`;
}
