/**
 * Issue 4's guarantees over real HTTP: idempotency (header and derived), order per record, dead
 * letters and their replay, and the queue's metrics.
 */
import { randomUUID } from 'node:crypto';
import { call, countRows, inParallel, pollUntilDone, rowsWithPrefix, setFault, startQueueFixture, waitForDrain, type QueueFixture } from './queueFixture';

jest.setTimeout(180_000);

describe('durable queue guarantees', () => {
  let fixture: QueueFixture;
  beforeAll(async () => {
    fixture = await startQueueFixture();
  });
  afterAll(async () => fixture?.close());
  afterEach(async () => setFault(fixture.b, { mode: 'none' }));

  it('20 concurrent submits with one Idempotency-Key are one record, one operation, one answer', async () => {
    const key = randomUUID();
    const body = { table: 'contact', record: { lastname: 'IDEM one' }, references: { parentcustomerid_account: { table: 'account', key: { accountnumber: 'IDEM-1' } } } };
    const answers = await inParallel(20, 20, () => call(fixture.url, 'POST', '/v1/instances/b/submit', body, { 'Idempotency-Key': key }));
    const ids = new Set(answers.map((a) => a.headers.get('x-operation-id')));
    expect(ids.size).toBe(1);
    expect(answers.every((a) => a.status === 200 || a.status === 202)).toBe(true);
    const finals = await Promise.all(answers.map((a) => (a.status === 202 ? pollUntilDone(a.headers.get('location')!) : a)));
    // Byte for byte: the stored answer is replayed as first given, a replay marked `replayed: true` at its end.
    const withoutMark = (text: string) => text.replace(/,"replayed":true}$/, '}');
    expect(new Set(finals.map((f) => withoutMark(JSON.stringify(f.body)))).size).toBe(1);
    for (const answer of answers) {
      if (answer.status === 200) expect(answer.body.replayed === true).toBe(answer.headers.get('idempotent-replayed') === 'true');
    }
    expect(finals[0]!.body).toMatchObject({ table: 'contact', operation: 'created' });
    expect(await countRows(fixture.b, 'contacts', "lastname eq 'IDEM one'")).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);

    // The same key for another request is refused, naming the header; nothing is written.
    const reused = await call(fixture.url, 'POST', '/v1/instances/b/submit', { ...body, record: { lastname: 'IDEM other' } }, { 'Idempotency-Key': key });
    expect(reused.status).toBe(422);
    expect(reused.body.error).toMatchObject({ code: 'IdempotencyKeyReused', field: 'headers.idempotency-key' });
    expect(await countRows(fixture.b, 'contacts', "lastname eq 'IDEM other'")).toBe(0);
    const malformed = await call(fixture.url, 'POST', '/v1/instances/b/submit', body, { 'Idempotency-Key': 'has spaces in it' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.field).toBe('headers.idempotency-key');
  });

  it('derives the key when none is sent: a platform retry of one flow run is one write, another run is another', async () => {
    const body = { table: 'contact', record: { lastname: 'DERIVED twice' } };
    const run1 = { 'x-ms-workflow-name': 'wf', 'x-ms-workflow-run-id': 'run-1' };
    const first = await call(fixture.url, 'POST', '/v1/instances/b/submit', body, run1);
    const retry = await call(fixture.url, 'POST', '/v1/instances/b/submit', body, run1);
    expect(retry.body).toEqual({ ...first.body, replayed: true });
    expect(retry.headers.get('x-operation-id')).toBe(first.headers.get('x-operation-id'));
    const otherRun = await call(fixture.url, 'POST', '/v1/instances/b/submit', body, { ...run1, 'x-ms-workflow-run-id': 'run-2' });
    expect(otherRun.body.id).not.toBe(first.body.id);
    expect(await countRows(fixture.b, 'contacts', "lastname eq 'DERIVED twice'")).toBe(2);
  });

  it('an upsert repeated after another write to the record is applied again (P1, P2, P1 ends at P1)', async () => {
    const upsert = (firstname: string) => call(fixture.url, 'POST', '/v1/instances/b/submit', { table: 'account', key: { accountnumber: 'ABA-1' }, record: { name: firstname } });
    expect((await upsert('P1')).status).toBe(200);
    expect((await upsert('P2')).status).toBe(200);
    const again = await upsert('P1');
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    const [row] = await rowsWithPrefix(fixture.b, 'accounts', 'accountnumber', 'ABA-1');
    expect(row!.name).toBe('P1');
  });

  it('applies the operations of one record in arrival order, while b is down and after', async () => {
    await setFault(fixture.b, { mode: 'down' });
    const answers = [];
    for (let i = 0; i < 12; i++) {
      // Alternate two records; each sees its versions in order.
      const record = i % 2 === 0 ? 'ORD-A' : 'ORD-B';
      answers.push(await call(fixture.url, 'POST', '/v1/instances/b/submit', { table: 'account', key: { accountnumber: record }, record: { name: `${record} v${i}` } }));
    }
    expect(answers.every((a) => a.status === 202)).toBe(true);
    await setFault(fixture.b, { mode: 'none' });
    await waitForDrain(fixture.url);
    const rows = await rowsWithPrefix(fixture.b, 'accounts', 'accountnumber', 'ORD-');
    expect(Object.fromEntries(rows.map((r) => [r.accountnumber, r.name]))).toEqual({ 'ORD-A': 'ORD-A v10', 'ORD-B': 'ORD-B v11' });
    const operations = await Promise.all(answers.map((a) => call(fixture.url, 'GET', `/v1/operations?instance=b&top=500`).then(() => a.body.id as string)));
    const list = (await call(fixture.url, 'GET', '/v1/operations?state=succeeded&top=500')).body.value as Array<{ id: string; finishedOn: string }>;
    const finished = operations.map((id) => list.find((o) => o.id === id)!.finishedOn);
    for (const lane of [0, 1]) {
      const times = finished.filter((_, i) => i % 2 === lane);
      expect([...times].sort()).toEqual(times);
    }
    // Asked to, a write is queued even with b up, and a later one on the same record waits for it.
    const first = await call(fixture.url, 'POST', '/v1/instances/b/submit', { table: 'account', key: { accountnumber: 'ORD-A' }, record: { name: 'async 1' } }, { Prefer: 'respond-async' });
    const second = await call(fixture.url, 'POST', '/v1/instances/b/submit', { table: 'account', key: { accountnumber: 'ORD-A' }, record: { name: 'sync 2' } });
    expect(first.status).toBe(202);
    expect(first.headers.get('preference-applied')).toBe('respond-async');
    expect([200, 202]).toContain(second.status);
    await waitForDrain(fixture.url);
    expect((await rowsWithPrefix(fixture.b, 'accounts', 'accountnumber', 'ORD-A'))[0]!.name).toBe('sync 2');
  });

  it('dead-letters a permanent failure with its request and error, and replays it once the cause is fixed', async () => {
    const existing = await call(fixture.url, 'POST', '/v1/instances/b/submit', { table: 'account', record: { name: 'Holder', accountnumber: 'DL-1' } });
    expect(existing.status).toBe(200);
    // A second account with the same alternate key value: Dataverse refuses it, whenever it is tried.
    const accepted = await call(fixture.url, 'POST', '/v1/instances/b/submit', { table: 'account', record: { name: 'Newcomer', accountnumber: 'DL-1' } }, { Prefer: 'respond-async' });
    expect(accepted.status).toBe(202);
    const failed = await pollUntilDone(accepted.headers.get('location')!);
    expect(failed.status).toBe(409);
    expect(failed.body.error.code).toBe('Conflict');
    const deadLetters = (await call(fixture.url, 'GET', '/v1/operations?state=failed')).body.value;
    const letter = deadLetters.find((o: { id: string }) => o.id === accepted.body.id);
    expect(letter).toMatchObject({ state: 'failed', status: 409, action: 'submit', request: { table: 'account', record: { name: 'Newcomer', accountnumber: 'DL-1' } } });
    expect(letter.lastError).toContain('Conflict');
    expect(letter.response.error.code).toBe('Conflict');

    // Retrying what did not fail is refused; an unknown id is 404.
    expect((await call(fixture.url, 'POST', `/v1/operations/${existing.headers.get('x-operation-id')}/retry`)).status).toBe(409);
    expect((await call(fixture.url, 'POST', `/v1/operations/${randomUUID()}/retry`)).status).toBe(404);
    expect((await call(fixture.url, 'GET', '/v1/operations/not-a-guid')).status).toBe(400);

    // Fix the cause (the holder gives up the key), then replay.
    const response = await fetch(`${fixture.b}/api/data/v9.2/accounts(${existing.body.id})`, { method: 'DELETE' });
    expect(response.status).toBe(204);
    const replay = await call(fixture.url, 'POST', `/v1/operations/${accepted.body.id}/retry`);
    expect(replay.status).toBe(202);
    const done = await pollUntilDone(replay.headers.get('location')!);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ table: 'account', operation: 'created' });
    expect((await rowsWithPrefix(fixture.b, 'accounts', 'accountnumber', 'DL-1')).map((r) => r.name)).toEqual(['Newcomer']);
    expect((await call(fixture.url, 'GET', '/v1/operations?state=failed')).body.value.find((o: { id: string }) => o.id === accepted.body.id)).toBeUndefined();
  });

  it('exposes queue depth, dead letters and accepted operations in /metrics', async () => {
    await setFault(fixture.b, { mode: 'down' });
    await call(fixture.url, 'POST', '/v1/instances/b/ensure', { table: 'account', key: { accountnumber: 'MET-1' } }, { Prefer: 'respond-async' });
    const text = await (await fetch(`${fixture.url}/metrics`)).text();
    // Pending: queued, or already tried by the drain (b is down but its circuit still closed).
    expect(text).toMatch(/dve_operations\{state="(queued|running)"\} [1-9]/);
    expect(text).toMatch(/dve_operations_accepted_total\{instance="b",action="ensure"\} [1-9]/);
    expect(text).toMatch(/dve_operations_oldest_pending_age_seconds \d/);
    expect(text).toMatch(/dve_operations_dead_letters 0/);
    expect(text).toMatch(/dve_http_requests_total\{method="POST",route="\/v1\/instances\/:instance\/ensure",status="202"\} 1/);
  });
});
