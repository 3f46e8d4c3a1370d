/**
 * Dataverse-native references inside a submitted record — `"<nav>@odata.bind": "/accounts(<key>)"` —
 * parsed strictly from user text into entity set + key, so they can be checked against the allow-list
 * and the lookup's target and then rewritten by the client's own literal writer. Key values are checked
 * *after* percent-decoding, by the same rules as keys given as JSON (`DataverseText.ts`): a `%00` or
 * `%2F` inside a bind is the same character as a raw one.
 */
import { ApiErrors } from './ApiErrors';
import { storedKeyValueProblem, textProblem } from './DataverseText';
import type { RecordKeyInput } from './EnsureService';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const MAX_BIND_LENGTH = 4000;

export interface ParsedBind {
  entitySet: string;
  /** `{ "$id": guid }` for a bare GUID (the primary id column is not known yet), else column → value. */
  key: RecordKeyInput | { $id: string };
}

export type BindReading = { bind: ParsedBind; problem?: undefined } | { bind?: undefined; problem: string };

/** A rule for one decoded key value: why it is refused, or undefined. */
export type KeyValueRule = (value: unknown) => string | undefined;

/**
 * Reads `/accounts(<guid>)`, `accounts(accountnumber='A''1')`, `/contacts(a='x',b=2)` (percent-encoded
 * or not); every decoded key value must pass `valueRule` (the core: what Dataverse stores; the HTTP
 * layer: the API's stricter key rule). A problem never quotes the offending text.
 */
export function readBindPath(value: unknown, valueRule: KeyValueRule = storedKeyValueProblem): BindReading {
  const refuse = (problem: string): BindReading => ({ problem });
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_BIND_LENGTH) return refuse('is not a record path');
  let text = value.startsWith('/') ? value.slice(1) : value;
  const open = text.indexOf('(');
  if (open <= 0 || !text.endsWith(')')) return refuse('is not a record path');
  const entitySet = text.slice(0, open);
  if (!IDENTIFIER.test(entitySet)) return refuse('names no valid entity set');
  try {
    text = decodeURIComponent(text.slice(open + 1, -1));
  } catch {
    return refuse('is not correctly percent-encoded');
  }
  if (GUID.test(text)) return { bind: { entitySet, key: { $id: text.toLowerCase() } } };
  // A Map, not an object: a column named `__proto__` must stay a column.
  const key = new Map<string, string | number>();
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) return refuse('has a key part without "="');
    const column = text.slice(i, eq);
    if (!IDENTIFIER.test(column)) return refuse('has a key column that is not a column name');
    if (key.has(column)) return refuse(`names the key column "${column}" twice`);
    i = eq + 1;
    if (text[i] === "'") {
      let literal = '';
      i++;
      for (;;) {
        if (i >= text.length) return refuse('has an unterminated string literal');
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            literal += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        literal += text[i];
        i++;
      }
      const problem = valueRule(literal);
      if (problem !== undefined) return refuse(`has a value for "${column}" that ${problem} (after percent-decoding)`);
      key.set(column, literal);
    } else {
      const end = text.indexOf(',', i) < 0 ? text.length : text.indexOf(',', i);
      const raw = text.slice(i, end);
      if (GUID.test(raw)) key.set(column, raw.toLowerCase());
      else if (/^-?\d+(\.\d+)?$/.test(raw)) key.set(column, Number(raw));
      else return refuse(`has an invalid value for "${column}"${textProblem(raw) ? ` (it ${textProblem(raw)})` : ''}`);
      i = end;
    }
    if (i < text.length) {
      if (text[i] !== ',') return refuse('has text after a key value');
      i++;
      if (i >= text.length) return refuse('ends with ","');
    }
  }
  if (key.size === 0) return refuse('has no key');
  return { bind: { entitySet, key: Object.fromEntries(key) } };
}

/** `readBindPath`, throwing `invalidReference` naming `field` (relative to the action's input) when the path is refused. */
export function parseBindPath(value: unknown, field: string): ParsedBind {
  const reading = readBindPath(value);
  if (reading.bind) return reading.bind;
  throw ApiErrors.bindRefused(field, reading.problem);
}
