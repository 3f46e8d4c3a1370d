/**
 * The stub marker column `ec_isstub` (docs/stub-marker.md): a Yes/No column on a stubbed table that
 * business logic on the row itself (plug-in steps, flow triggers, views) can filter on. When a table's
 * `stubDefaults.<table>.marker` is on and its metadata has the column (Boolean, writable on create and
 * update), stubs are created with `true` and hydration sets `false`, each in the change set that writes
 * the ec_stub row — no request of its own (a stub the reconciler finds hydrated by someone else has
 * its marker cleared in the change set of that mark, `stubMarkerClearing`). Enabled but absent: the table works on without the marker
 * and one warning is reported. The answer per instance and table is decided once and kept.
 */
import type { BatchOperation, EntityMetadata } from '../dataverse';
import { ApiErrors } from './ApiErrors';

export const STUB_MARKER_COLUMN = 'ec_isstub';

/** What the registry needs of an instance to decide. */
interface MarkerInstance {
  name: string;
  tables: readonly string[];
  stubDefaults: Readonly<Record<string, { marker?: boolean }>>;
}

/** Whether `meta` declares the marker column as Dataverse must have it: Boolean, valid for create and update. */
export function hasStubMarkerColumn(meta: EntityMetadata): boolean {
  return meta.attributes.some((a) => a.logicalName === STUB_MARKER_COLUMN && a.attributeType === 'Boolean' && a.validForCreate && a.validForUpdate);
}

/**
 * The update that clears the marker of a stub someone else hydrated (the reconciler's external mark),
 * for the change set that marks its ec_stub row Hydrated. `If-Match: *`: it only updates the record,
 * never re-creates one deleted meanwhile (the change set then fails, and the row is decided again).
 */
export function stubMarkerClearing(meta: EntityMetadata, recordId: string): BatchOperation {
  return { method: 'PATCH', target: { entitySet: meta.entitySetName, key: recordId }, body: { [STUB_MARKER_COLUMN]: false }, condition: 'updateOnly' };
}

/**
 * A caller may not mark a record as a stub (`field`: where the record is in the action's input): only
 * the service creates stubs. `false` passes (it is the column's default).
 */
export function refuseStubMarkerSet(record: Readonly<Record<string, unknown>>, field: string): void {
  if (record[STUB_MARKER_COLUMN] === true) throw ApiErrors.stubMarkerSetByCaller(`${field}.${STUB_MARKER_COLUMN}`);
}

/** The decision per instance and table, made once from the table's metadata. */
export class StubMarkerTables {
  private readonly decided = new Map<string, boolean>();

  /** `onMissing`: called once per instance and table when the marker is enabled but the column is absent. */
  constructor(private readonly onMissing: (instance: string, table: string) => void = () => undefined) {}

  /** Whether stubs of `meta`'s table in `instance` carry the marker. */
  uses(instance: MarkerInstance, meta: EntityMetadata): boolean {
    const table = meta.logicalName;
    if (instance.stubDefaults[table]?.marker !== true) return false;
    const id = `${instance.name}\u0000${table}`;
    let uses = this.decided.get(id);
    if (uses === undefined) {
      uses = hasStubMarkerColumn(meta);
      this.decided.set(id, uses);
      if (!uses) this.onMissing(instance.name, table);
    }
    return uses;
  }

  /**
   * The instance's tables whose stubs carry the marker, in allow-list order; `undefined` when a table
   * with the marker enabled could not be decided (its metadata could not be read).
   */
  async tables(instance: MarkerInstance, metadata: (table: string) => Promise<EntityMetadata>): Promise<string[] | undefined> {
    const tables: string[] = [];
    for (const table of instance.tables) {
      if (instance.stubDefaults[table]?.marker !== true) continue;
      const known = this.decided.get(`${instance.name}\u0000${table}`);
      let uses: boolean;
      try {
        uses = known ?? this.uses(instance, await metadata(table));
      } catch {
        return undefined;
      }
      if (uses) tables.push(table);
    }
    return tables;
  }
}
