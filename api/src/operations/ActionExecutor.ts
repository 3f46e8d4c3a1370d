/**
 * Runs one stored action through the `EnsureService` and sorts its outcome into what the queue does
 * next: a final answer (the result, or a permanent error with the status the caller should see), or a
 * transient failure (target down, throttled, circuit open) to retry later, not before `retryAt`.
 */
import { ApiError } from '../core/ApiError';
import type { CallContext, EnsureService } from '../core/EnsureService';
import type { StoredRequest } from './OperationRequest';

export type ActionOutcome =
  | { kind: 'final'; succeeded: boolean; status: number; body: unknown; error?: string }
  | { kind: 'transient'; retryAt: Date; error: string };

/** 429 (throttled) and 503 (unavailable, circuit open, retries exhausted) are worth waiting for. */
export function isTransient(error: unknown): error is ApiError {
  return error instanceof ApiError && (error.status === 429 || error.status === 503);
}

/**
 * `maxUnavailableWaitSeconds` caps the wait after a 503 (down, circuit open): the circuit breaker paces
 * the retries anyway, and a target back early should not wait out a 30 s default. A 429's Retry-After
 * is Dataverse's service protection speaking and is always honoured in full.
 */
export async function executeAction(service: EnsureService, request: StoredRequest, maxUnavailableWaitSeconds: number, requestId?: string): Promise<ActionOutcome> {
  const context: CallContext = { origin: request.origin, newRecordId: request.newRecordId, ...(requestId ? { requestId } : {}) };
  try {
    const body = await runAction(service, request, context);
    return { kind: 'final', succeeded: true, status: 200, body };
  } catch (error) {
    if (isTransient(error)) {
      const wait = Math.max(1, error.retryAfterSeconds ?? 1);
      const seconds = error.status === 429 ? wait : Math.min(wait, maxUnavailableWaitSeconds);
      return { kind: 'transient', retryAt: new Date(Date.now() + seconds * 1000), error: `${error.code}: ${error.message}` };
    }
    if (error instanceof ApiError) return { kind: 'final', succeeded: false, status: error.status, body: error.toBody(), error: `${error.code}: ${error.message}` };
    throw error;
  }
}

/** Calls the service method an action names. */
export function runAction(service: EnsureService, request: Pick<StoredRequest, 'action' | 'instance' | 'input'>, context: CallContext): Promise<unknown> {
  switch (request.action) {
    case 'ensure':
      return service.ensure(request.instance, (request as StoredRequest<'ensure'>).input, context);
    case 'submit':
      return service.submit(request.instance, (request as StoredRequest<'submit'>).input, context);
    case 'hydrate':
      return service.hydrate(request.instance, (request as StoredRequest<'hydrate'>).input, context);
  }
}
