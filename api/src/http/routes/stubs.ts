/**
 * `GET /v1/instances/{instance}/stubs`, `…/stubs/summary` and `…/stubs/{table}/{id}`: the tracked stubs
 * (`ec_stub` rows). The list's `skipToken` is the core's own cursor (core/stubs/StubCursor.ts), checked there.
 */
import { Router } from 'express';
import type { Stub, StubQueries, StubQuery } from '../../core/EnsureService';
import { ApiErrors } from '../../core/ApiErrors';
import { nextPageLink } from '../nextLink';
import { InstanceParamsSchema, NoQuerySchema, parseRequestPart, StubParamsSchema, StubQuerySchema } from '../requestValidation';

/**
 * @swagger
 * /v1/instances/{instance}/stubs:
 *   get:
 *     operationId: ListStubs
 *     summary: List stubs
 *     description: Lists the stubs of an instance by state, table and age, oldest first, one page at a time.
 *     x-ms-visibility: important
 *     x-ms-pageable:
 *       nextLinkName: nextLink
 *     parameters:
 *       - $ref: '#/parameters/Instance'
 *       - name: state
 *         in: query
 *         required: false
 *         type: string
 *         enum: [Pending, Hydrated, Abandoned]
 *         description: Only stubs in this state.
 *         x-ms-summary: State
 *         x-ms-visibility: important
 *       - name: table
 *         in: query
 *         required: false
 *         type: string
 *         description: Only stubs of this table.
 *         x-ms-summary: Table
 *         x-ms-visibility: advanced
 *         x-ms-dynamic-values:
 *           operationId: ListTables
 *           value-collection: value
 *           value-path: logicalName
 *           value-title: title
 *           parameters:
 *             instance:
 *               parameter: instance
 *       - name: olderThanSeconds
 *         in: query
 *         required: false
 *         type: integer
 *         minimum: 0
 *         description: Only stubs created at least this many seconds ago.
 *         x-ms-summary: Older Than (Seconds)
 *         x-ms-visibility: advanced
 *       - name: top
 *         in: query
 *         required: false
 *         type: integer
 *         minimum: 1
 *         maximum: 5000
 *         default: 50
 *         description: The page size, from 1 to 5000.
 *         x-ms-summary: Page Size
 *         x-ms-visibility: advanced
 *       - name: skipToken
 *         in: query
 *         required: false
 *         type: string
 *         description: The nextSkipToken of the previous page, unchanged; it holds the page's filters, so send the same state, table and older-than values, or none.
 *         x-ms-summary: Skip Token
 *         x-ms-visibility: advanced
 *     responses:
 *       200:
 *         description: One page of stubs.
 *         schema:
 *           $ref: '#/definitions/StubPage'
 *       400:
 *         description: A query parameter is not valid, or the skip token is not one this API issued for this instance and these filters; the message names the parameter.
 *         schema:
 *           $ref: '#/definitions/ErrorResponse'
 *       401:
 *         $ref: '#/responses/Unauthorized'
 *       404:
 *         $ref: '#/responses/InstanceNotFound'
 *
 * /v1/instances/{instance}/stubs/summary:
 *   get:
 *     operationId: GetStubSummary
 *     summary: Get stub summary
 *     description: Counts the stubs of an instance by state and table, with the time stubs take to be hydrated (median and 95th percentile) and the oldest stub still pending.
 *     x-ms-visibility: important
 *     parameters:
 *       - $ref: '#/parameters/Instance'
 *     responses:
 *       200:
 *         description: The summary.
 *         schema:
 *           $ref: '#/definitions/StubSummary'
 *       400:
 *         $ref: '#/responses/ParameterNotValid'
 *       401:
 *         $ref: '#/responses/Unauthorized'
 *       404:
 *         $ref: '#/responses/InstanceNotFound'
 *
 * /v1/instances/{instance}/stubs/{table}/{id}:
 *   get:
 *     operationId: GetStub
 *     summary: Get stub
 *     description: Returns the stub tracking row of a record, whether still pending or already hydrated. Answers 404 when the record never was a stub.
 *     x-ms-visibility: important
 *     parameters:
 *       - $ref: '#/parameters/Instance'
 *       - name: table
 *         in: path
 *         required: true
 *         type: string
 *         description: The table of the record.
 *         x-ms-summary: Table
 *         x-ms-visibility: important
 *         x-ms-dynamic-values:
 *           operationId: ListTables
 *           value-collection: value
 *           value-path: logicalName
 *           value-title: title
 *           parameters:
 *             instance:
 *               parameter: instance
 *       - name: id
 *         in: path
 *         required: true
 *         type: string
 *         format: uuid
 *         description: The GUID of the record.
 *         x-ms-summary: Record ID
 *         x-ms-visibility: important
 *     responses:
 *       200:
 *         description: The stub.
 *         schema:
 *           $ref: '#/definitions/Stub'
 *       400:
 *         $ref: '#/responses/ParameterNotValid'
 *       401:
 *         $ref: '#/responses/Unauthorized'
 *       404:
 *         description: The record never was a stub, or the instance is not configured.
 *         schema:
 *           $ref: '#/definitions/ErrorResponse'
 *
 * definitions:
 *   StubSummary:
 *     type: object
 *     required: [instance, generatedOn, counts, tables, timeToHydrate]
 *     properties:
 *       instance:
 *         type: string
 *         description: The instance summarised.
 *         x-ms-summary: Instance
 *       generatedOn:
 *         type: string
 *         format: date-time
 *         description: When the summary was computed.
 *         x-ms-summary: Generated On
 *       counts:
 *         $ref: '#/definitions/StubCounts'
 *       tables:
 *         type: array
 *         description: The counts and times of each table that has stubs.
 *         x-ms-summary: Tables
 *         items:
 *           $ref: '#/definitions/TableStubSummary'
 *       timeToHydrate:
 *         $ref: '#/definitions/TimeToHydrate'
 *       oldestPending:
 *         type: object
 *         description: The oldest stub still pending; absent when none is.
 *         x-ms-summary: Oldest Pending Stub
 *         required: [table, recordId, createdOn, ageSeconds]
 *         properties:
 *           table:
 *             type: string
 *             description: The table of the stubbed record.
 *             x-ms-summary: Oldest Pending Table
 *           recordId:
 *             type: string
 *             format: uuid
 *             description: The GUID of the stubbed record.
 *             x-ms-summary: Oldest Pending Record ID
 *           createdOn:
 *             type: string
 *             format: date-time
 *             description: When the stub was created.
 *             x-ms-summary: Oldest Pending Created On
 *           ageSeconds:
 *             type: integer
 *             description: Seconds since the stub was created.
 *             x-ms-summary: Oldest Pending Age (Seconds)
 *   StubCounts:
 *     type: object
 *     description: Stubs by state.
 *     x-ms-summary: Counts
 *     required: [pending, hydrated, abandoned, total]
 *     properties:
 *       pending:
 *         type: integer
 *         description: Stubs still waiting for their data.
 *         x-ms-summary: Pending
 *       hydrated:
 *         type: integer
 *         description: Stubs that received their data.
 *         x-ms-summary: Hydrated
 *       abandoned:
 *         type: integer
 *         description: Stubs whose record never appeared in the source.
 *         x-ms-summary: Abandoned
 *       total:
 *         type: integer
 *         description: All stubs.
 *         x-ms-summary: Total
 *   TimeToHydrate:
 *     type: object
 *     description: Seconds from a stub's creation to its hydration, over the hydrated stubs.
 *     x-ms-summary: Time to Hydrate
 *     required: [count]
 *     properties:
 *       count:
 *         type: integer
 *         description: Hydrated stubs measured.
 *         x-ms-summary: Hydrated Stubs Measured
 *       p50Seconds:
 *         type: integer
 *         description: Median seconds to hydrate; absent when no stub was hydrated.
 *         x-ms-summary: Median Seconds to Hydrate
 *       p95Seconds:
 *         type: integer
 *         description: 95th percentile of the seconds to hydrate.
 *         x-ms-summary: 95th Percentile Seconds to Hydrate
 *       maxSeconds:
 *         type: integer
 *         description: Longest seconds to hydrate.
 *         x-ms-summary: Longest Seconds to Hydrate
 *   TableStubSummary:
 *     type: object
 *     required: [table, pending, hydrated, abandoned, total, timeToHydrate]
 *     properties:
 *       table:
 *         type: string
 *         description: The table.
 *         x-ms-summary: Table
 *       pending:
 *         type: integer
 *         description: Stubs of the table still waiting for their data.
 *         x-ms-summary: Pending
 *       hydrated:
 *         type: integer
 *         description: Stubs of the table that received their data.
 *         x-ms-summary: Hydrated
 *       abandoned:
 *         type: integer
 *         description: Stubs of the table whose record never appeared in the source.
 *         x-ms-summary: Abandoned
 *       total:
 *         type: integer
 *         description: All stubs of the table.
 *         x-ms-summary: Total
 *       timeToHydrate:
 *         $ref: '#/definitions/TimeToHydrate'
 *       oldestPendingSeconds:
 *         type: integer
 *         description: Age in seconds of the table's oldest pending stub; absent when none is pending.
 *         x-ms-summary: Oldest Pending Age (Seconds)
 *   StubPage:
 *     type: object
 *     required: [value]
 *     properties:
 *       value:
 *         type: array
 *         description: The stubs of this page.
 *         x-ms-summary: Stubs
 *         items:
 *           $ref: '#/definitions/Stub'
 *       nextSkipToken:
 *         type: string
 *         description: Pass it unchanged as skipToken, with the same filters or none, to get the next page; absent on the last page.
 *         x-ms-summary: Next Skip Token
 *       nextLink:
 *         type: string
 *         format: uri
 *         description: The absolute URL of the next page (the same filters and page size with the next skip token), which the action's Pagination setting follows; request it with the same API key. Absent on the last page.
 *         x-ms-summary: Next Link
 *   Stub:
 *     type: object
 *     required: [id, table, recordId, state, attempts, createdOn]
 *     properties:
 *       id:
 *         type: string
 *         format: uuid
 *         description: The GUID of the stub tracking row.
 *         x-ms-summary: Stub ID
 *       table:
 *         type: string
 *         description: The table of the stubbed record.
 *         x-ms-summary: Table
 *       recordId:
 *         type: string
 *         format: uuid
 *         description: The GUID of the stubbed record.
 *         x-ms-summary: Record ID
 *       key:
 *         type: object
 *         description: The key the stub was created for, the primary id column with the record GUID or the columns of an alternate key; absent when the tracking row's key was edited into no key of the table.
 *         x-ms-summary: Key
 *         additionalProperties:
 *           description: A key column's value, text or a number.
 *         example:
 *           accountnumber: A-100
 *       name:
 *         type: string
 *         description: The name the stub was created with.
 *         x-ms-summary: Stub Name
 *       sourceInstance:
 *         type: string
 *         description: The instance the record is expected from.
 *         x-ms-summary: Source Instance
 *       state:
 *         type: string
 *         enum: [Pending, Hydrated, Abandoned]
 *         description: Whether the stub still waits for its data, was hydrated, or was abandoned.
 *         x-ms-summary: State
 *       attempts:
 *         type: integer
 *         description: Hydration attempts so far.
 *         x-ms-summary: Attempts
 *       lastError:
 *         type: string
 *         description: The last hydration error.
 *         x-ms-summary: Last Error
 *       hydrationRequestedOn:
 *         type: string
 *         format: date-time
 *         description: When someone asked for hydration.
 *         x-ms-summary: Hydration Requested On
 *       hydratedOn:
 *         type: string
 *         format: date-time
 *         description: When the record was hydrated.
 *         x-ms-summary: Hydrated On
 *       secondsToHydrate:
 *         type: integer
 *         description: Seconds from the stub's creation to its hydration.
 *         x-ms-summary: Seconds to Hydrate
 *       origin:
 *         type: string
 *         description: Who caused the stub, apikey:<key name>, followed by flow:<workflow name>/<run id> when a flow called.
 *         x-ms-summary: Origin
 *       createdOn:
 *         type: string
 *         format: date-time
 *         description: When the stub was created.
 *         x-ms-summary: Created On
 */
/** `publicUrl`: the base of the list's `nextLink` (`PUBLIC_URL`); else see locationBase.ts. */
export function stubsRouter(service: StubQueries, publicUrl?: string): Router {
  const router = Router();
  router.get('/v1/instances/:instance/stubs', async (request, response) => {
    const { instance } = parseRequestPart(InstanceParamsSchema, request.params, 'params');
    const query: StubQuery = parseRequestPart(StubQuerySchema, request.query, 'query');
    const page = await service.listStubs(instance, query);
    const nextLink =
      page.nextSkipToken !== undefined ? nextPageLink(request, publicUrl, `/v1/instances/${encodeURIComponent(instance)}/stubs`, { ...query }, page.nextSkipToken) : undefined;
    response.json({ ...page, value: page.value.map(withoutNulls), ...(nextLink !== undefined ? { nextLink } : {}) });
  });
  // Before '/stubs/:table/:id' (it cannot match one segment, but the order states which route wins).
  router.get('/v1/instances/:instance/stubs/summary', async (request, response) => {
    const { instance } = parseRequestPart(InstanceParamsSchema, request.params, 'params');
    parseRequestPart(NoQuerySchema, request.query, 'query');
    response.json(await service.stubSummary(instance));
  });
  router.get('/v1/instances/:instance/stubs/:table/:id', async (request, response) => {
    const { instance, table, id } = parseRequestPart(StubParamsSchema, request.params, 'params');
    parseRequestPart(NoQuerySchema, request.query, 'query');
    const stub = await service.getStub(instance, table, id.toLowerCase());
    if (!stub) throw ApiErrors.neverAStub(table, id.toLowerCase(), instance);
    response.json(withoutNulls(stub));
  });
  return router;
}

/**
 * A stub without its null columns: Swagger 2.0 has no nullable types, and flows handle an absent
 * property better than a null where the connector promised a string.
 */
export function withoutNulls(stub: Stub): Partial<Stub> {
  return Object.fromEntries(Object.entries(stub).filter(([, value]) => value !== null)) as Partial<Stub>;
}
