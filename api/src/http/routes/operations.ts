/**
 * The operations of the durable queue: the status endpoint a `202 Accepted` points at, the list of
 * operations (dead letters with `state=failed`), replaying a dead letter and cancelling a queued one.
 * An operation belongs to the API key that created it: every route here sees and acts on the caller's
 * own operations only (another key's id is answered exactly like an unknown one), an `admin` key on all.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { OperationQueue } from '../../queue/OperationQueue';
import type { OperationRecord, OperationScope } from '../../queue/OperationRecord';
import type { ApiError } from '../../core/ApiError';
import { ApiErrors } from '../../core/ApiErrors';
import { operationPage, operationSummary, parseListQuery } from '../operationViews';
import { nextPageLink } from '../nextLink';
import { locals } from '../requestContext';
import { parseRequestPart } from '../requestValidation';
import { sendActionAnswer } from './actionResponse';

const OperationParamsSchema = z.strictObject({
  id: z.uuid({ message: 'must be an operation id (a GUID, as in the Location header of a 202 answer)' }),
});

/** The caller's operations, or every one for an `admin` key. */
function scopeOf(response: Response): OperationScope {
  const { apiKeyName, apiKeyRole } = locals(response);
  // Every /v1 request passed the API key check, which names the key; '' (no key) matches no operation.
  return apiKeyRole === 'admin' ? { admin: true } : { apiKeyName: apiKeyName ?? '' };
}

function notFound(id: string, detail = ''): ApiError {
  return ApiErrors.noOperation(id, detail);
}

/**
 * @swagger
 * /v1/operations/{id}:
 *   get:
 *     operationId: GetOperation
 *     summary: Get operation status
 *     description: The status of work accepted with 202. While pending it answers 202 with Location and Retry-After; when done, exactly the answer the action would have given (200 with its result, or the error with its status); 409 OperationCancelled once cancelled. Only the API key that created the operation (or an admin key) sees it.
 *     x-ms-visibility: internal
 *     parameters:
 *       - name: id
 *         in: path
 *         required: true
 *         type: string
 *         format: uuid
 *         description: The operation id from the Location header of the 202 answer.
 *         x-ms-summary: Operation ID
 *     responses:
 *       200:
 *         description: The operation succeeded; the body is the action's result.
 *         schema:
 *           type: object
 *       202:
 *         description: Still pending; poll the Location again after Retry-After seconds.
 *         headers:
 *           Location:
 *             type: string
 *             description: The URL of this status.
 *           Retry-After:
 *             type: integer
 *             description: Seconds to wait before polling again.
 *       400:
 *         $ref: '#/responses/OperationIdNotValid'
 *       401:
 *         $ref: '#/responses/Unauthorized'
 *       404:
 *         description: No such operation of this API key (or it is older than the retention).
 *         schema:
 *           $ref: '#/definitions/ErrorResponse'
 *       409:
 *         description: The operation was cancelled before it ran (code OperationCancelled); nothing was applied.
 *         schema:
 *           $ref: '#/definitions/ErrorResponse'
 *       422:
 *         description: The operation failed because Dataverse rejected the record or a reference; the body is the action's error.
 *         schema:
 *           $ref: '#/definitions/ErrorResponse'
 * /v1/operations:
 *   get:
 *     operationId: ListOperations
 *     summary: List operations
 *     description: This API key's operations (every key's for an admin key), oldest first; state=failed lists the dead letters with their request and error.
 *     x-ms-visibility: advanced
 *     x-ms-pageable:
 *       nextLinkName: nextLink
 *     parameters:
 *       - name: state
 *         in: query
 *         required: false
 *         type: string
 *         enum: [queued, running, succeeded, rejected, failed, cancelled]
 *         description: Only operations in this state; failed are the dead letters.
 *         x-ms-summary: State
 *       - name: instance
 *         in: query
 *         required: false
 *         type: string
 *         description: Only operations for this instance.
 *         x-ms-summary: Instance
 *         x-ms-dynamic-values:
 *           operationId: ListInstances
 *           value-collection: value
 *           value-path: name
 *           value-title: title
 *       - name: top
 *         in: query
 *         required: false
 *         type: integer
 *         minimum: 1
 *         maximum: 500
 *         description: Page size (default 50).
 *         x-ms-summary: Page Size
 *       - name: skipToken
 *         in: query
 *         required: false
 *         type: string
 *         description: The nextSkipToken of the previous page.
 *         x-ms-summary: Skip Token
 *         x-ms-visibility: internal
 *     responses:
 *       200:
 *         description: A page of operations.
 *         schema:
 *           $ref: '#/definitions/OperationPage'
 *       400:
 *         description: A query parameter is not valid; the message names it.
 *         schema:
 *           $ref: '#/definitions/ErrorResponse'
 *       401:
 *         $ref: '#/responses/Unauthorized'
 * /v1/operations/{id}/retry:
 *   post:
 *     operationId: RetryOperation
 *     summary: Retry a failed operation
 *     description: Puts a dead letter (an operation in state failed) back in the queue; it runs again in order with the other operations on its record, and the action waits for it and gives its final answer.
 *     x-ms-visibility: advanced
 *     parameters:
 *       - name: id
 *         in: path
 *         required: true
 *         type: string
 *         format: uuid
 *         description: The id of the failed operation.
 *         x-ms-summary: Operation ID
 *     responses:
 *       200:
 *         description: The retried operation succeeded; the body is its action's result (what Ensure, Submit or Hydrate record would have answered). A flow gets it from the Location of the 202, which Power Automate polls by itself.
 *         schema:
 *           $ref: '#/definitions/RetriedResult'
 *       202:
 *         description: Queued again (the acknowledgement; body id, status accepted, location); the platform polls the Location until the final answer.
 *         headers:
 *           Location:
 *             type: string
 *             description: The URL of the operation's status.
 *           Retry-After:
 *             type: integer
 *             description: Seconds to wait before polling.
 *       400:
 *         $ref: '#/responses/OperationIdNotValid'
 *       401:
 *         $ref: '#/responses/Unauthorized'
 *       404:
 *         description: No such operation.
 *         schema:
 *           $ref: '#/definitions/ErrorResponse'
 *       409:
 *         description: The operation is not in state failed (code Conflict), or it was cancelled while queued again (code OperationCancelled); nothing was applied.
 *         schema:
 *           $ref: '#/definitions/ErrorResponse'
 *       422:
 *         description: The retried operation failed again because Dataverse rejected the record or a reference; the body is the action's error.
 *         schema:
 *           $ref: '#/definitions/ErrorResponse'
 * /v1/operations/{id}/cancel:
 *   post:
 *     operationId: CancelOperation
 *     summary: Cancel a queued operation
 *     description: Takes a queued operation out of the queue before it runs; it is never applied, and its status answers 409 OperationCancelled. An operation that is running or finished cannot be cancelled (409, the message says why).
 *     x-ms-visibility: advanced
 *     parameters:
 *       - name: id
 *         in: path
 *         required: true
 *         type: string
 *         format: uuid
 *         description: The id of the queued operation.
 *         x-ms-summary: Operation ID
 *     responses:
 *       200:
 *         description: Cancelled; the operation in state cancelled.
 *         schema:
 *           $ref: '#/definitions/Operation'
 *       400:
 *         $ref: '#/responses/OperationIdNotValid'
 *       401:
 *         $ref: '#/responses/Unauthorized'
 *       404:
 *         description: No such operation of this API key.
 *         schema:
 *           $ref: '#/definitions/ErrorResponse'
 *       409:
 *         description: The operation is running or finished; the message says which.
 *         schema:
 *           $ref: '#/definitions/ErrorResponse'
 *
 * definitions:
 *   RetriedResult:
 *     type: object
 *     required: [id, table]
 *     properties:
 *       id:
 *         type: string
 *         format: uuid
 *         description: The record's GUID.
 *         x-ms-summary: Record ID
 *       table:
 *         type: string
 *         description: The table of the record.
 *         x-ms-summary: Table
 *       outcome:
 *         type: string
 *         enum: [created-stub, exists, exists-as-stub]
 *         description: A retried Ensure record only; whether a stub was created, the record already existed, or a stub for it already existed.
 *         x-ms-summary: Outcome
 *       operation:
 *         type: string
 *         enum: [created, updated]
 *         description: A retried Submit or Hydrate record only; whether the record was created or updated.
 *         x-ms-summary: Operation
 *       stubsCreated:
 *         type: array
 *         description: A retried Submit record only; the stubs created for missing references.
 *         x-ms-summary: Stubs Created
 *         items:
 *           $ref: '#/definitions/StubCreated'
 *       wasStub:
 *         type: boolean
 *         description: A retried Hydrate record only; whether the record was a pending stub that is now hydrated.
 *         x-ms-summary: Was Stub
 *       secondsToHydrate:
 *         type: integer
 *         description: A retried Hydrate record only; seconds from the stub's creation to its hydration.
 *         x-ms-summary: Seconds to Hydrate
 *   Operation:
 *     type: object
 *     required: [id, instance, action, state, attempts, createdOn, modifiedOn, request]
 *     properties:
 *       id:
 *         type: string
 *         format: uuid
 *         description: The operation id.
 *         x-ms-summary: Operation ID
 *       instance:
 *         type: string
 *         description: The instance it writes to.
 *         x-ms-summary: Instance
 *       action:
 *         type: string
 *         enum: [ensure, submit, hydrate]
 *         description: The action.
 *         x-ms-summary: Action
 *       state:
 *         type: string
 *         enum: [queued, running, succeeded, rejected, failed, cancelled]
 *         description: queued or running while pending; succeeded; rejected (refused at once); failed (a dead letter); cancelled (never run).
 *         x-ms-summary: State
 *       apiKey:
 *         type: string
 *         description: The name of the API key that created it (absent for operations from before owners were recorded).
 *         x-ms-summary: API Key
 *       status:
 *         type: integer
 *         description: The HTTP status of the final answer.
 *         x-ms-summary: Status Code
 *       attempts:
 *         type: integer
 *         description: How many times it was run, not counting failures while the instance was down, throttling or its circuit open (these count toward queue.maxAttempts).
 *         x-ms-summary: Attempts
 *       lastError:
 *         type: string
 *         description: The last error met, transient or final.
 *         x-ms-summary: Last Error
 *       createdOn:
 *         type: string
 *         format: date-time
 *         description: When it was accepted.
 *         x-ms-summary: Created On
 *       modifiedOn:
 *         type: string
 *         format: date-time
 *         description: When it last changed.
 *         x-ms-summary: Modified On
 *       finishedOn:
 *         type: string
 *         format: date-time
 *         description: When it finished.
 *         x-ms-summary: Finished On
 *       notBefore:
 *         type: string
 *         format: date-time
 *         description: A queued operation waits until then (Retry-After of the target).
 *         x-ms-summary: Not Before
 *       request:
 *         type: object
 *         description: The action's request body.
 *         x-ms-summary: Request
 *       response:
 *         type: object
 *         description: The error answer of a failed, rejected or cancelled operation.
 *         x-ms-summary: Response
 *   OperationPage:
 *     type: object
 *     required: [value]
 *     properties:
 *       value:
 *         type: array
 *         description: The operations.
 *         x-ms-summary: Operations
 *         items:
 *           $ref: '#/definitions/Operation'
 *       nextSkipToken:
 *         type: string
 *         description: Pass as skipToken for the next page; absent on the last page.
 *         x-ms-summary: Next Skip Token
 *       nextLink:
 *         type: string
 *         format: uri
 *         description: The absolute URL of the next page (the same filters and page size with the next skip token), which the action's Pagination setting follows; request it with the same API key. Absent on the last page.
 *         x-ms-summary: Next Link
 */
/** Why an operation that is not queued cannot be cancelled. */
const CANCEL_REFUSALS: Record<OperationRecord['state'], string> = {
  queued: 'it is queued again; send the cancel again.',
  running: 'its request to the instance is under way and cannot be taken back; poll it for the outcome.',
  succeeded: 'it has already been applied.',
  rejected: 'it has already finished (refused by the target).',
  failed: 'it is a dead letter, finished without being applied; it runs again only if you retry it.',
  cancelled: 'it has already been cancelled.',
};

export function operationsRouter(queue: OperationQueue, publicUrl?: string): Router {
  const router = Router();
  router.get('/v1/operations', async (request: Request, response: Response) => {
    const { top, query, filters } = parseListQuery(request.query);
    const page = operationPage(await queue.list(query, scopeOf(response)), top);
    const nextLink = page.nextSkipToken !== undefined ? nextPageLink(request, publicUrl, '/v1/operations', filters, page.nextSkipToken) : undefined;
    response.json({ ...page, ...(nextLink !== undefined ? { nextLink } : {}) });
  });
  router.get('/v1/operations/:id', async (request: Request, response: Response) => {
    const { id } = parseRequestPart(OperationParamsSchema, request.params, 'params');
    const operation = await queue.get(id.toLowerCase(), scopeOf(response));
    if (!operation) throw notFound(id, ' (unknown, or finished longer ago than the retention)');
    sendActionAnswer(request, response, queue.answerFor(operation), publicUrl);
  });
  router.post('/v1/operations/:id/retry', async (request: Request, response: Response) => {
    const { id } = parseRequestPart(OperationParamsSchema, request.params, 'params');
    const scope = scopeOf(response);
    const requeued = await queue.retry(id.toLowerCase(), scope);
    if (!requeued) {
      const operation = await queue.get(id.toLowerCase(), scope);
      if (!operation) throw notFound(id);
      throw ApiErrors.operationInWrongState(id, operation.state, 'only failed operations (dead letters) can be retried.');
    }
    sendActionAnswer(request, response, queue.answerFor(requeued), publicUrl);
  });
  router.post('/v1/operations/:id/cancel', async (request: Request, response: Response) => {
    const { id } = parseRequestPart(OperationParamsSchema, request.params, 'params');
    const scope = scopeOf(response);
    const cancelled = await queue.cancel(id.toLowerCase(), scope, locals(response).apiKeyName ?? 'unknown');
    if (!cancelled) {
      const operation = await queue.get(id.toLowerCase(), scope);
      if (!operation) throw notFound(id);
      throw ApiErrors.operationInWrongState(id, operation.state, CANCEL_REFUSALS[operation.state]);
    }
    response.json(operationSummary(cancelled));
  });
  return router;
}
