/**
 * Hand-written stand-in for ComponentFramework.PropertyTypes.DataSet bound to ec_stub: records,
 * columns (property-set aliases like the platform gives them), sorting, paging and selection, with
 * jest mocks on every call the control makes.
 */
import { DefaultColumnOfPropertySet, PropertySet, type PropertySetName } from '../../../pcf-control/pending-stubs/PendingStubs/ManifestConstants';
import { MockEntityRecord } from './MockEntityRecord';

type DataSet = ComponentFramework.PropertyTypes.DataSet;
type Column = ComponentFramework.PropertyHelper.DataSetApi.Column;

const dataTypeOf: Record<PropertySetName, string> = {
  stubTable: 'SingleLine.Text',
  recordName: 'SingleLine.Text',
  recordKey: 'SingleLine.Text',
  recordId: 'SingleLine.Text',
  stubState: 'OptionSet',
  createdOn: 'DateAndTime.DateAndTime',
  attempts: 'Whole.None',
  lastError: 'Multiple',
  hydrationRequestedOn: 'DateAndTime.DateAndTime',
  hydratedOn: 'DateAndTime.DateAndTime',
};

/** Columns as a view bound to every property-set gives them (alias = property-set name). */
export function boundColumns(overrides: Partial<Record<PropertySetName, string | null>> = {}): Column[] {
  const columns: Column[] = [];
  Object.values(PropertySet).forEach((propertySet, order) => {
    const name = overrides[propertySet] === undefined ? DefaultColumnOfPropertySet[propertySet] : overrides[propertySet];
    if (name === null) return; // not in the view
    columns.push({
      name,
      alias: propertySet,
      displayName: propertySet,
      dataType: dataTypeOf[propertySet],
      order,
      visualSizeFactor: 100,
      isHidden: false,
      isPrimary: propertySet === 'recordName',
      disableSorting: false,
    } as Column);
  });
  return columns;
}

/**
 * Columns as a view gives them when no property-set is bound: each column under its own name, none
 * aliased to a property-set. Laid out like the solution's "Pending stubs" view (ec_name first).
 */
export function unboundViewColumns(): Column[] {
  const typed = Object.values(PropertySet).map((propertySet) => ({
    name: DefaultColumnOfPropertySet[propertySet],
    dataType: dataTypeOf[propertySet],
  }));
  return [{ name: 'ec_name', dataType: 'SingleLine.Text' }, ...typed].map(
    ({ name, dataType }, order) =>
      ({
        name,
        alias: name,
        displayName: name,
        dataType,
        order,
        visualSizeFactor: 100,
        isHidden: false,
        isPrimary: name === 'ec_name',
        disableSorting: false,
      }) as Column,
  );
}

export interface MockDataSetOptions {
  /** One object per record: `ec_stubid` is the record id, other keys are column values. */
  rows?: Record<string, unknown>[];
  columns?: Column[];
  loading?: boolean;
  error?: boolean;
  errorMessage?: string;
  hasNextPage?: boolean;
  hasPreviousPage?: boolean;
  totalResultCount?: number;
}

export type MockDataSet = DataSet & {
  refresh: jest.Mock;
  setSelectedRecordIds: jest.Mock;
  clearSelectedRecordIds: jest.Mock;
  openDatasetItem: jest.Mock;
  paging: DataSet['paging'] & {
    loadNextPage: jest.Mock;
    loadPreviousPage: jest.Mock;
    loadExactPage: jest.Mock;
    reset: jest.Mock;
    setPageSize: jest.Mock;
  };
  /** Replaces the records, as the platform does after a refresh or a page load. */
  setRows(rows: Record<string, unknown>[]): void;
};

export function createMockDataSet(options: MockDataSetOptions = {}): MockDataSet {
  let selected: string[] = [];
  const dataset = {
    columns: options.columns ?? boundColumns(),
    error: options.error ?? false,
    errorMessage: options.errorMessage ?? '',
    loading: options.loading ?? false,
    records: {} as DataSet['records'],
    sortedRecordIds: [] as string[],
    sorting: [] as DataSet['sorting'],
    filtering: {} as DataSet['filtering'],
    linking: {} as DataSet['linking'],
    paging: {
      totalResultCount: options.totalResultCount ?? -1,
      firstPageNumber: 1,
      lastPageNumber: 1,
      pageSize: 25,
      hasNextPage: options.hasNextPage ?? false,
      hasPreviousPage: options.hasPreviousPage ?? false,
      loadNextPage: jest.fn(),
      loadPreviousPage: jest.fn(),
      loadExactPage: jest.fn(),
      reset: jest.fn(),
      setPageSize: jest.fn(),
    },
    addColumn: jest.fn(),
    clearSelectedRecordIds: jest.fn(() => {
      selected = [];
    }),
    getSelectedRecordIds: jest.fn(() => selected),
    getTargetEntityType: jest.fn(() => 'ec_stub'),
    getTitle: jest.fn(() => 'Pending stubs'),
    getViewId: jest.fn(() => '00000000-0000-0000-0000-000000000001'),
    openDatasetItem: jest.fn(),
    refresh: jest.fn(),
    setSelectedRecordIds: jest.fn((ids: string[]) => {
      selected = ids;
    }),
    setRows(rows: Record<string, unknown>[]) {
      const records: Record<string, MockEntityRecord> = {};
      dataset.sortedRecordIds = rows.map((row) => {
        const id = String(row['ec_stubid']);
        records[id] = new MockEntityRecord(id, row);
        return id;
      });
      dataset.records = records as unknown as DataSet['records'];
    },
  };
  dataset.setRows(options.rows ?? []);
  return dataset as unknown as MockDataSet;
}
