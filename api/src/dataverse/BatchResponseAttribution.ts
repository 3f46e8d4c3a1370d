/**
 * Which `$batch` request each embedded response answers (ref 5.3, 5.4), and the result the port gives:
 * per request `succeeded`, `failed` (typed error), `rolled-back` or `no-response`.
 */
import type { BatchPartResponse } from './BatchResponseReader';
import type { BatchItem, BatchOperationResult, BatchResult } from './DataverseClient';
import { type DataverseError, dataverseErrorFromResponse, DataverseRequestError } from './DataverseErrors';
import { idFromEntityUrl } from './WebApiAnswers';
import { isChangeSet } from './WebApiRequests';

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

