/**
 * Cancelling at the queue: a cancelled operation never runs while the next one on its record goes
 * ahead; a running one cannot be cancelled (its request is under way). Real queue and database; a
 * scripted target that holds a request until the test lets it go.
 */
import { EVERY_OPERATION } from '../../../api/src/queue/OperationRecord';
import { startScriptedQueue, until, type ScriptedQueue } from './scriptedQueue';

jest.setTimeout(60_000);

let release: () => void = () => undefined;
let scripted: ScriptedQueue;

beforeAll(async () => {
  scripted = await startScriptedQueue((input) => {
    const name = String(input.record['name'] ?? input.record['lastname']);
    const answer = { table: 'account', id: name, operation: 'upserted' };
    // `held` waits for the test (an answer still under way); the rest answer at once.
    return name === 'held' ? new Promise((resolve) => (release = () => resolve(answer))) : answer;
  });
});
afterAll(async () => {
  release();
  await scripted?.close();
});

function upsert(name: string) {
  return { action: 'submit' as const, instance: 'b', input: { table: 'account', key: { accountnumber: 'CXL-LANE' }, record: { name, lastname: name } }, origin: 'apikey:test', apiKeyName: 'owner', respondAsync: true };
}

test('a cancelled operation never runs, the next one of its record does; a running one cannot be cancelled', async () => {
  const held = await scripted.queue.accept(upsert('held'));
  await until(async () => ((await scripted.queue.get(held.operationId, EVERY_OPERATION))?.state === 'running' ? true : undefined));
  const doomed = await scripted.queue.accept(upsert('doomed'));
  const last = await scripted.queue.accept(upsert('last'));

  // Running: its request is under way, it cannot be taken back.
  expect(await scripted.queue.cancel(held.operationId, { apiKeyName: 'owner' }, 'owner')).toBeUndefined();
  // Another key's: as unknown.
  expect(await scripted.queue.cancel(doomed.operationId, { apiKeyName: 'someone else' }, 'someone else')).toBeUndefined();
  expect(await scripted.queue.get(doomed.operationId, { apiKeyName: 'someone else' })).toBeUndefined();
  const cancelled = await scripted.queue.cancel(doomed.operationId, { apiKeyName: 'owner' }, 'owner');
  expect(cancelled).toMatchObject({ state: 'cancelled', status: 409, response: { error: { code: 'OperationCancelled' } } });
  expect(scripted.queue.answerFor(cancelled!)).toMatchObject({ kind: 'final', status: 409 });

  release();
  const finished = await until(async () => {
    const operation = await scripted.queue.get(last.operationId, EVERY_OPERATION);
    return operation?.state === 'succeeded' ? operation : undefined;
  });
  expect(finished.status).toBe(200);
  expect((await scripted.queue.get(held.operationId, EVERY_OPERATION))!.state).toBe('succeeded');
  expect((await scripted.queue.get(doomed.operationId, EVERY_OPERATION))!.state).toBe('cancelled');
  expect(scripted.calls.get('doomed')).toBeUndefined();
  expect(scripted.calls.get('last')).toBe(1);
  expect(scripted.logLines.some((line) => line.includes('queue: operation cancelled') && line.includes('"by":"owner"'))).toBe(true);
});
