/**
 * How ensure / submit / hydrate are run and answered. The routes validate, then hand the call to an
 * `ActionRunner`: the durable queue in production (`OperationQueue.accept`), or the service directly
 * (tests of the HTTP layer, a service started without a queue). Answers:
 * - final: the action's status and body (200 with the result, or the error) — with `X-Operation-Id`
 *   when the queue recorded it, and `Idempotent-Replayed: true` when it is the stored answer of an
 *   earlier identical request — a replayed result also says so in its body (`"replayed": true`, absent
 *   otherwise), so a flow can tell "written now" from "written by an earlier try" without headers;
 *   error bodies keep their one `{ error }` shape (the header still marks them);
 * - accepted: `202 Accepted` + absolute `Location: …/v1/operations/{id}` + `Retry-After`, the
 *   asynchronous pattern Power Automate and Logic Apps follow by themselves (`"replayed": true` in
 *   the body too when it acknowledges an earlier identical request).
 */
import type { Request, Response } from 'express';
import type { EnsureActions } from '../../core/EnsureService';
import { runAction } from '../../queue/ActionExecutor';
import type { ActionAnswer, ActionCall } from '../../queue/OperationQueue';
import { IDEMPOTENCY_KEY_PATTERN, type ActionName } from '../../queue/OperationRequest';
import { ApiErrors } from '../../core/ApiErrors';
import { locationBaseUrl } from '../locationBase';
import { callContext, locals, workflowRunId } from '../requestContext';

export interface ActionRunner {
  run<A extends ActionName>(call: ActionCall<A>): Promise<ActionAnswer>;
  /** Absolute base URL for `Location` headers (`PUBLIC_URL`); else see locationBase.ts (never a foreign Host). */
  readonly publicUrl?: string;
}

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const OPERATION_ID_HEADER = 'X-Operation-Id';

/** Runs actions straight through the service: no queue, so no 202 and no idempotency records. */
export function directRunner(service: EnsureActions): ActionRunner {
  return {
    async run(call) {
      const body = await runAction(service, call, { origin: call.origin, ...(call.requestId ? { requestId: call.requestId } : {}) });
      return { kind: 'final', operationId: '', status: 200, body, replayed: false };
    },
  };
}

/** `Prefer: respond-async` (RFC 7240), among other preferences. */
export function prefersRespondAsync(request: Request): boolean {
  const prefer = request.get('Prefer');
  if (!prefer) return false;
  return prefer.split(',').some((preference) => preference.split(';')[0]!.trim().toLowerCase() === 'respond-async');
}

/** The call as the queue needs it: who sent it, from which flow run, with which idempotency key. */
export function actionCall<A extends ActionName>(request: Request, response: Response, action: A, instance: string, input: ActionCall<A>['input']): ActionCall<A> {
  const key = request.get(IDEMPOTENCY_KEY_HEADER);
  if (key !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw ApiErrors.invalidRequest('headers.idempotency-key', 'must be 1–255 printable ASCII characters without spaces (a GUID or the flow run id works well).');
  }
  const context = callContext(request, response);
  const { apiKeyName } = locals(response);
  const runId = workflowRunId(request);
  return {
    action,
    instance,
    input,
    origin: context.origin,
    ...(context.requestId ? { requestId: context.requestId } : {}),
    ...(apiKeyName ? { apiKeyName } : {}),
    ...(runId ? { runId } : {}),
    ...(key !== undefined ? { idempotencyKey: key } : {}),
    respondAsync: prefersRespondAsync(request),
  };
}

export function operationUrl(request: Request, publicUrl: string | undefined, operationId: string): string {
  return `${locationBaseUrl(request, publicUrl)}/v1/operations/${operationId}`;
}

export function sendActionAnswer(request: Request, response: Response, answer: ActionAnswer, publicUrl: string | undefined): void {
  if (answer.operationId) response.setHeader(OPERATION_ID_HEADER, answer.operationId);
  if (answer.replayed) response.setHeader('Idempotent-Replayed', 'true');
  if (answer.kind === 'accepted') {
    if (prefersRespondAsync(request)) response.setHeader('Preference-Applied', 'respond-async');
    const location = operationUrl(request, publicUrl, answer.operationId);
    response.setHeader('Location', location);
    response.setHeader('Retry-After', String(answer.retryAfterSeconds));
    response.status(202).json({ id: answer.operationId, status: 'accepted', location, ...(answer.replayed ? { replayed: true } : {}) });
    return;
  }
  response.status(answer.status).json(answer.replayed && answer.status < 300 ? markedReplayed(answer.body) : answer.body);
}

/** The stored result with `replayed: true` appended (its own keys first, in their stored order). */
function markedReplayed(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  return { ...(body as Record<string, unknown>), replayed: true };
}
