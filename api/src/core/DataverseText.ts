/**
 * The one place that decides which text may travel to Dataverse: the HTTP layer checks every request
 * with these rules before anything is queued or sent, and the core checks again before it writes.
 *
 * **Dataverse's own rule.** Dataverse checks every string written to a string or memo column with
 * `XmlConvert.VerifyXmlChars` and refuses the first character that is not an XML 1.0 character:
 * error `InvalidCharactersInField` (0x80040278, "The field '{0}' contains one or more invalid
 * characters."), see
 * https://learn.microsoft.com/power-apps/developer/data-platform/best-practices/work-with-data/invalidcharactersinfield
 * XML 1.0 characters are tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD and U+10000–U+10FFFF
 * (a surrogate *pair*), so the C0 controls other than tab/LF/CR, lone surrogates, U+FFFE and U+FFFF are
 * refused. Such a value is refused here for every string at any depth — and for property names, which
 * are free text inside a column's JSON — because it would otherwise fail inside a `$batch` (taking
 * the whole change set with it) or poison the durable queue (PostgreSQL text refuses U+0000 and lone
 * surrogates).
 *
 * **The key rule.** A key value also ends up inside a URL key segment (`accounts(accountnumber='…')`):
 * on top of the XML rule it must be 1 to `MAX_KEY_VALUE_LENGTH` characters and hold none of
 * `UNSAFE_KEY_VALUE`.
 *
 * Problems name the offending code point and its index (`U+0000 at index 3`), never the raw character:
 * messages are logged and shown in flows, where a raw control character or half a surrogate pair does
 * harm of its own.
 */

/**
 * Characters that are not XML 1.0 characters, one UTF-16 code unit at a time: C0 controls but tab, LF,
 * CR; U+FFFE, U+FFFF; a high surrogate not followed by a low one; a low surrogate not preceded by a high one.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this finds
const NOT_XML_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Characters a key value cannot hold. Microsoft: when alternate key data contains
 * `/ # < > * % & : \ ? +`, "GET or PATCH actions will not work"
 * (https://learn.microsoft.com/power-apps/maker/data-platform/define-alternate-keys-portal). `$`
 * (system query options), control characters and a quote closing a key segment (`')`) are refused as
 * well: none belongs in a key, and each is a sign of an injection attempt.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
export const UNSAFE_KEY_VALUE = /[/#<>*%&:\\?+$\u0000-\u001f\u007f]|'\)/;

/** Longest key value accepted (`ec_key`, the key as JSON, is text 1000; real key columns are far shorter). */
export const MAX_KEY_VALUE_LENGTH = 1000;

export interface CharacterAt {
  index: number;
  codePoint: number;
}

/** `U+0000`, `U+D800`, `U+1F600`. */
export function codePointName(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The first character of `text` Dataverse refuses in a string column (UTF-16 index), if any. */
export function findCharacterDataverseRefuses(text: string): CharacterAt | undefined {
  const match = NOT_XML_CHARACTER.exec(text);
  return match ? { index: match.index, codePoint: match[0].charCodeAt(0) } : undefined;
}

function describe(at: CharacterAt): string {
  return `${codePointName(at.codePoint)} at index ${at.index}`;
}

/** Why Dataverse would refuse `text` (InvalidCharactersInField), or undefined when it is fine. */
export function textProblem(text: string): string | undefined {
  const at = findCharacterDataverseRefuses(text);
  return at ? `contains ${describe(at)}, a character that is not valid in XML 1.0, which Dataverse refuses in text (InvalidCharactersInField)` : undefined;
}

/**
 * Dataverse's rule for one key value, as stored in a key column (the core's rule: its client writes
 * the URL literal): a finite number, or a string of 1 to `MAX_KEY_VALUE_LENGTH` characters that
 * Dataverse accepts as text.
 */
export function storedKeyValueProblem(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'must be a finite number';
  if (typeof value !== 'string') return 'must be a string or a number';
  if (value.length === 0) return 'must not be empty';
  if (value.length > MAX_KEY_VALUE_LENGTH) return `must be at most ${MAX_KEY_VALUE_LENGTH} characters`;
  return textProblem(value);
}

/** The API's rule for one key value, wherever it arrives (body keys, references, `@odata.bind` paths). */
export function keyValueProblem(value: unknown): string | undefined {
  const stored = storedKeyValueProblem(value);
  if (stored !== undefined || typeof value !== 'string') return stored;
  const unsafe = UNSAFE_KEY_VALUE.exec(value);
  if (!unsafe) return undefined;
  const codePoint = unsafe[0].charCodeAt(0);
  // Printable ASCII is shown as well: `"/" (U+002F) at index 1` reads better than the code point alone.
  const shown =
    unsafe[0] === "')" ? `a quote followed by ")"` : codePoint > 0x20 && codePoint < 0x7f ? `"${unsafe[0]}" (${codePointName(codePoint)})` : codePointName(codePoint);
  return `contains ${shown} at index ${unsafe.index}, which a Dataverse key cannot hold (/ # < > * % & : \\ ? + $, control characters, or a quote followed by ")")`;
}

export interface TextFinding {
  /** JSON path of the string (or of the object whose property name is refused). */
  field: string;
  problem: string;
}

/**
 * The first string in `value` — at any depth, in arrays and objects, property names included — that
 * Dataverse would refuse. A refused property name is reported on its object (`body.record.data`), so
 * that the field itself never carries the character.
 */
export function findRefusedText(value: unknown, path: string): TextFinding | undefined {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem ? { field: path, problem } : undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = findRefusedText(value[index], `${path}[${index}]`);
      if (found) return found;
    }
    return undefined;
  }
  for (const [name, item] of Object.entries(value as Record<string, unknown>)) {
    const problem = textProblem(name);
    if (problem) return { field: path, problem: `has a property name that ${problem}` };
    const found = findRefusedText(item, `${path}.${name}`);
    if (found) return found;
  }
  return undefined;
}
