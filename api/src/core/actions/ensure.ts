/**
 * `ensure`: the record exists afterwards, and an existing record is never touched. Looks the record up
 * by its key (one GET); found → `exists`, or `exists-as-stub` while its ec_stub row is not Hydrated;
 * missing → one change set with the stub (create-only, by GUID) and its ec_stub row → `created-stub`.
 * A stub created by someone else between the look-up and the write (`isChangeSetRace`) makes it look
 * again, once. Concurrent ensures of one record in this process wait for each other (per-key lock).
 */
import { writeChangeSet } from '../ChangeSets';
import { withApiErrors } from '../DataverseFailures';
import type { CallContext, EnsureInput, EnsureResult } from '../EnsureService';
import { refuseInvalidText } from '../InputText';
import { referenceId, resolveKey } from '../RecordKeys';
import type { Reference } from '../ReferenceResolution';
import { isChangeSetRace } from '../RetryRules';
import { planStub, reportStubsCreated, stubColumns, stubOperations } from '../StubPlanning';
import type { ActionParts } from './ActionParts';

export async function ensure({ registry, cache, locks }: ActionParts, instanceName: string, input: EnsureInput, context: CallContext): Promise<EnsureResult> {
  const instance = registry.target(instanceName);
  return withApiErrors(instance.name, async () => {
    const meta = await registry.table(instance, input.table, 'table');
    const key = resolveKey(meta, input.key, 'key');
    const columns = stubColumns(meta, input.columns, 'columns');
    refuseInvalidText(input.name, 'name');
    const reference: Reference = { meta, key, name: input.name, columns, id: referenceId(instance.name, meta.logicalName, key) };
    const release = await locks.acquire([reference.id]);
    try {
      for (let attempt = 0; ; attempt++) {
        const existing = await registry.lookups(instance).recordId(meta, key);
        if (existing) {
          cache.remember(reference.id, existing);
          // Still a stub while its row is not Hydrated (Pending or Abandoned).
          const state = await registry.stubs(instance).state(meta.logicalName, existing);
          const isStub = state !== undefined && state !== 'Hydrated';
          return { id: existing, table: meta.logicalName, outcome: isStub ? 'exists-as-stub' : 'exists' };
        }
        const plan = await planStub(registry, instance, reference);
        try {
          await writeChangeSet(instance.client, stubOperations(registry, instance, plan, 0, context));
        } catch (error) {
          if (attempt === 0 && isChangeSetRace(error)) continue;
          throw error;
        }
        await reportStubsCreated(registry, instance, [plan], context, 'ensure');
        cache.remember(reference.id, plan.recordId);
        return { id: plan.recordId, table: meta.logicalName, outcome: 'created-stub' };
      }
    } finally {
      release();
    }
  });
}
