/**
 * What the operations routes (`routes/operations.ts`) show of an operation, and how `GET /v1/operations`
 * reads its filters and pages: a page asks the queue for one row more than it shows, and the last row
 * shown becomes the `nextSkipToken` (its creation time and id: stable while rows come and go).
 */
import { z } from 'zod';
import { OPERATION_STATES, type OperationRecord } from '../queue/OperationRecord';
import type { ListQuery } from '../queue/OperationStore';
import { ApiErrors } from '../core/ApiErrors';
import { parseRequestPart } from './requestValidation';

const ListQuerySchema = z.strictObject({
  state: z.enum(OPERATION_STATES as [string, ...string[]], { message: `must be one of ${OPERATION_STATES.join(', ')}` }).optional(),
  instance: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, { message: 'must be an instance name' }).optional(),
  top: z.coerce.number({ message: 'must be a whole number from 1 to 500' }).int({ message: 'must be a whole number from 1 to 500' }).min(1, { message: 'must be a whole number from 1 to 500' }).max(500, { message: 'must be a whole number from 1 to 500' }).optional(),
  skipToken: z.string().max(200).optional(),
});

/** What `GET /v1/operations` shows of an operation: everything but the answer body of a success. */
export function operationSummary(operation: OperationRecord) {
  return {
    id: operation.id,
    instance: operation.instance,
    action: operation.action,
    state: operation.state,
    ...(operation.apiKeyName !== null ? { apiKey: operation.apiKeyName } : {}),
    ...(operation.status !== null ? { status: operation.status } : {}),
    attempts: operation.attempts,
    ...(operation.lastError !== null ? { lastError: operation.lastError } : {}),
    createdOn: operation.createdAt.toISOString(),
    modifiedOn: operation.updatedAt.toISOString(),
    ...(operation.finishedAt ? { finishedOn: operation.finishedAt.toISOString() } : {}),
    ...(operation.notBefore && operation.state === 'queued' ? { notBefore: operation.notBefore.toISOString() } : {}),
    request: operation.request.input,
    ...(operation.state === 'failed' || operation.state === 'rejected' || operation.state === 'cancelled' ? { response: operation.response } : {}),
  };
}

function encodeSkipToken(operation: OperationRecord): string {
  return Buffer.from(`${operation.createdAt.getTime()}|${operation.id}`).toString('base64url');
}

function decodeSkipToken(token: string): { createdAtMs: number; id: string } {
  const [ms, id] = Buffer.from(token, 'base64url').toString('utf8').split('|');
  if (!ms || !/^\d+$/.test(ms) || !id || !z.uuid().safeParse(id).success) throw ApiErrors.invalidRequest('query.skipToken', 'is not a token from a previous page (use nextSkipToken as given).');
  return { createdAtMs: Number(ms), id };
}

/**
 * The filters and page of `GET /v1/operations` (400 naming the parameter), as the queue's query, and
 * as validated values for the page's `nextLink`.
 */
export function parseListQuery(requestQuery: unknown): { top: number; query: ListQuery; filters: { state?: string; instance?: string; top?: number } } {
  const query = parseRequestPart(ListQuerySchema, requestQuery, 'query');
  const top = query.top ?? 50;
  return {
    top,
    filters: { state: query.state, instance: query.instance, top: query.top },
    query: {
      top: top + 1,
      ...(query.state ? { state: query.state as OperationRecord['state'] } : {}),
      ...(query.instance ? { instance: query.instance } : {}),
      ...(query.skipToken ? { after: decodeSkipToken(query.skipToken) } : {}),
    },
  };
}

/** A page of at most `top` operations from the `top + 1` rows asked for: more rows mean a next page. */
export function operationPage(rows: OperationRecord[], top: number) {
  const page = rows.slice(0, top);
  return { value: page.map(operationSummary), ...(rows.length > top ? { nextSkipToken: encodeSkipToken(page[page.length - 1]!) } : {}) };
}
