/**
 * Executes a `$batch` (ref 5.1–5.4): parts in order; each change set in one unit of work, so it is
 * applied entirely or not at all; `$n` Content-ID references within a change set; and either stop at
 * the first failure (answering that failure's status with just that response) or, with
 * `Prefer: odata.continue-on-error`, run everything and answer 200 with every response.
 */
import { DataverseErrors } from '../errors/DataverseErrorFactory';
import { parseResourcePath, stripToResourcePath } from '../odata/ResourcePath';
import {
  errorResponse,
  executeOperation,
  executeWriteOperation,
  isRead,
  type DispatchServices,
} from '../handlers/WebApiDispatcher';
import { preferences, type WebApiRequest, type WebApiResponse } from '../handlers/WebApiMessage';
import { readBatch, type BatchItem, type BatchRequestPart } from './MultipartBatchReader';
import { writeBatchResponse, type BatchResponseItem } from './BatchResponseWriter';

/** ref 5.1. */
export const MAX_BATCH_OPERATIONS = 1000;

export interface BatchServices extends DispatchServices {
  /** Counts each operation inside the batch, for /_admin/stats. */
  onOperation?: (method: string) => void;
}

export async function executeBatch(request: WebApiRequest, services: BatchServices): Promise<WebApiResponse> {
  if (request.method !== 'POST') throw DataverseErrors.methodNotAllowed(request.method, request.path);
  const items = readBatch(request.headers['content-type'], request.body ?? '');
  const operationCount = items.reduce((n, item) => n + (item.kind === 'changeset' ? item.requests.length : 1), 0);
  if (operationCount > MAX_BATCH_OPERATIONS) throw DataverseErrors.batchTooLarge(operationCount);
  validateChangeSets(items);
  const continueOnError = preferences(request.headers).has('odata.continue-on-error');

  const results: BatchResponseItem[] = [];
  for (const item of items) {
    let failure: BatchResponseItem | undefined;
    if (item.kind === 'request') {
      services.onOperation?.(item.method);
      const { response } = await executeOperation(toRequest(item, request, item.url), services);
      results.push({ kind: 'response', response, contentId: item.contentId });
      if (response.status >= 400) failure = results[results.length - 1];
    } else {
      for (const part of item.requests) services.onOperation?.(part.method);
      const outcome = await executeChangeSet(item.requests, request, services);
      results.push(outcome);
      if (outcome.kind === 'response') failure = outcome;
    }
    if (failure && !continueOnError) {
      // ref 5.4: processing stops; the batch answers the failure's status with just that response.
      const failed = failure as Extract<BatchResponseItem, { kind: 'response' }>;
      const written = writeBatchResponse([failed]);
      return { status: failed.response.status, headers: { 'Content-Type': written.contentType }, body: written.body };
    }
  }
  const written = writeBatchResponse(results);
  const headers: Record<string, string> = { 'Content-Type': written.contentType };
  if (continueOnError) headers['Preference-Applied'] = 'odata.continue-on-error';
  return { status: 200, headers, body: written.body };
}

class ChangeSetFailure extends Error {
  constructor(readonly response: WebApiResponse, readonly contentId: string | undefined) {
    super('change set failed');
  }
}

/** All parts in one unit of work; the first failure rolls the whole change set back (ref 5.2). */
async function executeChangeSet(parts: BatchRequestPart[], batch: WebApiRequest, services: BatchServices): Promise<BatchResponseItem> {
  const entityUrls = new Map<string, string>();
  const resolveContentId = (reference: string): string => {
    const url = entityUrls.get(reference.slice(1));
    if (url === undefined) throw DataverseErrors.contentIdNotFound(reference);
    return url;
  };
  try {
    const responses = await services.store.write((tx) => {
      entityUrls.clear(); // the store may run the unit again (when a write it read from was not kept)
      return parts.map((part) => {
        try {
          const url = part.url.startsWith('$') ? resolveUrlReference(part.url, resolveContentId) : part.url;
          const request = toRequest(part, batch, url);
          const path = parseResourcePath(request.path, services.store.schema);
          const result = executeWriteOperation(request, path, { schema: services.store.schema, tx, resolveContentId });
          if (part.contentId !== undefined && result.entityUrl) entityUrls.set(part.contentId, result.entityUrl);
          return { response: result.response, contentId: part.contentId };
        } catch (error) {
          throw new ChangeSetFailure(errorResponse(error, services), part.contentId);
        }
      });
    });
    return { kind: 'changeset', responses };
  } catch (error) {
    if (error instanceof ChangeSetFailure) return { kind: 'response', response: error.response, contentId: error.contentId };
    return { kind: 'response', response: errorResponse(error, services) };
  }
}

/** `$1`, `$1/lastname` → the entity URL created by Content-ID 1, plus the rest. */
function resolveUrlReference(url: string, resolve: (reference: string) => string): string {
  const match = /^(\$[^/?]+)(.*)$/.exec(url)!;
  return resolve(match[1]!) + match[2]!;
}

function validateChangeSets(items: BatchItem[]): void {
  for (const item of items) {
    if (item.kind !== 'changeset') continue;
    for (const part of item.requests) {
      if (isRead({ method: part.method } as WebApiRequest)) throw DataverseErrors.getInChangeSet();
    }
  }
}

function toRequest(part: BatchRequestPart, batch: WebApiRequest, url: string): WebApiRequest {
  const path = stripToResourcePath(url);
  const question = path.indexOf('?');
  const headers: Record<string, string | undefined> = { ...part.headers };
  return {
    method: part.method,
    path: question < 0 ? path : path.slice(0, question),
    query: new URLSearchParams(question < 0 ? '' : path.slice(question + 1)),
    headers,
    body: part.body,
    baseUrl: batch.baseUrl,
    callerId: batch.callerId,
  };
}

