/**
 * The durable queue as the HTTP layer sees it. Every write action (ensure, submit, hydrate) becomes an
 * operation in `dve.operation` under its idempotency key; it runs at once when it can (answer 200 or
 * the final error), and is answered `202 Accepted` when it cannot: the client asked
 * (`Prefer: respond-async`), the instance's circuit is open, an earlier operation on the same record is
 * still pending, or the target failed transiently. Workers (one `InstanceDrain` per instance) deliver
 * the accepted ones later, in lane order, exactly once per idempotency key.
 */
import { randomUUID } from 'node:crypto';
import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import { ApiErrors } from '../core/ApiErrors';
import type { EnsureActions } from '../core/EnsureService';
import type { ParallelismHint } from '../resilience/RecommendedParallelism';
import { InstanceDrain, type CircuitView, type OperationObserver } from './InstanceDrain';
import { OperationRunner } from './OperationRunner';
import { idempotencyKey, laneOf, requestHash, type ActionInputs, type ActionName, type StoredRequest } from './OperationRequest';
import type { InsertResult } from './OperationInserts';
import type { OperationRecord, OperationScope } from './OperationRecord';
import { OperationStore, type ListQuery, type OperationCounts } from './OperationStore';
import { OPERATION_TABLE, PG_BOSS_CHURN_TABLES, vacuumEmbeddedDatabase } from './OperationTable';
import { UnstorableValueError } from './StorableText';
import type { QueueSettings } from './QueueSettings';
import { WakeUps } from './WakeUps';
import { ensureQueue } from '../database/createQueue';

export interface ActionCall<A extends ActionName = ActionName> {
  action: A;
  instance: string;
  input: ActionInputs[A];
  /** `ec_origin` for stubs. */
  origin: string;
  requestId?: string;
  /** The API key's name: the operation's owner; scopes its idempotency key. */
  apiKeyName?: string;
  /** Power Automate's run id, part of a derived idempotency key. */
  runId?: string;
  idempotencyKey?: string;
  /** `Prefer: respond-async`. */
  respondAsync?: boolean;
}

export type ActionAnswer =
  /** The final answer (now, or replayed from the first request with this idempotency key). */
  | { kind: 'final'; operationId: string; status: number; body: unknown; replayed: boolean }
  /** Accepted: poll `GET /v1/operations/{operationId}`. */
  | { kind: 'accepted'; operationId: string; retryAfterSeconds: number; replayed: boolean };

export interface OperationQueueOptions {
  boss: PgBoss;
  service: EnsureActions;
  instances: ReadonlyArray<{ name: string; breaker?: { snapshot(): CircuitView }; parallelism?: ParallelismHint }>;
  settings: QueueSettings;
  logger: Logger;
  observer?: OperationObserver;
  /**
   * Only this process can use the database (PGlite behind the data-folder lock): operations left
   * `running` by a previous process are taken back at once instead of after their lease.
   */
  exclusive: boolean;
}

const MAINTENANCE_EVERY_MS = 60_000;

export function queueNameOf(instance: string): string {
  return `dve-operations-${instance}`;
}

export class OperationQueue {
  readonly store: OperationStore;
  private readonly runner: OperationRunner;
  private readonly drains = new Map<string, InstanceDrain>();
  private readonly breakers = new Map<string, { snapshot(): CircuitView } | undefined>();
  private readonly owner = `${process.pid}-${randomUUID()}`;
  private readonly wakeUps: WakeUps;
  private maintenanceTimer: NodeJS.Timeout | undefined;
  private statisticsRefreshedAt = 0;
  private stopped: Promise<void> | undefined;

  private constructor(private readonly options: OperationQueueOptions) {
    this.store = new OperationStore(options.boss.getDb());
    this.wakeUps = new WakeUps(options.boss, queueNameOf, (instance) => this.drains.get(instance)?.notify(), options.logger);
    this.runner = new OperationRunner({
      service: options.service,
      store: this.store,
      settings: options.settings,
      owner: this.owner,
      logger: options.logger,
      circuitState: (instance) => this.breakers.get(instance)?.snapshot().state,
      wake: (instance, id, notBefore) => this.wake(instance, id, notBefore),
    });
  }

  static async start(options: OperationQueueOptions): Promise<OperationQueue> {
    const queue = new OperationQueue(options);
    await queue.store.migrate();
    for (const instance of options.instances) {
      // Wake-ups are disposable (the operation row is the truth): no pg-boss retries, short retention.
      await ensureQueue(options.boss, queueNameOf(instance.name), { retryLimit: 0, expireInSeconds: options.settings.leaseSeconds });
      queue.breakers.set(instance.name, instance.breaker);
    }
    if (options.exclusive) {
      const released = await queue.store.releaseAllRunning();
      if (released > 0) options.logger.warn({ count: released }, 'queue: operations the previous process left running are queued again');
      await queue.refreshStatistics();
    }
    for (const instance of options.instances) {
      const drain = new InstanceDrain({
        instance: instance.name,
        queueName: queueNameOf(instance.name),
        boss: options.boss,
        store: queue.store,
        runner: queue.runner,
        ...(instance.breaker ? { breaker: instance.breaker } : {}),
        ...(instance.parallelism ? { parallelism: instance.parallelism } : {}),
        settings: options.settings,
        owner: queue.owner,
        logger: options.logger,
        ...(options.observer ? { observer: options.observer } : {}),
        ...(options.exclusive ? { beforeBacklog: () => queue.refreshStatistics() } : {}),
      });
      queue.drains.set(instance.name, drain);
      drain.start();
    }
    queue.maintenanceTimer = setInterval(() => void queue.maintain(), MAINTENANCE_EVERY_MS).unref();
    return queue;
  }

  get retryAfterSeconds(): number {
    return this.options.settings.retryAfterSeconds;
  }

  /** Runs or accepts one action call (see the file comment). Unknown instances are the service's 404. */
  async accept<A extends ActionName>(call: ActionCall<A>): Promise<ActionAnswer> {
    const { settings, observer, logger } = this.options;
    if (this.stopped) throw ApiErrors.serviceStopping(settings.retryAfterSeconds);
    if (!this.breakers.has(call.instance)) throw ApiErrors.unknownInstance(call.instance, [...this.breakers.keys()]);
    const hash = requestHash(call.action, call.instance, call.input);
    const id = randomUUID();
    const request: StoredRequest<A> = { action: call.action, instance: call.instance, input: call.input, origin: call.origin, newRecordId: randomUUID() };
    const circuit = this.breakers.get(call.instance)?.snapshot();
    const circuitOpen = circuit?.state === 'open' || circuit?.state === 'isolated';
    const key = idempotencyKey({
      ...(call.idempotencyKey !== undefined ? { header: call.idempotencyKey } : {}),
      ...(call.apiKeyName !== undefined ? { apiKeyName: call.apiKeyName } : {}),
      ...(call.runId !== undefined ? { runId: call.runId } : {}),
      requestHash: hash,
      action: call.action,
      instance: call.instance,
    });
    let inserted: InsertResult;
    try {
      inserted = await this.store.insert({
        id,
        idempotencyKey: key,
        requestHash: hash,
        request,
        lane: laneOf(request, id),
        queue: Boolean(call.respondAsync) || circuitOpen,
        ...(circuitOpen && circuit?.openUntil ? { notBefore: new Date(circuit.openUntil) } : {}),
        owner: this.owner,
        leaseSeconds: settings.leaseSeconds,
        ...(call.apiKeyName !== undefined ? { apiKeyName: call.apiKeyName } : {}),
      });
    } catch (error) {
      // A value the database refuses: this request's fault alone, never a 500.
      if (error instanceof UnstorableValueError) throw ApiErrors.unstorableValue(error.field, error.message);
      throw error;
    }

    if (inserted.kind === 'existing') {
      const earlier = inserted.operation;
      if (earlier.requestHash !== hash) {
        throw ApiErrors.idempotencyKeyReused(earlier.id);
      }
      return this.answerFor(earlier, true);
    }

    const operation = inserted.operation;
    if (operation.state === 'queued') {
      observer?.accepted(call.instance, call.action);
      // While the circuit is open no wake-up is needed: the drain sweeps the table when it closes.
      if (inserted.laneHead && !circuitOpen) this.wake(call.instance, operation.id);
      return { kind: 'accepted', operationId: operation.id, retryAfterSeconds: settings.retryAfterSeconds, replayed: false };
    }

    // Ours to run now.
    const run = await this.runner.run(operation, { caller: 'waiting', ...(call.requestId !== undefined ? { requestId: call.requestId } : {}) });
    if (run.kind === 'released') {
      observer?.accepted(call.instance, call.action);
      logger.info({ operationId: operation.id, instance: call.instance, reason: run.outcome.error }, 'queue: target unavailable, operation accepted for later');
      return { kind: 'accepted', operationId: operation.id, retryAfterSeconds: settings.retryAfterSeconds, replayed: false };
    }
    return { kind: 'final', operationId: operation.id, status: run.outcome.status, body: run.outcome.body, replayed: false };
  }

  /** What a caller polling `GET /v1/operations/{id}` gets. */
  answerFor(operation: OperationRecord, replayed = false): ActionAnswer {
    if (operation.state === 'queued' || operation.state === 'running') {
      return { kind: 'accepted', operationId: operation.id, retryAfterSeconds: this.options.settings.retryAfterSeconds, replayed };
    }
    return { kind: 'final', operationId: operation.id, status: operation.status ?? 500, body: operation.response, replayed };
  }

  /** The operation, when `scope` may see it: another key's is as unknown as a missing one. */
  get(id: string, scope: OperationScope): Promise<OperationRecord | undefined> {
    return this.store.get(id, scope);
  }

  list(query: ListQuery, scope: OperationScope): Promise<OperationRecord[]> {
    return this.store.list(query, scope);
  }

  counts(): Promise<OperationCounts> {
    return this.store.counts();
  }

  /** Replays a dead letter `scope` may see: `undefined` when there is no such failed operation. */
  async retry(id: string, scope: OperationScope): Promise<OperationRecord | undefined> {
    const operation = await this.store.requeue(id, scope);
    if (operation) this.wake(operation.instance, operation.id);
    return operation;
  }

  /**
   * Cancels a queued operation `scope` may see: it never runs, and its poller gets 409
   * `OperationCancelled`. `undefined` when there is no such queued operation (running, finished, or not
   * the caller's). The next operation of its record no longer waits for it.
   */
  async cancel(id: string, scope: OperationScope, by: string): Promise<OperationRecord | undefined> {
    // The owner learns that it was cancelled, not the name of another key that did it (that is logged).
    const who = scope.admin ? 'an administrator or its own API key' : 'the API key that created it';
    const cancelled = await this.store.cancel(id, scope, `The operation was cancelled by ${who} before it ran; it was not applied.`);
    if (!cancelled) return undefined;
    this.options.logger.info({ operationId: id, instance: cancelled.operation.instance, by }, 'queue: operation cancelled');
    if (cancelled.next) this.wake(cancelled.operation.instance, cancelled.next);
    return cancelled.operation;
  }

  /** Wakes the worker of `instance` for an operation, now or at `notBefore` (sent after the answer, batched). */
  wake(instance: string, operationId: string, notBefore?: Date): void {
    this.wakeUps.send(instance, operationId, notBefore);
  }

  /** Stops the workers (in-flight operations get `timeoutMs` to finish, then are handed back). */
  stop(timeoutMs = 30_000): Promise<void> {
    this.stopped ??= (async () => {
      clearInterval(this.maintenanceTimer);
      await Promise.all([...this.drains.values()].map((drain) => drain.stop(timeoutMs)));
      await this.wakeUps.settled();
    })();
    return this.stopped;
  }

  private async maintain(): Promise<void> {
    try {
      const expired = await this.store.maintain(this.options.settings);
      if (expired > 0) this.options.logger.warn({ count: expired }, `queue: operations pending for more than ${this.options.settings.maxPendingHours} h are dead letters now`);
      // The embedded PGlite has no autovacuum: reclaim dead rows and refresh the planner's statistics.
      if (this.options.exclusive) await vacuumEmbeddedDatabase(this.options.boss.getDb(), { tables: [OPERATION_TABLE, ...PG_BOSS_CHURN_TABLES] });
    } catch (error) {
      this.options.logger.error({ err: error }, 'queue: maintenance failed; it runs again in a minute');
    }
  }

  /**
   * Fresh planner statistics on the embedded database before a backlog is drained (at start, and when
   * a circuit lets requests through again): operations accepted during an outage change the table's
   * size by orders of magnitude, and PGlite has no autovacuum to notice. At most every 10 s.
   */
  private async refreshStatistics(): Promise<void> {
    if (Date.now() - this.statisticsRefreshedAt < 10_000) return;
    this.statisticsRefreshedAt = Date.now();
    try {
      await vacuumEmbeddedDatabase(this.options.boss.getDb(), { analyzeOnly: true });
    } catch (error) {
      this.options.logger.warn({ err: error }, 'queue: could not refresh the database statistics');
    }
  }
}
