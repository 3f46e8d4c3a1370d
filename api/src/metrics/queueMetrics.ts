/**
 * The durable queue's gauges, filled at scrape time from a collector the queue registers
 * (`ServiceMetrics.setQueueCollector`). The collector runs once per scrape, however many gauges read
 * it; when it throws or does not answer in time (`COLLECT_TIMEOUT_MS` by default), the scrape still succeeds with the
 * last values it gave (and `dve_operations_collect_failures_total` grows).
 */
import { Counter, Gauge, type Registry } from 'prom-client';

import { OPERATION_STATES, type OperationState } from '../queue/OperationRecord';

// The states are the queue's own (cancelled included), so the gauge cannot miss one the store counts.
export { OPERATION_STATES, type OperationState };

export interface QueueSnapshot {
  /** Operations per state, now. */
  readonly byState: Readonly<Record<OperationState, number>>;
  /** Age of the oldest operation not yet done (queued or running); null when none is pending. */
  readonly oldestPendingAgeSeconds: number | null;
  /** Operations in the dead-letter state (permanent failures awaiting a replay). */
  readonly deadLetters: number;
}

export type QueueCollector = () => Promise<QueueSnapshot>;

/** Longest wait for the collector in one scrape (default). */
export const COLLECT_TIMEOUT_MS = 5_000;

export class QueueGauges {
  private collector: QueueCollector | undefined;
  private registered = false;
  private inFlight: Promise<void> | undefined;
  private readonly operations: Gauge<'state'>;
  private readonly oldestPendingAge: Gauge;
  private readonly deadLetters: Gauge;
  private readonly collectFailures: Counter;

  constructor(
    private readonly registry: Registry,
    prefix: string,
    private readonly timeoutMs = COLLECT_TIMEOUT_MS,
  ) {
    // Created now, registered only when a queue registers its collector: no queue, no queue gauges.
    const refresh = () => this.refresh();
    this.operations = new Gauge({
      name: `${prefix}operations`,
      help: 'Operations in the durable queue by state (queued, running, failed, succeeded), read at scrape time.',
      labelNames: ['state'],
      registers: [],
      collect: refresh,
    });
    this.oldestPendingAge = new Gauge({
      name: `${prefix}operations_oldest_pending_age_seconds`,
      help: 'Age in seconds of the oldest operation not yet done (queued or running); 0 when none is pending.',
      registers: [],
      collect: refresh,
    });
    this.deadLetters = new Gauge({
      name: `${prefix}operations_dead_letters`,
      help: 'Operations in the dead-letter state (permanent failures awaiting a replay).',
      registers: [],
      collect: refresh,
    });
    this.collectFailures = new Counter({
      name: `${prefix}operations_collect_failures_total`,
      help: 'Scrapes where the queue collector threw or did not answer in time; the queue gauges then keep their last values.',
      registers: [],
      collect: refresh, // so that a scrape shows its own failure
    });
  }

  /** Sets (or with `undefined` removes) the collector; the queue gauges appear from the first one on. */
  setCollector(collector: QueueCollector | undefined): void {
    this.collector = collector;
    if (collector && !this.registered) {
      for (const metric of [this.operations, this.oldestPendingAge, this.deadLetters, this.collectFailures]) this.registry.registerMetric(metric);
      this.registered = true;
    }
  }

  /** Runs the collector once for all the gauges that read it during one scrape. */
  private refresh(): Promise<void> {
    this.inFlight ??= this.collectOnce().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async collectOnce(): Promise<void> {
    const collector = this.collector;
    if (!collector) return;
    let snapshot: QueueSnapshot;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error('queue collector timed out')), this.timeoutMs);
        timer.unref();
      });
      snapshot = await Promise.race([Promise.resolve().then(collector), timeout]);
      validate(snapshot);
    } catch {
      this.collectFailures.inc();
      return; // keep the last values
    } finally {
      clearTimeout(timer);
    }
    for (const state of OPERATION_STATES) this.operations.set({ state }, snapshot.byState[state]);
    this.oldestPendingAge.set(snapshot.oldestPendingAgeSeconds ?? 0);
    this.deadLetters.set(snapshot.deadLetters);
  }
}

function validate(snapshot: QueueSnapshot): void {
  const numbers = [...OPERATION_STATES.map((state) => snapshot?.byState?.[state]), snapshot?.deadLetters, snapshot?.oldestPendingAgeSeconds ?? 0];
  if (!numbers.every((value) => typeof value === 'number' && Number.isFinite(value))) throw new Error('the queue collector answered an incomplete snapshot');
}
