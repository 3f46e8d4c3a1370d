/**
 * What a host other than the PCF runtime needs to render the PendingStubs experience (the API's
 * local preview page): the top-level component, its props and row types, the strings helper and the
 * pure rules. Nothing exported here touches `ComponentFramework` at run time.
 */
export { PendingStubsView, type PendingStubsViewProps } from './components/PendingStubsView';
export { PendingStubsGrid } from './components/PendingStubsGrid';
export type {
  HydrationRequestFailure,
  HydrationRequestResult,
  PagingMove,
  PendingStubsGridProps,
  StubGridColumnKey,
  StubGridPaging,
  StubGridSort,
  StubRow,
  StubSummary,
} from './components/PendingStubsGrid.types';
export { PendingStubsStringKeys, type PendingStubsStringKey, type PendingStubsStrings } from './PendingStubsStrings';
export { isStale, summaryFromRows } from './StubRowRules';
export { dateOf, numberOf, textOf } from '../../common/StubValues';
export { requestHydration, type StubRecordUpdater } from './HydrationRequest';
export { createLocalizedStrings, type StringSource } from '../../common/LocalizedStrings';
export { StubColumn, StubState, StubTable, toStubState } from '../../common/StubTable';
