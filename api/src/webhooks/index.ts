/** Webhooks on stub state changes (README.md): subscriptions, signed durable deliveries. Their routes are in http/routes/subscriptions.ts. */
export { startWebhooks, Webhooks, SubscriptionLimitError, WEBHOOK_QUEUE, deliveryId, originOf, type DeliveryJob, type StartWebhooksOptions, type WebhookBoss, type WebhookInstance } from './Webhooks';
export { SubscriptionStore, type NewSubscription, type Subscription, type SubscriptionViewer, type SubscriptionWithSecret } from './SubscriptionStore';
export { signWebhook, verifyWebhookSignature, newWebhookSecret, SIGNATURE_HEADER, DEFAULT_TOLERANCE_SECONDS, type SignatureCheck } from './WebhookSignature';
export { callbackUrlProblem, addressProblem, guardedConnector, guardedLookup, type CallbackPolicy, type LookupFunction } from './CallbackUrl';
export { classifyAddress, type AddressClass, type AddressVerdict } from './AddressPolicy';
export { webhookSettings, WEBHOOK_DEFAULTS, type WebhookSettings } from './WebhookSettings';
export { StubEventBus, type StubEvent } from '../events';
