/** Stub state-change events: the bus (the core's `StubChangeObserver`) and the event shape. */
export { StubEventBus, stubEvent, STUB_EVENT_TYPES, type StubEvent, type StubEventCause, type StubEventInput, type StubEventListener, type StubEventType } from './StubEvents';
