/**
 * Turns the Dataverse client's typed errors into the API's answers. Dataverse's own message is kept
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
import { ApiError } from './ApiError';

/** Seconds a caller should wait when the target is unreachable and gave no Retry-After. */
export const DEFAULT_RETRY_AFTER_SECONDS = 30;

export function dataverseMessage(error: DataverseError): string {
  const text = error.dataverseMessage.split(' ---->')[0]!.trim();
  return text.length > 500 ? `${text.slice(0, 499)}…` : text;
}

export function toApiError(error: unknown, instance: string): unknown {
  if (!(error instanceof DataverseError)) return error;
  const message = dataverseMessage(error);
  if (error instanceof ThrottledError) {
    const retryAfter = Math.max(1, Math.ceil(error.retryAfterMs === undefined ? DEFAULT_RETRY_AFTER_SECONDS : error.retryAfterMs / 1000));
    return new ApiError(429, 'TargetThrottled', `Instance '${instance}' is throttling requests (Dataverse service protection): ${message}`, undefined, retryAfter);
  }
  if (error instanceof TransientError) {
    // A Retry-After from the target (or an open circuit's remaining cool-down) beats our default.
    const retryAfter = error.retryAfterMs === undefined ? DEFAULT_RETRY_AFTER_SECONDS : Math.max(1, Math.ceil(error.retryAfterMs / 1000));
    const unavailable = new ApiError(503, 'TargetUnavailable', `Instance '${instance}' is unavailable right now: ${message}`, undefined, retryAfter);
    // The target's own failure stays attached: the queue tells a 500 about this request from an outage by it.
    unavailable.cause = error;
    return unavailable;
  }
  if (error instanceof UnauthorizedError || error instanceof ForbiddenError) {
    return new ApiError(502, 'TargetUnavailable', `Instance '${instance}' refused this service's credentials or privileges (HTTP ${error.status}). Check the application user and its security role.`);
  }
  if (error instanceof NotFoundError) return new ApiError(422, 'ReferenceNotFound', message);
  if (error instanceof DuplicateRecordError || error instanceof ConcurrencyMismatchError) return new ApiError(409, 'Conflict', message);
  if (error instanceof KeyNotDefinedError) return new ApiError(400, 'InvalidKey', message);
  if (error instanceof ResourceNotFoundError) return new ApiError(400, 'TableNotAllowed', `Instance '${instance}' has no such table: ${message}`);
  if (error.status !== undefined && error.status >= 400 && error.status < 500) return new ApiError(422, 'RecordRejected', message);
  return new ApiError(502, 'TargetUnavailable', `Instance '${instance}' answered unexpectedly (HTTP ${error.status ?? 'none'}).`);
}
