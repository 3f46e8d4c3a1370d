/**
 * Errors the core raises for the HTTP layer: each carries the status users should see, a stable code,
 * a message that names the offending field where there is one, and never a secret or stack trace.
 */
export type ApiErrorCode =
  | 'InvalidRequest'
  | 'UnknownInstance'
  | 'TableNotAllowed'
  | 'InvalidKey'
  | 'InvalidReference'
  | 'InvalidRecord'
  | 'RecordRejected'
  | 'ReferenceNotFound'
  | 'Conflict'
  | 'TargetUnavailable'
  | 'TargetThrottled'
  | 'NotFound'
  | 'IdempotencyKeyReused';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    /** JSON path of the offending input, e.g. `body.key.accountnumber`. */
    readonly field?: string,
    /** Seconds the caller should wait (429/503). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): { error: { code: string; message: string; field?: string } } {
    return { error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) } };
  }
}
