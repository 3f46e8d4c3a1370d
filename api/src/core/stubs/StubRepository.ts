/**
 * The one owner of an instance's `ec_stub` table: every read and write of its rows — the row that goes
 * into a stub's own change set, the state ensure and hydrate look at, the mark of a hydration, the
 * reconciler's pending stubs and its row updates, a hydration request, the list (keyset paging),
 * one stub, the summary and the reachability probe. Nothing else names a column or builds a filter or
 * a row body (test/api/architecture/stubTable.test.ts holds that).
 *
 * Each state change is reported to the `StubChangeObserver` where the row is written, once the write
 * (or the change set it belongs to) committed: `created` and `hydrated` are called by the core after
 * its change set succeeded, `updatePending` reports what it wrote itself. An observer that fails never
 * fails the write.
 */
import { filterEquals, InvalidDataverseInputError, MAX_BATCH_REQUESTS, isGuid, NotFoundError, ResourceNotFoundError, TransientError, type BatchItem, type BatchOperation, type DataverseClient, type DataverseError, type EntityMetadata } from '../../dataverse';
import { ApiErrors } from '../ApiErrors';
import type { RecordKeyInput, Stub, StubPage, StubState, StubSummary, StubSummaryOptions } from '../EnsureService';
import type { ResolvedKey } from '../RecordKeys';
import type { StubChange, StubChangeObserver } from './StubChanges';
import { afterPositionFilter, encodeStubCursor, type StubFilters, type StubPosition } from './StubCursor';
import { encodeStubKey, readStubKey, stubRowName } from './StubKey';
import { changeOf, pendingQueries, pendingStubOf, updateBody, type PendingQuery, type PendingStub, type PendingStubUpdate } from './PendingStubs';
import { StubSummaryBuilder, SUMMARY_COLUMNS } from './StubSummary';
import { hydratedRowUpdate, newStubRow, secondsToHydrate, stateOf, STUB_COLUMNS, STUB_ENTITY_SET, StubStateValue, stubRowKey, toStub } from './StubTable';


/** A stub about to be written, with its record, in one change set. */
export interface NewStub {
  table: string;
  recordId: string;
  key: ResolvedKey;
  /** The key as callers see it (`stubKeyColumns`): the `key` of `stub.created`. */
  keyColumns: RecordKeyInput;
  /** The stubbed record's name (`ec_recordname`). */
  name: string;
  sourceInstance: string | undefined;
  /** Who asked (`ec_origin`). */
  origin: string;
}

/** The row a hydrate marks, as read before its change set (If-Match on `etag`). */
export interface HydrationTarget {
  table: string;
  recordId: string;
  state: StubState;
  etag: string;
  createdOn: string;
  /** `ec_key` as the row holds it. */
  key: string;
}

/** A record write the target answered with a refusal of its own (not a missing record, not an outage). */
function refusedRecordWrite(error: DataverseError | undefined): boolean {
  return error !== undefined && !(error instanceof NotFoundError) && !(error instanceof TransientError) && error.status !== undefined && error.status >= 400 && error.status < 500 && error.status !== 429;
}

/** The updates from `start` that fit in one $batch (an update with a record operation counts two). */
function batchOf(updates: readonly PendingStubUpdate[], start: number): PendingStubUpdate[] {
  const part: PendingStubUpdate[] = [];
  let operations = 0;
  for (const update of updates.slice(start)) {
    const size = update.kind === 'hydratedExternally' && update.record ? 2 : 1;
    if (operations + size > MAX_BATCH_REQUESTS) break;
    part.push(update);
    operations += size;
  }
  return part;
}

export class StubRepository {
  constructor(
    readonly instance: string,
    private readonly client: DataverseClient,
    private readonly observer?: StubChangeObserver,
  ) {}

  // ---- created with the record ----------------------------------------------------------------

  /** The row of a new stub, for the stub's change set (upsert: a row left from an earlier life is reset). */
  creationOperation(stub: NewStub, contentId: string): BatchOperation {
    return {
      method: 'PATCH',
      target: { entitySet: STUB_ENTITY_SET, key: stubRowKey(stub.table, stub.recordId) },
      body: newStubRow({
        table: stub.table,
        recordId: stub.recordId,
        keyText: encodeStubKey(stub.key),
        rowName: stubRowName(stub.table, stub.key),
        name: stub.name,
        sourceInstance: stub.sourceInstance,
        origin: stub.origin,
      }),
      contentId,
    };
  }

  /** The change sets holding these stubs' rows committed: `stub.created` for each, in order. */
  async created(stubs: readonly NewStub[], cause: 'ensure' | 'submit'): Promise<void> {
    for (const stub of stubs) {
      await this.report({ type: 'stub.created', instance: this.instance, table: stub.table, recordId: stub.recordId, state: 'Pending', cause, key: stub.keyColumns });
    }
  }

  // ---- what ensure and hydrate look at --------------------------------------------------------

  /** The state of the record's stub row; undefined when the record never was a stub. */
  async state(table: string, recordId: string): Promise<StubState | undefined> {
    const row = await this.client.tryRetrieve(STUB_ENTITY_SET, stubRowKey(table, recordId), { select: ['ec_stubstate'] });
    return row === undefined ? undefined : stateOf(row.ec_stubstate);
  }

  /** The row a hydrate would mark, with its ETag; undefined when the record never was a stub. */
  async hydrationTarget(table: string, recordId: string): Promise<HydrationTarget | undefined> {
    const row = await this.client.tryRetrieve(STUB_ENTITY_SET, stubRowKey(table, recordId), { select: ['ec_stubid', 'ec_stubstate', 'ec_key', 'createdon'] });
    if (row === undefined) return undefined;
    return { table, recordId, state: stateOf(row.ec_stubstate), etag: String(row['@odata.etag']), createdOn: String(row.createdon), key: String(row.ec_key ?? '') };
  }

  /**
   * The mark Hydrated for the record's change set, `If-Match` on the row as read (a concurrent
   * hydration or reconciler update is not overwritten), and the seconds it took.
   */
  hydrationOperation(target: HydrationTarget, hydratedOn: Date, contentId: string): { operation: BatchOperation; secondsToHydrate?: number } {
    const seconds = secondsToHydrate(target.createdOn, hydratedOn);
    return {
      operation: { method: 'PATCH', target: { entitySet: STUB_ENTITY_SET, key: stubRowKey(target.table, target.recordId) }, body: hydratedRowUpdate(seconds, hydratedOn), condition: { etag: target.etag }, contentId },
      ...(seconds === undefined ? {} : { secondsToHydrate: seconds }),
    };
  }

  /** The change set with the mark committed: `stub.hydrated`. */
  async hydrated(target: HydrationTarget, seconds: number | undefined, cause: 'hydrate' | 'reconciler'): Promise<void> {
    const key = await this.eventKey(target.table, target.key);
    await this.report({
      type: 'stub.hydrated',
      instance: this.instance,
      table: target.table,
      recordId: target.recordId,
      state: 'Hydrated',
      cause,
      ...(key ? { key } : {}),
      ...(seconds !== undefined ? { secondsToHydrate: seconds } : {}),
    });
  }

  // ---- the reconciler's --------------------------------------------------------------------------

  /** One $batch: the stubs someone asked to hydrate, then the oldest Pending ones due for an attempt. */
  async pendingDue(query: PendingQuery): Promise<PendingStub[]> {
    const result = await this.client.executeBatch(pendingQueries(query).map((options) => ({ method: 'GET', target: { entitySet: STUB_ENTITY_SET }, query: options })));
    if (result.errors.length > 0) throw result.errors[0]!;
    const seen = new Set<string>();
    const stubs: PendingStub[] = [];
    for (const operation of result.operations) {
      for (const row of ((operation.response?.body as { value?: Record<string, unknown>[] } | undefined)?.value ?? [])) {
        const stub = pendingStubOf(row);
        if (seen.has(stub.rowId) || stubs.length >= query.top) continue;
        seen.add(stub.rowId);
        stubs.push(stub);
      }
    }
    return stubs;
  }

  /**
   * Row updates (marks, attempts) in $batch requests, each with If-Match on the row as read; an update
   * carrying a record operation (`hydratedExternally.record`) goes in one change set with it. Reports
   * the changes of the ones written. Answers, per update, whether it was written — judged by the row's
   * part, which succeeds only with its change set (false: the row changed since it was read — hydrated,
   * requested, updated by another replica — or the record's part failed).
   */
  async updatePending(updates: readonly PendingStubUpdate[]): Promise<boolean[]> {
    const written: boolean[] = [];
    for (let start = 0; start < updates.length; ) {
      const part = batchOf(updates, start);
      start += part.length;
      const result = await this.client.executeBatch(
        part.map((update, i): BatchItem => {
          const row: BatchOperation = { method: 'PATCH', target: { entitySet: STUB_ENTITY_SET, key: update.stub.rowId }, body: updateBody(update), condition: { etag: update.stub.etag }, contentId: String(i + 1) };
          const record = update.kind === 'hydratedExternally' ? update.record : undefined;
          return record ? { changeSet: [row, { ...record, contentId: `record${i + 1}` }] } : row;
        }),
        { continueOnError: true },
      );
      const outcomes = new Map(result.operations.map((operation) => [operation.contentId, operation]));
      const rowOnly: Array<{ at: number; update: PendingStubUpdate }> = [];
      for (const [i, update] of part.entries()) {
        const ok = outcomes.get(String(i + 1))?.outcome === 'succeeded';
        if (!ok && update.kind === 'hydratedExternally' && update.record && refusedRecordWrite(outcomes.get(`record${i + 1}`)?.error)) {
          rowOnly.push({ at: written.length, update: { ...update, record: undefined } });
        }
        written.push(ok);
        const change = ok ? changeOf(this.instance, update) : undefined;
        const key = change ? await this.eventKey(update.stub.table, update.stub.key) : undefined;
        if (change) await this.report(key ? { ...change, key } : change);
      }
      // The target refused the marker's record write (a plug-in, a privilege), which rolled the row
      // mark back with it: mark the row alone, or the stub would come back Pending every round. The
      // record keeps its marker; a record that is gone (404) stays Pending, as it was.
      if (rowOnly.length > 0) {
        const again = await this.updatePending(rowOnly.map(({ update }) => update));
        for (const [j, { at }] of rowOnly.entries()) written[at] = again[j]!;
      }
    }
    return written;
  }

  // ---- asked for by people ----------------------------------------------------------------------

  /** Stamps `ec_hydrationrequestedon` on the row `stubId` (an existing row only: 404 otherwise). */
  async requestHydration(stubId: string, requestedOn: Date): Promise<void> {
    if (!isGuid(stubId)) throw ApiErrors.notAStubRowId('id');
    if (!Number.isFinite(requestedOn.getTime())) throw ApiErrors.hydrationRequestTimeInvalid();
    const id = stubId.toLowerCase();
    try {
      await this.client.upsert(STUB_ENTITY_SET, id, { ec_hydrationrequestedon: requestedOn.toISOString() }, { condition: 'updateOnly' });
    } catch (error) {
      if (error instanceof NotFoundError) throw ApiErrors.noStubRow(this.instance, id);
      throw error;
    }
  }

  /** One stub by its record; undefined when the record never was a stub. */
  async get(table: string, recordId: string): Promise<Stub | undefined> {
    const row = await this.client.tryRetrieve(STUB_ENTITY_SET, stubRowKey(table, recordId), { select: [...STUB_COLUMNS] });
    return row ? toStub(row, await this.keyOf(String(row.ec_table), row.ec_key)) : undefined;
  }

  /**
   * A page of stubs, oldest first (`createdon`, then `ec_stubid`), after `after` when given; the
   * filters and position are validated values (StubCursor.ts, the core's checks). Dataverse's
   * nextLink only says whether there is more: the token is ours.
   */
  async page(filters: StubFilters, after: StubPosition | undefined, top: number, now: Date = new Date()): Promise<StubPage> {
    const conditions: string[] = [];
    if (filters.state) conditions.push(filterEquals('ec_stubstate', StubStateValue[filters.state]));
    if (filters.table) conditions.push(filterEquals('ec_table', filters.table));
    if (filters.olderThanSeconds !== undefined) {
      const before = new Date(now.getTime() - filters.olderThanSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      conditions.push(`createdon le ${before}`);
    }
    if (after) conditions.push(afterPositionFilter(after));
    const page = await this.client.query(STUB_ENTITY_SET, {
      select: [...STUB_COLUMNS],
      ...(conditions.length > 0 ? { filter: conditions.join(' and ') } : {}),
      // createdon has whole seconds: ec_stubid orders the stubs of one second, for the cursor.
      orderBy: [{ column: 'createdon' }, { column: 'ec_stubid' }],
      maxPageSize: top,
    });
    const value: Stub[] = [];
    for (const row of page.records) value.push(toStub(row, await this.keyOf(String(row.ec_table), row.ec_key)));
    const last = value[value.length - 1];
    return { value, ...(page.nextLink && last ? { nextSkipToken: encodeStubCursor(this.instance, filters, { createdOn: last.createdOn, id: last.id }) } : {}) };
  }

  /** The summary over every row (StubSummary.ts), 5,000 rows per page. */
  async summary(options: StubSummaryOptions = {}): Promise<StubSummary> {
    const summary = new StubSummaryBuilder(this.instance, new Date(), options);
    for await (const page of this.client.queryPages(STUB_ENTITY_SET, { select: [...SUMMARY_COLUMNS], maxPageSize: 5000 })) {
      for (const row of page.records) summary.add(row);
    }
    return summary.build();
  }

  /** A one-row read: the instance answers, and the solution (the table) is imported. */
  async probe(): Promise<void> {
    await this.client.query(STUB_ENTITY_SET, { select: ['ec_stubid'], top: 1 });
  }

  // ---- the key as callers see it ----------------------------------------------------------------

  /**
   * A row's `ec_key` as columns, read with the table's metadata (cached by the client): undefined when
   * it is no key of the table (edited, cut) or the table is gone. Other failures (the instance is down)
   * fail the read like the query would.
   */
  private async keyOf(table: string, text: unknown): Promise<RecordKeyInput | undefined> {
    if (typeof text !== 'string') return undefined;
    let meta: EntityMetadata;
    try {
      meta = await this.client.getEntityMetadata(table);
    } catch (error) {
      if (error instanceof NotFoundError || error instanceof ResourceNotFoundError || error instanceof InvalidDataverseInputError) return undefined;
      throw error;
    }
    return readStubKey(meta, text);
  }

  /** An event's key: the write is done, so a key that cannot be read leaves the event without one. */
  private async eventKey(table: string, text: string): Promise<RecordKeyInput | undefined> {
    try {
      return await this.keyOf(table, text);
    } catch {
      return undefined;
    }
  }

  /** Observers never fail the write that was done. */
  private async report(change: StubChange): Promise<void> {
    try {
      await this.observer?.stubChanged(change);
    } catch {
      // the bus reports its listeners' failures itself; an observer that throws is an observer too
    }
  }
}
