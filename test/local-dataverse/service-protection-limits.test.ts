/**
 * ref 6.4: the local Dataverse's model of Dataverse's service protection API limits, per caller
 * identity, over raw HTTP. The window is moved with an injected clock (frozen, or real time plus a
 * skew), never by waiting it out.
 */
import { ANONYMOUS_CALLER_ID, callerIdOf } from '../../api/src/local-dataverse/http/CallerIdentity';
import { startLocalDataverse } from '../../api/src/local-dataverse';
import { LocalDataverseFixture, type RawResponse } from './localDataverseFixture';
import { sendBatch, statuses } from './multipartBatch';

const BURST = 'x-ms-ratelimit-burst-remaining-xrm-requests';
const TIME = 'x-ms-ratelimit-time-remaining-xrm-requests';

let frozenAt: number | undefined;
let skew = 0;
const clock = () => (frozenAt ?? Date.now()) + skew;

const dv = new LocalDataverseFixture();
beforeAll(() => dv.start({ memory: true, clock }));
afterAll(() => dv.stop());
afterEach(async () => {
  await dv.admin('POST', 'faults', { mode: 'none' });
  await dv.admin('POST', 'limits', { enabled: false });
  frozenAt = undefined;
  skew = 0;
});

const as = (token: string) => ({ Authorization: `Bearer ${token}` });
const read = (headers: Record<string, string> = {}) => dv.request('GET', 'accounts?$top=1', undefined, headers);
const burst = (r: RawResponse) => r.headers.get(BURST);
const timeLeft = (r: RawResponse) => Number(r.headers.get(TIME));

async function limits(body: Record<string, unknown>): Promise<void> {
  const r = await dv.admin('POST', 'limits', body);
  expect(r.status).toBe(200);
}

async function usage(callerId: string): Promise<{ requests: number; executionMs: number; concurrent: number } | undefined> {
  return (await dv.admin('GET', 'limits')).body.callers[callerId];
}

function jwtWithOid(oid: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ oid })}.signature`;
}

describe('service protection limits (ref 6.4)', () => {
  test('are off by default: no rate-limit headers, nothing counted', async () => {
    const r = await read();
    expect(r.status).toBe(200);
    expect(r.headers.get(BURST)).toBeNull();
    expect(r.headers.get(TIME)).toBeNull();
    expect((await dv.admin('GET', 'limits')).body).toEqual({
      enabled: false,
      windowSeconds: 300,
      maxRequests: 6000,
      maxExecutionMs: 1_200_000,
      maxConcurrent: 52,
      callers: {},
    });
  });

  test('once enabled every answer carries what is left in the window, counting that answer', async () => {
    const settings = await dv.admin('POST', 'limits', { enabled: true });
    expect(settings).toEqual({ status: 200, body: { enabled: true, windowSeconds: 300, maxRequests: 6000, maxExecutionMs: 1_200_000, maxConcurrent: 52 } });
    const answers = [await read(), await read(), await dv.request('GET', 'nosuchset'), await read()];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 404, 200]);
    expect(answers.map(burst)).toEqual(['5999', '5998', '5997', '5996']);
    const times = answers.map(timeLeft);
    expect(times.every((t) => Number.isInteger(t) && t >= 0 && t <= 1_200_000)).toBe(true);
    expect(times).toEqual([...times].sort((a, b) => b - a)); // never grows while the window fills
    expect(await usage(ANONYMOUS_CALLER_ID)).toEqual({ requests: 4, executionMs: 1_200_000 - times[3]!, concurrent: 0 });

    await limits({ enabled: false });
    expect(burst(await read())).toBeNull();
  });

  test('the requests limit answers 429 with the error, Retry-After and headers, then allows again once the window moved', async () => {
    frozenAt = Date.now();
    await limits({ enabled: true, maxRequests: 3, windowSeconds: 60 });
    expect((await Promise.all([read(), read(), read()])).map((r) => r.status)).toEqual([200, 200, 200]);

    const refused = await read();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('Content-Type')).toMatch(/^application\/json/);
    expect(refused.json()).toEqual({ error: { code: '0x80072322', message: 'Number of requests exceeded the limit of 3 over time window of 60 seconds.' } });
    expect(refused.headers.get('Retry-After')).toBe('60');
    expect(burst(refused)).toBe('0');
    expect(refused.headers.get(TIME)).toBe('1200000'); // the frozen clock: no time passes

    skew = 500;
    expect((await read()).headers.get('Retry-After')).toBe('60'); // 59.5 s left: rounded up
    skew = 59_999;
    const almost = await read();
    expect(almost.status).toBe(429);
    expect(almost.headers.get('Retry-After')).toBe('1'); // 1 ms left, rounded up to a whole second
    skew = 60_000;
    const again = await read();
    expect(again.status).toBe(200);
    expect(burst(again)).toBe('2'); // the three old requests left the window; refused ones never counted
  });

  test('a refused write is not applied', async () => {
    const name = `refused-${Date.now()}`;
    frozenAt = Date.now();
    await limits({ enabled: true, maxRequests: 1, windowSeconds: 60 });
    expect((await read()).status).toBe(200);
    expect((await dv.request('POST', 'accounts', { name })).status).toBe(429);
    await limits({ enabled: false });
    expect((await dv.request('GET', `accounts?$filter=name eq '${name}'`)).json().value).toEqual([]);
  });

  test('the execution-time limit counts the time spent answering, injected latency included', async () => {
    await limits({ enabled: true, maxExecutionMs: 1500, windowSeconds: 60 });
    await dv.admin('POST', 'faults', { mode: 'slow', latencyMs: 800 });
    const first = await read();
    expect(first.status).toBe(200);
    expect(timeLeft(first)).toBeLessThanOrEqual(1500 - 790);
    const second = await read();
    expect(second.status).toBe(200);
    expect(timeLeft(second)).toBe(0); // 1,600 ms or more used: the budget is spent, the next request is refused

    const refused = await read();
    expect(refused.status).toBe(429);
    expect(refused.json().error).toEqual({
      code: '0x80072321',
      message:
        'Combined execution time of incoming requests exceeded limit of 1,500 milliseconds over time window of 60 seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.',
    });
    const retryAfter = Number(refused.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(burst(refused)).toBe('5998');
    expect(timeLeft(refused)).toBe(0);

    await dv.admin('POST', 'faults', { mode: 'none' });
    skew = retryAfter * 1000; // the first request's time left the window
    const again = await read();
    expect(again.status).toBe(200);
    expect(timeLeft(again)).toBeGreaterThan(0);
  });

  test('the concurrency limit trips at once while requests are under way, and frees as they end', async () => {
    await limits({ enabled: true, maxConcurrent: 2 });
    await dv.admin('POST', 'faults', { mode: 'slow', latencyMs: 1500 });
    const held = [read(), read()];
    for (let i = 0; i < 200 && (await usage(ANONYMOUS_CALLER_ID))?.concurrent !== 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect((await usage(ANONYMOUS_CALLER_ID))?.concurrent).toBe(2);

    const refused = await read();
    expect(refused.status).toBe(429);
    expect(refused.json().error).toEqual({ code: '0x80072326', message: 'Number of concurrent requests exceeded the limit of 2.' });
    expect(refused.headers.get('Retry-After')).toBe('1');
    expect(burst(refused)).toBe('5998');
    expect((await read(as('someone-else'))).status).toBe(200); // another identity has its own slots

    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
    await dv.admin('POST', 'faults', { mode: 'none' });
    expect((await read()).status).toBe(200);
    expect((await usage(ANONYMOUS_CALLER_ID))?.concurrent).toBe(0);
  });

  test('a $batch counts as one request, whatever it holds, and carries the headers', async () => {
    await limits({ enabled: true });
    const r = await sendBatch(dv, [
      { method: 'GET', url: 'accounts?$top=1' },
      { method: 'GET', url: 'accounts?$top=1' },
      [
        { method: 'POST', url: 'accounts', body: { name: 'batched 1' }, contentId: '1' },
        { method: 'POST', url: 'accounts', body: { name: 'batched 2' }, contentId: '2' },
        { method: 'PATCH', url: '$1', body: { name: 'batched 1b' }, contentId: '3' },
      ],
    ]);
    expect(r.status).toBe(200);
    expect(statuses(r.text)).toEqual([200, 200, 204, 204, 204]);
    expect(burst(r)).toBe('5999');
    expect((await usage(ANONYMOUS_CALLER_ID))?.requests).toBe(1);
  });

  test('slow charges latencyPerBatchOperationMs for each batch operation after the first, towards the execution time', async () => {
    expect((await dv.admin('GET', 'faults')).body.latencyPerBatchOperationMs).toBe(0);
    expect((await dv.admin('POST', 'faults', { mode: 'slow', latencyPerBatchOperationMs: 10_001 })).body.error.field).toBe('latencyPerBatchOperationMs');
    await limits({ enabled: true });
    await dv.admin('POST', 'faults', { mode: 'slow', latencyMs: 0, latencyPerBatchOperationMs: 200 });
    const ops = Array.from({ length: 4 }, () => ({ method: 'GET', url: 'accounts?$top=1' }));
    const r = await sendBatch(dv, ops);
    expect(r.status).toBe(200);
    expect(1_200_000 - timeLeft(r)).toBeGreaterThanOrEqual(3 * 200 - 10);
    expect((await usage(ANONYMOUS_CALLER_ID))?.executionMs).toBe(1_200_000 - timeLeft(r));
  });

  test('each identity has its own budget: a JWT oid, a token without one, and no token', async () => {
    frozenAt = Date.now();
    const oid = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
    const alice = jwtWithOid(oid);
    await limits({ enabled: true, maxRequests: 2, windowSeconds: 60 });
    expect((await read(as(alice))).status).toBe(200);
    expect((await read(as(alice))).status).toBe(200);
    expect((await read(as(alice))).status).toBe(429);

    const bob = await read(as('bob-opaque-token'));
    expect(bob.status).toBe(200);
    expect(burst(bob)).toBe('1');
    expect(burst(await read())).toBe('1');
    expect((await read(as(alice))).status).toBe(429);

    const callers = (await dv.admin('GET', 'limits')).body.callers;
    expect(callers).toEqual({
      [oid]: { requests: 2, executionMs: 0, concurrent: 0 },
      [callerIdOf('Bearer bob-opaque-token')]: { requests: 1, executionMs: 0, concurrent: 0 },
      [ANONYMOUS_CALLER_ID]: { requests: 1, executionMs: 0, concurrent: 0 },
    });
  });

  test('posting settings starts every caller afresh', async () => {
    frozenAt = Date.now();
    await limits({ enabled: true, maxRequests: 1 });
    expect((await read()).status).toBe(200);
    expect((await read()).status).toBe(429);
    await limits({ enabled: true, maxRequests: 1 });
    expect((await dv.admin('GET', 'limits')).body.callers).toEqual({});
    expect((await read()).status).toBe(200);
  });

  test('/_admin requests are neither counted nor limited, and carry no rate-limit headers', async () => {
    frozenAt = Date.now();
    await limits({ enabled: true, maxRequests: 1 });
    for (let i = 0; i < 5; i++) expect((await dv.admin('GET', 'stats')).status).toBe(200);
    expect(burst(await read())).toBe('0');
    expect((await read()).status).toBe(429);
    const admin = await fetch(`${dv.instance.url}/_admin/limits`);
    expect(admin.status).toBe(200);
    expect(admin.headers.get(BURST)).toBeNull();
    expect(((await admin.json()) as { callers: Record<string, { requests: number }> }).callers[ANONYMOUS_CALLER_ID]?.requests).toBe(1);
  });

  test('fault answers carry the headers too', async () => {
    await limits({ enabled: true });
    await dv.admin('POST', 'faults', { mode: 'unavailable' });
    const r = await read();
    expect(r.status).toBe(503);
    expect(burst(r)).toBe('5999');
  });

  test.each([
    [{ enabled: 'yes' }, 'enabled'],
    [{}, 'enabled'],
    [{ enabled: true, windowSeconds: 0 }, 'windowSeconds'],
    [{ enabled: true, windowSeconds: 3601 }, 'windowSeconds'],
    [{ enabled: true, maxRequests: 1.5 }, 'maxRequests'],
    [{ enabled: true, maxExecutionMs: 0 }, 'maxExecutionMs'],
    [{ enabled: true, maxConcurrent: -1 }, 'maxConcurrent'],
    [{ enabled: true, burst: 10 }, 'burst'],
    [[true], 'body'],
  ])('invalid settings %j answer 400 naming %s and change nothing', async (body, field) => {
    await limits({ enabled: true, maxRequests: 7 });
    const r = await dv.admin('POST', 'limits', body);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('InvalidLimits');
    expect(r.body.error.field).toBe(field);
    expect(r.body.error.message).toContain(field);
    expect((await dv.admin('GET', 'limits')).body).toMatchObject({ enabled: true, maxRequests: 7 });
  });

  test('a body that is not JSON answers 400', async () => {
    const r = await fetch(`${dv.instance.url}/_admin/limits`, { method: 'POST', body: '{"enabled":', headers: { 'Content-Type': 'application/json' } });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('InvalidJson');
  });
});

describe('per-caller stats', () => {
  test('/_admin/stats counts requests by caller identity, with limits on or off, and reset clears them', async () => {
    await dv.admin('POST', 'stats/reset');
    await read(as('carol'));
    await read(as('carol'));
    await read(as('dave'));
    await read();
    const http = (await dv.admin('GET', 'stats')).body.http;
    expect(http.total).toBe(4);
    expect(http.byCaller).toEqual({ [callerIdOf('Bearer carol')]: 2, [callerIdOf('Bearer dave')]: 1, [ANONYMOUS_CALLER_ID]: 1 });
    await dv.admin('POST', 'stats/reset');
    expect((await dv.admin('GET', 'stats')).body.http.byCaller).toEqual({});
  });
});

describe('startLocalDataverse({ limits })', () => {
  test('starts with the limits on', async () => {
    const instance = await startLocalDataverse({ memory: true, limits: { enabled: true, maxRequests: 10 } });
    try {
      const r = await fetch(`${instance.webApiUrl}accounts?$top=1`);
      expect(r.headers.get(BURST)).toBe('9');
    } finally {
      await instance.close();
    }
  });
});
