import { randomUUID } from 'node:crypto';
import { InvalidDataverseInputError } from './DataverseErrors';

/**
 * Writes a `$batch` request body (multipart/mixed, OData 4.0 §11.7; ref 5.1, 5.2):
 *
 * - every line ends with CRLF (LF alone → 400 "Stream was not readable", ref 5.1);
 * - each request is a part `Content-Type: application/http` + `Content-Transfer-Encoding: binary`,
 *   then the request line with the absolute path (`POST /api/data/v9.2/accounts HTTP/1.1`), its
 *   headers, a blank line and the JSON body;
 * - a change set is a part `Content-Type: multipart/mixed; boundary=changeset_<id>` whose members
 *   each carry a `Content-ID` (given, or assigned here so responses can be matched);
 * - a member may address an earlier member of the same change set as `$<Content-ID>` (ref 5.2);
 *   a reference to an undeclared or later Content-ID is refused here rather than by the server;
 * - GET is not allowed inside a change set (ref 5.2); at most 1000 requests (ref 5.1).
 */

export type BatchMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** One request inside a batch, already in wire terms. */
export interface BatchRequestPart {
  readonly method: BatchMethod;
  /** Path relative to the Web API root (`accounts(…)?$select=…`), or `$<Content-ID>` (optionally `$1/…`). */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON text of the body, if any. */
  readonly body?: string;
  readonly contentId?: string;
}

export interface BatchRequestChangeSet {
  readonly changeSet: readonly BatchRequestPart[];
}

export type BatchRequestItem = BatchRequestPart | BatchRequestChangeSet;

/** Where each request ended up: flattened in the order written. */
export interface WrittenBatchPart {
  readonly index: number;
  readonly method: BatchMethod;
  /** The request path as written on the request line. */
  readonly path: string;
  readonly contentId: string | undefined;
  /** Index of the change set among the batch's items, when the request is in one. */
  readonly changeSetIndex: number | undefined;
  readonly headers: Readonly<Record<string, string>>;
}

export interface WrittenBatch {
  /** Value for the batch POST's Content-Type header. */
  readonly contentType: string;
  readonly body: string;
  readonly parts: readonly WrittenBatchPart[];
}

export interface BatchWriterOptions {
  /** Absolute path of the Web API root, with trailing slash, e.g. `/api/data/v9.2/`. */
  readonly webApiPath: string;
  /** Boundary id source (tests pass a fixed one); defaults to random UUIDs. */
  readonly newId?: () => string;
}

export const MAX_BATCH_REQUESTS = 1000;
const CRLF = '\r\n';
const CONTENT_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const REFERENCE = /^\$([A-Za-z0-9_.-]{1,64})(\/[A-Za-z0-9_$/]*)?$/;

function isChangeSet(item: BatchRequestItem): item is BatchRequestChangeSet {
  return (item as BatchRequestChangeSet).changeSet !== undefined;
}

function assertHeaderSafe(text: string, what: string): void {
  if (/[\r\n]/.test(text)) throw new InvalidDataverseInputError(`${what} must not contain a line break`);
}

function assertUrlSafe(url: string): void {
  if (url === '' || /[\s]/.test(url) || url.includes('#')) {
    throw new InvalidDataverseInputError('a batch request URL must be non-empty, without whitespace or #');
  }
}

/** Writes the multipart body; throws InvalidDataverseInputError for a batch the server would refuse. */
export function writeBatchRequest(items: readonly BatchRequestItem[], options: BatchWriterOptions): WrittenBatch {
  const newId = options.newId ?? randomUUID;
  const batchBoundary = `batch_${newId()}`;
  const boundaries = [batchBoundary];
  const requestCount = items.reduce((n, item) => n + (isChangeSet(item) ? item.changeSet.length : 1), 0);
  if (requestCount === 0) throw new InvalidDataverseInputError('a batch needs at least one request');
  if (requestCount > MAX_BATCH_REQUESTS) {
    throw new InvalidDataverseInputError(`a batch holds at most ${MAX_BATCH_REQUESTS} requests; got ${requestCount}`);
  }

  const usedContentIds = new Set<string>();
  for (const item of items) {
    for (const part of isChangeSet(item) ? item.changeSet : [item]) {
      if (part.contentId === undefined) continue;
      if (!CONTENT_ID.test(part.contentId)) throw new InvalidDataverseInputError(`Content-ID ${JSON.stringify(part.contentId)} must match ${CONTENT_ID.source}`);
      if (usedContentIds.has(part.contentId)) throw new InvalidDataverseInputError(`Content-ID ${part.contentId} is used twice in one batch`);
      usedContentIds.add(part.contentId);
    }
  }
  let nextAutoId = 1;
  const autoContentId = (): string => {
    while (usedContentIds.has(String(nextAutoId))) nextAutoId += 1;
    const id = String(nextAutoId);
    usedContentIds.add(id);
    return id;
  };

  const parts: WrittenBatchPart[] = [];
  const chunks: string[] = [];
  const writeRequest = (part: BatchRequestPart, contentId: string | undefined, changeSetIndex: number | undefined, declared: Set<string> | undefined): string => {
    assertUrlSafe(part.url);
    const reference = REFERENCE.exec(part.url);
    let path: string;
    if (part.url.startsWith('$')) {
      if (!reference || !declared) throw new InvalidDataverseInputError(`${part.url}: a $<Content-ID> reference is only valid inside a change set`);
      if (!declared.has(reference[1] as string)) {
        throw new InvalidDataverseInputError(`Content-ID reference ${part.url} does not name an earlier request of the same change set`);
      }
      path = part.url;
    } else {
      if (part.url.startsWith('/') || /^[a-z]+:/i.test(part.url)) throw new InvalidDataverseInputError('batch request URLs are relative to the Web API root');
      path = `${options.webApiPath}${part.url}`;
    }
    const headers: Record<string, string> = { ...(part.headers ?? {}) };
    if (part.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['Content-Type'] = 'application/json; type=entry';
    }
    const lines = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
    if (contentId !== undefined) lines.push(`Content-ID: ${contentId}`);
    lines.push('', `${part.method} ${path} HTTP/1.1`);
    for (const [name, value] of Object.entries(headers)) {
      assertHeaderSafe(name, 'a header name');
      assertHeaderSafe(value, `header ${name}`);
      lines.push(`${name}: ${value}`);
    }
    lines.push('', part.body ?? '');
    parts.push({ index: parts.length, method: part.method, path, contentId, changeSetIndex, headers });
    return lines.join(CRLF);
  };

  items.forEach((item, itemIndex) => {
    if (!isChangeSet(item)) {
      chunks.push(`--${batchBoundary}${CRLF}${writeRequest(item, item.contentId, undefined, undefined)}${CRLF}`);
      return;
    }
    if (item.changeSet.length === 0) throw new InvalidDataverseInputError(`change set ${itemIndex} is empty`);
    const changeSetBoundary = `changeset_${newId()}`;
    boundaries.push(changeSetBoundary);
    const declared = new Set<string>();
    let changeSet = `--${batchBoundary}${CRLF}Content-Type: multipart/mixed; boundary=${changeSetBoundary}${CRLF}${CRLF}`;
    for (const part of item.changeSet) {
      if (part.method === 'GET') throw new InvalidDataverseInputError('GET is not allowed inside a change set');
      const contentId = part.contentId ?? autoContentId();
      changeSet += `--${changeSetBoundary}${CRLF}${writeRequest(part, contentId, itemIndex, declared)}${CRLF}`;
      declared.add(contentId);
    }
    changeSet += `--${changeSetBoundary}--${CRLF}`;
    chunks.push(changeSet);
  });
  chunks.push(`--${batchBoundary}--${CRLF}`);
  const body = chunks.join('');
  const bodies = items.flatMap((item) => (isChangeSet(item) ? item.changeSet : [item]).map((part) => part.body ?? ''));
  if (boundaries.some((boundary) => bodies.some((text) => text.includes(boundary)))) {
    throw new InvalidDataverseInputError('a request body contains a multipart boundary of its batch');
  }
  return { contentType: `multipart/mixed; boundary=${batchBoundary}`, body, parts };
}
