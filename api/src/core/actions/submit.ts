/**
 * `submit`: ensures a record's references, then writes the record — a create (by a GUID chosen here)
 * or, with `key`, an upsert. References come from `references` or the record's `<nav>@odata.bind`
 * (`ReferenceResolution.ts`). All known to the existence cache → the record alone, one request;
 * otherwise the unknown ones are locked (in sorted order, single-flight per key in this process) and
 * the configured strategy (`single-round-trip` by default, or `atomic`; `submit/`) writes the stubs
 * and the record. Tries once more when a stub was created meanwhile (`isChangeSetRace`) or a cached
 * reference was deleted (`isStaleReference`). A record carrying `ec_isstub: true` is refused: only
 * stubs are marked (`StubMarker.ts`).
 */
import { randomUUID } from 'node:crypto';
import { recordOperation } from '../ChangeSets';
import { withApiErrors } from '../DataverseFailures';
import type { CallContext, SubmitInput, SubmitResult } from '../EnsureService';
import { resolveKey } from '../RecordKeys';
import { writeRecord } from '../RecordWrite';
import { resolveReferences } from '../ReferenceResolution';
import { isChangeSetRace, isStaleReference } from '../RetryRules';
import { refuseStubMarkerSet } from '../StubMarker';
import type { SubmitWrite } from '../submit/SubmitStrategy';
import type { ActionParts } from './ActionParts';

export async function submit(parts: ActionParts, instanceName: string, input: SubmitInput, context: CallContext): Promise<SubmitResult> {
  const { registry, cache } = parts;
  const instance = registry.target(instanceName);
  return withApiErrors(instance.name, async () => {
    refuseStubMarkerSet(input.record, 'record'); // before any request: refused even while the target is down
    const meta = await registry.table(instance, input.table, 'table');
    const recordKey = input.key ? resolveKey(meta, input.key, 'key') : undefined;
    const { record, references } = await resolveReferences(registry, instance, meta, input);
    // A create carries a GUID chosen here, so a retried write whose first answer was lost is
    // recognised (412 on our own fresh GUID) instead of creating the record twice.
    if (!recordKey && record[meta.primaryIdAttribute] === undefined) record[meta.primaryIdAttribute] = context.newRecordId ?? randomUUID();
    const generatedId = recordKey ? undefined : String(record[meta.primaryIdAttribute]).toLowerCase();
    const ownWrite = input.record[meta.primaryIdAttribute] === undefined ? generatedId : undefined;
    const call: Omit<SubmitWrite, 'unknown'> = { instance, meta, recordKey, record, recordOperation: recordOperation(meta, recordKey, record), context, ownWrite };
    for (let attempt = 0; ; attempt++) {
      try {
        return await submitOnce(parts, call, references);
      } catch (error) {
        if (attempt > 0) throw error;
        if (isChangeSetRace(error)) continue;
        if (isStaleReference(error)) {
          for (const reference of references) cache.forget(reference.id);
          continue;
        }
        throw error;
      }
    }
  });
}

async function submitOnce({ cache, locks, submitStrategy }: ActionParts, call: Omit<SubmitWrite, 'unknown'>, references: SubmitWrite['unknown']): Promise<SubmitResult> {
  const unknown = references.filter((r) => cache.get(r.id) === undefined);
  const release = await locks.acquire(unknown.map((r) => r.id));
  try {
    // Another submit may have created them while we waited.
    const stillUnknown = unknown.filter((r) => cache.get(r.id) === undefined);
    if (stillUnknown.length === 0) {
      const written = await writeRecord(call.instance, call.meta, call.recordKey, call.record, call.ownWrite);
      return { ...written, table: call.meta.logicalName, stubsCreated: [] };
    }
    return await submitStrategy.write({ ...call, unknown: stillUnknown });
  } finally {
    release();
  }
}
