/**
 * The reconciler's reads and writes of `ec_stub` rows in a target instance: the pending stubs a round
 * takes (`readPendingStubs`), the row bodies of its decisions (`markHydratedUpdate`, `attemptUpdate`),
 * and the conditional writes of those bodies (`writeRowUpdates`). Every `ec_stub` column the reconciler
 * names is here; its hydrations go through `EnsureService.hydrate` instead.
 */
import { hydratedRowUpdate, STUB_ENTITY_SET, StubStateValue, stateOf } from '../core/StubTracking';
import { filterAnyOf, filterEquals, type DataverseClient, type DataverseRecord } from '../dataverse';
import { chunk, MAX_BATCH_OPERATIONS } from './BatchParts';
import { retryDelaySeconds, type ReconcilerSettings } from './ReconcilerSettings';

const PENDING_COLUMNS = ['ec_stubid', 'ec_table', 'ec_recordid', 'ec_key', 'ec_stubstate', 'ec_attempts', 'ec_hydrationrequestedon', 'createdon', 'modifiedon'];
/** Attempts with their own wait in the pending filter; beyond, the longest wait applies. */
const BACKOFF_TIERS = 24;

/** A stub row the round took. */
export interface PendingRow {
  rowId: string;
  etag: string;
  table: string;
  recordId: string;
  key: string;
  state: 'Pending' | 'Abandoned';
  attempts: number;
  requested: boolean;
  createdOn: string;
}

/** One $batch: the stubs someone asked to hydrate, then the oldest Pending ones due for an attempt. */
export async function readPendingStubs(client: DataverseClient, tables: readonly string[], settings: ReconcilerSettings): Promise<PendingRow[]> {
  const inTables = filterAnyOf('ec_table', tables);
  const requested = `(${filterEquals('ec_stubstate', StubStateValue.Pending)} or ${filterEquals('ec_stubstate', StubStateValue.Abandoned)}) and ec_hydrationrequestedon ne null and ${inTables}`;
  const due = `${filterEquals('ec_stubstate', StubStateValue.Pending)} and ${inTables}${dueFilter(settings)}`;
  const top = settings.batchSize;
  const result = await client.executeBatch([
    { method: 'GET', target: { entitySet: STUB_ENTITY_SET }, query: { select: PENDING_COLUMNS, filter: requested, orderBy: [{ column: 'ec_hydrationrequestedon' }], top } },
    { method: 'GET', target: { entitySet: STUB_ENTITY_SET }, query: { select: PENDING_COLUMNS, filter: due, orderBy: [{ column: 'createdon' }], top } },
  ]);
  if (result.errors.length > 0) throw result.errors[0]!;
  const seen = new Set<string>();
  const rows: PendingRow[] = [];
  for (const operation of result.operations) {
    for (const row of ((operation.response?.body as { value?: DataverseRecord[] } | undefined)?.value ?? [])) {
      const id = String(row.ec_stubid);
      if (seen.has(id) || rows.length >= top) continue;
      seen.add(id);
      rows.push({
        rowId: id,
        etag: String(row['@odata.etag']),
        table: String(row.ec_table),
        recordId: String(row.ec_recordid).toLowerCase(),
        key: String(row.ec_key ?? ''),
        state: stateOf(row.ec_stubstate) === 'Abandoned' ? 'Abandoned' : 'Pending',
        attempts: typeof row.ec_attempts === 'number' ? row.ec_attempts : 0,
        requested: row.ec_hydrationrequestedon !== null && row.ec_hydrationrequestedon !== undefined,
        createdOn: String(row.createdon),
      });
    }
  }
  return rows;
}

/**
 * Stubs that failed before wait `retryDelaySeconds(attempts)` since their last attempt (the row's
 * `modifiedon`, which only the reconciler and people requesting hydration change while it is Pending).
 */
function dueFilter(settings: ReconcilerSettings): string {
  if (settings.retryBaseSeconds === 0) return '';
  const now = Date.now();
  const before = (attempts: number) => new Date(now - retryDelaySeconds(settings, attempts) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const tiers = Math.min(BACKOFF_TIERS, settings.maxAttempts);
  const terms = ['ec_attempts eq null', 'ec_attempts eq 0'];
  for (let attempts = 1; attempts <= tiers; attempts++) terms.push(`(ec_attempts eq ${attempts} and modifiedon le ${before(attempts)})`);
  terms.push(`(ec_attempts gt ${tiers} and modifiedon le ${before(tiers + 1)})`);
  return ` and (${terms.join(' or ')})`;
}

/** The row marked Hydrated as of `hydratedOn` (someone else wrote the record), the hydration request served. */
export function markHydratedUpdate(row: PendingRow, hydratedOn: Date): Record<string, unknown> {
  return { ...hydratedRowUpdate(row.createdOn, hydratedOn), ec_hydrationrequestedon: null };
}

/** A failed attempt: one more attempt, the error, the request served; Abandoned when decided. */
export function attemptUpdate(attempt: { attempts: number; lastError: string; abandon: boolean }): Record<string, unknown> {
  return { ec_attempts: attempt.attempts, ec_lasterror: attempt.lastError, ec_hydrationrequestedon: null, ...(attempt.abandon ? { ec_stubstate: StubStateValue.Abandoned } : {}) };
}

/**
 * Row updates in $batch requests, each with If-Match on the row as read; answers, in order, whether
 * each was written (412: the row changed since it was read — hydrated, requested, updated by another
 * replica — and a later round decides).
 */
export async function writeRowUpdates(client: DataverseClient, updates: ReadonlyArray<{ row: PendingRow; body: Record<string, unknown> }>): Promise<boolean[]> {
  const written: boolean[] = [];
  for (const part of chunk(updates, MAX_BATCH_OPERATIONS)) {
    const result = await client.executeBatch(
      part.map((update, i) => ({ method: 'PATCH', target: { entitySet: STUB_ENTITY_SET, key: update.row.rowId }, body: update.body, condition: { etag: update.row.etag }, contentId: String(i + 1) })),
      { continueOnError: true },
    );
    for (const i of part.keys()) written.push(result.operations[i]?.outcome === 'succeeded');
  }
  return written;
}
