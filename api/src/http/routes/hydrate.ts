/** `POST /v1/instances/{instance}/hydrate`: write a record's full data, marking its stub hydrated. */
import { Router } from 'express';
import type { EnsureActions, HydrateInput } from '../../core/EnsureService';
import { HydrateBodySchema, InstanceParamsSchema, NoQuerySchema, parseRequestPart } from '../requestValidation';
import { actionCall, directRunner, sendActionAnswer, type ActionRunner } from './actionResponse';

/**
 * @swagger
 * /v1/instances/{instance}/hydrate:
 *   post:
 *     operationId: HydrateRecord
 *     summary: Hydrate record
 *     description: Upserts a record's full data, as replication delivers it. When the record was a stub, its tracking row is marked Hydrated with the time it took.
 *     x-ms-visibility: important
 *     parameters:
 *       - $ref: '#/parameters/InstanceToWrite'
 *       - $ref: '#/parameters/IdempotencyKey'
 *       - name: body
 *         in: body
 *         required: true
 *         description: The record's key and full data.
 *         x-ms-summary: Record to Hydrate
 *         schema:
 *           type: object
 *           required: [table, key, record]
 *           example:
 *             table: account
 *             key:
 *               accountnumber: A-200
 *             record:
 *               name: Fabrikam
 *               telephone1: "+1 555 0100"
 *           properties:
 *             table:
 *               type: string
 *               description: The table of the record, such as account.
 *               x-ms-summary: Table
 *               x-ms-visibility: important
 *               x-ms-dynamic-values:
 *                 operationId: ListTables
 *                 value-collection: value
 *                 value-path: logicalName
 *                 value-title: title
 *                 parameters:
 *                   instance:
 *                     parameter: instance
 *             key:
 *               type: object
 *               description: The record's primary id, or the columns of one of its alternate keys.
 *               x-ms-summary: Key
 *               x-ms-visibility: important
 *               x-ms-dynamic-schema:
 *                 operationId: GetTableSchema
 *                 parameters:
 *                   instance:
 *                     parameter: instance
 *                   table:
 *                     parameter: table
 *                   part: key
 *                 value-path: schema
 *               x-ms-dynamic-properties:
 *                 operationId: GetTableSchema
 *                 parameters:
 *                   instance:
 *                     parameterReference: instance
 *                   table:
 *                     parameterReference: body/table
 *                   part:
 *                     value: key
 *                 itemValuePath: schema
 *             record:
 *               type: object
 *               description: The record's column values.
 *               x-ms-summary: Record
 *               x-ms-visibility: important
 *               x-ms-dynamic-schema:
 *                 operationId: GetTableSchema
 *                 parameters:
 *                   instance:
 *                     parameter: instance
 *                   table:
 *                     parameter: table
 *                   part: record
 *                 value-path: schema
 *               x-ms-dynamic-properties:
 *                 operationId: GetTableSchema
 *                 parameters:
 *                   instance:
 *                     parameterReference: instance
 *                   table:
 *                     parameterReference: body/table
 *                   part:
 *                     value: record
 *                 itemValuePath: schema
 *     responses:
 *       200:
 *         description: The record was written.
 *         schema:
 *           $ref: '#/definitions/HydrateResult'
 *       202:
 *         $ref: '#/responses/ActionAccepted'
 *       400:
 *         $ref: '#/responses/ActionBadRequest'
 *       401:
 *         $ref: '#/responses/Unauthorized'
 *       404:
 *         $ref: '#/responses/InstanceNotFound'
 *       422:
 *         $ref: '#/responses/RecordRejected'
 *
 * definitions:
 *   HydrateResult:
 *     type: object
 *     required: [id, table, operation, wasStub]
 *     properties:
 *       id:
 *         type: string
 *         format: uuid
 *         description: The GUID of the record.
 *         x-ms-summary: Record ID
 *       table:
 *         type: string
 *         description: The table of the record.
 *         x-ms-summary: Table
 *       operation:
 *         type: string
 *         enum: [created, updated]
 *         description: Whether the record was created or updated.
 *         x-ms-summary: Operation
 *       wasStub:
 *         type: boolean
 *         description: Whether the record was a pending stub that is now hydrated.
 *         x-ms-summary: Was Stub
 *       secondsToHydrate:
 *         type: integer
 *         description: Seconds from the stub's creation to its hydration.
 *         x-ms-summary: Seconds to Hydrate
 *       replayed:
 *         type: boolean
 *         description: True when this is the stored answer of an earlier identical request (same Idempotency-Key, or the same request from the same flow run), nothing written again; absent on a first answer.
 *         x-ms-summary: Replayed
 */
export function hydrateRouter(actions: EnsureActions, runner: ActionRunner = directRunner(actions)): Router {
  const router = Router();
  router.post('/v1/instances/:instance/hydrate', async (request, response) => {
    const { instance } = parseRequestPart(InstanceParamsSchema, request.params, 'params');
    parseRequestPart(NoQuerySchema, request.query, 'query');
    const input: HydrateInput = parseRequestPart(HydrateBodySchema, request.body, 'body');
    const answer = await runner.run(actionCall(request, response, 'hydrate', instance, input));
    sendActionAnswer(request, response, answer, runner.publicUrl);
  });
  return router;
}
