/**
 * Stub metrics through the `instrumentService` decorator, over real HTTP: with the real core on two
 * local Dataverse instances (stubs created by ensure and submit, then hydrated), and with the HTTP
 * layer's recording service for exact time-to-hydrate values and failures. `recordHydration` serves a
 * reconciler that hydrates outside the service.
 */
import { randomUUID } from 'node:crypto';
import type { EnsureService } from '../../../api/src/core/EnsureService';
import { createMetrics, instrumentService, TIME_TO_HYDRATE_BUCKETS } from '../../../api/src/metrics';
import { CoreFixture } from '../core/coreFixture';
import { RecordingService } from '../http/httpTestApp';
import { startAppWithMetrics, type RunningApp } from './metricsTestApp';

describe('with the real core on local Dataverse instances', () => {
  const core = new CoreFixture();
  let app: RunningApp;
  beforeAll(async () => {
    await core.start();
    const metrics = createMetrics({ defaultMetrics: false });
    ({ app } = await startAppWithMetrics({ ...core.core, ...instrumentService(core.core, metrics) }, metrics));
  });
  afterAll(async () => {
    await app?.stop();
    await core.stop();
  });

  it('counts the stubs ensure and submit create, the hydrations, and observes their time to hydrate', async () => {
    const account = randomUUID();
    const ensured = await app.request('POST', '/v1/instances/b/ensure', { body: { table: 'account', key: { accountid: account }, name: 'Stubbed' } });
    expect(ensured.status).toBe(200);
    expect(JSON.parse(ensured.text)).toMatchObject({ outcome: 'created-stub' });
    // Ensuring it again finds the stub: nothing more is counted.
    expect(JSON.parse((await app.request('POST', '/v1/instances/b/ensure', { body: { table: 'account', key: { accountid: account } } })).text)).toMatchObject({ outcome: 'exists-as-stub' });

    const submitted = await app.request('POST', '/v1/instances/b/submit', {
      body: {
        table: 'contact',
        record: { lastname: 'Referencing' },
        references: { parentcustomerid_account: { table: 'account', key: { accountnumber: `MET-${randomUUID().slice(0, 8)}` }, name: 'From submit' } },
      },
    });
    expect(submitted.status).toBe(200);
    expect(JSON.parse(submitted.text).stubsCreated).toHaveLength(1);

    let scrape = await app.scrape();
    expect(scrape.value('dve_stubs_created_total', { instance: 'b', table: 'account' })).toBe(2);
    expect(scrape.find('dve_stubs_created_total', { table: 'contact' })).toEqual([]);
    expect(scrape.find('dve_stubs_hydrated_total')).toEqual([]);

    const hydrated = await app.request('POST', '/v1/instances/b/hydrate', { body: { table: 'account', key: { accountid: account }, record: { name: 'Contoso Ltd' } } });
    expect(hydrated.status).toBe(200);
    const seconds = JSON.parse(hydrated.text).secondsToHydrate as number;
    expect(JSON.parse(hydrated.text)).toMatchObject({ wasStub: true });
    // Hydrating again is a plain upsert: not a hydration of a stub.
    expect((await app.request('POST', '/v1/instances/b/hydrate', { body: { table: 'account', key: { accountid: account }, record: { name: 'Again' } } })).status).toBe(200);

    scrape = await app.scrape();
    expect(scrape.value('dve_stubs_hydrated_total', { instance: 'b', table: 'account' })).toBe(1);
    expect(scrape.value('dve_time_to_hydrate_seconds_count', { instance: 'b', table: 'account' })).toBe(1);
    expect(scrape.value('dve_time_to_hydrate_seconds_sum', { instance: 'b', table: 'account' })).toBe(seconds);
    expect(scrape.value('dve_time_to_hydrate_seconds_bucket', { instance: 'b', table: 'account', le: '604800' })).toBe(1);
    expect(scrape.text).not.toContain(account);
  });
});

describe('with a recording service', () => {
  let service: RecordingService;
  let app: RunningApp;
  let metrics: ReturnType<typeof createMetrics>;
  beforeEach(async () => {
    service = new RecordingService();
    metrics = createMetrics({ defaultMetrics: false });
    // The recording service's stub queries and catalogue, its actions observed.
    ({ app } = await startAppWithMetrics(Object.assign(Object.create(service) as EnsureService, instrumentService(service, metrics)), metrics));
  });
  afterEach(() => app.stop());

  it('observes secondsToHydrate in buckets from 1 s to 7 days', async () => {
    expect(TIME_TO_HYDRATE_BUCKETS[0]).toBe(1);
    expect(TIME_TO_HYDRATE_BUCKETS.at(-1)).toBe(7 * 24 * 3600);
    // The recording service answers wasStub with 12 s.
    expect((await app.request('POST', '/v1/instances/b/hydrate', { body: { table: 'account', key: { accountnumber: 'A-1' }, record: { name: 'x' } } })).status).toBe(200);
    const scrape = await app.scrape();
    const bucket = (le: string) => scrape.value('dve_time_to_hydrate_seconds_bucket', { instance: 'b', table: 'account', le });
    expect(bucket('5')).toBe(0);
    expect(bucket('15')).toBe(1);
    expect(bucket('604800')).toBe(1);
    expect(scrape.value('dve_time_to_hydrate_seconds_sum', { instance: 'b', table: 'account' })).toBe(12);
    expect(scrape.value('dve_stubs_hydrated_total', { instance: 'b', table: 'account' })).toBe(1);
  });

  it('counts nothing for a failed call, an existing record or a hydration of a record that was no stub', async () => {
    service.ensure = async (_instance, input) => ({ id: randomUUID(), table: input.table, outcome: 'exists' });
    service.hydrate = async (_instance, input) => ({ id: randomUUID(), table: input.table, operation: 'created', wasStub: false });
    expect((await app.request('POST', '/v1/instances/b/ensure', { body: { table: 'account', key: { accountnumber: 'A-2' } } })).status).toBe(200);
    expect((await app.request('POST', '/v1/instances/b/hydrate', { body: { table: 'account', key: { accountnumber: 'A-2' }, record: { name: 'x' } } })).status).toBe(200);
    service.failure = new Error('Dataverse said no');
    expect((await app.request('POST', '/v1/instances/b/submit', { body: { table: 'contact', record: { lastname: 'x' } } })).status).toBe(500);
    const scrape = await app.scrape();
    expect(scrape.find('dve_stubs_created_total')).toEqual([]);
    expect(scrape.find('dve_stubs_hydrated_total')).toEqual([]);
    expect(scrape.find('dve_time_to_hydrate_seconds_count')).toEqual([]);
  });

  it('recordHydration serves a reconciler that hydrates outside the service', async () => {
    metrics.recordHydration('b', 'contact', 90_000);
    metrics.recordHydration('b', 'contact'); // time unknown: counted, not observed
    const scrape = await app.scrape();
    expect(scrape.value('dve_stubs_hydrated_total', { instance: 'b', table: 'contact' })).toBe(2);
    expect(scrape.value('dve_time_to_hydrate_seconds_count', { instance: 'b', table: 'contact' })).toBe(1);
    expect(scrape.value('dve_time_to_hydrate_seconds_bucket', { instance: 'b', table: 'contact', le: '86400' })).toBe(0);
    expect(scrape.value('dve_time_to_hydrate_seconds_bucket', { instance: 'b', table: 'contact', le: '172800' })).toBe(1);
  });
});
