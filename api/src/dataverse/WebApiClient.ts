import { createTokenProvider, type DataverseAuth } from './auth/createTokenProvider';
import type { TokenProvider } from './auth/TokenProvider';
import { type BatchRequestItem, type BatchRequestPart, writeBatchRequest } from './BatchRequestWriter';
import { type BatchPartResponse, multipartBoundary, readBatchResponse } from './BatchResponseReader';
import type {
  BatchItem,
  BatchOperation,
  BatchOperationResult,
  BatchOptions,
  BatchResult,
  DataverseClient,
  DataverseRecord,
  DataverseRecordInput,
  EntityMetadata,
  QueryPage,
  UpsertOptions,
  WriteCondition,
  WriteOptions,
  WriteResult,
} from './DataverseClient';
import {
  type DataverseError,
  dataverseErrorFromResponse,
  DataverseRequestError,
  InvalidDataverseInputError,
  NotFoundError,
  ResourceNotFoundError,
} from './DataverseErrors';
import { type DataverseClientHooks, DataverseHttpTransport, type DataverseHttpResponse } from './DataverseHttpTransport';
import { EntityMetadataCache, type EntityMetadataCacheOptions } from './EntityMetadataCache';
import { ENTITY_DEFINITION_QUERY, readEntityDefinition } from './EntityDefinitionReader';
import { assertODataIdentifier } from './ODataIdentifier';
import { type EntityKey, isGuid, percentEncodeODataText, recordPath } from './ODataKeyLiteral';
import { assertMaxPageSize, type QueryOptions, queryString, type RetrieveOptions } from './ODataQuery';

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
  /** Per-request timeout in ms (default 30 000). */
  readonly timeoutMs?: number;
  /** Connection pool size (default 52, ref 6.4). */
  readonly maxConnections?: number;
  readonly keepAliveTimeoutMs?: number;
  readonly hooks?: DataverseClientHooks;
  /** Metadata cache bounds (default 256 entries, 15 min). */
  readonly metadataCache?: EntityMetadataCacheOptions;
}

const API_ROOT = /\/api\/data\/v9\.\d\/?$/;
const ENTITY_ID = /\((?:[A-Za-z_][A-Za-z0-9_]*=)?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\)$/;
const ETAG = /^(W\/)?"[^"\r\n]*"$/;

/** The Web API root for an environment URL (v9.2 unless the URL names a version). */
export function webApiRoot(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidDataverseInputError(`not a URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new InvalidDataverseInputError('the environment URL must be http or https');
  if (parsed.search || parsed.hash || parsed.username || parsed.password) {
    throw new InvalidDataverseInputError('the environment URL must not carry a query, fragment or credentials');
  }
  if (API_ROOT.test(parsed.pathname)) return new URL(parsed.pathname.endsWith('/') ? parsed.href : `${parsed.href}/`);
  if (parsed.pathname !== '/' && parsed.pathname !== '') throw new InvalidDataverseInputError('the environment URL must be the origin or its /api/data/v9.x/ root');
  return new URL('/api/data/v9.2/', parsed.origin);
}

/** The GUID at the end of an OData-EntityId / Location URL (`…/accounts(<guid>)`), if it is one. */
export function idFromEntityUrl(url: string | undefined | null): string | undefined {
  const match = url ? ENTITY_ID.exec(url.trim()) : null;
  return match ? (match[1] as string).toLowerCase() : undefined;
}

function assertEtag(etag: string): string {
  if (!ETAG.test(etag)) throw new InvalidDataverseInputError('an ETag looks like W/"123" (quoted, no line breaks)');
  return etag;
}

function conditionHeaders(condition: WriteCondition | undefined): Record<string, string> {
  if (condition === undefined) return {};
  if (condition === 'createOnly') return { 'If-None-Match': '*' };
  if (condition === 'updateOnly') return { 'If-Match': '*' };
  if (typeof condition === 'object' && typeof condition.etag === 'string') return { 'If-Match': assertEtag(condition.etag) };
  throw new InvalidDataverseInputError("condition is 'createOnly', 'updateOnly' or { etag }");
}

function serializeRecord(record: DataverseRecordInput): string {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) throw new InvalidDataverseInputError('a record is a JSON object');
  return JSON.stringify(record);
}

function parseJsonBody(response: DataverseHttpResponse, request: { method: string; path: string }): Record<string, unknown> {
  try {
    const parsed = JSON.parse(response.bodyText) as unknown;
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new DataverseRequestError({ status: response.status, message: 'expected a JSON object in the answer', request });
}

function isChangeSet(item: BatchItem): item is { readonly changeSet: readonly BatchOperation[] } {
  return (item as { changeSet?: unknown }).changeSet !== undefined;
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

  constructor(options: WebApiClientOptions) {
    this.root = webApiRoot(options.url);
    this.webApiUrl = this.root.href;
    this.http = new DataverseHttpTransport({
      tokenProvider: options.tokenProvider ?? createTokenProvider(this.root.origin, options.auth),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
      ...(options.keepAliveTimeoutMs === undefined ? {} : { keepAliveTimeoutMs: options.keepAliveTimeoutMs }),
      ...(options.hooks === undefined ? {} : { hooks: options.hooks }),
    });
    this.metadata = new EntityMetadataCache<EntityMetadata>(options.metadataCache);
  }

  async close(): Promise<void> {
    await this.http.close();
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
      isChangeSet(item) ? { changeSet: item.changeSet.map((operation) => this.batchPart(operation)) } : this.batchPart(item),
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

  private url(relative: string): URL {
    return new URL(relative, this.root);
  }

  private async getPage(url: URL, maxPageSize: number | undefined): Promise<QueryPage> {
    const headers: Record<string, string> = {};
    if (maxPageSize !== undefined) headers.Prefer = `odata.maxpagesize=${assertMaxPageSize(maxPageSize)}`;
    const response = await this.http.send({ operation: 'query', method: 'GET', url, headers });
    const body = parseJsonBody(response, { method: 'GET', path: url.pathname + url.search });
    if (!Array.isArray(body.value)) throw new DataverseRequestError({ status: response.status, message: 'a collection answer has no value array', request: { method: 'GET', path: url.pathname } });
    const nextLink = body['@odata.nextLink'];
    const count = body['@odata.count'];
    return {
      records: body.value as DataverseRecord[],
      nextLink: typeof nextLink === 'string' ? nextLink : undefined,
      count: typeof count === 'number' ? count : undefined,
    };
  }

  private async writeResult(
    entitySet: string,
    response: DataverseHttpResponse,
    knownId: string | undefined,
    request: { method: string; path: string },
  ): Promise<WriteResult> {
    const entityIdUrl = response.headers.get('odata-entityid') ?? undefined;
    const etag = response.headers.get('etag') ?? undefined;
    if (response.status === 204 || response.bodyText.trim() === '') {
      return { id: idFromEntityUrl(entityIdUrl) ?? knownId, entityIdUrl, outcome: 'unknown', etag, record: undefined };
    }
    const record = parseJsonBody(response, request);
    let id = idFromEntityUrl(entityIdUrl) ?? knownId;
    if (id === undefined) {
      // ref 1.2: a representation comes without OData-EntityId; its primary key column names the record.
      const primaryId = await this.getEntityMetadataBySetName(entitySet).then(
        (metadata) => metadata.primaryIdAttribute,
        () => undefined,
      );
      const value = primaryId === undefined ? undefined : record[primaryId];
      id = isGuid(value) ? value.toLowerCase() : undefined;
    }
    const recordEtag = record['@odata.etag'];
    return {
      id,
      entityIdUrl,
      outcome: response.status === 201 ? 'created' : response.status === 200 ? 'updated' : 'unknown',
      etag: etag ?? (typeof recordEtag === 'string' ? recordEtag : undefined),
      record,
    };
  }

  private batchPart(operation: BatchOperation): BatchRequestPart {
    const target = operation.target;
    let url: string;
    if ('reference' in target) {
      url = `$${target.reference}`;
    } else {
      url = target.key === undefined ? assertODataIdentifier(target.entitySet, 'entity set') : recordPath(target.entitySet, target.key);
    }
    const query = operation.query;
    if (query !== undefined) {
      if (operation.method === 'GET') url += queryString(query);
      else if (operation.returnRepresentation && query.select) url += queryString({ select: query.select });
    }
    const headers: Record<string, string> = { ...conditionHeaders(operation.condition) };
    const prefer: string[] = [];
    if (operation.returnRepresentation) prefer.push('return=representation');
    if (operation.method === 'GET' && query?.maxPageSize !== undefined) prefer.push(`odata.maxpagesize=${assertMaxPageSize(query.maxPageSize)}`);
    if (prefer.length > 0) headers.Prefer = prefer.join(',');
    if (operation.body !== undefined) headers['Content-Type'] = 'application/json; type=entry';
    return {
      method: operation.method,
      url,
      headers,
      ...(operation.body === undefined ? {} : { body: serializeRecord(operation.body) }),
      ...(operation.contentId === undefined ? {} : { contentId: operation.contentId }),
    };
  }
}

/**
 * Matches embedded responses to the requests written (ref 5.3, 5.4): by Content-ID when the response
 * echoes one; otherwise in order, one request or change set at a time — in order only when the batch
 * answered 200 (a failed batch holds just the failing response, so order says nothing unless the
 * batch had a single request or change set).
 */
export function attributeBatchResponses(
  items: readonly BatchItem[],
  parts: readonly { index: number; method: string; path: string; contentId: string | undefined; changeSetIndex: number | undefined; headers: Readonly<Record<string, string>> }[],
  responses: readonly BatchPartResponse[],
  batchStatus: number,
): BatchResult {
  // One slot per batch item: a request, or a change set's requests (part indexes, in order).
  const slots: { readonly changeSet: boolean; readonly members: number[] }[] = [];
  let next = 0;
  for (const item of items) {
    const size = isChangeSet(item) ? item.changeSet.length : 1;
    slots.push({ changeSet: isChangeSet(item), members: Array.from({ length: size }, (_, i) => next + i) });
    next += size;
  }
  const slotOf = (partIndex: number): number => slots.findIndex((slot) => slot.members.includes(partIndex));
  const byPart = new Map<number, BatchPartResponse>();
  const unattributed: BatchPartResponse[] = [];
  const failedSlots = new Set<number>();
  const orderIsMeaningful = batchStatus === 200 || slots.length === 1;
  let slotPointer = 0;

  // Responses nested in one changesetresponse belong together; a top-level response stands alone.
  const groups: BatchPartResponse[][] = [];
  for (const response of responses) {
    const previous = groups[groups.length - 1];
    const sameChangeSet = response.changeSetOrdinal !== undefined && previous?.[0]?.changeSetOrdinal === response.changeSetOrdinal;
    if (sameChangeSet && previous) previous.push(response);
    else groups.push([response]);
  }

  for (const group of groups) {
    const withoutMatch: BatchPartResponse[] = [];
    let matchedSlot: number | undefined;
    for (const response of group) {
      const matched = response.contentId === undefined ? undefined : parts.find((part) => part.contentId === response.contentId && !byPart.has(part.index));
      if (matched) {
        byPart.set(matched.index, response);
        matchedSlot ??= slotOf(matched.index);
      } else {
        withoutMatch.push(response);
      }
    }
    const slotIndex = matchedSlot ?? (orderIsMeaningful ? slotPointer : undefined);
    const slot = slotIndex === undefined ? undefined : slots[slotIndex];
    if (withoutMatch.length > 0) {
      const free = slot?.members.filter((member) => !byPart.has(member)) ?? [];
      if (slot && !slot.changeSet && free.length === 1 && withoutMatch.length === 1) {
        byPart.set(free[0] as number, withoutMatch[0] as BatchPartResponse); // a single request, in order
      } else if (slot && slot.changeSet && free.length === withoutMatch.length) {
        // change set members answered one by one, in order (ref 5.3)
        withoutMatch.forEach((response, i) => byPart.set(free[i] as number, response));
      } else {
        // A change set answered by fewer responses than members, none naming its request: its failure
        // (the set is atomic, ref 5.2) — or nothing to go by in a failed batch (ref 5.4).
        unattributed.push(...withoutMatch);
        if (slotIndex !== undefined && withoutMatch.some((response) => response.status >= 400)) failedSlots.add(slotIndex);
      }
    }
    if (slotIndex !== undefined) slotPointer = Math.max(slotPointer, slotIndex + 1);
  }

  const errors: DataverseError[] = [];
  const errorFor = (response: BatchPartResponse, part: (typeof parts)[number] | undefined): DataverseError =>
    dataverseErrorFromResponse(
      { status: response.status, bodyText: response.bodyText, header: (name) => response.headers[name.toLowerCase()] },
      {
        request: { method: part?.method ?? 'POST', path: part?.path ?? '$batch' },
        ...(part ? { requestHeaders: part.headers } : {}),
        batchPart: { ...(part ? { index: part.index } : {}), ...(response.contentId ?? part?.contentId ? { contentId: (response.contentId ?? part?.contentId) as string } : {}) },
      },
    );

  for (const [partIndex, response] of byPart) {
    if (response.status >= 400) failedSlots.add(slotOf(partIndex));
  }
  const operations: BatchOperationResult[] = parts.map((part) => {
    const response = byPart.get(part.index);
    const inChangeSet = part.changeSetIndex !== undefined;
    let outcome: BatchOperationResult['outcome'];
    let error: DataverseError | undefined;
    if (!response) outcome = 'no-response';
    else if (response.status >= 400) {
      outcome = 'failed';
      error = errorFor(response, part);
      errors.push(error);
    } else if (inChangeSet && failedSlots.has(slotOf(part.index))) outcome = 'rolled-back';
    else outcome = 'succeeded';
    return {
      index: part.index,
      contentId: part.contentId,
      changeSetIndex: part.changeSetIndex,
      method: part.method,
      path: part.path,
      outcome,
      response,
      error,
      id: response && response.status < 400 ? idFromEntityUrl(response.headers['odata-entityid'] ?? response.headers.location) : undefined,
    };
  });
  for (const response of unattributed) {
    if (response.status >= 400) errors.push(errorFor(response, undefined));
  }
  if (batchStatus !== 200 && errors.length === 0) {
    errors.push(new DataverseRequestError({ status: batchStatus, message: `$batch answered ${batchStatus} without a failing part`, request: { method: 'POST', path: '$batch' } }));
  }
  return {
    status: batchStatus,
    ok: batchStatus === 200 && errors.length === 0 && operations.every((operation) => operation.outcome === 'succeeded'),
    operations,
    errors,
  };
}

