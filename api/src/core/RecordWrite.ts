/**
 * The record's own write when no stub goes with it: a create (by the GUID chosen for it) or an upsert
 * at its key, one request.
 */
import type { EntityMetadata } from '../dataverse';
import type { CoreInstance } from './InstanceRegistry';
import { toEntityKey, type ResolvedKey } from './RecordKeys';
import { isOwnWriteCollision } from './RetryRules';

export interface WrittenRecord {
  id: string;
  operation: 'created' | 'updated';
}

/** `ownWrite`: the fresh GUID this service chose for a create; a 412 on it means our earlier attempt landed. */
export async function writeRecord(instance: CoreInstance, meta: EntityMetadata, key: ResolvedKey | undefined, record: Record<string, unknown>, ownWrite?: string): Promise<WrittenRecord> {
  if (!key) {
    try {
      const result = await instance.client.create(meta.entitySetName, record);
      return { id: result.id!, operation: 'created' };
    } catch (error) {
      if (ownWrite && isOwnWriteCollision(error)) return { id: ownWrite, operation: 'created' };
      throw error;
    }
  }
  const result = await instance.client.upsert(meta.entitySetName, toEntityKey(key), record, { returnRepresentation: true, select: [meta.primaryIdAttribute] });
  return { id: String(result.record?.[meta.primaryIdAttribute] ?? result.id), operation: result.outcome === 'created' ? 'created' : 'updated' };
}
