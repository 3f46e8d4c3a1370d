/**
 * The `ec_stub` tracking table (docs/data-model.md): one row per stubbed
 * record, alternate key `ec_stub_record` on (ec_table, ec_recordid). Names and choice values live here once.
 */
import type { EntityKey } from '../dataverse';
import type { Stub, StubState } from './EnsureService';

export const STUB_TABLE = 'ec_stub';
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

export function stubRowKey(table: string, recordId: string): EntityKey {
  return { ec_table: table, ec_recordid: recordId };
}

export interface NewStubRow {
  table: string;
  recordId: string;
  keyText: string;
  name: string;
  sourceInstance: string | undefined;
  origin: string;
}

/** A fresh Pending row (written by upsert, so a row left from an earlier life of the record is reset). */
export function newStubRow(row: NewStubRow): Record<string, unknown> {
  return {
    ec_name: clip(`${row.table}:${row.keyText}`, 400),
    ec_table: row.table,
    ec_recordid: row.recordId,
    ec_key: clip(row.keyText, 1000),
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

export function hydratedRowUpdate(createdOn: string, now: Date): Record<string, unknown> {
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(createdOn)) / 1000));
  return {
    ec_stubstate: StubStateValue.Hydrated,
    ec_hydratedon: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ec_secondstohydrate: Number.isFinite(seconds) ? seconds : null,
  };
}

export function stateOf(value: unknown): StubState {
  const entry = Object.entries(StubStateValue).find(([, v]) => v === value);
  return (entry?.[0] as StubState | undefined) ?? 'Pending';
}

export function toStub(row: Record<string, unknown>): Stub {
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  return {
    id: String(row.ec_stubid),
    table: String(row.ec_table),
    recordId: String(row.ec_recordid),
    key: String(row.ec_key ?? ''),
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

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
