/**
 * The stub queries (`StubQueries`): pages of `ec_stub` rows (the skip token is the service's own keyset
 * cursor, `stubs/StubCursor.ts`), one row by table and record id, the summary of all rows
 * (`stubs/StubSummary.ts`), and the hydration request people make of a row. The rows are the stub
 * repository's (`stubs/`); here the query's values are checked. Fields of errors are relative to the
 * query (`top`, `table`, `skipToken`, `id`).
 */
import { ApiErrors } from './ApiErrors';
import { withApiErrors } from './DataverseFailures';
import type { Stub, StubPage, StubQueries, StubQuery, StubSummary, StubSummaryOptions } from './EnsureService';
import type { InstanceRegistry } from './InstanceRegistry';
import { decodeStubCursor, type StubFilters } from './stubs';

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function createStubQueries(registry: InstanceRegistry): StubQueries {
  return {
    listStubs: (instance, query) => listStubs(registry, instance, query),
    getStub: (instance, table, recordId) => getStub(registry, instance, table, recordId),
    stubSummary: (instance, options) => stubSummary(registry, instance, options),
    requestHydration: (instance, stubId, requestedOn) => requestHydration(registry, instance, stubId, requestedOn),
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
    if (filters.table) registry.allowTable(instance, filters.table, cursor ? 'skipToken' : 'table');
    return registry.stubs(instance).page(filters, cursor?.after, top);
  });
}

export async function getStub(registry: InstanceRegistry, instanceName: string, table: string, recordId: string): Promise<Stub | undefined> {
  const instance = registry.get(instanceName);
  return withApiErrors(instance.name, async () => {
    registry.allowTable(instance, table, 'table');
    if (!GUID.test(recordId)) throw ApiErrors.notAStubbedRecordId('id');
    return registry.stubs(instance).get(table, recordId.toLowerCase());
  });
}

export async function stubSummary(registry: InstanceRegistry, instanceName: string, options: StubSummaryOptions = {}): Promise<StubSummary> {
  const instance = registry.get(instanceName);
  return withApiErrors(instance.name, async () => registry.stubs(instance).summary(options));
}

export async function requestHydration(registry: InstanceRegistry, instanceName: string, stubId: string, requestedOn: Date): Promise<void> {
  const instance = registry.get(instanceName);
  return withApiErrors(instance.name, async () => registry.stubs(instance).requestHydration(stubId, requestedOn));
}
