/**
 * How long the circuit stays open once it opened: the `Retry-After` of the answer that opened it
 * (capped by `maxBreakForRetryAfterMs`), else the fixed cool-down `halfOpenAfterMs`. After that one
 * probe request goes through (half-open); its failure opens the circuit again, for a duration chosen
 * the same way.
 *
 * Cockatiel's breaker has no per-open duration, but it asks its `halfOpenAfter` backoff for one each
 * time it opens and hands it the failure: that is where the Retry-After is read.
 */
import type { FailureReason, IBackoff, IBackoffFactory, IHalfOpenAfterBackoffContext } from 'cockatiel';
import { requestedDelayMs } from './TransientFailure';

export interface BreakDurationOptions {
  readonly halfOpenAfterMs: number;
  readonly maxBreakForRetryAfterMs: number;
}

/** The open duration for the failure that opened the circuit. */
export function breakDurationFor(reason: FailureReason<unknown> | undefined, options: BreakDurationOptions): number {
  const requested = reason && 'error' in reason ? requestedDelayMs(reason.error) : undefined;
  return requested === undefined ? options.halfOpenAfterMs : Math.min(requested, options.maxBreakForRetryAfterMs);
}

export class BreakDuration implements IBackoffFactory<IHalfOpenAfterBackoffContext> {
  constructor(private readonly options: BreakDurationOptions) {}

  next(context: IHalfOpenAfterBackoffContext): IBackoff<IHalfOpenAfterBackoffContext> {
    return { duration: breakDurationFor(context.result, this.options), next: (nextContext) => this.next(nextContext) };
  }
}
