/**
 * What the actions read and write of `ec_stub` rows (the row formats are StubTracking.ts's): the new
 * row beside each stub in its change set, whether a record is a stub (ensure), the row hydrate reads,
 * and the update that marks it Hydrated. Kept apart so that a stub repository can take them over whole.
 */
import type { BatchOperation, DataverseClient } from '../dataverse';
import type { CallContext } from './EnsureService';
import { hydratedRowUpdate, newStubRow, STUB_ENTITY_SET, StubStateValue, stubRowKey } from './StubTracking';

/** The facts of a new stub its row records. */
export interface NewStubFacts {
  table: string;
  recordId: string;
  keyText: string;
  name: string;
  sourceInstance: string | undefined;
}

/** The new Pending row of stub `i`, written in the stub's change set (content id `row<i>`). */
export function newStubRowOperation(stub: NewStubFacts, i: number, context: CallContext): BatchOperation {
  return {
    method: 'PATCH',
    target: { entitySet: STUB_ENTITY_SET, key: stubRowKey(stub.table, stub.recordId) },
    body: newStubRow({ ...stub, origin: context.origin }),
    contentId: `row${i}`,
  };
}

/** Whether an existing record is still a stub: its row is there and not Hydrated (Pending or Abandoned). */
export async function isStillAStub(client: DataverseClient, table: string, recordId: string): Promise<boolean> {
  const row = await client.tryRetrieve(STUB_ENTITY_SET, stubRowKey(table, recordId), { select: ['ec_stubstate'] });
  return row !== undefined && row.ec_stubstate !== StubStateValue.Hydrated;
}

/** A row hydrate may mark: Pending or Abandoned, with its ETag and creation time. */
export interface UnhydratedRow {
  etag: string;
  createdOn: string;
}

/** The record's row if it is not Hydrated yet; undefined when there is none or it is Hydrated. */
export async function unhydratedRow(client: DataverseClient, table: string, recordId: string): Promise<UnhydratedRow | undefined> {
  const row = await client.tryRetrieve(STUB_ENTITY_SET, stubRowKey(table, recordId), { select: ['ec_stubid', 'ec_stubstate', 'createdon'] });
  if (row === undefined || row.ec_stubstate === StubStateValue.Hydrated) return undefined;
  return { etag: String(row['@odata.etag']), createdOn: String(row.createdon) };
}

/**
 * The update marking the row Hydrated (content id `row`), `If-Match` on the row's ETag: a concurrent
 * hydration or reconciler update is not overwritten. `secondsToHydrate` as written.
 */
export function hydratedRowOperation(table: string, recordId: string, row: UnhydratedRow, now: Date): { operation: BatchOperation; secondsToHydrate: number | undefined } {
  const update = hydratedRowUpdate(row.createdOn, now);
  return {
    operation: { method: 'PATCH', target: { entitySet: STUB_ENTITY_SET, key: stubRowKey(table, recordId) }, body: update, condition: { etag: row.etag }, contentId: 'row' },
    secondsToHydrate: update.ec_secondstohydrate as number | undefined,
  };
}
