/**
 * The records a submitted record refers to, explicit (`references.<nav>`) or Dataverse-native
 * (`record["<nav>@odata.bind"]`): each checked against the table's lookups, the instance's allow-list
 * and the lookup's target, and its bind rewritten by the client's own literal writer. Fields are
 * relative to the action's input (`record.<nav>@odata.bind`, `references.<nav>.table`).
 */
import { recordBindPath, type EntityMetadata } from '../dataverse';
import { ApiErrors } from './ApiErrors';
import { parseBindPath } from './BindReferences';
import type { RecordKeyInput, SubmitInput } from './EnsureService';
import { refuseInvalidText } from './InputText';
import type { CoreInstance, InstanceRegistry } from './InstanceRegistry';
import { referenceId, resolveKey, toEntityKey, type ResolvedKey } from './RecordKeys';

/** A referenced record, resolved against its table's metadata. */
export interface Reference {
  meta: EntityMetadata;
  key: ResolvedKey;
  name?: string;
  columns?: Record<string, unknown>;
  /** Cache/lock identity. */
  id: string;
}

export interface ResolvedRecord {
  /** The record to write: checked values, binds rewritten. */
  record: Record<string, unknown>;
  /** Each referenced record once (the one with a name wins). */
  references: Reference[];
}

/** References come explicitly or as `<nav>@odata.bind`; both become checked binds written by the client. */
export async function resolveReferences(registry: InstanceRegistry, instance: CoreInstance, meta: EntityMetadata, input: Pick<SubmitInput, 'record' | 'references'>): Promise<ResolvedRecord> {
  const record: Record<string, unknown> = {};
  const byId = new Map<string, Reference>();
  const add = (reference: Reference) => {
    const existing = byId.get(reference.id);
    if (!existing || (existing.name === undefined && reference.name !== undefined)) byId.set(reference.id, reference);
  };
  const lookupFor = (nav: string, field: string) => {
    const lookup = meta.manyToOne.find((l) => l.navigationProperty === nav);
    if (!lookup) throw ApiErrors.notALookup(field, nav, meta.logicalName, meta.manyToOne.map((l) => l.navigationProperty));
    return lookup;
  };
  for (const [property, value] of Object.entries(input.record)) {
    const field = `record.${property}`;
    if (!property.endsWith('@odata.bind')) {
      if (property.includes('@')) throw ApiErrors.recordPropertyRefused(field);
      refuseInvalidText(value, field);
      record[property] = value;
      continue;
    }
    const nav = property.slice(0, -'@odata.bind'.length);
    const lookup = lookupFor(nav, field);
    if (value === null) {
      record[property] = null; // disassociate
      continue;
    }
    const parsed = parseBindPath(value, field);
    const target = await registry.tableBySet(instance, parsed.entitySet, field);
    if (target.logicalName !== lookup.referencedEntity) throw ApiErrors.bindsOtherTable(field, target.logicalName, nav, lookup.referencedEntity);
    const key: ResolvedKey = '$id' in parsed.key ? { kind: 'id', id: String(parsed.key.$id) } : resolveKey(target, parsed.key as RecordKeyInput, field);
    record[property] = recordBindPath(target.entitySetName, toEntityKey(key));
    add({ meta: target, key, id: referenceId(instance.name, target.logicalName, key) });
  }
  for (const [nav, explicit] of Object.entries(input.references ?? {})) {
    const field = `references.${nav}`;
    const lookup = lookupFor(nav, field);
    if (`${nav}@odata.bind` in input.record) throw ApiErrors.referenceGivenTwice(field, nav);
    const target = await registry.table(instance, explicit.table, `${field}.table`);
    if (target.logicalName !== lookup.referencedEntity) throw ApiErrors.referenceTableMismatch(`${field}.table`, target.logicalName, nav, lookup.referencedEntity);
    const key = resolveKey(target, explicit.key, `${field}.key`);
    refuseInvalidText(explicit.name, `${field}.name`);
    record[`${nav}@odata.bind`] = recordBindPath(target.entitySetName, toEntityKey(key));
    add({ meta: target, key, name: explicit.name, id: referenceId(instance.name, target.logicalName, key) });
  }
  return { record, references: [...byId.values()] };
}
