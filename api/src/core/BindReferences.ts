/**
 * Dataverse-native references inside a submitted record — `"<nav>@odata.bind": "/accounts(<key>)"` —
 * parsed strictly from user text into entity set + key, so they can be checked against the allow-list
 * and the lookup's target and then rewritten by the client's own literal writer.
 */
import { ApiError } from './ApiError';
import type { RecordKeyInput } from './EnsureService';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export interface ParsedBind {
  entitySet: string;
  /** `{ "$id": guid }` for a bare GUID (the primary id column is not known yet), else column → value. */
  key: RecordKeyInput | { $id: string };
}

/** Parses `/accounts(<guid>)`, `accounts(accountnumber='A''1')`, `/contacts(a='x',b=2)` (percent-encoded or not). */
export function parseBindPath(value: unknown, field: string): ParsedBind {
  const refuse = (why: string) => new ApiError(400, 'InvalidReference', `${field} ${why}; expected a record path such as "/accounts(<guid>)" or "/accounts(accountnumber='A-100')".`, field);
  if (typeof value !== 'string' || value.length === 0 || value.length > 4000) throw refuse('is not a record path');
  let text = value.startsWith('/') ? value.slice(1) : value;
  const open = text.indexOf('(');
  if (open <= 0 || !text.endsWith(')')) throw refuse('is not a record path');
  const entitySet = text.slice(0, open);
  if (!IDENTIFIER.test(entitySet)) throw refuse('names no valid entity set');
  try {
    text = decodeURIComponent(text.slice(open + 1, -1));
  } catch {
    throw refuse('is not correctly percent-encoded');
  }
  if (GUID.test(text)) return { entitySet, key: { $id: text.toLowerCase() } };
  const key: Record<string, string | number> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw refuse('has a key part without "="');
    const column = text.slice(i, eq);
    if (!IDENTIFIER.test(column) || column in key) throw refuse(`has an invalid key column "${column}"`);
    i = eq + 1;
    if (text[i] === "'") {
      let literal = '';
      i++;
      for (;;) {
        if (i >= text.length) throw refuse('has an unterminated string literal');
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
      key[column] = literal;
    } else {
      const end = text.indexOf(',', i) < 0 ? text.length : text.indexOf(',', i);
      const raw = text.slice(i, end);
      if (GUID.test(raw)) key[column] = raw.toLowerCase();
      else if (/^-?\d+(\.\d+)?$/.test(raw)) key[column] = Number(raw);
      else throw refuse(`has an invalid value for "${column}"`);
      i = end;
    }
    if (i < text.length) {
      if (text[i] !== ',') throw refuse('has text after a key value');
      i++;
      if (i >= text.length) throw refuse('ends with ","');
    }
  }
  if (Object.keys(key).length === 0) throw refuse('has no key');
  return { entitySet, key };
}
