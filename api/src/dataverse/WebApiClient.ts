/**
 * The Dataverse Web API client: `DataverseClient` over HTTP(S), for real environments and the local
 * Dataverse alike. What it sends is built in WebApiRequests.ts, what it reads in WebApiAnswers.ts, and a
 * `$batch` answer is matched to its requests in BatchResponseAttribution.ts.
 */
import { createTokenProvider, type DataverseAuth } from './auth/createTokenProvider';
import type { TokenProvider } from './auth/TokenProvider';
import { type BatchRequestItem, writeBatchRequest } from './BatchRequestWriter';
import { type BatchPartResponse, multipartBoundary, readBatchResponse } from './BatchResponseReader';
import { attributeBatchResponses } from './BatchResponseAttribution';
import type {
  BatchItem,
  BatchOptions,
  BatchResult,
  ChoiceColumns,
  ChoiceOption,
  DataverseClient,
  DataverseRecord,
  DataverseRecordInput,
  EntityMetadata,
  QueryPage,
  UpsertOptions,
  WriteOptions,
  WriteResult,
} from './DataverseClient';
import { DataverseRequestError, InvalidDataverseInputError, NotFoundError, ResourceNotFoundError } from './DataverseErrors';
import { type DataverseClientHooks, DataverseHttpTransport, type DataverseHttpResponse, type TransportIdentity } from './DataverseHttpTransport';
import { EntityMetadataCache, type EntityMetadataCacheOptions } from './EntityMetadataCache';
import type { IdentitySnapshot } from './identities/IdentityState';
import { CHOICE_ATTRIBUTE_CASTS, CHOICE_OPTIONS_QUERY, ENTITY_DEFINITION_QUERY, readChoiceOptions, readEntityDefinition } from './EntityDefinitionReader';
import { assertODataIdentifier } from './ODataIdentifier';
import { type EntityKey, percentEncodeODataText, recordPath } from './ODataKeyLiteral';
import { assertMaxPageSize, type QueryOptions, queryString, type RetrieveOptions } from './ODataQuery';
import { parseJsonBody, readQueryPage, readWriteResult } from './WebApiAnswers';
import { assertEtag, batchRequestPart, conditionHeaders, isChangeSet, serializeRecord, webApiRoot } from './WebApiRequests';

// The client's module is where its helpers are imported from (index.ts, the client's tests).
export { attributeBatchResponses } from './BatchResponseAttribution';
export { idFromEntityUrl } from './WebApiAnswers';
export { webApiRoot } from './WebApiRequests';

export interface WebApiClientOptions {
  /**
   * The environment URL (`https://org.crm.dynamics.com`, `http://127.0.0.1:5555`) or its Web API
   * root (`…/api/data/v9.2/`).
   */
  readonly url: string;
  /** How to authenticate; by default none over http, DefaultAzureCredential over https. */
  readonly auth?: DataverseAuth;
  /** Overrides `auth` (tests, custom credentials). */
  readonly tokenProvider?: TokenProvider;
  /**
   * Several application users of the environment, instead of `auth` / `tokenProvider`: each has its own
   * service-protection limits, and each request goes as one of them (README, "Identities").
   */
  readonly identities?: readonly WebApiClientIdentity[];
  /** Per-request timeout in ms (default 30 000). */
  readonly timeoutMs?: number;
  /** The service protection limits' sliding window in seconds (default 300, Dataverse's): README, "Identities". */
  readonly rateLimitWindowSeconds?: number;
  /** Connection pool size (default 52, ref 6.4). */
  readonly maxConnections?: number;
  readonly keepAliveTimeoutMs?: number;
  readonly hooks?: DataverseClientHooks;
  /** Metadata cache bounds (default 256 entries, 15 min). */
  readonly metadataCache?: EntityMetadataCacheOptions;
}

/** One application user: `auth` (or a `tokenProvider`), a label (default its position, `1`, `2`, …), a ceiling. */
export interface WebApiClientIdentity {
  readonly name?: string;
  readonly auth?: DataverseAuth;
  readonly tokenProvider?: TokenProvider;
  /** Most requests under way at once as this identity (at most 52, Dataverse's limit per user). */
  readonly maxConcurrent?: number;
}

/**
 * The Dataverse Web API client: DataverseClient over HTTP(S) for real environments and the local
 * Dataverse alike. Call {@link close} to release the connection pool.
 */
export class WebApiClient implements DataverseClient {
  readonly webApiUrl: string;
  private readonly root: URL;
  private readonly http: DataverseHttpTransport;
  private readonly metadata: EntityMetadataCache<EntityMetadata>;
  private readonly choices: EntityMetadataCache<ChoiceColumns>;

  constructor(options: WebApiClientOptions) {
    this.root = webApiRoot(options.url);
    this.webApiUrl = this.root.href;
    const identities: TransportIdentity[] = (options.identities ?? [{ ...(options.auth ? { auth: options.auth } : {}), ...(options.tokenProvider ? { tokenProvider: options.tokenProvider } : {}) }]).map(
      (identity, index) => ({
        name: identity.name ?? String(index + 1),
        tokenProvider: identity.tokenProvider ?? createTokenProvider(this.root.origin, identity.auth),
        ...(identity.maxConcurrent === undefined ? {} : { maxConcurrent: identity.maxConcurrent }),
      }),
    );
    if (identities.length === 0) throw new InvalidDataverseInputError('identities must list at least one identity');
    this.http = new DataverseHttpTransport({
      identities,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.rateLimitWindowSeconds === undefined ? {} : { rateLimitWindowMs: options.rateLimitWindowSeconds * 1000 }),
      ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
      ...(options.keepAliveTimeoutMs === undefined ? {} : { keepAliveTimeoutMs: options.keepAliveTimeoutMs }),
      ...(options.hooks === undefined ? {} : { hooks: options.hooks }),
    });
    this.metadata = new EntityMetadataCache<EntityMetadata>(options.metadataCache);
    this.choices = new EntityMetadataCache<ChoiceColumns>(options.metadataCache);
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  /** Each identity's state now: requests under way, its limit, what is left of its budget, its rest after a 429. */
  identityStates(): IdentitySnapshot[] {
    return this.http.identityStates();
  }

  /** POST (ref 1.1, 1.2): id from OData-EntityId, or from the representation. */
  async create(entitySet: string, record: DataverseRecordInput, options: WriteOptions = {}): Promise<WriteResult> {
    const set = assertODataIdentifier(entitySet, 'entity set');
    const url = this.url(`${set}${options.returnRepresentation && options.select ? queryString({ select: options.select }) : ''}`);
    const headers: Record<string, string> = options.returnRepresentation ? { Prefer: 'return=representation' } : {};
    const response = await this.http.send({ operation: 'create', method: 'POST', url, headers, body: serializeRecord(record) });
    return this.writeResult(set, response, undefined, { method: 'POST', path: url.pathname });
  }

  /** PATCH with optional If-None-Match / If-Match (ref 2.1–2.4, 7.2). */
  async upsert(entitySet: string, key: EntityKey, record: DataverseRecordInput, options: UpsertOptions = {}): Promise<WriteResult> {
    const path = recordPath(entitySet, key);
    const url = this.url(`${path}${options.returnRepresentation && options.select ? queryString({ select: options.select }) : ''}`);
    const headers: Record<string, string> = { ...conditionHeaders(options.condition) };
    if (options.returnRepresentation) headers.Prefer = 'return=representation';
    const response = await this.http.send({ operation: 'upsert', method: 'PATCH', url, headers, body: serializeRecord(record) });
    return this.writeResult(entitySet, response, typeof key === 'string' ? key.toLowerCase() : undefined, { method: 'PATCH', path: url.pathname });
  }

  /** GET one record (ref 4.1–4.3). */
  async retrieve(entitySet: string, key: EntityKey, options: RetrieveOptions = {}): Promise<DataverseRecord> {
    const url = this.url(`${recordPath(entitySet, key)}${queryString({ ...(options.select ? { select: options.select } : {}) })}`);
    const response = await this.http.send({ operation: 'retrieve', method: 'GET', url });
    return parseJsonBody(response, { method: 'GET', path: url.pathname + url.search });
  }

  async tryRetrieve(entitySet: string, key: EntityKey, options: RetrieveOptions = {}): Promise<DataverseRecord | undefined> {
    try {
      return await this.retrieve(entitySet, key, options);
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  async delete(entitySet: string, key: EntityKey, options: { readonly etag?: string } = {}): Promise<void> {
    const url = this.url(recordPath(entitySet, key));
    const headers: Record<string, string> = options.etag === undefined ? {} : { 'If-Match': assertEtag(options.etag) };
    await this.http.send({ operation: 'delete', method: 'DELETE', url, headers });
  }

  /** GET a collection (ref 4.4–4.8). */
  async query(entitySet: string, options: QueryOptions = {}): Promise<QueryPage> {
    const url = this.url(`${assertODataIdentifier(entitySet, 'entity set')}${queryString(options)}`);
    return this.getPage(url, options.maxPageSize);
  }

  /** Follows `@odata.nextLink` exactly as given (ref 4.7), only to this environment's Web API. */
  async queryNextPage(nextLink: string, options: { readonly maxPageSize?: number } = {}): Promise<QueryPage> {
    let url: URL;
    try {
      url = new URL(nextLink);
    } catch {
      throw new InvalidDataverseInputError('@odata.nextLink must be an absolute URL');
    }
    if (url.origin !== this.root.origin || !url.pathname.startsWith(this.root.pathname)) {
      // The token must never go to another host (ref 4.7: the link is opaque, but its host is not ours to trust).
      throw new InvalidDataverseInputError(`@odata.nextLink points outside ${this.webApiUrl}`);
    }
    return this.getPage(url, options.maxPageSize);
  }

  async *queryPages(entitySet: string, options: QueryOptions = {}): AsyncIterable<QueryPage> {
    let page = await this.query(entitySet, options);
    yield page;
    while (page.nextLink !== undefined) {
      page = await this.queryNextPage(page.nextLink, options.maxPageSize === undefined ? {} : { maxPageSize: options.maxPageSize });
      yield page;
    }
  }

  /** POST `$batch` (ref 5.1–5.4). */
  async executeBatch(items: readonly BatchItem[], options: BatchOptions = {}): Promise<BatchResult> {
    const wireItems: BatchRequestItem[] = items.map((item) =>
      isChangeSet(item) ? { changeSet: item.changeSet.map((operation) => batchRequestPart(operation)) } : batchRequestPart(item),
    );
    const written = writeBatchRequest(wireItems, { webApiPath: this.root.pathname });
    const url = this.url('$batch');
    const headers: Record<string, string> = { 'Content-Type': written.contentType };
    if (options.continueOnError) headers.Prefer = 'odata.continue-on-error';
    const response = await this.http.send({
      operation: 'batch',
      method: 'POST',
      url,
      headers,
      body: written.body,
      // ref 5.4: a failed batch answers with the failure status and a multipart body; read it.
      acceptFailure: (_status, contentType) => multipartBoundary(contentType) !== undefined,
    });
    const contentType = response.headers.get('content-type') ?? undefined;
    let responses: BatchPartResponse[];
    try {
      responses = readBatchResponse(contentType, response.bodyText);
    } catch (cause) {
      throw new DataverseRequestError({
        status: response.status,
        message: cause instanceof Error ? cause.message : String(cause),
        request: { method: 'POST', path: url.pathname },
        cause,
      });
    }
    return attributeBatchResponses(items, written.parts, responses, response.status);
  }

  /** `EntityDefinitions(LogicalName='…')` with keys and ManyToOne relationships, cached. */
  async getEntityMetadata(logicalName: string): Promise<EntityMetadata> {
    const name = assertODataIdentifier(logicalName, 'table logical name');
    return this.metadata.get(`logical:${name}`, async () => {
      const url = this.url(`${recordPath('EntityDefinitions', { LogicalName: name })}?${ENTITY_DEFINITION_QUERY}`);
      const response = await this.http.send({ operation: 'metadata', method: 'GET', url });
      const metadata = readEntityDefinition(parseJsonBody(response, { method: 'GET', path: url.pathname }));
      this.metadata.set(`set:${metadata.entitySetName}`, metadata);
      return metadata;
    });
  }

  /** The table whose entity set is `entitySet` (e.g. from an `@odata.bind` path), cached. */
  async getEntityMetadataBySetName(entitySet: string): Promise<EntityMetadata> {
    const set = assertODataIdentifier(entitySet, 'entity set');
    return this.metadata.get(`set:${set}`, async () => {
      const filter = percentEncodeODataText(`EntitySetName eq '${set}'`);
      const url = this.url(`EntityDefinitions?${ENTITY_DEFINITION_QUERY}&$filter=${filter}`);
      const response = await this.http.send({ operation: 'metadata', method: 'GET', url });
      const value = parseJsonBody(response, { method: 'GET', path: url.pathname }).value;
      const first = Array.isArray(value) ? (value[0] as unknown) : undefined;
      if (first === undefined) {
        throw new ResourceNotFoundError({ status: response.status, message: `no table has the entity set '${set}'`, request: { method: 'GET', path: url.pathname } });
      }
      const metadata = readEntityDefinition(first as Record<string, unknown>);
      this.metadata.set(`logical:${metadata.logicalName}`, metadata);
      return metadata;
    });
  }

  /** The options of the table's choice, state and status columns: one cast per attribute type, cached. */
  async getChoiceOptions(logicalName: string): Promise<ChoiceColumns> {
    const name = assertODataIdentifier(logicalName, 'table logical name');
    return this.choices.get(`choices:${name}`, async () => {
      const options = new Map<string, ChoiceOption[]>();
      for (const cast of CHOICE_ATTRIBUTE_CASTS) {
        const url = this.url(`${recordPath('EntityDefinitions', { LogicalName: name })}/Attributes/Microsoft.Dynamics.CRM.${cast}?${CHOICE_OPTIONS_QUERY}`);
        const response = await this.http.send({ operation: 'metadata', method: 'GET', url });
        readChoiceOptions(parseJsonBody(response, { method: 'GET', path: url.pathname }), options);
      }
      return options;
    });
  }

  private url(relative: string): URL {
    return new URL(relative, this.root);
  }

  private async getPage(url: URL, maxPageSize: number | undefined): Promise<QueryPage> {
    const headers: Record<string, string> = {};
    if (maxPageSize !== undefined) headers.Prefer = `odata.maxpagesize=${assertMaxPageSize(maxPageSize)}`;
    return readQueryPage(await this.http.send({ operation: 'query', method: 'GET', url, headers }), url);
  }

  /** The write's result (WebApiAnswers.readWriteResult, shared with the write coalescer's batch parts). */
  private writeResult(entitySet: string, response: DataverseHttpResponse, knownId: string | undefined, request: { method: string; path: string }): Promise<WriteResult> {
    return readWriteResult({ status: response.status, header: (name) => response.headers.get(name) ?? undefined, bodyText: response.bodyText }, knownId, request, () =>
      this.getEntityMetadataBySetName(entitySet).then(
        (metadata) => metadata.primaryIdAttribute,
        () => undefined,
      ),
    );
  }
}

