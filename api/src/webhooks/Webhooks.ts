/**
 * Webhook subscriptions and their deliveries. Each stub event that matches a subscription (instance,
 * event type, optional table) becomes one job in the pg-boss queue `dve-webhook-delivery` — durable,
 * retried with exponential backoff by pg-boss, shared by replicas (whichever fetches a job delivers
 * it). A delivery is a signed JSON POST (WebhookSignature.ts); 2xx is done, 410 Gone deletes the
 * subscription, anything else (other statuses, timeouts, refused connections, redirects) is retried
 * until `retryLimit`. A job's id is derived from the subscription and the event, so an event handed
 * over twice is still delivered once per subscription.
 */
import { createHash } from 'node:crypto';
import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import { Agent, fetch as undiciFetch } from 'undici';
import type { StubEvent, StubEventListener } from '../events/StubEvents';
import { callbackUrlProblem, guardedConnector, type CallbackPolicy, type LookupFunction } from './CallbackUrl';
import { SubscriptionStore, type NewSubscription, type SubscriptionViewer, type SubscriptionWithSecret } from './SubscriptionStore';
import { SIGNATURE_HEADER, signWebhook } from './WebhookSignature';
import { webhookSettings, type WebhookSettings } from './WebhookSettings';
import { ensureQueue } from '../database/createQueue';

export const WEBHOOK_QUEUE = 'dve-webhook-delivery';
export const USER_AGENT = 'dataverse-ensure-webhooks/1';

/** The pg-boss the service runs (a `QueueBoss` from createQueue fits). */
export type WebhookBoss = Pick<PgBoss, 'createQueue' | 'getQueue' | 'insert' | 'work' | 'offWork' | 'notifyWorker' | 'fail' | 'getDb'>;

/** What subscriptions are checked against: the configured instances and their allowed tables. */
export interface WebhookInstance {
  name: string;
  tables: readonly string[];
}

export interface StartWebhooksOptions {
  boss: WebhookBoss;
  instances: readonly WebhookInstance[];
  /** The stub event bus (`StubEventBus`): every event it carries is published. */
  events?: { subscribe(listener: StubEventListener): () => void };
  settings?: Partial<WebhookSettings>;
  logger: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  /** Run delivery workers in this process (default true); false only enqueues. */
  deliver?: boolean;
  /** Resolver of callback host names (default: the system's `dns.lookup`); tests point names at loopback. */
  lookup?: LookupFunction;
}

/** A key holds as many subscriptions as `webhooks.maxSubscriptionsPerKey` allows. */
export class SubscriptionLimitError extends Error {
  constructor(
    readonly apiKey: string,
    readonly limit: number,
  ) {
    super(`API key '${apiKey}' already holds ${limit} subscriptions, the most one key may hold`);
    this.name = 'SubscriptionLimitError';
  }
}

export interface DeliveryJob {
  subscriptionId: string;
  event: StubEvent;
}

export class Webhooks {
  readonly store: SubscriptionStore;
  readonly settings: WebhookSettings;
  readonly policy: CallbackPolicy;
  private readonly cache = new Map<string, { until: number; subscriptions: Promise<SubscriptionWithSecret[]> }>();
  private readonly agent: Agent;
  private readonly inFlight = new Set<Promise<unknown>>();
  private workerId: string | undefined;
  private unsubscribeBus: (() => void) | undefined;
  private stopped = false;

  private constructor(private readonly options: StartWebhooksOptions) {
    this.settings = webhookSettings(options.settings);
    this.policy = { allowPrivateNetworks: this.settings.allowPrivateNetworks };
    this.store = new SubscriptionStore(options.boss.getDb());
    // Every connection of every delivery goes through the address policy (CallbackUrl.ts, guardedConnector).
    const timeout = this.settings.timeoutSeconds * 1000;
    this.agent = new Agent({ connect: guardedConnector(this.policy, { timeout, ...(options.lookup ? { lookup: options.lookup } : {}) }), headersTimeout: timeout, bodyTimeout: timeout });
  }

  /** Creates the table and the queue, starts the delivery worker and listens to the bus. */
  static async start(options: StartWebhooksOptions): Promise<Webhooks> {
    const webhooks = new Webhooks(options);
    await webhooks.store.prepare();
    await ensureQueue(options.boss, WEBHOOK_QUEUE, {
      retryLimit: webhooks.settings.retryLimit,
      retryDelay: webhooks.settings.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: webhooks.expireInSeconds(),
    });
    if (options.deliver !== false) {
      webhooks.workerId = await options.boss.work<DeliveryJob>(
        WEBHOOK_QUEUE,
        { batchSize: webhooks.settings.batchSize, pollingIntervalSeconds: 0.5, includeMetadata: true },
        (jobs) => webhooks.track(Promise.all(jobs.map((job) => webhooks.deliverJob(job)))),
      );
    }
    if (options.events) webhooks.unsubscribeBus = options.events.subscribe(async (event) => {
        await webhooks.publish(event);
      });
    return webhooks;
  }

  get instances(): readonly WebhookInstance[] {
    return this.options.instances;
  }

  /**
   * Creates a subscription owned by `input.apiKey`; throws `SubscriptionLimitError` when that key
   * already holds `maxSubscriptionsPerKey` (one event is one POST per matching subscription).
   */
  async subscribe(input: NewSubscription): Promise<SubscriptionWithSecret> {
    const problem = callbackUrlProblem(input.callbackUrl, this.policy);
    if (problem) throw new Error(`callbackUrl ${problem}`);
    const limit = this.settings.maxSubscriptionsPerKey;
    const subscription = await this.store.create(input, limit);
    if (!subscription) throw new SubscriptionLimitError(input.apiKey ?? '', limit);
    this.cache.delete(input.instance);
    this.options.logger.info({ subscription: subscription.id, instance: subscription.instance, events: subscription.events, table: subscription.table, apiKeyName: subscription.apiKey, callback: originOf(subscription.callbackUrl) }, 'webhooks: subscribed');
    return subscription;
  }

  /** The subscriptions the viewer may see (its own; an admin every one). */
  list(viewer: SubscriptionViewer): Promise<SubscriptionWithSecret[]> {
    return this.store.visibleTo(viewer);
  }

  /** One subscription, when the viewer may see it. */
  get(id: string, viewer: SubscriptionViewer): Promise<SubscriptionWithSecret | undefined> {
    return this.store.getVisible(id, viewer);
  }

  /** Deletes a subscription the viewer may see; false when there is none (or it is another key's). */
  async unsubscribe(id: string, viewer: SubscriptionViewer): Promise<boolean> {
    const existing = await this.store.getVisible(id, viewer);
    if (!existing) return false;
    const deleted = await this.store.deleteVisible(id, viewer);
    this.cache.delete(existing.instance);
    if (deleted) this.options.logger.info({ subscription: id, apiKeyName: viewer.apiKey, owner: existing.apiKey }, 'webhooks: unsubscribed');
    return deleted;
  }

  /** Queues one delivery per matching subscription; answers how many. */
  async publish(event: StubEvent): Promise<number> {
    if (this.stopped) return 0;
    const matching = (await this.subscriptionsOf(event.instance)).filter((s) => s.events.includes(event.type) && (s.table === undefined || s.table === event.table));
    if (matching.length === 0) return 0;
    await this.options.boss.insert(
      matching.map((subscription) => ({
        id: deliveryId(subscription.id, event.id),
        name: WEBHOOK_QUEUE,
        data: { subscriptionId: subscription.id, event } satisfies DeliveryJob,
        retryLimit: this.settings.retryLimit,
        retryDelay: this.settings.retryDelaySeconds,
        retryBackoff: true,
        expireInSeconds: this.expireInSeconds(),
      })),
    );
    if (this.workerId) this.options.boss.notifyWorker(this.workerId);
    return matching.length;
  }

  /** Stops listening and fetching, and waits (up to the delivery timeout) for deliveries in flight. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribeBus?.();
    if (this.workerId) await this.options.boss.offWork({ id: this.workerId });
    const deadline = new Promise((resolve) => setTimeout(resolve, this.settings.timeoutSeconds * 1000 + 1000).unref());
    await Promise.race([Promise.allSettled([...this.inFlight]), deadline]);
    await this.agent.close().catch(() => undefined);
  }

  private expireInSeconds(): number {
    return this.settings.timeoutSeconds * 2 + 30;
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work)).catch(() => undefined);
    return work;
  }

  private subscriptionsOf(instance: string): Promise<SubscriptionWithSecret[]> {
    const cached = this.cache.get(instance);
    if (cached && cached.until > Date.now()) return cached.subscriptions;
    const subscriptions = this.store.forInstance(instance);
    this.cache.set(instance, { until: Date.now() + this.settings.cacheSeconds * 1000, subscriptions });
    subscriptions.catch(() => this.cache.delete(instance));
    return subscriptions;
  }

  /** One job: deliver, or mark it failed (pg-boss retries it later); never throws. */
  private async deliverJob(job: PgBoss.JobWithMetadata<DeliveryJob>): Promise<void> {
    const { subscriptionId, event } = job.data;
    const log = { subscription: subscriptionId, event: event.id, type: event.type, attempt: job.retryCount + 1 };
    try {
      const subscription = await this.store.get(subscriptionId);
      if (!subscription) {
        this.options.logger.debug(log, 'webhooks: subscription gone, delivery dropped');
        return;
      }
      const outcome = await this.post(subscription, event, job.id, job.retryCount + 1);
      if (outcome === 'gone') {
        await this.store.delete(subscriptionId);
        this.cache.delete(subscription.instance);
        this.options.logger.info({ ...log, callback: originOf(subscription.callbackUrl) }, 'webhooks: the receiver answered 410 Gone, subscription deleted');
      }
    } catch (error) {
      const message = (error as Error).message;
      const final = job.retryCount >= job.retryLimit;
      this.options.logger.warn({ ...log, reason: message }, final ? 'webhooks: delivery failed for good' : 'webhooks: delivery failed, retried later');
      await this.options.boss.fail(WEBHOOK_QUEUE, job.id, { message }).catch((failure: unknown) => this.options.logger.error({ ...log, err: failure }, 'webhooks: could not record a failed delivery'));
    }
  }

  /** POSTs the signed event; resolves `delivered` (2xx) or `gone` (410), throws otherwise (the message never holds the URL's query). */
  private async post(subscription: SubscriptionWithSecret, event: StubEvent, deliveryIdValue: string, attempt: number): Promise<'delivered' | 'gone'> {
    // Refused before anything else (a subscription made under a laxer setting); the connection checks again.
    const problem = callbackUrlProblem(subscription.callbackUrl, this.policy);
    if (problem) throw new Error(`callback URL refused: ${problem}`);
    const body = JSON.stringify({ ...event, subscriptionId: subscription.id });
    let response;
    try {
      response = await undiciFetch(subscription.callbackUrl, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': USER_AGENT,
          'X-Dve-Event': event.type,
          'X-Dve-Event-Id': event.id,
          'X-Dve-Delivery-Id': deliveryIdValue,
          'X-Dve-Delivery-Attempt': String(attempt),
          'X-Dve-Subscription-Id': subscription.id,
          [SIGNATURE_HEADER]: signWebhook(subscription.secret, body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.settings.timeoutSeconds * 1000),
        dispatcher: this.agent,
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      if (cause?.code === 'ECALLBACKREFUSED') throw new Error(`callback refused: ${cause.message}`);
      throw new Error(`${originOf(subscription.callbackUrl)} could not be reached: ${cause?.code ?? cause?.message ?? (error as Error).name}`);
    }
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return 'delivered';
    if (response.status === 410) return 'gone';
    throw new Error(`${originOf(subscription.callbackUrl)} answered ${response.status}`);
  }
}

export function startWebhooks(options: StartWebhooksOptions): Promise<Webhooks> {
  return Webhooks.start(options);
}

/** The pg-boss job id of one event's delivery to one subscription (a UUID derived from both). */
export function deliveryId(subscriptionId: string, eventId: string): string {
  const hex = createHash('sha256').update(`${subscriptionId}:${eventId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** `https://host:port` of a callback: what logs show (its path and query may carry the receiver's secret). */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}
