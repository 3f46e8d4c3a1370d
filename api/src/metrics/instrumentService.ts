/**
 * An `EnsureService` that counts the stubs the service it wraps creates and hydrates, and observes
 * their time to hydrate. Only successful calls are counted, so the `instance` and `table` labels only
 * ever hold configured names (a request for an unknown instance or table fails before any count).
 *
 * `ensure`, `submit` and `hydrate` are observed; every other member (`listStubs`, … and whatever the
 * service offers beyond the interface, such as the core's `close()`) is the wrapped service's own, so
 * the decorator never falls behind a growing interface and keeps the type it was given.
 */
import { withActions, type ActionMethods } from '../core/withActions';
import type { CallContext, EnsureInput, EnsureResult, EnsureService, HydrateInput, HydrateResult, SubmitInput, SubmitResult } from '../core/EnsureService';

/** What the decorator records (a `ServiceMetrics` fits). */
export interface StubRecorder {
  recordStubsCreated(instance: string, table: string, count?: number): void;
  recordHydration(instance: string, table: string, seconds?: number): void;
}


export function instrumentService<S extends EnsureService>(service: S, metrics: StubRecorder): S {
  const observed: ActionMethods = {
    async ensure(instance: string, input: EnsureInput, context: CallContext): Promise<EnsureResult> {
      const result = await service.ensure(instance, input, context);
      if (result.outcome === 'created-stub') record(() => metrics.recordStubsCreated(instance, result.table));
      return result;
    },
    async submit(instance: string, input: SubmitInput, context: CallContext): Promise<SubmitResult> {
      const result = await service.submit(instance, input, context);
      record(() => {
        for (const stub of result.stubsCreated) metrics.recordStubsCreated(instance, stub.table);
      });
      return result;
    },
    async hydrate(instance: string, input: HydrateInput, context: CallContext): Promise<HydrateResult> {
      const result = await service.hydrate(instance, input, context);
      if (result.wasStub) record(() => metrics.recordHydration(instance, result.table, result.secondsToHydrate));
      return result;
    },
  };
  return withActions(service, observed);
}

/** A metric that cannot be recorded never turns a done write into a failed answer. */
function record(action: () => void): void {
  try {
    action();
  } catch {
    // metrics are observers
  }
}
