/** Request logs: one line per request with the request id and flow run id (headers at debug only), never a credential; JSON or pretty. */
import { Writable } from 'node:stream';
import { ApiError } from '../../../api/src/core/ApiError';
import { createLogger, defaultLogFormat } from '../../../api/src/http/logger';
import { API_KEY, OTHER_API_KEY, TestApp } from './httpTestApp';

describe('request logs', () => {
  const app = new TestApp();
  beforeAll(() => app.start());
  afterAll(() => app.stop());
  beforeEach(() => {
    app.logLines.length = 0;
    app.service.failure = undefined;
  });

  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  it('logs each request as JSON with its request id, status and the flow run id', async () => {
    await app.request('POST', '/v1/instances/b/ensure', {
      body: { table: 'account', key: { accountnumber: 'A-1' }, name: 'Body-Only-Value' },
      headers: { 'X-Request-Id': 'req-log-1', 'x-ms-workflow-run-id': '0858471234CU12', 'x-ms-workflow-name': 'flow-guid' },
    });
    await settle();
    const line = app.logs().find((entry) => entry['requestId'] === 'req-log-1');
    expect(line).toMatchObject({ level: 30, service: 'dataverse-ensure', requestId: 'req-log-1', workflowRunId: '0858471234CU12', workflowName: 'flow-guid', res: { statusCode: 200 } });
    expect(line?.['req']).toMatchObject({ method: 'POST', url: '/v1/instances/b/ensure' });
    expect(typeof line?.['time']).toBe('string');
    expect(JSON.stringify(line)).not.toContain('Body-Only-Value');
  });

  it('logs client errors as warn and server errors as error', async () => {
    app.service.failure = new ApiError('recordRejected', 'no');
    await app.request('GET', '/v1/instances', { headers: { 'X-Request-Id': 'req-log-4' } });
    app.service.failure = new Error('boom');
    await app.request('GET', '/v1/instances', { headers: { 'X-Request-Id': 'req-log-5' } });
    await settle();
    const levelOf = (id: string) => app.logs().filter((entry) => entry['requestId'] === id && entry['res'] !== undefined).map((entry) => entry['level']);
    expect(levelOf('req-log-4')).toEqual([40]);
    expect(levelOf('req-log-5')).toEqual([50]);
  });

  it("names the API key that made each request, whatever the flow headers say", async () => {
    await app.request('POST', '/v1/instances/b/ensure', {
      key: OTHER_API_KEY,
      body: { table: 'account', key: { accountnumber: 'A-1' } },
      headers: { 'X-Request-Id': 'req-log-9', 'x-ms-workflow-run-id': 'run-1', 'x-ms-workflow-name': 'apikey:test' },
    });
    await app.request('GET', '/v1/instances/b/stubs?state=Bogus', { headers: { 'X-Request-Id': 'req-log-10' } });
    await app.request('GET', '/v1/instances', { key: 'wrong-key-0123456789abcdef', headers: { 'X-Request-Id': 'req-log-11' } });
    await settle();
    const lineOf = (id: string) => app.logs().find((entry) => entry['requestId'] === id && entry['res'] !== undefined);
    expect(lineOf('req-log-9')).toMatchObject({ apiKeyName: 'other', res: { statusCode: 200 } });
    expect(lineOf('req-log-10')).toMatchObject({ apiKeyName: 'test', level: 40, res: { statusCode: 400 } });
    expect(lineOf('req-log-11')).not.toHaveProperty('apiKeyName');
  });

  it('logs no request headers at info: a request line is small', async () => {
    await app.request('GET', '/v1/instances', { headers: { 'X-Request-Id': 'req-log-6', 'User-Agent': 'agent-in-headers-only' } });
    await settle();
    const line = app.logs().find((entry) => entry['requestId'] === 'req-log-6')!;
    expect(line['req']).toEqual({ method: 'GET', url: '/v1/instances' });
    expect(JSON.stringify(line)).not.toContain('agent-in-headers-only');
    expect(app.logLines.join('\n')).not.toContain(API_KEY);
  });
});

describe('request logs at debug: with headers, credentials redacted', () => {
  const app = new TestApp();
  beforeAll(() => app.start({ logLevel: 'debug' }));
  afterAll(() => app.stop());

  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  it('redacts the API key and authorization headers, right or wrong', async () => {
    await app.request('GET', '/v1/instances', { headers: { 'X-Request-Id': 'req-log-2', Authorization: 'Bearer eyJ-secret-token', Cookie: 'session=secret-cookie' } });
    await app.request('GET', '/v1/instances', { key: 'wrong-key-but-still-secret', headers: { 'X-Request-Id': 'req-log-3' } });
    await settle();
    const all = app.logLines.join('\n');
    expect(all).not.toContain(API_KEY);
    expect(all).not.toContain('wrong-key-but-still-secret');
    expect(all).not.toContain('eyJ-secret-token');
    expect(all).not.toContain('secret-cookie');
    const line = app.logs().find((entry) => entry['requestId'] === 'req-log-2') as { req: { headers: Record<string, string> } };
    expect(line.req.headers['x-api-key']).toBe('[redacted]');
    expect(line.req.headers['authorization']).toBe('[redacted]');
    const refused = app.logs().find((entry) => entry['requestId'] === 'req-log-3') as { level: number; req: { headers: Record<string, string> }; res: { statusCode: number } };
    expect(refused.req.headers['x-api-key']).toBe('[redacted]');
    expect(refused.res.statusCode).toBe(401);
    expect(refused.level).toBe(40);
  });
});

describe('LOG_FORMAT=pretty (the default on a terminal)', () => {
  it('writes one readable line per request, without the JSON, credentials still redacted', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString('utf8'));
        callback();
      },
    });
    const logger = createLogger({ format: 'pretty', destination });
    logger.info({ req: { method: 'POST', url: '/v1/instances/b/submit', headers: { 'x-api-key': 'key-in-a-header' } }, res: { statusCode: 202 }, responseTime: 12.4, requestId: 'r-1' }, 'request completed');
    logger.warn({ instance: 'b', apiKey: 'key-in-a-field' }, 'circuit opened');
    await new Promise((resolve) => setImmediate(resolve));
    const text = lines.join('');
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: POST \/v1\/instances\/b\/submit 202 12 ms \{"requestId":"r-1"\}$/m);
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: circuit opened \{"instance":"b","apiKey":"\[redacted\]"\}$/m);
    expect(text).not.toContain('key-in-a-');
    expect(text).not.toContain('"level"');
  });

  it('is chosen on a terminal, JSON otherwise', () => {
    expect(defaultLogFormat({ isTTY: true })).toBe('pretty');
    expect(defaultLogFormat({ isTTY: false })).toBe('json');
    expect(defaultLogFormat({})).toBe('json');
  });
});
