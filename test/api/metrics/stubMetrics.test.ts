/**
 * Stub metrics from stub events (`metrics.observeStubEvents(bus)`), over real HTTP: with the real core
 * on two local Dataverse instances reporting to the bus (stubs created by ensure and submit, then
 * hydrated; nothing for what it did not write), and events handed to the bus directly for exact
 * time-to-hydrate values. `recordHydration` serves a reconciler that hydrates outside the service.
 */
import { randomUUID } from 'node:crypto';
import { StubEventBus } from '../../../api/src/events';
import { createMetrics, TIME_TO_HYDRATE_BUCKETS } from '../../../api/src/metrics';
import { CoreFixture } from '../core/coreFixture';
import { RecordingService } from '../http/httpTestApp';
import { startAppWithMetrics, type RunningApp } from './metricsTestApp';

describe('with the real core on local Dataverse instances', () => {
  const core = new CoreFixture();
  let app: RunningApp;
  beforeAll(async () => {
    const bus = new StubEventBus();
    await core.start(undefined, bus);
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.observeStubEvents(bus);
    ({ app } = await startAppWithMetrics(core.core, metrics));
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

  it('counts nothing for an existing record, a hydration of a record that was no stub or a failed call', async () => {
    const existing = randomUUID();
    await core.clientB.upsert('contacts', existing, { lastname: 'Already here' }, { condition: 'createOnly' });
    expect(JSON.parse((await app.request('POST', '/v1/instances/b/ensure', { body: { table: 'contact', key: { contactid: existing } } })).text)).toMatchObject({ outcome: 'exists' });
    const plain = await app.request('POST', '/v1/instances/b/hydrate', { body: { table: 'contact', key: { contactid: randomUUID() }, record: { lastname: 'Never a stub' } } });
    expect(JSON.parse(plain.text)).toMatchObject({ wasStub: false });
    const refused = await app.request('POST', '/v1/instances/b/submit', { body: { table: 'contact', record: { lastname: 'x' }, references: { parentcustomerid_account: { table: 'systemuser', key: { systemuserid: randomUUID() } } } } });
    expect(refused.status).toBe(400);
    const scrape = await app.scrape();
    expect(scrape.find('dve_stubs_created_total', { table: 'contact' })).toEqual([]);
    expect(scrape.find('dve_stubs_hydrated_total', { table: 'contact' })).toEqual([]);
    expect(scrape.find('dve_time_to_hydrate_seconds_count', { table: 'contact' })).toEqual([]);
  });
});

describe('from stub events handed to the bus', () => {
  let bus: StubEventBus;
  let app: RunningApp;
  let metrics: ReturnType<typeof createMetrics>;
  beforeEach(async () => {
    bus = new StubEventBus();
    metrics = createMetrics({ defaultMetrics: false });
    metrics.observeStubEvents(bus);
    ({ app } = await startAppWithMetrics(new RecordingService(), metrics));
  });
  afterEach(() => app.stop());

  it('observes secondsToHydrate in buckets from 1 s to 7 days', async () => {
    expect(TIME_TO_HYDRATE_BUCKETS[0]).toBe(1);
    expect(TIME_TO_HYDRATE_BUCKETS.at(-1)).toBe(7 * 24 * 3600);
    await bus.stubChanged({ type: 'stub.hydrated', instance: 'b', table: 'account', recordId: randomUUID(), state: 'Hydrated', cause: 'hydrate', secondsToHydrate: 12 });
    const scrape = await app.scrape();
    const bucket = (le: string) => scrape.value('dve_time_to_hydrate_seconds_bucket', { instance: 'b', table: 'account', le });
    expect(bucket('5')).toBe(0);
    expect(bucket('15')).toBe(1);
    expect(bucket('604800')).toBe(1);
    expect(scrape.value('dve_time_to_hydrate_seconds_sum', { instance: 'b', table: 'account' })).toBe(12);
    expect(scrape.value('dve_stubs_hydrated_total', { instance: 'b', table: 'account' })).toBe(1);
  });

  it('counts nothing for an abandoned stub', async () => {
    await bus.stubChanged({ type: 'stub.abandoned', instance: 'b', table: 'account', recordId: randomUUID(), state: 'Abandoned', cause: 'reconciler', attempts: 3, lastError: 'not found' });
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
