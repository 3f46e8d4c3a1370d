/**
 * Every Dataverse failure the client reports, as typed errors, and the one function that maps a
 * Dataverse answer (status, headers, `{"error":{"code","message"}}` body — ref 6.1) to them.
 *
 * Codes (ref 6.3, hex as Dataverse writes them, compared case-insensitively):
 * 0x80040217 ObjectDoesNotExist · 0x80060891 RecordNotFoundByEntityKey · 0x80040237 DuplicateRecord ·
 * 0x80060892 DuplicateRecordEntityKey · 0x80060890 EntityKeyNotDefined · 0x80060882
 * ConcurrencyVersionMismatch · 0x8006088a resource (segment) not found · 0x80044331 validation ·
 * 0x80072321 / 0x80072322 / 0x80072326 service protection (ref 6.4).
 *
 * An error keeps the HTTP status, the Dataverse code and message, and the request method and path —
 * never a header or token.
 */

export const DataverseErrorCode = {
  objectDoesNotExist: '0x80040217',
  recordNotFoundByEntityKey: '0x80060891',
  duplicateRecord: '0x80040237',
  duplicateRecordEntityKey: '0x80060892',
  entityKeyNotDefined: '0x80060890',
  concurrencyVersionMismatch: '0x80060882',
  resourceNotFoundForSegment: '0x8006088a',
  payloadError: '0x80048d19',
  validation: '0x80044331',
  executionTimeLimit: '0x80072321',
  requestCountLimit: '0x80072322',
  concurrencyLimit: '0x80072326',
} as const;

/** Which of the three service protection limits tripped (ref 6.4). */
export type ServiceProtectionLimit = 'requests' | 'execution-time' | 'concurrent-requests';

export type DataverseErrorKind =
  | 'NotFound'
  | 'RecordNotFoundByKey'
  | 'ResourceNotFound'
  | 'Duplicate'
  | 'KeyNotDefined'
  | 'ConcurrencyMismatch'
  | 'Throttled'
  | 'Transient'
  | 'BusinessRule'
  | 'Unauthorized'
  | 'Forbidden'
  | 'Request';

/** Where a failed request was sent: method and path (with query) relative to the host. */
export interface FailedRequest {
  readonly method: string;
  readonly path: string;
}

/** For a failure inside a `$batch`: which part failed (ref 5.3, 5.4). */
export interface BatchPartLocation {
  /** Position of the request in the batch, counting change set members in order; absent when unknown. */
  readonly index?: number;
  /** The part's `Content-ID`, when it had one. */
  readonly contentId?: string;
}

export interface DataverseErrorDetails {
  readonly status?: number;
  readonly code?: string;
  readonly message: string;
  readonly request: FailedRequest;
  readonly batchPart?: BatchPartLocation;
  readonly cause?: unknown;
}

/** Base class of every error that came from talking to Dataverse. */
export abstract class DataverseError extends Error {
  abstract readonly kind: DataverseErrorKind;
  /** HTTP status (of the batch part, for a part failure); absent for connection failures. */
  readonly status: number | undefined;
  /** Dataverse error code such as `0x80040217`; `''` when Dataverse sent none (it often does not). */
  readonly code: string;
  /** Dataverse's own message, unchanged. */
  readonly dataverseMessage: string;
  readonly request: FailedRequest;
  readonly batchPart: BatchPartLocation | undefined;

  constructor(details: DataverseErrorDetails) {
    super(
      `${details.message} (${[
        details.status === undefined ? 'no response' : `HTTP ${details.status}`,
        details.code || undefined,
        `${details.request.method} ${truncate(details.request.path, 300)}`,
        details.batchPart ? describeBatchPart(details.batchPart) : undefined,
      ]
        .filter(Boolean)
        .join(', ')})`,
      details.cause === undefined ? undefined : { cause: details.cause },
    );
    this.name = new.target.name;
    this.status = details.status;
    this.code = details.code ?? '';
    this.dataverseMessage = details.message;
    this.request = details.request;
    this.batchPart = details.batchPart;
  }
}

function describeBatchPart(part: BatchPartLocation): string {
  const where = [part.index === undefined ? undefined : `#${part.index}`, part.contentId === undefined ? undefined : `Content-ID ${part.contentId}`];
  return `batch part ${where.filter(Boolean).join(' ') || '(unknown)'}`;
}

/** The record does not exist: 404 / 0x80040217 (ref 2.3, 3.3, 4.2). */
export class NotFoundError extends DataverseError {
  readonly kind: DataverseErrorKind = 'NotFound';
}

/** No record has these alternate-key values: 0x80060891 (ref 3.4). A NotFoundError. */
export class RecordNotFoundByKeyError extends NotFoundError {
  override readonly kind: DataverseErrorKind = 'RecordNotFoundByKey';
}

/** The URL names no resource (e.g. an unknown entity set): 0x8006088a (ref 1.6). Not a missing record. */
export class ResourceNotFoundError extends DataverseError {
  readonly kind: DataverseErrorKind = 'ResourceNotFound';
}

/** A record with this id or these key values exists: 412 / 0x80040237 / 0x80060892 (ref 1.4, 2.4, 2.10). */
export class DuplicateRecordError extends DataverseError {
  readonly kind: DataverseErrorKind = 'Duplicate';
}

/** The key columns in the URL are not a defined alternate key: 0x80060890 / 400 (ref 2.8). */
export class KeyNotDefinedError extends DataverseError {
  readonly kind: DataverseErrorKind = 'KeyNotDefined';
}

/** `If-Match: W/"n"` no longer matches the row version: 412 / 0x80060882 (ref 7.2). */
export class ConcurrencyMismatchError extends DataverseError {
  readonly kind: DataverseErrorKind = 'ConcurrencyMismatch';
}

/** Service protection: 429 with `Retry-After` (ref 6.4, 6.5). */
export class ThrottledError extends DataverseError {
  readonly kind: DataverseErrorKind = 'Throttled';
  /** Milliseconds to wait before resending, from `Retry-After`; undefined when absent or unreadable. */
  readonly retryAfterMs: number | undefined;
  /** Which limit tripped, from the error code; undefined for an unknown code. */
  readonly limit: ServiceProtectionLimit | undefined;

  constructor(details: DataverseErrorDetails & { retryAfterMs?: number; limit?: ServiceProtectionLimit }) {
    super(details);
    this.retryAfterMs = details.retryAfterMs;
    this.limit = details.limit;
  }
}

/**
 * Worth retrying later: 408, 5xx except 501 (ref 6.2), a timeout or a connection failure (then
 * `status` is undefined and `cause` holds the original error).
 */
export class TransientError extends DataverseError {
  readonly kind: DataverseErrorKind = 'Transient';
  /** From a `Retry-After` header on a 503, when present. */
  readonly retryAfterMs: number | undefined;

  constructor(details: DataverseErrorDetails & { retryAfterMs?: number }) {
    super(details);
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** Dataverse refused the data: other 400s, validation 0x80044331, plugins, payload errors (ref 1.5, 6.2). */
export class BusinessRuleError extends DataverseError {
  readonly kind: DataverseErrorKind = 'BusinessRule';
}

/** 401: no or bad token (ref 6.2). */
export class UnauthorizedError extends DataverseError {
  readonly kind: DataverseErrorKind = 'Unauthorized';
}

/** 403: the caller lacks a privilege (ref 6.2). */
export class ForbiddenError extends DataverseError {
  readonly kind: DataverseErrorKind = 'Forbidden';
}

/** Any other refusal (405, 413, 501, unexpected statuses or bodies). */
export class DataverseRequestError extends DataverseError {
  readonly kind: DataverseErrorKind = 'Request';
}

/**
 * A caller passed something the client refuses to send (bad identifier, key, GUID, ETag, URL).
 * Raised before any request; not a DataverseError.
 */
export class InvalidDataverseInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidDataverseInputError';
  }
}

/** The parts of an HTTP answer the mapping needs. */
export interface DataverseFailureResponse {
  readonly status: number;
  /** Header lookup, case-insensitive. */
  readonly header: (name: string) => string | undefined;
  /** Raw body text ('' when none). */
  readonly bodyText: string;
}

/** Request facts that disambiguate a 412 with an empty code (ref 2.4 vs 7.2). */
export interface FailureContext {
  readonly request: FailedRequest;
  readonly requestHeaders?: Readonly<Record<string, string>>;
  readonly batchPart?: BatchPartLocation;
  /** Clock for HTTP-date `Retry-After`; defaults to Date.now. */
  readonly now?: () => number;
}

const MAX_MESSAGE_LENGTH = 2000;

/** Reads `{"error":{"code","message"}}` (ref 6.1); falls back to the text itself. */
export function readErrorBody(bodyText: string): { code: string; message: string } {
  const trimmed = bodyText.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(trimmed) as unknown;
      const error = (parsed as { error?: unknown } | null)?.error;
      if (error && typeof error === 'object') {
        const { code, message } = error as { code?: unknown; message?: unknown };
        return {
          code: typeof code === 'string' ? code : '',
          message: typeof message === 'string' ? truncate(message) : '',
        };
      }
    } catch {
      // not JSON after all: use the text
    }
  }
  return { code: '', message: truncate(trimmed) };
}

function truncate(text: string, max: number = MAX_MESSAGE_LENGTH): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * `Retry-After` as milliseconds from now: delta-seconds (`"5"`, also decimals) or an HTTP-date
 * (RFC 9110 §10.2.3). Negative delays become 0; unreadable values undefined.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (!/^[A-Za-z]{3}/.test(text)) return undefined; // HTTP-date forms all start with a day name
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function serviceProtectionLimit(code: string): ServiceProtectionLimit | undefined {
  switch (code) {
    case DataverseErrorCode.requestCountLimit:
      return 'requests';
    case DataverseErrorCode.executionTimeLimit:
      return 'execution-time';
    case DataverseErrorCode.concurrencyLimit:
      return 'concurrent-requests';
    default:
      return undefined;
  }
}

function headerValue(headers: Readonly<Record<string, string>> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** Maps a Dataverse failure response (status ≥ 400) to its typed error. */
export function dataverseErrorFromResponse(response: DataverseFailureResponse, context: FailureContext): DataverseError {
  const { code: rawCode, message: bodyMessage } = readErrorBody(response.bodyText);
  const code = rawCode.toLowerCase();
  const status = response.status;
  const message = bodyMessage || `HTTP ${status}`;
  const details: DataverseErrorDetails = { status, code: rawCode, message, request: context.request, batchPart: context.batchPart };

  // The code is more specific than the status (ref 6.1: code unrelated to status), so it wins.
  switch (code) {
    case DataverseErrorCode.recordNotFoundByEntityKey:
      return new RecordNotFoundByKeyError(details);
    case DataverseErrorCode.objectDoesNotExist:
      return new NotFoundError(details);
    case DataverseErrorCode.resourceNotFoundForSegment:
      return new ResourceNotFoundError(details);
    case DataverseErrorCode.duplicateRecord:
    case DataverseErrorCode.duplicateRecordEntityKey:
      return new DuplicateRecordError(details);
    case DataverseErrorCode.entityKeyNotDefined:
      return new KeyNotDefinedError(details);
    case DataverseErrorCode.concurrencyVersionMismatch:
      return new ConcurrencyMismatchError(details);
  }

  if (status === 429) {
    return new ThrottledError({
      ...details,
      retryAfterMs: parseRetryAfter(response.header('retry-after'), (context.now ?? Date.now)()),
      limit: serviceProtectionLimit(code),
    });
  }
  if (status === 408 || (status >= 500 && status !== 501)) {
    return new TransientError({ ...details, retryAfterMs: parseRetryAfter(response.header('retry-after'), (context.now ?? Date.now)()) });
  }
  if (status === 401) return new UnauthorizedError(details);
  if (status === 403) return new ForbiddenError(details);
  if (status === 404) return /resource not found for the segment/i.test(bodyMessage) ? new ResourceNotFoundError(details) : new NotFoundError(details);
  if (status === 412) {
    // ref 2.4 / 7.2: older answers carry an empty code; tell them apart by text, then by the request.
    if (/version of the existing record doesn't match/i.test(bodyMessage)) return new ConcurrencyMismatchError(details);
    if (/already exists/i.test(bodyMessage)) return new DuplicateRecordError(details);
    const ifMatch = headerValue(context.requestHeaders, 'if-match');
    if (ifMatch !== undefined && ifMatch !== '*') return new ConcurrencyMismatchError(details);
    return new DuplicateRecordError(details);
  }
  if (status === 400) {
    if (/the key in the request uri is not valid/i.test(bodyMessage)) return new KeyNotDefinedError(details);
    if (/does not exist/i.test(bodyMessage) && /with id|with the specified key/i.test(bodyMessage)) {
      // Some 400s carry the does-not-exist text without a code (e.g. a bound record, ref 3.3/3.4).
      return /key/i.test(bodyMessage) ? new RecordNotFoundByKeyError(details) : new NotFoundError(details);
    }
    return new BusinessRuleError(details);
  }
  if (status === 422) return new BusinessRuleError(details);
  return new DataverseRequestError(details);
}

/** Wraps a failure to get any answer (connection refused, reset, DNS, timeout) as a TransientError. */
export function transientErrorFromException(cause: unknown, context: FailureContext): TransientError {
  // Duck-typed: errors thrown by fetch may come from another realm (e.g. under jest), so no instanceof.
  const name = errorField(cause, 'name');
  const isTimeout = name === 'TimeoutError' || name === 'AbortError';
  const inner = typeof cause === 'object' && cause !== null ? (cause as { cause?: unknown }).cause : undefined;
  const reason = [errorField(cause, 'message'), errorField(inner, 'code'), errorField(inner, 'message')]
    .filter((text, index, all): text is string => Boolean(text) && all.indexOf(text) === index)
    .join(': ');
  return new TransientError({
    message: isTimeout ? `no answer within the timeout (${reason || 'timeout'})` : `no answer: ${reason || String(cause)}`,
    request: context.request,
    batchPart: context.batchPart,
    cause,
  });
}

function errorField(value: unknown, field: 'name' | 'message' | 'code'): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const text = (value as Record<string, unknown>)[field];
  return typeof text === 'string' && text !== '' ? text : undefined;
}
