/**
 * How ensure / submit / hydrate answer. Today every action completes synchronously: 200 with the
 * result. The queue issue adds the asynchronous answer here — when the target is unavailable the
 * action is stored and answered `202 Accepted` + `Location: /v1/operations/{id}` + `Retry-After` —
 * by widening `ActionOutcome` and this one function, without touching the routes.
 */
import type { Response } from 'express';

export type ActionOutcome<T> = { kind: 'completed'; result: T };

export function completed<T>(result: T): ActionOutcome<T> {
  return { kind: 'completed', result };
}

export function sendActionOutcome<T>(response: Response, outcome: ActionOutcome<T>): void {
  response.status(200).json(outcome.result);
}
