/** The comparison behind the API key middleware: SHA-256, then crypto.timingSafeEqual against every hash. */
import * as crypto from 'node:crypto';
import { hashApiKey, matchApiKey } from '../../../api/src/config/ApiKeys';

jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});

const timingSafeEqual = crypto.timingSafeEqual as jest.MockedFunction<typeof crypto.timingSafeEqual>;

describe('matchApiKey', () => {
  const keys = [
    { name: 'first', sha256: hashApiKey('first-key-0123456789') },
    { name: 'second', sha256: hashApiKey('second-key-0123456789') },
    { name: 'third', sha256: hashApiKey('third-key-0123456789') },
  ];
  beforeEach(() => timingSafeEqual.mockClear());

  it('compares 32-byte digests with timingSafeEqual against every configured hash, even after a match', () => {
    expect(matchApiKey('first-key-0123456789', keys)?.name).toBe('first');
    expect(timingSafeEqual).toHaveBeenCalledTimes(3);
    for (const [presented, expected] of timingSafeEqual.mock.calls) {
      expect((presented as Buffer).length).toBe(32);
      expect((expected as Buffer).length).toBe(32);
    }
    timingSafeEqual.mockClear();
    expect(matchApiKey('nobody', keys)).toBeUndefined();
    expect(timingSafeEqual).toHaveBeenCalledTimes(3);
  });

  it('hashes the presented key, so keys of any length compare as equal-length digests', () => {
    expect(matchApiKey('x', keys)).toBeUndefined();
    expect(matchApiKey('y'.repeat(10_000), keys)).toBeUndefined();
    expect(timingSafeEqual).toHaveBeenCalledTimes(6);
  });

  it('finds the matching key wherever it is, and only that key', () => {
    expect(matchApiKey('third-key-0123456789', keys)?.name).toBe('third');
    expect(matchApiKey('second-key-0123456789', keys)?.name).toBe('second');
    expect(matchApiKey('second-key-012345678', keys)).toBeUndefined();
    expect(matchApiKey('SECOND-KEY-0123456789', keys)).toBeUndefined();
  });
});
