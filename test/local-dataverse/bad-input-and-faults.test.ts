/** Bad input never crashes or half-writes (ref 1.5, 6.1–6.3), and every fault mode (ref 6.4). */
import { request as httpRequest } from 'node:http';
import { ANONYMOUS_CALLER_ID } from '../../api/src/local-dataverse/http/CallerIdentity';
import { LocalDataverseFixture } from './localDataverseFixture';

const dv = new LocalDataverseFixture();
beforeAll(() => dv.start({ memory: true, maxBodyBytes: 64 * 1024 }));
afterAll(() => dv.stop());
afterEach(() => dv.admin('POST', 'faults', { mode: 'none' }));

async function accountCount(): Promise<string> {
  return (await dv.request('GET', 'accounts/$count')).text;
}

describe('bad input', () => {
  test.each([
    ['malformed JSON', '{"name": "x",', '0x80048d19', 'Invalid JSON'],
    ['a JSON array', '[{"name":"x"}]', '0x80048d19', 'must be a JSON object'],
    ['a number for a string column', { name: 42 }, '0x80048d19', "Cannot convert the literal '42' to the expected type 'Edm.String'."],
    ['a string for a money column', { name: 'x', revenue: 'lots' }, '0x80048d19', 'Edm.Decimal'],
    ['an over-long string', { name: 'x'.repeat(161) }, '0x80044331', "The length of the 'name' attribute of the 'account' entity exceeded the maximum allowed length of '160'."],
    ['an unknown column', { name: 'x', nosuch: 1 }, '0x0', "Invalid property 'nosuch'"],
    ['a lookup value column', { name: 'x', _parentaccountid_value: '00000000-0000-0000-0000-000000000001' }, '0x0', "Invalid property '_parentaccountid_value'"],
    ['a choice value outside its options', { name: 'x', statecode: 7 }, '0x80044331', 'outside the valid range'],
    ['a malformed primary key', { accountid: 'nope', name: 'x' }, '0x80048d19', 'Edm.Guid'],
  ])('%s answers 400 with the Dataverse error and writes nothing', async (_name, body, code, message) => {
    const before = await accountCount();
    const r = await dv.request('POST', 'accounts', body);
    expect(r.status).toBe(400);
    expect(r.headers.get('Content-Type')).toMatch(/^application\/json/);
    expect(r.json().error.code).toBe(code);
    expect(r.json().error.message).toContain(message);
    expect(await accountCount()).toBe(before);
  });

  test('a prototype-pollution key is just an unknown property', async () => {
    const r = await dv.request('POST', 'accounts', '{"name":"x","__proto__":{"polluted":true}}');
    expect(r.status).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('a body over the size limit answers 413 and the server keeps serving', async () => {
    const before = await accountCount();
    const r = await dv.request('POST', 'accounts', { name: 'x', description: 'y'.repeat(70 * 1024) });
    expect(r.status).toBe(413);
    expect(r.json().error.message).toContain('65536');
    expect(await accountCount()).toBe(before);
  });

  test('a chunked body over the size limit (no Content-Length) answers 413', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${dv.api}accounts`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? resolve(-1) : reject(error)));
      for (let i = 0; i < 80; i++) req.write('x'.repeat(1024));
      req.end();
    });
    expect([413, -1]).toContain(status); // the server may close before the client finishes writing
    expect((await dv.request('GET', 'accounts/$count')).status).toBe(200);
  });

  test('unknown paths and methods answer Dataverse-shaped errors', async () => {
    expect((await dv.request('GET', 'nosuchset')).json().error.code).toBe('0x8006088a');
    expect((await dv.request('DELETE', 'accounts')).status).toBe(405);
    const r = await fetch(`${dv.instance.url}/api/data/v9.1/accounts`);
    expect(r.status).toBe(404);
  });

  test('a badly percent-encoded path answers 400', async () => {
    expect((await dv.request('GET', 'accounts(accountnumber=%E0%A4%A)')).status).toBe(400);
  });
});

describe('fault injection (/_admin/faults)', () => {
  test('down drops connections without answering', async () => {
    await dv.admin('POST', 'faults', { mode: 'down' });
    await expect(fetch(`${dv.api}accounts`)).rejects.toThrow();
    await dv.admin('POST', 'faults', { mode: 'none' });
    expect((await fetch(`${dv.api}accounts`)).status).toBe(200);
  });

  test('unavailable answers 503 with a Dataverse error', async () => {
    await dv.admin('POST', 'faults', { mode: 'unavailable' });
    const r = await dv.request('GET', 'accounts');
    expect(r.status).toBe(503);
    expect(r.json().error.message).toBeTruthy();
  });

  test('throttle answers 429 with Retry-After and the service-protection error; nothing is written', async () => {
    const before = await accountCount();
    await dv.admin('POST', 'faults', { mode: 'throttle', retryAfterSeconds: 7 });
    const r = await dv.request('POST', 'accounts', { name: 'throttled' });
    expect(r.status).toBe(429);
    expect(r.headers.get('Retry-After')).toBe('7');
    expect(r.json().error).toEqual({ code: '0x80072322', message: 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.' });
    await dv.admin('POST', 'faults', { mode: 'none' });
    expect(await accountCount()).toBe(before);
  });

  test('slow adds the configured latency', async () => {
    await dv.admin('POST', 'faults', { mode: 'slow', latencyMs: 300 });
    const started = Date.now();
    expect((await dv.request('GET', 'accounts?$top=1')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  test('flaky fails about that fraction with 503', async () => {
    await dv.admin('POST', 'faults', { mode: 'flaky', failureRate: 0.5 });
    const results = await Promise.all(Array.from({ length: 200 }, () => dv.request('GET', 'accounts?$top=1')));
    const failed = results.filter((r) => r.status === 503).length;
    expect(results.every((r) => r.status === 200 || r.status === 503)).toBe(true);
    expect(failed).toBeGreaterThan(60); // 200 draws at p=0.5: outside 60..140 has probability < 1e-8
    expect(failed).toBeLessThan(140);
  });

  test('flaky with rate 0 and 1 are exact', async () => {
    await dv.admin('POST', 'faults', { mode: 'flaky', failureRate: 1 });
    expect((await dv.request('GET', 'accounts?$top=1')).status).toBe(503);
    await dv.admin('POST', 'faults', { mode: 'flaky', failureRate: 0 });
    expect((await dv.request('GET', 'accounts?$top=1')).status).toBe(200);
  });

  test('invalid fault settings answer 400 naming the field; GET returns the current settings', async () => {
    const bad = await dv.admin('POST', 'faults', { mode: 'meltdown' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('mode');
    const extra = await dv.admin('POST', 'faults', { mode: 'none', retryAfter: 3 });
    expect(extra.status).toBe(400);
    await dv.admin('POST', 'faults', { mode: 'throttle', retryAfterSeconds: 3 });
    expect((await dv.admin('GET', 'faults')).body).toMatchObject({ mode: 'throttle', retryAfterSeconds: 3 });
  });

  test('stats count HTTP requests by method and the request log keeps arrival times', async () => {
    await dv.admin('POST', 'stats/reset');
    const since = Date.now();
    await dv.request('GET', 'accounts?$top=1');
    await dv.request('POST', 'accounts', { name: 'counted' });
    await dv.admin('POST', 'faults', { mode: 'throttle', retryAfterSeconds: 1 });
    await dv.request('GET', 'accounts?$top=1');
    const stats = (await dv.admin('GET', 'stats')).body;
    expect(stats.http).toEqual({ total: 3, byMethod: { GET: 2, POST: 1 }, byCaller: { [ANONYMOUS_CALLER_ID]: 3 } });
    const log = (await dv.admin('GET', `requests?since=${since}`)).body.value as Array<{ at: number; method: string; status: number }>;
    expect(log.map((e) => [e.method, e.status])).toEqual([['GET', 200], ['POST', 204], ['GET', 429]]);
    expect(log.every((e) => e.at >= since)).toBe(true);
    await dv.admin('POST', 'stats/reset');
    expect((await dv.admin('GET', 'stats')).body.http.total).toBe(0);
  });

  test('dopHint is sent as x-ms-dop-hint with every answer, and stats keep the peak of concurrent requests', async () => {
    expect((await dv.request('GET', 'accounts?$top=1')).headers.get('x-ms-dop-hint')).toBeNull();
    await dv.admin('POST', 'faults', { mode: 'slow', latencyMs: 100, dopHint: 4 });
    await dv.admin('POST', 'stats/reset');
    const answers = await Promise.all([1, 2, 3].map(() => dv.request('GET', 'accounts?$top=1')));
    expect(answers.map((a) => a.headers.get('x-ms-dop-hint'))).toEqual(['4', '4', '4']);
    expect((await dv.request('GET', 'nosuchset')).headers.get('x-ms-dop-hint')).toBe('4');
    expect((await dv.admin('GET', 'stats')).body.peakConcurrentRequests).toBe(3);
    await dv.admin('POST', 'stats/reset');
    expect((await dv.admin('GET', 'stats')).body.peakConcurrentRequests).toBe(0);
    expect((await dv.admin('POST', 'faults', { mode: 'none', dopHint: 0 })).status).toBe(400);
  });
});
