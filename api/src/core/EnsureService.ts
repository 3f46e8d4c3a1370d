/**
 * The contract between the HTTP layer (routes, validation, auth) and the pattern itself (core), in
 * three parts: the actions (`EnsureActions`: ensure, submit, hydrate — what the queue runs), the stub
 * queries with the one write people ask of a stub row (`StubQueries`: pages, one stub, the summary,
 * `requestHydration`) and the catalogue (`Catalogue`). The HTTP layer validates shapes with zod and
 * calls these methods; the core talks to Dataverse through the `DataverseClient` port and throws
 * `ApiError`s whose fields are relative to the input (the HTTP layer places them in the request).
 */

/** A record key as users give it: `{"accountid": "<guid>"}` (primary id) or an alternate key's columns. */
export type RecordKeyInput = Readonly<Record<string, string | number>>;

export interface EnsureInput {
  table: string;
  key: RecordKeyInput;
  /** Written to the stub's name column; defaults to the key as text. */
  name?: string;
  /** Extra columns for the stub (on top of the table's configured stub defaults). */
  columns?: Record<string, unknown>;
}

export type EnsureOutcome = 'created-stub' | 'exists' | 'exists-as-stub';

export interface EnsureResult {
  id: string;
  table: string;
  outcome: EnsureOutcome;
}

export interface ReferenceInput {
  table: string;
  key: RecordKeyInput;
  name?: string;
}

export interface SubmitInput {
  table: string;
  /** When given, the record is upserted at this key; otherwise created. */
  key?: RecordKeyInput;
  /** Column values; may contain Dataverse-native `"<nav>@odata.bind": "/accounts(...)"` entries. */
  record: Record<string, unknown>;
  /** Explicit references by navigation property: `{ "parentcustomerid_account": { table, key, name } }`. */
  references?: Record<string, ReferenceInput>;
}

export interface StubCreated {
  table: string;
  id: string;
  key: RecordKeyInput;
}

export interface SubmitResult {
  id: string;
  table: string;
  operation: 'created' | 'updated';
  stubsCreated: StubCreated[];
}

export interface HydrateInput {
  table: string;
  key: RecordKeyInput;
  record: Record<string, unknown>;
}

export interface HydrateResult {
  id: string;
  table: string;
  operation: 'created' | 'updated';
  /** True when an `ec_stub` row was Pending and is now Hydrated. */
  wasStub: boolean;
  secondsToHydrate?: number;
}

export type StubState = 'Pending' | 'Hydrated' | 'Abandoned';

export interface StubQuery {
  state?: StubState;
  table?: string;
  olderThanSeconds?: number;
  /** Page size, 1–5000 (default 50). */
  top?: number;
  /** Opaque token from a previous page's `nextSkipToken`. */
  skipToken?: string;
}

export interface Stub {
  /** The `ec_stub` row id. */
  id: string;
  table: string;
  recordId: string;
  /** `{ <primary id column>: <guid> }` or the alternate key's columns; null when `ec_key` is no key of the table (edited or cut). */
  key: RecordKeyInput | null;
  name: string | null;
  sourceInstance: string | null;
  state: StubState;
  attempts: number;
  lastError: string | null;
  hydrationRequestedOn: string | null;
  hydratedOn: string | null;
  secondsToHydrate: number | null;
  origin: string | null;
  createdOn: string;
}

export interface StubPage {
  value: Stub[];
  nextSkipToken?: string;
}

/** Stubs of an instance counted by state. */
export interface StubCounts {
  pending: number;
  hydrated: number;
  abandoned: number;
  total: number;
}

/** Created → hydrated, over the Hydrated rows that carry `ec_secondstohydrate` (nearest-rank percentiles). */
export interface TimeToHydrate {
  /** Hydrated rows measured. */
  count: number;
  p50Seconds?: number;
  p95Seconds?: number;
  maxSeconds?: number;
}

export interface TableStubSummary extends StubCounts {
  table: string;
  timeToHydrate: TimeToHydrate;
  /** Age of the table's oldest Pending stub, in seconds. */
  oldestPendingSeconds?: number;
}

/** What `GET /v1/instances/{instance}/stubs/summary` answers: time to consistency at a glance. */
export interface StubSummary {
  instance: string;
  /** When the summary was computed (ISO 8601). */
  generatedOn: string;
  counts: StubCounts;
  /** One entry per table that has stubs, by table name. */
  tables: TableStubSummary[];
  timeToHydrate: TimeToHydrate;
  /** The oldest Pending stub of the instance, if any. */
  oldestPending?: { table: string; recordId: string; createdOn: string; ageSeconds: number };
  /** Only when asked (`StubSummaryOptions.hydratedWithinSeconds`): stubs hydrated within that many seconds. */
  hydratedRecently?: { withinSeconds: number; count: number };
}

export interface StubSummaryOptions {
  /** Also count the stubs hydrated within this many seconds before now (`hydratedRecently`; the local preview's "last 24 h"). */
  hydratedWithinSeconds?: number;
}

export interface InstanceInfo {
  name: string;
  url: string;
  /** The instance records are expected to come from (replication source), if any. */
  source?: string;
  role: 'source' | 'target' | 'standalone';
  /** What an instance picker shows: `b — replicated from a`, or the name alone. */
  title: string;
  reachable: boolean;
  /** Why it is not reachable (no secrets). */
  error?: string;
  /** The circuit breaker protecting the instance, when one is configured. */
  circuit?: { state: 'closed' | 'open' | 'half-open' | 'isolated'; openUntil?: string };
  /** The tables whose stubs carry the marker `ec_isstub`; absent when that could not be read yet (unreachable). */
  stubMarker?: string[];
}

export interface TableInfo {
  logicalName: string;
  entitySetName: string;
  primaryIdAttribute: string;
  primaryNameAttribute?: string;
  /** The table's display name, e.g. `Account`, when the metadata has one. */
  displayName?: string;
  /** What a table picker shows: `Account (account)`, or the logical name alone. */
  title: string;
  keys: Array<{ name: string; attributes: string[] }>;
}

/** JSON Schema (draft-04 subset, as Swagger 2.0 / connectors use) of a table's writable columns. */
export interface TableJsonSchema {
  type: 'object';
  properties: Record<
    string,
    {
      type: string;
      format?: string;
      maxLength?: number;
      enum?: unknown[];
      /** The label of each `enum` value, shown by the designer instead of the number. */
      'x-ms-enum-values'?: Array<{ value: unknown; displayName: string }>;
      title?: string;
      description?: string;
      'x-ms-summary'?: string;
    }
  >;
  required?: string[];
}

/** Who is calling: recorded as `ec_origin` on stubs. */
export interface CallContext {
  /** Flow name / run id from Power Automate's headers, else the API client's identity. */
  origin: string;
  requestId?: string;
  /**
   * The GUID a submit without `key` gives the record it creates (default: a fresh one). The durable
   * queue passes the same GUID on every attempt of one operation, so a replay after a crash or a lost
   * answer finds its own record (412) instead of creating a second one.
   */
  newRecordId?: string;
  /** A hydrate the reconciler runs (not a caller's): reported as the cause of its `stub.hydrated` change. */
  byReconciler?: boolean;
}

/** The writes: what the durable queue runs (the stub changes they write are reported by core/stubs). */
export interface EnsureActions {
  ensure(instance: string, input: EnsureInput, context: CallContext): Promise<EnsureResult>;
  submit(instance: string, input: SubmitInput, context: CallContext): Promise<SubmitResult>;
  hydrate(instance: string, input: HydrateInput, context: CallContext): Promise<HydrateResult>;
}

/** Reads of the `ec_stub` rows, and the hydration request people make of one. */
export interface StubQueries {
  listStubs(instance: string, query: StubQuery): Promise<StubPage>;
  /** `undefined` when the record never was a stub. */
  getStub(instance: string, table: string, recordId: string): Promise<Stub | undefined>;
  /** Counts by state and table, time-to-hydrate percentiles and the oldest pending stub (reads every `ec_stub` row). */
  stubSummary(instance: string, options?: StubSummaryOptions): Promise<StubSummary>;
  /** Stamps `ec_hydrationrequestedon` on the stub row `stubId` (its `ec_stub` id): the reconciler serves it first. */
  requestHydration(instance: string, stubId: string, requestedOn: Date): Promise<void>;
}

/** What is configured: instances (with reachability), their allowed tables, a table's schema. */
export interface Catalogue {
  instances(): Promise<InstanceInfo[]>;
  tables(instance: string): Promise<TableInfo[]>;
  tableSchema(instance: string, table: string): Promise<TableJsonSchema>;
}

/** All three parts (the core offers them in one object; the HTTP layer serves them all). */
export type EnsureService = EnsureActions & StubQueries & Catalogue;
