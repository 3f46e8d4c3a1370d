/**
 * The one error type of the product API. Each error has a **kind** (what went wrong, in the API's
 * terms); the kind alone picks the status and the stable code users see (`API_ERROR_KINDS`, written
 * once). Messages come from the factory (`ApiErrors.ts`) and never carry a secret or a stack trace.
 *
 * Fields: an error the core raises names its field **relative to the action's input** (`key.accountnumber`,
 * `record.parentcustomerid_account@odata.bind`, `instance`); the HTTP layer, which knows where each part
 * of the input came from, places it (`locate`: `body.key.accountnumber`, `params.instance`) and the
 * message, which names the field, is written again with the full path. Errors the HTTP layer raises
 * itself are placed already.
 */
export const API_ERROR_KINDS = {
  invalidRequest: { status: 400, code: 'InvalidRequest' },
  invalidKey: { status: 400, code: 'InvalidKey' },
  invalidReference: { status: 400, code: 'InvalidReference' },
  invalidRecord: { status: 400, code: 'InvalidRecord' },
  tableNotAllowed: { status: 400, code: 'TableNotAllowed' },
  unauthorized: { status: 401, code: 'Unauthorized' },
  unknownInstance: { status: 404, code: 'UnknownInstance' },
  notFound: { status: 404, code: 'NotFound' },
  conflict: { status: 409, code: 'Conflict' },
  subscriptionLimitReached: { status: 409, code: 'SubscriptionLimitReached' },
  payloadTooLarge: { status: 413, code: 'PayloadTooLarge' },
  unsupportedMediaType: { status: 415, code: 'UnsupportedMediaType' },
  recordRejected: { status: 422, code: 'RecordRejected' },
  referenceNotFound: { status: 422, code: 'ReferenceNotFound' },
  idempotencyKeyReused: { status: 422, code: 'IdempotencyKeyReused' },
  targetThrottled: { status: 429, code: 'TargetThrottled' },
  internal: { status: 500, code: 'InternalError' },
  /** The target refused this service's credentials or privileges (401/403 from Dataverse). */
  targetRefusedCredentials: { status: 502, code: 'TargetUnavailable' },
  /** The target answered something no other kind covers (a 5xx it reports as final, a status we do not know). */
  targetAnsweredUnexpectedly: { status: 502, code: 'TargetUnavailable' },
  /** The target cannot be reached right now (no answer, timeout, 502–504, circuit open): worth waiting for. */
  targetUnavailable: { status: 503, code: 'TargetUnavailable' },
  /** This service is stopping: send again in a moment (to another replica, or after the restart). */
  serviceStopping: { status: 503, code: 'TargetUnavailable' },
} as const satisfies Record<string, { status: number; code: string }>;

export type ApiErrorKind = keyof typeof API_ERROR_KINDS;
export type ApiErrorCode = (typeof API_ERROR_KINDS)[ApiErrorKind]['code'];

/** Where a field of a request lives. */
export type FieldLocation = 'body' | 'query' | 'params' | 'headers';

/** The message of an error, written from the field it names (relative, or placed by `locate`). */
export type DescribeError = (field: string | undefined) => string;

export interface ApiErrorOptions {
  /** JSON path of the offending input: relative to the action's input when `relative`, else as the request has it. */
  field?: string;
  /** The field is relative to the action's input: the HTTP layer places it (`locate`). */
  relative?: boolean;
  /** Seconds the caller should wait (429/503): answered as `Retry-After`. */
  retryAfterSeconds?: number;
  /** Quoted in the body of a 500, so a caller can report it. */
  requestId?: string;
  cause?: unknown;
}

export interface ApiErrorBody {
  error: { code: string; message: string; field?: string; requestId?: string };
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly field?: string;
  readonly relative: boolean;
  readonly retryAfterSeconds?: number;
  readonly requestId?: string;
  private readonly describe: DescribeError;

  constructor(
    readonly kind: ApiErrorKind,
    message: string | DescribeError,
    private readonly options: ApiErrorOptions = {},
  ) {
    const describe: DescribeError = typeof message === 'string' ? () => message : message;
    super(describe(options.field), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.status = API_ERROR_KINDS[kind].status;
    this.code = API_ERROR_KINDS[kind].code;
    this.describe = describe;
    this.relative = options.relative === true && options.field !== undefined;
    if (options.field !== undefined) this.field = options.field;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
    if (options.requestId !== undefined) this.requestId = options.requestId;
  }

  /**
   * The same error with its field placed in the request: `where` tells, from the field's first
   * segment, where that part of the input came from. An error already placed is returned as it is.
   */
  locate(where: (root: string) => FieldLocation): ApiError {
    if (!this.relative || this.field === undefined) return this;
    const root = /^[^.[]*/.exec(this.field)![0];
    return new ApiError(this.kind, this.describe, { ...this.options, field: `${where(root)}.${this.field}`, relative: false });
  }

  toBody(): ApiErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.field ? { field: this.field } : {}),
        ...(this.requestId !== undefined ? { requestId: this.requestId } : {}),
      },
    };
  }
}

/** Worth waiting for and sending again: throttled, or the target (or this service) unavailable right now. */
export function isWorthRetrying(error: unknown): error is ApiError {
  return error instanceof ApiError && (error.kind === 'targetThrottled' || error.kind === 'targetUnavailable' || error.kind === 'serviceStopping');
}

/** An answer about the request itself (its input, its record, its references): sending it again changes nothing. */
export function isRefusalOfTheRequest(error: unknown): error is ApiError {
  return error instanceof ApiError && REQUEST_REFUSALS.has(error.kind);
}

const REQUEST_REFUSALS: ReadonlySet<ApiErrorKind> = new Set<ApiErrorKind>([
  'invalidRequest',
  'invalidKey',
  'invalidReference',
  'invalidRecord',
  'tableNotAllowed',
  'unauthorized',
  'unknownInstance',
  'notFound',
  'conflict',
  'subscriptionLimitReached',
  'payloadTooLarge',
  'unsupportedMediaType',
  'recordRejected',
  'referenceNotFound',
  'idempotencyKeyReused',
]);
