/**
 * Strings Dataverse refuses (InvalidCharactersInField, 0x80040278: not XML 1.0 characters) and
 * strings it keeps though they look suspicious, for the invalid-character suites.
 * https://learn.microsoft.com/power-apps/developer/data-platform/best-practices/work-with-data/invalidcharactersinfield
 */

/** [description, value]: each value is at most 20 UTF-16 units (account.accountnumber's length). */
export const INVALID_VALUES: Array<[string, string]> = [
  ['NUL', 'nul\u0000x'],
  ['SOH', '\u0001start'],
  ['a backspace', 'back\u0008space'],
  ['a vertical tab', 'v\u000btab'],
  ['a form feed', 'form\u000cfeed'],
  ['ESC', 'esc\u001b[0m'],
  ['a unit separator', 'end\u001f'],
  ['a lone high surrogate', 'high\ud800'],
  ['a lone low surrogate', '\udc00low'],
  ['a high surrogate before a non-surrogate', 'x\ud83dy'],
  ['a reversed surrogate pair', 'r\ude00\ud83d'],
  ['U+FFFE', 'bom\ufffe'],
  ['U+FFFF', '\uffffmax'],
];

/** The poison strings that `encodeURIComponent` can encode (a lone surrogate has no UTF-8 form). */
export const URL_ENCODABLE_INVALID_VALUES = INVALID_VALUES.filter(([, value]) => encodable(value));

function encodable(value: string): boolean {
  try {
    encodeURIComponent(value);
    return true;
  } catch {
    return false;
  }
}

/** Valid XML 1.0 characters that must round-trip unchanged. */
export const VALID_VALUES: Array<[string, string]> = [
  ['tab, LF and CR', 'a\tb\nc\r\nd'],
  ['DEL and C1 controls', 'del\u007f\u0085\u009f'],
  ['a surrogate pair (astral)', 'emoji \ud83d\ude00'],
  ['U+10FFFF', 'last \udbff\udfff'],
  ['U+FFFD and U+FFFC', 'repl \ufffd\ufffc'],
  ['the noncharacter U+FDD0', 'nonchar \ufdd0'],
  ['quotes and a percent', `it's "100%"`],
];

export const INVALID_CHARACTERS_CODE = '0x80040278';

export const invalidCharactersMessage = (column: string) => `The field '${column}' contains one or more invalid characters.`;
