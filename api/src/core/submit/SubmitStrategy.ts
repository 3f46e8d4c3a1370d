/**
 * How a submit writes a record some of whose references are unknown to the existence cache (see the
 * core README, "Submit strategies"). Chosen by configuration (`submitStrategy`); both write the record
 * in the end and report the stubs they created.
 */
import type { BatchOperation, EntityMetadata } from '../../dataverse';
import type { CallContext, SubmitResult } from '../EnsureService';
import type { ExistenceCache } from '../ExistenceCache';
import type { CoreInstance, InstanceRegistry } from '../InstanceRegistry';
import type { ResolvedKey } from '../RecordKeys';
import type { Reference } from '../ReferenceResolution';

/** The configured name of a strategy. */
export type SubmitStrategy = 'single-round-trip' | 'atomic';

/** One submit attempt, its unknown references locked by the caller. */
export interface SubmitWrite {
  instance: CoreInstance;
  meta: EntityMetadata;
  /** The upsert key; absent: a create. */
  recordKey: ResolvedKey | undefined;
  record: Record<string, unknown>;
  recordOperation: BatchOperation;
  /** References the existence cache does not know (at least one). */
  unknown: Reference[];
  context: CallContext;
  /** The GUID this service chose for a create, if it did (a 412 on it is our own earlier attempt). */
  ownWrite: string | undefined;
}

export interface SubmitStrategyImplementation {
  readonly name: SubmitStrategy;
  /** Writes the record and the stubs it needs; learns what exists into the cache. Throws the client's errors or a `ChangeSetFailure`. */
  write(call: SubmitWrite): Promise<SubmitResult>;
}

/** What a strategy works with. */
export interface SubmitStrategyParts {
  registry: InstanceRegistry;
  cache: ExistenceCache;
}
