/**
 * Metrics of the calls to Dataverse: every single HTTP attempt — each retry counts on its own — and
 * the resilience policy's retries and circuit state, per instance.
 */
import type { Counter, Gauge, Histogram } from 'prom-client';
import type { DataverseClientHooks, DataverseRequestDescription, DataverseResponseOutcome } from '../dataverse/DataverseHttpTransport';
import type { BreakerState, ResilientHooks } from '../resilience';

/** `dve_circuit_state` values. */
export const CIRCUIT_STATE_VALUES: Readonly<Record<BreakerState, number>> = { closed: 0, 'half-open': 1, open: 2, isolated: 3 };

/** The `outcome` label of an attempt: the status class, or `error` when no answer came. */
export type AttemptOutcome = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'error';

export function attemptOutcome(status: number | undefined): AttemptOutcome {
  if (status === undefined || !Number.isFinite(status) || status < 100 || status > 599) return 'error';
  return `${Math.floor(status / 100)}xx` as AttemptOutcome;
}

const KNOWN_METHODS = new Set(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']);

export interface DataverseAttemptMetrics {
  readonly requests: Counter<'instance' | 'method' | 'outcome'>;
  readonly duration: Histogram<'instance'>;
}

/**
 * The client's hooks plus a measure of every attempt. The transport calls `onResponse` once per
 * attempt — inside the resilience policy's `wrap`, so each retry is one more attempt — with the status
 * (absent when no answer came: connection refused or dropped, timeout, abort, failed token request)
 * and the attempt's duration. The given hooks keep working: `wrap` is untouched and their own
 * `onRequest`/`onResponse` still run. Requests refused by an open circuit send nothing and are not
 * attempts (see `dve_circuit_rejected_total`).
 */
export function instrumentHooks(metrics: DataverseAttemptMetrics, instance: string, hooks: DataverseClientHooks = {}): DataverseClientHooks {
  const inner = hooks.onResponse;
  return {
    ...hooks,
    onResponse: (request: DataverseRequestDescription, outcome: DataverseResponseOutcome) => {
      try {
        const method = KNOWN_METHODS.has(request.method) ? request.method : 'OTHER';
        metrics.requests.inc({ instance, method, outcome: attemptOutcome(outcome.status) });
        metrics.duration.observe({ instance }, outcome.durationMs / 1000);
      } finally {
        inner?.(request, outcome);
      }
    },
  };
}

export interface ResilienceMetrics {
  readonly circuitState: Gauge<'instance'>;
  readonly retries: Counter<'instance'>;
  readonly circuitOpened: Counter<'instance'>;
  readonly circuitRejected: Counter<'instance'>;
}

/** What `observeResilience` reads: `ResilientHooks.on`, and optionally its `breaker`. */
export type ResilienceSubscribe = ResilientHooks['on'];
export interface BreakerStateSource {
  state(): BreakerState;
}

/**
 * Follows one instance's policy: the circuit gauge (from `stateChange`, starting closed), retries,
 * openings and refusals. Returns the function that stops following it.
 */
export function followResilience(
  metrics: ResilienceMetrics,
  instance: string,
  on: ResilienceSubscribe,
  onStopped: () => void,
): () => void {
  metrics.circuitState.set({ instance }, CIRCUIT_STATE_VALUES.closed);
  metrics.retries.inc({ instance }, 0);
  metrics.circuitOpened.inc({ instance }, 0);
  metrics.circuitRejected.inc({ instance }, 0);
  const unsubscribe = [
    on('stateChange', (event) => {
      metrics.circuitState.set({ instance }, CIRCUIT_STATE_VALUES[event.state]);
      if (event.state === 'open') metrics.circuitOpened.inc({ instance });
    }),
    on('retry', () => metrics.retries.inc({ instance })),
    on('rejected', () => metrics.circuitRejected.inc({ instance })),
  ];
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    for (const off of unsubscribe) off();
    onStopped();
  };
}
