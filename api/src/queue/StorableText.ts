/**
 * What PostgreSQL cannot store, found before it fails a statement that other requests share.
 *
 * `jsonb` refuses the escape of U+0000 (SQLSTATE 22P05) and of a lone UTF-16 surrogate (22P02), and
 * `text` refuses a NUL byte (22021). JavaScript strings hold both, and JSON carries them as `\u0000`
 * and `\ud800`, so one such value in a request would fail the batched insert of every request in its
 * event-loop turn. Other code points, noncharacters such as U+FFFF included, are stored unchanged.
 */

/** Why a request cannot be stored, naming the value: `field` is its JSON path (`body.record.lastname`). */
export class UnstorableValueError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'UnstorableValueError';
  }
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

function problemOf(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains U+0000 (NUL), which cannot be stored';
  if (LONE_SURROGATE.test(text)) return 'contains a lone UTF-16 surrogate (not a character), which cannot be stored';
  return undefined;
}

/** As the HTTP validation names fields: `body.record.lastname`, `body.list[2]`. */
function pathOf(parent: string, key: string | number): string {
  return typeof key === 'number' ? `${parent}[${key}]` : `${parent}.${storableText(key)}`;
}

/**
 * The first string (value or property name) in `value` that PostgreSQL cannot store, as an
 * `UnstorableValueError` naming its path under `root`; undefined when everything can be stored.
 */
export function findUnstorableText(value: unknown, root: string): UnstorableValueError | undefined {
  if (typeof value === 'string') {
    const problem = problemOf(value);
    return problem ? new UnstorableValueError(root, problem) : undefined;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorableText(value[i], pathOf(root, i));
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const keyProblem = problemOf(key);
      if (keyProblem) return new UnstorableValueError(pathOf(root, key), `its property name ${keyProblem}`);
      const found = findUnstorableText(item, pathOf(root, key));
      if (found) return found;
    }
  }
  return undefined;
}

/** The text with NUL and lone surrogates replaced by U+FFFD: for diagnostics (`last_error`), never for data. */
export function storableText(text: string): string {
  return text.replaceAll('\u0000', '\ufffd').replace(LONE_SURROGATES, '\ufffd');
}

/** A JSON value with every string and property name made storable (see `storableText`). */
export function storableValue(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) return value.map(storableValue);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [storableText(key), storableValue(item)]));
  return value;
}

/** SQLSTATE class 22 (data exception): the statement failed because of a value it was given. */
export function isDataException(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('22');
}
