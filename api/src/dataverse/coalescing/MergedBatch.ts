/**
 * Several members in one `$batch` and the answer split back: each member's items in arrival order,
 * member after member; every request gets a Content-ID unique across the batch (`m<member>_<n>`), and
 * `$<id>` references (targets and `@odata.bind` values) are rewritten to match. Each member then gets
 * the `BatchResult` it would have got alone: its own operations re-indexed with their original
 * Content-IDs, its own errors, its own status (ref 5.4).
 */
import type { BatchItem, BatchOperation, BatchOperationResult, BatchResult, DataverseRecordInput } from '../DataverseClient';
import { type DataverseError, dataverseErrorFromResponse, DataverseRequestError } from '../DataverseErrors';
import type { BatchPartResponse } from '../BatchResponseReader';
import { batchRequestPart, isChangeSet } from '../WebApiRequests';
import type { WriteMember } from './WriteMember';

/** Where one request of a member sits, and what it was called alone. */
interface PlacedPart {
  readonly operation: BatchOperation;
  /** Its Content-ID had the member been sent alone (given, or the one the writer assigns). */
  readonly contentId: string | undefined;
}

interface PlacedMember {
  readonly member: WriteMember;
  readonly firstItem: number;
  readonly firstPart: number;
  readonly parts: readonly PlacedPart[];
}

export interface MergedBatch {
  readonly items: readonly BatchItem[];
  readonly members: readonly PlacedMember[];
}

export function mergeMembers(members: readonly WriteMember[]): MergedBatch {
  const items: BatchItem[] = [];
  const placed: PlacedMember[] = [];
  let partCount = 0;
  members.forEach((member, m) => {
    const aloneIds = aloneContentIds(member.items);
    const parts: PlacedPart[] = [];
    const firstItem = items.length;
    const firstPart = partCount;
    const nextId = () => `m${m}_${parts.length}`;
    for (const item of member.items) {
      if (!isChangeSet(item)) {
        items.push({ ...item, contentId: nextId() });
        parts.push({ operation: item, contentId: aloneIds[parts.length] });
        continue;
      }
      const renamed = new Map<string, string>(); // declared so far in this change set (ref 5.2)
      const changeSet = item.changeSet.map((operation) => {
        const merged = nextId();
        const rewritten: BatchOperation = { ...rewriteReferences(operation, renamed), contentId: merged };
        const alone = aloneIds[parts.length];
        if (alone !== undefined) renamed.set(alone, merged);
        parts.push({ operation, contentId: alone });
        return rewritten;
      });
      items.push({ changeSet });
    }
    partCount += parts.length;
    placed.push({ member, firstItem, firstPart, parts });
  });
  return { items, members: placed };
}

/** The Content-IDs the batch writer gives a member's requests when it is sent alone (BatchRequestWriter). */
function aloneContentIds(items: readonly BatchItem[]): (string | undefined)[] {
  const used = new Set<string>();
  for (const item of items) for (const operation of isChangeSet(item) ? item.changeSet : [item]) if (operation.contentId !== undefined) used.add(operation.contentId);
  let next = 1;
  const ids: (string | undefined)[] = [];
  for (const item of items) {
    if (!isChangeSet(item)) {
      ids.push(item.contentId);
      continue;
    }
    for (const operation of item.changeSet) {
      if (operation.contentId !== undefined) {
        ids.push(operation.contentId);
        continue;
      }
      while (used.has(String(next))) next += 1;
      used.add(String(next));
      ids.push(String(next));
    }
  }
  return ids;
}

/** `$<id>` and `$<id>/…` of a request declared earlier in the change set, renamed; anything else left for the writer to judge. */
function rewriteReferences(operation: BatchOperation, renamed: ReadonlyMap<string, string>): BatchOperation {
  const rename = (reference: string): string => {
    const slash = reference.indexOf('/');
    const id = slash < 0 ? reference : reference.slice(0, slash);
    const to = renamed.get(id);
    return to === undefined ? reference : `${to}${slash < 0 ? '' : reference.slice(slash)}`;
  };
  let result = operation;
  if ('reference' in operation.target) result = { ...result, target: { reference: rename(operation.target.reference) } };
  const body = operation.body;
  if (body !== undefined && body !== null && typeof body === 'object' && !Array.isArray(body)) {
    let rewrittenBody: Record<string, unknown> | undefined;
    for (const [column, value] of Object.entries(body)) {
      if (!column.endsWith('@odata.bind') || typeof value !== 'string' || !value.startsWith('$')) continue;
      const to = `$${rename(value.slice(1))}`;
      if (to !== value) (rewrittenBody ??= { ...body })[column] = to;
    }
    if (rewrittenBody) result = { ...result, body: rewrittenBody as DataverseRecordInput };
  }
  return result;
}

/** The merged answer's errors that no request of it carries (given to members whose parts got no answer). */
export function unattributedErrors(merged: BatchResult): DataverseError[] {
  const attributed = new Set(merged.operations.flatMap((operation) => (operation.error ? [operation.error] : [])));
  return merged.errors.filter((error) => !attributed.has(error));
}

/** One member's share of the merged answer: the `BatchResult` it would have got alone (`unattributed`: `unattributedErrors(merged)`, read once per batch). */
export function memberResult(placed: PlacedMember, merged: BatchResult, unattributed: readonly DataverseError[]): BatchResult {
  const { member, firstItem, firstPart, parts } = placed;
  const operations: BatchOperationResult[] = parts.map((part, i) => {
    const operation = merged.operations[firstPart + i];
    if (operation === undefined) {
      return { index: i, contentId: part.contentId, changeSetIndex: undefined, method: part.operation.method, path: '', outcome: 'no-response', response: undefined, error: undefined, id: undefined };
    }
    const path = 'reference' in part.operation.target ? `$${part.operation.target.reference}` : operation.path;
    const response: BatchPartResponse | undefined = operation.response && { ...operation.response, contentId: operation.response.contentId === undefined ? undefined : part.contentId };
    return {
      index: i,
      contentId: part.contentId,
      changeSetIndex: operation.changeSetIndex === undefined ? undefined : operation.changeSetIndex - firstItem,
      method: operation.method,
      path,
      outcome: operation.outcome,
      response,
      error: response && response.status >= 400 ? partError(response, part.operation, { method: operation.method, path }, member.call.kind === 'batch' ? { index: i, contentId: part.contentId } : undefined) : undefined,
      id: operation.id,
    };
  });
  const errors: DataverseError[] = operations.flatMap((operation) => (operation.error ? [operation.error] : []));
  if (errors.length === 0 && operations.some((operation) => operation.outcome === 'no-response' || operation.outcome === 'rolled-back')) {
    errors.push(...(unattributed.length > 0 ? unattributed : [noAnswer(merged.status)]));
  }
  const stopsAtFailure = member.call.kind === 'batch' && member.call.options.continueOnError !== true;
  // ref 5.4: without continue-on-error a failed batch answers with the failure's status.
  const status = stopsAtFailure && errors.length > 0 ? (errors[0]!.status ?? merged.status) : 200;
  return { status, ok: status === 200 && errors.length === 0 && operations.every((operation) => operation.outcome === 'succeeded'), operations, errors };
}

/** The error of a failed part, as the member alone would have got it (its own position and Content-ID). */
function partError(response: BatchPartResponse, operation: BatchOperation, request: { method: string; path: string }, batchPart: { index: number; contentId: string | undefined } | undefined): DataverseError {
  let requestHeaders: Readonly<Record<string, string>> | undefined;
  try {
    requestHeaders = batchRequestPart(operation).headers;
  } catch {
    requestHeaders = undefined; // it was sent, so it was valid; nothing to add
  }
  return dataverseErrorFromResponse(
    { status: response.status, header: (name) => response.headers[name.toLowerCase()], bodyText: response.bodyText },
    {
      request: batchPart ? request : { method: request.method, path: request.path.split('?')[0]! },
      ...(requestHeaders ? { requestHeaders } : {}),
      ...(batchPart ? { batchPart: { index: batchPart.index, ...(batchPart.contentId === undefined ? {} : { contentId: batchPart.contentId }) } } : {}),
    },
  );
}

function noAnswer(status: number): DataverseError {
  return new DataverseRequestError({ status, message: '$batch sent no answer for this request', request: { method: 'POST', path: '$batch' } });
}
