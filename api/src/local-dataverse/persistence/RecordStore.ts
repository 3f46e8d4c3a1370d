/**
 * The records of one local Dataverse instance: in memory for fast reads and queries, with a journal
 * for durability. Writes run one unit of work at a time (`write`): the unit reads and stages changes
 * synchronously; a unit that throws leaves no trace — this is what makes a `$batch` change set
 * atomic. A unit that succeeds is *pending*: the units after it see its changes, reads do not. Only
 * once the journal has committed it does it become visible to reads, and only then is it answered —
 * so a write the journal refuses was never seen by anyone, and fails alone.
 */
import { DataverseErrors, type DataverseHttpError } from '../errors/DataverseErrorFactory';
import type { Schema, Table } from '../schema/TableSchema';
import { RecordsRefusedError, type RecordJournal } from './RecordJournal';
import { isLookupValue, type ColumnValue, type RecordChange, type StoredRecord } from './StoredRecord';

interface TableData {
  rows: Map<string, StoredRecord>;
  /** key logical name → normalized key values → record id */
  keyIndexes: Map<string, Map<string, string>>;
}

/** Staged record states by table and id; `null` deletes. */
type StagedChanges = Map<string, Map<string, StoredRecord | null>>;

type UnitOutcome =
  | { kind: 'committed' }
  /** A pending unit it read from was not committed: its reads are void, so it runs again. */
  | { kind: 'rerun' }
  | { kind: 'failed'; error: DataverseHttpError };

/** A unit of work that succeeded and waits for its journal transaction. */
class PendingUnit {
  settled: UnitOutcome | undefined;
  readonly outcome: Promise<UnitOutcome>;
  private resolve!: (outcome: UnitOutcome) => void;

  constructor(
    readonly staged: StagedChanges,
    /** The pending units whose changes this one read. */
    readonly dependsOn: ReadonlySet<PendingUnit>,
  ) {
    this.outcome = new Promise((resolve) => (this.resolve = resolve));
  }

  settle(outcome: UnitOutcome): void {
    this.settled = outcome;
    this.resolve(outcome);
  }

  /** True when a unit it read from was not committed. */
  readVoid(): boolean {
    for (const unit of this.dependsOn) if (unit.settled && unit.settled.kind !== 'committed') return true;
    return false;
  }

  changes(): RecordChange[] {
    const changes: RecordChange[] = [];
    for (const [table, records] of this.staged) {
      for (const [id, record] of records) changes.push({ table, id, record });
    }
    return changes;
  }
}

export interface RecordReader {
  get(table: string, id: string): StoredRecord | undefined;
  findByKey(table: string, keyName: string, values: Record<string, unknown>): StoredRecord | undefined;
}

/** The committed records (what reads see) and the pending units of work in order. */
export class RecordStore implements RecordReader {
  private readonly tables = new Map<string, TableData>();
  private version = 0;
  /** Units answered by no one yet, oldest first: later units read through them. */
  private pending: PendingUnit[] = [];
  private flushing: Promise<void> | undefined;
  private failure: DataverseHttpError | undefined;
  /**
   * Told when the journal fails: `fatal` for a storage failure (the store then refuses writes until a
   * restart), not fatal when it only refused one unit's data (that unit failed, nothing else).
   */
  onPersistFailure?: (error: unknown, fatal: boolean) => void;

  private constructor(
    readonly schema: Schema,
    private readonly journal: RecordJournal,
  ) {
    for (const table of schema.tablesByLogicalName.values()) {
      this.tables.set(table.logicalName, {
        rows: new Map(),
        keyIndexes: new Map(table.keys.map((k) => [k.logicalName, new Map()])),
      });
    }
  }

  static async open(schema: Schema, journal: RecordJournal): Promise<RecordStore> {
    const store = new RecordStore(schema, journal);
    for (const { table, record } of await journal.load()) {
      if (!store.tables.has(table)) continue; // a table removed from the schema: its rows stay on disk
      store.apply({ table, id: record.id, record });
      store.version = Math.max(store.version, record.version);
    }
    return store;
  }

  /** A committed record (reads never see a pending write). */
  get(table: string, id: string): StoredRecord | undefined {
    return this.data(table).rows.get(id);
  }

  findByKey(table: string, keyName: string, values: Record<string, unknown>): StoredRecord | undefined {
    const key = this.schemaTable(table).keys.find((k) => k.logicalName === keyName);
    if (!key) return undefined;
    const id = this.data(table).keyIndexes.get(keyName)?.get(normalizeKey(key.attributes, values) ?? '');
    return id === undefined ? undefined : this.get(table, id);
  }

  rows(table: string): IterableIterator<StoredRecord> {
    return this.data(table).rows.values();
  }

  count(table: string): number {
    return this.data(table).rows.size;
  }

  /**
   * Runs `unit` alone against the current state (committed plus pending) and returns its result once
   * its changes are committed and visible; if it throws nothing changes.
   *
   * Units run synchronously, so they never interleave. Their changes are persisted by group commit:
   * while one journal transaction is in flight, the units that follow gather into the next one. When
   * the journal refuses a group's data (a value it cannot store), the units are committed one by one
   * so that only the refused one fails; a unit that read a failed unit's changes runs again without
   * them. Only a storage failure (disk full, engine crash) stops the store: it refuses writes until a
   * restart reloads from the journal, which holds exactly the writes that were answered.
   */
  write<T>(unit: (tx: WriteTransaction) => T): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const tx = new WriteTransaction(this, this.pending, () => ++this.version);
    let result: T;
    try {
      result = unit(tx);
    } catch (error) {
      // A refusal may rest on pending writes (a 412 for a record just created): answer it after them.
      return this.afterCommitOf(tx.dependencies).then((valid) => (valid ? Promise.reject(error) : this.write(unit)));
    }
    const staged = tx.staged();
    if (staged.size === 0) return this.afterCommitOf(tx.dependencies).then((valid) => (valid ? result : this.write(unit)));
    const pending = new PendingUnit(staged, tx.dependencies);
    this.pending.push(pending);
    this.flushing ??= this.flushPending();
    return pending.outcome.then((outcome) => {
      if (outcome.kind === 'committed') return result;
      if (outcome.kind === 'rerun') return this.write(unit);
      throw outcome.error;
    });
  }

  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    await this.journal.close();
  }

  /** True once every unit in `units` committed; false when one did not. */
  private async afterCommitOf(units: ReadonlySet<PendingUnit>): Promise<boolean> {
    const outcomes = await Promise.all([...units].map((u) => u.outcome));
    return outcomes.every((o) => o.kind === 'committed');
  }

  private async flushPending(): Promise<void> {
    do {
      // setImmediate lets the requests that arrived meanwhile run their units first and join this group.
      await new Promise<void>((resolve) => setImmediate(resolve));
      await this.commitGroup(this.pending.slice()).catch((error: unknown) => this.failStorage(error));
    } while (this.pending.length > 0);
    this.flushing = undefined; // synchronously with the check above: a unit pushed later starts a new flush
  }

  /** Commits `group`, settling every unit in it. */
  private async commitGroup(group: PendingUnit[]): Promise<void> {
    const ready = group.filter((unit) => this.rerunIfVoid(unit));
    if (ready.length === 0) return;
    try {
      await this.journal.persist(latestChanges(ready));
      for (const unit of ready) this.settle(unit, { kind: 'committed' });
      return;
    } catch (error) {
      if (!(error instanceof RecordsRefusedError)) return this.failStorage(error);
      this.onPersistFailure?.(error, false);
      if (ready.length === 1) return this.settle(ready[0]!, { kind: 'failed', error: DataverseErrors.notPersisted(error.message) });
    }
    // One unit's data was refused and took the group with it: commit them one by one to find it.
    for (const unit of ready) {
      if (!this.rerunIfVoid(unit)) continue;
      try {
        await this.journal.persist(unit.changes());
        this.settle(unit, { kind: 'committed' });
      } catch (error) {
        if (!(error instanceof RecordsRefusedError)) return this.failStorage(error);
        this.settle(unit, { kind: 'failed', error: DataverseErrors.notPersisted(error.message) });
      }
    }
  }

  /** Settles `unit` for a rerun when it read from a unit that did not commit; true when it may commit. */
  private rerunIfVoid(unit: PendingUnit): boolean {
    if (!unit.readVoid()) return true;
    this.settle(unit, { kind: 'rerun' });
    return false;
  }

  private settle(unit: PendingUnit, outcome: UnitOutcome): void {
    if (outcome.kind === 'committed') for (const change of unit.changes()) this.apply(change);
    // Units mostly settle oldest first.
    if (this.pending[0] === unit) this.pending.shift();
    else this.pending = this.pending.filter((u) => u !== unit);
    unit.settle(outcome);
  }

  /** The journal itself failed: nothing pending is kept, and writes stop until a restart. */
  private failStorage(error: unknown): void {
    this.failure = DataverseErrors.journalFailed(error instanceof Error ? error.message : String(error));
    const pending = this.pending;
    this.pending = [];
    for (const unit of pending) unit.settle({ kind: 'failed', error: this.failure });
    this.onPersistFailure?.(error, true);
  }

  schemaTable(table: string): Table {
    const t = this.schema.table(table);
    if (!t) throw new Error(`unknown table ${table}`);
    return t;
  }

  private data(table: string): TableData {
    const data = this.tables.get(table);
    if (!data) throw new Error(`unknown table ${table}`);
    return data;
  }

  private apply(change: RecordChange): void {
    const data = this.data(change.table);
    const keys = this.schemaTable(change.table).keys;
    const previous = data.rows.get(change.id);
    if (previous) {
      for (const key of keys) {
        const normalized = normalizeKey(key.attributes, previous.values);
        if (normalized !== undefined) data.keyIndexes.get(key.logicalName)!.delete(normalized);
      }
    }
    if (change.record === null) {
      data.rows.delete(change.id);
      return;
    }
    data.rows.set(change.id, change.record);
    for (const key of keys) {
      const normalized = normalizeKey(key.attributes, change.record.values);
      if (normalized !== undefined) data.keyIndexes.get(key.logicalName)!.set(normalized, change.id);
    }
  }
}

/** The last state of each record the units changed, in one list for one journal transaction. */
function latestChanges(units: PendingUnit[]): RecordChange[] {
  const latest = new Map<string, RecordChange>();
  for (const unit of units) for (const change of unit.changes()) latest.set(`${change.table}/${change.id}`, change);
  return [...latest.values()];
}

/**
 * The staged changes of one unit of work; reads see them on top of the pending units (newest first)
 * and the committed state, and remember which pending units they read from.
 */
export class WriteTransaction implements RecordReader {
  private readonly stage: StagedChanges = new Map();
  readonly dependencies = new Set<PendingUnit>();

  constructor(
    private readonly store: RecordStore,
    private readonly pending: readonly PendingUnit[],
    private readonly nextVersion: () => number,
  ) {}

  get(table: string, id: string): StoredRecord | undefined {
    const own = this.stage.get(table);
    if (own?.has(id)) return own.get(id) ?? undefined;
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const unit = this.pending[i]!;
      const staged = unit.staged.get(table);
      if (staged?.has(id)) {
        this.dependencies.add(unit);
        return staged.get(id) ?? undefined;
      }
    }
    return this.store.get(table, id);
  }

  findByKey(table: string, keyName: string, values: Record<string, unknown>): StoredRecord | undefined {
    const key = this.store.schemaTable(table).keys.find((k) => k.logicalName === keyName);
    if (!key) return undefined;
    const wanted = normalizeKey(key.attributes, values);
    if (wanted === undefined) return undefined;
    const matches = (record: StoredRecord | null | undefined): record is StoredRecord =>
      !!record && normalizeKey(key.attributes, record.values) === wanted;
    // Staged, then pending records (newest first); a match counts only if it is still the record's state.
    const layers = [this.stage, ...this.pending.map((u) => u.staged).reverse()];
    for (const layer of layers) {
      for (const record of layer.get(table)?.values() ?? []) {
        if (!matches(record)) continue;
        const current = this.get(table, record.id);
        if (matches(current)) return current;
      }
    }
    const committed = this.store.findByKey(table, keyName, values);
    if (!committed) return undefined;
    // The committed match may have been changed or deleted by a pending unit or earlier in this one.
    const current = this.get(table, committed.id);
    return matches(current) ? current : undefined;
  }

  /** Stages a new state of a record with a fresh version, enforcing alternate-key uniqueness (ref 2.10). */
  put(table: string, id: string, values: Record<string, ColumnValue>): StoredRecord {
    for (const key of this.store.schemaTable(table).keys) {
      const other = this.findByKey(table, key.logicalName, values);
      if (other && other.id !== id) throw DataverseErrors.duplicateKey(key.logicalName, key.attributes);
    }
    const version = this.nextVersion();
    const record: StoredRecord = { id, version, values: { ...values, versionnumber: version } };
    this.tableStage(table).set(id, record);
    return record;
  }

  delete(table: string, id: string): void {
    this.tableStage(table).set(id, null);
  }

  staged(): StagedChanges {
    return this.stage;
  }

  private tableStage(table: string): Map<string, StoredRecord | null> {
    let staged = this.stage.get(table);
    if (!staged) {
      staged = new Map();
      this.stage.set(table, staged);
    }
    return staged;
  }
}

/**
 * Alternate-key values as one comparable string; `undefined` when a part is null (such rows are not
 * indexed, as Dataverse's filtered key indexes skip them). Strings compare case-insensitively, as
 * Dataverse's default collation does.
 */
export function normalizeKey(attributes: string[], values: Record<string, unknown>): string | undefined {
  const parts: unknown[] = [];
  for (const attribute of attributes) {
    let value = values[attribute];
    if (isLookupValue(value)) value = value.id;
    if (value === null || value === undefined) return undefined;
    parts.push(typeof value === 'string' ? value.toLowerCase() : value);
  }
  return JSON.stringify(parts);
}
