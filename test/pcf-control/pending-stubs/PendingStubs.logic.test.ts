/** The pure parts of PendingStubs: dataset → rows, staleness, summaries, hydration requests, summary queries. */
import { requestHydration } from '../../../pcf-control/pending-stubs/PendingStubs/HydrationRequest';
import { hydrationCandidates, isStale, summaryFromRows } from '../../../pcf-control/pending-stubs/PendingStubs/StubRowRules';
import {
  columnMapOf,
  gridColumnOfDatasetColumn,
  sortableGridColumns,
  stubRowsOf,
} from '../../../pcf-control/pending-stubs/PendingStubs/StubRows';
import { loadStubSummary } from '../../../pcf-control/pending-stubs/PendingStubs/StubSummaryQuery';
import { dateOf, numberOf, textOf } from '../../../pcf-control/common/StubValues';
import type { StubRow } from '../../../pcf-control/pending-stubs/PendingStubs/components/PendingStubsGrid.types';
import { StubState } from '../../../pcf-control/common/StubTable';
import { boundColumns, createMockDataSet, unboundViewColumns } from '../__mocks__/MockDataSet';
import { DefaultColumnOfPropertySet } from '../../../pcf-control/pending-stubs/PendingStubs/ManifestConstants';
import { NOW, RECORD_IDS, STUB_IDS, stubRows } from './stubFixtures';

function row(overrides: Partial<StubRow>): StubRow {
  return {
    id: 'x',
    table: 'account',
    recordId: RECORD_IDS.contoso,
    recordName: 'Contoso',
    recordKey: '',
    state: StubState.Pending,
    createdOn: NOW,
    attempts: 0,
    lastError: '',
    hydrationRequestedOn: undefined,
    hydratedOn: undefined,
    ...overrides,
  };
}

describe('dataset → rows', () => {
  it('maps records in the dataset order with typed values', () => {
    const dataset = createMockDataSet({ rows: stubRows().reverse() });
    const rows = stubRowsOf(dataset);
    expect(rows.map((r) => r.id)).toEqual([
      STUB_IDS.abandonedAccount,
      STUB_IDS.hydratedAccount,
      STUB_IDS.freshContact,
      STUB_IDS.staleAccount,
    ]);
    const contoso = rows[3] as StubRow;
    expect(contoso).toMatchObject({
      table: 'account',
      recordId: RECORD_IDS.contoso,
      recordName: 'Contoso Ltd',
      recordKey: "accountnumber='A-100'",
      state: StubState.Pending,
      attempts: 4,
      lastError: 'Source instance a answered 503 Service Unavailable',
      hydrationRequestedOn: undefined,
    });
    expect(contoso.createdOn).toBeInstanceOf(Date);
  });

  it('reads each property-set from the column whose alias names it, else the ec_stub column', () => {
    const map = columnMapOf(boundColumns({ recordName: 'ec_name', attempts: null }));
    expect(map.recordName).toBe('ec_name');
    expect(map.attempts).toBe('ec_attempts');
    expect(map.stubTable).toBe('ec_table');
  });

  it('maps a view that binds no property-set to the ec_stub columns, all of them sortable', () => {
    const columns = unboundViewColumns();
    const map = columnMapOf(columns);
    expect(map).toEqual(DefaultColumnOfPropertySet);
    expect(sortableGridColumns(columns, map)).toEqual(['record', 'table', 'state', 'age', 'attempts', 'lastError', 'hydrationRequestedOn', 'hydratedOn']);
    expect(stubRowsOf(createMockDataSet({ rows: stubRows(), columns }))).toEqual(stubRowsOf(createMockDataSet({ rows: stubRows() })));
  });

  it('only offers sorting on grid columns whose column is in the view', () => {
    const columns = boundColumns({ lastError: null, hydratedOn: null });
    const sortable = sortableGridColumns(columns, columnMapOf(columns));
    expect(sortable).toEqual(['record', 'table', 'state', 'age', 'attempts', 'hydrationRequestedOn']);
  });

  it('finds the grid column of a dataset sort', () => {
    const map = columnMapOf(boundColumns());
    expect(gridColumnOfDatasetColumn('createdon', map)).toBe('age');
    expect(gridColumnOfDatasetColumn('ec_origin', map)).toBeUndefined();
  });

  it('parses loose values without inventing data', () => {
    expect(textOf(null)).toBe('');
    expect(textOf({ name: 'Contoso', id: { guid: 'x' } })).toBe('Contoso');
    expect(dateOf('not a date')).toBeUndefined();
    expect(dateOf('2026-11-26T10:00:00Z')?.toISOString()).toBe('2026-11-26T10:00:00.000Z');
    expect(numberOf('')).toBeUndefined();
    expect(numberOf('7')).toBe(7);
    expect(numberOf(Number.NaN)).toBeUndefined();
  });
});

describe('stale rows', () => {
  it('is stale only when pending and strictly older than the limit', () => {
    const created = new Date(NOW.getTime() - 60 * 60_000);
    expect(isStale(row({ createdOn: created }), NOW, 60)).toBe(false);
    expect(isStale(row({ createdOn: new Date(created.getTime() - 1) }), NOW, 60)).toBe(true);
    expect(isStale(row({ createdOn: new Date(0), state: StubState.Hydrated }), NOW, 60)).toBe(false);
    expect(isStale(row({ createdOn: new Date(0), state: StubState.Abandoned }), NOW, 60)).toBe(false);
    expect(isStale(row({ createdOn: undefined }), NOW, 60)).toBe(false);
  });
});

describe('summary of the rows on screen', () => {
  it('counts pending, finds the oldest pending, counts hydrated within 24 h', () => {
    const summary = summaryFromRows(
      [
        row({ createdOn: new Date(NOW.getTime() - 3_600_000) }),
        row({ createdOn: new Date(NOW.getTime() - 7_200_000) }),
        row({ state: StubState.Hydrated, hydratedOn: new Date(NOW.getTime() - 23 * 3_600_000) }),
        row({ state: StubState.Hydrated, hydratedOn: new Date(NOW.getTime() - 25 * 3_600_000) }),
      ],
      NOW,
    );
    expect(summary).toEqual({
      scope: 'page',
      pendingCount: 2,
      oldestPendingCreatedOn: new Date(NOW.getTime() - 7_200_000),
      hydratedLast24h: 1,
    });
  });
});

describe('requestHydration', () => {
  it('updates each ec_stub row once with the same timestamp', async () => {
    const updateRecord = jest.fn(() => Promise.resolve({}));
    const result = await requestHydration({ updateRecord }, ['a', 'b'], NOW);
    expect(result).toEqual({ requested: ['a', 'b'], failed: [] });
    expect(updateRecord.mock.calls).toEqual([
      ['ec_stub', 'a', { ec_hydrationrequestedon: '2026-11-26T12:00:00.000Z' }],
      ['ec_stub', 'b', { ec_hydrationrequestedon: '2026-11-26T12:00:00.000Z' }],
    ]);
  });

  it('turns a rejection or a synchronous throw into a failed row', async () => {
    const updateRecord = jest.fn((_t: string, id: string) => {
      if (id === 'sync') throw new Error('not available offline');
      if (id === 'async') return Promise.reject({ message: 'Access denied', errorCode: -2147220960 });
      return Promise.resolve({});
    });
    const result = await requestHydration({ updateRecord }, ['ok', 'sync', 'async'], NOW);
    expect(result.requested).toEqual(['ok']);
    expect(result.failed).toEqual([
      { id: 'sync', message: 'not available offline' },
      { id: 'async', message: 'Access denied' },
    ]);
  });
});

describe('loadStubSummary', () => {
  it('answers undefined (never throws) when the Web API throws synchronously', async () => {
    const reader = {
      retrieveMultipleRecords: jest.fn(() => {
        throw new Error('WebAPI is not supported in the test harness');
      }),
    };
    await expect(loadStubSummary(reader)).resolves.toBeUndefined();
  });

  it('answers undefined when an aggregate comes back without its count', async () => {
    const reader = { retrieveMultipleRecords: jest.fn(() => Promise.resolve({ entities: [] })) };
    await expect(loadStubSummary(reader)).resolves.toBeUndefined();
  });
});

describe('hydrationCandidates', () => {
  it('keeps Pending and Abandoned rows, skips Hydrated, unknown states and ids not on the page', () => {
    const rows = [
      row({ id: 'p', state: StubState.Pending }),
      row({ id: 'h', state: StubState.Hydrated }),
      row({ id: 'a', state: StubState.Abandoned }),
      row({ id: 'u', state: undefined }),
    ];
    expect(hydrationCandidates(rows, ['p', 'h', 'a', 'u', 'gone'])).toEqual({ eligible: ['p', 'a'], skipped: ['h', 'u', 'gone'] });
    expect(hydrationCandidates(rows, [])).toEqual({ eligible: [], skipped: [] });
  });
});
