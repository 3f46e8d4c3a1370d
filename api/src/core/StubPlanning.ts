/**
 * Which stubs to create and how: the GUID each carries (the referenced GUID, or the source instance's
 * GUID for an alternate key, else a new one), its columns (key, name, configured defaults, the caller's
 * plain columns, the marker `ec_isstub = true` where the table uses it — `StubMarker.ts`) and its
 * change-set parts — the stub, create-only by GUID so an existing record is never touched, beside its
 * ec_stub row (the stub repository's, `stubs/`).
 */
import { randomUUID } from 'node:crypto';
import type { BatchOperation, EntityMetadata } from '../dataverse';
import { ApiErrors } from './ApiErrors';
import type { CallContext, StubCreated } from './EnsureService';
import { refuseInvalidText } from './InputText';
import type { CoreInstance, InstanceRegistry } from './InstanceRegistry';
import type { ResolvedKey } from './RecordKeys';
import type { Reference } from './ReferenceResolution';
import { clip } from './clip';
import { STUB_MARKER_COLUMN } from './StubMarker';
import { stubKeyColumns, type NewStub } from './stubs';

/** A stub to create: the reference plus the GUID it will carry and whether it carries the marker. */
export interface StubPlan extends Reference {
  recordId: string;
  marker: boolean;
}

/** Plans a stub for each reference (GUIDs looked up in the source side by side, so the lookups share a round). */
export async function planStubs(registry: InstanceRegistry, instance: CoreInstance, references: Reference[]): Promise<StubPlan[]> {
  return Promise.all(references.map((reference) => planStub(registry, instance, reference)));
}

/** Plans one stub: its GUID (`stubRecordId`) and whether its table uses the marker. */
export async function planStub(registry: InstanceRegistry, instance: CoreInstance, reference: Reference): Promise<StubPlan> {
  return { ...reference, recordId: await stubRecordId(registry, instance, reference), marker: registry.stubMarkers.uses(instance, reference.meta) };
}

/**
 * The GUID a new stub carries: the referenced GUID itself, or — for an alternate key — the GUID the
 * source instance uses, so replication's own upsert lands on the stub. A source that is not
 * configured or not reachable does not block: the stub then gets a new GUID.
 */
export async function stubRecordId(registry: InstanceRegistry, instance: CoreInstance, reference: Reference): Promise<string> {
  if (reference.key.kind === 'id') return reference.key.id;
  const source = registry.sourceOf(instance);
  if (source) {
    try {
      const id = await registry.lookups(source).recordId(await source.client.getEntityMetadata(reference.meta.logicalName), reference.key);
      if (id) return id;
    } catch {
      // unreachable or throttled source: fall back to a new GUID
    }
  }
  return randomUUID();
}

/** Stub columns given by the caller (`field` in the action's input): plain values only — never the primary id or a bind. */
export function stubColumns(meta: EntityMetadata, columns: Record<string, unknown> | undefined, field: string): Record<string, unknown> | undefined {
  if (!columns) return undefined;
  for (const column of Object.keys(columns)) {
    if (column.includes('@') || column === meta.primaryIdAttribute) throw ApiErrors.stubColumnNotPlain(`${field}.${column}`);
  }
  refuseInvalidText(columns, field);
  return columns;
}

/** The change-set parts of stub `i`: the stub (content id `stub<i>`) and its ec_stub row (`row<i>`). */
export function stubOperations(registry: InstanceRegistry, instance: CoreInstance, plan: StubPlan, i: number, context: CallContext): BatchOperation[] {
  return [
    { method: 'PATCH', target: { entitySet: plan.meta.entitySetName, key: plan.recordId }, body: stubBody(instance, plan), condition: 'createOnly', contentId: `stub${i}` },
    registry.stubs(instance).creationOperation(newStub(instance, plan, context), `row${i}`),
  ];
}

/** The change sets with these stubs committed: their `stub.created` changes reported. */
export async function reportStubsCreated(registry: InstanceRegistry, instance: CoreInstance, plans: readonly StubPlan[], context: CallContext, cause: 'ensure' | 'submit'): Promise<void> {
  await registry.stubs(instance).created(plans.map((plan) => newStub(instance, plan, context)), cause);
}

/** What the stub's row records. */
function newStub(instance: CoreInstance, plan: StubPlan, context: CallContext): NewStub {
  return { table: plan.meta.logicalName, recordId: plan.recordId, key: plan.key, keyColumns: stubKeyColumns(plan.meta, plan.key), name: plan.name ?? defaultName(plan.key), sourceInstance: instance.source, origin: context.origin };
}

/** What a submit answers about a stub it created. */
export function stubCreated(plan: StubPlan): StubCreated {
  return { table: plan.meta.logicalName, id: plan.recordId, key: stubKeyColumns(plan.meta, plan.key) };
}

function stubBody(instance: CoreInstance, plan: StubPlan): Record<string, unknown> {
  const defaults = instance.stubDefaults[plan.meta.logicalName] ?? {};
  const nameColumn = defaults.nameColumn ?? plan.meta.primaryNameAttribute;
  const body: Record<string, unknown> = { ...(defaults.columns ?? {}), ...(plan.columns ?? {}) };
  if (plan.key.kind === 'alternate') Object.assign(body, plan.key.values);
  if (nameColumn) body[nameColumn] = plan.name ?? clip(defaultName(plan.key), 100);
  if (plan.marker) body[STUB_MARKER_COLUMN] = true;
  return body;
}

function defaultName(key: ResolvedKey): string {
  return key.kind === 'id' ? key.id : Object.values(key.values).join(' ');
}
