/**
 * What the queue stores of an action request, and the two keys derived from it: the **lane** (the
 * record it writes, so operations on one record run in arrival order) and the **idempotency key** (so
 * the same request twice is one operation with one answer).
 */
import { createHash } from 'node:crypto';
import type { EnsureInput, HydrateInput, RecordKeyInput, SubmitInput } from '../core/EnsureService';

export type ActionName = 'ensure' | 'submit' | 'hydrate';

export interface ActionInputs {
  ensure: EnsureInput;
  submit: SubmitInput;
  hydrate: HydrateInput;
}

/** One action call as stored in `dve.operation.request`: enough to run it again later, anywhere. */
export interface StoredRequest<A extends ActionName = ActionName> {
  action: A;
  instance: string;
  input: ActionInputs[A];
  /** `ec_origin` of stubs it creates (flow run or API key name). */
  origin: string;
  /** The GUID a created record gets (submit without key), the same on every attempt. */
  newRecordId: string;
}

/** `Idempotency-Key` values we accept: printable ASCII, as the IETF draft and Stripe use them. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** JSON with object keys sorted at every level: equal inputs give equal text whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
    return sorted;
  }
  return value;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The hash that tells "the same request" from "another request under the same Idempotency-Key". */
export function requestHash(action: ActionName, instance: string, input: unknown): string {
  return sha256(canonicalJson({ action, instance, input }));
}

function keyText(key: RecordKeyInput): string {
  // GUIDs are case-insensitive in Dataverse: {accountid: "ABC…"} and {accountid: "abc…"} are one record.
  const normalised = Object.fromEntries(Object.entries(key).map(([column, value]) => [column, typeof value === 'string' && GUID.test(value) ? value.toLowerCase() : value]));
  return canonicalJson(normalised);
}

/**
 * The ordering lane: instance + table + record key for actions that name their record (ensure,
 * hydrate, submit with `key`); a submit that creates a new record has a lane of its own.
 */
export function laneOf(request: StoredRequest, operationId: string): string {
  const input = request.input as { table: string; key?: RecordKeyInput };
  if (input.key === undefined) return `op:${operationId}`;
  return `${request.instance}:${input.table.toLowerCase()}:${keyText(input.key)}`;
}

/**
 * The idempotency key of a request, always scoped to the API key that sent it (an operation belongs to
 * its key: another key's identical request is another operation). With an `Idempotency-Key` header:
 * that value, the instance and the action. Without: derived from the request itself (instance, action,
 * table, record key, payload) and the Power Automate run that sent it, so a platform retry of one
 * action is one write while two runs creating identical records stay two.
 */
export function idempotencyKey(options: { header?: string; apiKeyName?: string; runId?: string; requestHash: string; action: ActionName; instance: string }): string {
  if (options.header !== undefined) return `h:${sha256(canonicalJson([options.apiKeyName ?? '', options.instance, options.action, options.header]))}`;
  // Without a key name (the queue used without HTTP) the key is what it was before keys were part of it.
  const parts = options.apiKeyName === undefined ? [options.requestHash, options.runId ?? ''] : [options.requestHash, options.runId ?? '', options.apiKeyName];
  return `d:${sha256(canonicalJson(parts))}`;
}

export function isDerivedKey(key: string): boolean {
  return key.startsWith('d:');
}
