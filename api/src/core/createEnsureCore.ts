/**
 * The pattern itself. `ensure` creates a stub for a missing record and never touches an existing one;
 * `submit` ensures a record's references then writes it; `hydrate` writes the full data replication
 * brings and marks the stub Hydrated. Every write to a stub goes with its `ec_stub` row in one change
 * set, so a stub is never left untracked.
 *
 * Round trips (what `npm run bench` measures): a submit whose references are all known to the
 * existence cache is one request; otherwise one existence query (one `$batch` of GETs, one per table)
 * plus one change set holding the missing stubs, their rows and the record — atomic, so a record that
 * Dataverse rejects leaves no stub behind.
 */
import { randomUUID } from 'node:crypto';
import {
  ConcurrencyMismatchError,
  DataverseErrorCode,
  DuplicateRecordError,
  filterEquals,
  NotFoundError,
  recordBindPath,
  type BatchOperation,
  type BatchOperationResult,
  type BatchResult,
  type DataverseClient,
  type DataverseError,
  type EntityMetadata,
} from '../dataverse';
import { ApiError } from './ApiError';
import { parseBindPath } from './BindReferences';
import { findRefusedText } from './DataverseText';
import { toApiError } from './DataverseFailures';
import type {
  CallContext,
  EnsureInput,
  EnsureResult,
  EnsureService,
  HydrateInput,
  HydrateResult,
  InstanceInfo,
  RecordKeyInput,
  StubCreated,
  StubPage,
  StubQuery,
  SubmitInput,
  SubmitResult,
  TableInfo,
  TableJsonSchema,
  Stub,
  StubSummary,
} from './EnsureService';
import { ExistenceCache } from './ExistenceCache';
import { KeyedLock } from './KeyedLock';
import { ProbeCache } from './ProbeCache';
import { keysFilter, keyText, referenceId, resolveKey, rowMatchesKey, toEntityKey, type ResolvedKey } from './RecordKeys';
import { afterPositionFilter, decodeStubCursor, encodeStubCursor, type StubFilters } from './StubCursor';
import { clip, hydratedRowUpdate, newStubRow, STUB_COLUMNS, STUB_ENTITY_SET, StubStateValue, stubRowKey, toStub } from './StubTracking';
import { StubSummaryBuilder, SUMMARY_COLUMNS } from './StubSummary';
import { tableJsonSchema } from './TableJsonSchema';

export interface StubDefaults {
  /** Column that receives the stub's name; default the table's primary name column (contact: lastname). */
  nameColumn?: string;
  /** Columns every stub of this table gets, e.g. a status that business logic filters on. */
  columns?: Record<string, unknown>;
}

export interface CoreInstance {
  name: string;
  /** Environment URL as configured (no secrets). */
  url: string;
  client: DataverseClient;
  /** Name of the instance records are replicated from (stub GUIDs by alternate key are looked up there). */
  source?: string;
  /** Logical names of the tables this instance allows (the allow-list). */
  tables: string[];
  stubDefaults: Record<string, StubDefaults>;
  /** The instance's circuit breaker (api/src/resilience), shown by `instances()` and `/ready`. */
  breaker?: { snapshot(): { state: 'closed' | 'open' | 'half-open' | 'isolated'; openUntil?: string } };
}

export interface EnsureCoreOptions {
  instances: CoreInstance[];
  /** Existence cache: bounded, with TTL. Defaults: 10,000 entries, 300 s. */
  existenceCache?: { maxEntries?: number; ttlSeconds?: number };
  /** How long a reachability probe may take (ms, default 5000). */
  probeTimeoutMs?: number;
  /** How long a probe's result is reused by `instances()` and `/ready` (ms, default 5000; ProbeCache.ts). */
  probeCacheMs?: number;
  /** The clock of the probe cache (tests). */
  now?: () => number;
  /**
   * How a submit with missing references is written (see README, "Submit strategies"):
   * - `single-round-trip` (default): one `$batch` with `odata.continue-on-error` — a change set per
   *   missing reference (stub + its ec_stub row; 412 = it already exists) and then the record. One round
   *   trip always; a record that Dataverse rejects can leave stubs behind (tracked, hydrated later).
   * - `atomic`: an existence query first, then one change set with the missing stubs, their rows and
   *   the record. Two round trips; a rejected record leaves nothing behind.
   */
  submitStrategy?: SubmitStrategy;
}

export type SubmitStrategy = 'single-round-trip' | 'atomic';

export interface EnsureCore extends EnsureService {
  close(): Promise<void>;
}

export function createEnsureCore(options: EnsureCoreOptions): EnsureCore {
  return new EnsureCoreService(options);
}

/** A referenced record, resolved against its table's metadata. */
interface Reference {
  meta: EntityMetadata;
  key: ResolvedKey;
  name?: string;
  columns?: Record<string, unknown>;
  /** Cache/lock identity. */
  id: string;
}

/** A stub to create: the reference plus the GUID it will carry. */
interface StubPlan extends Reference {
  recordId: string;
}

class ChangeSetFailure extends Error {
  constructor(
    readonly part: 'stub' | 'row' | 'record',
    readonly index: number,
    readonly error: DataverseError,
  ) {
    super(`change set failed at ${part} ${index}: ${error.message}`);
  }
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

class EnsureCoreService implements EnsureCore {
  private readonly instancesByName = new Map<string, CoreInstance>();
  private readonly cache: ExistenceCache;
  private readonly locks = new KeyedLock();
  private readonly probeTimeoutMs: number;
  private readonly probes: ProbeCache<{ reachable: boolean; error?: string }>;
  private readonly submitStrategy: SubmitStrategy;

  constructor(options: EnsureCoreOptions) {
    for (const instance of options.instances) {
      if (this.instancesByName.has(instance.name)) throw new Error(`instance '${instance.name}' is configured twice`);
      this.instancesByName.set(instance.name, instance);
    }
    for (const instance of options.instances) {
      if (instance.source && !this.instancesByName.has(instance.source)) {
        throw new Error(`instance '${instance.name}' names source '${instance.source}', which is not configured`);
      }
    }
    this.cache = new ExistenceCache(options.existenceCache);
    this.probeTimeoutMs = options.probeTimeoutMs ?? 5000;
    this.probes = new ProbeCache(options.probeCacheMs ?? 5000, options.now);
    this.submitStrategy = options.submitStrategy ?? 'single-round-trip';
  }

  // ---- ensure ---------------------------------------------------------------------------------

  async ensure(instanceName: string, input: EnsureInput, context: CallContext): Promise<EnsureResult> {
    const instance = this.instance(instanceName);
    return this.guard(instance, async () => {
      const meta = await this.table(instance, input.table, 'body.table');
      const key = resolveKey(meta, input.key, 'body.key');
      const columns = stubColumns(meta, input.columns, 'body.columns');
      refuseInvalidText(input.name, 'body.name');
      const reference: Reference = { meta, key, name: input.name, columns, id: referenceId(instance.name, meta.logicalName, key) };
      const release = await this.locks.acquire([reference.id]);
      try {
        for (let attempt = 0; ; attempt++) {
          const existing = await this.findRecordId(instance, reference);
          if (existing) {
            this.cache.remember(reference.id, existing);
            const row = await instance.client.tryRetrieve(STUB_ENTITY_SET, stubRowKey(meta.logicalName, existing), { select: ['ec_stubstate'] });
            const isStub = row !== undefined && row.ec_stubstate !== StubStateValue.Hydrated;
            return { id: existing, table: meta.logicalName, outcome: isStub ? 'exists-as-stub' : 'exists' };
          }
          const plan: StubPlan = { ...reference, recordId: await this.stubRecordId(instance, reference) };
          try {
            await this.writeChangeSet(instance, [plan], undefined, context);
          } catch (error) {
            // Created meanwhile by someone else (another replica, replication): look again, once.
            if (error instanceof ChangeSetFailure && error.part === 'stub' && error.error instanceof DuplicateRecordError && attempt === 0) continue;
            throw error instanceof ChangeSetFailure ? error.error : error;
          }
          this.cache.remember(reference.id, plan.recordId);
          return { id: plan.recordId, table: meta.logicalName, outcome: 'created-stub' };
        }
      } finally {
        release();
      }
    });
  }

  // ---- submit ---------------------------------------------------------------------------------

  async submit(instanceName: string, input: SubmitInput, context: CallContext): Promise<SubmitResult> {
    const instance = this.instance(instanceName);
    return this.guard(instance, async () => {
      const meta = await this.table(instance, input.table, 'body.table');
      const recordKey = input.key ? resolveKey(meta, input.key, 'body.key') : undefined;
      const { record, references } = await this.resolveReferences(instance, meta, input);
      // A create carries a GUID chosen here, so a retried write whose first answer was lost is
      // recognised (412 on our own fresh GUID) instead of creating the record twice.
      if (!recordKey && record[meta.primaryIdAttribute] === undefined) record[meta.primaryIdAttribute] = context.newRecordId ?? randomUUID();
      const generatedId = recordKey ? undefined : String(record[meta.primaryIdAttribute]).toLowerCase();
      const ownWrite = input.record[meta.primaryIdAttribute] === undefined ? generatedId : undefined;
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.submitOnce(instance, meta, recordKey, record, references, context, ownWrite);
        } catch (error) {
          if (attempt > 0 || !(error instanceof ChangeSetFailure || error instanceof NotFoundError)) throw unwrap(error);
          const failure = error instanceof ChangeSetFailure ? error.error : error;
          if (error instanceof ChangeSetFailure && error.part === 'stub' && failure instanceof DuplicateRecordError) continue; // created meanwhile
          if (failure instanceof NotFoundError && (!(error instanceof ChangeSetFailure) || error.part === 'record')) {
            // A reference the cache believed in is gone (deleted): forget and check again, once.
            for (const reference of references) this.cache.forget(reference.id);
            continue;
          }
          throw unwrap(error);
        }
      }
    });
  }

  private async submitOnce(
    instance: CoreInstance,
    meta: EntityMetadata,
    recordKey: ResolvedKey | undefined,
    record: Record<string, unknown>,
    references: Reference[],
    context: CallContext,
    ownWrite: string | undefined,
  ): Promise<SubmitResult> {
    const unknown = references.filter((r) => this.cache.get(r.id) === undefined);
    const release = await this.locks.acquire(unknown.map((r) => r.id));
    try {
      // Another submit may have created them while we waited.
      const stillUnknown = unknown.filter((r) => this.cache.get(r.id) === undefined);
      const recordOperation = this.recordOperation(meta, recordKey, record);
      if (stillUnknown.length === 0) {
        const written = await this.writeRecord(instance, meta, recordKey, record, ownWrite);
        return { ...written, table: meta.logicalName, stubsCreated: [] };
      }
      if (this.submitStrategy === 'atomic') {
        const found = await this.findRecordIds(instance, stillUnknown);
        for (const [id, recordId] of found) this.cache.remember(id, recordId);
        const plans = await this.plan(instance, stillUnknown.filter((r) => !found.has(r.id)));
        if (plans.length === 0) {
          const written = await this.writeRecord(instance, meta, recordKey, record, ownWrite);
          return { ...written, table: meta.logicalName, stubsCreated: [] };
        }
        const result = await this.writeChangeSet(instance, plans, recordOperation, context);
        for (const plan of plans) this.cache.remember(plan.id, plan.recordId);
        const written = recordOutcome(meta, lastOperation(result), recordOperation);
        return { ...written, table: meta.logicalName, stubsCreated: plans.map(stubCreated) };
      }
      return await this.submitInOneRoundTrip(instance, meta, recordOperation, await this.plan(instance, stillUnknown), context, ownWrite);
    } finally {
      release();
    }
  }

  /**
   * One `$batch` with `odata.continue-on-error`: a change set per possibly-missing reference (the stub,
   * create-only, with its ec_stub row — a 412 means the record exists and rolls back only that change
   * set), then the record, which Dataverse runs after them.
   */
  private async submitInOneRoundTrip(
    instance: CoreInstance,
    meta: EntityMetadata,
    recordOperation: BatchOperation,
    plans: StubPlan[],
    context: CallContext,
    ownWrite: string | undefined,
  ): Promise<SubmitResult> {
    const items = plans.map((plan, i) => ({ changeSet: this.stubOperations(instance, plan, i, context) }));
    // A 412 on an alternate-key stub says the record exists, not its GUID: read it from the record's answer.
    const learn = lookupColumnsOf(meta, recordOperation, plans.filter((plan) => plan.key.kind === 'alternate'));
    const record = withLookupsReturned(meta, recordOperation, learn);
    const result = await instance.client.executeBatch([...items, { ...record, contentId: undefined }], { continueOnError: true });
    const created: StubPlan[] = [];
    let stubFailure: DataverseError | undefined;
    plans.forEach((plan, i) => {
      const stub = result.operations.find((o) => o.contentId === `stub${i}`);
      const failed = result.operations.find((o) => o.changeSetIndex === i && o.outcome === 'failed');
      if (stub?.outcome === 'succeeded' && !failed) {
        created.push(plan);
        this.cache.remember(plan.id, plan.recordId);
      } else if (failed?.contentId === `stub${i}` && failed.error instanceof DuplicateRecordError) {
        if (plan.key.kind === 'id') this.cache.remember(plan.id, plan.recordId); // it exists: that is success
      } else {
        stubFailure ??= failed?.error ?? result.errors[0];
      }
    });
    const last = lastOperation(result);
    if (ownWrite && isOwnWriteCollision(last.error)) {
      // Our own earlier attempt landed (its answer was lost and the batch was retried).
      return { id: ownWrite, operation: 'created', table: meta.logicalName, stubsCreated: created.map(stubCreated) };
    }
    if (last.outcome !== 'succeeded') {
      const error = last.error ?? stubFailure ?? result.errors[0];
      if (!error) throw new Error(`$batch answered ${result.status} without an error for the record`);
      // A stub that could not be written explains the record's missing reference better than the 404 does.
      throw new ChangeSetFailure('record', 0, error instanceof NotFoundError && stubFailure ? stubFailure : error);
    }
    const written = recordOutcome(meta, last, recordOperation);
    const body = last.response?.body as Record<string, unknown> | undefined;
    for (const [plan, column] of learn) {
      const value = body?.[column];
      if (this.cache.get(plan.id) === undefined && typeof value === 'string' && GUID.test(value)) this.cache.remember(plan.id, value.toLowerCase());
    }
    return { ...written, table: meta.logicalName, stubsCreated: created.map(stubCreated) };
  }

  private async plan(instance: CoreInstance, references: Reference[]): Promise<StubPlan[]> {
    const plans: StubPlan[] = [];
    for (const reference of references) plans.push({ ...reference, recordId: await this.stubRecordId(instance, reference) });
    return plans;
  }

  /** References come explicitly or as `<nav>@odata.bind`; both become checked binds written by the client. */
  private async resolveReferences(instance: CoreInstance, meta: EntityMetadata, input: SubmitInput): Promise<{ record: Record<string, unknown>; references: Reference[] }> {
    const record: Record<string, unknown> = {};
    const byId = new Map<string, Reference>();
    const add = (reference: Reference) => {
      const existing = byId.get(reference.id);
      if (!existing || (existing.name === undefined && reference.name !== undefined)) byId.set(reference.id, reference);
    };
    const lookupFor = (nav: string, field: string) => {
      const lookup = meta.manyToOne.find((l) => l.navigationProperty === nav);
      if (!lookup) {
        const navs = meta.manyToOne.map((l) => l.navigationProperty).join(', ');
        throw new ApiError(400, 'InvalidReference', `${field}: '${nav}' is not a lookup navigation property of ${meta.logicalName} (it has: ${navs || 'none'}).`, field);
      }
      return lookup;
    };
    for (const [property, value] of Object.entries(input.record)) {
      const field = `body.record.${property}`;
      if (!property.endsWith('@odata.bind')) {
        if (property.includes('@')) throw new ApiError(400, 'InvalidRecord', `${field}: only column values and '<navigation property>@odata.bind' entries are accepted.`, field);
        refuseInvalidText(value, field);
        record[property] = value;
        continue;
      }
      const nav = property.slice(0, -'@odata.bind'.length);
      const lookup = lookupFor(nav, field);
      if (value === null) {
        record[property] = null; // disassociate
        continue;
      }
      const parsed = parseBindPath(value, field);
      const target = await this.tableBySet(instance, parsed.entitySet, field);
      if (target.logicalName !== lookup.referencedEntity) {
        throw new ApiError(400, 'InvalidReference', `${field} binds a ${target.logicalName}, but '${nav}' refers to ${lookup.referencedEntity}.`, field);
      }
      const key: ResolvedKey = '$id' in parsed.key ? { kind: 'id', id: String(parsed.key.$id) } : resolveKey(target, parsed.key as RecordKeyInput, field);
      const reference: Reference = { meta: target, key, id: referenceId(instance.name, target.logicalName, key) };
      record[property] = recordBindPath(target.entitySetName, toEntityKey(key));
      add(reference);
    }
    for (const [nav, explicit] of Object.entries(input.references ?? {})) {
      const field = `body.references.${nav}`;
      const lookup = lookupFor(nav, field);
      if (`${nav}@odata.bind` in input.record) {
        throw new ApiError(400, 'InvalidReference', `${field}: '${nav}' is given both here and as '${nav}@odata.bind' in body.record; give it once.`, field);
      }
      const target = await this.table(instance, explicit.table, `${field}.table`);
      if (target.logicalName !== lookup.referencedEntity) {
        throw new ApiError(400, 'InvalidReference', `${field}.table is ${target.logicalName}, but '${nav}' refers to ${lookup.referencedEntity}.`, `${field}.table`);
      }
      const key = resolveKey(target, explicit.key, `${field}.key`);
      refuseInvalidText(explicit.name, `${field}.name`);
      record[`${nav}@odata.bind`] = recordBindPath(target.entitySetName, toEntityKey(key));
      add({ meta: target, key, name: explicit.name, id: referenceId(instance.name, target.logicalName, key) });
    }
    return { record, references: [...byId.values()] };
  }

  private recordOperation(meta: EntityMetadata, key: ResolvedKey | undefined, record: Record<string, unknown>): BatchOperation {
    return key
      ? { method: 'PATCH', target: { entitySet: meta.entitySetName, key: toEntityKey(key) }, body: record, returnRepresentation: true, query: { select: [meta.primaryIdAttribute] }, contentId: 'record' }
      : { method: 'POST', target: { entitySet: meta.entitySetName }, body: record, contentId: 'record' };
  }

  private async writeRecord(instance: CoreInstance, meta: EntityMetadata, key: ResolvedKey | undefined, record: Record<string, unknown>, ownWrite?: string) {
    if (!key) {
      try {
        const result = await instance.client.create(meta.entitySetName, record);
        return { id: result.id!, operation: 'created' as const };
      } catch (error) {
        // 412 on the fresh GUID we chose: our own earlier attempt landed.
        if (ownWrite && isOwnWriteCollision(error)) return { id: ownWrite, operation: 'created' as const };
        throw error;
      }
    }
    const result = await instance.client.upsert(meta.entitySetName, toEntityKey(key), record, { returnRepresentation: true, select: [meta.primaryIdAttribute] });
    return { id: String(result.record?.[meta.primaryIdAttribute] ?? result.id), operation: result.outcome === 'created' ? ('created' as const) : ('updated' as const) };
  }

  // ---- hydrate --------------------------------------------------------------------------------

  async hydrate(instanceName: string, input: HydrateInput, _context: CallContext): Promise<HydrateResult> {
    const instance = this.instance(instanceName);
    return this.guard(instance, async () => {
      const meta = await this.table(instance, input.table, 'body.table');
      const key = resolveKey(meta, input.key, 'body.key');
      const { record } = await this.resolveReferences(instance, meta, { table: input.table, record: input.record });
      const reference: Reference = { meta, key, id: referenceId(instance.name, meta.logicalName, key) };
      const release = await this.locks.acquire([reference.id]);
      try {
        const recordId = key.kind === 'id' ? key.id : await this.findRecordId(instance, reference);
        const recordOperation = this.recordOperation(meta, key, record);
        for (let attempt = 0; ; attempt++) {
          const row = recordId
            ? await instance.client.tryRetrieve(STUB_ENTITY_SET, stubRowKey(meta.logicalName, recordId), { select: ['ec_stubid', 'ec_stubstate', 'createdon'] })
            : undefined;
          const pending = row !== undefined && row.ec_stubstate !== StubStateValue.Hydrated;
          if (!pending) {
            const written = await this.writeRecord(instance, meta, key, record);
            this.cache.remember(reference.id, written.id);
            return { id: written.id, table: meta.logicalName, operation: written.operation, wasStub: false };
          }
          const update = hydratedRowUpdate(String(row.createdon), new Date());
          const result = await instance.client.executeBatch([
            {
              changeSet: [
                recordOperation,
                // If-Match on the row's ETag: a concurrent hydration or reconciler update is not overwritten.
                { method: 'PATCH', target: { entitySet: STUB_ENTITY_SET, key: stubRowKey(meta.logicalName, recordId!) }, body: update, condition: { etag: String(row['@odata.etag']) }, contentId: 'row' },
              ],
            },
          ]);
          const rowFailure = result.operations.find((o) => o.contentId === 'row' && o.outcome === 'failed');
          if (attempt === 0 && rowFailure?.error instanceof ConcurrencyMismatchError) {
            // The row changed since we read it: hydrated meanwhile — by another replica, or by this very
            // change set when the resilience layer re-sent it after a lost answer — or touched by a
            // reconciler. Read it again and decide again, once: a Hydrated row means a plain upsert
            // (answered wasStub: false, as the two cases cannot be told apart — ec_hydratedon has whole
            // seconds), a row still Pending a new change set on its new ETag.
            continue;
          }
          throwIfFailed(result);
          const written = recordOutcome(meta, result.operations.find((o) => o.contentId === 'record')!, recordOperation);
          this.cache.remember(reference.id, written.id);
          const secondsToHydrate = update.ec_secondstohydrate as number | undefined;
          return { id: written.id, table: meta.logicalName, operation: written.operation, wasStub: true, ...(secondsToHydrate === undefined ? {} : { secondsToHydrate }) };
        }
      } finally {
        release();
      }
    });
  }

  // ---- stubs ----------------------------------------------------------------------------------

  async listStubs(instanceName: string, query: StubQuery): Promise<StubPage> {
    const instance = this.instance(instanceName);
    return this.guard(instance, async () => {
      const top = query.top ?? 50;
      if (!Number.isInteger(top) || top < 1 || top > 5000) throw new ApiError(400, 'InvalidRequest', 'query.top must be a whole number from 1 to 5000.', 'query.top');
      const given: StubFilters = {
        ...(query.state !== undefined ? { state: query.state } : {}),
        ...(query.table !== undefined ? { table: query.table } : {}),
        ...(query.olderThanSeconds !== undefined ? { olderThanSeconds: query.olderThanSeconds } : {}),
      };
      // Later pages: the token's own filters and position (StubCursor.ts); nothing of it reaches
      // Dataverse but values validated there and here.
      const cursor = query.skipToken !== undefined ? decodeStubCursor(query.skipToken, instance.name, given) : undefined;
      const filters = cursor?.filters ?? given;
      const conditions: string[] = [];
      if (filters.state) conditions.push(filterEquals('ec_stubstate', StubStateValue[filters.state]));
      if (filters.table) {
        this.allowTable(instance, filters.table, cursor ? 'query.skipToken' : 'query.table');
        conditions.push(filterEquals('ec_table', filters.table));
      }
      if (filters.olderThanSeconds !== undefined) {
        const before = new Date(Date.now() - filters.olderThanSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
        conditions.push(`createdon le ${before}`);
      }
      if (cursor) conditions.push(afterPositionFilter(cursor.after));
      const page = await instance.client.query(STUB_ENTITY_SET, {
        select: [...STUB_COLUMNS],
        ...(conditions.length > 0 ? { filter: conditions.join(' and ') } : {}),
        // createdon has whole seconds: ec_stubid orders the stubs of one second, for the cursor.
        orderBy: [{ column: 'createdon' }, { column: 'ec_stubid' }],
        maxPageSize: top,
      });
      const value = page.records.map(toStub);
      const last = value[value.length - 1];
      // Dataverse's nextLink only says whether there is more; the token is ours.
      return { value, ...(page.nextLink && last ? { nextSkipToken: encodeStubCursor(instance.name, filters, { createdOn: last.createdOn, id: last.id }) } : {}) };
    });
  }

  async getStub(instanceName: string, table: string, recordId: string): Promise<Stub | undefined> {
    const instance = this.instance(instanceName);
    return this.guard(instance, async () => {
      this.allowTable(instance, table, 'params.table');
      if (!GUID.test(recordId)) throw new ApiError(400, 'InvalidKey', 'params.id must be the GUID of the stubbed record.', 'params.id');
      const row = await instance.client.tryRetrieve(STUB_ENTITY_SET, stubRowKey(table, recordId.toLowerCase()), { select: [...STUB_COLUMNS] });
      return row ? toStub(row) : undefined;
    });
  }

  async stubSummary(instanceName: string): Promise<StubSummary> {
    const instance = this.instance(instanceName);
    return this.guard(instance, async () => {
      const summary = new StubSummaryBuilder(instance.name);
      for await (const page of instance.client.queryPages(STUB_ENTITY_SET, { select: [...SUMMARY_COLUMNS], maxPageSize: 5000 })) {
        for (const row of page.records) summary.add(row);
      }
      return summary.build();
    });
  }

  // ---- instances and tables -------------------------------------------------------------------

  async instances(): Promise<InstanceInfo[]> {
    const targets = new Set([...this.instancesByName.values()].map((i) => i.source).filter(Boolean));
    return Promise.all(
      [...this.instancesByName.values()].map(async (instance) => {
        const probe = await this.probes.get(instance.name, () => this.probe(instance));
        const role = instance.source ? 'target' : targets.has(instance.name) ? 'source' : 'standalone';
        const circuit = instance.breaker?.snapshot();
        return {
          name: instance.name,
          url: instance.url,
          ...(instance.source ? { source: instance.source } : {}),
          role,
          ...probe,
          ...(circuit ? { circuit: { state: circuit.state, ...(circuit.openUntil ? { openUntil: circuit.openUntil } : {}) } } : {}),
        } satisfies InstanceInfo;
      }),
    );
  }

  async tables(instanceName: string): Promise<TableInfo[]> {
    const instance = this.instance(instanceName);
    return this.guard(instance, async () =>
      Promise.all(
        instance.tables.map(async (table) => {
          const meta = await instance.client.getEntityMetadata(table);
          return {
            logicalName: meta.logicalName,
            entitySetName: meta.entitySetName,
            primaryIdAttribute: meta.primaryIdAttribute,
            ...(meta.primaryNameAttribute ? { primaryNameAttribute: meta.primaryNameAttribute } : {}),
            keys: meta.keys.map((k) => ({ name: k.logicalName, attributes: [...k.keyAttributes] })),
          };
        }),
      ),
    );
  }

  async tableSchema(instanceName: string, table: string): Promise<TableJsonSchema> {
    const instance = this.instance(instanceName);
    return this.guard(instance, async () => tableJsonSchema(await this.table(instance, table, 'params.table')));
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.instancesByName.values()].map(async (instance) => {
        const closable = instance.client as DataverseClient & { close?: () => Promise<void> };
        await closable.close?.();
      }),
    );
  }

  // ---- building blocks ------------------------------------------------------------------------

  private instance(name: string): CoreInstance {
    const instance = this.instancesByName.get(name);
    if (!instance) {
      throw new ApiError(404, 'UnknownInstance', `params.instance: no instance named '${name}' (configured: ${[...this.instancesByName.keys()].join(', ')}).`, 'params.instance');
    }
    return instance;
  }

  private allowTable(instance: CoreInstance, table: string, field: string): void {
    if (!instance.tables.includes(table)) {
      throw new ApiError(400, 'TableNotAllowed', `${field}: table '${clip(table, 100)}' is not allowed on instance '${instance.name}' (allowed: ${instance.tables.join(', ')}).`, field);
    }
  }

  private async table(instance: CoreInstance, table: string, field: string): Promise<EntityMetadata> {
    this.allowTable(instance, table, field);
    return instance.client.getEntityMetadata(table);
  }

  private async tableBySet(instance: CoreInstance, entitySet: string, field: string): Promise<EntityMetadata> {
    for (const table of instance.tables) {
      const meta = await instance.client.getEntityMetadata(table);
      if (meta.entitySetName === entitySet) return meta;
    }
    throw new ApiError(400, 'TableNotAllowed', `${field}: entity set '${entitySet}' is not a table allowed on instance '${instance.name}'.`, field);
  }

  /** Reachable when the instance answers a one-row read of ec_stub (which also proves the solution is imported). */
  private async probe(instance: CoreInstance): Promise<{ reachable: boolean; error?: string }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.probeTimeoutMs} ms`)), this.probeTimeoutMs);
    });
    try {
      await Promise.race([instance.client.query(STUB_ENTITY_SET, { select: ['ec_stubid'], top: 1 }), timeout]);
      return { reachable: true };
    } catch (error) {
      const mapped = toApiError(error, instance.name);
      return { reachable: false, error: mapped instanceof Error ? mapped.message : 'unreachable' };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs a call, turning the client's errors into the API's. */
  private async guard<T>(instance: CoreInstance, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw toApiError(unwrap(error), instance.name);
    }
  }

  /** The GUID of the record a reference names in this instance, or undefined (one GET). */
  private findRecordId(instance: CoreInstance, reference: Reference): Promise<string | undefined> {
    return recordIdIn(instance.client, reference.meta, reference.key);
  }

  /** Which references exist: one query per table, all in one round trip. */
  private async findRecordIds(instance: CoreInstance, references: Reference[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    if (references.length === 0) return found;
    const byTable = new Map<string, Reference[]>();
    for (const reference of references) byTable.set(reference.meta.logicalName, [...(byTable.get(reference.meta.logicalName) ?? []), reference]);
    const queries = [...byTable.values()].map((group) => {
      const meta = group[0]!.meta;
      const keyColumns = new Set(group.flatMap((r) => (r.key.kind === 'alternate' ? Object.keys(r.key.values) : [])));
      return {
        group,
        meta,
        options: { select: [meta.primaryIdAttribute, ...keyColumns], filter: keysFilter(meta, group.map((r) => r.key), filterEquals), maxPageSize: 5000 },
      };
    });
    const rowsPerQuery: Array<Record<string, unknown>[]> = [];
    if (queries.length === 1) {
      rowsPerQuery.push((await instance.client.query(queries[0]!.meta.entitySetName, queries[0]!.options)).records);
    } else {
      const result = await instance.client.executeBatch(queries.map((q) => ({ method: 'GET', target: { entitySet: q.meta.entitySetName }, query: q.options }) satisfies BatchOperation));
      if (result.errors.length > 0) throw result.errors[0]!;
      for (const operation of result.operations) rowsPerQuery.push(((operation.response?.body as { value?: Record<string, unknown>[] } | undefined)?.value) ?? []);
    }
    queries.forEach((query, i) => {
      for (const reference of query.group) {
        const row = rowsPerQuery[i]!.find((r) => rowMatchesKey(query.meta, r, reference.key));
        if (row) found.set(reference.id, String(row[query.meta.primaryIdAttribute]).toLowerCase());
      }
    });
    return found;
  }

  /**
   * The GUID a new stub carries: the referenced GUID itself, or — for an alternate key — the GUID the
   * source instance uses, so replication's own upsert lands on the stub. A source that is not
   * configured or not reachable does not block: the stub then gets a new GUID.
   */
  private async stubRecordId(instance: CoreInstance, reference: Reference): Promise<string> {
    if (reference.key.kind === 'id') return reference.key.id;
    const source = instance.source ? this.instancesByName.get(instance.source) : undefined;
    if (source) {
      try {
        const id = await recordIdIn(source.client, await source.client.getEntityMetadata(reference.meta.logicalName), reference.key);
        if (id) return id;
      } catch {
        // unreachable or throttled source: fall back to a new GUID
      }
    }
    return randomUUID();
  }

  private stubBody(instance: CoreInstance, plan: StubPlan): Record<string, unknown> {
    const defaults = instance.stubDefaults[plan.meta.logicalName] ?? {};
    const nameColumn = defaults.nameColumn ?? plan.meta.primaryNameAttribute;
    const body: Record<string, unknown> = { ...(defaults.columns ?? {}), ...(plan.columns ?? {}) };
    if (plan.key.kind === 'alternate') Object.assign(body, plan.key.values);
    if (nameColumn) body[nameColumn] = plan.name ?? clip(defaultName(plan.key), 100);
    return body;
  }

  /** A stub (create-only, by GUID: an existing record is never touched) and its ec_stub row. */
  private stubOperations(instance: CoreInstance, plan: StubPlan, i: number, context: CallContext): BatchOperation[] {
    return [
      {
        method: 'PATCH',
        target: { entitySet: plan.meta.entitySetName, key: plan.recordId },
        body: this.stubBody(instance, plan),
        condition: 'createOnly',
        contentId: `stub${i}`,
      },
      {
        method: 'PATCH',
        target: { entitySet: STUB_ENTITY_SET, key: stubRowKey(plan.meta.logicalName, plan.recordId) },
        body: newStubRow({
          table: plan.meta.logicalName,
          recordId: plan.recordId,
          keyText: keyText(plan.key),
          name: plan.name ?? defaultName(plan.key),
          sourceInstance: instance.source,
          origin: context.origin,
        }),
        contentId: `row${i}`,
      },
    ];
  }

  /** One change set: each stub with its ec_stub row, then the record if any. */
  private async writeChangeSet(instance: CoreInstance, plans: StubPlan[], recordOperation: BatchOperation | undefined, context: CallContext): Promise<BatchResult> {
    const operations = plans.flatMap((plan, i) => this.stubOperations(instance, plan, i, context));
    if (recordOperation) operations.push(recordOperation);
    const result = await instance.client.executeBatch([{ changeSet: operations }]);
    throwIfFailed(result);
    return result;
  }
}

function throwIfFailed(result: BatchResult): void {
  if (result.ok) return;
  const failed = result.operations.find((o) => o.outcome === 'failed');
  const error = failed?.error ?? result.errors[0];
  if (!error) throw new Error(`$batch answered ${result.status} without an error`);
  const contentId = failed?.contentId ?? error.batchPart?.contentId ?? 'record';
  const match = /^(stub|row)(\d+)$/.exec(contentId);
  throw new ChangeSetFailure(match ? (match[1] as 'stub' | 'row') : 'record', match ? Number(match[2]) : 0, error);
}

function recordOutcome(meta: EntityMetadata, part: BatchOperationResult | undefined, operation: BatchOperation): { id: string; operation: 'created' | 'updated' } {
  const body = part?.response?.body as Record<string, unknown> | undefined;
  const id = String(body?.[meta.primaryIdAttribute] ?? part?.id ?? '').toLowerCase();
  if (operation.method === 'POST') return { id, operation: 'created' };
  return { id, operation: part?.response?.status === 201 ? 'created' : 'updated' };
}

/**
 * The `_<lookup>_value` column through which the record binds each of these references (the record's
 * binds are written by `recordBindPath`, so the same reference gives the same path).
 */
function lookupColumnsOf(meta: EntityMetadata, recordOperation: BatchOperation, references: StubPlan[]): Map<StubPlan, string> {
  const columns = new Map<StubPlan, string>();
  const body = recordOperation.body ?? {};
  for (const reference of references) {
    const path = recordBindPath(reference.meta.entitySetName, toEntityKey(reference.key));
    const lookup = meta.manyToOne.find((l) => body[`${l.navigationProperty}@odata.bind`] === path);
    if (lookup) columns.set(reference, `_${lookup.referencingAttribute}_value`);
  }
  return columns;
}

/** The record's write asking `Prefer: return=representation` with these lookup columns in `$select`. */
function withLookupsReturned(meta: EntityMetadata, recordOperation: BatchOperation, columns: Map<StubPlan, string>): BatchOperation {
  if (columns.size === 0) return recordOperation;
  const select = new Set([meta.primaryIdAttribute, ...(recordOperation.query?.select ?? []), ...columns.values()]);
  return { ...recordOperation, returnRepresentation: true, query: { ...recordOperation.query, select: [...select] } };
}

function lastOperation(result: BatchResult): BatchOperationResult {
  return result.operations[result.operations.length - 1]!;
}

function stubCreated(plan: StubPlan): StubCreated {
  return { table: plan.meta.logicalName, id: plan.recordId, key: originalKey(plan) };
}

/** The GUID of the record `key` names in the instance behind `client`, or undefined (one GET). */
async function recordIdIn(client: DataverseClient, meta: EntityMetadata, key: ResolvedKey): Promise<string | undefined> {
  const row = await client.tryRetrieve(meta.entitySetName, toEntityKey(key), { select: [meta.primaryIdAttribute] });
  return row ? String(row[meta.primaryIdAttribute]).toLowerCase() : undefined;
}

/** Stub columns given by the caller: plain values only — never the primary id or a bind. */
function stubColumns(meta: EntityMetadata, columns: Record<string, unknown> | undefined, field: string): Record<string, unknown> | undefined {
  if (!columns) return undefined;
  for (const column of Object.keys(columns)) {
    if (column.includes('@') || column === meta.primaryIdAttribute) {
      throw new ApiError(400, 'InvalidRecord', `${field}.${column}: a stub carries plain column values only (no ids, no binds).`, `${field}.${column}`);
    }
  }
  refuseInvalidText(columns, field);
  return columns;
}

/** Every string in `value` (any depth, property names included) must be text Dataverse stores (DataverseText.ts). */
function refuseInvalidText(value: unknown, field: string): void {
  const found = findRefusedText(value, field);
  if (found) throw new ApiError(400, 'InvalidRecord', `${found.field}: ${found.problem}.`, found.field);
}

function unwrap(error: unknown): unknown {
  return error instanceof ChangeSetFailure ? error.error : error;
}

function defaultName(key: ResolvedKey): string {
  return key.kind === 'id' ? key.id : Object.values(key.values).join(' ');
}

function originalKey(plan: StubPlan): RecordKeyInput {
  return plan.key.kind === 'id' ? { [plan.meta.primaryIdAttribute]: plan.key.id } : plan.key.values;
}


/**
 * A create refused because a record with our fresh GUID exists: our own earlier attempt landed. A
 * duplicate *alternate key* (0x80060892) is someone else's record and stays an error.
 */
function isOwnWriteCollision(error: unknown): boolean {
  return error instanceof DuplicateRecordError && error.code !== DataverseErrorCode.duplicateRecordEntityKey;
}
