/**
 * Errors the HTTP layer itself answers (before or around the core): invalid requests, missing keys,
 * bodies too large or of the wrong type. The core's errors are `ApiError`s; both render as
 * `{ error: { code, message, field? } }`.
 */
export type HttpErrorCode = 'InvalidRequest' | 'Unauthorized' | 'NotFound' | 'Conflict' | 'SubscriptionLimitReached' | 'PayloadTooLarge' | 'UnsupportedMediaType' | 'InternalError';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: HttpErrorCode,
    message: string,
    /** JSON path of the offending input, e.g. `body.key`, `query.top`, `params.table`. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }

  toBody(): { error: { code: string; message: string; field?: string } } {
    return { error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) } };
  }
}

export function invalidRequest(field: string, problem: string): HttpError {
  return new HttpError(400, 'InvalidRequest', `${field}: ${problem}`, field);
}
