/**
 * The rate limiter of one instance: every request of its client (the HTTP path, the queue, the
 * reconciler) takes a slot on one of the instance's identities (application users) before it is sent.
 *
 * - At most min(52, the identity's latest `x-ms-dop-hint`, its `maxConcurrent`) requests under way per
 *   identity; one at a time, spaced out, while its remaining budget is low (IdentityState.isPaced).
 *   Requests that find no slot wait in one FIFO line (a re-send after a 429 goes first); a waiting
 *   request leaves the line when its signal aborts.
 * - The identity for a request: not resting, with a free slot, fewest under way, then most burst
 *   remaining; round-robin among equals.
 * - A 429 rests its identity until its `Retry-After`, and the request is sent again at once on another
 *   identity, inside the same attempt: the resilience layer above never sees that 429. Only when every
 *   identity is resting does a 429 go up, carrying the shortest remaining rest. Rests only steer the
 *   choice: while every identity rests, requests still go out (to the one whose rest ends first), as
 *   with a single identity before — the circuit breaker above decides whether to send at all.
 *
 * - A sliding window gives budget back only as the identity's own earlier requests leave it: while the
 *   budget expected now (IdentityState.expectedBudget) is within the reserve, the identity is held
 *   until its oldest logged request leaves the window (when that is within PacingRule.maxHoldMs),
 *   rather than sent into a certain 429.
 *
 * Nothing runs while nothing waits: a timer exists only while a request waits for a rest, a hold or a
 * pace to end.
 */
import { DataverseError, ThrottledError } from '../DataverseErrors';
import { type IdentitySnapshot, IdentityState } from './IdentityState';

export interface PoolClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): { cancel(): void };
}

export const systemClock: PoolClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    timer.unref(); // a waiting request's own deadline keeps the process alive, not the line
    return { cancel: () => clearTimeout(timer) };
  },
};

interface Waiter {
  readonly resolve: (identity: IdentityState) => void;
  readonly detach: () => void;
}

export class IdentityPool {
  private readonly line: Waiter[] = [];
  private wake: { at: number; timer: { cancel(): void } } | undefined;
  private nextIndex = 0;

  constructor(
    private readonly identities: readonly IdentityState[],
    private readonly clock: PoolClock = systemClock,
  ) {
    if (identities.length === 0) throw new Error('an instance needs at least one identity');
  }

  /**
   * Runs `exchange` on an identity's slot; on a 429 from it, again on another identity (at most once
   * per other identity) while one is not resting.
   */
  async run<T>(exchange: (identity: IdentityState) => Promise<T>, signal?: AbortSignal): Promise<T> {
    let resend = false;
    for (let sent = 1; ; sent++) {
      const identity = await this.acquire(signal, resend);
      const sentAt = this.clock.now();
      try {
        const result = await exchange(identity);
        identity.answered(sentAt, this.clock.now());
        return result;
      } catch (error) {
        // An answer other than 429 was counted against the budget; a 429 or no answer perhaps not.
        if (!(error instanceof ThrottledError)) {
          if (error instanceof DataverseError && error.status !== undefined) identity.answered(sentAt, this.clock.now());
          throw error;
        }
        const now = this.clock.now();
        identity.rest(now, error.retryAfterMs);
        const shortest = this.shortestRestIfAllResting(now);
        if (shortest !== undefined) throw this.surfaced(error, shortest);
        // Retry-After 0 could make an identity free again at once: one try per identity and attempt.
        if (sent >= this.identities.length) throw error;
        resend = true;
      } finally {
        this.release(identity);
      }
    }
  }

  /** Updates an identity from an answer's headers; a larger hint or a recovered budget may free slots. */
  observe(identity: IdentityState, update: (identity: IdentityState) => void): void {
    identity.tell(this.clock.now()); // a budget reading is dated now
    update(identity);
    if (this.line.length > 0) this.pump();
  }

  snapshot(): IdentitySnapshot[] {
    const now = this.clock.now();
    return this.identities.map((identity) => identity.snapshot(now));
  }

  private acquire(signal: AbortSignal | undefined, first: boolean): IdentityState | Promise<IdentityState> {
    const now = this.clock.now();
    if (first || this.line.length === 0) {
      const chosen = this.choose(now);
      if (chosen) {
        chosen.start(now);
        return chosen;
      }
    }
    signal?.throwIfAborted();
    return new Promise<IdentityState>((resolve, reject) => {
      const onAbort = () => {
        const index = this.line.indexOf(waiter);
        if (index >= 0) this.line.splice(index, 1);
        reject(signal!.reason);
        this.scheduleWake(this.clock.now());
      };
      const waiter: Waiter = { resolve, detach: () => signal?.removeEventListener('abort', onAbort) };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (first) this.line.unshift(waiter);
      else this.line.push(waiter);
      this.scheduleWake(now);
    });
  }

  private release(identity: IdentityState): void {
    identity.underWay--;
    if (this.line.length > 0) this.pump();
  }

  /** Hands free slots to the line, in order. */
  private pump(): void {
    const now = this.clock.now();
    while (this.line.length > 0) {
      const chosen = this.choose(now);
      if (!chosen) break;
      const waiter = this.line.shift()!;
      waiter.detach();
      chosen.start(now);
      waiter.resolve(chosen);
    }
    this.scheduleWake(now);
  }

  /** A timer only while someone waits for a rest, a hold or a pace to end (a request ending pumps by itself). */
  private scheduleWake(now: number): void {
    let at = Infinity;
    if (this.line.length > 0 && this.shortestRestIfAllResting(now) === undefined) {
      for (const identity of this.identities) at = Math.min(at, identity.wakeAt(now) ?? Infinity);
    }
    if (this.wake?.at === at) return;
    this.wake?.timer.cancel();
    this.wake = undefined;
    if (at === Infinity) return;
    const timer = this.clock.setTimeout(() => {
      this.wake = undefined;
      this.pump();
    }, Math.max(0, at - now));
    this.wake = { at, timer };
  }

  /**
   * Not resting, with a free slot; fewest under way, then most burst remaining; round-robin among
   * equals. While every identity rests: the one whose rest ends first, with a free slot.
   */
  private choose(now: number): IdentityState | undefined {
    const count = this.identities.length;
    const allResting = this.shortestRestIfAllResting(now) !== undefined;
    let best: IdentityState | undefined;
    let bestIndex = 0;
    for (let step = 0; step < count; step++) {
      const index = (this.nextIndex + step) % count;
      const candidate = this.identities[index]!;
      if (!candidate.canStart(allResting ? candidate.restingUntil : now)) continue;
      if (allResting) {
        if (best === undefined || candidate.restingUntil < best.restingUntil) {
          best = candidate;
          bestIndex = index;
        }
        continue;
      }
      if (best === undefined || candidate.underWay < best.underWay || (candidate.underWay === best.underWay && budget(candidate) > budget(best))) {
        best = candidate;
        bestIndex = index;
      }
    }
    if (best !== undefined) this.nextIndex = (bestIndex + 1) % count;
    return best;
  }

  private shortestRestIfAllResting(now: number): number | undefined {
    let shortest = Infinity;
    for (const identity of this.identities) {
      if (!identity.isResting(now)) return undefined;
      shortest = Math.min(shortest, identity.restingUntil - now);
    }
    return shortest;
  }

  /** The 429 that goes up: the answer itself, unless another identity's rest ends sooner than it said. */
  private surfaced(error: ThrottledError, shortestMs: number): ThrottledError {
    if (this.identities.length === 1 || error.retryAfterMs === shortestMs) return error;
    return new ThrottledError({
      status: error.status,
      code: error.code,
      message: error.dataverseMessage,
      request: error.request,
      ...(error.batchPart ? { batchPart: error.batchPart } : {}),
      retryAfterMs: shortestMs,
      ...(error.limit ? { limit: error.limit } : {}),
      cause: error,
    });
  }
}

const budget = (identity: IdentityState) => identity.burstRemaining ?? Infinity;
