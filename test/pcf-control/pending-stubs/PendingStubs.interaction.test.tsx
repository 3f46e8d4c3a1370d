/**
 * PendingStubs through its real index.ts: server-side paging and sorting through the dataset API,
 * selection and "Request hydration" through webAPI, opening the stubbed record, keyboard use and
 * the labels screen readers read.
 */
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { boundColumns } from '../__mocks__/MockDataSet';
import { fixNow, restoreNow } from './fakeNow';
import { renderPendingStubs, rowOf } from './renderPendingStubs';
import { NOW, RECORD_IDS, STUB_IDS, stubRows } from './stubFixtures';

beforeEach(() => fixNow(NOW));
afterEach(() => restoreNow());

function gridRowOf(stubId: string): HTMLElement {
  return within(rowOf(stubId)).getByRole('row');
}

function rowCheckbox(stubId: string): HTMLElement {
  return within(rowOf(stubId)).getByRole('checkbox');
}

describe('paging (server side, through dataset.paging)', () => {
  it('loads the next and previous pages and counts the page shown', () => {
    const rendered = renderPendingStubs({ rows: stubRows(), hasNextPage: true, totalResultCount: 120 });
    const { dataset } = rendered;
    const paging = screen.getByRole('navigation', { name: 'Pages' });
    expect(within(paging).getByTestId('paging-status')).toHaveTextContent('Page 1 of 120 records');
    expect(within(paging).getByRole('button', { name: 'Previous page' })).toBeDisabled();
    expect(within(paging).getByRole('button', { name: 'First page' })).toBeDisabled();

    fireEvent.click(within(paging).getByRole('button', { name: 'Next page' }));
    expect(dataset.paging.loadNextPage).toHaveBeenCalledTimes(1);

    // the platform loads page 2 and calls updateView again
    dataset.setRows(stubRows().slice(2));
    Object.assign(dataset.paging, { hasNextPage: false, hasPreviousPage: true });
    rendered.update();
    expect(screen.getByTestId('paging-status')).toHaveTextContent('Page 2 of 120 records');
    expect(screen.getByRole('button', { name: 'Next page' })).toBeDisabled();

    fireEvent.click(screen.getByRole('button', { name: 'Previous page' }));
    expect(dataset.paging.loadPreviousPage).toHaveBeenCalledTimes(1);
    Object.assign(dataset.paging, { hasNextPage: true, hasPreviousPage: false });
    rendered.update();
    expect(screen.getByTestId('paging-status')).toHaveTextContent('Page 1 of 120 records');
  });

  it('goes back to the first page with reset + refresh', () => {
    const rendered = renderPendingStubs({ rows: stubRows(), hasNextPage: true });
    fireEvent.click(screen.getByRole('button', { name: 'Next page' }));
    fireEvent.click(screen.getByRole('button', { name: 'Next page' }));
    Object.assign(rendered.dataset.paging, { hasPreviousPage: true });
    rendered.update();
    expect(screen.getByTestId('paging-status')).toHaveTextContent('Page 3');

    fireEvent.click(screen.getByRole('button', { name: 'First page' }));
    expect(rendered.dataset.paging.reset).toHaveBeenCalledTimes(1);
    expect(rendered.dataset.refresh).toHaveBeenCalledTimes(1);
    rendered.update();
    expect(screen.getByTestId('paging-status')).toHaveTextContent('Page 1');
  });

  it('shows no total when the platform does not know it (-1)', () => {
    renderPendingStubs({ rows: stubRows(), totalResultCount: -1 });
    expect(screen.getByTestId('paging-status')).toHaveTextContent(/^Page 1$/);
  });
});

describe('sorting (server side, through dataset.sorting)', () => {
  it('sorts by the bound dataset column of the clicked header, ascending then descending', () => {
    const rendered = renderPendingStubs({ rows: stubRows(), hasNextPage: true });
    const { dataset } = rendered;
    fireEvent.click(screen.getByRole('button', { name: 'Next page' }));

    fireEvent.click(screen.getByText('Age'));
    expect(dataset.sorting).toEqual([{ name: 'createdon', sortDirection: 0 }]);
    expect(dataset.paging.reset).toHaveBeenCalled();
    expect(dataset.refresh).toHaveBeenCalledTimes(1);
    rendered.update();
    // sorting starts again on page 1, and the header says how it is sorted
    expect(screen.getByTestId('paging-status')).toHaveTextContent('Page 1');
    expect(screen.getByRole('columnheader', { name: /Age/ })).toHaveAttribute('aria-sort', 'ascending');

    fireEvent.click(screen.getByText('Age'));
    expect(dataset.sorting).toEqual([{ name: 'createdon', sortDirection: 1 }]);
    rendered.update();
    expect(screen.getByRole('columnheader', { name: /Age/ })).toHaveAttribute('aria-sort', 'descending');

    fireEvent.click(screen.getByText('Attempts'));
    expect(dataset.sorting).toEqual([{ name: 'ec_attempts', sortDirection: 0 }]);
    expect(dataset.refresh).toHaveBeenCalledTimes(3);
  });

  it('sorts the record column by whatever column the maker bound to recordName', () => {
    const { dataset } = renderPendingStubs({ rows: stubRows(), columns: boundColumns({ recordName: 'ec_name' }) });
    fireEvent.click(screen.getByText('Record'));
    expect(dataset.sorting).toEqual([{ name: 'ec_name', sortDirection: 0 }]);
  });

  it('shows the sort the view already has', () => {
    const rendered = renderPendingStubs({ rows: stubRows() });
    rendered.dataset.sorting.push({ name: 'ec_attempts', sortDirection: 1 });
    rendered.update();
    expect(screen.getByRole('columnheader', { name: /Attempts/ })).toHaveAttribute('aria-sort', 'descending');
  });

  it('does not sort by a column the view does not contain', () => {
    const { dataset } = renderPendingStubs({ rows: stubRows(), columns: boundColumns({ hydratedOn: null }) });
    fireEvent.click(screen.getByText('Hydrated on'));
    expect(dataset.sorting).toEqual([]);
    expect(dataset.refresh).not.toHaveBeenCalled();
  });
});

describe('selection and "Request hydration"', () => {
  it('stamps ec_hydrationrequestedon on exactly the selected ec_stub rows through webAPI, then refreshes', async () => {
    const updateRecord = jest.fn(() => Promise.resolve({ id: 'ok' }));
    const { dataset } = renderPendingStubs({ rows: stubRows(), webAPI: { updateRecord } });
    const request = screen.getByRole('button', { name: /Request hydration/ });
    expect(request).toBeDisabled();

    fireEvent.click(rowCheckbox(STUB_IDS.staleAccount));
    fireEvent.click(rowCheckbox(STUB_IDS.abandonedAccount));
    expect(dataset.setSelectedRecordIds).toHaveBeenLastCalledWith([STUB_IDS.staleAccount, STUB_IDS.abandonedAccount]);
    expect(screen.getByText('2 selected')).toBeInTheDocument();
    expect(request).toBeEnabled();

    fireEvent.click(request);
    expect(await screen.findByText('Hydration requested for 2 records.')).toBeInTheDocument();
    expect(updateRecord).toHaveBeenCalledTimes(2);
    expect(updateRecord).toHaveBeenCalledWith('ec_stub', STUB_IDS.staleAccount, { ec_hydrationrequestedon: NOW.toISOString() });
    expect(updateRecord).toHaveBeenCalledWith('ec_stub', STUB_IDS.abandonedAccount, { ec_hydrationrequestedon: NOW.toISOString() });
    // never the stubbed records themselves
    const updatedIds = (updateRecord.mock.calls as unknown as [string, string][]).map((call) => call[1]);
    expect(updatedIds).not.toContain(RECORD_IDS.contoso);
    expect(dataset.refresh).toHaveBeenCalledTimes(1);
  });

  it('offers Request hydration only for Pending and Abandoned rows: a Hydrated row alone leaves it disabled', () => {
    const updateRecord = jest.fn(() => Promise.resolve({ id: 'ok' }));
    renderPendingStubs({ rows: stubRows(), webAPI: { updateRecord } });
    fireEvent.click(rowCheckbox(STUB_IDS.hydratedAccount));
    const request = screen.getByRole('button', { name: /Request hydration/ });
    expect(request).toBeDisabled();
    expect(request).toHaveAttribute('title', 'Hydration can be requested only for Pending and Abandoned stubs');
    expect(screen.getByTestId('selection-count')).toHaveTextContent(
      '1 selected (1 not Pending or Abandoned, skipped by Request hydration)',
    );
    fireEvent.click(request);
    expect(updateRecord).not.toHaveBeenCalled();
  });

  it('acts only on the eligible rows of a mixed selection and says how many were skipped', async () => {
    const updateRecord = jest.fn(() => Promise.resolve({ id: 'ok' }));
    const { dataset } = renderPendingStubs({ rows: stubRows(), webAPI: { updateRecord } });
    fireEvent.click(rowCheckbox(STUB_IDS.staleAccount));
    fireEvent.click(rowCheckbox(STUB_IDS.hydratedAccount));
    fireEvent.click(rowCheckbox(STUB_IDS.abandonedAccount));
    expect(screen.getByTestId('selection-count')).toHaveTextContent(
      '3 selected (1 not Pending or Abandoned, skipped by Request hydration)',
    );
    const request = screen.getByRole('button', { name: /Request hydration/ });
    expect(request).toBeEnabled();
    expect(request).toHaveAttribute('title', 'Ask for the selected stubs to be hydrated now');

    fireEvent.click(request);
    expect(
      await screen.findByText(
        'Hydration requested for 2 records. 1 selected records were skipped: hydration can be requested only for Pending and Abandoned stubs.',
      ),
    ).toBeInTheDocument();
    const updatedIds = (updateRecord.mock.calls as unknown as [string, string][]).map((call) => call[1]);
    expect(updatedIds.sort()).toEqual([STUB_IDS.staleAccount, STUB_IDS.abandonedAccount].sort());
    expect(dataset.refresh).toHaveBeenCalledTimes(1);
  });

  it('says how many were skipped when some eligible rows fail too', async () => {
    const updateRecord = jest.fn(() => Promise.reject(new Error('Principal user is missing prvWriteec_stub privilege')));
    renderPendingStubs({ rows: stubRows(), webAPI: { updateRecord } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select all rows' }));
    fireEvent.click(screen.getByRole('button', { name: /Request hydration/ }));
    expect(
      await screen.findByText(
        'Hydration could not be requested for 3 of 3 records: Principal user is missing prvWriteec_stub privilege 1 selected records were skipped: hydration can be requested only for Pending and Abandoned stubs.',
      ),
    ).toBeInTheDocument();
    expect(updateRecord).toHaveBeenCalledTimes(3);
  });

  it('selects every row with "Select all rows"', () => {
    const { dataset } = renderPendingStubs({ rows: stubRows() });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select all rows' }));
    expect(dataset.setSelectedRecordIds).toHaveBeenLastCalledWith(Object.values(STUB_IDS));
  });

  it('reports the rows that could not be updated and still refreshes', async () => {
    const updateRecord = jest.fn((_table: string, id: string) =>
      id === STUB_IDS.freshContact
        ? Promise.reject(new Error('Principal user is missing prvWriteec_stub privilege'))
        : Promise.resolve({ id }),
    );
    const { dataset } = renderPendingStubs({ rows: stubRows(), webAPI: { updateRecord } });
    fireEvent.click(rowCheckbox(STUB_IDS.staleAccount));
    fireEvent.click(rowCheckbox(STUB_IDS.freshContact));
    fireEvent.click(screen.getByRole('button', { name: /Request hydration/ }));
    expect(
      await screen.findByText(
        'Hydration could not be requested for 1 of 2 records: Principal user is missing prvWriteec_stub privilege',
      ),
    ).toBeInTheDocument();
    expect(updateRecord).toHaveBeenCalledTimes(2);
    expect(dataset.refresh).toHaveBeenCalledTimes(1);
    fireEvent.click(screen.getByRole('button', { name: 'Close message' }));
    expect(screen.queryByText(/Hydration could not be requested/)).not.toBeInTheDocument();
  });

  it('refreshes on "Refresh" and loads the header numbers again', async () => {
    const retrieveMultipleRecords = jest.fn(() => Promise.reject(new Error('offline')));
    const rendered = renderPendingStubs({ rows: stubRows(), webAPI: { retrieveMultipleRecords } });
    // the first failed query stops the others
    await waitFor(() => expect(retrieveMultipleRecords).toHaveBeenCalledTimes(1));
    fireEvent.click(screen.getByRole('button', { name: /Refresh/ }));
    expect(rendered.dataset.refresh).toHaveBeenCalledTimes(1);
    rendered.update();
    await waitFor(() => expect(retrieveMultipleRecords).toHaveBeenCalledTimes(2));
  });
});

describe('opening a row', () => {
  it('opens the stubbed record (its ec_table and ec_recordid), not the ec_stub row', () => {
    const { context } = renderPendingStubs({ rows: stubRows() });
    fireEvent.click(screen.getByRole('button', { name: 'Open Nancy Davolio (contact)' }));
    expect(context.navigation.openForm).toHaveBeenCalledTimes(1);
    expect(context.navigation.openForm).toHaveBeenCalledWith({ entityName: 'contact', entityId: RECORD_IDS.nancy });
  });

  it('opens the stubbed record on double click of the row', () => {
    const { context } = renderPendingStubs({ rows: stubRows() });
    fireEvent.doubleClick(within(gridRowOf(STUB_IDS.staleAccount)).getByText('account'));
    expect(context.navigation.openForm).toHaveBeenCalledWith({ entityName: 'account', entityId: RECORD_IDS.contoso });
  });

  it('does not call openForm when the row lacks table or record id', () => {
    const rows = stubRows().slice(0, 1).map((row) => ({ ...row, ec_recordid: null }));
    const { context } = renderPendingStubs({ rows });
    fireEvent.doubleClick(within(gridRowOf(STUB_IDS.staleAccount)).getByText('account'));
    expect(context.navigation.openForm).not.toHaveBeenCalled();
  });
});

describe('keyboard', () => {
  it('opens the focused row with Enter', () => {
    const { context } = renderPendingStubs({ rows: stubRows() });
    const row = gridRowOf(STUB_IDS.hydratedAccount);
    act(() => row.focus());
    fireEvent.keyDown(row, { key: 'Enter', keyCode: 13, which: 13 });
    expect(context.navigation.openForm).toHaveBeenCalledWith({ entityName: 'account', entityId: RECORD_IDS.fabrikam });
  });

  it('selects the focused row with Space and moves with the arrow keys', () => {
    // jsdom has no layout; Fluent's FocusZone reads this flag to treat elements as visible.
    (HTMLElement.prototype as unknown as { isVisible: boolean }).isVisible = true;
    const { dataset } = renderPendingStubs({ rows: stubRows() });
    const first = gridRowOf(STUB_IDS.staleAccount);
    act(() => first.focus());
    fireEvent.keyDown(first, { key: 'ArrowDown', keyCode: 40, which: 40 });
    const second = gridRowOf(STUB_IDS.freshContact);
    expect(document.activeElement).toBe(second);
    fireEvent.keyDown(second, { key: ' ', keyCode: 32, which: 32 });
    expect(dataset.setSelectedRecordIds).toHaveBeenLastCalledWith([STUB_IDS.freshContact]);
    delete (HTMLElement.prototype as unknown as { isVisible?: boolean }).isVisible;
  });

  it('reaches every command and paging control as a real button or link', () => {
    renderPendingStubs({ rows: stubRows(), hasNextPage: true });
    const toolbar = screen.getByRole('toolbar', { name: 'Stub commands' });
    for (const button of within(toolbar).getAllByRole('button')) expect(button.tagName).toBe('BUTTON');
    const next = screen.getByRole('button', { name: 'Next page' });
    expect(next.tagName).toBe('BUTTON');
    const recordLinks = screen.getAllByRole('button', { name: /^Open / });
    expect(recordLinks).toHaveLength(4);
    for (const link of recordLinks) expect(link.tagName).toBe('BUTTON');
  });
});

describe('screen-reader labels', () => {
  it('labels the grid, the selection checkboxes, the toolbar, the summary, the paging and each record link', () => {
    renderPendingStubs({ rows: stubRows() });
    expect(screen.getByRole('grid', { name: 'Stub records awaiting hydration' })).toBeInTheDocument();
    expect(screen.getByRole('checkbox', { name: 'Select all rows' })).toBeInTheDocument();
    expect(rowCheckbox(STUB_IDS.staleAccount)).toHaveAccessibleName('Select row');
    expect(screen.getByRole('toolbar', { name: 'Stub commands' })).toBeInTheDocument();
    expect(screen.getByRole('list', { name: 'Summary of stub records' })).toBeInTheDocument();
    expect(screen.getByRole('navigation', { name: 'Pages' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Open Contoso Ltd (account)' })).toBeInTheDocument();
    for (const header of ['Record', 'Table', 'State', 'Age', 'Attempts', 'Last error', 'Hydration requested', 'Hydrated on']) {
      expect(screen.getByRole('columnheader', { name: new RegExp(header) })).toBeInTheDocument();
    }
  });

  it('hides every icon from screen readers (the text next to it says the same)', () => {
    renderPendingStubs({ rows: stubRows() });
    const icons = document.querySelectorAll('svg[data-icon]');
    expect(icons.length).toBeGreaterThan(4);
    icons.forEach((icon) => expect(icon).toHaveAttribute('aria-hidden', 'true'));
  });
});
