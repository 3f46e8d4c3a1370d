/**
 * The pure mapping from the PCF dataset to the grid's rows and back (which dataset column a grid
 * column sorts by). Uses PCF *types* only, never the runtime, so it is tested with plain mocks.
 */
import { toStubState } from '../../common/StubTable';
import { dateOf, numberOf, textOf } from '../../common/StubValues';
import { DefaultColumnOfPropertySet, PropertySet, type PropertySetName } from './ManifestConstants';
import type { StubGridColumnKey, StubRow } from './components/PendingStubsGrid.types';

type DataSet = ComponentFramework.PropertyTypes.DataSet;
type Column = ComponentFramework.PropertyHelper.DataSetApi.Column;
type EntityRecord = ComponentFramework.PropertyHelper.DataSetApi.EntityRecord;

export type ColumnMap = Record<PropertySetName, string>;

/**
 * Which dataset column each property-set reads: the column whose alias is the property-set's name
 * (the maker's binding), else the ec_stub column of the same meaning.
 */
export function columnMapOf(columns: readonly Column[]): ColumnMap {
  const map = { ...DefaultColumnOfPropertySet };
  for (const propertySet of Object.values(PropertySet)) {
    const bound = columns.find((column) => column.alias === propertySet);
    if (bound) map[propertySet] = bound.name;
  }
  return map;
}

/** The grid column → the property-set that holds its value (and that it sorts by). */
export const PropertySetOfGridColumn: Record<StubGridColumnKey, PropertySetName> = {
  record: PropertySet.recordName,
  table: PropertySet.stubTable,
  state: PropertySet.stubState,
  age: PropertySet.createdOn,
  attempts: PropertySet.attempts,
  lastError: PropertySet.lastError,
  hydrationRequestedOn: PropertySet.hydrationRequestedOn,
  hydratedOn: PropertySet.hydratedOn,
};

/** Grid columns whose property-set is a column of the dataset (only those can be sorted server side). */
export function sortableGridColumns(columns: readonly Column[], map: ColumnMap): StubGridColumnKey[] {
  const names = new Set(columns.map((column) => column.name));
  return (Object.keys(PropertySetOfGridColumn) as StubGridColumnKey[]).filter((key) =>
    names.has(map[PropertySetOfGridColumn[key]]),
  );
}

export function gridColumnOfDatasetColumn(name: string, map: ColumnMap): StubGridColumnKey | undefined {
  return (Object.keys(PropertySetOfGridColumn) as StubGridColumnKey[]).find(
    (key) => map[PropertySetOfGridColumn[key]] === name,
  );
}

export function stubRowOf(record: EntityRecord, map: ColumnMap): StubRow {
  const value = (propertySet: PropertySetName): unknown => record.getValue(map[propertySet]);
  return {
    id: record.getRecordId(),
    table: textOf(value(PropertySet.stubTable)),
    recordId: textOf(value(PropertySet.recordId)),
    recordName: textOf(value(PropertySet.recordName)),
    recordKey: textOf(value(PropertySet.recordKey)),
    state: toStubState(value(PropertySet.stubState)),
    createdOn: dateOf(value(PropertySet.createdOn)),
    attempts: numberOf(value(PropertySet.attempts)),
    lastError: textOf(value(PropertySet.lastError)),
    hydrationRequestedOn: dateOf(value(PropertySet.hydrationRequestedOn)),
    hydratedOn: dateOf(value(PropertySet.hydratedOn)),
  };
}

/** Rows in the order the dataset sorted them (server side). */
export function stubRowsOf(dataset: DataSet, map: ColumnMap = columnMapOf(dataset.columns ?? [])): StubRow[] {
  const records = dataset.records ?? {};
  return (dataset.sortedRecordIds ?? [])
    .map((id) => records[id])
    .filter((record): record is EntityRecord => record !== undefined)
    .map((record) => stubRowOf(record, map));
}
