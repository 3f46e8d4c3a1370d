/**
 * Poison operations fail alone: a 500 the target answers for a request's content is a dead letter at
 * once (not retried for `queue.maxPendingHours`), any failure after `queue.maxAttempts` attempts is a
 * dead letter with its last error, and an operation claimed that often without an outcome (its process
 * died each time) is not run again. Real queue and database; a scripted target (see scriptedQueue.ts).
 */
import { randomUUID } from 'node:crypto';
import { ApiError } from '../../../api/src/core/ApiError';
import { isTransient } from '../../../api/src/queue/ActionExecutor';
import { EVERY_OPERATION } from '../../../api/src/queue/OperationRecord';
import { startScriptedQueue, targetFailure, until, type ScriptedQueue } from './scriptedQueue';

jest.setTimeout(120_000);

function submit(lastname: string, respondAsync = true) {
  return { action: 'submit' as const, instance: 'b', input: { table: 'contact', record: { lastname } }, origin: 'apikey:test', apiKeyName: 'k', respondAsync };
}

/** Waits until the operation is finished (neither queued nor running). */
function finished(scripted: ScriptedQueue, id: string) {
  return until(async () => {
    const operation = await scripted.queue.get(id, EVERY_OPERATION);
    return operation && operation.state !== 'queued' && operation.state !== 'running' ? operation : undefined;
  });
}

describe('failures that repeat', () => {
  let scripted: ScriptedQueue;
  beforeAll(async () => {
    scripted = await startScriptedQueue(
      (input) => {
        const name = String(input.record['lastname']);
        if (name.startsWith('poison')) return targetFailure(500, 'A plug-in threw: Object reference not set to an instance of an object.');
        if (name.startsWith('down')) return targetFailure(503, 'Service Unavailable');
        if (name.startsWith('gone')) return targetFailure(undefined, 'no answer: ECONNREFUSED');
        if (name.startsWith('gateway')) return targetFailure(504, 'Gateway Timeout');
        return { table: 'contact', id: name, operation: 'created' };
      },
      { queue: { maxAttempts: 3 } },
    );
  });
  afterAll(async () => scripted?.close());

  it('a 500 the target answers for an accepted operation is a dead letter at once, with its error, after one attempt', async () => {
    const answer = await scripted.queue.accept(submit('poison accepted'));
    expect(answer.kind).toBe('accepted');
    const operation = await finished(scripted, answer.operationId);
    expect(operation).toMatchObject({ state: 'failed', status: 502, attempts: 1, response: { error: { code: 'TargetFailed' } } });
    expect(operation.lastError).toContain('HTTP 500');
    expect((operation.response as { error: { message: string } }).error.message).toContain('A plug-in threw');
    expect(scripted.calls.get('poison accepted')).toBe(1);
  });

  it('a 500 at intake is the caller\'s final answer (502), not a 202 retried for days', async () => {
    const answer = await scripted.queue.accept(submit('poison now', false));
    expect(answer).toMatchObject({ kind: 'final', status: 502, body: { error: { code: 'TargetFailed' } } });
    expect((await scripted.queue.get(answer.operationId, EVERY_OPERATION))!.state).toBe('rejected');
  });

  it.each([
    ['503', 'down'],
    ['no answer', 'gone'],
    ['504', 'gateway'],
  ])('a transient failure (%s) is retried, and after queue.maxAttempts (3) attempts is a dead letter with its last error', async (_kind, prefix) => {
    const name = `${prefix} always`;
    const answer = await scripted.queue.accept(submit(name));
    const operation = await finished(scripted, answer.operationId);
    expect(operation).toMatchObject({ state: 'failed', status: 504, attempts: 3, response: { error: { code: 'OperationAttemptsExhausted' } } });
    expect(operation.lastError).toContain('TargetUnavailable');
    expect((operation.response as { error: { message: string } }).error.message).toContain(operation.lastError!);
    expect(scripted.calls.get(name)).toBe(3);
  });

  it('a replayed dead letter gets a fresh count of attempts', async () => {
    const answer = await scripted.queue.accept(submit('down replayed'));
    await finished(scripted, answer.operationId);
    expect(await scripted.queue.retry(answer.operationId, EVERY_OPERATION)).toMatchObject({ state: 'queued', attempts: 0 });
    expect(await finished(scripted, answer.operationId)).toMatchObject({ state: 'failed', attempts: 3 });
    expect(scripted.calls.get('down replayed')).toBe(6);
  });

  it('an operation claimed maxAttempts times without an outcome (its process died each time) is not run again: a dead letter', async () => {
    const id = randomUUID();
    const request = { action: 'submit' as const, instance: 'b', input: { table: 'contact', record: { lastname: 'crasher' } }, origin: 'apikey:test', newRecordId: id };
    await scripted.queue.store.insert({ id, idempotencyKey: `h:${id}`, requestHash: 'hash', request, lane: `op:${id}`, queue: true, owner: 'test', leaseSeconds: 30 });
    // Three earlier claims that ended without an outcome, as after three crashes while running it.
    await scripted.boss.getDb().executeSql(`UPDATE dve.operation SET attempts = 3, last_error = 'the process stopped while running it' WHERE id = $1::uuid`, [id]);
    scripted.queue.wake('b', id);
    const operation = await finished(scripted, id);
    expect(operation).toMatchObject({ state: 'failed', status: 504, attempts: 4, response: { error: { code: 'OperationAttemptsExhausted' } }, lastError: 'the process stopped while running it' });
    expect(scripted.calls.get('crasher')).toBeUndefined();
  });

  it('good operations keep flowing meanwhile', async () => {
    const answer = await scripted.queue.accept(submit('fine'));
    expect(await finished(scripted, answer.operationId)).toMatchObject({ state: 'succeeded', status: 200, attempts: 1 });
  });
});

describe('failures that are the target\'s, not the operation\'s', () => {
  let circuit: 'closed' | 'half-open' = 'half-open';
  let scripted: ScriptedQueue;
  beforeAll(async () => {
    scripted = await startScriptedQueue(
      (input) => (String(input.record['lastname']).startsWith('throttled') ? new ApiError('targetThrottled', 'slow down', { retryAfterSeconds: 1 }) : targetFailure(503)),
      { queue: { maxAttempts: 2 }, circuit: () => circuit },
    );
  });
  afterAll(async () => scripted?.close());

  async function attemptedAtLeast(name: string, times: number) {
    await until(async () => ((scripted.calls.get(name) ?? 0) >= times ? true : undefined));
  }

  it('an outage (circuit not closed after the failure) does not use up attempts: the probes are not dead-lettered', async () => {
    circuit = 'half-open';
    const answer = await scripted.queue.accept(submit('probe'));
    await attemptedAtLeast('probe', 4);
    expect(await scripted.queue.get(answer.operationId, EVERY_OPERATION)).toMatchObject({ state: expect.stringMatching(/queued|running/) });
    // Once the circuit is closed again (others get through), its failures count: 2 more and it is a dead letter.
    circuit = 'closed';
    expect(await finished(scripted, answer.operationId)).toMatchObject({ state: 'failed', response: { error: { code: 'OperationAttemptsExhausted' } } });
  });

  it('throttling (429) does not use up attempts', async () => {
    circuit = 'closed';
    const answer = await scripted.queue.accept(submit('throttled'));
    await attemptedAtLeast('throttled', 4);
    expect(await scripted.queue.get(answer.operationId, EVERY_OPERATION)).toMatchObject({ state: expect.stringMatching(/queued|running/) });
  });
});

describe('queue.maxAttempts of 1', () => {
  it('makes the first transient failure at intake final', async () => {
    const scripted = await startScriptedQueue(() => targetFailure(503), { queue: { maxAttempts: 1 } });
    try {
      const answer = await scripted.queue.accept(submit('once', false));
      expect(answer).toMatchObject({ kind: 'final', status: 504, body: { error: { code: 'OperationAttemptsExhausted' } } });
    } finally {
      await scripted.close();
    }
  });
});

test('the classification: only 429 and 503 not caused by a target 500 are transient', () => {
  expect(isTransient(targetFailure(503))).toBe(true);
  expect(isTransient(targetFailure(undefined))).toBe(true);
  expect(isTransient(targetFailure(502))).toBe(true);
  expect(isTransient(targetFailure(500))).toBe(false);
  expect(isTransient(new ApiError('targetThrottled', 'slow down', { retryAfterSeconds: 2 }))).toBe(true);
  expect(isTransient(new ApiError('conflict', 'duplicate'))).toBe(false);
});
