/**
 * Stub metrics from stub events: every stub created counts in `dve_stubs_created_total`, every stub
 * hydrated — by the hydrate action, the reconciler, or someone else as the reconciler saw — in
 * `dve_stubs_hydrated_total` with its time to hydrate. The events come from where the `ec_stub` rows
 * are written (core/stubs), so an action counts the same whether the route runs it now or the queue
 * later, and only changes that were written count (the labels only ever hold configured names).
 */
import type { StubEvent, StubEventListener } from '../events';

/** What the listener records (a `ServiceMetrics` fits). */
export interface StubRecorder {
  recordStubsCreated(instance: string, table: string, count?: number): void;
  recordHydration(instance: string, table: string, seconds?: number): void;
}

/** Where stub events come from (a `StubEventBus` fits). */
export interface StubEventSource {
  subscribe(listener: StubEventListener): () => void;
}

export function stubMetricsListener(recorder: StubRecorder): StubEventListener {
  return (event: StubEvent) => {
    if (event.type === 'stub.created') recorder.recordStubsCreated(event.instance, event.table);
    else if (event.type === 'stub.hydrated') recorder.recordHydration(event.instance, event.table, event.secondsToHydrate);
  };
}
