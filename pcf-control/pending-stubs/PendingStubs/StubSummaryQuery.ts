/**
 * Header numbers over the whole `ec_stub` table (not only the page on screen): FetchXML aggregate
 * counts and one ordered read, through `context.webAPI.retrieveMultipleRecords`.
 * Any failure (no privilege, offline harness) answers `undefined`; the caller then counts the page.
 */
import { StubColumn, StubState, StubTable } from '../../common/StubTable';
import type { StubSummary } from './components/PendingStubsGrid.types';
import { dateOf, numberOf } from '../../common/StubValues';

export interface StubReader {
  retrieveMultipleRecords(
    entityType: string,
    options?: string,
    maxPageSize?: number,
  ): Promise<{ entities: Record<string, unknown>[] }>;
}

function countFetchXml(conditions: string): string {
  return (
    `<fetch aggregate="true"><entity name="${StubTable.logicalName}">` +
    `<attribute name="${StubColumn.id}" alias="stubcount" aggregate="count"/>` +
    `<filter type="and">${conditions}</filter></entity></fetch>`
  );
}

async function count(reader: StubReader, conditions: string): Promise<number> {
  const response = await reader.retrieveMultipleRecords(
    StubTable.logicalName,
    `?fetchXml=${encodeURIComponent(countFetchXml(conditions))}`,
  );
  const value = numberOf(response.entities[0]?.['stubcount']);
  if (value === undefined) throw new Error('aggregate count missing');
  return value;
}

// async, so that a Web API that throws synchronously gives a rejected promise like the others.
async function oldestPending(reader: StubReader): Promise<{ entities: Record<string, unknown>[] }> {
  return reader.retrieveMultipleRecords(
    StubTable.logicalName,
    `?$select=${StubColumn.createdOn}&$filter=${StubColumn.state} eq ${StubState.Pending}` +
      `&$orderby=${StubColumn.createdOn} asc&$top=1`,
  );
}

export async function loadStubSummary(reader: StubReader): Promise<StubSummary | undefined> {
  try {
    const pending = `<condition attribute="${StubColumn.state}" operator="eq" value="${StubState.Pending}"/>`;
    const hydratedLastDay =
      `<condition attribute="${StubColumn.state}" operator="eq" value="${StubState.Hydrated}"/>` +
      `<condition attribute="${StubColumn.hydratedOn}" operator="last-x-hours" value="24"/>`;
    // One after the other, stopping at the first failure: a host without a Web API (the pcf-start
    // harness answers each call with a "not yet supported" dialog) is asked only once.
    const pendingCount = await count(reader, pending);
    const hydratedLast24h = await count(reader, hydratedLastDay);
    const oldest = await oldestPending(reader);
    return {
      scope: 'all',
      pendingCount,
      hydratedLast24h,
      oldestPendingCreatedOn: dateOf(oldest.entities[0]?.[StubColumn.createdOn]),
    };
  } catch {
    return undefined;
  }
}
