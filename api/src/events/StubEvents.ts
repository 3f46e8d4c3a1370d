/**
 * Stub state changes as events: `stub.created` (ensure / submit created a stub), `stub.hydrated` (the
 * hydrate action, the reconciler, or someone else filled it) and `stub.abandoned` (the reconciler gave
 * up: the record never appeared in the source). A small in-process bus carries them from where they
 * happen (the `withStubEvents` service decorator, the reconciler) to whoever listens (webhook
 * deliveries, logs). Listeners are observers: one that throws or rejects never fails the action.
 */
import { randomUUID } from 'node:crypto';
import type { StubState } from '../core/EnsureService';

export const STUB_EVENT_TYPES = ['stub.created', 'stub.hydrated', 'stub.abandoned'] as const;
export type StubEventType = (typeof STUB_EVENT_TYPES)[number];

/** What caused the change. */
export type StubEventCause =
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

export interface StubEvent {
  /** Unique per event; the same on every delivery attempt (receivers de-duplicate on it). */
  id: string;
  type: StubEventType;
  /** ISO 8601, when the change happened (as far as this service knows). */
  occurredOn: string;
  instance: string;
  table: string;
  /** GUID of the stubbed record. */
  recordId: string;
  /** The state after the change. */
  state: StubState;
  cause: StubEventCause;
  /** The key the stub was created for: the GUID, or the alternate key's columns as JSON. */
  key?: string;
  /** `stub.hydrated`: seconds from the stub's creation to its hydration. */
  secondsToHydrate?: number;
  /** `stub.abandoned`: hydration attempts made. */
  attempts?: number;
  /** `stub.abandoned`: why the last attempt failed. */
  lastError?: string;
}

export type StubEventInput = Omit<StubEvent, 'id' | 'occurredOn'> & { occurredOn?: string };

/** A complete event from its facts: a new id, and `occurredOn` now unless given. */
export function stubEvent(input: StubEventInput): StubEvent {
  return { id: randomUUID(), occurredOn: input.occurredOn ?? new Date().toISOString(), ...input };
}

export type StubEventListener = (event: StubEvent) => void | Promise<void>;

/** In-process publish / subscribe. `emit` never throws; listener failures go to `onListenerError`. */
export class StubEventBus {
  private readonly listeners = new Set<StubEventListener>();

  constructor(private readonly onListenerError: (error: unknown, event: StubEvent) => void = () => undefined) {}

  /** Adds a listener; the returned function removes it. */
  subscribe(listener: StubEventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Hands the event to every listener; resolves when the asynchronous ones settled (never rejects). */
  async emit(event: StubEvent): Promise<void> {
    await Promise.all(
      [...this.listeners].map(async (listener) => {
        try {
          await listener(event);
        } catch (error) {
          this.onListenerError(error, event);
        }
      }),
    );
  }
}
