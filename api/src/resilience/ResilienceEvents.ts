/**
 * What the resilience policy of one instance reports: circuit transitions, retries, give-ups and
 * requests refused by the circuit — for logs, metrics and `/ready`. Listeners run synchronously;
 * an exception in one is ignored (observers never change the outcome of a request).
 */
import type { FailedRequest } from '../dataverse/DataverseErrors';
import type { CircuitRefusal } from './CircuitOpenError';

/** The circuit as `/ready` shows it. `half-open`: the next request is a probe. */
export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

export interface ResilienceEvents {
  stateChange: {
    readonly instance: string;
    readonly state: BreakerState;
    readonly previous: BreakerState;
    /** For `open`: when a probe will be let through. */
    readonly openUntil?: Date;
    /** For `open`: the failure that opened the circuit. */
    readonly reason?: string;
  };
  retry: {
    readonly instance: string;
    /** 1 for the first retry (the second attempt). */
    readonly attempt: number;
    readonly delayMs: number;
    readonly error: unknown;
    readonly request?: FailedRequest;
  };
  giveUp: { readonly instance: string; readonly error: unknown; readonly request?: FailedRequest };
  rejected: { readonly instance: string; readonly circuit: CircuitRefusal; readonly request: FailedRequest };
}

export type ResilienceEventName = keyof ResilienceEvents;
export type ResilienceListener<K extends ResilienceEventName> = (event: ResilienceEvents[K]) => void;

export class ResilienceEventEmitter {
  private readonly listeners: { [K in ResilienceEventName]: Set<ResilienceListener<K>> } = {
    stateChange: new Set(),
    retry: new Set(),
    giveUp: new Set(),
    rejected: new Set(),
  };

  /** Adds a listener; returns the function that removes it. */
  on<K extends ResilienceEventName>(event: K, listener: ResilienceListener<K>): () => void {
    const set = this.listeners[event] as Set<ResilienceListener<K>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<K extends ResilienceEventName>(event: K, payload: ResilienceEvents[K]): void {
    for (const listener of this.listeners[event] as Set<ResilienceListener<K>>) {
      try {
        listener(payload);
      } catch {
        // observers must not change the outcome of a request
      }
    }
  }
}
