/**
 * Every error the product API answers, each message template written once (status and code come from
 * the kind, `ApiError.ts`). Two families:
 * - the core's, naming a field **relative to the action's input** (`relative`): the HTTP layer places
 *   it (`body.key`, `params.instance`, `query.top`) and the message is written with the placed path;
 * - the HTTP layer's and the queue's, naming the field as the request has it.
 * `f` in a template is the field as answered.
 */
import { ApiError, type ApiErrorKind } from './ApiError';

/** An error about a field of the action's input (placed by the HTTP layer). */
function inInput(kind: ApiErrorKind, field: string, describe: (field: string) => string): ApiError {
  return new ApiError(kind, (placed) => describe(placed ?? field), { field, relative: true });
}

const list = (names: readonly string[]) => names.join(', ');

export const ApiErrors = {
  // ---- the action's input (core) ------------------------------------------------------------------

  /** Written once for the core, the queue and the subscriptions: `instance` is the URL's `{instance}`. */
  unknownInstance: (name: string, configured: readonly string[]) =>
    inInput('unknownInstance', 'instance', (f) => `${f}: no instance named '${name}' (configured: ${list(configured)}).`),

  /** A write to an instance nothing is replicated into: a stub made there would never be hydrated. */
  notReplicatedInto: (name: string, targets: readonly string[]) =>
    inInput('invalidRequest', 'instance', (f) =>
      `${f}: instance '${name}' has no source, so a stub written there would never be hydrated; write to an instance replicated from another${targets.length > 0 ? ` (${list(targets)})` : ''}.`,
    ),

  /** `table` as shown (the core clips what it quotes). */
  tableNotAllowed: (field: string, table: string, instance: string, allowed: readonly string[]) =>
    inInput('tableNotAllowed', field, (f) => `${f}: table '${table}' is not allowed on instance '${instance}' (allowed: ${list(allowed)}).`),

  entitySetNotAllowed: (field: string, entitySet: string, instance: string) =>
    inInput('tableNotAllowed', field, (f) => `${f}: entity set '${entitySet}' is not a table allowed on instance '${instance}'.`),

  keyEmpty: (field: string, expected: string) => inInput('invalidKey', field, (f) => `${f} is empty; give ${expected}.`),

  keyValueRefused: (field: string, problem: string) => inInput('invalidKey', field, (f) => `${f} ${problem}.`),

  keyNotAGuid: (field: string) => inInput('invalidKey', field, (f) => `${f} must be a GUID.`),

  keyIdentifiesNothing: (field: string, table: string, expected: string) =>
    inInput('invalidKey', field, (f) => `${f} does not identify a ${table}: give ${expected}.`),

  notAStubbedRecordId: (field: string) => inInput('invalidKey', field, (f) => `${f} must be the GUID of the stubbed record.`),

  /** The id of an `ec_stub` row itself (the preview's hydration request). */
  notAStubRowId: (field: string) => inInput('invalidRequest', field, (f) => `${f}: must be the GUID of an ec_stub row`),

  hydrationRequestTimeInvalid: () => new ApiError('invalidRequest', 'The time of a hydration request must be a date and time.'),

  bindRefused: (field: string, problem: string) =>
    inInput('invalidReference', field, (f) => `${f} ${problem}; expected a record path such as "/accounts(<guid>)" or "/accounts(accountnumber='A-100')".`),

  notALookup: (field: string, navigation: string, table: string, lookups: readonly string[]) =>
    inInput('invalidReference', field, (f) => `${f}: '${navigation}' is not a lookup navigation property of ${table} (it has: ${list(lookups) || 'none'}).`),

  bindsOtherTable: (field: string, bound: string, navigation: string, expected: string) =>
    inInput('invalidReference', field, (f) => `${f} binds a ${bound}, but '${navigation}' refers to ${expected}.`),

  /** `field` is `references.<nav>`; the message names the record beside it. */
  referenceGivenTwice: (field: string, navigation: string) =>
    inInput('invalidReference', field, (f) => {
      const record = `${f.slice(0, f.length - `references.${navigation}`.length)}record`;
      return `${f}: '${navigation}' is given both here and as '${navigation}@odata.bind' in ${record}; give it once.`;
    }),

  referenceTableMismatch: (field: string, table: string, navigation: string, expected: string) =>
    inInput('invalidReference', field, (f) => `${f} is ${table}, but '${navigation}' refers to ${expected}.`),

  recordPropertyRefused: (field: string) =>
    inInput('invalidRecord', field, (f) => `${f}: only column values and '<navigation property>@odata.bind' entries are accepted.`),

  /** `field`: `record.ec_isstub` (StubMarker.ts). */
  stubMarkerSetByCaller: (field: string) =>
    inInput('invalidRecord', field, (f) => `${f}: only this service marks a record as a stub; leave it out (or give false).`),

  stubColumnNotPlain: (field: string) => inInput('invalidRecord', field, (f) => `${f}: a stub carries plain column values only (no ids, no binds).`),

  /** A string Dataverse would refuse (DataverseText.ts), `problem` naming the code point and index. */
  textRefused: (field: string, problem: string) => inInput('invalidRecord', field, (f) => `${f}: ${problem}.`),

  pageSizeOutOfRange: (field: string) => inInput('invalidRequest', field, (f) => `${f} must be a whole number from 1 to 5000.`),

  skipTokenRefused: (field: string, reason: string) =>
    inInput('invalidRequest', field, (f) => `${f}: ${reason}; pass the nextSkipToken of the previous page unchanged.`),

  // ---- the target's answers (core/DataverseFailures.ts) ------------------------------------------

  targetThrottled: (instance: string, message: string, retryAfterSeconds: number) =>
    new ApiError('targetThrottled', `Instance '${instance}' is throttling requests (Dataverse service protection): ${message}`, { retryAfterSeconds }),

  /** `cause`: the target's own failure, kept for the queue (a 500 about this request is no outage). */
  targetUnavailable: (instance: string, message: string, retryAfterSeconds: number, cause: unknown) =>
    new ApiError('targetUnavailable', `Instance '${instance}' is unavailable right now: ${message}`, { retryAfterSeconds, cause }),

  targetRefusedCredentials: (instance: string, status: number | undefined) =>
    new ApiError(
      'targetRefusedCredentials',
      `Instance '${instance}' refused this service's credentials or privileges (HTTP ${status}). Check the application user and its security role.`,
    ),

  targetAnsweredUnexpectedly: (instance: string, status: number | undefined) =>
    new ApiError('targetAnsweredUnexpectedly', `Instance '${instance}' answered unexpectedly (HTTP ${status ?? 'none'}).`),

  referenceNotFound: (message: string) => new ApiError('referenceNotFound', message),

  conflict: (message: string) => new ApiError('conflict', message),

  keyNotDefined: (message: string) => new ApiError('invalidKey', message),

  tableUnknownToTarget: (instance: string, message: string) => new ApiError('tableNotAllowed', `Instance '${instance}' has no such table: ${message}`),

  recordRejected: (message: string) => new ApiError('recordRejected', message),

  // ---- the request as the HTTP layer and the queue see it ----------------------------------------

  /** `field` as the request has it (`body.record.lastname`, `query.top`, `headers.idempotency-key`, `path`). */
  invalidRequest: (field: string, problem: string) => new ApiError('invalidRequest', `${field}: ${problem}`, { field }),

  /** A value the queue's database cannot store; `message` already names `field`. */
  unstorableValue: (field: string, message: string) => new ApiError('invalidRequest', message, { field }),

  apiKeyMissing: (header: string) => new ApiError('unauthorized', `The ${header} header is missing: every /v1 request needs an API key.`),

  apiKeyInvalid: (header: string) => new ApiError('unauthorized', `The ${header} header does not hold a valid API key.`),

  previewWritesFromItsPageOnly: () => new ApiError('unauthorized', 'The preview accepts writes only from its own page.'),

  previewNeedsApiKey: (header: string) => new ApiError('unauthorized', `The preview answers requests from another machine only with a valid ${header} header.`),

  subscriptionsNeedApiKey: () => new ApiError('unauthorized', 'Subscriptions need an API key.'),

  /** `got`: the Content-Type sent, when the message quotes it. */
  bodyNotJson: (got?: string) =>
    new ApiError('unsupportedMediaType', `The body must be JSON sent as Content-Type: application/json${got === undefined ? '' : ` (got ${got})`}.`, { field: 'body' }),

  bodyEncoded: () => new ApiError('unsupportedMediaType', 'The body must be UTF-8 JSON without content encoding.', { field: 'body' }),

  bodyTooLarge: (limit: string) => new ApiError('payloadTooLarge', `The body is larger than the limit of ${limit}.`, { field: 'body' }),

  noSuchRoute: (method: string, path: string) => new ApiError('notFound', `There is no ${method} ${path} in this API; see /docs.`),

  notATableOfInstance: (table: string, instance: string) =>
    new ApiError('notFound', `params.table: "${table}" is not a table of instance "${instance}".`, { field: 'params.table' }),

  neverAStub: (table: string, id: string, instance: string) => new ApiError('notFound', `The ${table} record ${id} never was a stub in instance "${instance}".`),

  noStubRow: (instance: string, id: string) => new ApiError('notFound', `Instance "${instance}" has no ec_stub row ${id}.`),

  noOperation: (id: string, detail = '') => new ApiError('notFound', `params.id: no operation ${id}${detail}.`, { field: 'params.id' }),

  /** `refusal`: why an operation in this state cannot be retried or cancelled. */
  operationInWrongState: (id: string, state: string, refusal: string) =>
    new ApiError('conflict', `params.id: operation ${id} is ${state}; ${refusal}`, { field: 'params.id' }),

  noSubscription: (id: string) => new ApiError('notFound', `There is no subscription ${id}.`),

  subscriptionLimitReached: (apiKey: string, limit: number) =>
    new ApiError(
      'subscriptionLimitReached',
      `API key '${apiKey}' already holds ${limit} subscriptions, the most one key may hold (webhooks.maxSubscriptionsPerKey). ` +
        'Turn off a flow that uses the trigger "When a stub changes state", or list them with GET /v1/subscriptions and delete one with DELETE /v1/subscriptions/{id}.',
    ),

  idempotencyKeyReused: (operationId: string) =>
    new ApiError(
      'idempotencyKeyReused',
      `header Idempotency-Key: this key was used for a different request (operation ${operationId}); use a new key for a new request.`,
      { field: 'headers.idempotency-key' },
    ),

  serviceStopping: (retryAfterSeconds: number) =>
    new ApiError('serviceStopping', 'The service is shutting down; send the request again in a moment.', { retryAfterSeconds }),

  /** Anything unexpected: the details go to the log, the caller gets the request id. */
  internal: (requestId: string | undefined) =>
    new ApiError('internal', `An unexpected error occurred. Quote the request id ${requestId} when you report it.`, requestId === undefined ? {} : { requestId }),
};
