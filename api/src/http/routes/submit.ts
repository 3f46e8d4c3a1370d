/** `POST /v1/instances/{instance}/submit`: write a record, creating stubs for the records it references that are missing. */
import { Router } from 'express';
import type { EnsureActions, SubmitInput } from '../../core/EnsureService';
import { InstanceParamsSchema, NoQuerySchema, parseRequestPart, SubmitBodySchema } from '../requestValidation';
import { actionCall, directRunner, sendActionAnswer, type ActionRunner } from './actionResponse';

/**
 * @swagger
 * /v1/instances/{instance}/submit:
 *   post:
 *     operationId: SubmitRecord
 *     summary: Submit record
 *     description: Creates a record, or upserts it when a key is given, after creating tracked stubs for the records it references that the instance does not have yet.
 *     x-ms-visibility: important
 *     parameters:
 *       - $ref: '#/parameters/InstanceToWrite'
 *       - $ref: '#/parameters/IdempotencyKey'
 *       - name: body
 *         in: body
 *         required: true
 *         description: The record and its references.
 *         x-ms-summary: Record to Submit
 *         schema:
 *           type: object
 *           required: [table, record]
 *           example:
 *             table: contact
 *             record:
 *               firstname: Ada
 *               lastname: Lovelace
 *               "parentcustomerid_account@odata.bind": "/accounts(accountnumber='A-200')"
 *           properties:
 *             table:
 *               type: string
 *               description: The table of the record, such as contact.
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
 *               description: When given, the record is upserted at this primary id or alternate key; otherwise it is created.
 *               x-ms-summary: Key
 *               x-ms-visibility: advanced
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
 *               description: The column values; lookups may be given as navigation property at odata.bind entries.
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
 *             references:
 *               type: object
 *               description: Referenced records by navigation property, each with its table, key and an optional stub name.
 *               x-ms-summary: References
 *               x-ms-visibility: advanced
 *               additionalProperties:
 *                 $ref: '#/definitions/Reference'
 *     responses:
 *       200:
 *         description: The record was written; any missing references were created as stubs.
 *         schema:
 *           $ref: '#/definitions/SubmitResult'
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
 *   Reference:
 *     type: object
 *     required: [table, key]
 *     properties:
 *       table:
 *         type: string
 *         description: The table of the referenced record, such as account.
 *         x-ms-summary: Referenced Table
 *       key:
 *         type: object
 *         description: The referenced record's primary id, or the columns of one of its alternate keys.
 *         x-ms-summary: Referenced Key
 *       name:
 *         type: string
 *         maxLength: 400
 *         description: The name a stub gets when the referenced record is missing.
 *         x-ms-summary: Stub Name
 *   StubCreated:
 *     type: object
 *     required: [table, id, key]
 *     properties:
 *       table:
 *         type: string
 *         description: The table of the stub.
 *         x-ms-summary: Stub Table
 *       id:
 *         type: string
 *         format: uuid
 *         description: The GUID of the stub record.
 *         x-ms-summary: Stub Record ID
 *       key:
 *         type: object
 *         description: The key the stub was created for, the primary id column with the record GUID or the columns of an alternate key.
 *         x-ms-summary: Stub Key
 *         additionalProperties:
 *           description: A key column's value, text or a number.
 *         example:
 *           accountnumber: A-100
 *   SubmitResult:
 *     type: object
 *     required: [id, table, operation, stubsCreated]
 *     properties:
 *       id:
 *         type: string
 *         format: uuid
 *         description: The GUID of the written record.
 *         x-ms-summary: Record ID
 *       table:
 *         type: string
 *         description: The table of the written record.
 *         x-ms-summary: Table
 *       operation:
 *         type: string
 *         enum: [created, updated]
 *         description: Whether the record was created or updated.
 *         x-ms-summary: Operation
 *       stubsCreated:
 *         type: array
 *         description: The stubs created for missing references.
 *         x-ms-summary: Stubs Created
 *         items:
 *           $ref: '#/definitions/StubCreated'
 *       replayed:
 *         type: boolean
 *         description: True when this is the stored answer of an earlier identical request (same Idempotency-Key, or the same request from the same flow run), nothing written again; absent on a first answer.
 *         x-ms-summary: Replayed
 */
export function submitRouter(actions: EnsureActions, runner: ActionRunner = directRunner(actions)): Router {
  const router = Router();
  router.post('/v1/instances/:instance/submit', async (request, response) => {
    const { instance } = parseRequestPart(InstanceParamsSchema, request.params, 'params');
    parseRequestPart(NoQuerySchema, request.query, 'query');
    const input: SubmitInput = parseRequestPart(SubmitBodySchema, request.body, 'body');
    const answer = await runner.run(actionCall(request, response, 'submit', instance, input));
    sendActionAnswer(request, response, answer, runner.publicUrl);
  });
  return router;
}
