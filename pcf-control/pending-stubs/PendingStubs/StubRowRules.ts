/**
 * Rules the grid shows about rows: which pending rows are stale, which can be asked to hydrate, and
 * the header numbers when only the rows at hand can be counted. Plain data in, plain data out.
 */
import { StubState } from '../../common/StubTable';
import type { StubRow, StubSummary } from './components/PendingStubsGrid.types';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** A pending row is stale once it has waited longer than `staleAfterMinutes`. */
export function isStale(row: StubRow, now: Date, staleAfterMinutes: number): boolean {
  if (row.state !== StubState.Pending || row.createdOn === undefined) return false;
  return now.getTime() - row.createdOn.getTime() > staleAfterMinutes * MINUTE_MS;
}

/** Header numbers counted over the rows at hand (used when the whole table cannot be counted). */
export function summaryFromRows(rows: readonly StubRow[], now: Date): StubSummary {
  let pendingCount = 0;
  let oldestPendingCreatedOn: Date | undefined;
  let hydratedLast24h = 0;
  for (const row of rows) {
    if (row.state === StubState.Pending) {
      pendingCount += 1;
      if (row.createdOn && (!oldestPendingCreatedOn || row.createdOn < oldestPendingCreatedOn)) {
        oldestPendingCreatedOn = row.createdOn;
      }
    }
    if (
      row.state === StubState.Hydrated &&
      row.hydratedOn &&
      now.getTime() - row.hydratedOn.getTime() <= DAY_MS
    ) {
      hydratedLast24h += 1;
    }
  }
  return { scope: 'page', pendingCount, oldestPendingCreatedOn, hydratedLast24h };
}

/**
 * Hydration can be asked for only while the record is a stub: Pending, or Abandoned (asking again
 * is how a person retries it). A Hydrated row, a row of unknown state or an id not on the page is
 * skipped, so "Request hydration" never stamps a row the service has finished with.
 */
export function hydrationCandidates(
  rows: readonly StubRow[],
  selectedIds: readonly string[],
): { eligible: string[]; skipped: string[] } {
  const stateOf = new Map(rows.map((row) => [row.id, row.state]));
  const eligible: string[] = [];
  const skipped: string[] = [];
  for (const id of selectedIds) {
    const state = stateOf.get(id);
    if (state === StubState.Pending || state === StubState.Abandoned) eligible.push(id);
    else skipped.push(id);
  }
  return { eligible, skipped };
}
