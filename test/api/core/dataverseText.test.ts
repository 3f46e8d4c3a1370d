/**
 * The text rules of DataverseText.ts: Dataverse's own (XML 1.0 characters only) checked against a
 * reference written from the XML 1.0 `Char` production, and the API's key rule on top of it.
 */
import fc from 'fast-check';
import { codePointName, findCharacterDataverseRefuses, findRefusedText, keyValueProblem, storedKeyValueProblem, textProblem } from '../../../api/src/core/DataverseText';

/** XML 1.0: Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. */
function isXmlChar(codePoint: number): boolean {
  return codePoint === 0x9 || codePoint === 0xa || codePoint === 0xd || (codePoint >= 0x20 && codePoint <= 0xd7ff) || (codePoint >= 0xe000 && codePoint <= 0xfffd) || (codePoint >= 0x10000 && codePoint <= 0x10ffff);
}

/** The reference: walk code points (a lone surrogate is its own code point), report the first non-Char. */
function referenceFind(text: string): { index: number; codePoint: number } | undefined {
  let index = 0;
  for (const character of text) {
    const codePoint = character.codePointAt(0)!;
    if (!isXmlChar(codePoint)) return { index, codePoint };
    index += character.length;
  }
  return undefined;
}

describe('Dataverse text rule (InvalidCharactersInField)', () => {
  it.each([
    ['', undefined],
    ['plain text, tab\t, CR\r, LF\n', undefined],
    ['a surrogate pair 😀 and U+10FFFD \u{10fffd}', undefined],
    ['C1 controls \u0080\u009f and DEL \u007f', undefined],
    ['U+FFFD \ufffd and U+1FFFE \u{1fffe}', undefined],
    ['ab\u0000', { index: 2, codePoint: 0 }],
    ['\u000b', { index: 0, codePoint: 0xb }],
    ['x\u001f', { index: 1, codePoint: 0x1f }],
    ['x\ud800', { index: 1, codePoint: 0xd800 }],
    ['x\ud800y', { index: 1, codePoint: 0xd800 }],
    ['\udc00x', { index: 0, codePoint: 0xdc00 }],
    ['😀\udc00', { index: 2, codePoint: 0xdc00 }],
    ['\ude00\ud83d', { index: 0, codePoint: 0xde00 }],
    ['\ufffe', { index: 0, codePoint: 0xfffe }],
    ['ok \uffff', { index: 3, codePoint: 0xffff }],
  ])('%j → %j', (text, expected) => {
    expect(findCharacterDataverseRefuses(text)).toEqual(expected);
  });

  it('agrees with the XML 1.0 Char production on any UTF-16 string', () => {
    const interesting = fc.constantFrom('\u0000', '\u0008', '\t', '\n', '\r', '\u001f', ' ', '\u007f', '\u0085', '\ud800', '\udbff', '\udc00', '\udfff', '\ud83d\ude00', '\ufffd', '\ufffe', '\uffff', '\u{10ffff}', "'", '%');
    const text = fc.array(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)) }), interesting), { maxLength: 8 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, (value) => {
        expect(findCharacterDataverseRefuses(value)).toEqual(referenceFind(value));
      }),
      { seed: 20261203, numRuns: 2000 },
    );
  });

  it('names the code point and its index, never the character', () => {
    expect(codePointName(0)).toBe('U+0000');
    expect(codePointName(0x1f600)).toBe('U+1F600');
    const problem = textProblem('ab\u0000')!;
    expect(problem).toBe('contains U+0000 at index 2, a character that is not valid in XML 1.0, which Dataverse refuses in text (InvalidCharactersInField)');
  });

  it('finds refused text at any depth, property names included, and reports a name on its object', () => {
    expect(findRefusedText({ a: [1, { b: 'ok' }], c: null, d: true }, 'body')).toBeUndefined();
    expect(findRefusedText({ a: [1, { b: 'x\u0000' }] }, 'body')).toEqual({ field: 'body.a[1].b', problem: expect.stringContaining('U+0000 at index 1') });
    expect(findRefusedText({ a: { ['n\ud800']: 1 } }, 'body')).toEqual({ field: 'body.a', problem: expect.stringMatching(/^has a property name that contains U\+D800 at index 1/) });
    expect(findRefusedText('\uffff', 'query.state')).toEqual({ field: 'query.state', problem: expect.stringContaining('U+FFFF at index 0') });
  });
});

describe('key values', () => {
  it('Dataverse (stored) rule: any text Dataverse stores, 1 to 1000 characters, or a finite number', () => {
    for (const ok of ['A-1', "O'Neil,#%/1", 'x'.repeat(1000), 42, -1.5]) expect(storedKeyValueProblem(ok)).toBeUndefined();
    expect(storedKeyValueProblem('')).toBe('must not be empty');
    expect(storedKeyValueProblem('x'.repeat(1001))).toBe('must be at most 1000 characters');
    expect(storedKeyValueProblem(Number.NaN)).toBe('must be a finite number');
    expect(storedKeyValueProblem(null)).toBe('must be a string or a number');
    expect(storedKeyValueProblem('a\u0000')).toContain('U+0000 at index 1');
  });

  it('API rule: also none of / # < > * % & : \\ ? + $, no control character, no quote closing the segment', () => {
    expect(keyValueProblem('A-100')).toBeUndefined();
    expect(keyValueProblem("O'Neil")).toBeUndefined();
    expect(keyValueProblem('a/b')).toMatch(/^contains "\/" \(U\+002F\) at index 1, which a Dataverse key cannot hold/);
    expect(keyValueProblem("a')")).toMatch(/^contains a quote followed by "\)" at index 1/);
    expect(keyValueProblem('a\r\nb')).toMatch(/^contains U\+000D at index 1, which a Dataverse key cannot hold/);
    expect(keyValueProblem('a\u0000')).toContain('not valid in XML 1.0');
    expect(keyValueProblem('\ud800')).toContain('U+D800 at index 0');
  });
});
