/**
 * Which failures are worth another attempt, and how long the target asked us to wait.
 *
 * Transient: `ThrottledError` (429), `TransientError` (no answer, timeout, 408, 5xx but 501) and the
 * policy's own per-attempt timeout. Everything else — NotFound, Duplicate, ConcurrencyMismatch,
 * BusinessRule, KeyNotDefined, Unauthorized, Forbidden, ResourceNotFound, other refusals, and any
 * non-Dataverse error — is an answer about the request, not about the target: never retried, never
 * counted against the circuit.
 */
import { TaskCancelledError } from 'cockatiel';
import { ThrottledError, TransientError } from '../dataverse/DataverseErrors';
import { CircuitOpenError } from './CircuitOpenError';

export function isTransientFailure(error: unknown): boolean {
  if (error instanceof CircuitOpenError) return false; // refused locally: nothing was sent
  return error instanceof ThrottledError || error instanceof TransientError || error instanceof TaskCancelledError;
}

/**
 * The wait the target asked for with `Retry-After` (a 429, or a 503 that carries the header), in ms;
 * undefined when it asked for none.
 */
export function requestedDelayMs(error: unknown): number | undefined {
  if (error instanceof CircuitOpenError) return undefined;
  if (error instanceof ThrottledError || error instanceof TransientError) return error.retryAfterMs;
  return undefined;
}
