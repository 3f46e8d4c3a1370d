/**
 * One caller's write as a member of the write coalescer's queue: a plain create / upsert / delete, or a
 * whole `executeBatch`. Each knows its `$batch` items (a plain write is one standalone operation), its
 * size (operations and body bytes) and whether it may share a `$batch` with others.
 */
import type { BatchItem, BatchOperation, BatchOptions, DataverseRecordInput, UpsertOptions, WriteOptions } from '../DataverseClient';
import type { EntityKey } from '../ODataKeyLiteral';
import { isChangeSet } from '../WebApiRequests';

export type WriteCall =
  | { readonly kind: 'create'; readonly entitySet: string; readonly record: DataverseRecordInput; readonly options: WriteOptions }
  | { readonly kind: 'upsert'; readonly entitySet: string; readonly key: EntityKey; readonly record: DataverseRecordInput; readonly options: UpsertOptions }
  | { readonly kind: 'delete'; readonly entitySet: string; readonly key: EntityKey; readonly options: { readonly etag?: string } }
  | { readonly kind: 'batch'; readonly items: readonly BatchItem[]; readonly options: BatchOptions };

export interface WriteMember {
  readonly call: WriteCall;
  /** The member's items as sent in a merged `$batch`. */
  readonly items: readonly BatchItem[];
  /** Requests inside those items. */
  readonly operations: number;
  /** Bytes of the bodies (JSON); Infinity when a body cannot be written, so it goes alone and fails alone. */
  readonly bytes: number;
  /** May share a `$batch` with other members (see `mergeable`). */
  readonly mergeable: boolean;
}

export interface MergeLimits {
  readonly maxOperations: number;
  readonly maxBytes: number;
}

/**
 * The member of `call`. Its size in bytes is measured only when asked (when it could join others): a
 * write that finds the instance idle goes out alone, and its bodies are serialized once, by the writer.
 */
export function writeMember(call: WriteCall, limits: MergeLimits): WriteMember {
  const items = itemsOf(call);
  const operations = items.reduce((n, item) => n + (isChangeSet(item) ? item.changeSet.length : 1), 0);
  let bytes: number | undefined;
  const measured = () => (bytes ??= bodyBytes(items));
  return {
    call,
    items,
    operations,
    get bytes() {
      return measured();
    },
    get mergeable() {
      return mergeable(call) && operations >= 1 && operations <= limits.maxOperations && measured() <= limits.maxBytes;
    },
  };
}

/**
 * A plain write always; an `executeBatch` with continue-on-error (its items are independent anyway), or
 * with a single item (one change set or one operation). Several items without continue-on-error stop
 * at the first failure — a merged batch runs on past it — so they go alone.
 */
function mergeable(call: WriteCall): boolean {
  if (call.kind !== 'batch') return true;
  return call.options.continueOnError === true || call.items.length === 1;
}

function itemsOf(call: WriteCall): readonly BatchItem[] {
  switch (call.kind) {
    case 'create':
      return [{ method: 'POST', target: { entitySet: call.entitySet }, body: call.record, ...representation(call.options) }];
    case 'upsert':
      return [
        {
          method: 'PATCH',
          target: { entitySet: call.entitySet, key: call.key },
          body: call.record,
          ...(call.options.condition === undefined ? {} : { condition: call.options.condition }),
          ...representation(call.options),
        },
      ];
    case 'delete':
      return [{ method: 'DELETE', target: { entitySet: call.entitySet, key: call.key }, ...(call.options.etag === undefined ? {} : { condition: { etag: call.options.etag } }) }];
    case 'batch':
      return call.items;
  }
}

function representation(options: WriteOptions): Pick<BatchOperation, 'returnRepresentation' | 'query'> {
  if (!options.returnRepresentation) return {};
  return { returnRepresentation: true, ...(options.select ? { query: { select: options.select } } : {}) };
}

function bodyBytes(items: readonly BatchItem[]): number {
  let bytes = 0;
  for (const item of items) {
    for (const operation of isChangeSet(item) ? item.changeSet : [item]) {
      if (operation.body === undefined) continue;
      try {
        bytes += Buffer.byteLength(JSON.stringify(operation.body) ?? '');
      } catch {
        return Number.POSITIVE_INFINITY;
      }
    }
  }
  return bytes;
}
