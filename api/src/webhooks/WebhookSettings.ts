/** Settings of webhook deliveries (options of `startWebhooks`); README.md explains each. */
export interface WebhookSettings {
  /** Attempts after the first before a delivery is given up (pg-boss `retryLimit`). */
  retryLimit: number;
  /** Seconds before the first retry; doubles with each (pg-boss `retryBackoff`, with jitter). */
  retryDelaySeconds: number;
  /** Seconds a receiver has to answer one delivery. */
  timeoutSeconds: number;
  /** Deliveries fetched (and sent concurrently) at once by this process. */
  batchSize: number;
  /** Allow callbacks to loopback and private networks (CallbackUrl.ts: SSRF). */
  allowPrivateNetworks: boolean;
  /** Seconds the subscriptions of an instance are cached for matching events (a change made in this process applies at once). */
  cacheSeconds: number;
  /** Subscriptions one API key may hold (admins' too); past it, subscribing answers 409. */
  maxSubscriptionsPerKey: number;
}

export const WEBHOOK_DEFAULTS: WebhookSettings = {
  retryLimit: 12,
  retryDelaySeconds: 5,
  timeoutSeconds: 10,
  batchSize: 20,
  allowPrivateNetworks: true,
  cacheSeconds: 2,
  maxSubscriptionsPerKey: 20,
};

export function webhookSettings(input: Partial<WebhookSettings> = {}): WebhookSettings {
  return { ...WEBHOOK_DEFAULTS, ...Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) };
}
