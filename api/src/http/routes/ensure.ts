/** `POST /v1/instances/{instance}/ensure`: make sure a record exists, creating a tracked stub when it does not. */
import { Router } from 'express';
import type { EnsureInput, EnsureActions } from '../../core/EnsureService';
import { EnsureBodySchema, InstanceParamsSchema, NoQuerySchema, parseRequestPart } from '../requestValidation';
import { actionCall, directRunner, sendActionAnswer, type ActionRunner } from './actionResponse';

/**
 * @swagger
 * /v1/instances/{instance}/ensure:
 *   post:
 *     operationId: EnsureRecord
 *     summary: Ensure record
 *     description: Makes sure a record exists in the instance. When it is missing, creates a stub with only its key and a name, tracked until replication hydrates it; an existing record is never changed.
 *     x-ms-visibility: important
 *     parameters:
 *       - name: instance
 *         in: path
 *         required: true
 *         type: string
 *         x-example: b
 *         description: The Dataverse instance that must hold the record.
 *         x-ms-summary: Instance
 *         x-ms-visibility: important
 *         x-ms-dynamic-values:
 *           operationId: ListInstances
 *           value-collection: value
 *           value-path: name
 *           value-title: title
 *           parameters:
 *             role: target
 *       - $ref: '#/parameters/IdempotencyKey'
 *       - name: body
 *         in: body
 *         required: true
 *         description: The record to ensure.
 *         x-ms-summary: Record to Ensure
 *         schema:
 *           type: object
 *           required: [table, key]
 *           example:
 *             table: account
 *             key:
 *               accountnumber: A-100
 *             name: Contoso
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
 *             name:
 *               type: string
 *               maxLength: 400
 *               description: The name the stub gets; by default the key as text.
 *               x-ms-summary: Stub Name
 *               x-ms-visibility: advanced
 *             columns:
 *               type: object
 *               description: Extra columns for the stub, on top of the table's configured stub defaults. Plain columns only; the key and the name come from Key and Stub Name, and lookups (odata.bind) and the record's id are refused.
 *               x-ms-summary: Stub Columns
 *               x-ms-visibility: advanced
 *               x-ms-dynamic-schema:
 *                 operationId: GetTableSchema
 *                 parameters:
 *                   instance:
 *                     parameter: instance
 *                   table:
 *                     parameter: table
 *                   part: stub
 *                 value-path: schema
 *               x-ms-dynamic-properties:
 *                 operationId: GetTableSchema
 *                 parameters:
 *                   instance:
 *                     parameterReference: instance
 *                   table:
 *                     parameterReference: body/table
 *                   part:
 *                     value: stub
 *                 itemValuePath: schema
 *     responses:
 *       200:
 *         description: The record exists, or a stub was created.
 *         schema:
 *           $ref: '#/definitions/EnsureResult'
 *       202:
 *         $ref: '#/responses/ActionAccepted'
 *       400:
 *         $ref: '#/responses/ActionBadRequest'
 *       401:
 *         $ref: '#/responses/Unauthorized'
 *       404:
 *         $ref: '#/responses/InstanceNotFound'
 *       422:
 *         description: Dataverse rejected the stub, such as a stub column value of the wrong type.
 *         schema:
 *           $ref: '#/definitions/ErrorResponse'
 *
 * definitions:
 *   EnsureResult:
 *     type: object
 *     required: [id, table, outcome]
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
 *         description: Whether a stub was created, the record already existed, or a stub for it already existed.
 *         x-ms-summary: Outcome
 *       replayed:
 *         type: boolean
 *         description: True when this is the stored answer of an earlier identical request (same Idempotency-Key, or the same request from the same flow run), nothing written again; absent on a first answer.
 *         x-ms-summary: Replayed
 */
export function ensureRouter(actions: EnsureActions, runner: ActionRunner = directRunner(actions)): Router {
  const router = Router();
  router.post('/v1/instances/:instance/ensure', async (request, response) => {
    const { instance } = parseRequestPart(InstanceParamsSchema, request.params, 'params');
    parseRequestPart(NoQuerySchema, request.query, 'query');
    const input: EnsureInput = parseRequestPart(EnsureBodySchema, request.body, 'body');
    const answer = await runner.run(actionCall(request, response, 'ensure', instance, input));
    sendActionAnswer(request, response, answer, runner.publicUrl);
  });
  return router;
}
