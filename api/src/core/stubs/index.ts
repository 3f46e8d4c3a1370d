/** The `ec_stub` table's one owner (README, "Stubs"): the repository, the key codec, the change port. */
export { StubRepository, type NewStub, type HydrationTarget } from './StubRepository';
export type { PendingQuery, PendingStub, PendingStubUpdate } from './PendingStubs';
export { decodeStubKey, encodeStubKey, readStubKey, stubKeyColumns, stubRowName } from './StubKey';
export { STUB_CHANGE_TYPES, type StubChange, type StubChangeCause, type StubChangeObserver, type StubChangeType } from './StubChanges';
export { decodeStubCursor, type StubFilters } from './StubCursor';
export { percentile, StubSummaryBuilder } from './StubSummary';
