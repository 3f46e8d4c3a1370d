/**
 * A cockatiel `IBreaker` that opens the circuit at once when the target asked for a pause
 * (`Retry-After` on a 429, or on a 503), and otherwise leaves the decision to the breaker it wraps
 * (consecutive or sampling).
 *
 * Cockatiel calls `failure()` without the error, right after the policy's error filter saw it (same
 * tick, no await in between), so the filter calls `tripOnNextFailure()` for such answers.
 */
import type { CircuitState, IBreaker } from 'cockatiel';

export class ThrottleAwareBreaker implements IBreaker {
  private tripNext = false;

  constructor(private readonly inner: IBreaker) {}

  get state(): unknown {
    return this.inner.state;
  }

  set state(value: unknown) {
    this.inner.state = value;
  }

  /** The next `failure()` opens the circuit whatever the wrapped breaker says. */
  tripOnNextFailure(): void {
    this.tripNext = true;
  }

  success(state: CircuitState): void {
    this.tripNext = false;
    this.inner.success(state);
  }

  failure(state: CircuitState): boolean {
    const trip = this.tripNext;
    this.tripNext = false;
    return this.inner.failure(state) || trip;
  }
}
