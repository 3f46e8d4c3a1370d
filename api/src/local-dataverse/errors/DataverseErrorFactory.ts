/**
 * Every error the local Dataverse answers, with its exact status, code and message, written once.
 * Item numbers ("ref 2.3") are those of docs/dataverse-behaviours.md, which links each to Microsoft Learn; where Microsoft documents
 * no status or text the choice is marked UNDOC.
 */

export interface DataverseErrorBody {
  error: { code: string; message: string };
}

/** An error that the HTTP layer turns into a Dataverse-shaped response. */
export class DataverseHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'DataverseHttpError';
  }

  toBody(): DataverseErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

const mscrm = (logicalName: string) => `Microsoft.Dynamics.CRM.${logicalName}`;

export const DataverseErrors = {
  /** ref 2.3, 3.3, 4.2 — current service text and code. */
  recordNotFound: (table: string, id: string) =>
    new DataverseHttpError(404, '0x80040217', `Entity '${table}' With Id = ${id} Does Not Exist`),

  /** ref 3.4 — status UNDOC (404 is the natural mapping). */
  recordNotFoundByKey: (table: string) =>
    new DataverseHttpError(404, '0x80060891', `A record with the specified key values does not exist in ${table} entity`),

  /** ref 1.4, 2.4. */
  duplicateRecord: () =>
    new DataverseHttpError(412, '0x80040237', 'A record with matching key values already exists.'),

  /** ref 2.10 — status UNDOC (412, consistent with DuplicateRecord). */
  duplicateKey: (keyName: string, columns: string[]) =>
    new DataverseHttpError(
      412,
      '0x80060892',
      `Entity Key ${keyName} violated. A record with the same value for ${columns.join(',')} already exists. A duplicate record cannot be created. Try removing one of the duplicates and then try again.`,
    ),

  /** ref 2.8 — documented message; status 400 and the SDK's code 0x80060890 are UNDOC for the Web API. */
  keyNotDefined: (table: string) =>
    new DataverseHttpError(
      400,
      '0x80060890',
      `The key in the request URI is not valid for resource '${mscrm(table)}'. Ensure that the names and number of key properties match the declared or alternate key properties for the resource '${mscrm(table)}'.`,
    ),

  /** ref 2.7. */
  unterminatedLiteral: (position: number, text: string) =>
    new DataverseHttpError(400, '0x80060888', `There is an unterminated literal at position ${position} in '${text}'.`),

  /** OData URI parser failures other than the unterminated literal (code as the service's URI errors). */
  badUri: (message: string) => new DataverseHttpError(400, '0x80060888', message),

  /** ref 7.2. */
  versionMismatch: () =>
    new DataverseHttpError(412, '0x80060882', "The version of the existing record doesn't match the RowVersion property provided."),

  /** ref 1.6 — entity set names are case-sensitive. */
  resourceNotFound: (segment: string) =>
    new DataverseHttpError(404, '0x8006088a', `Resource not found for the segment '${segment}'.`),

  /** ref 1.5. */
  invalidProperty: (property: string, table: string) =>
    new DataverseHttpError(400, '0x0', `Invalid property '${property}' was found in entity '${mscrm(table)}'.`),

  /** $select/$filter/$orderby naming a column the table does not have (OData URI parser text). */
  unknownQueryProperty: (property: string, table: string) =>
    new DataverseHttpError(400, '0x0', `Could not find a property named '${property}' on type '${mscrm(table)}'.`),

  /** ref 1.5, 5.1 — the payload errors all carry 0x80048d19 and this prefix. */
  payload: (entitySet: string, detail: string) =>
    new DataverseHttpError(
      400,
      '0x80048d19',
      `Error identified in Payload provided by the user for Entity :'${entitySet}', For more information on this error please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293  ---->  InnerException : Microsoft.OData.ODataException: ${detail}`,
    ),

  /** ref 1.5 — an @odata.bind whose navigation property the table does not declare. */
  undeclaredNavigationProperty: (entitySet: string, property: string) =>
    DataverseErrors.payload(
      entitySet,
      `An undeclared property '${property}' which only has property annotations in the payload but no property value was found in the payload. In OData, only declared navigation properties and declared named streams can be represented as properties without values.`,
    ),

  /** OData type conversion failure (wrong JSON type for a column). */
  typeMismatch: (entitySet: string, value: unknown, edmType: string) =>
    DataverseErrors.payload(entitySet, `Cannot convert the literal '${String(value)}' to the expected type '${edmType}'.`),

  /** ref 6.3 — validation, e.g. string length. */
  maxLengthExceeded: (column: string, table: string, maxLength: number) =>
    new DataverseHttpError(
      400,
      '0x80044331',
      `A validation error occurred. The length of the '${column}' attribute of the '${table}' entity exceeded the maximum allowed length of '${maxLength}'.`,
    ),

  /**
   * InvalidCharactersInField (-2147220872): a string value holding a character that is not an XML 1.0
   * character (C0 controls but tab, LF and CR; unpaired surrogates; U+FFFE, U+FFFF). Code and text:
   * https://learn.microsoft.com/power-apps/developer/data-platform/best-practices/work-with-data/invalidcharactersinfield
   * UNDOC: what fills `{0}` (the page shows only the placeholder; the local Dataverse puts the
   * column's logical name) and status 400 (the Web API's status for validation faults). UNDOC too:
   * the same error for a key literal in a URL key segment (naming the key column) or in an
   * `@odata.bind` (naming the lookup column) — what Dataverse answers there is not documented, and one
   * code for every position keeps clients simple.
   */
  invalidCharacters: (column: string) =>
    new DataverseHttpError(400, '0x80040278', `The field '${column}' contains one or more invalid characters.`),

  /** Choice or number outside its allowed values/range (validation family, ref 6.3). */
  outOfRange: (column: string, table: string, value: unknown, accepted: string) =>
    new DataverseHttpError(
      400,
      '0x80044331',
      `A validation error occurred. The value ${String(value)} of '${column}' on record of type '${table}' is outside the valid range. Accepted Values: ${accepted}`,
    ),

  /** ref 2.5 — UNDOC: both conditional headers at once. */
  conflictingConditions: () =>
    new DataverseHttpError(400, '0x0', 'The If-Match and If-None-Match headers cannot be used together.'),

  /** ref 4.6. */
  skipNotSupported: () => new DataverseHttpError(400, '0x0', 'The query parameter $skip is not supported'),

  /** A query option or URL form outside the local Dataverse's subset (documented in its README). */
  notSupported: (what: string) =>
    new DataverseHttpError(501, '0x80060888', `${what} is not supported by the local Dataverse.`),

  /** ref 6.2 — 405 for a method the resource does not allow. */
  methodNotAllowed: (method: string, path: string) =>
    new DataverseHttpError(405, '0x80060888', `The HTTP method '${method}' is not allowed for '${path}'.`),

  /** ref 6.2 — 413. Text UNDOC. */
  bodyTooLarge: (limit: number) =>
    new DataverseHttpError(413, '0x80040216', `The request body exceeds the maximum allowed size of ${limit} bytes.`),

  /** ref 5.1 — lines must be CRLF. */
  batchStreamNotReadable: () =>
    DataverseErrors.payload('', 'Stream was not readable.'),

  /** ref 5.1 — malformed multipart in general. */
  batchMalformed: (detail: string) => DataverseErrors.payload('', detail),

  /** ref 5.1 — UNDOC text; the limit is documented. */
  batchTooLarge: (count: number) =>
    new DataverseHttpError(
      400,
      '0x8004802b',
      `The number of requests in the batch (${count}) exceeds the limit of 1000. Maximum number of requests in a batch is 1000.`,
    ),

  /** ref 5.2. */
  contentIdNotFound: (reference: string) =>
    new DataverseHttpError(400, '0x0', `Content-ID Reference: '${reference}' does not exist in the batch context.`),

  /** ref 5.2 — GET is not allowed inside a change set (text UNDOC). */
  getInChangeSet: () =>
    new DataverseHttpError(400, '0x0', 'A GET request cannot be part of a change set. Move it outside the change set.'),

  /** ref 5.1 — no nested batches. */
  nestedBatch: () => new DataverseHttpError(400, '0x0', 'A $batch request cannot contain another $batch request.'),

  /**
   * ref 6.4 — service protection, requests over the window (the defaults are Dataverse's: 6000 over
   * 300 s). The three service-protection errors, their codes and texts: section "Service protection API
   * limit errors returned" of https://learn.microsoft.com/power-apps/developer/data-platform/api-limits
   */
  throttled: (retryAfterSeconds: number, maxRequests = 6000, windowSeconds = 300) =>
    new DataverseHttpError(
      429,
      '0x80072322',
      `Number of requests exceeded the limit of ${maxRequests} over time window of ${windowSeconds} seconds.`,
      { 'Retry-After': String(retryAfterSeconds) },
    ),

  /** ref 6.4 — service protection, combined execution time over the window (the page writes it with thousands separators). */
  executionTimeExceeded: (retryAfterSeconds: number, maxExecutionMs: number, windowSeconds: number) =>
    new DataverseHttpError(
      429,
      '0x80072321',
      `Combined execution time of incoming requests exceeded limit of ${maxExecutionMs.toLocaleString('en-US')} milliseconds over time window of ${windowSeconds} seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.`,
      { 'Retry-After': String(retryAfterSeconds) },
    ),

  /** ref 6.4 — service protection, concurrent requests. Retry-After UNDOC (the local Dataverse says 1 s). */
  tooManyConcurrentRequests: (retryAfterSeconds: number, maxConcurrent: number) =>
    new DataverseHttpError(
      429,
      '0x80072326',
      `Number of concurrent requests exceeded the limit of ${maxConcurrent}.`,
      { 'Retry-After': String(retryAfterSeconds) },
    ),

  /** ref 6.2 — 503 (fault injection). Text UNDOC. */
  serviceUnavailable: () =>
    new DataverseHttpError(503, '0x80040216', 'The service is temporarily unavailable. Try again later.'),

  /** A unit of work whose data the journal refused: it fails alone, nothing of it is kept (text UNDOC). */
  notPersisted: (detail: string) =>
    new DataverseHttpError(500, '0x80040216', `An unexpected error occurred: the local Dataverse could not store this write, which was not applied (${detail}).`),

  /** The journal itself failed (disk full, engine crash): writes stop until a restart (text UNDOC). */
  journalFailed: (detail: string) =>
    new DataverseHttpError(500, '0x80040216', `An unexpected error occurred: the local Dataverse could not persist its data and must be restarted (${detail}).`),

  internal: (detail: string) => new DataverseHttpError(500, '0x80040216', `An unexpected error occurred: ${detail}`),
} as const;
