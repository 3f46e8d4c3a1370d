import * as React from 'react';
import type { IInputs, IOutputs } from './generated/ManifestTypes';
import { createLocalizedStrings } from '../../common/LocalizedStrings';
import { formatLocalDateTime } from '../../common/RelativeAge';
import { PendingStubsView, type PendingStubsViewProps } from './components/PendingStubsView';
import type { PagingMove, StubGridSort, StubRow } from './components/PendingStubsGrid.types';
import { requestHydration } from './HydrationRequest';
import { DEFAULT_STALE_AFTER_MINUTES } from './ManifestConstants';
import type { PendingStubsStringKey } from './PendingStubsStrings';
import { loadStubSummary } from './StubSummaryQuery';
import {
  columnMapOf,
  gridColumnOfDatasetColumn,
  PropertySetOfGridColumn,
  sortableGridColumns,
  stubRowsOf,
  type ColumnMap,
} from './StubRows';

/**
 * ec_DataverseEnsure.PendingStubs — maps the PCF context to the props of `PendingStubsView` and the
 * view's callbacks back to the dataset, navigation and Web API. No rendering logic lives here.
 */
export class PendingStubs implements ComponentFramework.ReactControl<IInputs, IOutputs> {
  private context!: ComponentFramework.Context<IInputs>;
  /** 1-based page shown, kept here because the dataset API does not report it. */
  private page = 1;
  private summaryVersion = 0;

  public init(context: ComponentFramework.Context<IInputs>): void {
    this.context = context;
    context.mode.trackContainerResize(true);
  }

  public updateView(context: ComponentFramework.Context<IInputs>): React.ReactElement {
    this.context = context;
    const dataset = context.parameters.stubs;
    // Hosts may hand over a dataset that is not filled yet (the pcf-start harness before data is
    // loaded has no columns, sorting or paging): read every part defensively.
    const columns = dataset.columns ?? [];
    const map = columnMapOf(columns);
    const currentSort = dataset.sorting?.[0];
    const sortColumn = currentSort ? gridColumnOfDatasetColumn(currentSort.name, map) : undefined;
    const staleAfter = context.parameters.staleAfterMinutes?.raw;
    const props: PendingStubsViewProps = {
      rows: stubRowsOf(dataset, map),
      strings: createLocalizedStrings<PendingStubsStringKey>(context.resources),
      now: new Date(),
      staleAfterMinutes: typeof staleAfter === 'number' && staleAfter >= 0 ? staleAfter : DEFAULT_STALE_AFTER_MINUTES,
      loading: dataset.loading === true,
      errorMessage: dataset.error ? dataset.errorMessage ?? '' : undefined,
      sort: sortColumn ? { column: sortColumn, descending: currentSort?.sortDirection === 1 } : undefined,
      sortableColumns: dataset.sorting ? sortableGridColumns(columns, map) : [],
      paging: {
        page: this.page,
        hasPreviousPage: dataset.paging?.hasPreviousPage === true,
        hasNextPage: dataset.paging?.hasNextPage === true,
        totalCount: (dataset.paging?.totalResultCount ?? -1) >= 0 ? dataset.paging.totalResultCount : undefined,
      },
      width: context.mode.allocatedWidth,
      height: context.mode.allocatedHeight,
      formatDateTime: (date) => this.formatDateTime(date),
      loadSummary: () => loadStubSummary(this.context.webAPI),
      summaryVersion: this.summaryVersion,
      onSort: (sort) => this.sort(sort, map),
      onPage: (move) => this.movePage(move),
      onSelectionChange: (ids) => this.context.parameters.stubs.setSelectedRecordIds(ids),
      onOpenRecord: (row) => this.openRecord(row),
      onRequestHydration: (ids) => requestHydration(this.context.webAPI, ids, new Date()),
      onRefresh: () => this.refresh(),
    };
    return React.createElement(PendingStubsView, props);
  }

  public getOutputs(): IOutputs {
    return {};
  }

  public destroy(): void {
    // Nothing to release: React unmounts the view.
  }

  private formatDateTime(date: Date): string {
    try {
      return this.context.formatting.formatDateShort(date, true);
    } catch {
      return formatLocalDateTime(date);
    }
  }

  private sort(sort: StubGridSort, map: ColumnMap): void {
    const dataset = this.context.parameters.stubs;
    const name = map[PropertySetOfGridColumn[sort.column]];
    while (dataset.sorting.length > 0) dataset.sorting.pop();
    dataset.sorting.push({ name, sortDirection: sort.descending ? 1 : 0 });
    this.page = 1;
    dataset.paging.reset();
    dataset.refresh();
  }

  private movePage(move: PagingMove): void {
    const paging = this.context.parameters.stubs.paging;
    if (move === 'next' && paging.hasNextPage) {
      this.page += 1;
      paging.loadNextPage();
    } else if (move === 'previous' && paging.hasPreviousPage) {
      this.page = Math.max(1, this.page - 1);
      paging.loadPreviousPage();
    } else if (move === 'first') {
      this.page = 1;
      paging.reset();
      this.context.parameters.stubs.refresh();
    }
  }

  private openRecord(row: StubRow): void {
    if (row.table === '' || row.recordId === '') return;
    try {
      // The *stubbed* record's form (its own table and id), not the ec_stub row's.
      void Promise.resolve(this.context.navigation.openForm({ entityName: row.table, entityId: row.recordId })).catch(
        () => undefined,
      );
    } catch {
      // A host without navigation (the harness) must not break the grid.
    }
  }

  private refresh(): void {
    this.summaryVersion += 1;
    this.context.parameters.stubs.refresh();
  }
}
