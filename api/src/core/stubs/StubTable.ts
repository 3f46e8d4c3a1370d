/**
 * The `ec_stub` tracking table (docs/data-model.md): one row per stubbed record, alternate key
 * `ec_stub_record` on (ec_table, ec_recordid). Its names, choice values and row bodies live here once;
 * only the stub repository (`StubRepository.ts`) and its neighbours in this folder use them.
 */
import type { EntityKey } from '../../dataverse';
import { clip } from '../clip';
import type { RecordKeyInput, Stub, StubState } from '../EnsureService';

export const STUB_ENTITY_SET = 'ec_stubs';

export const StubStateValue: Record<StubState, number> = {
  Pending: 100000000,
  Hydrated: 100000001,
  Abandoned: 100000002,
};

export const STUB_COLUMNS = [
  'ec_stubid', 'ec_name', 'ec_table', 'ec_recordid', 'ec_key', 'ec_recordname', 'ec_sourceinstance', 'ec_stubstate',
  'ec_attempts', 'ec_lasterror', 'ec_hydrationrequestedon', 'ec_hydratedon', 'ec_secondstohydrate', 'ec_origin', 'createdon',
] as const;

/** Text limits of the columns written from callers' values. */
export const LAST_ERROR_MAX = 4000;

export function stubRowKey(table: string, recordId: string): EntityKey {
  return { ec_table: table, ec_recordid: recordId };
}

export interface NewStubRow {
  table: string;
  recordId: string;
  /** `ec_key`, as the key codec writes it (`StubKey.ts`). */
  keyText: string;
  /** `ec_name`, as the key codec writes it. */
  rowName: string;
  name: string;
  sourceInstance: string | undefined;
  origin: string;
}

/** A fresh Pending row (written by upsert, so a row left from an earlier life of the record is reset). */
export function newStubRow(row: NewStubRow): Record<string, unknown> {
  return {
    ec_name: row.rowName,
    ec_table: row.table,
    ec_recordid: row.recordId,
    ec_key: row.keyText,
    ec_recordname: clip(row.name, 400),
    ec_sourceinstance: row.sourceInstance ?? null,
    ec_stubstate: StubStateValue.Pending,
    ec_attempts: 0,
    ec_lasterror: null,
    ec_hydratedon: null,
    ec_secondstohydrate: null,
    ec_origin: clip(row.origin, 400),
  };
}

/** Seconds from the row's creation to `hydratedOn` (whole, never negative; undefined when createdon is not a date). */
export function secondsToHydrate(createdOn: string, hydratedOn: Date): number | undefined {
  const seconds = Math.max(0, Math.round((hydratedOn.getTime() - Date.parse(createdOn)) / 1000));
  return Number.isFinite(seconds) ? seconds : undefined;
}

/**
 * The mark Hydrated (the hydrate action's and the reconciler's external mark): a Hydrated stub carries
 * no error of its earlier attempts, so `ec_lasterror` is cleared in the same update.
 */
export function hydratedRowUpdate(seconds: number | undefined, hydratedOn: Date): Record<string, unknown> {
  return {
    ec_stubstate: StubStateValue.Hydrated,
    ec_hydratedon: hydratedOn.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ec_secondstohydrate: seconds ?? null,
    ec_lasterror: null,
  };
}

export function stateOf(value: unknown): StubState {
  const entry = Object.entries(StubStateValue).find(([, v]) => v === value);
  return (entry?.[0] as StubState | undefined) ?? 'Pending';
}

/** The row as a stub; `key` is its `ec_key` read with the table's metadata (`readStubKey`). */
export function toStub(row: Record<string, unknown>, key: RecordKeyInput | undefined): Stub {
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  return {
    id: String(row.ec_stubid),
    table: String(row.ec_table),
    recordId: String(row.ec_recordid),
    key: key ?? null,
    name: text(row.ec_recordname),
    sourceInstance: text(row.ec_sourceinstance),
    state: stateOf(row.ec_stubstate),
    attempts: num(row.ec_attempts) ?? 0,
    lastError: text(row.ec_lasterror),
    hydrationRequestedOn: text(row.ec_hydrationrequestedon),
    hydratedOn: text(row.ec_hydratedon),
    secondsToHydrate: num(row.ec_secondstohydrate),
    origin: text(row.ec_origin),
    createdOn: String(row.createdon),
  };
}
