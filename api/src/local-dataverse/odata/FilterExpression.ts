/**
 * `$filter` for the local Dataverse (ref 4.5): eq ne gt ge lt le, and/or/not, parentheses,
 * contains/startswith/endswith, column-to-column comparisons, `eq null`. String comparisons are
 * case-insensitive as in Dataverse; null follows SQL's three-valued logic (see `evaluate`).
 */
import { DataverseErrors } from '../errors/DataverseErrorFactory';
import { literalValue, tokenize, type LiteralValue, type Token } from './ODataLexer';

export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'compare'; op: CompareOp; left: Operand; right: Operand }
  | { kind: 'function'; name: 'contains' | 'startswith' | 'endswith'; column: string; value: string };

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type Operand = { kind: 'column'; name: string } | { kind: 'literal'; value: LiteralValue };

const COMPARE_OPS = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const FUNCTIONS = new Set<string>(['contains', 'startswith', 'endswith']);

/** Parses a decoded `$filter` value; `columnExists` rejects unknown properties as the service does. */
export function parseFilter(text: string, columnExists: (name: string) => boolean, tableName: string): FilterNode {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token => tokens[pos]!;
  const next = (): Token => tokens[pos++]!;
  const syntax = (token: Token, what: string) =>
    DataverseErrors.badUri(`Syntax error at position ${token.position} in '${text}': ${what}.`);
  const isWord = (token: Token, word: string) => token.kind === 'name' && token.value === word;
  const column = (name: string): string => {
    if (!columnExists(name)) throw DataverseErrors.unknownQueryProperty(name, tableName);
    return name;
  };

  const parseOr = (): FilterNode => {
    let left = parseAnd();
    while (isWord(peek(), 'or')) {
      next();
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): FilterNode => {
    let left = parseUnary();
    while (isWord(peek(), 'and')) {
      next();
      left = { kind: 'and', left, right: parseUnary() };
    }
    return left;
  };
  const parseUnary = (): FilterNode => {
    if (isWord(peek(), 'not')) {
      next();
      return { kind: 'not', operand: parseUnary() };
    }
    return parsePrimary();
  };
  const parseOperand = (): Operand => {
    const token = next();
    if (token.kind === 'name') return { kind: 'column', name: column(token.value) };
    const value = literalValue(token);
    if (value === undefined) throw syntax(token, 'an operand was expected');
    return { kind: 'literal', value };
  };
  const parsePrimary = (): FilterNode => {
    const token = peek();
    if (token.kind === 'punct' && token.value === '(') {
      next();
      const inner = parseOr();
      const close = next();
      if (close.kind !== 'punct' || close.value !== ')') throw syntax(close, "')' was expected");
      return inner;
    }
    if (token.kind === 'name' && FUNCTIONS.has(token.value) && tokens[pos + 1]?.kind === 'punct') {
      next();
      const open = next();
      if (open.kind !== 'punct' || open.value !== '(') throw syntax(open, "'(' was expected");
      const col = next();
      if (col.kind !== 'name') throw syntax(col, 'a column name was expected');
      const comma = next();
      if (comma.kind !== 'punct' || comma.value !== ',') throw syntax(comma, "',' was expected");
      const value = next();
      if (value.kind !== 'string') throw syntax(value, 'a string literal was expected');
      const close = next();
      if (close.kind !== 'punct' || close.value !== ')') throw syntax(close, "')' was expected");
      return { kind: 'function', name: token.value as 'contains', column: column(col.value), value: value.value };
    }
    const left = parseOperand();
    const op = next();
    if (op.kind !== 'name' || !COMPARE_OPS.has(op.value)) throw syntax(op, 'a comparison operator (eq, ne, gt, ge, lt, le) was expected');
    const right = parseOperand();
    return { kind: 'compare', op: op.value as CompareOp, left, right };
  };

  const tree = parseOr();
  if (peek().kind !== 'eof') throw syntax(peek(), 'the expression continues after its end');
  return tree;
}

type Row = Record<string, unknown>;

/** Whether a row passes the filter: only rows for which it is true (not false, not unknown). */
export function evaluateFilter(node: FilterNode, row: Row): boolean {
  return evaluate(node, row) === true;
}

/**
 * SQL's three-valued logic, as Dataverse evaluates filters in SQL: a comparison with null is unknown
 * (`undefined`), `not unknown` stays unknown, `false and unknown` is false, `true or unknown` is true.
 */
function evaluate(node: FilterNode, row: Row): boolean | undefined {
  switch (node.kind) {
    case 'and': {
      const left = evaluate(node.left, row);
      if (left === false) return false;
      const right = evaluate(node.right, row);
      if (right === false) return false;
      return left === true && right === true ? true : undefined;
    }
    case 'or': {
      const left = evaluate(node.left, row);
      if (left === true) return true;
      const right = evaluate(node.right, row);
      if (right === true) return true;
      return left === false && right === false ? false : undefined;
    }
    case 'not': {
      const operand = evaluate(node.operand, row);
      return operand === undefined ? undefined : !operand;
    }
    case 'function': {
      const value = row[node.column];
      if (value === null || value === undefined) return undefined;
      const haystack = String(value).toLowerCase();
      const needle = node.value.toLowerCase();
      if (node.name === 'contains') return haystack.includes(needle);
      if (node.name === 'startswith') return haystack.startsWith(needle);
      return haystack.endsWith(needle);
    }
    case 'compare': {
      const left = operandValue(node.left, row);
      const right = operandValue(node.right, row);
      // `x eq null` / `x ne null` are OData's IS NULL / IS NOT NULL.
      if (node.right.kind === 'literal' && right === null) return node.op === 'eq' ? left === null : node.op === 'ne' ? left !== null : undefined;
      if (node.left.kind === 'literal' && left === null) return node.op === 'eq' ? right === null : node.op === 'ne' ? right !== null : undefined;
      if (left === null || right === null) return undefined;
      const order = compareValues(left, right);
      switch (node.op) {
        case 'eq':
          return order === 0;
        case 'ne':
          return order !== 0;
        case 'gt':
          return order > 0;
        case 'ge':
          return order >= 0;
        case 'lt':
          return order < 0;
        case 'le':
          return order <= 0;
      }
    }
  }
}

function operandValue(operand: Operand, row: Row): unknown {
  if (operand.kind === 'literal') return operand.value;
  const value = row[operand.name];
  return value === undefined ? null : value;
}

/**
 * Orders two non-null values the way Dataverse compares columns: strings case-insensitively,
 * date-times by instant, numbers and booleans by value.
 */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const sa = String(a);
  const sb = String(b);
  if (ISO_DATE.test(sa) && ISO_DATE.test(sb)) {
    const diff = Date.parse(sa) - Date.parse(sb);
    if (!Number.isNaN(diff)) return diff;
  }
  const la = sa.toLowerCase();
  const lb = sb.toLowerCase();
  return la < lb ? -1 : la > lb ? 1 : 0;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;
