/**
 * Every Prometheus metric of the service, in a registry of its own (never prom-client's global one:
 * tests create several, and two services in one process must not share counters). See README.md for
 * each metric an operator sees.
 *
 * ```ts
 * const metrics = createMetrics();
 * const hooks = metrics.instrumentDataverseHooks('b', resilience.hooks);   // each HTTP attempt
 * metrics.observeResilience('b', resilience.on, resilience.breaker);       // circuit, retries
 * metrics.observeStubEvents(bus);                                       // stubs created, hydrated
 * createApp({ service: core, metrics, … });                              // /metrics, HTTP
 * ```
 */
import { Router, type RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DataverseClientHooks } from '../dataverse/DataverseHttpTransport';
import type { IdentitySnapshot } from '../dataverse/identities/IdentityState';
import type { ParallelismHint } from '../resilience/RecommendedParallelism';
import {
  type BreakerStateSource,
  CIRCUIT_STATE_VALUES,
  followResilience,
  instrumentHooks,
  type ResilienceSubscribe,
} from './dataverseMetrics';
import { httpMetricsMiddleware } from './httpMetrics';
import { QueueGauges, type QueueCollector } from './queueMetrics';
import { stubMetricsListener, type StubEventSource, type StubRecorder } from './stubMetrics';

export const METRICS_PREFIX = 'dve_';
export const METRICS_PATH = '/metrics';

/** API request durations: 5 ms … 30 s (a submit waits for Dataverse, its retries included). */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** One Dataverse attempt: 5 ms … 30 s (the default timeout per attempt). */
export const DATAVERSE_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Callers sharing one coalesced `$batch`: 2 … 1000. */
export const COALESCED_MEMBERS_BUCKETS = [2, 4, 8, 16, 32, 64, 128, 256, 512, 1000];
/** Stub created → hydrated: 1 s … 7 days. */
export const TIME_TO_HYDRATE_BUCKETS = [1, 5, 15, 30, 60, 300, 900, 1_800, 3_600, 7_200, 21_600, 43_200, 86_400, 172_800, 345_600, 604_800];

export type OperationOutcome = 'succeeded' | 'failed';

/** What the identity gauges read: an instance's client (`WebApiClient.identityStates`). */
export interface IdentityStateSource {
  identityStates(): readonly IdentitySnapshot[];
}

export interface CreateMetricsOptions {
  /** Node/process metrics (`dve_process_*`, `dve_nodejs_*`); default true. */
  defaultMetrics?: boolean;
  /** Longest wait for the queue collector in one scrape (default 5 000 ms). */
  queueCollectTimeoutMs?: number;
}

export function createMetrics(options: CreateMetricsOptions = {}): ServiceMetrics {
  return new ServiceMetrics(options);
}

export class ServiceMetrics implements StubRecorder {
  /** This service's registry; `registry.metrics()` is the exposition text. */
  readonly registry = new Registry();

  private readonly p = METRICS_PREFIX;
  private readonly registers = [this.registry];

  private readonly httpRequests = new Counter({
    name: `${this.p}http_requests_total`,
    help: 'API requests answered, by method, matched route pattern (or "unmatched") and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: this.registers,
  });
  private readonly httpDuration = new Histogram({
    name: `${this.p}http_request_duration_seconds`,
    help: 'Time from receiving an API request to the end of its answer, by method and matched route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: HTTP_DURATION_BUCKETS,
    registers: this.registers,
  });

  private readonly dataverseRequests = new Counter({
    name: `${this.p}dataverse_requests_total`,
    help: 'HTTP attempts sent to a Dataverse instance (each retry counts), by method and outcome: status class (2xx, 3xx, 4xx, 5xx) or "error" when no answer came.',
    labelNames: ['instance', 'method', 'outcome'] as const,
    registers: this.registers,
  });
  private readonly dataverseDuration = new Histogram({
    name: `${this.p}dataverse_request_duration_seconds`,
    help: 'Duration of one HTTP attempt to a Dataverse instance (token, request and answer body).',
    labelNames: ['instance'] as const,
    buckets: DATAVERSE_DURATION_BUCKETS,
    registers: this.registers,
  });

  private readonly coalescedMembers = new Histogram({
    name: `${this.p}dataverse_coalesced_batch_members`,
    help: 'Callers (writes) that shared one $batch sent by the write coalescer.',
    labelNames: ['instance'] as const,
    buckets: COALESCED_MEMBERS_BUCKETS,
    registers: this.registers,
  });

  private readonly breakers = new Map<string, BreakerStateSource>();
  private readonly parallelismHints = new Map<string, ParallelismHint>();
  private readonly dopHint = new Gauge({
    name: `${this.p}dataverse_dop_hint`,
    help: 'The degree of parallelism a Dataverse instance recommends (its latest x-ms-dop-hint); the queue, and the reconciler, each send it at most that many requests at once. Absent until the instance sent one.',
    labelNames: ['instance'] as const,
    registers: this.registers,
    collect: () => {
      for (const [instance, hint] of this.parallelismHints) if (hint.value !== undefined) this.dopHint.set({ instance }, hint.value);
    },
  });
  private readonly identitySources = new Map<string, IdentityStateSource>();
  private readonly identityUnderWay = this.identityGauge('requests_under_way', 'Requests under way as one application user (identity) of a Dataverse instance.');
  private readonly identityRemaining = this.identityGauge(
    'burst_remaining',
    "Requests left in the identity's service-protection window, from the instance's latest x-ms-ratelimit-burst-remaining-xrm-requests; absent until the instance sent one.",
  );
  private readonly identityResting = this.identityGauge('resting_seconds', 'Seconds until the identity may send again after a 429 (its Retry-After); 0 when it is not resting.');
  private readonly identityPaced = this.identityGauge('paced', 'Whether the identity sends one request at a time because little of its budget is left (1) or not (0).');
  private readonly circuitState = new Gauge({
    name: `${this.p}circuit_state`,
    help: 'Circuit breaker of a Dataverse instance: 0 closed, 1 half-open (the next request is a probe), 2 open (requests fail fast), 3 isolated (held open by hand).',
    labelNames: ['instance'] as const,
    registers: this.registers,
    // With the breaker given to observeResilience, read it now: its open time may be over (half-open)
    // before the next request moves cockatiel's state machine and emits the change.
    collect: () => {
      for (const [instance, breaker] of this.breakers) this.circuitState.set({ instance }, CIRCUIT_STATE_VALUES[breaker.state()]);
    },
  });
  private readonly retries = new Counter({
    name: `${this.p}dataverse_retries_total`,
    help: 'Retries of Dataverse requests by the resilience policy (attempts after the first).',
    labelNames: ['instance'] as const,
    registers: this.registers,
  });
  private readonly circuitOpened = new Counter({
    name: `${this.p}circuit_opened_total`,
    help: 'Times the circuit breaker of a Dataverse instance opened (after failures, or at once on Retry-After).',
    labelNames: ['instance'] as const,
    registers: this.registers,
  });
  private readonly circuitRejected = new Counter({
    name: `${this.p}circuit_rejected_total`,
    help: 'Dataverse requests refused by an open or isolated circuit without being sent.',
    labelNames: ['instance'] as const,
    registers: this.registers,
  });

  private readonly stubsCreated = new Counter({
    name: `${this.p}stubs_created_total`,
    help: 'Stubs created (by ensure and submit), by instance and table.',
    labelNames: ['instance', 'table'] as const,
    registers: this.registers,
  });
  private readonly stubsHydrated = new Counter({
    name: `${this.p}stubs_hydrated_total`,
    help: 'Stubs hydrated (their tracking row went from Pending to Hydrated), by instance and table.',
    labelNames: ['instance', 'table'] as const,
    registers: this.registers,
  });
  private readonly timeToHydrate = new Histogram({
    name: `${this.p}time_to_hydrate_seconds`,
    help: 'Time from a stub being created to its hydration, by instance and table (buckets 1 s to 7 days).',
    labelNames: ['instance', 'table'] as const,
    buckets: TIME_TO_HYDRATE_BUCKETS,
    registers: this.registers,
  });

  private readonly operationsAccepted = new Counter({
    name: `${this.p}operations_accepted_total`,
    help: 'Writes accepted into the durable queue and answered 202, by instance and action.',
    labelNames: ['instance', 'action'] as const,
    registers: this.registers,
  });
  private readonly operationsFinished = new Counter({
    name: `${this.p}operations_finished_total`,
    help: 'Queued operations that reached a final outcome (succeeded, or failed for good), by instance and action.',
    labelNames: ['instance', 'action', 'outcome'] as const,
    registers: this.registers,
  });
  private readonly queue: QueueGauges;

  constructor(options: CreateMetricsOptions = {}) {
    this.queue = new QueueGauges(this.registry, this.p, options.queueCollectTimeoutMs);
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: this.p });
  }

  /**
   * Express middleware counting and timing every API request by matched route pattern. Mount it
   * first (`createApp` does when given `metrics`).
   */
  readonly httpMiddleware: RequestHandler = httpMetricsMiddleware({ requests: this.httpRequests, duration: this.httpDuration });

  /**
   * The hooks to give the instance's `WebApiClient`: the given ones (the resilience policy's) plus a
   * measure of every HTTP attempt, retries included.
   */
  instrumentDataverseHooks(instance: string, hooks: DataverseClientHooks = {}): DataverseClientHooks {
    return instrumentHooks({ requests: this.dataverseRequests, duration: this.dataverseDuration }, instance, hooks);
  }

  /** A gauge per instance and identity, read from the identities at every scrape (each may be asked for alone). */
  private identityGauge(name: string, help: string): Gauge<'instance' | 'identity'> {
    return new Gauge({
      name: `${this.p}dataverse_identity_${name}`,
      help,
      labelNames: ['instance', 'identity'] as const,
      registers: this.registers,
      collect: () => this.collectIdentities(),
    });
  }

  /** Shows the application users (identities) of `instance` at every scrape (`WebApiClient.identityStates`). */
  observeIdentities(instance: string, source: IdentityStateSource): void {
    this.identitySources.set(instance, source);
  }

  /** One read of every instance's identities sets all four identity gauges (each gauge's collect reads them: a scrape may ask for one alone). */
  private collectIdentities(): void {
    for (const [instance, source] of this.identitySources) {
      for (const identity of source.identityStates()) {
        const labels = { instance, identity: identity.name };
        this.identityUnderWay.set(labels, identity.underWay);
        if (identity.burstRemaining !== undefined) this.identityRemaining.set(labels, identity.burstRemaining);
        this.identityResting.set(labels, identity.restingForMs / 1000);
        this.identityPaced.set(labels, identity.paced ? 1 : 0);
      }
    }
  }

  /** A `$batch` the write coalescer sent for `members` callers (`CoalescingOptions.onMergedBatch`). */
  recordCoalescedBatch(instance: string, members: number): void {
    this.coalescedMembers.observe({ instance }, members);
  }

  /**
   * Follows the resilience policy of one instance (`resilience.on`): circuit state, retries, openings,
   * refusals. Give `resilience.breaker` too so the gauge shows `half-open` as soon as the open time is
   * over (otherwise it changes on the next request). Call once per instance; returns the unsubscribe.
   */
  observeResilience(instance: string, on: ResilienceSubscribe, breaker?: BreakerStateSource): () => void {
    if (breaker) this.breakers.set(instance, breaker);
    return followResilience(
      { circuitState: this.circuitState, retries: this.retries, circuitOpened: this.circuitOpened, circuitRejected: this.circuitRejected },
      instance,
      on,
      () => {
        if (this.breakers.get(instance) === breaker) this.breakers.delete(instance);
      },
    );
  }

  /** Reports an instance's recommended degree of parallelism (`ResilientHooks.parallelism`) at each scrape. */
  observeParallelism(instance: string, hint: ParallelismHint): void {
    this.parallelismHints.set(instance, hint);
  }

  /** Counts the stubs created and hydrated from the stub events `source` carries; returns the unsubscribe. */
  observeStubEvents(source: StubEventSource): () => void {
    return source.subscribe(stubMetricsListener(this));
  }

  /** Stubs created in `instance` (from `stub.created` events). */
  recordStubsCreated(instance: string, table: string, count = 1): void {
    if (count > 0) this.stubsCreated.inc({ instance, table }, count);
  }

  /** A stub hydrated, and its time to hydrate when known (from `stub.hydrated` events). */
  recordHydration(instance: string, table: string, seconds?: number): void {
    this.stubsHydrated.inc({ instance, table });
    if (seconds !== undefined && Number.isFinite(seconds) && seconds >= 0) this.timeToHydrate.observe({ instance, table }, seconds);
  }

  /** A write accepted into the durable queue (answered 202). */
  recordOperationAccepted(instance: string, action: string): void {
    this.operationsAccepted.inc({ instance, action });
  }

  /** A queued operation that reached its final outcome. */
  recordOperationFinished(instance: string, action: string, outcome: OperationOutcome): void {
    this.operationsFinished.inc({ instance, action, outcome });
  }

  /**
   * The queue's gauges (`dve_operations{state}`, oldest pending age, dead letters) are read from this
   * callback at every scrape. A collector that throws or hangs does not fail the scrape: the gauges
   * keep their last values. `undefined` removes it (the gauges then keep their last values).
   */
  setQueueCollector(collector: QueueCollector | undefined): void {
    this.queue.setCollector(collector);
  }

  /** `GET /metrics` handler: the exposition text with the registry's content type. */
  readonly metricsHandler: RequestHandler = async (_request, response, next) => {
    try {
      const text = await this.registry.metrics();
      response.set('Content-Type', this.registry.contentType);
      response.set('Cache-Control', 'no-store');
      response.send(text);
    } catch (error) {
      next(error);
    }
  };

  /** A router serving `GET /metrics` (no authentication of its own). */
  metricsRouter(): Router {
    const router = Router();
    router.get(METRICS_PATH, this.metricsHandler);
    return router;
  }
}
