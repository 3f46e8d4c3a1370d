/**
 * The reconciler's view of `ec_stub` rows (StubRepository's `pendingDue` and `updatePending`): which
 * rows are due, what a row says, and the bodies and changes of its updates. The decisions — when to
 * try, when to give up — stay the reconciler's; only their `ec_stub` form is written here.
 */
import { filterAnyOf, filterEquals, type BatchOperation, type QueryOptions } from '../../dataverse';
import { clip } from '../clip';
import type { StubChange } from './StubChanges';
import { hydratedRowUpdate, LAST_ERROR_MAX, secondsToHydrate, stateOf, StubStateValue } from './StubTable';

const PENDING_COLUMNS = ['ec_stubid', 'ec_table', 'ec_recordid', 'ec_key', 'ec_stubstate', 'ec_attempts', 'ec_hydrationrequestedon', 'createdon', 'modifiedon'];

export interface PendingQuery {
  /** Tables to look at (allowed in both the target and its source). */
  tables: readonly string[];
  /** Most rows answered. */
  top: number;
  /**
   * A stub that failed waits `waitSeconds(attempts)` since its last attempt (the row's `modifiedon`,
   * which only the reconciler and people requesting hydration change while it is Pending); attempts
   * beyond `tiers` wait `waitSeconds(tiers + 1)`. Without it, every Pending stub is due.
   */
  backoff?: { tiers: number; waitSeconds: (attempts: number) => number };
  now?: Date;
}

/** A Pending stub (or an Abandoned one someone asked to hydrate), as the reconciler read it. */
export interface PendingStub {
  rowId: string;
  etag: string;
  table: string;
  recordId: string;
  /** `ec_key` (decode it with `decodeStubKey`). */
  key: string;
  state: 'Pending' | 'Abandoned';
  attempts: number;
  requested: boolean;
  createdOn: string;
}

/** What the reconciler writes to a pending row (the request, if any, is then served). */
export type PendingStubUpdate =
  /**
   * Someone else wrote the record (at `hydratedOn`): marked Hydrated. `record`: an update of the record
   * itself written in the same change set (clearing the stub marker, `stubMarkerClearing`); the mark is
   * written only if it succeeds too. Without it the record is untouched.
   */
  | { kind: 'hydratedExternally'; stub: PendingStub; hydratedOn: Date; record?: BatchOperation }
  /** An attempt failed: counted with its error, and Abandoned when `abandon`. */
  | { kind: 'attemptFailed'; stub: PendingStub; attempts: number; lastError: string; abandon: boolean };

/** The two queries of a round: the requested stubs first, then the oldest due ones. */
export function pendingQueries(query: PendingQuery): QueryOptions[] {
  const inTables = filterAnyOf('ec_table', query.tables);
  const requested = `(${filterEquals('ec_stubstate', StubStateValue.Pending)} or ${filterEquals('ec_stubstate', StubStateValue.Abandoned)}) and ec_hydrationrequestedon ne null and ${inTables}`;
  const due = `${filterEquals('ec_stubstate', StubStateValue.Pending)} and ${inTables}${dueFilter(query)}`;
  return [
    { select: PENDING_COLUMNS, filter: requested, orderBy: [{ column: 'ec_hydrationrequestedon' }], top: query.top },
    { select: PENDING_COLUMNS, filter: due, orderBy: [{ column: 'createdon' }], top: query.top },
  ];
}

function dueFilter(query: PendingQuery): string {
  if (!query.backoff) return '';
  const { tiers, waitSeconds } = query.backoff;
  const now = (query.now ?? new Date()).getTime();
  const before = (attempts: number) => new Date(now - waitSeconds(attempts) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const terms = ['ec_attempts eq null', 'ec_attempts eq 0'];
  for (let attempts = 1; attempts <= tiers; attempts++) terms.push(`(ec_attempts eq ${attempts} and modifiedon le ${before(attempts)})`);
  terms.push(`(ec_attempts gt ${tiers} and modifiedon le ${before(tiers + 1)})`);
  return ` and (${terms.join(' or ')})`;
}

export function pendingStubOf(row: Record<string, unknown>): PendingStub {
  return {
    rowId: String(row.ec_stubid),
    etag: String(row['@odata.etag']),
    table: String(row.ec_table),
    recordId: String(row.ec_recordid).toLowerCase(),
    key: String(row.ec_key ?? ''),
    state: stateOf(row.ec_stubstate) === 'Abandoned' ? 'Abandoned' : 'Pending',
    attempts: typeof row.ec_attempts === 'number' ? row.ec_attempts : 0,
    requested: row.ec_hydrationrequestedon !== null && row.ec_hydrationrequestedon !== undefined,
    createdOn: String(row.createdon),
  };
}

export function updateBody(update: PendingStubUpdate): Record<string, unknown> {
  if (update.kind === 'hydratedExternally') {
    return { ...hydratedRowUpdate(secondsToHydrate(update.stub.createdOn, update.hydratedOn), update.hydratedOn), ec_hydrationrequestedon: null };
  }
  return {
    ec_attempts: update.attempts,
    ec_lasterror: clip(update.lastError, LAST_ERROR_MAX),
    ec_hydrationrequestedon: null,
    ...(update.abandon ? { ec_stubstate: StubStateValue.Abandoned } : {}),
  };
}

/**
 * The change a written update made, if it is one that is reported (an attempt that did not abandon is
 * not); without its key, which the repository reads with the table's metadata.
 */
export function changeOf(instance: string, update: PendingStubUpdate): StubChange | undefined {
  const { stub } = update;
  if (update.kind === 'hydratedExternally') {
    const seconds = secondsToHydrate(stub.createdOn, update.hydratedOn);
    return {
      type: 'stub.hydrated',
      instance,
      table: stub.table,
      recordId: stub.recordId,
      state: 'Hydrated',
      cause: 'external',
      occurredOn: update.hydratedOn.toISOString(),
      ...(seconds !== undefined ? { secondsToHydrate: seconds } : {}),
    };
  }
  if (!update.abandon) return undefined;
  return { type: 'stub.abandoned', instance, table: stub.table, recordId: stub.recordId, state: 'Abandoned', cause: 'reconciler', attempts: update.attempts, lastError: clip(update.lastError, LAST_ERROR_MAX) };
}
