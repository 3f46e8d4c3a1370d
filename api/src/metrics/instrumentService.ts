/**
 * The actions (`EnsureActions`) observed for metrics: counts the stubs the wrapped actions create and
 * hydrate, and observes their time to hydrate. Only successful calls are counted, so the `instance`
 * and `table` labels only ever hold configured names (a request for an unknown instance or table fails
 * before any count). Stub queries and the catalogue are not actions and are not wrapped.
 */
import type { CallContext, EnsureActions, EnsureInput, EnsureResult, HydrateInput, HydrateResult, SubmitInput, SubmitResult } from '../core/EnsureService';

/** What the decorator records (a `ServiceMetrics` fits). */
export interface StubRecorder {
  recordStubsCreated(instance: string, table: string, count?: number): void;
  recordHydration(instance: string, table: string, seconds?: number): void;
}

export function instrumentService(actions: EnsureActions, metrics: StubRecorder): EnsureActions {
  return {
    async ensure(instance: string, input: EnsureInput, context: CallContext): Promise<EnsureResult> {
      const result = await actions.ensure(instance, input, context);
      if (result.outcome === 'created-stub') record(() => metrics.recordStubsCreated(instance, result.table));
      return result;
    },
    async submit(instance: string, input: SubmitInput, context: CallContext): Promise<SubmitResult> {
      const result = await actions.submit(instance, input, context);
      record(() => {
        for (const stub of result.stubsCreated) metrics.recordStubsCreated(instance, stub.table);
      });
      return result;
    },
    async hydrate(instance: string, input: HydrateInput, context: CallContext): Promise<HydrateResult> {
      const result = await actions.hydrate(instance, input, context);
      if (result.wasStub) record(() => metrics.recordHydration(instance, result.table, result.secondsToHydrate));
      return result;
    },
  };
}

/** A metric that cannot be recorded never turns a done write into a failed answer. */
function record(action: () => void): void {
  try {
    action();
  } catch {
    // metrics are observers
  }
}
