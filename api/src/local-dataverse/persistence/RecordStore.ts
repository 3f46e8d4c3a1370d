/**
 * The records of one local Dataverse instance: in memory for fast reads and queries, with a journal
 * for durability. Writes run one unit of work at a time (`write`): the unit reads and stages changes
 * synchronously; a unit that throws leaves no trace — this is what makes a `$batch` change set
 * atomic — and one that succeeds is persisted in a single journal transaction before it is answered.
 */
import { DataverseErrors } from '../errors/DataverseErrorFactory';
import type { Schema, Table } from '../schema/TableSchema';
import type { RecordJournal } from './RecordJournal';
import { isLookupValue, type ColumnValue, type RecordChange, type StoredRecord } from './StoredRecord';

interface TableData {
  rows: Map<string, StoredRecord>;
  /** key logical name → normalized key values → record id */
  keyIndexes: Map<string, Map<string, string>>;
}

export interface RecordReader {
  get(table: string, id: string): StoredRecord | undefined;
  findByKey(table: string, keyName: string, values: Record<string, unknown>): StoredRecord | undefined;
}

export class RecordStore implements RecordReader {
  private readonly tables = new Map<string, TableData>();
  private version = 0;
  private unflushed: RecordChange[] = [];
  private flushing: Promise<void> | undefined;
  private queuedFlush: Promise<void> | undefined;
  private failure: Error | undefined;
  /** Told when the journal fails (the instance should then stop). */
  onFatal?: (error: unknown) => void;

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
   * Runs `unit` alone against the current state and applies what it staged. Returns its result once
   * the changes are durable; if it throws nothing changes.
   *
   * Units run synchronously, so they never interleave. Their changes are applied in memory at once and
   * persisted by group commit: while one journal transaction is in flight, the changes of the units
   * that follow gather into the next one. A unit is acknowledged only when its changes (and any it
   * read) are on disk; a reader may see a write a few milliseconds before that. A journal failure is
   * fatal: the store refuses further writes, and the process must restart to reload from disk.
   */
  write<T>(unit: (tx: WriteTransaction) => T): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const tx = new WriteTransaction(this, () => ++this.version);
    let result: T;
    try {
      result = unit(tx);
    } catch (error) {
      // A refusal may rest on writes not yet durable (a 412 for a record just created): answer it after them.
      return this.durable().then(() => Promise.reject(error));
    }
    const changes = tx.changes();
    for (const change of changes) this.apply(change);
    this.unflushed.push(...changes);
    return this.durable().then(() => result);
  }

  /** Resolves once every change applied so far is persisted. */
  durable(): Promise<void> {
    if (this.unflushed.length === 0) return this.flushing ?? Promise.resolve();
    // setImmediate lets the requests that arrived meanwhile run their units first and join this flush.
    this.queuedFlush ??= (this.flushing ?? Promise.resolve()).then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(() => this.flush());
    return this.queuedFlush;
  }

  async close(): Promise<void> {
    await this.durable().catch(() => undefined);
    await this.journal.close();
  }

  private flush(): Promise<void> {
    this.queuedFlush = undefined;
    const latest = new Map<string, RecordChange>();
    for (const change of this.unflushed) latest.set(`${change.table}/${change.id}`, change);
    this.unflushed = [];
    const persisting = this.journal.persist([...latest.values()]).catch((error: unknown) => {
      this.failure = DataverseErrors.internal(`the local Dataverse could not persist its data and must be restarted (${(error as Error).message})`);
      this.onFatal?.(error);
      throw this.failure;
    });
    this.flushing = persisting;
    return persisting.finally(() => {
      if (this.flushing === persisting) this.flushing = undefined;
    });
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

/** The staged changes of one unit of work; reads see them on top of the committed state. */
export class WriteTransaction implements RecordReader {
  private readonly staged = new Map<string, Map<string, StoredRecord | null>>();

  constructor(
    private readonly store: RecordStore,
    private readonly nextVersion: () => number,
  ) {}

  get(table: string, id: string): StoredRecord | undefined {
    const staged = this.staged.get(table);
    if (staged?.has(id)) return staged.get(id) ?? undefined;
    return this.store.get(table, id);
  }

  findByKey(table: string, keyName: string, values: Record<string, unknown>): StoredRecord | undefined {
    const key = this.store.schemaTable(table).keys.find((k) => k.logicalName === keyName);
    if (!key) return undefined;
    const wanted = normalizeKey(key.attributes, values);
    if (wanted === undefined) return undefined;
    const staged = this.staged.get(table);
    if (staged) {
      for (const record of staged.values()) {
        if (record && normalizeKey(key.attributes, record.values) === wanted) return record;
      }
    }
    const committed = this.store.findByKey(table, keyName, values);
    if (!committed) return undefined;
    // The committed match may have been changed or deleted earlier in this unit.
    const current = this.get(table, committed.id);
    return current && normalizeKey(key.attributes, current.values) === wanted ? current : undefined;
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

  changes(): RecordChange[] {
    const changes: RecordChange[] = [];
    for (const [table, records] of this.staged) {
      for (const [id, record] of records) changes.push({ table, id, record });
    }
    return changes;
  }

  private tableStage(table: string): Map<string, StoredRecord | null> {
    let staged = this.staged.get(table);
    if (!staged) {
      staged = new Map();
      this.staged.set(table, staged);
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
