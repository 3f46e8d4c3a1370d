/**
 * A decorator of the actions (`EnsureActions`) that reports stub state changes: `stub.created` for every stub an
 * ensure or submit created, `stub.hydrated` when a hydrate found the record Pending (or Abandoned) and
 * marked it Hydrated. It wraps the actions object the routes and the queue share, so it reports an action whether it runs
 * now (the HTTP route) or later (the durable queue runs the same object).
 *
 * The reconciler reports its own hydrations (with cause `reconciler`) through its `onEvent`; its calls
 * carry `RECONCILER_ORIGIN` and are not reported here a second time.
 *
 * Events are emitted after the action succeeded and are not awaited by the caller's answer beyond
 * handing them to the bus (a webhook listener enqueues them durably; see api/src/webhooks).
 */
import type { CallContext, EnsureActions, EnsureInput, EnsureResult, HydrateInput, HydrateResult, RecordKeyInput, SubmitInput, SubmitResult } from '../core/EnsureService';
import { stubEvent, type StubEvent } from './StubEvents';

/** The `CallContext.origin` of the reconciler's hydrate calls. */
export const RECONCILER_ORIGIN = 'reconciler';

/** Where the decorator sends events (a `StubEventBus` fits). */
export interface StubEventSink {
  emit(event: StubEvent): Promise<void> | void;
}

export function withStubEvents(service: EnsureActions, sink: StubEventSink): EnsureActions {
  return {
    async ensure(instance: string, input: EnsureInput, context: CallContext): Promise<EnsureResult> {
      const result = await service.ensure(instance, input, context);
      if (result.outcome === 'created-stub') {
        await emit(sink, stubEvent({ type: 'stub.created', instance, table: result.table, recordId: result.id, state: 'Pending', cause: 'ensure', key: keyTextOf(input.key, result.table) }));
      }
      return result;
    },
    async submit(instance: string, input: SubmitInput, context: CallContext): Promise<SubmitResult> {
      const result = await service.submit(instance, input, context);
      for (const stub of result.stubsCreated) {
        await emit(sink, stubEvent({ type: 'stub.created', instance, table: stub.table, recordId: stub.id, state: 'Pending', cause: 'submit', key: keyTextOf(stub.key, stub.table) }));
      }
      return result;
    },
    async hydrate(instance: string, input: HydrateInput, context: CallContext): Promise<HydrateResult> {
      const result = await service.hydrate(instance, input, context);
      if (result.wasStub && context.origin !== RECONCILER_ORIGIN) {
        await emit(
          sink,
          stubEvent({
            type: 'stub.hydrated',
            instance,
            table: result.table,
            recordId: result.id,
            state: 'Hydrated',
            cause: 'hydrate',
            ...(result.secondsToHydrate !== undefined ? { secondsToHydrate: result.secondsToHydrate } : {}),
          }),
        );
      }
      return result;
    },
  };
}

/** An event that cannot be handed over never turns a done write into a failed answer. */
async function emit(sink: StubEventSink, event: StubEvent): Promise<void> {
  try {
    await sink.emit(event);
  } catch {
    // the bus reports listener failures itself; a sink that throws is an observer too
  }
}

/** The key as `ec_key` holds it: the GUID for a primary-id key, else the columns as JSON. */
export function keyTextOf(key: RecordKeyInput, table: string): string {
  const entries = Object.entries(key);
  const only = entries.length === 1 ? entries[0] : undefined;
  if (only && only[0] === `${table}id` && typeof only[1] === 'string') return only[1].toLowerCase();
  return JSON.stringify(key);
}
