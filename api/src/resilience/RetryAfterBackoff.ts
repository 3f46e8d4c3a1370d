/**
 * The retry delay: cockatiel's exponential backoff with decorrelated jitter, but never shorter than the
 * `Retry-After` the failed attempt carried (ref 6.5: wait Retry-After, then resend).
 *
 * When the target asked for a wait, the delay is that wait plus a small margin (25 ms + up to 10 % of
 * the wait, at most 1 s) so that the retry reaches the circuit after the break it caused has ended
 * and concurrent clients do not all come back in the same millisecond. Waits longer than
 * `maxRetryAfterMs` are never shortened: the retry policy does not retry them at all (see
 * `createResilientHooks`).
 */
import { ExponentialBackoff, type IBackoff, type IBackoffFactory, type IRetryBackoffContext } from 'cockatiel';
import { requestedDelayMs } from './TransientFailure';

type RetryContext = IRetryBackoffContext<unknown>;

export interface RetryAfterBackoffOptions {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Random source for the margin (tests). */
  readonly random?: () => number;
}

/** The delay before resending after a `Retry-After` of `waitMs`. */
export function delayAfterRequestedWait(waitMs: number, random: () => number = Math.random): number {
  return waitMs + 25 + Math.floor(random() * Math.min(1000, waitMs * 0.1));
}

export class RetryAfterBackoff implements IBackoffFactory<RetryContext> {
  private readonly exponential: ExponentialBackoff<unknown>;
  private readonly random: () => number;

  constructor(options: RetryAfterBackoffOptions) {
    this.exponential = new ExponentialBackoff({ initialDelay: options.baseDelayMs, maxDelay: options.maxDelayMs });
    this.random = options.random ?? Math.random;
  }

  next(context: RetryContext): IBackoff<RetryContext> {
    return this.step(this.exponential.next(), context);
  }

  private step(exponential: IBackoff<unknown>, context: RetryContext): IBackoff<RetryContext> {
    const failure = context.result;
    const requested = 'error' in failure ? requestedDelayMs(failure.error) : undefined;
    const duration = requested === undefined ? exponential.duration : Math.max(exponential.duration, delayAfterRequestedWait(requested, this.random));
    return { duration, next: (nextContext) => this.step(exponential.next(undefined), nextContext) };
  }
}
