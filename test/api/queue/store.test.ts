/**
 * `OperationStore` on PGlite, below the HTTP layer: answers survive byte for byte whatever they
 * contain, finishes share statements, and the embedded database's housekeeping (no autovacuum in
 * PGlite) keeps the planner's statistics current.
 */
import { randomUUID } from 'node:crypto';
import type { NewOperation } from '../../../api/src/queue/OperationInserts';
import { EVERY_OPERATION } from '../../../api/src/queue/OperationRecord';
import { OperationStore } from '../../../api/src/queue/OperationStore';
import { OPERATION_TABLE_DDL, PG_BOSS_CHURN_TABLES, vacuumEmbeddedDatabase } from '../../../api/src/queue/OperationTable';
import { ensureDveTables } from '../../../api/src/database/SqlDatabase';
import { createQueue } from '../../../api/src/database/createQueue';
import { TickBatcher } from '../../../api/src/queue/TickBatcher';
import { PgliteDatabase } from '../../../api/src/database/PgliteDatabase';
import { pgliteTemplateDump } from '../../support/pgliteTemplate';

let db: PgliteDatabase;
let store: OperationStore;

beforeAll(async () => {
  db = await PgliteDatabase.inMemory({ template: pgliteTemplateDump() });
  store = new OperationStore(db);
  await store.migrate();
});
afterAll(() => db.close());

function newOperation(queue: boolean): NewOperation {
  const id = randomUUID();
  return {
    id,
    idempotencyKey: `d:${randomUUID()}`,
    requestHash: 'hash',
    request: { action: 'submit', instance: 'b', input: { table: 'contact', record: { lastname: 'x' } }, origin: 'apikey:test', newRecordId: id },
    lane: `b:contact:${id}`,
    queue,
    owner: 'owner-1',
    leaseSeconds: 60,
  };
}

test('finished answers come back byte for byte: key order, quotes, backslashes, braces, commas, non-ASCII, null', async () => {
  const operations = [newOperation(false), newOperation(false), newOperation(false)];
  for (const operation of operations) await store.insert(operation);
  const answer = { z: 1, a: 'q"uote \\ back {x,y} ü 😀 NULL', n: null, list: [1, '2', { b: true }] };
  // Finished in one turn: one statement for the three.
  await Promise.all([
    store.finish(operations[0]!.id, 'owner-1', { state: 'succeeded', status: 200, response: answer }),
    store.finish(operations[1]!.id, 'owner-1', { state: 'failed', status: 409, response: { error: { code: 'Conflict', message: 'a "quoted" \\ name' } }, error: 'e"\\' }),
    store.finish(operations[2]!.id, 'owner-1', { state: 'succeeded', status: 200, response: null }, { background: true }),
  ]);
  const [first, second, third] = await Promise.all(operations.map((operation) => store.get(operation.id)));
  expect(JSON.stringify(first!.response)).toBe(JSON.stringify(answer));
  expect(first!.state).toBe('succeeded');
  expect(second).toMatchObject({ state: 'failed', status: 409, lastError: 'e"\\', response: { error: { message: 'a "quoted" \\ name' } } });
  expect(third).toMatchObject({ state: 'succeeded', response: null });
});

test('a finish by another owner (lease lost) changes nothing', async () => {
  const operation = newOperation(false);
  await store.insert(operation);
  expect(await store.finish(operation.id, 'someone-else', { state: 'succeeded', status: 200, response: {} })).toEqual({ finished: false });
  expect((await store.get(operation.id))!.state).toBe('running');
});

test('the embedded database housekeeping refreshes the statistics the planner uses (PGlite has no autovacuum)', async () => {
  const reltuples = async () => Number(((await db.executeSql(`SELECT reltuples FROM pg_class WHERE oid = 'dve.operation'::regclass`)).rows[0] as { reltuples: number }).reltuples);
  for (let i = 0; i < 300; i++) await store.insert(newOperation(true));
  const count = Number(((await db.executeSql('SELECT count(*)::int AS n FROM dve.operation')).rows[0] as { n: number }).n);
  expect(await reltuples()).not.toBe(count); // never analyzed: the planner does not know the table's size
  await vacuumEmbeddedDatabase(db, { analyzeOnly: true });
  expect(await reltuples()).toBe(count);
  // Every update leaves a dead row version behind; VACUUM makes their space reusable, so repeated
  // churn keeps the table the same size instead of growing by a table's worth each round.
  const size = async () => Number(((await db.executeSql(`SELECT pg_relation_size('dve.operation')::int AS n`)).rows[0] as { n: number }).n);
  await vacuumEmbeddedDatabase(db);
  const before = await size();
  for (let round = 0; round < 6; round++) {
    await db.executeSql(`UPDATE dve.operation SET attempts = attempts + 1, updated_at = now()`);
    await vacuumEmbeddedDatabase(db);
  }
  expect(await size()).toBeLessThanOrEqual(before * 2.5); // without VACUUM: about 7× (one more copy per round)
  expect(await reltuples()).toBe(count);
});

test('TickBatcher with a linger gathers calls made over several turns into one batch', async () => {
  const batches: number[][] = [];
  const batcher = new TickBatcher<number, number>(async (items) => {
    batches.push(items);
    return items.map((item) => item * 2);
  }, 200, 30);
  const first = batcher.add(1);
  await new Promise((resolve) => setImmediate(resolve));
  const second = batcher.add(2);
  await new Promise((resolve) => setTimeout(resolve, 5));
  const third = batcher.add(3);
  expect(await Promise.all([first, second, third])).toEqual([2, 4, 6]);
  expect(batches).toEqual([[1, 2, 3]]);
});

test("the queue's minute housekeeping covers pg-boss' job tables, which exist under these names", async () => {
  const boss = await createQueue({ memory: true, template: pgliteTemplateDump() });
  try {
    await expect(vacuumEmbeddedDatabase(boss.getDb(), { tables: PG_BOSS_CHURN_TABLES })).resolves.toBeUndefined();
  } finally {
    await boss.stop();
  }
});

test('a derived key counts as the same write while its operation is pending, and no more once it finished with a later write to the record', async () => {
  const lane = `b:account:${randomUUID()}`;
  const key = `d:${randomUUID()}`;
  const first = { ...newOperation(false), lane, idempotencyKey: key };
  expect((await store.insert(first)).kind).toBe('inserted');
  // Repeated while the first runs: the same write.
  const repeat = await store.insert({ ...newOperation(false), lane, idempotencyKey: key });
  expect(repeat).toMatchObject({ kind: 'existing', operation: { id: first.id } });
  // Another write to the record (P2) queues behind it; the first then finishes.
  const second = { ...newOperation(false), lane };
  expect((await store.insert(second)).operation.state).toBe('queued');
  await store.finish(first.id, 'owner-1', { state: 'succeeded', status: 200, response: {} });
  // P1 again after P2: a new write, queued behind P2.
  const third = await store.insert({ ...newOperation(false), lane, idempotencyKey: key });
  expect(third.kind).toBe('inserted');
  expect(third.operation.id).not.toBe(first.id);
  // With no later write, a repeat after the finish still is the same write.
  const lone = { ...newOperation(false), idempotencyKey: `d:${randomUUID()}` };
  await store.insert(lone);
  await store.finish(lone.id, 'owner-1', { state: 'succeeded', status: 200, response: { id: 1 } });
  expect(await store.insert({ ...newOperation(false), lane: lone.lane, idempotencyKey: lone.idempotencyKey })).toMatchObject({ kind: 'existing', operation: { id: lone.id } });
});

test('TickBatcher.settled waits for every call, also those made while it waits', async () => {
  const done: number[] = [];
  const batcher = new TickBatcher<number, void>(async (items) => {
    await new Promise((resolve) => setTimeout(resolve, 10));
    done.push(...items);
    if (items.includes(1)) void batcher.add(3); // a call made while settled() waits
    return items.map(() => undefined);
  });
  void batcher.add(1);
  void batcher.add(2);
  await batcher.settled();
  expect(done).toEqual([1, 2, 3]);
});

test('a table from before owners were recorded gets the column on start: its rows are visible to admins only, new ones to their key', async () => {
  const old = await PgliteDatabase.inMemory({ template: pgliteTemplateDump() });
  try {
    // The table as it was: every statement but the owner's column and index.
    await ensureDveTables(old, OPERATION_TABLE_DDL.filter((ddl) => !ddl.includes('api_key_name')));
    const legacyId = randomUUID();
    await old.executeSql(`INSERT INTO dve.operation (id, request_hash, instance, action, lane, request, state) VALUES ($1::uuid, 'h', 'b', 'submit', 'l', '{}'::jsonb, 'queued')`, [legacyId]);
    const migrated = new OperationStore(old);
    await migrated.migrate();
    await migrated.migrate(); // idempotent: every start runs it
    const owned = { ...newOperation(true), apiKeyName: 'flows' };
    await migrated.insert(owned);
    expect(await migrated.get(legacyId, { apiKeyName: 'flows' })).toBeUndefined();
    expect(await migrated.get(legacyId, EVERY_OPERATION)).toMatchObject({ id: legacyId, apiKeyName: null, state: 'queued' });
    expect(await migrated.get(owned.id, { apiKeyName: 'flows' })).toMatchObject({ apiKeyName: 'flows' });
    expect(await migrated.get(owned.id, { apiKeyName: 'other' })).toBeUndefined();
    expect((await migrated.list({ top: 10 }, { apiKeyName: 'flows' })).map((operation) => operation.id)).toEqual([owned.id]);
    expect((await migrated.list({ top: 10 }, EVERY_OPERATION)).map((operation) => operation.id).sort()).toEqual([legacyId, owned.id].sort());
  } finally {
    await old.close();
  }
});
