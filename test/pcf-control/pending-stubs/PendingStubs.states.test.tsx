/**
 * PendingStubs through its real index.ts: loading, empty, error and row states, stale highlighting,
 * the header summary, sizing, and the texts people read.
 */
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { StubState } from '../../../pcf-control/common/StubTable';
import { PropertySet } from '../../../pcf-control/pending-stubs/PendingStubs/ManifestConstants';
import { mockFormatDateTime } from '../__mocks__/MockContext';
import { fixNow, restoreNow } from './fakeNow';
import { renderPendingStubs, rowOf } from './renderPendingStubs';
import { NOW, RECORD_IDS, STUB_IDS, stubRows } from './stubFixtures';

beforeEach(() => fixNow(NOW));
afterEach(() => restoreNow());

describe('loading state', () => {
  it('shows a spinner with the loading text and no grid while the first page loads', () => {
    renderPendingStubs({ loading: true });
    expect(screen.getByText('Loading stub records…')).toBeInTheDocument();
    expect(screen.queryByRole('grid')).not.toBeInTheDocument();
    expect(screen.queryByText('No records are waiting for hydration')).not.toBeInTheDocument();
  });

  it('keeps the rows on screen with a small spinner while a refresh loads', () => {
    renderPendingStubs({ loading: true, rows: stubRows() });
    expect(screen.getByText('Loading stub records…')).toBeInTheDocument();
    expect(screen.getByRole('grid')).toBeInTheDocument();
    expect(screen.getByText('Contoso Ltd')).toBeInTheDocument();
  });
});

describe('empty state', () => {
  it('says that no records are waiting, with no grid and no paging', () => {
    renderPendingStubs({ rows: [] });
    const status = screen.getByRole('status');
    expect(status).toHaveTextContent('No records are waiting for hydration');
    expect(screen.queryByRole('grid')).not.toBeInTheDocument();
    expect(screen.queryByRole('navigation', { name: 'Pages' })).not.toBeInTheDocument();
  });
});

describe('error state', () => {
  it('shows the dataset error instead of rows and disables Request hydration', async () => {
    renderPendingStubs({
      rows: stubRows(),
      error: true,
      errorMessage: 'Principal user is missing prvReadec_stub privilege',
    });
    // MessageBar renders its text a tick later so that screen readers announce it.
    expect(
      await screen.findByText('The stub records could not be loaded: Principal user is missing prvReadec_stub privilege'),
    ).toBeInTheDocument();
    expect(screen.queryByRole('grid')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: /Request hydration/ })).toBeDisabled();
  });
});

describe('rows', () => {
  it('shows one grid row per ec_stub record with every mapped column', () => {
    renderPendingStubs({ rows: stubRows() });
    const grid = screen.getByRole('grid', { name: 'Stub records awaiting hydration' });
    // header row + 4 data rows
    expect(within(grid).getAllByRole('row')).toHaveLength(5);

    const contoso = rowOf(STUB_IDS.staleAccount);
    expect(contoso).toHaveTextContent('Contoso Ltd');
    expect(contoso).toHaveTextContent("Key: accountnumber='A-100'");
    expect(contoso).toHaveTextContent('account');
    expect(contoso).toHaveTextContent('Pending');
    expect(contoso).toHaveTextContent('3 h');
    expect(contoso).toHaveTextContent('4');
    expect(contoso).toHaveTextContent('Source instance a answered 503 Service Unavailable');

    const nancy = rowOf(STUB_IDS.freshContact);
    expect(nancy).toHaveTextContent('Nancy Davolio');
    expect(nancy).toHaveTextContent('contact');
    expect(nancy).toHaveTextContent('30 min');
    expect(nancy).toHaveTextContent(mockFormatDateTime(new Date(NOW.getTime() - 10 * 60_000)));

    const fabrikam = rowOf(STUB_IDS.hydratedAccount);
    expect(fabrikam).toHaveTextContent('Hydrated');
    expect(fabrikam).toHaveTextContent('2 d');
    expect(fabrikam).toHaveTextContent(mockFormatDateTime(new Date(NOW.getTime() - 5 * 3_600_000)));

    expect(rowOf(STUB_IDS.abandonedAccount)).toHaveTextContent('Abandoned');
  });

  it('shows each state as an icon and a word, never colour alone', () => {
    renderPendingStubs({ rows: stubRows() });
    const expectations: [string, string, string][] = [
      [STUB_IDS.staleAccount, 'pending', 'Pending'],
      [STUB_IDS.hydratedAccount, 'hydrated', 'Hydrated'],
      [STUB_IDS.abandonedAccount, 'abandoned', 'Abandoned'],
    ];
    for (const [id, icon, word] of expectations) {
      const state = rowOf(id).querySelector(`[data-state="${icon}"]`);
      expect(state).not.toBeNull();
      expect(state?.querySelector(`svg[data-icon="${icon}"]`)).toHaveAttribute('aria-hidden', 'true');
      expect(state).toHaveTextContent(word);
    }
  });

  it('shows an unknown state as "Unknown" instead of failing', () => {
    const rows = stubRows().slice(0, 1).map((row) => ({ ...row, ec_stubstate: 42 }));
    renderPendingStubs({ rows });
    expect(rowOf(STUB_IDS.staleAccount)).toHaveTextContent('Unknown');
  });

  it('puts the exact local date-time of the age in a tooltip, and in text for screen readers', async () => {
    renderPendingStubs({ rows: stubRows() });
    const created = stubRows()[0]?.['createdon'] as Date;
    const age = within(rowOf(STUB_IDS.staleAccount)).getByText('3 h');
    expect(age.tagName).toBe('TIME');
    expect(age).toHaveAttribute('datetime', created.toISOString());
    const exact = `Created ${mockFormatDateTime(created)}`;
    expect(within(rowOf(STUB_IDS.staleAccount)).getByTestId('age-exact')).toHaveTextContent(exact);
    expect(document.querySelector('.ms-Tooltip')).toBeNull();
    fireEvent.mouseEnter(age.parentElement as HTMLElement);
    // the tooltip opens (after Fluent's hover delay) in a layer outside the row
    await waitFor(() => expect(document.querySelector('.ms-Tooltip-subtext')).toHaveTextContent(exact));
  });

  it('reads values from the columns the maker bound, by property-set alias', () => {
    const rows = stubRows().map((row) => ({ ...row, ec_name: `stub of ${String(row['ec_recordname'])}` }));
    const { boundColumns } = jest.requireActual('../__mocks__/MockDataSet') as typeof import('../__mocks__/MockDataSet');
    renderPendingStubs({ rows, columns: boundColumns({ recordName: 'ec_name' }) });
    expect(rowOf(STUB_IDS.staleAccount)).toHaveTextContent('stub of Contoso Ltd');
  });

  it('reads every value from the ec_stub column of the same meaning when no property-set is bound', () => {
    // The solution's form and grid bind no property-set (none is required): the view's columns come
    // under their own names, and the rows must be the same as with every property-set bound.
    const { unboundViewColumns } = jest.requireActual('../__mocks__/MockDataSet') as typeof import('../__mocks__/MockDataSet');
    const columns = unboundViewColumns();
    const propertySets: string[] = Object.values(PropertySet);
    expect(columns.filter((column) => propertySets.includes(column.alias))).toEqual([]);
    const { context } = renderPendingStubs({ rows: stubRows(), columns });

    expect(within(screen.getByRole('grid')).getAllByRole('row')).toHaveLength(5);
    const contoso = rowOf(STUB_IDS.staleAccount);
    for (const text of ['Contoso Ltd', "Key: accountnumber='A-100'", 'account', 'Pending', '3 h', '4', 'Source instance a answered 503 Service Unavailable']) {
      expect(contoso).toHaveTextContent(text);
    }
    expect(rowOf(STUB_IDS.freshContact)).toHaveTextContent(mockFormatDateTime(new Date(NOW.getTime() - 10 * 60_000)));
    expect(rowOf(STUB_IDS.hydratedAccount)).toHaveTextContent('Hydrated');
    expect(rowOf(STUB_IDS.hydratedAccount)).toHaveTextContent(mockFormatDateTime(new Date(NOW.getTime() - 5 * 3_600_000)));
    expect(rowOf(STUB_IDS.abandonedAccount)).toHaveTextContent('Abandoned');
    // stubTable + recordId open the stubbed record
    fireEvent.click(screen.getByRole('button', { name: 'Open Nancy Davolio (contact)' }));
    expect(context.navigation.openForm).toHaveBeenCalledWith({ entityName: 'contact', entityId: RECORD_IDS.nancy });
  });

  it('reads the text values the pcf-start harness gives (CSV strings) like typed values', () => {
    const rows = [
      {
        ec_stubid: 'csv-1',
        ec_table: 'account',
        ec_recordid: RECORD_IDS.contoso,
        ec_recordname: 'Contoso Ltd',
        ec_key: 'A-100',
        ec_stubstate: String(StubState.Pending),
        createdon: new Date(NOW.getTime() - 90 * 60_000).toISOString(),
        ec_attempts: '2',
      },
    ];
    renderPendingStubs({ rows });
    const row = rowOf('csv-1');
    expect(row).toHaveTextContent('Pending');
    expect(row).toHaveTextContent('1 h');
    expect(row).toHaveTextContent('2');
    expect(row).toHaveAttribute('data-stale', 'true');
  });
});

describe('stale highlight', () => {
  it('highlights pending rows older than staleAfterMinutes, with a "Stale" marker as well as colour', () => {
    renderPendingStubs({ rows: stubRows(), staleAfterMinutes: 60 });
    expect(rowOf(STUB_IDS.staleAccount)).toHaveAttribute('data-stale', 'true');
    expect(within(rowOf(STUB_IDS.staleAccount)).getByTestId('stale-marker')).toHaveTextContent('Stale');
    expect(within(rowOf(STUB_IDS.staleAccount)).getByTestId('stale-marker')).toHaveAttribute(
      'title',
      'Pending for longer than 60 minutes',
    );
    // 30 minutes old: not stale yet
    expect(rowOf(STUB_IDS.freshContact)).toHaveAttribute('data-stale', 'false');
    // hydrated and abandoned rows are never stale, however old
    expect(rowOf(STUB_IDS.hydratedAccount)).toHaveAttribute('data-stale', 'false');
    expect(rowOf(STUB_IDS.abandonedAccount)).toHaveAttribute('data-stale', 'false');
    expect(screen.getAllByTestId('stale-marker')).toHaveLength(1);
  });

  it('follows the staleAfterMinutes input', () => {
    renderPendingStubs({ rows: stubRows(), staleAfterMinutes: 20 });
    expect(rowOf(STUB_IDS.freshContact)).toHaveAttribute('data-stale', 'true');
    expect(screen.getAllByTestId('stale-marker')).toHaveLength(2);
  });

  it('uses 60 minutes when the input is not set', () => {
    const rows = stubRows().slice(1, 2).map((row) => ({ ...row, createdon: new Date(NOW.getTime() - 61 * 60_000) }));
    renderPendingStubs({ rows, staleAfterMinutes: null });
    expect(rowOf(STUB_IDS.freshContact)).toHaveAttribute('data-stale', 'true');
  });
});

describe('header summary', () => {
  it('shows whole-table numbers read through webAPI (pending count, oldest pending age, hydrated in 24 h)', async () => {
    const retrieveMultipleRecords = jest.fn((entity: string, options: string) => {
      const decoded = decodeURIComponent(options);
      if (decoded.includes('operator="last-x-hours"')) return Promise.resolve({ entities: [{ stubcount: 5 }] });
      if (decoded.includes('aggregate="count"')) return Promise.resolve({ entities: [{ stubcount: 12 }] });
      if (decoded.includes('$orderby=createdon asc')) {
        return Promise.resolve({ entities: [{ createdon: new Date(NOW.getTime() - 3 * 86_400_000).toISOString() }] });
      }
      return Promise.reject(new Error(`unexpected query on ${entity}: ${decoded}`));
    });
    renderPendingStubs({ rows: stubRows(), webAPI: { retrieveMultipleRecords } });
    const summary = screen.getByRole('list', { name: 'Summary of stub records' });
    await waitFor(() => expect(summary).toHaveTextContent('Pending: 12'));
    expect(summary).toHaveTextContent('Oldest pending: 3 d');
    expect(summary).toHaveTextContent('Hydrated in the last 24 h: 5');
    expect(retrieveMultipleRecords).toHaveBeenCalledTimes(3);
    for (const call of retrieveMultipleRecords.mock.calls) expect(call[0]).toBe('ec_stub');
    const pendingQuery = decodeURIComponent(String(retrieveMultipleRecords.mock.calls[0]?.[1]));
    expect(pendingQuery).toContain('<condition attribute="ec_stubstate" operator="eq" value="100000000"/>');
  });

  it('counts the rows on screen, and says so, when the whole table cannot be counted', async () => {
    const retrieveMultipleRecords = jest.fn(() => Promise.reject(new Error('Principal user is missing prvReadec_stub')));
    renderPendingStubs({ rows: stubRows(), webAPI: { retrieveMultipleRecords } });
    const summary = screen.getByRole('list', { name: 'Summary of stub records' });
    expect(summary).toHaveTextContent('Pending on this page: 2');
    expect(summary).toHaveTextContent('Oldest pending: 3 h');
    expect(summary).toHaveTextContent('Hydrated in the last 24 h on this page: 1');
    await waitFor(() => expect(retrieveMultipleRecords).toHaveBeenCalled());
    expect(summary).toHaveTextContent('Pending on this page: 2');
  });

  it('says "none" when nothing is pending', () => {
    renderPendingStubs({ rows: stubRows().slice(2, 3) });
    expect(screen.getByRole('list', { name: 'Summary of stub records' })).toHaveTextContent('Oldest pending: none');
  });
});

describe('size', () => {
  it('fits the width and height the host allocates and tracks resizes', () => {
    const { context } = renderPendingStubs({ rows: stubRows(), mode: { allocatedWidth: 640, allocatedHeight: 320 } });
    const root = screen.getByTestId('pending-stubs');
    expect(root.style.width).toBe('640px');
    expect(root.style.height).toBe('320px');
    expect(context.mode.trackContainerResize).toHaveBeenCalledWith(true);
  });

  it('takes the full width and its content height when the host gives no size (-1)', () => {
    renderPendingStubs({ rows: stubRows(), mode: { allocatedWidth: -1, allocatedHeight: -1 } });
    const root = screen.getByTestId('pending-stubs');
    expect(root.style.width).toBe('100%');
    expect(root.style.height).toBe('');
  });
});

describe('no React warnings about sizes', () => {
  // React (development build, as the pcf-start harness loads it) warns "`NaN` is an invalid value for
  // the `width` css style property" for a non-finite size; the control must never pass one on.
  let consoleError: jest.SpyInstance;
  beforeEach(() => {
    consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => consoleError.mockRestore());

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['undefined', undefined],
    ['a string', '640' as unknown as number],
  ])('renders without a console error when the host allocates %s as width and height', (_label, size) => {
    renderPendingStubs({ rows: stubRows(), mode: { allocatedWidth: size, allocatedHeight: size } });
    const root = screen.getByTestId('pending-stubs');
    expect(root.style.width).toBe('100%');
    expect(root.style.height).toBe('');
    expect(consoleError.mock.calls.map((call) => call.map(String).join(' '))).toEqual([]);
  });
});

describe('a dataset that is not filled yet', () => {
  it('renders the empty state instead of throwing when columns, sorting, paging and records are missing', () => {
    const { PendingStubs } = jest.requireActual('../../../pcf-control/pending-stubs/PendingStubs/index') as typeof import('../../../pcf-control/pending-stubs/PendingStubs/index');
    const { createMockContext } = jest.requireActual('../__mocks__/MockContext') as typeof import('../__mocks__/MockContext');
    const { render } = jest.requireActual('@testing-library/react') as typeof import('@testing-library/react');
    // what the pcf-start harness passes before a CSV is loaded
    const bare = { loading: false, error: false, setSelectedRecordIds: jest.fn(), refresh: jest.fn() };
    const context = createMockContext({
      parameters: { stubs: bare, staleAfterMinutes: { raw: null } },
      strings: { project: 'pending-stubs', control: 'PendingStubs' },
    }) as unknown as ComponentFramework.Context<import('../../../pcf-control/pending-stubs/PendingStubs/generated/ManifestTypes').IInputs>;
    const control = new PendingStubs();
    control.init(context);
    render(control.updateView(context));
    expect(screen.getByText('No records are waiting for hydration')).toBeInTheDocument();
  });
});
