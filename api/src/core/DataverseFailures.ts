/**
 * Turns the Dataverse client's typed errors into the API's error kinds: throttled → `targetThrottled`
 * (429), unreachable → `targetUnavailable` (503), credentials refused → `targetRefusedCredentials` and
 * anything unexpected → `targetAnsweredUnexpectedly` (both 502 with code `TargetUnavailable`, as before
 * the kinds were told apart), missing reference, conflict, undefined key, unknown table, rejected record. Dataverse's own message is kept
 * (users need it to fix a record) but cut before any inner-exception chatter, and never carries
 * request headers or tokens.
 */
import {
  ConcurrencyMismatchError,
  DataverseError,
  DuplicateRecordError,
  ForbiddenError,
  KeyNotDefinedError,
  NotFoundError,
  ResourceNotFoundError,
  ThrottledError,
  TransientError,
  UnauthorizedError,
} from '../dataverse';
import { ApiErrors } from './ApiErrors';
import { unwrapChangeSetFailure } from './ChangeSets';

/** Seconds a caller should wait when the target is unreachable and gave no Retry-After. */
export const DEFAULT_RETRY_AFTER_SECONDS = 30;

export function dataverseMessage(error: DataverseError): string {
  const text = error.dataverseMessage.split(' ---->')[0]!.trim();
  return text.length > 500 ? `${text.slice(0, 499)}…` : text;
}

/** The API's error (`ApiErrors.ts`) for a Dataverse client error; anything else is returned as it is. */
export function toApiError(error: unknown, instance: string): unknown {
  if (!(error instanceof DataverseError)) return error;
  const message = dataverseMessage(error);
  if (error instanceof ThrottledError) {
    const retryAfter = Math.max(1, Math.ceil(error.retryAfterMs === undefined ? DEFAULT_RETRY_AFTER_SECONDS : error.retryAfterMs / 1000));
    return ApiErrors.targetThrottled(instance, message, retryAfter);
  }
  if (error instanceof TransientError) {
    // A Retry-After from the target (or an open circuit's remaining cool-down) beats our default.
    const retryAfter = error.retryAfterMs === undefined ? DEFAULT_RETRY_AFTER_SECONDS : Math.max(1, Math.ceil(error.retryAfterMs / 1000));
    // The target's own failure stays attached: the queue tells a 500 about this request from an outage by it.
    return ApiErrors.targetUnavailable(instance, message, retryAfter, error);
  }
  if (error instanceof UnauthorizedError || error instanceof ForbiddenError) return ApiErrors.targetRefusedCredentials(instance, error.status);
  if (error instanceof NotFoundError) return ApiErrors.referenceNotFound(message);
  if (error instanceof DuplicateRecordError || error instanceof ConcurrencyMismatchError) return ApiErrors.conflict(message);
  if (error instanceof KeyNotDefinedError) return ApiErrors.keyNotDefined(message);
  if (error instanceof ResourceNotFoundError) return ApiErrors.tableUnknownToTarget(instance, message);
  if (error.status !== undefined && error.status >= 400 && error.status < 500) return ApiErrors.recordRejected(message);
  return ApiErrors.targetAnsweredUnexpectedly(instance, error.status);
}

/** Runs a call against instance `instance`, turning the client's errors (and failed change sets) into the API's. */
export async function withApiErrors<T>(instance: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toApiError(unwrapChangeSetFailure(error), instance);
  }
}
