/** The settings schema (defaults in one place) and the retry delay that honours Retry-After. */
import { ThrottledError } from '../../../api/src/dataverse/DataverseErrors';
import { DEFAULT_RESILIENCE_SETTINGS, ResilienceSettingsSchema, resolveResilienceSettings } from '../../../api/src/resilience';
import { RetryAfterBackoff } from '../../../api/src/resilience/RetryAfterBackoff';

describe('resilience settings', () => {
  it('an empty object gives every default', () => {
    expect(resolveResilienceSettings({})).toEqual(DEFAULT_RESILIENCE_SETTINGS);
    expect(resolveResilienceSettings()).toEqual({
      maxAttempts: 4,
      baseDelayMs: 200,
      maxDelayMs: 5_000,
      maxRetryAfterMs: 30_000,
      maxBreakForRetryAfterMs: 300_000,
      attemptTimeoutMs: 30_000,
      halfOpenAfterMs: 10_000,
      breaker: { kind: 'consecutive', threshold: 5 },
    });
  });

  it('fills the sampling breaker defaults', () => {
    expect(resolveResilienceSettings({ breaker: { kind: 'sampling' } }).breaker).toEqual({ kind: 'sampling', threshold: 0.5, windowMs: 30_000, minimumRps: 5 });
  });

  it('refuses unknown fields and out-of-range values, naming the field', () => {
    expect(ResilienceSettingsSchema.safeParse({ maxAttempts: 0 }).error?.issues[0]?.path).toEqual(['maxAttempts']);
    expect(ResilienceSettingsSchema.safeParse({ retries: 3 }).success).toBe(false);
    expect(ResilienceSettingsSchema.safeParse({ breaker: { kind: 'sampling', threshold: 1 } }).error?.issues[0]?.path).toEqual(['breaker', 'threshold']);
    expect(() => resolveResilienceSettings({ breaker: { kind: 'counting' } as never })).toThrow();
  });
});

describe('retry delay', () => {
  const throttled = (retryAfterMs: number | undefined) =>
    new ThrottledError({ status: 429, message: 'Number of requests exceeded the limit', request: { method: 'GET', path: '/x' }, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  const context = (error: Error, attempt = 1) => ({ attempt, signal: new AbortController().signal, result: { error } });

  it('is never shorter than Retry-After, with a margin of at most 25 ms + 10 % (≤ 1 s)', () => {
    const backoff = new RetryAfterBackoff({ baseDelayMs: 10, maxDelayMs: 40 });
    for (let i = 0; i < 100; i++) {
      const delay = backoff.next(context(throttled(2_000))).duration;
      expect(delay).toBeGreaterThanOrEqual(2_025);
      expect(delay).toBeLessThan(2_225);
    }
    const long = new RetryAfterBackoff({ baseDelayMs: 10, maxDelayMs: 40, random: () => 0.999 }).next(context(throttled(60_000))).duration;
    expect(long).toBe(60_000 + 25 + 999);
  });

  it('without Retry-After follows the exponential backoff, capped by maxDelayMs', () => {
    const backoff = new RetryAfterBackoff({ baseDelayMs: 100, maxDelayMs: 400 });
    let step = backoff.next(context(throttled(undefined)));
    const delays = [step.duration];
    for (let attempt = 2; attempt <= 8; attempt++) {
      step = step.next(context(throttled(undefined), attempt));
      delays.push(step.duration);
    }
    expect(delays.every((d) => d >= 0 && d <= 400)).toBe(true);
    expect(delays.at(-1)).toBe(400); // grown to the cap
  });
});
