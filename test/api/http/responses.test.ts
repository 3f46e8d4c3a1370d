/**
 * What callers get back: results passed through, ApiError mapped to its status and body (+ Retry-After),
 * anything else a generic 500 with the request id, request ids echoed, security headers, the origin
 * recorded from Power Automate's headers, and the 404 of a record that never was a stub.
 */
import { ApiError } from '../../../api/src/core/ApiError';
import { ACCOUNT_ID, API_KEY, TestApp } from './httpTestApp';

describe('responses', () => {
  const app = new TestApp();
  beforeAll(() => app.start());
  afterAll(() => app.stop());
  beforeEach(() => {
    app.service.calls.length = 0;
    app.service.failure = undefined;
  });

  it('passes validated input to the service and its result back with 200', async () => {
    const body = { table: 'account', key: { accountnumber: "O'Neil & Co".replace(' & ', ' and ') }, name: 'Contoso', columns: { telephone1: '555' } };
    const response = await app.request('POST', '/v1/instances/b/ensure', { body });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ id: ACCOUNT_ID, table: 'account', outcome: 'created-stub' });
    expect(app.service.calls).toEqual([{ method: 'ensure', args: ['b', body, { origin: 'apikey:test', requestId: response.headers.get('x-request-id') }] }]);
  });

  it('submit accepts both reference styles and numbers as key values', async () => {
    const body = {
      table: 'contact',
      key: { contactid: '11111111-2222-4333-8444-555555555555' },
      record: { lastname: 'Smith', 'parentcustomerid_account@odata.bind': "/accounts(accountnumber='A-100')" },
      references: { ec_otheraccount: { table: 'account', key: { ec_number: 42 }, name: 'Fabrikam' } },
    };
    const response = await app.request('POST', '/v1/instances/b/submit', { body });
    expect(response.status).toBe(200);
    expect(response.body.stubsCreated).toHaveLength(1);
    expect(app.service.calls[0]?.args[1]).toEqual(body);
  });

  it('hydrate, list stubs (query parsed to numbers), get stub', async () => {
    const hydrate = await app.request('POST', '/v1/instances/b/hydrate', { body: { table: 'account', key: { accountid: ACCOUNT_ID }, record: { name: 'Contoso Ltd' } } });
    expect(hydrate.body).toEqual({ id: ACCOUNT_ID, table: 'account', operation: 'updated', wasStub: true, secondsToHydrate: 12 });
    const list = await app.request('GET', '/v1/instances/b/stubs?state=Pending&table=account&olderThanSeconds=60&top=10&skipToken=abc_-.~');
    expect(list.status).toBe(200);
    expect(app.service.calls[1]).toEqual({ method: 'listStubs', args: ['b', { state: 'Pending', table: 'account', olderThanSeconds: 60, top: 10, skipToken: 'abc_-.~' }] });
    expect(list.body.nextSkipToken).toBe('next-page-token');
    expect(list.body.value[0]).not.toHaveProperty('lastError');
    expect(list.body.value[0]).toMatchObject({ state: 'Pending', recordId: ACCOUNT_ID });
    const stub = await app.request('GET', `/v1/instances/b/stubs/account/${ACCOUNT_ID.toUpperCase()}`);
    expect(stub.status).toBe(200);
    expect(app.service.calls[2]).toEqual({ method: 'getStub', args: ['b', 'account', ACCOUNT_ID] });
    expect(stub.body).not.toHaveProperty('hydratedOn');
  });

  it('GET stub of a record that never was a stub → 404', async () => {
    const response = await app.request('GET', '/v1/instances/b/stubs/account/00000000-0000-4000-8000-000000000000');
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('NotFound');
  });

  it('lists instances and tables wrapped in value; the key schema from the table keys', async () => {
    const instances = await app.request('GET', '/v1/instances');
    expect(instances.body.value.map((instance: { name: string }) => instance.name)).toEqual(['a', 'b']);
    const targets = await app.request('GET', '/v1/instances?role=target');
    expect(targets.body.value).toEqual([expect.objectContaining({ name: 'b', title: 'b — replicated from a' })]);
    const badRole = await app.request('GET', '/v1/instances?role=writer');
    expect([badRole.status, badRole.body.error.field]).toEqual([400, 'query.role']);
    const tables = await app.request('GET', '/v1/instances/b/tables');
    expect(tables.body.value[0].logicalName).toBe('account');
    const record = await app.request('GET', '/v1/instances/b/tables/account/schema');
    expect(record.body).toMatchObject({ table: 'account', part: 'record', schema: { type: 'object', properties: { name: { type: 'string' } } } });
    const key = await app.request('GET', '/v1/instances/b/tables/account/schema?part=key');
    expect(Object.keys(key.body.schema.properties)).toEqual(['accountid', 'accountnumber']);
    expect(key.body.schema.properties.accountnumber).toMatchObject({ type: 'string', maxLength: 20, 'x-ms-summary': 'Account Number' });
    const stub = await app.request('GET', '/v1/instances/b/tables/account/schema?part=stub');
    expect(stub.body).toMatchObject({ table: 'account', part: 'stub' });
    expect(Object.keys(stub.body.schema.properties)).toEqual(Object.keys(record.body.schema.properties).filter((name) => !['accountid', 'accountnumber', 'name'].includes(name) && !name.endsWith('@odata.bind')));
    expect(Object.keys(stub.body.schema.properties)).toEqual(['telephone1']);
  });

  it.each([
    [new ApiError('unknownInstance', 'params.instance: no instance "z" is configured', { field: 'params.instance' }), 404],
    [new ApiError('tableNotAllowed', 'body.table: "lead" is not allowed for instance "b"', { field: 'body.table' }), 400],
    [new ApiError('targetAnsweredUnexpectedly', 'instance "b" answered 502'), 502],
    [new ApiError('conflict', 'the record changed meanwhile'), 409],
    [new ApiError('recordRejected', 'body.record.lastname: required'), 422],
  ])('ApiError %p → its status and body', async (error, status) => {
    app.service.failure = error;
    const response = await app.request('POST', '/v1/instances/b/ensure', { body: { table: 'account', key: { accountnumber: 'A-1' } } });
    expect(response.status).toBe(status);
    expect(response.body).toEqual(error.toBody());
    expect(response.headers.get('retry-after')).toBeNull();
  });

  it('ApiError with retryAfterSeconds → Retry-After (whole seconds, rounded up)', async () => {
    app.service.failure = new ApiError('targetUnavailable', 'instance "b" is unavailable', { retryAfterSeconds: 7.2 });
    const response = await app.request('POST', '/v1/instances/b/submit', { body: { table: 'contact', record: { lastname: 'X' } } });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('8');
    expect(response.body).toEqual({ error: { code: 'TargetUnavailable', message: 'instance "b" is unavailable' } });
    app.service.failure = new ApiError('targetThrottled', 'throttled', { retryAfterSeconds: 30 });
    const throttled = await app.request('GET', '/v1/instances/b/stubs');
    expect([throttled.status, throttled.headers.get('retry-after')]).toEqual([429, '30']);
  });

  it('any other error → 500 with a generic message and the request id, never the stack or the text', async () => {
    const secret = new Error('connect ECONNREFUSED https://secret-org.crm.dynamics.com client_secret=abc');
    app.service.failure = secret;
    const response = await app.request('GET', '/v1/instances/b/tables', { headers: { 'X-Request-Id': 'req-500-test' } });
    expect(response.status).toBe(500);
    expect(response.body).toEqual({
      error: { code: 'InternalError', message: 'An unexpected error occurred. Quote the request id req-500-test when you report it.', requestId: 'req-500-test' },
    });
    expect(response.text).not.toContain('secret-org');
    expect(response.text).not.toContain('at ');
    const logged = app.logs().find((line) => line['msg'] === 'unexpected error');
    expect(logged).toMatchObject({ requestId: 'req-500-test', err: { message: secret.message } });
  });

  it('an unknown route → 404 JSON (after the key check for /v1)', async () => {
    const unknown = await app.request('GET', '/v1/nothing');
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'NotFound']);
    expect((await app.request('GET', '/v1/nothing', { key: null })).status).toBe(401);
    expect((await app.request('DELETE', '/v1/instances/b/stubs')).status).toBe(404);
  });

  describe('request ids', () => {
    it('echoes a well-formed X-Request-Id', async () => {
      const response = await app.request('GET', '/health', { headers: { 'X-Request-Id': 'flow-run.123:abc' } });
      expect(response.headers.get('x-request-id')).toBe('flow-run.123:abc');
    });

    it('generates one when absent or malformed, and never echoes the malformed value', async () => {
      const absent = await app.request('GET', '/health');
      expect(absent.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const malformed = await app.request('GET', '/health', { headers: { 'X-Request-Id': 'bad id<script>' } });
      expect(malformed.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const long = await app.request('GET', '/health', { headers: { 'X-Request-Id': 'r'.repeat(200) } });
      expect(long.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('is on error answers too', async () => {
      const response = await app.request('GET', '/v1/instances', { key: null, headers: { 'X-Request-Id': 'req-401' } });
      expect(response.headers.get('x-request-id')).toBe('req-401');
    });
  });

  it('sends helmet security headers and no X-Powered-By', async () => {
    const response = await app.request('GET', '/v1/instances');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(response.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('x-powered-by')).toBeNull();
  });

  describe('origin (ec_origin)', () => {
    const ensure = (headers: Record<string, string>) => app.request('POST', '/v1/instances/b/ensure', { body: { table: 'account', key: { accountnumber: 'A-1' } }, headers });

    it('is apikey:<key name> with flow:<workflow name>/<run id> as context when Power Automate calls', async () => {
      await ensure({ 'x-ms-workflow-name': 'b1c2d3e4-flow', 'x-ms-workflow-run-id': '08584712345678901234567890CU12' });
      expect(app.service.calls[0]?.args[2]).toMatchObject({ origin: 'apikey:test flow:b1c2d3e4-flow/08584712345678901234567890CU12' });
    });

    it('is apikey:<name> otherwise (also when only one of the two headers is there)', async () => {
      await ensure({});
      await ensure({ 'x-ms-workflow-run-id': 'run-only' });
      expect(app.service.calls.map((call) => (call.args[2] as { origin: string }).origin)).toEqual(['apikey:test', 'apikey:test']);
    });

    it('never lets the flow headers pose as another key or drop the key name', async () => {
      await ensure({ 'x-ms-workflow-name': 'apikey:admin', 'x-ms-workflow-run-id': 'x' });
      await ensure({ 'x-ms-workflow-name': 'apikey: admin', 'x-ms-workflow-run-id': '\t' });
      const origins = app.service.calls.map((call) => (call.args[2] as { origin: string }).origin);
      expect(origins).toEqual(['apikey:test flow:apikey:admin/x', 'apikey:test']);
      expect(origins.every((origin) => origin.startsWith('apikey:test'))).toBe(true);
    });

    it('strips spaces and control-like characters and stays within 400 characters', async () => {
      await ensure({ 'x-ms-workflow-name': 'my flow', 'x-ms-workflow-run-id': 'r'.repeat(1000) });
      const origin = (app.service.calls[0]?.args[2] as { origin: string }).origin;
      expect(origin.startsWith('apikey:test flow:myflow/')).toBe(true);
      expect(origin.length).toBeLessThanOrEqual(400);
    });
  });

  it('uses the key header name X-API-Key case-insensitively', async () => {
    const response = await app.request('GET', '/v1/instances', { key: null, headers: { 'x-api-key': API_KEY } });
    expect(response.status).toBe(200);
  });
});
