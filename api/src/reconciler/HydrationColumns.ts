/**
 * Which columns the reconciler copies from the source record to the target: the table's configured
 * list (`reconciler.columns.<table>`), else every column that both instances' metadata declare and the
 * target accepts on create or update — except the primary id (it is the key), lookups (their target
 * may not exist in the target instance: a bind to it would fail the whole hydration; replication or
 * a later submit sets them), state/status (Dataverse allows only certain transitions), system
 * columns and the stub marker `ec_isstub` (the source's value says nothing about the target's record;
 * the hydration itself clears the marker) — the marker is left out of a configured list too.
 */
import { STUB_MARKER_COLUMN } from '../core/StubMarker';
import type { EntityMetadata } from '../dataverse';

const SKIPPED_TYPES = new Set(['Lookup', 'Customer', 'Owner', 'PartyList', 'Virtual', 'EntityName', 'CalendarRules', 'ManagedProperty', 'Uniqueidentifier', 'State', 'Status']);
const SKIPPED_COLUMNS = new Set([
  'statecode',
  'statuscode',
  'createdon',
  'modifiedon',
  'createdby',
  'modifiedby',
  'versionnumber',
  'overriddencreatedon',
  'importsequencenumber',
  'timezoneruleversionnumber',
  'utcconversiontimezonecode',
  STUB_MARKER_COLUMN,
]);

export function hydrationColumns(target: EntityMetadata, source: EntityMetadata, configured: readonly string[] | undefined): string[] {
  if (configured && configured.length > 0) return [...new Set(configured.filter((column) => column !== target.primaryIdAttribute && column !== STUB_MARKER_COLUMN))];
  const inSource = new Set(source.attributes.map((attribute) => attribute.logicalName));
  return target.attributes
    .filter(
      (attribute) =>
        (attribute.validForCreate || attribute.validForUpdate) &&
        !SKIPPED_TYPES.has(attribute.attributeType) &&
        !SKIPPED_COLUMNS.has(attribute.logicalName) &&
        attribute.logicalName !== target.primaryIdAttribute &&
        inSource.has(attribute.logicalName),
    )
    .map((attribute) => attribute.logicalName);
}

/** The record to write: the chosen columns the source row carries (null included: full data clears stub defaults). */
export function hydrationRecord(sourceRow: Record<string, unknown>, columns: readonly string[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const column of columns) if (column in sourceRow) record[column] = sourceRow[column];
  return record;
}
