/**
 * An operation as the queue sees it, and its row in `dve.operation`: the states, whose operations a
 * caller sees (`OperationScope`), the columns every query selects and how a row becomes a record.
 */
import type { StoredRequest } from './OperationRequest';

/**
 * `queued` (waiting: accepted with 202, or behind an earlier operation on the same record);
 * `running` (claimed by one process until its lease ends); `succeeded`; `rejected` (a permanent error
 * the caller was told at once); `failed` (a dead letter: accepted, then failed permanently, ran out of
 * attempts or expired); `cancelled` (taken out of the queue before it ran; never runs).
 */
export type OperationState = 'queued' | 'running' | 'succeeded' | 'rejected' | 'failed' | 'cancelled';
export const OPERATION_STATES: readonly OperationState[] = ['queued', 'running', 'succeeded', 'rejected', 'failed', 'cancelled'];

/**
 * Whose operations a caller sees and acts on: those its API key created, or (`admin`) every one,
 * including those recorded before operations had an owner (`apiKeyName` null).
 */
export type OperationScope = { admin: true } | { admin?: false; apiKeyName: string };
export const EVERY_OPERATION: OperationScope = { admin: true };

/** The owner a statement filters on: null for an admin (no filter). */
export function ownerFilter(scope: OperationScope): string | null {
  return scope.admin ? null : scope.apiKeyName;
}

/** The answer a cancelled operation gives its poller (`GET /v1/operations/{id}`). */
export const CANCELLED_STATUS = 409;

export interface OperationRecord {
  id: string;
  instance: string;
  action: StoredRequest['action'];
  lane: string;
  request: StoredRequest;
  requestHash: string;
  state: OperationState;
  /** The HTTP status of the final answer (200, or the error's). */
  status: number | null;
  /** The final answer's body: the action's result or `{ error }`. */
  response: unknown;
  attempts: number;
  lastError: string | null;
  /** Set when the first answer was 202: the caller polls, and a permanent failure is a dead letter. */
  accepted: boolean;
  /** The name of the API key that created it; null for operations recorded before owners were. */
  apiKeyName: string | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
  notBefore: Date | null;
}

/** The columns `toRecord` reads, of the table or of `alias`. */
export function columns(alias = ''): string {
  const a = alias ? `${alias}.` : '';
  return `${a}id::text AS id, ${a}instance AS instance, ${a}action AS action, ${a}lane AS lane, ${a}request AS request, ${a}request_hash AS request_hash,
  ${a}state AS state, ${a}status AS status, ${a}response AS response, ${a}attempts AS attempts, ${a}last_error AS last_error, ${a}accepted AS accepted,
  extract(epoch from ${a}created_at) * 1000 AS created_ms, extract(epoch from ${a}updated_at) * 1000 AS updated_ms,
  extract(epoch from ${a}finished_at) * 1000 AS finished_ms, extract(epoch from ${a}not_before) * 1000 AS not_before_ms, ${a}api_key_name AS api_key_name`;
}
/** Every column of a record, as `toRecord` reads them. */
export const COLUMNS = columns();

/** The pending states, for `state IN …`. */
export const PENDING = `('queued', 'running')`;

export function toDate(ms: unknown): Date | null {
  return ms === null || ms === undefined ? null : new Date(Number(ms));
}

export function toRecord(row: Record<string, unknown>): OperationRecord {
  return {
    id: row.id as string,
    instance: row.instance as string,
    action: row.action as StoredRequest['action'],
    lane: row.lane as string,
    request: row.request as StoredRequest,
    requestHash: row.request_hash as string,
    state: row.state as OperationState,
    status: row.status === null ? null : Number(row.status),
    response: row.response,
    attempts: Number(row.attempts),
    lastError: (row.last_error as string | null) ?? null,
    accepted: Boolean(row.accepted),
    apiKeyName: (row.api_key_name as string | null) ?? null,
    createdAt: toDate(row.created_ms)!,
    updatedAt: toDate(row.updated_ms)!,
    finishedAt: toDate(row.finished_ms),
    notBefore: toDate(row.not_before_ms),
  };
}
