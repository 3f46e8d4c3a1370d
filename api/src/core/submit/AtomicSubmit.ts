/**
 * `atomic`: two round trips — an existence query (one `$batch` of GETs, one per table), then one change
 * set holding the missing stubs, their ec_stub rows and the record. A record that Dataverse rejects
 * rolls the stubs back with it: nothing is left behind.
 */
import { lastOperation, recordOutcome, writeChangeSet } from '../ChangeSets';
import { writeRecord } from '../RecordWrite';
import { planStubs, reportStubsCreated, stubCreated, stubOperations } from '../StubPlanning';
import type { SubmitStrategyImplementation, SubmitStrategyParts, SubmitWrite } from './SubmitStrategy';

export function atomicSubmit({ registry, cache }: SubmitStrategyParts): SubmitStrategyImplementation {
  return {
    name: 'atomic',
    async write({ instance, meta, recordKey, record, recordOperation, unknown, context, ownWrite }: SubmitWrite) {
      const found = await registry.lookups(instance).findRecordIds(unknown);
      for (const [id, recordId] of found) cache.remember(id, recordId);
      const plans = await planStubs(registry, instance, unknown.filter((r) => !found.has(r.id)));
      if (plans.length === 0) {
        const written = await writeRecord(instance, meta, recordKey, record, ownWrite);
        return { ...written, table: meta.logicalName, stubsCreated: [] };
      }
      const operations = plans.flatMap((plan, i) => stubOperations(registry, instance, plan, i, context));
      const result = await writeChangeSet(instance.client, [...operations, recordOperation]);
      await reportStubsCreated(registry, instance, plans, context, 'submit');
      for (const plan of plans) cache.remember(plan.id, plan.recordId);
      const written = recordOutcome(meta, lastOperation(result), recordOperation);
      return { ...written, table: meta.logicalName, stubsCreated: plans.map(stubCreated) };
    },
  };
}
