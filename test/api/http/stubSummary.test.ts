/**
 * `GET /v1/instances/{instance}/stubs/summary`: the instance is validated, no query parameter is
 * accepted, the service's summary is passed through unchanged, the route wins over
 * `/stubs/{table}/{id}`, and core errors map as for every route. The computation itself (counts and
 * percentiles from real `ec_stub` rows) is tested in test/api/reconciler/stub-summary.test.ts.
 */
import { ApiError } from '../../../api/src/core/ApiError';
import { percentile, StubSummaryBuilder } from '../../../api/src/core/stubs';
import { STUB_SUMMARY, TestApp } from './httpTestApp';

describe('GET /v1/instances/{instance}/stubs/summary', () => {
  const app = new TestApp();
  beforeAll(() => app.start());
  afterAll(() => app.stop());
  beforeEach(() => {
    app.service.calls.length = 0;
    app.service.failure = undefined;
  });

  it('answers the service’s summary with 200', async () => {
    const response = await app.request('GET', '/v1/instances/b/stubs/summary');
    expect(response.status).toBe(200);
    expect(response.body).toEqual(STUB_SUMMARY);
    expect(app.service.calls).toEqual([{ method: 'stubSummary', args: ['b'] }]);
  });

  it('refuses query parameters and a malformed instance, naming the field', async () => {
    const withQuery = await app.request('GET', '/v1/instances/b/stubs/summary?table=account');
    expect(withQuery.status).toBe(400);
    expect(withQuery.body.error).toMatchObject({ code: 'InvalidRequest', field: 'query.table' });
    const badInstance = await app.request('GET', '/v1/instances/B!/stubs/summary');
    expect(badInstance.status).toBe(400);
    expect(badInstance.body.error.field).toBe('params.instance');
    expect(app.service.calls).toEqual([]);
  });

  it('maps the core’s errors (unknown instance → 404) and needs the API key', async () => {
    app.service.failure = new ApiError('unknownInstance', "params.instance: no instance named 'zz'.", { field: 'params.instance' });
    const unknown = await app.request('GET', '/v1/instances/zz/stubs/summary');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('UnknownInstance');
    app.service.failure = undefined;
    const anonymous = await app.request('GET', '/v1/instances/b/stubs/summary', { key: null });
    expect(anonymous.status).toBe(401);
  });
});

describe('StubSummaryBuilder', () => {
  it('nearest-rank percentiles', () => {
    expect(percentile([], 50)).toBeUndefined();
    expect(percentile([7], 95)).toBe(7);
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
  });

  it('counts by state and table, time to hydrate over hydrated rows, the oldest pending stub', () => {
    const now = new Date('2026-11-26T12:00:00Z');
    const builder = new StubSummaryBuilder('b', now);
    const row = (table: string, state: number, createdon: string, seconds?: number, id = '11111111-1111-4111-8111-111111111111') => ({
      ec_table: table,
      ec_recordid: id,
      ec_stubstate: state,
      ec_secondstohydrate: seconds ?? null,
      createdon,
    });
    builder.add(row('contact', 100000000, '2026-11-26T11:59:00Z'));
    builder.add(row('account', 100000000, '2026-11-26T11:00:00Z', undefined, '22222222-2222-4222-8222-222222222222'));
    builder.add(row('account', 100000001, '2026-11-26T10:00:00Z', 10));
    builder.add(row('account', 100000001, '2026-11-26T10:00:00Z', 30));
    builder.add(row('account', 100000002, '2026-11-25T10:00:00Z'));
    builder.add(row('contact', 100000001, '2026-11-26T10:00:00Z', 5));
    expect(builder.build()).toEqual({
      instance: 'b',
      generatedOn: '2026-11-26T12:00:00Z',
      counts: { pending: 2, hydrated: 3, abandoned: 1, total: 6 },
      tables: [
        { table: 'account', pending: 1, hydrated: 2, abandoned: 1, total: 4, timeToHydrate: { count: 2, p50Seconds: 10, p95Seconds: 30, maxSeconds: 30 }, oldestPendingSeconds: 3600 },
        { table: 'contact', pending: 1, hydrated: 1, abandoned: 0, total: 2, timeToHydrate: { count: 1, p50Seconds: 5, p95Seconds: 5, maxSeconds: 5 }, oldestPendingSeconds: 60 },
      ],
      timeToHydrate: { count: 3, p50Seconds: 10, p95Seconds: 30, maxSeconds: 30 },
      oldestPending: { table: 'account', recordId: '22222222-2222-4222-8222-222222222222', createdOn: '2026-11-26T11:00:00Z', ageSeconds: 3600 },
    });
    expect(new StubSummaryBuilder('a', now).build()).toEqual({ instance: 'a', generatedOn: '2026-11-26T12:00:00Z', counts: { pending: 0, hydrated: 0, abandoned: 0, total: 0 }, tables: [], timeToHydrate: { count: 0 } });
  });
});
