/**
 * The hydration reconciler: keeps the promise a stub makes. Every `intervalSeconds`, the replica that
 * holds the lease (one across replicas, `ReconcilerLease`) takes, for each target instance with a
 * source, a batch of Pending stubs — those someone asked to hydrate (`ec_hydrationrequestedon`) first,
 * then the oldest — and:
 *
 * - reads the stub records in the target (one `$batch` per round) to see whether someone other than
 *   this service's application user updated them since (replication, a person): those are marked
 *   Hydrated without writing their data — only the stub marker, where the table uses it and the record
 *   still carries it, is cleared in the change set of the mark;
 * - reads the records from the source by GUID (or the stub's alternate key), one `$batch` per round
 *   holding one GET per table (more when a table's filter would grow too long);
 * - hydrates the ones found through `EnsureService.hydrate`, the path of the hydrate action (record
 *   upsert and row update in one change set, If-Match on the row);
 * - counts an attempt on the ones missing at the source (`ec_attempts`, `ec_lasterror`), with a
 *   doubling wait before the next, and abandons them after `maxAttempts` or `abandonAfterHours`.
 *   Nothing is ever deleted.
 *
 * A source that is down (or whose circuit is open) only delays its stubs: nothing is counted against
 * them, and externally hydrated stubs are still marked. A target that fails ends that target's round.
 *
 * This file gathers the facts and applies the decisions; what to do with each stub is decided by
 * `decideStub` (pure), its `ec_stub` reads and writes are the stub repository's (core/stubs: the
 * pending query, the row updates, and the stub changes reported once written), its reads of the
 * records in StubRecordReads.ts.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { isRefusalOfTheRequest } from '../core/ApiError';
import type { CallContext, EnsureActions } from '../core/EnsureService';
import { STUB_MARKER_COLUMN, stubMarkerClearing, StubMarkerTables } from '../core/StubMarker';
import { StubRepository, type PendingStub, type PendingStubUpdate, type StubChangeObserver } from '../core/stubs';
import type { BatchOperation, DataverseClient, DataverseRecord } from '../dataverse';
import { decideStub, type HydrationFailureKind, type SourceAnswer, type StubDecision, type StubDecisionInput } from './decideStub';
import { forEachConcurrently } from './forEachConcurrently';
import { ReconcilerLease } from './ReconcilerLease';
import { reconcilerSettings, retryDelaySeconds, type ReconcilerSettings, type ReconcilerSettingsInput } from './ReconcilerSettings';
import { readSource, readTargetRecords, tableGroups, type TableGroup } from './StubRecordReads';
import type { SqlDatabase } from '../database/SqlDatabase';
import { withinHint, type ParallelismHint } from '../resilience/RecommendedParallelism';

/** What the reconciler needs of an instance (a core `CoreInstance` fits). */
export interface ReconcilerInstance {
  name: string;
  client: DataverseClient;
  source?: string;
  tables: readonly string[];
  /** Per table, whether its stubs carry the stub marker `ec_isstub` (core/StubMarker.ts; off when absent). */
  stubDefaults?: Readonly<Record<string, { marker?: boolean }>>;
  breaker?: { snapshot(): { state: 'closed' | 'open' | 'half-open' | 'isolated' } };
  /** The instance's recommended degree of parallelism (`x-ms-dop-hint`): hydrations in flight stay within it. */
  parallelism?: ParallelismHint;
}

export interface StartReconcilerOptions {
  instances: readonly ReconcilerInstance[];
  /** Hydrations go through its `hydrate`: give the same service object the routes use. */
  service: Pick<EnsureActions, 'hydrate'>;
  /** The queue's database (`boss.getDb()`): the lease lives there. */
  db: SqlDatabase;
  settings?: ReconcilerSettingsInput;
  logger: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  /**
   * Hears of the stub changes the reconciler writes itself: stub.hydrated (cause external) and
   * stub.abandoned (the events bus, api/src/events). Its hydrations are reported by the service it
   * calls (cause reconciler).
   */
  stubEvents?: StubChangeObserver;
  /** This replica's name in the lease (default `<host>:<pid>:<random>`). */
  holder?: string;
}

export interface InstanceRoundReport {
  instance: string;
  source: string;
  /** Pending stubs taken this round. */
  examined: number;
  /** Hydrated from the source's data. */
  hydrated: number;
  /** Updated by someone else: marked Hydrated without writing the record. */
  markedExternal: number;
  /** Missing at the source (an attempt counted), abandoned ones included. */
  missing: number;
  abandoned: number;
  /** Refused by the target (an attempt counted). */
  failed: number;
  /** Left for a later round: source unavailable, target throttled, or the row changed meanwhile. */
  deferred: number;
  /** Why the instance was not reconciled at all this round. */
  skipped?: string;
  /** Why the round stopped early for this instance. */
  error?: string;
  /** Why the source could not be read (its stubs were deferred). */
  sourceError?: string;
}

export interface RoundReport {
  startedOn: string;
  durationMs: number;
  /** Whether this replica held the lease (a replica without it does nothing). */
  leader: boolean;
  instances: InstanceRoundReport[];
}

export interface Reconciler {
  /** Runs one round now (after the one in progress, if any). */
  runOnce(): Promise<RoundReport>;
  /** Stops the timer, waits for the round in progress, gives the lease up. */
  stop(): Promise<void>;
}

export const LEASE_NAME = 'reconciler';

export function startReconciler(options: StartReconcilerOptions): Reconciler {
  return new StubReconciler(options);
}

/** Attempts with their own wait in the pending filter; beyond, the longest wait applies. */
const BACKOFF_TIERS = 24;

/** The hydrate calls' context: the service reports their `stub.hydrated` with the reconciler as cause. */
const HYDRATE_CONTEXT: CallContext = { origin: 'reconciler', byReconciler: true };

/** A row write a decision calls for; the repository reports its change once the row is written. */
interface RowUpdate {
  update: PendingStubUpdate;
  kind: 'markedExternal' | 'missing' | 'failed';
  abandon: boolean;
}

/** A stub to hydrate, with the facts it was decided on (decided again if the hydration fails). */
interface Hydration {
  group: TableGroup;
  row: PendingStub;
  facts: Omit<StubDecisionInput, 'now'>;
  record: Record<string, unknown>;
}

class StubReconciler implements Reconciler {
  private readonly settings: ReconcilerSettings;
  private readonly byName: Map<string, ReconcilerInstance>;
  /** Each instance's `ec_stub` table (core/stubs). */
  private readonly stubTables: Map<string, StubRepository>;
  /**
   * Which tables' stubs carry the marker (decided once per instance and table, like the core's); a
   * missing column is logged by the core, which meets the table at its first stub or hydration.
   */
  private readonly stubMarkers = new StubMarkerTables();
  private readonly lease: ReconcilerLease;
  private readonly logger: StartReconcilerOptions['logger'];
  private timer: NodeJS.Timeout | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private leaseRenewedAt = 0;

  constructor(private readonly options: StartReconcilerOptions) {
    this.settings = reconcilerSettings(options.settings);
    this.byName = new Map(options.instances.map((instance) => [instance.name, instance]));
    this.stubTables = new Map(options.instances.map((instance) => [instance.name, new StubRepository(instance.name, instance.client, options.stubEvents)]));
    this.logger = options.logger;
    this.lease = new ReconcilerLease(options.db, LEASE_NAME, options.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`, this.settings.leaseSeconds);
    if (this.settings.enabled) this.schedule(this.settings.intervalSeconds * 1000);
  }

  runOnce(): Promise<RoundReport> {
    const round = this.tail.then(() => this.round());
    this.tail = round.catch(() => undefined);
    return round;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.tail;
    try {
      await this.lease.release();
    } catch (error) {
      this.logger.warn({ err: error }, 'reconciler: could not release its lease (another replica takes over when it expires)');
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.runOnce().then(
        (report) => this.schedule(this.hadFullBatch(report) ? 0 : this.settings.intervalSeconds * 1000),
        (error: unknown) => {
          this.logger.error({ err: error }, 'reconciler: round failed');
          this.schedule(this.settings.intervalSeconds * 1000);
        },
      );
    }, delayMs);
    this.timer.unref();
  }

  /** A round that took a full batch and made progress is followed by the next one at once (catching up). */
  private hadFullBatch(report: RoundReport): boolean {
    return report.instances.some((i) => i.examined >= this.settings.batchSize && i.hydrated + i.markedExternal + i.missing + i.failed > 0);
  }

  private async round(): Promise<RoundReport> {
    const started = Date.now();
    const startedOn = new Date(started).toISOString();
    if (this.stopped) return { startedOn, durationMs: 0, leader: false, instances: [] };
    const leader = await this.lease.acquire();
    this.leaseRenewedAt = Date.now();
    if (!leader) return { startedOn, durationMs: Date.now() - started, leader, instances: [] };
    const targets = [...this.byName.values()].filter((instance) => instance.source !== undefined && this.byName.has(instance.source));
    const instances = await Promise.all(targets.map((target) => this.reconcile(target, this.byName.get(target.source!)!)));
    const report = { startedOn, durationMs: Date.now() - started, leader, instances };
    const busy = instances.filter((i) => i.examined > 0 || i.error || i.skipped);
    if (busy.length > 0) this.logger.info({ round: { ...report, instances: busy } }, 'reconciler: round done');
    return report;
  }

  /** Renews the lease when a third of it has passed; false when another replica has it now. */
  private async holdLease(): Promise<boolean> {
    if (Date.now() - this.leaseRenewedAt < (this.settings.leaseSeconds * 1000) / 3) return true;
    const held = await this.lease.acquire();
    this.leaseRenewedAt = Date.now();
    return held;
  }

  /** One target's round: gather the facts (stub rows, the stub records, the source), decide per stub (decideStub), apply. */
  private async reconcile(target: ReconcilerInstance, source: ReconcilerInstance): Promise<InstanceRoundReport> {
    const report: InstanceRoundReport = { instance: target.name, source: source.name, examined: 0, hydrated: 0, markedExternal: 0, missing: 0, abandoned: 0, failed: 0, deferred: 0 };
    const tables = target.tables.filter((table) => source.tables.includes(table));
    if (tables.length === 0) return { ...report, skipped: `no table is allowed in both '${target.name}' and its source '${source.name}'` };
    if (circuitOpen(target)) return { ...report, skipped: `the circuit of '${target.name}' is open` };
    try {
      const rows = await this.pendingStubs(target, tables);
      report.examined = rows.length;
      if (rows.length === 0) return report;
      const groups = await tableGroups(target.client, rows);
      const markerTables = new Set(groups.filter((group) => this.usesMarker(target, group)).map((group) => group.table));
      const sourceUnavailable = circuitOpen(source) ? `the circuit of '${source.name}' is open` : undefined;
      const [targetRecords, sourceRead] = await Promise.all([
        readTargetRecords(target.client, groups, markerTables),
        sourceUnavailable
          ? Promise.resolve({ error: sourceUnavailable })
          : readSource(source.client, groups, this.settings.columns).then(
              (found) => ({ found }),
              (error: unknown) => ({ error: describe(error) }),
            ),
      ]);
      if ('error' in sourceRead) report.sourceError = sourceRead.error;
      if (!(await this.holdLease())) return { ...report, deferred: rows.length, error: 'the lease moved to another replica' };

      const rowUpdates: RowUpdate[] = [];
      const toHydrate: Hydration[] = [];
      for (const group of groups) {
        for (const row of group.rows) {
          const record = targetRecords.get(group.table)?.get(row.recordId);
          const facts: Omit<StubDecisionInput, 'now'> = {
            stub: row,
            target: record && { createdBy: record._createdby_value, modifiedBy: record._modifiedby_value, modifiedOn: record.modifiedon },
            source: sourceAnswer(sourceRead, row),
            settings: this.settings,
            instances: { target: target.name, source: source.name },
          };
          const decision = decideStub({ ...facts, now: new Date() });
          if (decision.kind === 'hydrate') toHydrate.push({ group, row, facts, record: decision.record });
          else if (decision.kind === 'defer' || decision.kind === 'stopRound') report.deferred++;
          else rowUpdates.push(rowUpdate(row, decision, decision.kind === 'markExternal' ? markerClearing(group, row, record) : undefined));
        }
      }

      rowUpdates.push(...(await this.hydrateAll(target, toHydrate, report)));
      await this.updateRows(target, rowUpdates, report);
    } catch (error) {
      report.error = describe(error);
      this.logger.warn({ err: error, instance: target.name }, 'reconciler: round stopped for this instance');
    }
    return report;
  }

  /**
   * Hydrates through the service, `concurrency` at a time — fewer while the target recommends fewer
   * with `x-ms-dop-hint` (its latest hint when the round's hydrations start); answers the row updates
   * of the hydrations the target refused.
   */
  private async hydrateAll(target: ReconcilerInstance, items: Hydration[], report: InstanceRoundReport): Promise<RowUpdate[]> {
    const refused: RowUpdate[] = [];
    let stopReason: string | undefined;
    await forEachConcurrently(items, withinHint(this.settings.concurrency, target.parallelism), async ({ group, row, facts, record }) => {
      if (stopReason !== undefined || this.stopped) {
        report.deferred++;
        return;
      }
      if (!(await this.holdLease())) {
        stopReason = 'the lease moved to another replica';
        report.deferred++;
        return;
      }
      try {
        // The service reports the stub.hydrated it writes, with the reconciler as its cause.
        await this.options.service.hydrate(target.name, { table: row.table, key: { [group.targetMeta.primaryIdAttribute]: row.recordId }, record }, HYDRATE_CONTEXT);
        report.hydrated++;
      } catch (error) {
        const decision = decideStub({ ...facts, hydration: { kind: hydrationFailureKind(error), message: describe(error) }, now: new Date() });
        if (decision.kind === 'countAttempt' || decision.kind === 'abandon') {
          refused.push(rowUpdate(row, decision));
        } else {
          stopReason = decision.kind === 'stopRound' ? decision.reason : describe(error);
          report.deferred++;
        }
      }
    });
    if (stopReason !== undefined) report.error = `hydration stopped: ${stopReason}`;
    return refused;
  }

  /** One $batch: the stubs someone asked to hydrate, then the oldest Pending ones due for an attempt. */
  private pendingStubs(target: ReconcilerInstance, tables: readonly string[]): Promise<PendingStub[]> {
    // Stubs that failed before wait `retryDelaySeconds(attempts)` since their last attempt.
    const backoff = this.settings.retryBaseSeconds === 0 ? undefined : { tiers: Math.min(BACKOFF_TIERS, this.settings.maxAttempts), waitSeconds: (attempts: number) => retryDelaySeconds(this.settings, attempts) };
    return this.stubs(target).pendingDue({ tables, top: this.settings.batchSize, ...(backoff ? { backoff } : {}) });
  }

  private usesMarker(instance: ReconcilerInstance, group: TableGroup): boolean {
    return this.stubMarkers.uses({ name: instance.name, tables: instance.tables, stubDefaults: instance.stubDefaults ?? {} }, group.targetMeta);
  }

  private stubs(instance: ReconcilerInstance): StubRepository {
    return this.stubTables.get(instance.name)!;
  }

  /** Writes the row updates (marks, attempts; the repository reports their changes); counts the ones written. */
  private async updateRows(target: ReconcilerInstance, updates: RowUpdate[], report: InstanceRoundReport): Promise<void> {
    const written = await this.stubs(target).updatePending(updates.map((update) => update.update));
    for (const [i, update] of updates.entries()) {
      if (!written[i]) {
        // The row changed since it was read: a later round decides.
        report.deferred++;
        continue;
      }
      if (update.kind === 'markedExternal') report.markedExternal++;
      else if (update.kind === 'failed') report.failed++;
      else report.missing++;
      if (update.abandon) report.abandoned++;
    }
  }
}

/**
 * The row update of a decision that changes the row; `record`: the record's own update for the change
 * set of an external mark (clearing the stub marker).
 */
function rowUpdate(stub: PendingStub, decision: Extract<StubDecision, { kind: 'markExternal' | 'countAttempt' | 'abandon' }>, record?: BatchOperation): RowUpdate {
  if (decision.kind === 'markExternal') return { update: { kind: 'hydratedExternally', stub, hydratedOn: decision.hydratedOn, ...(record ? { record } : {}) }, kind: 'markedExternal', abandon: false };
  const abandon = decision.kind === 'abandon';
  return { update: { kind: 'attemptFailed', stub, attempts: decision.attempts, lastError: decision.lastError, abandon }, kind: decision.outcome, abandon };
}

/**
 * The marker's clearing for a stub hydrated by someone else: only where the table uses the marker (its
 * records were read with it) and the record still says Yes — a replication that wrote No from its
 * source already cleared it, and a stub from before the marker was switched on never had it.
 */
function markerClearing(group: TableGroup, stub: PendingStub, record: DataverseRecord | undefined): BatchOperation | undefined {
  return record?.[STUB_MARKER_COLUMN] === true ? stubMarkerClearing(group.targetMeta, stub.recordId) : undefined;
}

/**
 * How the target failed a hydration, for decideStub: `rejected` — it refused this record (an attempt
 * counts); `transient` — anything else (the round stops on this target, nothing counts).
 */
function hydrationFailureKind(error: unknown): HydrationFailureKind {
  return isRefusalOfTheRequest(error) ? 'rejected' : 'transient';
}

/** What the source said about a stub's record: its read failed for the round, or found it or not. */
function sourceAnswer(sourceRead: { error: string } | { found: Map<string, Map<string, Record<string, unknown>>> }, row: PendingStub): SourceAnswer {
  if ('error' in sourceRead) return { said: 'failed', reason: sourceRead.error };
  const record = sourceRead.found.get(row.table)?.get(row.rowId);
  return record ? { said: 'found', record } : { said: 'notFound' };
}

function circuitOpen(instance: ReconcilerInstance): boolean {
  const state = instance.breaker?.snapshot().state;
  return state === 'open' || state === 'isolated';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
