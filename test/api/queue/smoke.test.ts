import { call, pollUntilDone, setFault, startQueueFixture, waitForDrain, countRows, type QueueFixture } from './queueFixture';

jest.setTimeout(120_000);

describe('durable queue smoke', () => {
  let fixture: QueueFixture;
  beforeAll(async () => {
    fixture = await startQueueFixture();
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it('runs at once when b is up, replays an identical request, and accepts with 202 when asked', async () => {
    const body = { table: 'contact', record: { lastname: 'Smoke' }, references: { parentcustomerid_account: { table: 'account', key: { accountnumber: 'SMOKE-1' }, name: 'Smoke Co' } } };
    const first = await call(fixture.url, 'POST', '/v1/instances/b/submit', body);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-operation-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.body.replayed).toBeUndefined();
    const again = await call(fixture.url, 'POST', '/v1/instances/b/submit', body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, replayed: true });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await countRows(fixture.b, 'contacts', "lastname eq 'Smoke'")).toBe(1);

    const asyncAnswer = await call(fixture.url, 'POST', '/v1/instances/b/ensure', { table: 'account', key: { accountnumber: 'SMOKE-2' } }, { Prefer: 'respond-async' });
    expect(asyncAnswer.status).toBe(202);
    const location = asyncAnswer.headers.get('location')!;
    expect(location).toBe(`${fixture.url}/v1/operations/${asyncAnswer.body.id}`);
    expect(asyncAnswer.headers.get('retry-after')).toBe('1');
    const done = await pollUntilDone(location);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ table: 'account', outcome: 'created-stub' });
  });

  it('a replayed ensure says so in its body and header; a first answer has neither', async () => {
    const body = { table: 'account', key: { accountnumber: 'SMOKE-REPLAY' }, name: 'Replay Co' };
    const first = await call(fixture.url, 'POST', '/v1/instances/b/ensure', body);
    expect([first.status, first.body.outcome, first.headers.get('idempotent-replayed')]).toEqual([200, 'created-stub', null]);
    expect(Object.keys(first.body)).not.toContain('replayed');
    const again = await call(fixture.url, 'POST', '/v1/instances/b/ensure', body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, replayed: true });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    // A new Idempotency-Key runs anew: the stub now exists, and the answer is not a replay.
    const fresh = await call(fixture.url, 'POST', '/v1/instances/b/ensure', body, { 'Idempotency-Key': `smoke-replay-${Date.now()}` });
    expect([fresh.status, fresh.body.outcome, fresh.body.replayed, fresh.headers.get('idempotent-replayed')]).toEqual([200, 'exists-as-stub', undefined, null]);
  });

  it('a replayed 202 acknowledgement says so in its body too', async () => {
    const body = { table: 'account', key: { accountnumber: 'SMOKE-REPLAY-202' } };
    const headers = { Prefer: 'respond-async', 'Idempotency-Key': `smoke-replay-202-${Date.now()}` };
    await setFault(fixture.b, { mode: 'down' });
    try {
      const first = await call(fixture.url, 'POST', '/v1/instances/b/ensure', body, headers);
      const again = await call(fixture.url, 'POST', '/v1/instances/b/ensure', body, headers);
      expect([first.status, first.body.replayed, first.headers.get('idempotent-replayed')]).toEqual([202, undefined, null]);
      expect([again.status, again.headers.get('idempotent-replayed')]).toEqual([202, 'true']);
      expect(again.body).toEqual({ ...first.body, replayed: true });
    } finally {
      await setFault(fixture.b, { mode: 'none' });
    }
    await waitForDrain(fixture.url);
  });

  it('accepts while b is down and applies everything when it is back', async () => {
    await setFault(fixture.b, { mode: 'down' });
    const answers = [];
    for (let i = 0; i < 20; i++) {
      answers.push(await call(fixture.url, 'POST', '/v1/instances/b/submit', { table: 'contact', record: { lastname: `Down ${i}` }, references: { parentcustomerid_account: { table: 'account', key: { accountnumber: `DOWN-${i % 5}` } } } }));
    }
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 202));
    await setFault(fixture.b, { mode: 'none' });
    await waitForDrain(fixture.url);
    for (const answer of answers) {
      const done = await pollUntilDone(answer.headers.get('location')!);
      expect(done.status).toBe(200);
    }
    expect(await countRows(fixture.b, 'contacts', "startswith(lastname,'Down ')")).toBe(20);
  });
});
