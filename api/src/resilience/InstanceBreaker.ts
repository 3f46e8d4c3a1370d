/**
 * The circuit of one instance as the rest of the product sees it: its state (for `/ready`), when an
 * open circuit lets a probe through, and the manual isolate. It follows cockatiel's
 * `CircuitBreakerPolicy` (the state machine stays cockatiel's), logs each transition and reports it as a
 * `stateChange` event.
 */
import { CircuitState, type CircuitBreakerPolicy, type FailureReason } from 'cockatiel';
import { breakDurationFor, type BreakDurationOptions } from './BreakDuration';
import type { BreakerState, ResilienceEventEmitter } from './ResilienceEvents';
import type { ResilienceLogger } from './ResilienceLogger';
import { requestedDelayMs } from './TransientFailure';

/** A manual isolation; `release()` lets requests through again once every handle is released. */
export interface IsolationHandle {
  release(): void;
}

/** What `/ready` shows of a circuit. */
export interface BreakerSnapshot {
  readonly state: BreakerState;
  /** ISO time when an open circuit lets a probe through. */
  readonly openUntil?: string;
  /** The failure that last opened the circuit. */
  readonly lastFailure?: string;
}

export class InstanceBreaker {
  private openUntilMs: number | undefined;
  private lastFailure: string | undefined;
  private reported: BreakerState = 'closed';

  constructor(
    private readonly instance: string,
    private readonly policy: CircuitBreakerPolicy,
    private readonly durations: BreakDurationOptions,
    private readonly events: ResilienceEventEmitter,
    private readonly logger: ResilienceLogger,
  ) {
    // cockatiel emits onBreak (with the failure) just before onStateChange(Open), in the same tick.
    policy.onBreak((reason) => {
      if ('isolated' in reason) return;
      this.openUntilMs = Date.now() + breakDurationFor(reason, durations);
      this.lastFailure = describeFailure(reason);
    });
    policy.onStateChange((state) => this.report(state));
  }

  /**
   * `closed`; `open` (requests refused until `openUntil`); `half-open` (the cool-down is over or a
   * probe is running: the next request, or the running one, decides); `isolated` (held open by hand).
   */
  state(): BreakerState {
    switch (this.policy.state) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.HalfOpen:
        return 'half-open';
      case CircuitState.Isolated:
        return 'isolated';
      case CircuitState.Open:
        // cockatiel moves to half-open lazily, on the first request after the cool-down
        return this.openUntilMs !== undefined && Date.now() >= this.openUntilMs ? 'half-open' : 'open';
    }
  }

  /** When an open circuit lets a probe through; undefined unless `state()` is `open`. */
  get openUntil(): Date | undefined {
    return this.state() === 'open' && this.openUntilMs !== undefined ? new Date(this.openUntilMs) : undefined;
  }

  /**
   * Holds the circuit open: every request fails fast with `CircuitOpenError` (circuit `isolated`) until
   * every handle is released, then the circuit is closed. Releasing twice is harmless.
   */
  isolate(): IsolationHandle {
    const handle = this.policy.isolate();
    return { release: () => handle.dispose() };
  }

  snapshot(): BreakerSnapshot {
    const openUntil = this.openUntil;
    return {
      state: this.state(),
      ...(openUntil ? { openUntil: openUntil.toISOString() } : {}),
      ...(this.lastFailure !== undefined ? { lastFailure: this.lastFailure } : {}),
    };
  }

  private report(circuit: CircuitState): void {
    const previous = this.reported;
    const state = circuitName(circuit);
    this.reported = state;
    const details = { instance: this.instance, state, previous };
    if (state === 'open') {
      const openUntil = new Date(this.openUntilMs ?? Date.now());
      this.logger.warn({ ...details, openUntil: openUntil.toISOString(), reason: this.lastFailure }, 'Dataverse circuit opened: requests to this instance fail fast');
      this.events.emit('stateChange', { ...details, openUntil, ...(this.lastFailure !== undefined ? { reason: this.lastFailure } : {}) });
      return;
    }
    if (state === 'isolated') this.logger.warn(details, 'Dataverse circuit isolated by hand: requests to this instance fail fast');
    else if (state === 'half-open') this.logger.info(details, 'Dataverse circuit half-open: sending one probe request');
    else this.logger.info(details, 'Dataverse circuit closed: requests flow again');
    this.events.emit('stateChange', details);
  }
}

function circuitName(state: CircuitState): BreakerState {
  switch (state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.Open:
      return 'open';
    case CircuitState.HalfOpen:
      return 'half-open';
    case CircuitState.Isolated:
      return 'isolated';
  }
}

function describeFailure(reason: FailureReason<unknown>): string {
  if (!('error' in reason)) return 'an unexpected result';
  const wait = requestedDelayMs(reason.error);
  const text = reason.error.message || reason.error.name;
  return wait === undefined ? text : `${text} [Retry-After ${wait} ms]`;
}
