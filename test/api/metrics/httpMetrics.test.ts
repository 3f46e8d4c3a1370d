/**
 * The API's own HTTP metrics and `GET /metrics`, over real HTTP: requests are labelled with the
 * matched route pattern (never the raw URL with its ids and keys), `/metrics` needs no API key and is
 * absent without metrics, and each `createMetrics()` owns its registry.
 */
import { Writable } from 'node:stream';
import express, { Router } from 'express';
import { register as globalRegistry } from 'prom-client';
import { hashApiKey } from '../../../api/src/config/ApiKeys';
import { createApp, createLogger } from '../../../api/src/http';
import { createMetrics, routeLabel, UNMATCHED_ROUTE } from '../../../api/src/metrics';
import { ACCOUNT_ID, RecordingService } from '../http/httpTestApp';
import { RunningApp, startAppWithMetrics, type Exposition } from './metricsTestApp';

let app: RunningApp;
beforeAll(async () => {
  ({ app } = await startAppWithMetrics(new RecordingService()));
});
afterAll(() => app.stop());

const ENSURE = '/v1/instances/:instance/ensure';

function requests(scrape: Exposition, labels: Record<string, string>): number {
  return scrape.value('dve_http_requests_total', labels) ?? 0;
}

describe('dve_http_requests_total and dve_http_request_duration_seconds', () => {
  it('count a real request under its route pattern with method and status, and time it', async () => {
    const before = await app.scrape();
    const answer = await app.request('POST', '/v1/instances/b/ensure', { body: { table: 'account', key: { accountnumber: 'SECRET-KEY-42' }, name: 'Contoso' } });
    expect(answer.status).toBe(200);
    const after = await app.scrape();

    expect(requests(after, { method: 'POST', route: ENSURE, status: '200' }) - requests(before, { method: 'POST', route: ENSURE, status: '200' })).toBe(1);
    const count = (scrape: Exposition) => scrape.value('dve_http_request_duration_seconds_count', { method: 'POST', route: ENSURE }) ?? 0;
    expect(count(after) - count(before)).toBe(1);
    expect(after.value('dve_http_request_duration_seconds_sum', { method: 'POST', route: ENSURE })).toBeGreaterThan(0);
    expect(after.value('dve_http_request_duration_seconds_bucket', { method: 'POST', route: ENSURE, le: '+Inf' })).toBe(count(after));
  });

  it('never put the raw URL, its ids or its keys in a label', async () => {
    expect((await app.request('GET', `/v1/instances/b/stubs/account/${ACCOUNT_ID}`)).status).toBe(200);
    expect((await app.request('GET', '/v1/instances/b/stubs/account/00000000-0000-0000-0000-00000000dead')).status).toBe(404);
    expect((await app.request('GET', '/v1/instances/b/tables/account/schema')).status).toBe(200);
    expect((await app.request('GET', '/v1/no/such/path/6f1c1c6e-9999')).status).toBe(404);
    const scrape = await app.scrape();

    expect(requests(scrape, { method: 'GET', route: '/v1/instances/:instance/stubs/:table/:id', status: '200' })).toBe(1);
    expect(requests(scrape, { method: 'GET', route: '/v1/instances/:instance/stubs/:table/:id', status: '404' })).toBe(1);
    expect(requests(scrape, { method: 'GET', route: '/v1/instances/:instance/tables/:table/schema', status: '200' })).toBe(1);
    expect(requests(scrape, { method: 'GET', route: UNMATCHED_ROUTE, status: '404' })).toBeGreaterThanOrEqual(1);
    for (const raw of [ACCOUNT_ID, '00000000dead', 'SECRET-KEY-42', '/v1/instances/b', '/v1/no/such', '6f1c1c6e-9999']) expect(scrape.text).not.toContain(raw);
    const routes = new Set(scrape.find('dve_http_requests_total').map((sample) => sample.labels.route));
    for (const route of routes) expect(route === UNMATCHED_ROUTE || route!.startsWith('/')).toBe(true);
  });

  it('label a refusal before routing (no API key) as unmatched, and an invalid body under its route', async () => {
    const before = await app.scrape();
    expect((await app.request('POST', '/v1/instances/b/ensure', { key: null, body: { table: 'account', key: { accountid: ACCOUNT_ID } } })).status).toBe(401);
    expect((await app.request('POST', '/v1/instances/b/ensure', { body: { table: 'account' } })).status).toBe(400);
    const after = await app.scrape();
    const delta = (labels: Record<string, string>) => requests(after, labels) - requests(before, labels);
    expect(delta({ method: 'POST', route: UNMATCHED_ROUTE, status: '401' })).toBe(1);
    expect(delta({ method: 'POST', route: ENSURE, status: '400' })).toBe(1);
  });

  it('count the scrapes themselves under /metrics', async () => {
    await app.scrape();
    const scrape = await app.scrape();
    // The current scrape is counted when its answer finishes, so it sees the earlier ones only.
    expect(requests(scrape, { method: 'GET', route: '/metrics', status: '200' })).toBeGreaterThanOrEqual(1);
  });
});

describe('GET /metrics', () => {
  it('answers without an API key, in the registry content type, with the default process metrics prefixed dve_', async () => {
    const answer = await app.request('GET', '/metrics', { key: null });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4; charset=utf-8$/);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.text).toMatch(/^# TYPE dve_process_cpu_user_seconds_total counter$/m);
    expect(answer.text).toMatch(/^dve_nodejs_heap_size_used_bytes \d/m);
    expect(answer.text).toMatch(/^# HELP dve_http_requests_total /m);
  });

  it('is not served when createApp has no metrics', async () => {
    const silent = new Writable({ write: (_chunk, _encoding, callback) => callback() });
    const plain = await new RunningApp().listen(
      createApp({ service: new RecordingService(), config: { apiKeys: [{ name: 'test', sha256: hashApiKey('k-0123456789abcdef') }] }, logger: createLogger({ level: 'silent', destination: silent }) }),
    );
    try {
      expect((await plain.request('GET', '/metrics', { key: null })).status).toBe(404);
    } finally {
      await plain.stop();
    }
  });

  it('each createMetrics() owns its registry: two apps count apart and nothing lands in the global registry', async () => {
    const other = await startAppWithMetrics(new RecordingService());
    try {
      await other.app.request('GET', '/v1/instances/b/tables');
      await other.app.request('GET', '/v1/instances/b/tables');
      const mine = await app.scrape();
      const theirs = await other.app.scrape();
      expect(requests(theirs, { method: 'GET', route: '/v1/instances/:instance/tables', status: '200' })).toBe(2);
      expect(requests(mine, { method: 'GET', route: '/v1/instances/:instance/tables', status: '200' })).toBe(0);
      expect(await globalRegistry.metrics()).not.toContain('dve_');
    } finally {
      await other.app.stop();
    }
  });
});

describe('the route label in nested routers', () => {
  it('is the mount path plus the route pattern, also when the route fails and an app-level handler answers', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const items = Router();
    items.get('/items/:id', (request, response) => {
      response.json({ id: request.params.id });
    });
    items.get('/broken/:id', () => {
      throw new Error('boom');
    });
    const nested = express();
    nested.use(metrics.httpMiddleware);
    nested.use('/mounted', items);
    nested.use(metrics.metricsRouter());
    nested.use((_error: unknown, _request: express.Request, response: express.Response, _next: express.NextFunction) => {
      response.status(500).json({ error: 'failed' });
    });
    const server = await new RunningApp().listen(nested);
    try {
      expect((await server.request('GET', '/mounted/items/secret-1', { key: null })).status).toBe(200);
      expect((await server.request('GET', '/mounted/broken/secret-2', { key: null })).status).toBe(500);
      expect((await server.request('GET', '/mounted/nothing-here', { key: null })).status).toBe(404);
      const scrape = await server.scrape();
      expect(scrape.value('dve_http_requests_total', { route: '/mounted/items/:id', status: '200' })).toBe(1);
      expect(scrape.value('dve_http_requests_total', { route: '/mounted/broken/:id', status: '500' })).toBe(1);
      expect(scrape.value('dve_http_requests_total', { route: UNMATCHED_ROUTE, status: '404' })).toBe(1);
      expect(scrape.text).not.toContain('secret-');
      expect(scrape.text).not.toContain('dve_process_'); // defaultMetrics: false
    } finally {
      await server.stop();
    }
  });

  it('routeLabel joins the mount path and the pattern, and shows RegExp or array patterns by their source', () => {
    expect(routeLabel('', '/v1/instances/:instance/submit')).toBe('/v1/instances/:instance/submit');
    expect(routeLabel('/mounted', '/items/:id')).toBe('/mounted/items/:id');
    expect(routeLabel('/mounted', '/')).toBe('/mounted');
    expect(routeLabel('', '/')).toBe('/');
    expect(routeLabel('', /^\/re\/\d+$/)).toBe('/^\\/re\\/\\d+$/');
    expect(routeLabel('/a', ['/x', '/y'])).toBe('/a/x,/y');
    expect(routeLabel('', undefined)).toBe(UNMATCHED_ROUTE);
  });
});
