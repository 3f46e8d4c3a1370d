/**
 * `single-round-trip` (the default): one `$batch` with `odata.continue-on-error` — a change set per
 * possibly-missing reference (the stub, create-only, with its ec_stub row: a 412 means the record
 * exists and rolls back only that change set), then the record, which Dataverse runs after them. A
 * record that Dataverse rejects can leave stubs behind (tracked, hydrated later like any stub).
 */
import { recordBindPath, DuplicateRecordError, NotFoundError, type BatchOperation, type DataverseError, type EntityMetadata } from '../../dataverse';
import { ChangeSetFailure, lastOperation, recordOutcome } from '../ChangeSets';
import { toEntityKey } from '../RecordKeys';
import { isOwnWriteCollision } from '../RetryRules';
import { planStubs, reportStubsCreated, stubCreated, stubOperations, type StubPlan } from '../StubPlanning';
import type { SubmitStrategyImplementation, SubmitStrategyParts, SubmitWrite } from './SubmitStrategy';

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function singleRoundTripSubmit({ registry, cache }: SubmitStrategyParts): SubmitStrategyImplementation {
  return {
    name: 'single-round-trip',
    async write({ instance, meta, recordOperation, unknown, context, ownWrite }: SubmitWrite) {
      const plans = await planStubs(registry, instance, unknown);
      const items = plans.map((plan, i) => ({ changeSet: stubOperations(registry, instance, plan, i, context) }));
      // A 412 on an alternate-key stub says the record exists, not its GUID: read it from the record's answer.
      const learn = lookupColumnsOf(meta, recordOperation, plans.filter((plan) => plan.key.kind === 'alternate'));
      const recordPart = withLookupsReturned(meta, recordOperation, learn);
      const result = await instance.client.executeBatch([...items, { ...recordPart, contentId: undefined }], { continueOnError: true });
      const created: StubPlan[] = [];
      let stubFailure: DataverseError | undefined;
      plans.forEach((plan, i) => {
        const stub = result.operations.find((o) => o.contentId === `stub${i}`);
        const failed = result.operations.find((o) => o.changeSetIndex === i && o.outcome === 'failed');
        if (stub?.outcome === 'succeeded' && !failed) {
          created.push(plan);
          cache.remember(plan.id, plan.recordId);
        } else if (failed?.contentId === `stub${i}` && failed.error instanceof DuplicateRecordError) {
          if (plan.key.kind === 'id') cache.remember(plan.id, plan.recordId); // it exists: that is success
        } else {
          stubFailure ??= failed?.error ?? result.errors[0];
        }
      });
      // Their change sets committed, whatever becomes of the record: tracked stubs, reported now.
      await reportStubsCreated(registry, instance, created, context, 'submit');
      const last = lastOperation(result);
      if (ownWrite && isOwnWriteCollision(last.error)) {
        // Our own earlier attempt landed (its answer was lost and the batch was retried).
        return { id: ownWrite, operation: 'created', table: meta.logicalName, stubsCreated: created.map(stubCreated) };
      }
      if (last.outcome !== 'succeeded') {
        const error = last.error ?? stubFailure ?? result.errors[0];
        if (!error) throw new Error(`$batch answered ${result.status} without an error for the record`);
        // A stub that could not be written explains the record's missing reference better than the 404 does.
        throw new ChangeSetFailure('record', 0, error instanceof NotFoundError && stubFailure ? stubFailure : error);
      }
      const written = recordOutcome(meta, last, recordOperation);
      const body = last.response?.body as Record<string, unknown> | undefined;
      for (const [plan, column] of learn) {
        const value = body?.[column];
        if (cache.get(plan.id) === undefined && typeof value === 'string' && GUID.test(value)) cache.remember(plan.id, value.toLowerCase());
      }
      return { ...written, table: meta.logicalName, stubsCreated: created.map(stubCreated) };
    },
  };
}

/**
 * The `_<lookup>_value` column through which the record binds each of these references (the record's
 * binds are written by `recordBindPath`, so the same reference gives the same path).
 */
function lookupColumnsOf(meta: EntityMetadata, recordOperation: BatchOperation, references: StubPlan[]): Map<StubPlan, string> {
  const columns = new Map<StubPlan, string>();
  const body = recordOperation.body ?? {};
  for (const reference of references) {
    const path = recordBindPath(reference.meta.entitySetName, toEntityKey(reference.key));
    const lookup = meta.manyToOne.find((l) => body[`${l.navigationProperty}@odata.bind`] === path);
    if (lookup) columns.set(reference, `_${lookup.referencingAttribute}_value`);
  }
  return columns;
}

/** The record's write asking `Prefer: return=representation` with these lookup columns in `$select`. */
function withLookupsReturned(meta: EntityMetadata, recordOperation: BatchOperation, columns: Map<StubPlan, string>): BatchOperation {
  if (columns.size === 0) return recordOperation;
  const select = new Set([meta.primaryIdAttribute, ...(recordOperation.query?.select ?? []), ...columns.values()]);
  return { ...recordOperation, returnRepresentation: true, query: { ...recordOperation.query, select: [...select] } };
}
