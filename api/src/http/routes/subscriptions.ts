/**
 * `POST /v1/instances/{instance}/subscriptions`, `GET /v1/subscriptions[/{id}]` and
 * `DELETE /v1/subscriptions/{id}`: webhook subscriptions to stub state changes. In the connector they
 * are the trigger "When a stub changes state" (the platform subscribes with its callback URL when a
 * flow is saved and deletes the subscription at the `Location` it was given when the flow is turned
 * off or deleted).
 *
 * A subscription belongs to the API key that created it: list, get and delete see only the caller's
 * own (another key's id is 404, exactly like an unknown one), an `admin` key every one. A key holds at
 * most `webhooks.maxSubscriptionsPerKey`; past it, 409 `SubscriptionLimitReached`.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { ApiError } from '../../core/ApiError';
import { ApiErrors } from '../../core/ApiErrors';
import { STUB_EVENT_TYPES } from '../../events/StubEvents';
import { locationBaseUrl } from '../locationBase';
import { callContext, locals } from '../requestContext';
import { InstanceParamsSchema, NoQuerySchema, parseRequestPart, TableNameSchema } from '../requestValidation';
import { callbackUrlProblem, MAX_CALLBACK_URL_LENGTH } from '../../webhooks/CallbackUrl';
import type { Subscription, SubscriptionViewer } from '../../webhooks/SubscriptionStore';
import { originOf, SubscriptionLimitError, type Webhooks } from '../../webhooks/Webhooks';

/**
 * @swagger
 * /v1/instances/{instance}/subscriptions:
 *   x-ms-notification-content:
 *     description: A stub of the instance changed state.
 *     schema:
 *       $ref: '#/definitions/StubEvent'
 *   post:
 *     operationId: OnStubStateChanged
 *     summary: When a stub changes state
 *     description: Triggers when a stub of the instance is created, hydrated or abandoned, optionally only for one table.
 *     x-ms-trigger: single
 *     x-ms-visibility: important
 *     parameters:
 *       - name: instance
 *         in: path
 *         required: true
 *         type: string
 *         description: The Dataverse instance whose stubs to watch.
 *         x-ms-summary: Instance
 *         x-ms-visibility: important
 *         x-ms-dynamic-values:
 *           operationId: ListInstances
 *           value-collection: value
 *           value-path: name
 *           value-title: title
 *       - name: body
 *         in: body
 *         required: true
 *         description: What to watch and where to send it.
 *         x-ms-summary: Subscription
 *         schema:
 *           type: object
 *           required: [callbackUrl]
 *           properties:
 *             callbackUrl:
 *               type: string
 *               description: The URL the events are posted to; the platform fills it in.
 *               x-ms-summary: Callback URL
 *               x-ms-notification-url: true
 *               x-ms-visibility: internal
 *             events:
 *               type: array
 *               description: The state changes that trigger the flow; all three when empty.
 *               x-ms-summary: Events
 *               x-ms-visibility: important
 *               items:
 *                 type: string
 *                 enum: [stub.created, stub.hydrated, stub.abandoned]
 *                 x-ms-summary: Event
 *             table:
 *               type: string
 *               description: Only stubs of this table; every allowed table when empty.
 *               x-ms-summary: Table
 *               x-ms-visibility: advanced
 *               x-ms-dynamic-values:
 *                 operationId: ListTables
 *                 value-collection: value
 *                 value-path: logicalName
 *                 value-title: title
 *                 parameters:
 *                   instance:
 *                     parameter: instance
 *     responses:
 *       201:
 *         description: Subscribed; Location is the URL that deletes the subscription.
 *         headers:
 *           Location:
 *             type: string
 *             description: The subscription's URL, for DELETE.
 *         schema:
 *           $ref: '#/definitions/WebhookSubscription'
 *       400:
 *         description: The request is not valid or the table is not allowed; the message names the field.
 *         schema:
 *           $ref: '#/definitions/ErrorResponse'
 *       401:
 *         $ref: '#/responses/Unauthorized'
 *       404:
 *         $ref: '#/responses/InstanceNotFound'
 *       409:
 *         description: SubscriptionLimitReached, the API key already holds the most subscriptions one key may hold (webhooks.maxSubscriptionsPerKey, default 20); turn off a flow that uses the trigger, or delete a subscription listed by GET /v1/subscriptions.
 *         schema:
 *           $ref: '#/definitions/ErrorResponse'
 *
 * /v1/subscriptions:
 *   get:
 *     operationId: ListStubSubscriptions
 *     summary: List stub subscriptions
 *     description: Lists the subscriptions to stub state changes made with this API key (every key's for an admin key), oldest first.
 *     x-ms-visibility: internal
 *     responses:
 *       200:
 *         description: The subscriptions.
 *         schema:
 *           $ref: '#/definitions/WebhookSubscriptionList'
 *       401:
 *         $ref: '#/responses/Unauthorized'
 *
 * /v1/subscriptions/{id}:
 *   get:
 *     operationId: GetStubSubscription
 *     summary: Get stub subscription
 *     description: Gets a subscription to stub state changes made with this API key (any, for an admin key); never its secret.
 *     x-ms-visibility: internal
 *     parameters:
 *       - $ref: '#/parameters/SubscriptionId'
 *     responses:
 *       200:
 *         description: The subscription.
 *         schema:
 *           $ref: '#/definitions/WebhookSubscriptionInfo'
 *       400:
 *         $ref: '#/responses/SubscriptionIdNotValid'
 *       401:
 *         $ref: '#/responses/Unauthorized'
 *       404:
 *         description: No such subscription of this API key.
 *         schema:
 *           $ref: '#/definitions/ErrorResponse'
 *   delete:
 *     operationId: DeleteStubSubscription
 *     summary: Delete stub subscription
 *     description: Deletes a subscription to stub state changes made with this API key (any, for an admin key); the platform calls it when the flow is turned off or deleted.
 *     x-ms-visibility: internal
 *     parameters:
 *       - $ref: '#/parameters/SubscriptionId'
 *     responses:
 *       204:
 *         description: The subscription was deleted.
 *       400:
 *         $ref: '#/responses/SubscriptionIdNotValid'
 *       401:
 *         $ref: '#/responses/Unauthorized'
 *       404:
 *         description: No such subscription of this API key (already deleted, unsubscribed after its callback answered 410 Gone, or made with another key).
 *         schema:
 *           $ref: '#/definitions/ErrorResponse'
 *
 * definitions:
 *   WebhookSubscription:
 *     type: object
 *     required: [id, instance, events, secret, createdOn]
 *     properties:
 *       id:
 *         type: string
 *         format: uuid
 *         description: The subscription's ID.
 *         x-ms-summary: Subscription ID
 *       instance:
 *         type: string
 *         description: The instance watched.
 *         x-ms-summary: Instance
 *       events:
 *         type: array
 *         description: The state changes delivered.
 *         x-ms-summary: Events
 *         items:
 *           type: string
 *           x-ms-summary: Event
 *       table:
 *         type: string
 *         description: The only table watched, when one was given.
 *         x-ms-summary: Table
 *       secret:
 *         type: string
 *         description: The key of the X-Dve-Signature HMAC on every delivery; shown only in this answer.
 *         x-ms-summary: Signing Secret
 *       createdOn:
 *         type: string
 *         format: date-time
 *         description: When the subscription was created.
 *         x-ms-summary: Created On
 *   WebhookSubscriptionList:
 *     type: object
 *     required: [value]
 *     properties:
 *       value:
 *         type: array
 *         description: The subscriptions, oldest first.
 *         x-ms-summary: Subscriptions
 *         items:
 *           $ref: '#/definitions/WebhookSubscriptionInfo'
 *   WebhookSubscriptionInfo:
 *     type: object
 *     required: [id, instance, events, callbackOrigin, createdOn]
 *     properties:
 *       id:
 *         type: string
 *         format: uuid
 *         description: The subscription's ID.
 *         x-ms-summary: Subscription ID
 *       instance:
 *         type: string
 *         description: The instance watched.
 *         x-ms-summary: Instance
 *       events:
 *         type: array
 *         description: The state changes delivered.
 *         x-ms-summary: Events
 *         items:
 *           type: string
 *           x-ms-summary: Event
 *       table:
 *         type: string
 *         description: The only table watched, when one was given.
 *         x-ms-summary: Table
 *       callbackOrigin:
 *         type: string
 *         description: Scheme, host and port of the callback URL (its path and query may hold the receiver's secret).
 *         x-ms-summary: Callback Origin
 *       apiKeyName:
 *         type: string
 *         description: The name of the API key that made it; absent on subscriptions made before owners were recorded.
 *         x-ms-summary: API Key Name
 *       createdOn:
 *         type: string
 *         format: date-time
 *         description: When the subscription was created.
 *         x-ms-summary: Created On
 */
export function subscriptionsRouter(webhooks: Webhooks, publicUrl?: string): Router {
  const router = Router();
  const SubscriptionBodySchema = z.strictObject({
    callbackUrl: z
      .string()
      .max(MAX_CALLBACK_URL_LENGTH, { message: `must be at most ${MAX_CALLBACK_URL_LENGTH} characters` })
      .superRefine((url, context) => {
        const problem = callbackUrlProblem(url, webhooks.policy);
        if (problem) context.addIssue({ code: 'custom', message: problem });
      }),
    events: z.array(z.enum(STUB_EVENT_TYPES, { message: `must be one of ${STUB_EVENT_TYPES.join(', ')}` })).max(STUB_EVENT_TYPES.length * 4).optional(),
    table: TableNameSchema.optional(),
  });
  const SubscriptionParamsSchema = z.strictObject({
    id: z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, { message: 'must be a GUID' }),
  });

  router.post('/v1/instances/:instance/subscriptions', async (request, response) => {
    const { instance } = parseRequestPart(InstanceParamsSchema, request.params, 'params');
    parseRequestPart(NoQuerySchema, request.query, 'query');
    const body = parseRequestPart(SubscriptionBodySchema, request.body, 'body');
    const configured = webhooks.instances.find((candidate) => candidate.name === instance);
    if (!configured) {
      throw ApiErrors.unknownInstance(instance, webhooks.instances.map((i) => i.name)).locate(() => 'params');
    }
    if (body.table !== undefined && !configured.tables.includes(body.table)) {
      throw ApiErrors.tableNotAllowed('table', body.table, instance, configured.tables).locate(() => 'body');
    }
    const events = body.events && body.events.length > 0 ? [...new Set(body.events)] : [...STUB_EVENT_TYPES];
    const viewer = viewerOf(response);
    let subscription;
    try {
      subscription = await webhooks.subscribe({
        instance,
        events,
        callbackUrl: body.callbackUrl,
        apiKey: viewer.apiKey,
        createdBy: callContext(request, response).origin,
        ...(body.table !== undefined ? { table: body.table } : {}),
      });
    } catch (error) {
      if (!(error instanceof SubscriptionLimitError)) throw error;
      throw ApiErrors.subscriptionLimitReached(viewer.apiKey, error.limit);
    }
    response
      .status(201)
      .location(subscriptionUrl(request, publicUrl, subscription.id))
      .json({
        id: subscription.id,
        instance: subscription.instance,
        events: subscription.events,
        ...(subscription.table !== undefined ? { table: subscription.table } : {}),
        secret: subscription.secret,
        createdOn: subscription.createdOn,
      });
  });

  router.get('/v1/subscriptions', async (request, response) => {
    parseRequestPart(NoQuerySchema, request.query, 'query');
    const subscriptions = await webhooks.list(viewerOf(response));
    response.json({ value: subscriptions.map(describeSubscription) });
  });

  router.get('/v1/subscriptions/:id', async (request, response) => {
    const { id } = parseRequestPart(SubscriptionParamsSchema, request.params, 'params');
    parseRequestPart(NoQuerySchema, request.query, 'query');
    const subscription = await webhooks.get(id.toLowerCase(), viewerOf(response));
    if (!subscription) throw noSuchSubscription(id);
    response.json(describeSubscription(subscription));
  });

  router.delete('/v1/subscriptions/:id', async (request, response) => {
    const { id } = parseRequestPart(SubscriptionParamsSchema, request.params, 'params');
    parseRequestPart(NoQuerySchema, request.query, 'query');
    if (!(await webhooks.unsubscribe(id.toLowerCase(), viewerOf(response)))) throw noSuchSubscription(id);
    response.status(204).end();
  });

  return router;
}

/** The caller as the key check recorded it; no name (the router mounted without the key check) is refused. */
function viewerOf(response: Response): SubscriptionViewer {
  const { apiKeyName, apiKeyRole } = locals(response);
  if (apiKeyName === undefined) throw ApiErrors.subscriptionsNeedApiKey();
  return { apiKey: apiKeyName, admin: apiKeyRole === 'admin' };
}

/** Unknown, deleted and another key's subscriptions get the same answer: ids of others are not disclosed. */
function noSuchSubscription(id: string): ApiError {
  return ApiErrors.noSubscription(id.toLowerCase());
}

/** What list and get show: never the secret, and of the callback URL only its origin. */
function describeSubscription(subscription: Subscription): Record<string, unknown> {
  return {
    id: subscription.id,
    instance: subscription.instance,
    events: subscription.events,
    ...(subscription.table !== undefined ? { table: subscription.table } : {}),
    callbackOrigin: originOf(subscription.callbackUrl),
    ...(subscription.apiKey !== undefined ? { apiKeyName: subscription.apiKey } : {}),
    createdOn: subscription.createdOn,
  };
}

/** The subscription's absolute URL: the configured public URL (behind a proxy), else see locationBase.ts. */
export function subscriptionUrl(request: Request, publicUrl: string | undefined, id: string): string {
  return `${locationBaseUrl(request, publicUrl)}/v1/subscriptions/${id}`;
}
