/**
 * Per-request identity: the request id (an `X-Request-Id` the caller sent when it is well formed,
 * else a new UUID, echoed on the response), the API key's name and role (set by the key check), and
 * the origin recorded as `ec_origin` on stubs (the key's name, with the flow's headers as context).
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { ApiKeyRole } from '../config/ConfigSchema';
import type { CallContext } from '../core/EnsureService';

export const REQUEST_ID_HEADER = 'X-Request-Id';
/** Power Automate / Logic Apps send these on every action call. */
export const WORKFLOW_NAME_HEADER = 'x-ms-workflow-name';
export const WORKFLOW_RUN_ID_HEADER = 'x-ms-workflow-run-id';

const WELL_FORMED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const ORIGIN_PART = /[^\x21-\x7e]/g;
/** `ec_origin` is text 400. */
const ORIGIN_MAX = 400;

export interface RequestLocals {
  requestId: string;
  /** The matching key's name, set by the API key check. */
  apiKeyName?: string;
  /** The matching key's role (`caller` when the entry names none), set by the API key check. */
  apiKeyRole?: ApiKeyRole;
}

export function locals(response: Response): RequestLocals {
  return response.locals as RequestLocals;
}

export function requestIdMiddleware(request: Request, response: Response, next: NextFunction): void {
  const given = request.get(REQUEST_ID_HEADER);
  const requestId = given !== undefined && WELL_FORMED_REQUEST_ID.test(given) ? given : randomUUID();
  locals(response).requestId = requestId;
  (request as Request & { id?: string }).id = requestId;
  response.setHeader(REQUEST_ID_HEADER, requestId);
  next();
}

/** A header value as printable ASCII without spaces, cut to `max` characters (undefined when empty). */
function headerPart(request: Request, name: string, max: number): string | undefined {
  const value = request.get(name)?.replace(ORIGIN_PART, '').slice(0, max);
  return value ? value : undefined;
}

export function workflowRunId(request: Request): string | undefined {
  return headerPart(request, WORKFLOW_RUN_ID_HEADER, 190);
}

/**
 * `apikey:<key name>` always — the only part the service vouches for — followed, when Power Automate's
 * headers are present, by ` flow:<x-ms-workflow-name>/<x-ms-workflow-run-id>` as context the caller
 * sent (any key holder can send those headers, so they never replace the key's name). Sanitised to
 * printable ASCII without spaces and cut to the 400 characters of `ec_origin`.
 */
export function callContext(request: Request, response: Response): CallContext {
  const { requestId, apiKeyName } = locals(response);
  return { origin: stubOrigin(apiKeyName, headerPart(request, WORKFLOW_NAME_HEADER, 190), workflowRunId(request)), requestId };
}

/** `ec_origin`: the key's name first, the flow's names (when both are given) as context after it. */
export function stubOrigin(apiKeyName: string | undefined, workflowName: string | undefined, runId: string | undefined): string {
  const key = `apikey:${apiKeyName?.replace(ORIGIN_PART, '') || 'unknown'}`;
  const origin = workflowName !== undefined && runId !== undefined ? `${key} flow:${workflowName}/${runId}` : key;
  return origin.slice(0, ORIGIN_MAX);
}
