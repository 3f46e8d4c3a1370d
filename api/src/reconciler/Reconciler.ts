/**
 * The hydration reconciler: keeps the promise a stub makes. Every `intervalSeconds`, the replica that
 * holds the lease (one across replicas, `ReconcilerLease`) takes, for each target instance with a
 * source, a batch of Pending stubs — those someone asked to hydrate (`ec_hydrationrequestedon`) first,
 * then the oldest — and:
 *
 * - reads the stub records in the target (one `$batch` per round) to see whether someone other than
 *   this service's application user updated them since (replication, a person): those are marked
 *   Hydrated without writing the record;
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
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { isRefusalOfTheRequest } from '../core/ApiError';
import type { EnsureActions } from '../core/EnsureService';
import { clip, hydratedRowUpdate, STUB_ENTITY_SET, StubStateValue, stateOf } from '../core/StubTracking';
import { filterAnyOf, filterEquals, guid, type BatchOperation, type DataverseClient, type DataverseRecord, type EntityMetadata, type KeyValue } from '../dataverse';
import { RECONCILER_ORIGIN } from '../events/withStubEvents';
import { stubEvent, type StubEvent } from '../events/StubEvents';
import { hydrationColumns, hydrationRecord } from './HydrationColumns';
import { ReconcilerLease } from './ReconcilerLease';
import { reconcilerSettings, retryDelaySeconds, type ReconcilerSettings, type ReconcilerSettingsInput } from './ReconcilerSettings';
import type { SqlDatabase } from '../database/SqlDatabase';
import { withinHint, type ParallelismHint } from '../resilience/RecommendedParallelism';

/** What the reconciler needs of an instance (a core `CoreInstance` fits). */
export interface ReconcilerInstance {
  name: string;
  client: DataverseClient;
  source?: string;
  tables: readonly string[];
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
  /** Every state change the reconciler causes: stub.hydrated (cause reconciler or external), stub.abandoned. */
  onEvent?: (event: StubEvent) => void | Promise<void>;
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
/** Ids per GET: keeps each request URL around 5 KB (Dataverse limits URLs; a $batch part is a URL too). */
const IDS_PER_QUERY = 100;
/** Dataverse runs at most 1,000 operations in one $batch. */
const MAX_BATCH_OPERATIONS = 1000;
const PENDING_COLUMNS = ['ec_stubid', 'ec_table', 'ec_recordid', 'ec_key', 'ec_stubstate', 'ec_attempts', 'ec_hydrationrequestedon', 'createdon', 'modifiedon'];
/** Attempts with their own wait in the pending filter; beyond, the longest wait applies. */
const BACKOFF_TIERS = 24;

export function startReconciler(options: StartReconcilerOptions): Reconciler {
  return new StubReconciler(options);
}

interface PendingRow {
  rowId: string;
  etag: string;
  table: string;
  recordId: string;
  key: string;
  state: 'Pending' | 'Abandoned';
  attempts: number;
  requested: boolean;
  createdOn: string;
}

interface RowUpdate {
  row: PendingRow;
  body: Record<string, unknown>;
  kind: 'markedExternal' | 'missing' | 'failed';
  abandon: boolean;
  event?: StubEvent;
}

interface TableGroup {
  table: string;
  rows: PendingRow[];
  targetMeta: EntityMetadata;
}

class StubReconciler implements Reconciler {
  private readonly settings: ReconcilerSettings;
  private readonly byName: Map<string, ReconcilerInstance>;
  private readonly lease: ReconcilerLease;
  private readonly logger: StartReconcilerOptions['logger'];
  private timer: NodeJS.Timeout | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private leaseRenewedAt = 0;

  constructor(private readonly options: StartReconcilerOptions) {
    this.settings = reconcilerSettings(options.settings);
    this.byName = new Map(options.instances.map((instance) => [instance.name, instance]));
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

  private async reconcile(target: ReconcilerInstance, source: ReconcilerInstance): Promise<InstanceRoundReport> {
    const report: InstanceRoundReport = { instance: target.name, source: source.name, examined: 0, hydrated: 0, markedExternal: 0, missing: 0, abandoned: 0, failed: 0, deferred: 0 };
    const tables = target.tables.filter((table) => source.tables.includes(table));
    if (tables.length === 0) return { ...report, skipped: `no table is allowed in both '${target.name}' and its source '${source.name}'` };
    if (circuitOpen(target)) return { ...report, skipped: `the circuit of '${target.name}' is open` };
    try {
      const rows = await this.pendingRows(target, tables);
      report.examined = rows.length;
      if (rows.length === 0) return report;
      const groups = await this.groups(target, rows);
      const sourceUnavailable = circuitOpen(source) ? `the circuit of '${source.name}' is open` : undefined;
      const [targetRecords, sourceRead] = await Promise.all([
        this.readTargetRecords(target, groups),
        sourceUnavailable
          ? Promise.resolve({ error: sourceUnavailable })
          : this.readSource(source, groups).then(
              (found) => ({ found }),
              (error: unknown) => ({ error: describe(error) }),
            ),
      ]);
      if ('error' in sourceRead) report.sourceError = sourceRead.error;
      if (!(await this.holdLease())) return { ...report, deferred: rows.length, error: 'the lease moved to another replica' };

      const rowUpdates: RowUpdate[] = [];
      const toHydrate: Array<{ group: TableGroup; row: PendingRow; record: Record<string, unknown> }> = [];
      for (const group of groups) {
        for (const row of group.rows) {
          const record = targetRecords.get(group.table)?.get(row.recordId);
          if (record && updatedBySomeoneElse(record)) {
            const hydratedOn = typeof record.modifiedon === 'string' && Number.isFinite(Date.parse(record.modifiedon)) ? new Date(record.modifiedon) : new Date();
            const update = hydratedRowUpdate(row.createdOn, hydratedOn);
            const event = stubEvent({
              type: 'stub.hydrated',
              instance: target.name,
              table: row.table,
              recordId: row.recordId,
              state: 'Hydrated',
              cause: 'external',
              key: row.key,
              occurredOn: hydratedOn.toISOString(),
              ...(typeof update.ec_secondstohydrate === 'number' ? { secondsToHydrate: update.ec_secondstohydrate } : {}),
            });
            rowUpdates.push({ row, body: { ...update, ec_hydrationrequestedon: null }, event, kind: 'markedExternal', abandon: false });
          } else if ('error' in sourceRead) {
            report.deferred++;
          } else {
            const found = sourceRead.found.get(group.table)?.get(row.rowId);
            if (found) toHydrate.push({ group, row, record: found });
            else rowUpdates.push(this.failedAttempt(target, row, `not found in the source instance '${source.name}'`, 'missing'));
          }
        }
      }

      const hydrationFailures = await this.hydrateAll(target, toHydrate, report);
      rowUpdates.push(...hydrationFailures.map(({ row, message }) => this.failedAttempt(target, row, message, 'failed')));
      await this.updateRows(target, rowUpdates, report);
    } catch (error) {
      report.error = describe(error);
      this.logger.warn({ err: error, instance: target.name }, 'reconciler: round stopped for this instance');
    }
    return report;
  }

  /** One $batch: the stubs someone asked to hydrate, then the oldest Pending ones due for an attempt. */
  private async pendingRows(target: ReconcilerInstance, tables: readonly string[]): Promise<PendingRow[]> {
    const inTables = filterAnyOf('ec_table', tables);
    const requested = `(${filterEquals('ec_stubstate', StubStateValue.Pending)} or ${filterEquals('ec_stubstate', StubStateValue.Abandoned)}) and ec_hydrationrequestedon ne null and ${inTables}`;
    const due = `${filterEquals('ec_stubstate', StubStateValue.Pending)} and ${inTables}${this.dueFilter()}`;
    const top = this.settings.batchSize;
    const result = await target.client.executeBatch([
      { method: 'GET', target: { entitySet: STUB_ENTITY_SET }, query: { select: PENDING_COLUMNS, filter: requested, orderBy: [{ column: 'ec_hydrationrequestedon' }], top } },
      { method: 'GET', target: { entitySet: STUB_ENTITY_SET }, query: { select: PENDING_COLUMNS, filter: due, orderBy: [{ column: 'createdon' }], top } },
    ]);
    if (result.errors.length > 0) throw result.errors[0]!;
    const seen = new Set<string>();
    const rows: PendingRow[] = [];
    for (const operation of result.operations) {
      for (const row of ((operation.response?.body as { value?: DataverseRecord[] } | undefined)?.value ?? [])) {
        const id = String(row.ec_stubid);
        if (seen.has(id) || rows.length >= top) continue;
        seen.add(id);
        rows.push({
          rowId: id,
          etag: String(row['@odata.etag']),
          table: String(row.ec_table),
          recordId: String(row.ec_recordid).toLowerCase(),
          key: String(row.ec_key ?? ''),
          state: stateOf(row.ec_stubstate) === 'Abandoned' ? 'Abandoned' : 'Pending',
          attempts: typeof row.ec_attempts === 'number' ? row.ec_attempts : 0,
          requested: row.ec_hydrationrequestedon !== null && row.ec_hydrationrequestedon !== undefined,
          createdOn: String(row.createdon),
        });
      }
    }
    return rows;
  }

  /**
   * Stubs that failed before wait `retryDelaySeconds(attempts)` since their last attempt (the row's
   * `modifiedon`, which only the reconciler and people requesting hydration change while it is Pending).
   */
  private dueFilter(): string {
    if (this.settings.retryBaseSeconds === 0) return '';
    const now = Date.now();
    const before = (attempts: number) => new Date(now - retryDelaySeconds(this.settings, attempts) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const tiers = Math.min(BACKOFF_TIERS, this.settings.maxAttempts);
    const terms = ['ec_attempts eq null', 'ec_attempts eq 0'];
    for (let attempts = 1; attempts <= tiers; attempts++) terms.push(`(ec_attempts eq ${attempts} and modifiedon le ${before(attempts)})`);
    terms.push(`(ec_attempts gt ${tiers} and modifiedon le ${before(tiers + 1)})`);
    return ` and (${terms.join(' or ')})`;
  }

  private async groups(target: ReconcilerInstance, rows: PendingRow[]): Promise<TableGroup[]> {
    const byTable = new Map<string, PendingRow[]>();
    for (const row of rows) byTable.set(row.table, [...(byTable.get(row.table) ?? []), row]);
    return Promise.all([...byTable.entries()].map(async ([table, tableRows]) => ({ table, rows: tableRows, targetMeta: await target.client.getEntityMetadata(table) })));
  }

  /** Who created and last modified each stub record in the target: one $batch. */
  private async readTargetRecords(target: ReconcilerInstance, groups: TableGroup[]): Promise<Map<string, Map<string, DataverseRecord>>> {
    const queries = groups.flatMap((group) =>
      chunk(group.rows, IDS_PER_QUERY).map((rows) => ({
        group,
        operation: {
          method: 'GET',
          target: { entitySet: group.targetMeta.entitySetName },
          query: {
            select: [group.targetMeta.primaryIdAttribute, '_createdby_value', '_modifiedby_value', 'modifiedon'],
            filter: filterAnyOf(group.targetMeta.primaryIdAttribute, rows.map((row) => guid(row.recordId))),
            maxPageSize: 5000,
          },
        } satisfies BatchOperation,
      })),
    );
    const found = new Map<string, Map<string, DataverseRecord>>();
    for (const [i, rows] of (await this.batchGet(target.client, queries.map((q) => q.operation))).entries()) {
      const meta = queries[i]!.group.targetMeta;
      const byId = found.get(meta.logicalName) ?? new Map<string, DataverseRecord>();
      found.set(meta.logicalName, byId);
      for (const row of rows) byId.set(String(row[meta.primaryIdAttribute]).toLowerCase(), row);
    }
    return found;
  }

  /**
   * The source records, by the stub's GUID or — for a stub created from an alternate key whose GUID
   * could not be learnt then — by that key: one $batch, one GET per table (per 100 stubs).
   * Answers, per table, the source row of each pending row id.
   */
  private async readSource(source: ReconcilerInstance, groups: TableGroup[]): Promise<Map<string, Map<string, Record<string, unknown>>>> {
    const plans = await Promise.all(
      groups.map(async (group) => {
        const sourceMeta = await source.client.getEntityMetadata(group.table);
        const columns = hydrationColumns(group.targetMeta, sourceMeta, this.settings.columns[group.table]);
        return { group, sourceMeta, columns };
      }),
    );
    const queries = plans.flatMap((plan) =>
      chunk(plan.group.rows, IDS_PER_QUERY).map((rows) => {
        const keyed = rows.map((row) => ({ row, key: alternateKeyOf(plan.sourceMeta, row.key) }));
        const keyColumns = [...new Set(keyed.flatMap(({ key }) => (key ? Object.keys(key) : [])))];
        const conditions = [
          filterAnyOf(plan.sourceMeta.primaryIdAttribute, rows.map((row) => guid(row.recordId))),
          ...keyed.flatMap(({ key }) => (key ? [`(${Object.entries(key).map(([column, value]) => filterEquals(column, value)).join(' and ')})`] : [])),
        ];
        return {
          plan,
          keyed,
          operation: {
            method: 'GET',
            target: { entitySet: plan.sourceMeta.entitySetName },
            query: { select: [...new Set([plan.sourceMeta.primaryIdAttribute, ...plan.columns, ...keyColumns])], filter: conditions.join(' or '), maxPageSize: 5000 },
          } satisfies BatchOperation,
        };
      }),
    );
    const found = new Map<string, Map<string, Record<string, unknown>>>();
    for (const [i, sourceRows] of (await this.batchGet(source.client, queries.map((q) => q.operation))).entries()) {
      const { plan, keyed } = queries[i]!;
      const byRow = found.get(plan.group.table) ?? new Map<string, Record<string, unknown>>();
      found.set(plan.group.table, byRow);
      const byId = new Map(sourceRows.map((row) => [String(row[plan.sourceMeta.primaryIdAttribute]).toLowerCase(), row]));
      for (const { row, key } of keyed) {
        const match = byId.get(row.recordId) ?? (key ? sourceRows.find((candidate) => matchesKey(candidate, key)) : undefined);
        if (match) byRow.set(row.rowId, hydrationRecord(match, plan.columns));
      }
    }
    return found;
  }

  /** GETs in as few $batch requests as Dataverse allows; the rows of each, in order. */
  private async batchGet(client: DataverseClient, operations: BatchOperation[]): Promise<DataverseRecord[][]> {
    const rows: DataverseRecord[][] = [];
    for (const part of chunk(operations, MAX_BATCH_OPERATIONS)) {
      const result = await client.executeBatch(part);
      if (result.errors.length > 0) throw result.errors[0]!;
      for (const operation of result.operations) rows.push(((operation.response?.body as { value?: DataverseRecord[] } | undefined)?.value) ?? []);
    }
    return rows;
  }

  /**
   * Hydrates through the service, `concurrency` at a time — fewer while the target recommends fewer
   * with `x-ms-dop-hint` (its latest hint when the round's hydrations start); answers the rows the
   * target refused.
   */
  private async hydrateAll(
    target: ReconcilerInstance,
    items: Array<{ group: TableGroup; row: PendingRow; record: Record<string, unknown> }>,
    report: InstanceRoundReport,
  ): Promise<Array<{ row: PendingRow; message: string }>> {
    const refused: Array<{ row: PendingRow; message: string }> = [];
    let stopReason: string | undefined;
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const item = items[next++]!;
        if (stopReason !== undefined || this.stopped) {
          report.deferred++;
          continue;
        }
        if (!(await this.holdLease())) {
          stopReason = 'the lease moved to another replica';
          report.deferred++;
          continue;
        }
        const { group, row, record } = item;
        try {
          const result = await this.options.service.hydrate(target.name, { table: row.table, key: { [group.targetMeta.primaryIdAttribute]: row.recordId }, record }, { origin: RECONCILER_ORIGIN });
          report.hydrated++;
          if (result.wasStub) {
            await this.emit(
              stubEvent({
                type: 'stub.hydrated',
                instance: target.name,
                table: row.table,
                recordId: row.recordId,
                state: 'Hydrated',
                cause: 'reconciler',
                key: row.key,
                ...(result.secondsToHydrate !== undefined ? { secondsToHydrate: result.secondsToHydrate } : {}),
              }),
            );
          }
        } catch (error) {
          if (isRefusalOfTheRequest(error)) {
            // The target refused this record (or its row changed meanwhile: the attempt update below then fails its If-Match too).
            refused.push({ row, message: `the target instance '${target.name}' refused the hydration: ${error.message}` });
          } else {
            stopReason = describe(error);
            report.deferred++;
          }
        }
      }
    };
    const workers = Math.min(withinHint(this.settings.concurrency, target.parallelism), items.length);
    await Promise.all(Array.from({ length: workers }, worker));
    if (stopReason !== undefined) report.error = `hydration stopped: ${stopReason}`;
    return refused;
  }

  /** The row update of a failed attempt: one more attempt, the error, the request served; Abandoned when due. */
  private failedAttempt(target: ReconcilerInstance, row: PendingRow, reason: string, kind: 'missing' | 'failed'): RowUpdate {
    const attempts = row.attempts + 1;
    const ageHours = (Date.now() - Date.parse(row.createdOn)) / 3_600_000;
    const abandon = row.state === 'Pending' && (attempts >= this.settings.maxAttempts || ageHours >= this.settings.abandonAfterHours);
    const lastError = clip(`${new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')} attempt ${attempts}: ${row.table} ${row.recordId} ${reason}.`, 4000);
    const body: Record<string, unknown> = { ec_attempts: attempts, ec_lasterror: lastError, ec_hydrationrequestedon: null, ...(abandon ? { ec_stubstate: StubStateValue.Abandoned } : {}) };
    const event = abandon
      ? stubEvent({ type: 'stub.abandoned', instance: target.name, table: row.table, recordId: row.recordId, state: 'Abandoned', cause: 'reconciler', key: row.key, attempts, lastError })
      : undefined;
    return { row, body, kind, abandon, ...(event ? { event } : {}) };
  }

  /** Row updates (marks, attempts) in $batch requests, each with If-Match on the row as read; events for the ones written. */
  private async updateRows(
    target: ReconcilerInstance,
    updates: RowUpdate[],
    report: InstanceRoundReport,
  ): Promise<void> {
    for (const part of chunk(updates, MAX_BATCH_OPERATIONS)) {
      const result = await target.client.executeBatch(
        part.map((update, i) => ({ method: 'PATCH', target: { entitySet: STUB_ENTITY_SET, key: update.row.rowId }, body: update.body, condition: { etag: update.row.etag }, contentId: String(i + 1) })),
        { continueOnError: true },
      );
      for (const [i, update] of part.entries()) {
        const operation = result.operations[i];
        if (operation?.outcome !== 'succeeded') {
          // 412: the row changed since it was read (hydrated, requested, updated by another replica): a later round decides.
          report.deferred++;
          continue;
        }
        if (update.kind === 'markedExternal') report.markedExternal++;
        else if (update.kind === 'failed') report.failed++;
        else report.missing++;
        if (update.abandon) report.abandoned++;
        if (update.event) await this.emit(update.event);
      }
    }
  }

  private async emit(event: StubEvent): Promise<void> {
    if (!this.options.onEvent) return;
    try {
      await this.options.onEvent(event);
    } catch (error) {
      this.logger.warn({ err: error, event: event.type }, 'reconciler: an event listener failed');
    }
  }
}

function circuitOpen(instance: ReconcilerInstance): boolean {
  const state = instance.breaker?.snapshot().state;
  return state === 'open' || state === 'isolated';
}

/** The stub record was last written by someone other than its creator (this service's application user). */
function updatedBySomeoneElse(record: DataverseRecord): boolean {
  const createdBy = record._createdby_value;
  const modifiedBy = record._modifiedby_value;
  return typeof createdBy === 'string' && typeof modifiedBy === 'string' && createdBy.toLowerCase() !== modifiedBy.toLowerCase();
}

/** The alternate key a stub was created from (`ec_key` holds its columns as JSON), when it is one of the source table's keys. */
function alternateKeyOf(meta: EntityMetadata, keyText: string): Record<string, KeyValue> | undefined {
  if (!keyText.startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(keyText);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (entries.length === 0 || !entries.every(([, value]) => typeof value === 'string' || typeof value === 'number')) return undefined;
  const columns = entries.map(([column]) => column).sort();
  const isKey = meta.keys.some((key) => key.keyAttributes.length === columns.length && [...key.keyAttributes].sort().every((column, i) => column === columns[i]));
  return isKey ? (Object.fromEntries(entries) as Record<string, KeyValue>) : undefined;
}

function matchesKey(row: Record<string, unknown>, key: Record<string, KeyValue>): boolean {
  return Object.entries(key).every(([column, value]) => {
    const actual = row[column];
    return typeof value === 'string' && typeof actual === 'string' ? actual.toLowerCase() === value.toLowerCase() : actual === value;
  });
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
