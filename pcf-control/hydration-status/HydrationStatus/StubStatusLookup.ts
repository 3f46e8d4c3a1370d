/**
 * Is the current record a stub? Reads its `ec_stub` row by (`ec_table`, `ec_recordid`) through the
 * smallest slice of `context.webAPI`. Never throws: a missing table, a missing privilege or any other
 * failure answers `{ kind: 'unavailable' }`, which the badge shows as nothing.
 */
import { StubColumn, StubState, StubTable, toStubState } from '../../common/StubTable';
import { dateOf, numberOf, textOf } from '../../common/StubValues';

export interface StubStatusReader {
  retrieveMultipleRecords(
    entityType: string,
    options?: string,
    maxPageSize?: number,
  ): Promise<{ entities: Record<string, unknown>[] }>;
}

export interface StubFacts {
  createdOn?: Date;
  attempts?: number;
  lastError?: string;
  sourceInstance?: string;
  hydrationRequestedOn?: Date;
}

export type StubStatus =
  | { kind: 'neverStub' }
  /** Known from the stub marker column alone (StubMarker.ts), without the `ec_stub` row's details. */
  | { kind: 'stub' }
  | ({ kind: 'pending' } & StubFacts)
  | ({ kind: 'abandoned' } & StubFacts)
  | { kind: 'hydrated'; hydratedOn?: Date; secondsToHydrate?: number }
  | { kind: 'unavailable'; reason: string };

/** OData string literal: single quotes doubled, then percent-encoded, as Dataverse parses key and filter literals
 * (docs/dataverse-behaviours.md, 2.7). */
export function odataString(value: string): string {
  return encodeURIComponent(`'${value.replace(/'/g, "''")}'`);
}

/** A GUID as Dataverse writes it in `ec_recordid`: lower case, no braces. */
export function normalizeRecordId(id: string): string {
  return id.trim().replace(/^\{|\}$/g, '').toLowerCase();
}

export function stubQuery(table: string, recordId: string): string {
  const columns = [
    StubColumn.state,
    StubColumn.createdOn,
    StubColumn.attempts,
    StubColumn.lastError,
    StubColumn.sourceInstance,
    StubColumn.hydrationRequestedOn,
    StubColumn.hydratedOn,
    StubColumn.secondsToHydrate,
  ];
  return (
    `?$select=${columns.join(',')}` +
    `&$filter=${StubColumn.table} eq ${odataString(table)} and ${StubColumn.recordId} eq ${odataString(normalizeRecordId(recordId))}` +
    `&$top=1`
  );
}

export function stubStatusOf(row: Record<string, unknown> | undefined): StubStatus {
  if (!row) return { kind: 'neverStub' };
  const state = toStubState(row[StubColumn.state]);
  if (state === StubState.Hydrated) {
    return {
      kind: 'hydrated',
      hydratedOn: dateOf(row[StubColumn.hydratedOn]),
      secondsToHydrate: numberOf(row[StubColumn.secondsToHydrate]),
    };
  }
  const facts: StubFacts = {
    createdOn: dateOf(row[StubColumn.createdOn]),
    attempts: numberOf(row[StubColumn.attempts]),
    lastError: textOf(row[StubColumn.lastError]) || undefined,
    sourceInstance: textOf(row[StubColumn.sourceInstance]) || undefined,
    hydrationRequestedOn: dateOf(row[StubColumn.hydrationRequestedOn]),
  };
  return state === StubState.Abandoned ? { kind: 'abandoned', ...facts } : { kind: 'pending', ...facts };
}

export async function lookupStubStatus(
  reader: StubStatusReader | undefined,
  table: string | undefined,
  recordId: string | undefined,
): Promise<StubStatus> {
  if (!reader || !table || !recordId) return { kind: 'unavailable', reason: 'no record' };
  if (table === StubTable.logicalName) return { kind: 'neverStub' };
  try {
    const response = await reader.retrieveMultipleRecords(StubTable.logicalName, stubQuery(table, recordId));
    return stubStatusOf(response?.entities?.[0]);
  } catch (error) {
    return { kind: 'unavailable', reason: error instanceof Error ? error.message : String(error) };
  }
}
