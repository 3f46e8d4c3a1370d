/**
 * The worker of one instance: takes queued operations and runs them, at most `concurrency` at a time
 * (fewer when the instance recommends fewer with `x-ms-dop-hint`), only while the instance's circuit
 * lets requests through (one probe at a time when half-open).
 *
 * Where work comes from: pg-boss jobs in the instance's queue are wake-ups ("operation X may be due"),
 * sent when an operation is queued, when the operation before it in its lane finishes, and after a
 * transient failure (with `startAfter`). A wake-up is consumed at once; the operation itself is only
 * run if `OperationStore.claim` gives it to this process — due, head of its lane, not claimed by a live
 * process. Wake-ups lost to a crash are made up for by a sweep of stalled operations.
 */
import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { EnsureActions } from '../core/EnsureService';
import type { BreakerSnapshot } from '../resilience/InstanceBreaker';
import { withinHint, type ParallelismHint } from '../resilience/RecommendedParallelism';

/** What the queue reads of a circuit: whether to send now, and until when not. */
export type CircuitView = Pick<BreakerSnapshot, 'state' | 'openUntil'>;
import { attemptsExhausted, executeAction, withinAttempts, type ActionOutcome } from './ActionExecutor';
import type { OperationStore, OperationRecord } from './OperationStore';
import type { QueueSettings } from './QueueSettings';

export interface OperationObserver {
  accepted(instance: string, action: string): void;
  finished(instance: string, action: string, outcome: 'succeeded' | 'failed'): void;
}

export interface WakeUp {
  operationId: string;
}

export interface InstanceDrainOptions {
  instance: string;
  queueName: string;
  boss: PgBoss;
  store: OperationStore;
  service: EnsureActions;
  breaker?: { snapshot(): CircuitView };
  /** The instance's recommended degree of parallelism (`x-ms-dop-hint`), when it sends one. */
  parallelism?: ParallelismHint;
  settings: QueueSettings;
  owner: string;
  logger: Logger;
  observer?: OperationObserver;
  /** Sends the wake-up of another operation (the next one of a lane, or a retry later). */
  wake(instance: string, operationId: string, notBefore?: Date): void;
  /** Runs before sweeping a backlog (after start, or once the circuit lets requests through again). */
  beforeBacklog?(): Promise<void>;
}

/** How long a queued operation may sit untouched before the sweep wakes it (a lost wake-up). */
const STALLED_AFTER_SECONDS = 10;
const SWEEP_EVERY_MS = 5_000;

export class InstanceDrain {
  /** Every operation taken and not yet recorded as finished or released. */
  private readonly inFlight = new Map<string, Promise<void>>();
  /**
   * Those of them whose request to the instance is still under way: what the concurrency bounds (the
   * instance's concurrent requests). Recording the answer in the database does not hold a slot.
   */
  private readonly sending = new Set<string>();
  private stopping = false;
  private loop: Promise<void> | undefined;
  private nudge: (() => void) | undefined;
  /** A notify() that came while the loop was busy: the next pause returns at once. */
  private notified = false;
  private lastSweep = 0;
  /** Sweep for due work at once: set at start and whenever the circuit stops refusing requests. */
  private resume = true;
  private circuitWasOpen = false;

  constructor(private readonly options: InstanceDrainOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** New work may be due now: stop waiting. */
  notify(): void {
    this.notified = true;
    this.nudge?.();
  }

  /** Operations whose request to the instance is under way. */
  get active(): number {
    return this.sending.size;
  }

  /**
   * Stops taking work and waits up to `timeoutMs` for the operations in flight. Those still running
   * then are handed back (`queued`): a restarted or other process runs them again, and the writes are
   * idempotent (create with the operation's own GUID, conditional upserts), so none is applied twice.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    this.notify();
    await this.loop;
    const pending = [...this.inFlight.entries()];
    if (pending.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(pending.map(([, run]) => run)), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    for (const id of this.sending) {
      // Not the operation's failure: the attempt does not count toward queue.maxAttempts.
      await this.options.store.release(id, this.options.owner, new Date(), 'the process stopped while running it', { uncounted: true }).catch(() => false);
    }
    // Those already answered are only being recorded: let that finish.
    await Promise.allSettled([...this.inFlight].filter(([id]) => !this.sending.has(id)).map(([, run]) => run));
  }

  private async run(): Promise<void> {
    const { settings, logger } = this.options;
    while (!this.stopping) {
      try {
        const circuit = this.options.breaker?.snapshot();
        if (circuit && (circuit.state === 'open' || circuit.state === 'isolated')) {
          this.circuitWasOpen = true;
          const until = circuit.openUntil ? Date.parse(circuit.openUntil) - Date.now() : 1000;
          await this.pause(Math.min(Math.max(until, 50), 1000));
          continue;
        }
        if (this.circuitWasOpen) {
          this.circuitWasOpen = false;
          this.resume = true;
          await this.options.beforeBacklog?.();
        }
        const limit = circuit?.state === 'half-open' ? 1 : withinHint(settings.concurrency, this.options.parallelism);
        const free = limit - this.sending.size;
        // Refill in batches (half the slots) rather than one slot at a time: one claim for many.
        if (free <= 0 || (this.sending.size > 0 && free < Math.ceil(limit / 2))) {
          await this.pause(settings.pollIntervalSeconds * 1000);
          continue;
        }
        const claimed = await this.take(free);
        if (claimed.length === 0) {
          await this.pause(settings.pollIntervalSeconds * 1000);
          continue;
        }
        for (const operation of claimed) this.launch(operation);
      } catch (error) {
        if (this.stopping) break;
        logger.error({ err: error, instance: this.options.instance }, 'queue: could not take work; trying again');
        await this.pause(settings.pollIntervalSeconds * 1000);
      }
    }
  }

  /**
   * Wake-ups first. Without any: a sweep of the table for due lane heads — at once (and again while it
   * finds a full batch) after a start or when the circuit lets requests through again, since work
   * accepted while the circuit was open carries no wake-up; otherwise now and then, for operations
   * whose wake-up was lost (untouched for a while).
   */
  private async take(free: number): Promise<OperationRecord[]> {
    const { boss, queueName, store, owner, settings, instance } = this.options;
    if (!this.resume) {
      const jobs = await boss.fetch<WakeUp>(queueName, { batchSize: free });
      if (jobs.length > 0) {
        await boss.complete(queueName, jobs.map((job) => job.id));
        const ids = [...new Set(jobs.map((job) => job.data.operationId).filter((id) => !this.inFlight.has(id)))];
        const claimed = await store.claim(ids, owner, settings.leaseSeconds);
        if (claimed.length > 0) return claimed;
      }
      if (Date.now() - this.lastSweep < SWEEP_EVERY_MS) return [];
    }
    this.lastSweep = Date.now();
    const resuming = this.resume;
    // Never claim more than the free slots: a claimed operation left unlaunched would sit leased.
    const expired = resuming ? [] : await store.claimExpired(instance, owner, settings.leaseSeconds, free);
    const room = free - expired.length;
    const due = room > 0 ? await store.claimDue(instance, owner, settings.leaseSeconds, room, resuming ? 0 : STALLED_AFTER_SECONDS) : [];
    const claimed = [...expired, ...due];
    // Keep sweeping while it finds full batches: there is more accepted work without wake-ups.
    this.resume = resuming && claimed.length >= free;
    if (claimed.length > 0 && !resuming) this.options.logger.info({ instance, count: claimed.length }, 'queue: resumed operations whose wake-up was lost (a process stopped or crashed)');
    return claimed;
  }

  private launch(operation: OperationRecord): void {
    const run = this.execute(operation)
      .catch((error: unknown) => this.options.logger.error({ err: error, operationId: operation.id }, 'queue: operation failed unexpectedly'))
      .finally(() => {
        this.inFlight.delete(operation.id);
        this.sending.delete(operation.id);
        this.notify();
      });
    this.sending.add(operation.id);
    this.inFlight.set(operation.id, run);
  }

  private async execute(operation: OperationRecord): Promise<void> {
    const { service, store, owner, settings, observer, instance } = this.options;
    let outcome: ActionOutcome & { counted?: boolean };
    try {
      outcome =
        operation.attempts > settings.maxAttempts
          ? // Claimed again and again without an outcome (its process stopped or crashed while running it): not run again.
            attemptsExhausted(operation.attempts - 1, operation.lastError ?? 'none recorded: the process running it stopped each time')
          : withinAttempts(
              await executeAction(service, operation.request, settings.retryAfterSeconds, `op-${operation.id}`),
              operation.attempts,
              settings.maxAttempts,
              this.options.breaker?.snapshot().state,
            );
    } catch (error) {
      this.options.logger.error({ err: error, operationId: operation.id }, 'queue: unexpected error running an operation; it is dead-lettered');
      outcome = {
        kind: 'final' as const,
        succeeded: false,
        status: 500,
        body: { error: { code: 'InternalError', message: `An unexpected error occurred running operation ${operation.id}; see the service log.` } },
        error: (error as Error).message,
      };
    }
    // The instance has answered: the slot is free for the next operation while this one is recorded.
    this.sending.delete(operation.id);
    this.notify();
    if (outcome.kind === 'transient') {
      if (await store.release(operation.id, owner, outcome.retryAt, outcome.error, { uncounted: outcome.counted === false })) this.options.wake(instance, operation.id, outcome.retryAt);
      return;
    }
    const done = await store.finish(
      operation.id,
      owner,
      {
        state: outcome.succeeded ? 'succeeded' : 'failed',
        status: outcome.status,
        response: outcome.body,
        ...(outcome.error !== undefined ? { error: outcome.error } : {}),
      },
      // Drained operations were answered 202: their callers poll, none waits on this finish.
      { background: operation.accepted },
    );
    if (!done.finished) {
      this.options.logger.warn({ operationId: operation.id }, 'queue: lease lost before the operation finished (another process took it over)');
      return;
    }
    observer?.finished(instance, operation.action, outcome.succeeded ? 'succeeded' : 'failed');
    if (!outcome.succeeded) this.options.logger.warn({ operationId: operation.id, status: outcome.status, error: outcome.error }, 'queue: operation failed permanently (dead letter)');
    if (done.next) this.options.wake(instance, done.next);
  }

  private pause(ms: number): Promise<void> {
    if (this.stopping || this.notified) {
      this.notified = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        if (this.nudge === finish) this.nudge = undefined;
        this.notified = false;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.nudge = finish;
    });
  }
}
