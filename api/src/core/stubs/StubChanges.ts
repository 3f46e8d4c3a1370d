/**
 * The port through which the stub repository reports each state change it wrote: a stub created (with
 * its record's change set), hydrated (by the hydrate action, the reconciler, or someone else as the
 * reconciler saw), abandoned (the reconciler gave up). The events bus (`api/src/events`) implements it
 * and carries the changes to metrics and webhooks; the core does not know who listens.
 */
import type { RecordKeyInput, StubState } from '../EnsureService';

export const STUB_CHANGE_TYPES = ['stub.created', 'stub.hydrated', 'stub.abandoned'] as const;
export type StubChangeType = (typeof STUB_CHANGE_TYPES)[number];

/** What caused the change. */
export type StubChangeCause =
  /** `POST …/ensure` (or the queue running it later). */
  | 'ensure'
  /** `POST …/submit`: a missing reference became a stub. */
  | 'submit'
  /** `POST …/hydrate`: replication (or a flow) delivered the full record. */
  | 'hydrate'
  /** The reconciler read the record from the source and hydrated it. */
  | 'reconciler'
  /** Someone other than this service's application user updated the stub record; the reconciler marked it. */
  | 'external';

export interface StubChange {
  type: StubChangeType;
  /** ISO 8601, when the change happened (as far as this service knows); default: when reported. */
  occurredOn?: string;
  instance: string;
  table: string;
  /** GUID of the stubbed record. */
  recordId: string;
  /** The state after the change. */
  state: StubState;
  cause: StubChangeCause;
  /**
   * The key the stub was created for, as columns (`stubKeyColumns`, `StubKey.ts`); absent only when
   * the row's `ec_key` is no key of the table (edited or cut).
   */
  key?: RecordKeyInput;
  /** `stub.hydrated`: seconds from the stub's creation to its hydration. */
  secondsToHydrate?: number;
  /** `stub.abandoned`: hydration attempts made. */
  attempts?: number;
  /** `stub.abandoned`: why the last attempt failed. */
  lastError?: string;
}

/** Who hears of stub changes (a `StubEventBus` fits). A listener's failure never fails the write. */
export interface StubChangeObserver {
  stubChanged(change: StubChange): void | Promise<void>;
}
