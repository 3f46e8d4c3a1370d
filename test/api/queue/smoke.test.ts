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
    const again = await call(fixture.url, 'POST', '/v1/instances/b/submit', body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
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
