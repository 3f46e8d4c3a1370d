/**
 * One bad row never fails the others. Values PostgreSQL cannot store — U+0000 and lone UTF-16
 * surrogates, which `jsonb` and `text` refuse — are put straight into the store and the queue, below
 * the HTTP validation (defence in depth), in the same batched statement as good ones: every good one is
 * stored, each bad one fails alone with a 400 naming its field. U+FFFF is stored as given. On PGlite and
 * on PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { ApiError } from '../../../api/src/core/ApiError';
import type { NewOperation } from '../../../api/src/queue/OperationInserts';
import { OperationStore } from '../../../api/src/queue/OperationStore';
import { UnstorableValueError } from '../../../api/src/queue/StorableText';
import { createQueue, type QueueBoss } from '../../../api/src/database/createQueue';
import { startPostgres, type TestPostgres } from '../../support/postgres';
import { startScriptedQueue, type ScriptedQueue } from './scriptedQueue';
import { pgliteTemplateDump } from '../../support/pgliteTemplate';

jest.setTimeout(180_000);

function newOperation(record: Record<string, unknown>, overrides: Partial<NewOperation> = {}): NewOperation {
  const id = randomUUID();
  return {
    id,
    idempotencyKey: `d:${id}`,
    requestHash: 'hash',
    request: { action: 'submit', instance: 'b', input: { table: 'contact', record }, origin: 'apikey:test', newRecordId: id },
    lane: `op:${id}`,
    queue: false,
    owner: 'owner-1',
    leaseSeconds: 60,
    ...overrides,
  };
}

async function rowCount(boss: QueueBoss, ids: string[]): Promise<number> {
  const { rows } = await boss.getDb().executeSql('SELECT count(*)::int AS n FROM dve.operation WHERE id = ANY($1::uuid[])', [ids]);
  return Number(rows[0].n);
}

describe.each(['pglite', 'postgres'] as const)('on %s', (backend) => {
  let postgres: TestPostgres | undefined;
  let boss: QueueBoss;
  let store: OperationStore;
  beforeAll(async () => {
    postgres = backend === 'postgres' ? await startPostgres() : undefined;
    boss = await createQueue(postgres ? { databaseUrl: postgres.url } : { memory: true, template: pgliteTemplateDump() });
    store = new OperationStore(boss.getDb());
    await store.migrate();
  });
  afterAll(async () => {
    await boss?.stop({ graceful: false });
    await postgres?.stop();
  });

  it('inserts in one batch: NUL and lone surrogates fail alone, naming their field; 100 good ones and U+FFFF are stored', async () => {
    const good = Array.from({ length: 100 }, (_, i) => newOperation({ lastname: `good ${i}` }));
    const nonCharacter = newOperation({ lastname: 'x\uffffy' });
    const poison: Array<[NewOperation, string]> = [
      [newOperation({ lastname: 'a\u0000b' }), 'body.record.lastname'],
      [newOperation({ lastname: 'high \ud800 alone' }), 'body.record.lastname'],
      [newOperation({ lastname: 'ok', description: '\udc00low first' }), 'body.record.description'],
      [newOperation({ lastname: 'ok', ['bad\u0000name']: 1 }), 'body.record.bad\ufffdname'],
      [newOperation({ lastname: 'ok', list: ['fine', { deep: 'x\ud83d' }] }), 'body.record.list[1].deep'],
    ];
    // One synchronous loop: every insert joins the same event-loop turn, so the same statement.
    const all = [...good.slice(0, 50), ...poison.map(([operation]) => operation), nonCharacter, ...good.slice(50)];
    const results = await Promise.allSettled(all.map((operation) => store.insert(operation)));
    const byId = new Map(all.map((operation, i) => [operation.id, results[i]!]));
    for (const operation of [...good, nonCharacter]) expect(byId.get(operation.id)).toMatchObject({ status: 'fulfilled', value: { kind: 'inserted' } });
    for (const [operation, field] of poison) {
      const result = byId.get(operation.id)!;
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason as UnstorableValueError;
      expect(error).toBeInstanceOf(UnstorableValueError);
      expect(error.field).toBe(field);
      expect(error.message).toMatch(/U\+0000|surrogate/);
    }
    expect(await rowCount(boss, good.map((operation) => operation.id))).toBe(100);
    expect(await rowCount(boss, poison.map(([operation]) => operation.id))).toBe(0);
    expect((await store.get(nonCharacter.id))!.request.input).toEqual({ table: 'contact', record: { lastname: 'x\uffffy' } });
  });

  it('a row only the database refuses (here a NUL in its lane) fails alone: the batch falls back to one statement per row', async () => {
    const good = Array.from({ length: 30 }, (_, i) => newOperation({ lastname: `fallback ${i}` }));
    const bad = newOperation({ lastname: 'fine body' }, { lane: 'b:contact:{"lastname":"\u0000"}' });
    const all = [...good.slice(0, 15), bad, ...good.slice(15)];
    const results = await Promise.allSettled(all.map((operation) => store.insert(operation)));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(30);
    const failure = results[15] as PromiseRejectedResult;
    expect(failure.status).toBe('rejected');
    expect(failure.reason).toBeInstanceOf(UnstorableValueError);
    expect(failure.reason).toMatchObject({ field: 'body' });
    expect((failure.reason as Error).message).toMatch(/^body: cannot be stored: /);
    expect(await rowCount(boss, good.map((operation) => operation.id))).toBe(30);
  });

  it('finishes in one batch: an answer the database refuses fails alone; answers and errors with NUL or lone surrogates are recorded', async () => {
    const operations = Array.from({ length: 40 }, (_, i) => newOperation({ lastname: `finish ${i}` }));
    for (const operation of operations) expect((await store.insert(operation)).operation.state).toBe('running');
    const echo = { error: { code: 'RecordRejected', message: 'value "a\u0000b" or "\ud800" refused' } };
    const finishes = operations.map((operation, i) => {
      // A status no integer column holds stands for any value the database refuses in the statement.
      if (i === 7) return store.finish(operation.id, 'owner-1', { state: 'succeeded', status: 2 ** 40, response: {} });
      if (i === 8) return store.finish(operation.id, 'owner-1', { state: 'failed', status: 422, response: echo, error: 'RecordRejected: "a\u0000b" \ud800' });
      return store.finish(operation.id, 'owner-1', { state: 'succeeded', status: 200, response: { n: i } }, { background: i % 2 === 0 });
    });
    const results = await Promise.allSettled(finishes);
    expect(results[7]!.status).toBe('rejected');
    results.forEach((result, i) => {
      if (i !== 7) expect(result).toEqual({ status: 'fulfilled', value: { finished: true } });
    });
    const records = await Promise.all(operations.map((operation) => store.get(operation.id)));
    records.forEach((record, i) => {
      if (i === 7) expect(record!.state).toBe('running');
      else if (i === 8) expect(record!.state).toBe('failed');
      else expect(record).toMatchObject({ state: 'succeeded', status: 200, response: { n: i } });
    });
    // The diagnostic text is stored with the characters replaced; the answer as given, or (where the
    // database refuses them) with those characters replaced.
    expect(records[8]!.lastError).toBe('RecordRejected: "a\ufffdb" \ufffd');
    const message = (records[8]!.response as typeof echo).error.message;
    expect([echo.error.message, 'value "a\ufffdb" or "\ufffd" refused']).toContain(message);
  });
});

describe('OperationQueue.accept below the HTTP validation', () => {
  let scripted: ScriptedQueue;
  beforeAll(async () => {
    scripted = await startScriptedQueue((input) => ({ table: 'contact', id: String(input.record['lastname']), operation: 'created' }));
  });
  afterAll(async () => scripted?.close());

  it('three poison requests a round among 100 concurrent good ones: every good one succeeds, each poison one is a 400 naming its field', async () => {
    for (let round = 0; round < 3; round++) {
      const calls = Array.from({ length: 103 }, (_, i) => {
        const lastname = i === 10 ? `nul\u0000${round}` : i === 50 ? `surrogate\ud800${round}` : i === 90 ? `\udfff${round}` : `round ${round} good ${i}`;
        return { action: 'submit' as const, instance: 'b', input: { table: 'contact', record: { lastname } }, origin: 'apikey:test', apiKeyName: 'k' };
      });
      const answers = await Promise.allSettled(calls.map((call) => scripted.queue.accept(call)));
      answers.forEach((answer, i) => {
        if (i === 10 || i === 50 || i === 90) {
          expect(answer.status).toBe('rejected');
          const error = (answer as PromiseRejectedResult).reason as ApiError;
          expect(error).toBeInstanceOf(ApiError);
          expect(error.toBody()).toMatchObject({ error: { code: 'InvalidRequest', field: 'body.record.lastname' } });
          expect(error.status).toBe(400);
        } else {
          expect(answer).toMatchObject({ status: 'fulfilled', value: { kind: 'final', status: 200 } });
        }
      });
    }
  });
});
