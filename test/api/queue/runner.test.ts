/**
 * `OperationRunner`, the one run-and-record path of `accept` and the drain, on a PGlite store before a
 * scripted service: what each mode records for the same outcome, and what is woken afterwards.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { ApiError } from '../../../api/src/core/ApiError';
import type { EnsureService } from '../../../api/src/core/EnsureService';
import { PgliteDatabase } from '../../../api/src/database/PgliteDatabase';
import type { NewOperation } from '../../../api/src/queue/OperationInserts';
import type { OperationRecord } from '../../../api/src/queue/OperationRecord';
import { OperationRunner } from '../../../api/src/queue/OperationRunner';
import { OperationStore } from '../../../api/src/queue/OperationStore';
import { queueSettings } from '../../../api/src/queue/QueueSettings';
import { pgliteTemplateDump } from '../../support/pgliteTemplate';

let db: PgliteDatabase;
let store: OperationStore;

beforeAll(async () => {
  db = await PgliteDatabase.inMemory({ template: pgliteTemplateDump() });
  store = new OperationStore(db);
  await store.migrate();
});
afterAll(() => db.close());

/** A runner whose service answers with `answer` (an error is thrown); records what it wakes. */
function runnerFor(answer: () => unknown, owner = 'owner-1') {
  const woken: Array<{ id: string; notBefore?: Date }> = [];
  const calls: string[] = [];
  const service = {
    async submit(_instance: string, _input: unknown, context: { requestId?: string }) {
      calls.push(context.requestId ?? '');
      const result = answer();
      if (result instanceof Error) throw result;
      return result;
    },
  } as unknown as EnsureService;
  const runner = new OperationRunner({
    service,
    store,
    settings: queueSettings({ maxAttempts: 3 }),
    owner,
    logger: pino({ level: 'silent' }),
    circuitState: () => 'closed',
    wake: (_instance, id, notBefore) => woken.push(notBefore ? { id, notBefore } : { id }),
  });
  return { runner, woken, calls };
}

function newOperation(lane = `b:contact:${randomUUID()}`): NewOperation {
  const id = randomUUID();
  return {
    id,
    idempotencyKey: `d:${id}`,
    requestHash: 'hash',
    request: { action: 'submit', instance: 'b', input: { table: 'contact', record: { lastname: 'x' } }, origin: 'apikey:test', newRecordId: id },
    lane,
    queue: false,
    owner: 'owner-1',
    leaseSeconds: 60,
  };
}

/** A running operation of `owner-1`, and a queued one behind it on the same record. */
async function runningWithNext(): Promise<{ running: OperationRecord; next: OperationRecord }> {
  const lane = `b:contact:${randomUUID()}`;
  const running = await store.insert(newOperation(lane));
  const next = await store.insert(newOperation(lane));
  if (running.kind !== 'inserted' || next.kind !== 'inserted') throw new Error('not inserted');
  expect([running.operation.state, next.operation.state]).toEqual(['running', 'queued']);
  return { running: running.operation, next: next.operation };
}

test('a permanent failure: rejected when the caller waits, a dead letter when it polls; the next operation on the record is woken', async () => {
  const refused = () => new ApiError('invalidRequest', 'body.record.lastname: refused', { field: 'body.record.lastname' });
  const waiting = runnerFor(refused);
  const first = await runningWithNext();
  expect(await waiting.runner.run(first.running, { caller: 'waiting', requestId: 'req-1' })).toMatchObject({ kind: 'finished', finished: true, outcome: { status: 400 } });
  expect(await store.get(first.running.id)).toMatchObject({ state: 'rejected', status: 400, response: { error: { code: 'InvalidRequest' } } });
  expect(waiting.calls).toEqual(['req-1']);
  expect(waiting.woken).toEqual([{ id: first.next.id }]);

  const polling = runnerFor(refused);
  const second = await runningWithNext();
  let answered = 0;
  expect(await polling.runner.run(second.running, { caller: 'polling', answered: () => answered++ })).toMatchObject({ kind: 'finished', finished: true });
  expect(await store.get(second.running.id)).toMatchObject({ state: 'failed', status: 400 });
  expect(answered).toBe(1);
  expect(polling.calls).toEqual([`op-${second.running.id}`]);
  expect(polling.woken).toEqual([{ id: second.next.id }]);
});

test('an unexpected error: thrown on to a waiting caller (recorded as a 500), a dead letter for a polled one; the record is not left blocked', async () => {
  const bug = () => new TypeError('a bug');
  const waiting = runnerFor(bug);
  const first = await runningWithNext();
  await expect(waiting.runner.run(first.running, { caller: 'waiting' })).rejects.toThrow('a bug');
  expect(await store.get(first.running.id)).toMatchObject({
    state: 'rejected',
    status: 500,
    lastError: 'a bug',
    response: { error: { code: 'InternalError', message: 'An unexpected error occurred; quote the request id when you report it.' } },
  });
  expect(waiting.woken).toEqual([{ id: first.next.id }]);

  const polling = runnerFor(bug);
  const second = await runningWithNext();
  expect(await polling.runner.run(second.running, { caller: 'polling', answered: () => undefined })).toMatchObject({ kind: 'finished', outcome: { status: 500, succeeded: false } });
  expect(await store.get(second.running.id)).toMatchObject({
    state: 'failed',
    status: 500,
    response: { error: { code: 'InternalError', message: `An unexpected error occurred running operation ${second.running.id}; see the service log.` } },
  });
  expect(polling.woken).toEqual([{ id: second.next.id }]);
});

test('a transient failure is released and woken at its retry time; a lost lease is neither', async () => {
  const unavailable = () => new ApiError('targetUnavailable', 'down', { retryAfterSeconds: 2 });
  const { runner, woken } = runnerFor(unavailable);
  const { running } = await runningWithNext();
  const run = await runner.run(running, { caller: 'waiting' });
  expect(run).toMatchObject({ kind: 'released', released: true });
  expect(await store.get(running.id)).toMatchObject({ state: 'queued', accepted: true, lastError: 'TargetUnavailable: down' });
  expect(woken).toEqual([{ id: running.id, notBefore: run.kind === 'released' ? run.outcome.retryAt : undefined }]);

  const other = runnerFor(unavailable, 'owner-2');
  const taken = await runningWithNext();
  expect(await other.runner.run(taken.running, { caller: 'polling', answered: () => undefined })).toMatchObject({ kind: 'released', released: false });
  expect((await store.get(taken.running.id))!.state).toBe('running');
  expect(other.woken).toEqual([]);
});

test('an operation claimed more than queue.maxAttempts times without an outcome is not run again', async () => {
  const { runner, calls } = runnerFor(() => ({ ok: true }));
  const { running } = await runningWithNext();
  const run = await runner.run({ ...running, attempts: 4, lastError: 'the process stopped' }, { caller: 'polling', answered: () => undefined });
  expect(run).toMatchObject({ kind: 'finished', outcome: { status: 504, body: { error: { code: 'OperationAttemptsExhausted' } } } });
  expect(calls).toEqual([]);
  expect(await store.get(running.id)).toMatchObject({ state: 'failed', status: 504, lastError: 'the process stopped' });
});
