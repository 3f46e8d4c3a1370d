/**
 * Tokens of the OData URI grammar subset Dataverse accepts in keys and $filter (ref 2.6, 2.7, 4.5):
 * single-quoted strings with '' escapes, GUIDs, numbers, date-times, true/false/null, names, and
 * punctuation. Input is already percent-decoded.
 */
import { DataverseErrors } from '../errors/DataverseErrorFactory';

export type Token =
  | { kind: 'string'; value: string; position: number }
  | { kind: 'number'; value: number; position: number }
  | { kind: 'guid'; value: string; position: number }
  | { kind: 'datetime'; value: string; position: number }
  | { kind: 'boolean'; value: boolean; position: number }
  | { kind: 'null'; position: number }
  | { kind: 'name'; value: string; position: number }
  | { kind: 'punct'; value: '(' | ')' | ',' | '=' | '/'; position: number }
  | { kind: 'eof'; position: number };

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/;
const DATETIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?/;
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?[mMdDfFlL]?/;
const NAME = /^[A-Za-z_$@][A-Za-z0-9_.$@]*/;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t') {
      i++;
      continue;
    }
    if (ch === "'") {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw DataverseErrors.unterminatedLiteral(start, text);
        const c = text[i]!;
        if (c === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += c;
        i++;
      }
      tokens.push({ kind: 'string', value, position: start });
      continue;
    }
    if ('(),=/'.includes(ch)) {
      tokens.push({ kind: 'punct', value: ch as '(' | ')' | ',' | '=' | '/', position: i });
      i++;
      continue;
    }
    const rest = text.slice(i);
    const guid = GUID.exec(rest);
    if (guid && !/[0-9A-Za-z_-]/.test(rest[guid[0].length] ?? '')) {
      tokens.push({ kind: 'guid', value: guid[0].toLowerCase(), position: i });
      i += guid[0].length;
      continue;
    }
    const datetime = DATETIME.exec(rest);
    if (datetime && datetime[0].length > 4 && /^\d{4}-/.test(rest)) {
      tokens.push({ kind: 'datetime', value: datetime[0], position: i });
      i += datetime[0].length;
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0].replace(/[mMdDfFlL]$/, '')), position: i });
      i += number[0].length;
      continue;
    }
    const name = NAME.exec(rest);
    if (name) {
      const word = name[0];
      if (word === 'true' || word === 'false') tokens.push({ kind: 'boolean', value: word === 'true', position: i });
      else if (word === 'null') tokens.push({ kind: 'null', position: i });
      else tokens.push({ kind: 'name', value: word, position: i });
      i += word.length;
      continue;
    }
    throw DataverseErrors.badUri(`Syntax error: character '${ch}' is not valid at position ${i} in '${text}'.`);
  }
  tokens.push({ kind: 'eof', position: text.length });
  return tokens;
}

/** A literal value as the server compares and stores it. */
export type LiteralValue = string | number | boolean | null;

export function literalValue(token: Token): LiteralValue | undefined {
  switch (token.kind) {
    case 'string':
    case 'guid':
    case 'datetime':
      return token.value;
    case 'number':
    case 'boolean':
      return token.value;
    case 'null':
      return null;
    default:
      return undefined;
  }
}
