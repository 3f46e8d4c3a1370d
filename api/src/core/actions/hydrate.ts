/**
 * `hydrate`: writes the full record replication brings (an upsert at its key). When the record's
 * ec_stub row is not Hydrated yet, the same change set marks it Hydrated (`If-Match` on the row's
 * ETag) → `wasStub: true` with the time to hydrate; otherwise a plain upsert → `wasStub: false`. A row
 * changed meanwhile (`isStubRowChangedMeanwhile`) makes it read the row again and decide again, once.
 * Where the table uses the stub marker, the upsert of that change set sets `ec_isstub = false`; a
 * record carrying `ec_isstub: true` is refused (`StubMarker.ts`).
 */
import { recordOperation, recordOutcome, throwIfFailed } from '../ChangeSets';
import { withApiErrors } from '../DataverseFailures';
import type { CallContext, HydrateInput, HydrateResult } from '../EnsureService';
import { referenceId, resolveKey } from '../RecordKeys';
import { writeRecord } from '../RecordWrite';
import { resolveReferences } from '../ReferenceResolution';
import { isStubRowChangedMeanwhile } from '../RetryRules';
import { refuseStubMarkerSet, STUB_MARKER_COLUMN } from '../StubMarker';
import type { ActionParts } from './ActionParts';

export async function hydrate({ registry, cache, locks }: ActionParts, instanceName: string, input: HydrateInput, context: CallContext): Promise<HydrateResult> {
  const instance = registry.target(instanceName);
  const stubs = registry.stubs(instance);
  return withApiErrors(instance.name, async () => {
    refuseStubMarkerSet(input.record, 'record'); // before any request: refused even while the target is down
    const meta = await registry.table(instance, input.table, 'table');
    const key = resolveKey(meta, input.key, 'key');
    const { record } = await resolveReferences(registry, instance, meta, { record: input.record });
    const id = referenceId(instance.name, meta.logicalName, key);
    const release = await locks.acquire([id]);
    try {
      const recordId = key.kind === 'id' ? key.id : await registry.lookups(instance).recordId(meta, key);
      // The hydration's own upsert clears the marker; a plain upsert leaves it (nothing is hydrated).
      const marker = registry.stubMarkers.uses(instance, meta) ? { [STUB_MARKER_COLUMN]: false } : {};
      const upsert = recordOperation(meta, key, { ...record, ...marker });
      for (let attempt = 0; ; attempt++) {
        const row = recordId ? await stubs.hydrationTarget(meta.logicalName, recordId) : undefined;
        if (row === undefined || row.state === 'Hydrated') {
          const written = await writeRecord(instance, meta, key, record);
          cache.remember(id, written.id);
          return { id: written.id, table: meta.logicalName, operation: written.operation, wasStub: false };
        }
        const marking = stubs.hydrationOperation(row, new Date(), 'row');
        const result = await instance.client.executeBatch([{ changeSet: [upsert, marking.operation] }]);
        const rowFailure = result.operations.find((o) => o.contentId === 'row' && o.outcome === 'failed');
        // Hydrated meanwhile (answered wasStub: false then: the causes cannot be told apart, ec_hydratedon
        // has whole seconds) or still Pending on a new ETag: decide again, once.
        if (attempt === 0 && isStubRowChangedMeanwhile(rowFailure?.error)) continue;
        throwIfFailed(result);
        const written = recordOutcome(meta, result.operations.find((o) => o.contentId === 'record')!, upsert);
        cache.remember(id, written.id);
        const { secondsToHydrate } = marking;
        await stubs.hydrated(row, secondsToHydrate, context.byReconciler ? 'reconciler' : 'hydrate');
        return { id: written.id, table: meta.logicalName, operation: written.operation, wasStub: true, ...(secondsToHydrate === undefined ? {} : { secondsToHydrate }) };
      }
    } finally {
      release();
    }
  });
}
