/**
 * The resilience policy of one Dataverse instance, as the hooks its `WebApiClient` runs every HTTP
 * exchange through:
 *
 *   retry (outermost) → circuit breaker → timeout per attempt → the HTTP attempt
 *
 * composed with cockatiel's `wrap`. Each attempt passes the circuit (so an open circuit stops the
 * retries of requests already under way) and has its own timeout; every failed attempt counts for the
 * breaker. See README.md for the behaviour and every setting.
 *
 * ```ts
 * const resilience = createResilientHooks('b', config.resilience, logger);
 * const client = new WebApiClient({ url, hooks: resilience.hooks });
 * resilience.breaker.snapshot(); // { state: 'closed' } for /ready
 * ```
 */
import {
  BrokenCircuitError,
  circuitBreaker,
  ConsecutiveBreaker,
  CircuitState,
  handleWhen,
  IsolatedCircuitError,
  retry,
  SamplingBreaker,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  wrap,
  type IBreaker,
} from 'cockatiel';
import { DataverseError, TransientError, type FailedRequest } from '../dataverse/DataverseErrors';
import type { DataverseClientHooks, DataverseRequestDescription } from '../dataverse/DataverseHttpTransport';
import { BreakDuration } from './BreakDuration';
import { CircuitOpenError } from './CircuitOpenError';
import { InstanceBreaker } from './InstanceBreaker';
import { RecommendedParallelism } from './RecommendedParallelism';
import { ResilienceEventEmitter } from './ResilienceEvents';
import { silentLogger, type ResilienceLogger } from './ResilienceLogger';
import { resolveResilienceSettings, type BreakerSettings, type ResilienceSettings, type ResilienceSettingsInput } from './ResilienceSettings';
import { RetryAfterBackoff } from './RetryAfterBackoff';
import { ThrottleAwareBreaker } from './ThrottleAwareBreaker';
import { isTransientFailure, requestedDelayMs } from './TransientFailure';

export interface ResilientHooks {
  /** Pass to `new WebApiClient({ url, hooks })`. */
  readonly hooks: DataverseClientHooks;
  /** The instance's circuit: state, `openUntil`, `isolate()`, `snapshot()` for `/ready`. */
  readonly breaker: InstanceBreaker;
  /** Subscribes to `stateChange`, `retry`, `giveUp`, `rejected`; returns the unsubscribe function. */
  readonly on: ResilienceEventEmitter['on'];
  /** The settings in force, defaults filled in. */
  readonly settings: ResilienceSettings;
  /** The instance's latest `x-ms-dop-hint`: the queue sends no more requests at once. */
  readonly parallelism: RecommendedParallelism;
}

export function createResilientHooks(instanceName: string, settings: ResilienceSettingsInput = {}, logger: ResilienceLogger = silentLogger): ResilientHooks {
  const resolved = resolveResilienceSettings(settings);
  const events = new ResilienceEventEmitter();
  const durations = { halfOpenAfterMs: resolved.halfOpenAfterMs, maxBreakForRetryAfterMs: resolved.maxBreakForRetryAfterMs };

  const breaker = new ThrottleAwareBreaker(breakerFor(resolved.breaker));
  const breakerPolicy = circuitBreaker(
    handleWhen((error) => {
      if (!isTransientFailure(error)) return false; // an answer about the request: not the target's fault
      if (requestedDelayMs(error) !== undefined) breaker.tripOnNextFailure(); // the target asked for a pause
      return true;
    }),
    { breaker, halfOpenAfter: new BreakDuration(durations) },
  );

  const retryPolicy = retry(
    handleWhen((error) => {
      if (!isTransientFailure(error)) return false;
      const requested = requestedDelayMs(error);
      // Never sooner than Retry-After: a wait longer than we may hold the caller ends the retries.
      if (requested !== undefined) return requested <= resolved.maxRetryAfterMs;
      // The circuit opened on this failure: retrying would only meet the open circuit.
      return breakerPolicy.state !== CircuitState.Open && breakerPolicy.state !== CircuitState.Isolated;
    }),
    { maxAttempts: resolved.maxAttempts - 1, backoff: new RetryAfterBackoff(resolved) },
  );

  // No abort on return: aborting a finished attempt's signal only costs a DOMException per request.
  const attemptTimeout = timeout(resolved.attemptTimeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
  const policy = wrap(retryPolicy, breakerPolicy, attemptTimeout);

  const instanceBreaker = new InstanceBreaker(instanceName, breakerPolicy, durations, events, logger);

  retryPolicy.onRetry((event) => {
    const error = 'error' in event ? event.error : undefined;
    const request = error instanceof DataverseError ? error.request : undefined;
    logger.debug({ instance: instanceName, attempt: event.attempt, delayMs: event.delay, err: error, request }, 'retrying a Dataverse request');
    events.emit('retry', { instance: instanceName, attempt: event.attempt, delayMs: event.delay, error, ...(request ? { request } : {}) });
  });
  retryPolicy.onGiveUp((reason) => {
    const error = 'error' in reason ? reason.error : undefined;
    const request = error instanceof DataverseError ? error.request : undefined;
    events.emit('giveUp', { instance: instanceName, error, ...(request ? { request } : {}) });
  });

  const parallelism = new RecommendedParallelism(instanceName, logger);
  const hooks: DataverseClientHooks = {
    onResponse: (_request, outcome) => parallelism.observe(outcome.dopHint, outcome.identity),
    wrap: async <T>(request: DataverseRequestDescription, attempt: (signal?: AbortSignal) => Promise<T>): Promise<T> => {
      try {
        // The policy's signal aborts the attempt's socket when its timeout fires (not only the wait).
        // A signal of its own per call: without one, cockatiel hangs every call's abort listener on one
        // shared never-aborted signal, and Node warns (MaxListenersExceeded) past 10 concurrent requests.
        return await policy.execute(({ signal }) => attempt(signal), new AbortController().signal);
      } catch (error) {
        throw translate(error, request);
      }
    },
  };

  /** cockatiel's own errors become the client's typed errors. */
  function translate(error: unknown, description: DataverseRequestDescription): unknown {
    if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
      const circuit = error instanceof IsolatedCircuitError ? 'isolated' : 'open';
      const request = failedRequest(description);
      events.emit('rejected', { instance: instanceName, circuit, request });
      // A BrokenCircuitError can come from a circuit reopened after a failed probe: read the end again.
      return new CircuitOpenError({ instance: instanceName, circuit, openUntil: circuit === 'open' ? instanceBreaker.openUntil : undefined, request });
    }
    if (error instanceof TaskCancelledError) {
      return new TransientError({
        message: `no answer within ${resolved.attemptTimeoutMs} ms (the resilience policy's timeout per attempt)`,
        request: failedRequest(description),
        cause: error,
      });
    }
    return error;
  }

  return { hooks, breaker: instanceBreaker, on: (event, listener) => events.on(event, listener), settings: resolved, parallelism };
}

function breakerFor(settings: BreakerSettings): IBreaker {
  return settings.kind === 'consecutive'
    ? new ConsecutiveBreaker(settings.threshold)
    : new SamplingBreaker({ threshold: settings.threshold, duration: settings.windowMs, minimumRps: settings.minimumRps });
}

function failedRequest(description: DataverseRequestDescription): FailedRequest {
  const url = new URL(description.url);
  return { method: description.method, path: `${url.pathname}${url.search}` };
}
