import type { RecordChange, StoredRecord } from './StoredRecord';

/**
 * Durability behind the in-memory record store: every committed unit of work is persisted as one
 * transaction before it is acknowledged, and everything is loaded back at start.
 */
export interface RecordJournal {
  load(): Promise<Array<{ table: string; record: StoredRecord }>>;
  persist(changes: RecordChange[]): Promise<void>;
  close(): Promise<void>;
}

/** For `--memory` instances and tests: nothing outlives the process. */
export class MemoryJournal implements RecordJournal {
  async load() {
    return [];
  }
  async persist(): Promise<void> {}
  async close(): Promise<void> {}
}
