/**
 * Runs one stored action through the `EnsureService` and sorts its outcome into what the queue does
 * next: a final answer (the result, or a permanent error with the status the caller should see), or a
 * transient failure (target down, throttled, circuit open) to retry later, not before `retryAt`.
 * `isTransient` is the one place the queue decides which failures are worth another attempt, and
 * `withinAttempts` where a transient one stops being retried (`queue.maxAttempts`).
 */
import { ApiError, isWorthRetrying } from '../core/ApiError';
import { dataverseMessage } from '../core/DataverseFailures';
import type { CallContext, EnsureActions } from '../core/EnsureService';
import { TransientError } from '../dataverse/DataverseErrors';
import { CircuitOpenError } from '../resilience/CircuitOpenError';
import type { StoredRequest } from './OperationRequest';

export type ActionOutcome =
  | { kind: 'final'; succeeded: boolean; status: number; body: unknown; error?: string }
  | { kind: 'transient'; retryAt: Date; error: string; throttled: boolean };

/**
 * The target's own answer behind a 503, when it answered 500 Internal Server Error: Dataverse answers
 * 500 for what a request carries (a plug-in's exception, a value it cannot process), and that answer
 * repeats on every attempt. The resilience policy has already retried it; waiting longer only holds a
 * drain slot and hammers the target. Not a 503, 429, timeout, lost connection or open circuit.
 */
function targetFailedOnRequest(error: ApiError): TransientError | undefined {
  const cause = error.cause;
  return cause instanceof TransientError && !(cause instanceof CircuitOpenError) && cause.status === 500 ? cause : undefined;
}

/**
 * Worth waiting for (`isWorthRetrying`): throttled, or the target unavailable (no answer, timeout,
 * circuit open, 502–504 from the target, retries exhausted) — except a 500 the target answered
 * (`targetFailedOnRequest`). Everything else is final: an answer about the request.
 */
export function isTransient(error: unknown): error is ApiError {
  return isWorthRetrying(error) && (error.kind === 'targetThrottled' || !targetFailedOnRequest(error));
}

/** The final answer of a request the target failed with 500 (see `targetFailedOnRequest`). */
function targetFailure(instance: string, cause: TransientError): ActionOutcome {
  const message = `Instance '${instance}' answered HTTP 500 (Internal Server Error) for this request: ${dataverseMessage(cause)}. Not retried automatically: an error the target reports for what a request carries repeats on every attempt. Fix the cause, then send it again.`;
  return { kind: 'final', succeeded: false, status: 502, body: { error: { code: 'TargetFailed', message } }, error: `TargetFailed: HTTP 500: ${dataverseMessage(cause)}` };
}

/** A dead letter after `attempts` attempts (`queue.maxAttempts`), with the last error met. */
export function attemptsExhausted(attempts: number, lastError: string): ActionOutcome & { kind: 'final' } {
  const message = `The operation was attempted ${attempts} times (queue.maxAttempts) and was not applied; the last error: ${lastError}. Replay it with POST /v1/operations/{id}/retry once the cause is fixed.`;
  return { kind: 'final', succeeded: false, status: 504, body: { error: { code: 'OperationAttemptsExhausted', message } }, error: lastError };
}

/**
 * Whether a transient failure is the operation's own and counts toward `queue.maxAttempts`: not
 * throttling (service protection is about load), and the instance's circuit still closed after it
 * (other requests get through). A failure while the instance is down, or its circuit open or probing,
 * is the target's: only `queue.maxPendingHours` bounds those, or an outage would dead-letter the
 * operations that served as probes.
 */
export function countsAsAttempt(outcome: ActionOutcome & { kind: 'transient' }, circuitState: string | undefined): boolean {
  return !outcome.throttled && (circuitState === undefined || circuitState === 'closed');
}

/**
 * A transient outcome of the last attempt `maxAttempts` allows becomes final: a dead letter with its
 * last error. `counted: false` — the attempt does not count (see `countsAsAttempt`): release it uncounted.
 */
export function withinAttempts(outcome: ActionOutcome, attempts: number, maxAttempts: number, circuitState?: string): ActionOutcome & { counted: boolean } {
  if (outcome.kind !== 'transient') return { ...outcome, counted: true };
  if (!countsAsAttempt(outcome, circuitState)) return { ...outcome, counted: false };
  return attempts >= maxAttempts ? { ...attemptsExhausted(attempts, outcome.error), counted: true } : { ...outcome, counted: true };
}

/**
 * `maxUnavailableWaitSeconds` caps the wait after a 503 (down, circuit open): the circuit breaker paces
 * the retries anyway, and a target back early should not wait out a 30 s default. A 429's Retry-After
 * is Dataverse's service protection speaking and is always honoured in full.
 */
export async function executeAction(service: EnsureActions, request: StoredRequest, maxUnavailableWaitSeconds: number, requestId?: string): Promise<ActionOutcome> {
  const context: CallContext = { origin: request.origin, newRecordId: request.newRecordId, ...(requestId ? { requestId } : {}) };
  try {
    const body = await runAction(service, request, context);
    return { kind: 'final', succeeded: true, status: 200, body };
  } catch (error) {
    if (isTransient(error)) {
      const wait = Math.max(1, error.retryAfterSeconds ?? 1);
      const throttled = error.kind === 'targetThrottled';
      const seconds = throttled ? wait : Math.min(wait, maxUnavailableWaitSeconds);
      return { kind: 'transient', retryAt: new Date(Date.now() + seconds * 1000), error: `${error.code}: ${error.message}`, throttled };
    }
    if (error instanceof ApiError) {
      const failedOnRequest = targetFailedOnRequest(error);
      if (failedOnRequest) return targetFailure(request.instance, failedOnRequest);
      return { kind: 'final', succeeded: false, status: error.status, body: error.toBody(), error: `${error.code}: ${error.message}` };
    }
    throw error;
  }
}

/** Calls the service method an action names. */
export function runAction(service: EnsureActions, request: Pick<StoredRequest, 'action' | 'instance' | 'input'>, context: CallContext): Promise<unknown> {
  switch (request.action) {
    case 'ensure':
      return service.ensure(request.instance, (request as StoredRequest<'ensure'>).input, context);
    case 'submit':
      return service.submit(request.instance, (request as StoredRequest<'submit'>).input, context);
    case 'hydrate':
      return service.hydrate(request.instance, (request as StoredRequest<'hydrate'>).input, context);
  }
}
