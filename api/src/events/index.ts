/** Stub state-change events: the bus, the event shape and the EnsureService decorator that emits them. */
export { StubEventBus, stubEvent, STUB_EVENT_TYPES, type StubEvent, type StubEventCause, type StubEventInput, type StubEventListener, type StubEventType } from './StubEvents';
export { withStubEvents, RECONCILER_ORIGIN, keyTextOf, type StubEventSink } from './withStubEvents';
