import type { BatchPartResponse } from './BatchResponseReader';
import type { DataverseError } from './DataverseErrors';
import type { EntityKey } from './ODataKeyLiteral';
import type { QueryOptions, RetrieveOptions } from './ODataQuery';

/**
 * The port the core uses to talk to one Dataverse environment (real or local, always over HTTP).
 * Every method either resolves with the documented result or rejects with a DataverseError subclass
 * (see DataverseErrors.ts) or InvalidDataverseInputError (refused before sending). No retries here:
 * the resilience layer wraps calls through the client's hooks.
 */
export interface DataverseClient {
  /** Absolute Web API root with trailing slash, e.g. `https://org.crm.dynamics.com/api/data/v9.2/`. */
  readonly webApiUrl: string;

  /** POST a new record (ref 1.1, 1.2). */
  create(entitySet: string, record: DataverseRecordInput, options?: WriteOptions): Promise<WriteResult>;

  /**
   * PATCH a record addressed by GUID or alternate key (ref 2.1–2.4, 2.9, 7.2). Without a condition it
   * is an upsert; `createOnly` sends `If-None-Match: *` (existing → DuplicateRecordError),
   * `updateOnly` sends `If-Match: *` (missing → NotFoundError), `{ etag }` sends `If-Match: <etag>`
   * (stale → ConcurrencyMismatchError).
   */
  upsert(entitySet: string, key: EntityKey, record: DataverseRecordInput, options?: UpsertOptions): Promise<WriteResult>;

  /** GET one record (ref 4.1–4.3); missing → NotFoundError / RecordNotFoundByKeyError. */
  retrieve(entitySet: string, key: EntityKey, options?: RetrieveOptions): Promise<DataverseRecord>;

  /** Like retrieve, but resolves `undefined` when the record does not exist. */
  tryRetrieve(entitySet: string, key: EntityKey, options?: RetrieveOptions): Promise<DataverseRecord | undefined>;

  /** DELETE a record (ref 2.12), optionally only at a given row version. */
  delete(entitySet: string, key: EntityKey, options?: { readonly etag?: string }): Promise<void>;

  /** First page of a collection query (ref 4.4–4.8). */
  query(entitySet: string, options?: QueryOptions): Promise<QueryPage>;

  /** The page behind an `@odata.nextLink`, sent unchanged (ref 4.7); pass the same maxPageSize. */
  queryNextPage(nextLink: string, options?: { readonly maxPageSize?: number }): Promise<QueryPage>;

  /** Every page of a query, following `@odata.nextLink` until it is absent. */
  queryPages(entitySet: string, options?: QueryOptions): AsyncIterable<QueryPage>;

  /**
   * POST `$batch` (ref 5.1–5.4). Resolves with the per-request outcome whenever Dataverse answered
   * with a multipart body (including the failed-batch case, ref 5.4); rejects when the batch itself
   * was refused (401, 429, 5xx, malformed).
   */
  executeBatch(items: readonly BatchItem[], options?: BatchOptions): Promise<BatchResult>;

  /** Table metadata from `EntityDefinitions`, cached (bounded, TTL). */
  getEntityMetadata(logicalName: string): Promise<EntityMetadata>;

  /** The same, found by entity set name (e.g. from an `@odata.bind` path). */
  getEntityMetadataBySetName(entitySet: string): Promise<EntityMetadata>;

  /**
   * The options (value and label) of a table's choice, status and state columns, by column logical
   * name; cached like the metadata. Read apart from `getEntityMetadata` because Dataverse answers
   * option sets only through a type cast per attribute type, and writes need none of it.
   */
  getChoiceOptions(logicalName: string): Promise<ChoiceColumns>;
}

/** One option of a choice column: its stored value and its label in the caller's language. */
export interface ChoiceOption {
  readonly value: number;
  readonly label: string;
}

/** Choice columns of a table (logical name → its options). */
export type ChoiceColumns = ReadonlyMap<string, readonly ChoiceOption[]>;

/** A record as Dataverse returns it (annotations such as `@odata.etag` included). */
export type DataverseRecord = Record<string, unknown>;

/** Column values (and `<nav>@odata.bind` entries) to write. */
export type DataverseRecordInput = Readonly<Record<string, unknown>>;

export interface WriteOptions {
  /** `Prefer: return=representation` (ref 1.2, 2.2). */
  readonly returnRepresentation?: boolean;
  /** `$select` for the representation. */
  readonly select?: readonly string[];
}

/** Conditional write (ref 2.3, 2.4, 7.2). */
export type WriteCondition = 'createOnly' | 'updateOnly' | { readonly etag: string };

export interface UpsertOptions extends WriteOptions {
  readonly condition?: WriteCondition;
}

export interface WriteResult {
  /** The record's GUID when Dataverse names it (OData-EntityId / representation); absent when the answer used an alternate-key URL. */
  readonly id: string | undefined;
  /** `OData-EntityId` as sent by Dataverse (may echo the alternate-key form, ref 2.1). */
  readonly entityIdUrl: string | undefined;
  /** `created` / `updated` when Dataverse says (201 vs 200 with a representation, ref 2.2); else `unknown` (204). */
  readonly outcome: 'created' | 'updated' | 'unknown';
  readonly etag: string | undefined;
  readonly record: DataverseRecord | undefined;
}

export interface QueryPage {
  readonly records: DataverseRecord[];
  /** Absolute URL of the next page; absent on the last page. Opaque (ref 4.7). */
  readonly nextLink: string | undefined;
  /** `@odata.count` when `$count=true` was asked (ref 4.8). */
  readonly count: number | undefined;
}

/** A batch request addressed without raw URLs: an entity set (+ key), or an earlier change-set member. */
export type BatchTarget =
  | { readonly entitySet: string; readonly key?: EntityKey }
  /** `$<contentId>` of an earlier member of the same change set (ref 5.2). */
  | { readonly reference: string };

export interface BatchOperation {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly target: BatchTarget;
  readonly body?: DataverseRecordInput;
  readonly condition?: WriteCondition;
  /** For GET: `$select`, `$filter`…; for writes only `select` is used, with returnRepresentation. */
  readonly query?: QueryOptions;
  readonly returnRepresentation?: boolean;
  readonly contentId?: string;
}

/** Operations that succeed or fail together (ref 5.2). */
export interface BatchChangeSet {
  readonly changeSet: readonly BatchOperation[];
}

export type BatchItem = BatchOperation | BatchChangeSet;

export interface BatchOptions {
  /** `Prefer: odata.continue-on-error` (ref 5.4). */
  readonly continueOnError?: boolean;
}

export interface BatchOperationResult {
  /** Position among the batch's requests, change set members counted in order. */
  readonly index: number;
  readonly contentId: string | undefined;
  /** Index of the item (in the `items` array) of the change set holding this request. */
  readonly changeSetIndex: number | undefined;
  readonly method: string;
  readonly path: string;
  /**
   * `succeeded` (2xx/304); `failed` (its own error is in `error`); `rolled-back`: answered 2xx but
   * another member of its change set failed, so nothing of the set was kept (ref 5.2);
   * `no-response`: Dataverse sent nothing for it — not run after a failure without
   * continue-on-error, rolled back with its change set, or not reported by a failed batch (ref 5.4).
   */
  readonly outcome: 'succeeded' | 'failed' | 'rolled-back' | 'no-response';
  readonly response: BatchPartResponse | undefined;
  readonly error: DataverseError | undefined;
  /** GUID from the part's OData-EntityId, when there is one. */
  readonly id: string | undefined;
}

export interface BatchResult {
  /** HTTP status of the batch itself: 200, or the failure status without continue-on-error (ref 5.4). */
  readonly status: number;
  /** True when the batch was 200 and every request succeeded. */
  readonly ok: boolean;
  readonly operations: readonly BatchOperationResult[];
  /** Every failure, including ones that could not be attributed to a request. */
  readonly errors: readonly DataverseError[];
}

/** What the client reads from `EntityDefinitions` (and caches). */
export interface EntityMetadata {
  readonly logicalName: string;
  readonly entitySetName: string;
  readonly primaryIdAttribute: string;
  readonly primaryNameAttribute: string | undefined;
  /** The table's display name (`DisplayName` label in the caller's language), e.g. `Account`. */
  readonly displayName?: string | undefined;
  readonly keys: readonly EntityKeyMetadata[];
  readonly manyToOne: readonly LookupMetadata[];
  /** Columns with their Dataverse type (`String`, `Lookup`, `Picklist`…) and writability. */
  readonly attributes: readonly AttributeMetadata[];
}

export interface AttributeMetadata {
  readonly logicalName: string;
  /** Dataverse `AttributeType`, e.g. `String`, `Memo`, `Integer`, `Money`, `DateTime`, `Picklist`, `Lookup`. */
  readonly attributeType: string;
  readonly validForCreate: boolean;
  readonly validForUpdate: boolean;
  readonly displayName: string | undefined;
  /** `RequiredLevel.Value`: `None`, `Recommended`, `ApplicationRequired` or `SystemRequired`. */
  readonly requiredLevel?: string | undefined;
}

export interface EntityKeyMetadata {
  readonly logicalName: string;
  readonly keyAttributes: readonly string[];
}

/** A ManyToOne relationship seen from the referencing table: a lookup and its navigation property. */
export interface LookupMetadata {
  readonly schemaName: string | undefined;
  /** Lookup column on this table, e.g. `parentcustomerid`. */
  readonly referencingAttribute: string;
  /** Single-valued navigation property, used as `<nav>@odata.bind`, e.g. `parentcustomerid_account`. */
  readonly navigationProperty: string;
  /** Logical name of the referenced table, e.g. `account`. */
  readonly referencedEntity: string;
  readonly referencedAttribute: string | undefined;
}
