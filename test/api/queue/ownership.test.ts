/**
 * Operations belong to the API key that created them, over real HTTP with two caller keys and one
 * admin key: a key sees, lists, retries and cancels only its own (another key's id is answered exactly
 * like an unknown one), an admin key all; an identical request from another key is another operation.
 * And cancelling: a queued operation never runs once cancelled, its status says so, and what is not
 * queued cannot be cancelled (409 saying why).
 */
import { randomUUID } from 'node:crypto';
import { API_KEY, call, countRows, pollUntilDone, setFault, startQueueFixture, type QueueFixture } from './queueFixture';

jest.setTimeout(180_000);

const KEY_A = API_KEY; // env-1
const KEY_B = 'dve_test_operations_key_b_0123456789abcdef'; // env-2
const KEY_ADMIN = 'dve_test_operations_admin_0123456789abcdef'; // admin-env-1

const as = (key: string, headers: Record<string, string> = {}) => ({ 'X-API-Key': key, ...headers });

describe('operations belong to their API key', () => {
  let fixture: QueueFixture;
  beforeAll(async () => {
    fixture = await startQueueFixture({ env: { API_KEYS: `${KEY_A},${KEY_B}`, ADMIN_API_KEYS: KEY_ADMIN } });
  });
  afterAll(async () => fixture?.close());

  it('a key reads and lists only its own operations; another key\'s id is a 404 like an unknown one; an admin sees all', async () => {
    const body = { table: 'contact', record: { lastname: 'OWN same' } };
    const fromA = await call(fixture.url, 'POST', '/v1/instances/b/submit', body, as(KEY_A));
    const fromB = await call(fixture.url, 'POST', '/v1/instances/b/submit', body, as(KEY_B));
    expect([fromA.status, fromB.status]).toEqual([200, 200]);
    const [opA, opB] = [fromA.headers.get('x-operation-id')!, fromB.headers.get('x-operation-id')!];
    // The same request from another key is another operation (no derived-key merge across keys): two records.
    expect(opB).not.toBe(opA);
    expect(fromB.headers.get('idempotent-replayed')).toBeNull();
    expect(await countRows(fixture.b, 'contacts', "lastname eq 'OWN same'")).toBe(2);
    // The same key repeating itself is still one write.
    const againA = await call(fixture.url, 'POST', '/v1/instances/b/submit', body, as(KEY_A));
    expect(againA.headers.get('x-operation-id')).toBe(opA);
    expect(againA.headers.get('idempotent-replayed')).toBe('true');

    expect((await call(fixture.url, 'GET', `/v1/operations/${opA}`, undefined, as(KEY_A))).status).toBe(200);
    expect((await call(fixture.url, 'GET', `/v1/operations/${opA}`, undefined, as(KEY_ADMIN))).status).toBe(200);
    const foreign = await call(fixture.url, 'GET', `/v1/operations/${opA}`, undefined, as(KEY_B));
    const unknownId = randomUUID();
    const unknown = await call(fixture.url, 'GET', `/v1/operations/${unknownId}`, undefined, as(KEY_B));
    expect(foreign.status).toBe(404);
    expect(JSON.stringify(foreign.body).replace(opA, 'ID')).toBe(JSON.stringify(unknown.body).replace(unknownId, 'ID'));

    const list = async (key: string) => ((await call(fixture.url, 'GET', '/v1/operations?top=500', undefined, as(key))).body.value as Array<{ id: string; apiKey?: string }>);
    const [listA, listB, listAdmin] = await Promise.all([list(KEY_A), list(KEY_B), list(KEY_ADMIN)]);
    expect(listA.map((o) => o.id)).toContain(opA);
    expect(listA.map((o) => o.id)).not.toContain(opB);
    expect(listA.every((o) => o.apiKey === 'env-1')).toBe(true);
    expect(listB.map((o) => o.id)).toEqual([opB]);
    expect(listAdmin.find((o) => o.id === opA)?.apiKey).toBe('env-1');
    expect(listAdmin.find((o) => o.id === opB)?.apiKey).toBe('env-2');
  });

  it('only the owner (or an admin) retries a dead letter', async () => {
    const holder = await call(fixture.url, 'POST', '/v1/instances/b/submit', { table: 'account', record: { name: 'Holder', accountnumber: 'OWN-DL' } }, as(KEY_A));
    expect(holder.status).toBe(200);
    const accepted = await call(fixture.url, 'POST', '/v1/instances/b/submit', { table: 'account', record: { name: 'Dup', accountnumber: 'OWN-DL' } }, as(KEY_A, { Prefer: 'respond-async' }));
    expect(accepted.status).toBe(202);
    // pollUntilDone sends KEY_A, the owner.
    const failed = await pollUntilDone(accepted.headers.get('location')!);
    expect(failed.status).toBe(409);
    const id = accepted.body.id as string;

    const foreign = await call(fixture.url, 'POST', `/v1/operations/${id}/retry`, undefined, as(KEY_B));
    expect(foreign.status).toBe(404);
    expect(foreign.body.error).toMatchObject({ code: 'NotFound', field: 'params.id' });
    expect((await call(fixture.url, 'GET', `/v1/operations?state=failed`, undefined, as(KEY_B))).body.value).toEqual([]);
    const byAdmin = await call(fixture.url, 'POST', `/v1/operations/${id}/retry`, undefined, as(KEY_ADMIN));
    expect(byAdmin.status).toBe(202);
    await pollUntilDone(byAdmin.headers.get('location')!);
    const byOwner = await call(fixture.url, 'POST', `/v1/operations/${id}/retry`, undefined, as(KEY_A));
    expect(byOwner.status).toBe(202);
  });

  it('cancel: a queued operation is never run, its status says so; running, finished or another key\'s cannot be cancelled', async () => {
    // A Retry-After longer than the resilience policy waits opens the circuit for it: from then on
    // every write is accepted and stays queued until the circuit closes.
    await setFault(fixture.b, { mode: 'throttle', retryAfterSeconds: 600 });
    const first = await call(fixture.url, 'POST', '/v1/instances/b/submit', { table: 'account', key: { accountnumber: 'CXL-1' }, record: { name: 'v1' } }, as(KEY_A));
    expect(first.status).toBe(202);
    await setFault(fixture.b, { mode: 'none' });
    const mine = await call(fixture.url, 'POST', '/v1/instances/b/submit', { table: 'account', key: { accountnumber: 'CXL-2' }, record: { name: 'never' } }, as(KEY_A));
    expect(mine.status).toBe(202);
    const id = mine.body.id as string;

    const foreign = await call(fixture.url, 'POST', `/v1/operations/${id}/cancel`, undefined, as(KEY_B));
    expect(foreign.status).toBe(404);
    const cancelled = await call(fixture.url, 'POST', `/v1/operations/${id}/cancel`, undefined, as(KEY_A));
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id, state: 'cancelled', status: 409, apiKey: 'env-1', response: { error: { code: 'OperationCancelled' } } });
    const status = await call(fixture.url, 'GET', `/v1/operations/${id}`, undefined, as(KEY_A));
    expect(status.status).toBe(409);
    expect(status.body.error.code).toBe('OperationCancelled');
    expect(status.body.error.message).toContain('not applied');
    const again = await call(fixture.url, 'POST', `/v1/operations/${id}/cancel`, undefined, as(KEY_A));
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'Conflict', field: 'params.id' });
    expect(again.body.error.message).toContain('already been cancelled');
    expect((await call(fixture.url, 'POST', `/v1/operations/${id}/retry`, undefined, as(KEY_A))).status).toBe(409);
    expect((await call(fixture.url, 'GET', '/v1/operations?state=cancelled', undefined, as(KEY_A))).body.value.map((o: { id: string }) => o.id)).toEqual([id]);

    // An admin cancels another key's queued operation.
    expect((await call(fixture.url, 'POST', `/v1/operations/${first.body.id}/cancel`, undefined, as(KEY_ADMIN))).body.state).toBe('cancelled');

    // Finished: refused, naming why.
    const done = (await call(fixture.url, 'GET', '/v1/operations?state=succeeded&top=1', undefined, as(KEY_A))).body.value[0];
    const finished = await call(fixture.url, 'POST', `/v1/operations/${done.id}/cancel`, undefined, as(KEY_A));
    expect(finished.status).toBe(409);
    expect(finished.body.error.message).toContain('already been applied');
    expect((await call(fixture.url, 'POST', `/v1/operations/${randomUUID()}/cancel`, undefined, as(KEY_A))).status).toBe(404);
    expect((await call(fixture.url, 'POST', '/v1/operations/not-a-guid/cancel', undefined, as(KEY_A))).status).toBe(400);
    expect(await countRows(fixture.b, 'accounts', "accountnumber eq 'CXL-2'")).toBe(0);
  });
});
