/**
 * "Request hydration": stamps `ec_hydrationrequestedon` on each selected `ec_stub` row, which flows
 * and the service watch. Takes the smallest slice of `context.webAPI` it needs, so the local preview
 * page can pass its own.
 */
import { StubColumn, StubTable } from '../../common/StubTable';
import type { HydrationRequestResult } from './components/PendingStubsGrid.types';

export interface StubRecordUpdater {
  updateRecord(entityType: string, id: string, data: Record<string, unknown>): Promise<unknown>;
}

export function errorMessageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error) {
    return String((error as { message: unknown }).message);
  }
  return String(error);
}

export async function requestHydration(
  webApi: StubRecordUpdater,
  stubIds: readonly string[],
  now: Date,
): Promise<HydrationRequestResult> {
  const requestedOn = now.toISOString();
  const outcomes = await Promise.allSettled(
    stubIds.map((id) =>
      // Promise.resolve().then: a webAPI that throws synchronously is one failed row, not a crash.
      Promise.resolve().then(() =>
        webApi.updateRecord(StubTable.logicalName, id, { [StubColumn.hydrationRequestedOn]: requestedOn }),
      ),
    ),
  );
  const result: HydrationRequestResult = { requested: [], failed: [] };
  outcomes.forEach((outcome, index) => {
    const id = stubIds[index] as string;
    if (outcome.status === 'fulfilled') result.requested.push(id);
    else result.failed.push({ id, message: errorMessageOf(outcome.reason) });
  });
  return result;
}
