import type { RecordChange, StoredRecord } from './StoredRecord';

/**
 * Durability behind the in-memory record store: every committed unit of work is persisted as one
 * transaction before it is acknowledged, and everything is loaded back at start.
 */
export interface RecordJournal {
  load(): Promise<Array<{ table: string; record: StoredRecord }>>;
  /**
   * Persists `changes` in one transaction, entirely or not at all. Throws `RecordsRefusedError` when
   * the engine refuses the data itself (a value it cannot store); the journal stays usable then. Any
   * other error is a storage failure.
   */
  persist(changes: RecordChange[]): Promise<void>;
  close(): Promise<void>;
}

/** The journal refused the records' data (nothing of the transaction was stored); it is still usable. */
export class RecordsRefusedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RecordsRefusedError';
  }
}

/** For `--memory` instances and tests: nothing outlives the process. */
export class MemoryJournal implements RecordJournal {
  async load() {
    return [];
  }
  async persist(): Promise<void> {}
  async close(): Promise<void> {}
}
