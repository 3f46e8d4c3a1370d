/**
 * Props of the PendingStubs view. Nothing here depends on the PCF runtime: the control's `index.ts`
 * fills these from `ComponentFramework.Context`, and a page outside Dataverse (the API's local
 * preview) can fill them from the API's stubs endpoint.
 */
import type { StubStateValue } from '../../../common/StubTable';
import type { PendingStubsStrings } from '../PendingStubsStrings';

/** One `ec_stub` row as the grid shows it. */
export interface StubRow {
  /** The ec_stub row's own id (what "Request hydration" updates). */
  id: string;
  /** Logical name of the stubbed record's table (ec_table). */
  table: string;
  /** GUID of the stubbed record (ec_recordid). */
  recordId: string;
  recordName: string;
  /** The key as given (ec_key). */
  recordKey: string;
  state: StubStateValue | undefined;
  createdOn: Date | undefined;
  attempts: number | undefined;
  lastError: string;
  hydrationRequestedOn: Date | undefined;
  hydratedOn: Date | undefined;
}

/** The grid's columns; each sorts by the dataset column its property-set is bound to. */
export type StubGridColumnKey =
  | 'record'
  | 'table'
  | 'state'
  | 'age'
  | 'attempts'
  | 'lastError'
  | 'hydrationRequestedOn'
  | 'hydratedOn';

export interface StubGridSort {
  column: StubGridColumnKey;
  descending: boolean;
}

/**
 * Header numbers. `scope: 'all'` when they were counted over the whole table, `'page'` when only the
 * rows on screen could be counted (for example the user cannot run aggregate queries).
 */
export interface StubSummary {
  scope: 'all' | 'page';
  pendingCount: number;
  oldestPendingCreatedOn: Date | undefined;
  hydratedLast24h: number;
}

export interface StubGridPaging {
  /** 1-based. */
  page: number;
  hasPreviousPage: boolean;
  hasNextPage: boolean;
  /** Records in the whole view, when the data source knows it. */
  totalCount?: number;
}

export interface HydrationRequestFailure {
  id: string;
  message: string;
}

export interface HydrationRequestResult {
  requested: string[];
  failed: HydrationRequestFailure[];
}

export type PagingMove = 'first' | 'previous' | 'next';

export interface PendingStubsGridProps {
  rows: readonly StubRow[];
  strings: PendingStubsStrings;
  /** "Now" for ages; passed in so a render is a pure function of its props. */
  now: Date;
  /** Pending rows older than this are highlighted as stale. */
  staleAfterMinutes: number;
  loading: boolean;
  /** Set when the data source failed; the grid shows it instead of rows. */
  errorMessage?: string;
  summary: StubSummary;
  sort?: StubGridSort;
  /** Columns that can be sorted (those bound to a dataset column). */
  sortableColumns: readonly StubGridColumnKey[];
  paging: StubGridPaging;
  /** Pixels given by the host; undefined or negative means "size to content". */
  width?: number;
  height?: number;
  /**
   * Exact date-time text (tooltips, "hydrated on"). The control passes the user's Dataverse format;
   * without it the browser's locale and time zone are used.
   */
  formatDateTime?: (date: Date) => string;
  onSort(sort: StubGridSort): void;
  onPage(move: PagingMove): void;
  onSelectionChange(ids: string[]): void;
  onOpenRecord(row: StubRow): void;
  onRequestHydration(ids: string[]): Promise<HydrationRequestResult>;
  onRefresh(): void;
}
