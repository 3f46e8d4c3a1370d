/**
 * The parameters and responses several routes share, annotated once and referred to from an
 * operation's annotations with `- $ref: '#/parameters/<name>'` (in `parameters:`) or
 * `<status>:\n  $ref: '#/responses/<name>'` (in `responses:`). /swagger.json and the connector carry
 * them inlined in each operation (`../openApiSharedDefinitions.ts`). A parameter or response whose
 * wording differs from these stays written out in its route: each entry here says the same thing
 * wherever it is used. This file holds no route.
 *
 * @swagger
 * parameters:
 *   Instance:
 *     name: instance
 *     in: path
 *     required: true
 *     type: string
 *     description: The Dataverse instance.
 *     x-ms-summary: Instance
 *     x-ms-visibility: important
 *     x-ms-dynamic-values:
 *       operationId: ListInstances
 *       value-collection: value
 *       value-path: name
 *       value-title: title
 *   InstanceToWrite:
 *     name: instance
 *     in: path
 *     required: true
 *     type: string
 *     x-example: b
 *     description: The Dataverse instance to write to.
 *     x-ms-summary: Instance
 *     x-ms-visibility: important
 *     x-ms-dynamic-values:
 *       operationId: ListInstances
 *       value-collection: value
 *       value-path: name
 *       value-title: title
 *       parameters:
 *         role: target
 *   IdempotencyKey:
 *     name: Idempotency-Key
 *     in: header
 *     required: false
 *     type: string
 *     description: Makes a retry safe. The same key with the same request is applied once and answered with the first answer; leave empty to let the service derive one from the request and the flow run.
 *     x-ms-summary: Idempotency Key
 *     x-ms-visibility: advanced
 *   SubscriptionId:
 *     name: id
 *     in: path
 *     required: true
 *     type: string
 *     format: uuid
 *     description: The subscription's ID.
 *     x-ms-summary: Subscription ID
 *
 * responses:
 *   ActionAccepted:
 *     description: Accepted for later, because the instance is unavailable, throttling, or busy with earlier work on the same record. Power Automate polls the Location until the final answer.
 *     headers:
 *       Location:
 *         type: string
 *         description: The operation status URL to poll.
 *       Retry-After:
 *         type: integer
 *         description: Seconds to wait before polling.
 *   ActionBadRequest:
 *     description: The request is not valid or a table is not allowed; the message names the field.
 *     schema:
 *       $ref: '#/definitions/ErrorResponse'
 *   RecordRejected:
 *     description: Dataverse rejected the record.
 *     schema:
 *       $ref: '#/definitions/ErrorResponse'
 *   ParameterNotValid:
 *     description: A parameter is not valid; the message names it.
 *     schema:
 *       $ref: '#/definitions/ErrorResponse'
 *   OperationIdNotValid:
 *     description: The id is not a GUID.
 *     schema:
 *       $ref: '#/definitions/ErrorResponse'
 *   SubscriptionIdNotValid:
 *     description: The ID is not a GUID.
 *     schema:
 *       $ref: '#/definitions/ErrorResponse'
 *   Unauthorized:
 *     description: The API key is missing or wrong.
 *     schema:
 *       $ref: '#/definitions/ErrorResponse'
 *   InstanceNotFound:
 *     description: The instance is not configured.
 *     schema:
 *       $ref: '#/definitions/ErrorResponse'
 */
export {};
