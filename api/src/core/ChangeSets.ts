/**
 * Writing through `$batch` change sets and reading their answers: which part failed
 * (`ChangeSetFailure`: a stub, its ec_stub row, or the record), and what the record's part says.
 */
import type { BatchOperation, BatchOperationResult, BatchResult, DataverseClient, DataverseError, EntityMetadata } from '../dataverse';
import { toEntityKey, type ResolvedKey } from './RecordKeys';

/** A change set that Dataverse rolled back, with the part that failed (content ids `stub<i>`, `row<i>`, `record`). */
export class ChangeSetFailure extends Error {
  constructor(
    readonly part: 'stub' | 'row' | 'record',
    readonly index: number,
    readonly error: DataverseError,
  ) {
    super(`change set failed at ${part} ${index}: ${error.message}`);
  }
}

/** The client's error behind a change set failure (what callers are answered about). */
export function unwrapChangeSetFailure(error: unknown): unknown {
  return error instanceof ChangeSetFailure ? error.error : error;
}

export function throwIfFailed(result: BatchResult): void {
  if (result.ok) return;
  const failed = result.operations.find((o) => o.outcome === 'failed');
  const error = failed?.error ?? result.errors[0];
  if (!error) throw new Error(`$batch answered ${result.status} without an error`);
  const contentId = failed?.contentId ?? error.batchPart?.contentId ?? 'record';
  const match = /^(stub|row)(\d+)$/.exec(contentId);
  throw new ChangeSetFailure(match ? (match[1] as 'stub' | 'row') : 'record', match ? Number(match[2]) : 0, error);
}

/** One change set of `operations`; a failure throws `ChangeSetFailure`. */
export async function writeChangeSet(client: DataverseClient, operations: BatchOperation[]): Promise<BatchResult> {
  const result = await client.executeBatch([{ changeSet: operations }]);
  throwIfFailed(result);
  return result;
}

export function lastOperation(result: BatchResult): BatchOperationResult {
  return result.operations[result.operations.length - 1]!;
}

/** The record's write as a batch part: an upsert at `key` (answering its id), else a create. */
export function recordOperation(meta: EntityMetadata, key: ResolvedKey | undefined, record: Record<string, unknown>): BatchOperation {
  return key
    ? { method: 'PATCH', target: { entitySet: meta.entitySetName, key: toEntityKey(key) }, body: record, returnRepresentation: true, query: { select: [meta.primaryIdAttribute] }, contentId: 'record' }
    : { method: 'POST', target: { entitySet: meta.entitySetName }, body: record, contentId: 'record' };
}

/** What the record's part of a batch answered: its id, and whether it was created or updated. */
export function recordOutcome(meta: EntityMetadata, part: BatchOperationResult | undefined, operation: BatchOperation): { id: string; operation: 'created' | 'updated' } {
  const body = part?.response?.body as Record<string, unknown> | undefined;
  const id = String(body?.[meta.primaryIdAttribute] ?? part?.id ?? '').toLowerCase();
  if (operation.method === 'POST') return { id, operation: 'created' };
  return { id, operation: part?.response?.status === 201 ? 'created' : 'updated' };
}
