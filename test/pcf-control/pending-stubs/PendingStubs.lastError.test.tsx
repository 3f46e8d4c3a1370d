/**
 * The Last error column: the service's reconciler writes `ec_lasterror` as
 * `<UTC time> attempt <n>: <table> <record id> <reason>.` (api/src/reconciler/decideStub.ts); the
 * cell shows the reason, and the whole stored text on hover.
 */
import { fireEvent, waitFor, within } from '@testing-library/react';
import { lastErrorMessage } from '../../../pcf-control/pending-stubs/PendingStubs/LastErrorText';
import { fixNow, restoreNow } from './fakeNow';
import { renderPendingStubs, rowOf } from './renderPendingStubs';
import { NOW, RECORD_IDS, STUB_IDS, stubRows } from './stubFixtures';

const contoso = { table: 'account', recordId: RECORD_IDS.contoso };
const stored = `2026-11-26T11:42:07Z attempt 4: account ${RECORD_IDS.contoso} not found in the source instance 'a'.`;

describe('lastErrorMessage', () => {
  it('drops the time, the attempt and the row’s own table and id from what the reconciler writes', () => {
    expect(lastErrorMessage(stored, contoso)).toBe("not found in the source instance 'a'.");
    const refused = `2026-11-26T11:42:07Z attempt 12: account ${RECORD_IDS.contoso} the target instance 'b' refused the hydration: 400 name is required.`;
    expect(lastErrorMessage(refused, contoso)).toBe("the target instance 'b' refused the hydration: 400 name is required.");
  });

  it('drops a leading time with milliseconds or an offset too', () => {
    expect(lastErrorMessage('2026-11-26T11:42:07.123Z Source answered 503', contoso)).toBe('Source answered 503');
    expect(lastErrorMessage('2026-11-26T12:42:07+01:00 attempt 2: timed out', contoso)).toBe('timed out');
  });

  it('keeps the table and id when they are another record’s', () => {
    expect(lastErrorMessage(`2026-11-26T11:42:07Z attempt 1: contact ${RECORD_IDS.nancy} gone.`, contoso)).toBe(
      `contact ${RECORD_IDS.nancy} gone.`,
    );
  });

  it('shows text in any other shape as it is', () => {
    expect(lastErrorMessage('Source instance a answered 503 Service Unavailable', contoso)).toBe(
      'Source instance a answered 503 Service Unavailable',
    );
    expect(lastErrorMessage('attempt 3: failed on 2026-11-26T11:42:07Z', contoso)).toBe('attempt 3: failed on 2026-11-26T11:42:07Z');
    // nothing after the time: the time is all there is to show
    expect(lastErrorMessage('2026-11-26T11:42:07Z ', contoso)).toBe('2026-11-26T11:42:07Z ');
  });
});

describe('Last error cell', () => {
  beforeEach(() => fixNow(NOW));
  afterEach(() => restoreNow());

  it('shows the reason, not the leading time, and the full stored text on hover', async () => {
    const rows = stubRows().map((row) => (row['ec_stubid'] === STUB_IDS.staleAccount ? { ...row, ec_lasterror: stored } : row));
    renderPendingStubs({ rows });
    const cell = within(rowOf(STUB_IDS.staleAccount)).getByTestId('last-error');
    expect(cell).toHaveTextContent(/^not found in the source instance 'a'\.$/);
    // Fluent also keeps the tooltip's text in the cell, visually hidden, for screen readers
    const host = cell.parentElement as HTMLElement;
    expect(within(host).getByText(stored)).not.toBe(cell);
    expect(document.querySelector('.ms-Tooltip')).toBeNull();
    fireEvent.mouseEnter(cell.parentElement as HTMLElement);
    await waitFor(() => expect(document.querySelector('.ms-Tooltip')).toHaveTextContent(stored));
  });

  it('shows a last error in another shape whole, with the same tooltip', async () => {
    renderPendingStubs({ rows: stubRows() });
    const cell = within(rowOf(STUB_IDS.abandonedAccount)).getByTestId('last-error');
    expect(cell).toHaveTextContent(/^Record not found in source instance a$/);
    fireEvent.mouseEnter(cell.parentElement as HTMLElement);
    await waitFor(() => expect(document.querySelector('.ms-Tooltip')).toHaveTextContent('Record not found in source instance a'));
  });
});
