/** Every /v1 route needs a valid X-API-Key; /health, /ready and the docs are open. */
import { API_KEY, OTHER_API_KEY, TestApp } from './httpTestApp';

// Always three elements: jest passes a `done` callback in place of a missing one.
const V1_ROUTES: Array<[string, string, unknown]> = [
  ['GET', '/v1/instances', undefined],
  ['GET', '/v1/instances/b/tables', undefined],
  ['GET', '/v1/instances/b/tables/account/schema', undefined],
  ['GET', '/v1/instances/b/stubs', undefined],
  ['GET', '/v1/instances/b/stubs/account/6f1c1c6e-2a4b-4c8e-9f00-0a1b2c3d4e5f', undefined],
  ['POST', '/v1/instances/b/ensure', { table: 'account', key: { accountnumber: 'A-100' } }],
  ['POST', '/v1/instances/b/submit', { table: 'contact', record: { lastname: 'Smith' } }],
  ['POST', '/v1/instances/b/hydrate', { table: 'account', key: { accountnumber: 'A-100' }, record: { name: 'Contoso' } }],
];

describe('API key authentication', () => {
  const app = new TestApp();
  beforeAll(() => app.start());
  afterAll(() => app.stop());
  beforeEach(() => {
    app.service.calls.length = 0;
  });

  it.each(V1_ROUTES)('%s %s without a key: 401 JSON error, no challenge, service not called', async (method, path, body) => {
    const response = await app.request(method, path, { body, key: null });
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: { code: 'Unauthorized', message: expect.stringContaining('X-API-Key header is missing') } });
    expect(response.headers.get('www-authenticate')).toBeNull();
    expect(app.service.calls).toEqual([]);
  });

  it.each(V1_ROUTES)('%s %s with a wrong key: 401, service not called', async (method, path, body) => {
    const response = await app.request(method, path, { body, key: `${API_KEY}x` });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('Unauthorized');
    expect(response.body.error.message).toContain('does not hold a valid API key');
    expect(app.service.calls).toEqual([]);
  });

  it.each(V1_ROUTES)('%s %s with the right key: 2xx', async (method, path, body) => {
    const response = await app.request(method, path, { body });
    expect(response.status).toBe(200);
    expect(app.service.calls.length).toBeGreaterThan(0);
  });

  it('accepts every configured key and records which one called', async () => {
    await app.request('POST', '/v1/instances/b/ensure', { body: { table: 'account', key: { accountnumber: 'A-1' } }, key: OTHER_API_KEY });
    const [call] = app.service.calls;
    expect(call?.args[2]).toMatchObject({ origin: 'apikey:other' });
  });

  it('refuses an empty key, a key differing in case, and a very long key', async () => {
    for (const key of ['', API_KEY.toUpperCase(), 'k'.repeat(5000)]) {
      const response = await app.request('GET', '/v1/instances', { headers: { 'X-API-Key': key }, key: null });
      expect(response.status).toBe(401);
    }
    expect(app.service.calls).toEqual([]);
  });

  it('answers 401 before reading the body: an unauthenticated malformed body is still 401', async () => {
    const response = await app.request('POST', '/v1/instances/b/ensure', { rawBody: '{not json', headers: { 'Content-Type': 'application/json' }, key: null });
    expect(response.status).toBe(401);
  });

  it('/health and /ready are open', async () => {
    const health = await app.request('GET', '/health', { key: null });
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    const ready = await app.request('GET', '/ready', { key: null });
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', instances: [{ name: 'a', reachable: true }, { name: 'b', reachable: true }] });
  });

  it('/ready answers 503 naming the unreachable instance, without its URL or error', async () => {
    app.service.instanceList = [
      { name: 'a', url: 'http://127.0.0.1:5551', role: 'source', title: 'a', reachable: true },
      { name: 'b', url: 'https://secret-org.crm.dynamics.com', source: 'a', role: 'target', title: 'b — replicated from a', reachable: false, error: 'connect ECONNREFUSED' },
    ];
    try {
      const ready = await app.request('GET', '/ready', { key: null });
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({ status: 'not-ready', instances: [{ name: 'a', reachable: true }, { name: 'b', reachable: false }] });
      expect(ready.text).not.toContain('secret-org');
    } finally {
      app.service.instanceList = app.service.instanceList.map((instance) => ({ ...instance, reachable: true }));
    }
  });

  it('/docs (Swagger UI) and /swagger.json are open', async () => {
    const docs = await app.request('GET', '/docs/', { key: null });
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('swagger-ui');
    const definition = await app.request('GET', '/swagger.json', { key: null });
    expect(definition.status).toBe(200);
    expect(definition.body.swagger).toBe('2.0');
  });
});
