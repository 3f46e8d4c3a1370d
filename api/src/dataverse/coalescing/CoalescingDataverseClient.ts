/**
 * The write coalescer: a `DataverseClient` around an instance's client that sends concurrent writes as
 * one `$batch` (group commit). Dataverse counts a `$batch` as one request against its service
 * protection limits (https://learn.microsoft.com/power-apps/developer/data-platform/api-limits), so
 * many callers cost few requests, while a lone caller's write goes out at once, unchanged.
 *
 * `create`, `upsert`, `delete` and `executeBatch` are members of a queue (GroupCommit): at most
 * `maxBatchesInFlight` write requests under way; what arrives meanwhile waits and goes as one `$batch`
 * with continue-on-error when a request finishes (MergedBatch). A group of one is sent as the member's
 * own call. Reads pass straight through.
 */
import type {
  BatchItem,
  BatchOptions,
  BatchResult,
  ChoiceColumns,
  DataverseClient,
  DataverseRecord,
  DataverseRecordInput,
  EntityMetadata,
  QueryPage,
  UpsertOptions,
  WriteOptions,
  WriteResult,
} from '../DataverseClient';
import type { EntityKey } from '../ODataKeyLiteral';
import type { QueryOptions, RetrieveOptions } from '../ODataQuery';
import { readWriteResult } from '../WebApiAnswers';
import { isChangeSet } from '../WebApiRequests';
import { refusedForItsContent } from './BatchRefusal';
import { COALESCING_DEFAULTS, type CoalescingSettings } from './CoalescingSettings';
import { GroupCommit, settle, type Settled } from './GroupCommit';
import { memberResult, mergeMembers, unattributedErrors } from './MergedBatch';
import { type WriteCall, type WriteMember, writeMember } from './WriteMember';

export interface CoalescingOptions extends Partial<Omit<CoalescingSettings, 'enabled'>> {
  /** Hears of every merged `$batch`: how many members and requests it carried. */
  readonly onMergedBatch?: (members: number, operations: number) => void;
}

type WriteOutcome = WriteResult | BatchResult | undefined;

export class CoalescingDataverseClient implements DataverseClient {
  private readonly writes: GroupCommit<WriteMember, WriteOutcome>;
  private readonly limits: { readonly maxOperations: number; readonly maxBytes: number };

  constructor(
    private readonly inner: DataverseClient,
    private readonly options: CoalescingOptions = {},
  ) {
    this.limits = { maxOperations: options.maxOperations ?? COALESCING_DEFAULTS.maxOperations, maxBytes: options.maxBytes ?? COALESCING_DEFAULTS.maxBytes };
    this.writes = new GroupCommit<WriteMember, WriteOutcome>({
      maxInFlight: options.maxBatchesInFlight ?? COALESCING_DEFAULTS.maxBatchesInFlight,
      nextGroup: (waiting) => this.nextGroup(waiting),
      send: (group) => this.send(group),
    });
  }

  get webApiUrl(): string {
    return this.inner.webApiUrl;
  }

  create(entitySet: string, record: DataverseRecordInput, options: WriteOptions = {}): Promise<WriteResult> {
    return this.write({ kind: 'create', entitySet, record, options }) as Promise<WriteResult>;
  }

  upsert(entitySet: string, key: EntityKey, record: DataverseRecordInput, options: UpsertOptions = {}): Promise<WriteResult> {
    return this.write({ kind: 'upsert', entitySet, key, record, options }) as Promise<WriteResult>;
  }

  async delete(entitySet: string, key: EntityKey, options: { readonly etag?: string } = {}): Promise<void> {
    await this.write({ kind: 'delete', entitySet, key, options });
  }

  executeBatch(items: readonly BatchItem[], options: BatchOptions = {}): Promise<BatchResult> {
    // A batch of reads only (the existence lookups' GETs) is a read: straight through.
    if (items.length > 0 && items.every((item) => !isChangeSet(item) && item.method === 'GET')) return this.inner.executeBatch(items, options);
    return this.write({ kind: 'batch', items, options }) as Promise<BatchResult>;
  }

  retrieve(entitySet: string, key: EntityKey, options?: RetrieveOptions): Promise<DataverseRecord> {
    return this.inner.retrieve(entitySet, key, options);
  }

  tryRetrieve(entitySet: string, key: EntityKey, options?: RetrieveOptions): Promise<DataverseRecord | undefined> {
    return this.inner.tryRetrieve(entitySet, key, options);
  }

  query(entitySet: string, options?: QueryOptions): Promise<QueryPage> {
    return this.inner.query(entitySet, options);
  }

  queryNextPage(nextLink: string, options?: { readonly maxPageSize?: number }): Promise<QueryPage> {
    return this.inner.queryNextPage(nextLink, options);
  }

  queryPages(entitySet: string, options?: QueryOptions): AsyncIterable<QueryPage> {
    return this.inner.queryPages(entitySet, options);
  }

  getEntityMetadata(logicalName: string): Promise<EntityMetadata> {
    return this.inner.getEntityMetadata(logicalName);
  }

  getEntityMetadataBySetName(entitySet: string): Promise<EntityMetadata> {
    return this.inner.getEntityMetadataBySetName(entitySet);
  }

  getChoiceOptions(logicalName: string): Promise<ChoiceColumns> {
    return this.inner.getChoiceOptions(logicalName);
  }

  private write(call: WriteCall): Promise<WriteOutcome> {
    return this.writes.run(writeMember(call, this.limits));
  }

  /** The oldest member, and — when it may merge — the mergeable members after it that fit, in arrival order. */
  private nextGroup(waiting: readonly WriteMember[]): number[] {
    const first = waiting[0]!;
    if (!first.mergeable) return [0];
    const picked = [0];
    let operations = first.operations;
    let bytes = first.bytes;
    for (let i = 1; i < waiting.length; i += 1) {
      const member = waiting[i]!;
      if (!member.mergeable) continue;
      if (operations + member.operations > this.limits.maxOperations || bytes + member.bytes > this.limits.maxBytes) break;
      picked.push(i);
      operations += member.operations;
      bytes += member.bytes;
    }
    return picked;
  }

  private async send(group: readonly WriteMember[]): Promise<readonly Settled<WriteOutcome>[]> {
    if (group.length === 1) return [await settle(() => this.alone(group[0]!))];
    const merged = mergeMembers(group);
    let result: BatchResult;
    try {
      result = await this.inner.executeBatch(merged.items, { continueOnError: true });
    } catch (error) {
      // Refused as a whole for what is in it (400, 413, a request the writer refuses): one member's
      // poison must not fail the others, so each goes again on its own.
      if (refusedForItsContent(error)) return Promise.all(group.map((member) => settle(() => this.alone(member))));
      throw error; // transient (429, 5xx, timeout, open circuit): every member fails as it would have alone
    }
    if (result.status !== 200) {
      if (result.status >= 400 && result.status < 500 && result.status !== 429) return Promise.all(group.map((member) => settle(() => this.alone(member))));
      throw result.errors[0] ?? new Error(`$batch answered ${result.status}`);
    }
    this.options.onMergedBatch?.(group.length, merged.items.reduce((n, item) => n + (isChangeSet(item) ? item.changeSet.length : 1), 0));
    const unattributed = unattributedErrors(result);
    return Promise.all(merged.members.map((placed) => settle(() => this.answer(placed.member, memberResult(placed, result, unattributed)))));
  }

  /** The member's own call, exactly as without the coalescer. */
  private alone(member: WriteMember): Promise<WriteOutcome> {
    const call = member.call;
    switch (call.kind) {
      case 'create':
        return this.inner.create(call.entitySet, call.record, call.options);
      case 'upsert':
        return this.inner.upsert(call.entitySet, call.key, call.record, call.options);
      case 'delete':
        return this.inner.delete(call.entitySet, call.key, call.options).then(() => undefined);
      case 'batch':
        return this.inner.executeBatch(call.items, call.options);
    }
  }

  /** A member's answer from its share of a merged batch: the batch result, or a plain write's result / error. */
  private async answer(member: WriteMember, result: BatchResult): Promise<WriteOutcome> {
    const call = member.call;
    if (call.kind === 'batch') return result;
    const operation = result.operations[0];
    if (!operation || operation.outcome !== 'succeeded' || !operation.response) throw operation?.error ?? result.errors[0] ?? new Error('$batch sent no answer for this write');
    if (call.kind === 'delete') return undefined;
    const response = operation.response;
    return readWriteResult(
      { status: response.status, header: (name) => response.headers[name.toLowerCase()], bodyText: response.bodyText },
      call.kind === 'upsert' && typeof call.key === 'string' ? call.key.toLowerCase() : undefined,
      { method: operation.method, path: operation.path.split('?')[0]! },
      () => this.inner.getEntityMetadataBySetName(call.entitySet).then((metadata) => metadata.primaryIdAttribute, () => undefined),
    );
  }
}
