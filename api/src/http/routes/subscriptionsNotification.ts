/**
 * The notification a stub subscription receives (`subscriptions.ts` names it in
 * `x-ms-notification-content`; it is the output of the connector's trigger "When a stub changes
 * state"): the schema of the event `api/src/webhooks` posts to the callback URL. Annotation only; the
 * route that subscribes is in `subscriptions.ts`.
 *
 * @swagger
 * definitions:
 *   StubEvent:
 *     type: object
 *     required: [id, type, occurredOn, instance, table, recordId, state, cause, subscriptionId]
 *     properties:
 *       id:
 *         type: string
 *         format: uuid
 *         description: The event's ID, the same on every delivery attempt.
 *         x-ms-summary: Event ID
 *       type:
 *         type: string
 *         enum: [stub.created, stub.hydrated, stub.abandoned]
 *         description: What happened to the stub.
 *         x-ms-summary: Event
 *       occurredOn:
 *         type: string
 *         format: date-time
 *         description: When it happened.
 *         x-ms-summary: Occurred On
 *       instance:
 *         type: string
 *         description: The instance holding the stub.
 *         x-ms-summary: Instance
 *       table:
 *         type: string
 *         description: The table of the stubbed record.
 *         x-ms-summary: Table
 *       recordId:
 *         type: string
 *         format: uuid
 *         description: The GUID of the stubbed record.
 *         x-ms-summary: Record ID
 *       state:
 *         type: string
 *         enum: [Pending, Hydrated, Abandoned]
 *         description: The stub's state after the change.
 *         x-ms-summary: State
 *       cause:
 *         type: string
 *         enum: [ensure, submit, hydrate, reconciler, external]
 *         description: What caused it, an action, the reconciler, or someone else updating the record.
 *         x-ms-summary: Cause
 *       key:
 *         type: object
 *         description: The key the stub was created for, the primary id column with the record GUID or the columns of an alternate key.
 *         x-ms-summary: Key
 *         additionalProperties:
 *           description: A key column's value, text or a number.
 *         example:
 *           accountid: 9f4c2d3e-1b2a-4c5d-8e6f-7a8b9c0d1e2f
 *       secondsToHydrate:
 *         type: integer
 *         description: Seconds from the stub's creation to its hydration.
 *         x-ms-summary: Seconds to Hydrate
 *       attempts:
 *         type: integer
 *         description: Hydration attempts made, for an abandoned stub.
 *         x-ms-summary: Attempts
 *       lastError:
 *         type: string
 *         description: Why the last hydration attempt failed, for an abandoned stub.
 *         x-ms-summary: Last Error
 *       subscriptionId:
 *         type: string
 *         format: uuid
 *         description: The subscription this delivery is for.
 *         x-ms-summary: Subscription ID
 */
export {};
