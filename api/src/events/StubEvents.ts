/**
 * Stub state changes as events: `stub.created` (ensure / submit created a stub), `stub.hydrated` (the
 * hydrate action, the reconciler, or someone else filled it) and `stub.abandoned` (the reconciler gave
 * up: the record never appeared in the source). The core's stub repository reports each change where
 * it writes the row (`StubChangeObserver`, core/stubs/StubChanges.ts); this bus is that observer and
 * carries the changes, as events with an id, to whoever listens (metrics, webhook deliveries, logs).
 * Listeners are observers: one that throws or rejects never fails the write.
 */
import { randomUUID } from 'node:crypto';
import { STUB_CHANGE_TYPES, type StubChange, type StubChangeCause, type StubChangeObserver, type StubChangeType } from '../core/stubs';

export const STUB_EVENT_TYPES = STUB_CHANGE_TYPES;
export type StubEventType = StubChangeType;
export type StubEventCause = StubChangeCause;

export interface StubEvent extends StubChange {
  /** Unique per event; the same on every delivery attempt (receivers de-duplicate on it). */
  id: string;
  /** ISO 8601, when the change happened (as far as this service knows). */
  occurredOn: string;
}

export type StubEventInput = StubChange;

/** A complete event from its facts: a new id, and `occurredOn` now unless given. */
export function stubEvent(input: StubEventInput): StubEvent {
  return { id: randomUUID(), occurredOn: input.occurredOn ?? new Date().toISOString(), ...input };
}

export type StubEventListener = (event: StubEvent) => void | Promise<void>;

/**
 * In-process publish / subscribe. `emit` never throws; listener failures go to `onListenerError`.
 * The core reports its stub changes here (`stubChanged`): give the bus as `stubEvents` to the core and
 * the reconciler.
 */
export class StubEventBus implements StubChangeObserver {
  private readonly listeners = new Set<StubEventListener>();

  constructor(private readonly onListenerError: (error: unknown, event: StubEvent) => void = () => undefined) {}

  /** Adds a listener; the returned function removes it. */
  subscribe(listener: StubEventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** A change the core wrote, as a new event. */
  stubChanged(change: StubChange): Promise<void> {
    return this.emit(stubEvent(change));
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
