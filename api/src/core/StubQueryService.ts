/**
 * The stub queries (`StubQueries`): pages of `ec_stub` rows (the skip token is the service's own keyset
 * cursor, `StubCursor.ts`), one row by table and record id, and the summary of all rows
 * (`StubSummary.ts`). Read-only. Fields of errors are relative to the query (`top`, `table`,
 * `skipToken`, `id`).
 */
import { filterEquals } from '../dataverse';
import { ApiErrors } from './ApiErrors';
import { withApiErrors } from './DataverseFailures';
import type { Stub, StubPage, StubQueries, StubQuery, StubSummary } from './EnsureService';
import type { InstanceRegistry } from './InstanceRegistry';
import { afterPositionFilter, decodeStubCursor, encodeStubCursor, type StubFilters } from './StubCursor';
import { StubSummaryBuilder, SUMMARY_COLUMNS } from './StubSummary';
import { STUB_COLUMNS, STUB_ENTITY_SET, StubStateValue, stubRowKey, toStub } from './StubTracking';

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function createStubQueries(registry: InstanceRegistry): StubQueries {
  return {
    listStubs: (instance, query) => listStubs(registry, instance, query),
    getStub: (instance, table, recordId) => getStub(registry, instance, table, recordId),
    stubSummary: (instance) => stubSummary(registry, instance),
  };
}

export async function listStubs(registry: InstanceRegistry, instanceName: string, query: StubQuery): Promise<StubPage> {
  const instance = registry.get(instanceName);
  return withApiErrors(instance.name, async () => {
    const top = query.top ?? 50;
    if (!Number.isInteger(top) || top < 1 || top > 5000) throw ApiErrors.pageSizeOutOfRange('top');
    const given: StubFilters = {
      ...(query.state !== undefined ? { state: query.state } : {}),
      ...(query.table !== undefined ? { table: query.table } : {}),
      ...(query.olderThanSeconds !== undefined ? { olderThanSeconds: query.olderThanSeconds } : {}),
    };
    // Later pages: the token's own filters and position (StubCursor.ts); nothing of it reaches
    // Dataverse but values validated there and here.
    const cursor = query.skipToken !== undefined ? decodeStubCursor(query.skipToken, instance.name, given) : undefined;
    const filters = cursor?.filters ?? given;
    const conditions: string[] = [];
    if (filters.state) conditions.push(filterEquals('ec_stubstate', StubStateValue[filters.state]));
    if (filters.table) {
      registry.allowTable(instance, filters.table, cursor ? 'skipToken' : 'table');
      conditions.push(filterEquals('ec_table', filters.table));
    }
    if (filters.olderThanSeconds !== undefined) {
      const before = new Date(Date.now() - filters.olderThanSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      conditions.push(`createdon le ${before}`);
    }
    if (cursor) conditions.push(afterPositionFilter(cursor.after));
    const page = await instance.client.query(STUB_ENTITY_SET, {
      select: [...STUB_COLUMNS],
      ...(conditions.length > 0 ? { filter: conditions.join(' and ') } : {}),
      // createdon has whole seconds: ec_stubid orders the stubs of one second, for the cursor.
      orderBy: [{ column: 'createdon' }, { column: 'ec_stubid' }],
      maxPageSize: top,
    });
    const value = page.records.map(toStub);
    const last = value[value.length - 1];
    // Dataverse's nextLink only says whether there is more; the token is ours.
    return { value, ...(page.nextLink && last ? { nextSkipToken: encodeStubCursor(instance.name, filters, { createdOn: last.createdOn, id: last.id }) } : {}) };
  });
}

export async function getStub(registry: InstanceRegistry, instanceName: string, table: string, recordId: string): Promise<Stub | undefined> {
  const instance = registry.get(instanceName);
  return withApiErrors(instance.name, async () => {
    registry.allowTable(instance, table, 'table');
    if (!GUID.test(recordId)) throw ApiErrors.notAStubbedRecordId('id');
    const row = await instance.client.tryRetrieve(STUB_ENTITY_SET, stubRowKey(table, recordId.toLowerCase()), { select: [...STUB_COLUMNS] });
    return row ? toStub(row) : undefined;
  });
}

export async function stubSummary(registry: InstanceRegistry, instanceName: string): Promise<StubSummary> {
  const instance = registry.get(instanceName);
  return withApiErrors(instance.name, async () => {
    const summary = new StubSummaryBuilder(instance.name);
    for await (const page of instance.client.queryPages(STUB_ENTITY_SET, { select: [...SUMMARY_COLUMNS], maxPageSize: 5000 })) {
      for (const row of page.records) summary.add(row);
    }
    return summary.build();
  });
}
