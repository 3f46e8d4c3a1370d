/**
 * Dataverse metrics over real HTTP: a real `WebApiClient` against the local Dataverse, its hooks the
 * resilience policy's plus `instrumentDataverseHooks`, and faults injected through `/_admin/faults`.
 * Every attempt counts (retries too), retries and circuit openings are counted, and the circuit gauge
 * follows the breaker to open and back.
 */
import { randomUUID } from 'node:crypto';
import { WebApiClient } from '../../../api/src/dataverse/WebApiClient';
import { createMetrics, type ServiceMetrics } from '../../../api/src/metrics';
import { createResilientHooks, type ResilienceSettingsInput, type ResilientHooks } from '../../../api/src/resilience';
import { FAST_SETTINGS, ResilienceFixture, failureOf, sleep } from '../resilience/resilienceFixture';
import { RecordingService } from '../http/httpTestApp';
import { startAppWithMetrics, type Exposition, type RunningApp } from './metricsTestApp';

const fixture = new ResilienceFixture();
const clients: WebApiClient[] = [];
const apps: RunningApp[] = [];

beforeAll(() => fixture.start());
afterAll(async () => {
  await Promise.all(apps.map((app) => app.stop()));
  await Promise.all(clients.map((client) => client.close()));
  await fixture.stop();
});
beforeEach(async () => {
  await fixture.setFault('none');
  await fixture.resetStats();
});

/** A served app with fresh metrics, and a client of `instance` wired the way main.ts wires one. */
async function instrumentedClient(settings: ResilienceSettingsInput, instance = 'b'): Promise<{ client: WebApiClient; resilience: ResilientHooks; metrics: ServiceMetrics; app: RunningApp }> {
  const { app, metrics } = await startAppWithMetrics(new RecordingService(), createMetrics({ defaultMetrics: false }));
  apps.push(app);
  const resilience = createResilientHooks(instance, settings);
  metrics.observeResilience(instance, resilience.on, resilience.breaker);
  const client = new WebApiClient({ url: fixture.url, hooks: metrics.instrumentDataverseHooks(instance, resilience.hooks) });
  clients.push(client);
  return { client, resilience, metrics, app };
}

const attempts = (scrape: Exposition, labels: Record<string, string>) => scrape.value('dve_dataverse_requests_total', { instance: 'b', ...labels }) ?? 0;

describe('dve_dataverse_requests_total, dve_dataverse_request_duration_seconds, dve_dataverse_retries_total', () => {
  it('count each attempt of a throttled request that is retried after Retry-After, and the retry', async () => {
    const { client, app } = await instrumentedClient({ ...FAST_SETTINGS, breaker: { kind: 'consecutive', threshold: 5 } });
    const id = randomUUID();
    await fixture.plainClient().create('accounts', { accountid: id, name: 'Throttled' });
    await fixture.setFault('throttle', { retryAfterSeconds: 1 });
    await fixture.resetStats();

    const reading = client.retrieve('accounts', id, { select: ['name'] });
    // The first attempt got 429 + Retry-After: 1; the target recovers while the client waits.
    await sleep(300);
    await fixture.setFault('none');
    expect((await reading).name).toBe('Throttled');
    expect(await fixture.requestCount()).toBe(2);

    const scrape = await app.scrape();
    expect(attempts(scrape, { method: 'GET', outcome: '4xx' })).toBe(1);
    expect(attempts(scrape, { method: 'GET', outcome: '2xx' })).toBe(1);
    expect(scrape.value('dve_dataverse_request_duration_seconds_count', { instance: 'b' })).toBe(2);
    expect(scrape.value('dve_dataverse_retries_total', { instance: 'b' })).toBe(1);
    // A 429 opens the circuit for its Retry-After; the retry was the probe that closed it again.
    expect(scrape.value('dve_circuit_opened_total', { instance: 'b' })).toBe(1);
    expect(scrape.value('dve_circuit_state', { instance: 'b' })).toBe(0);
  });

  it('count every failed attempt of a flaky target (503) until the retries are exhausted', async () => {
    const { client, app } = await instrumentedClient({ ...FAST_SETTINGS, maxAttempts: 3, breaker: { kind: 'consecutive', threshold: 10 } });
    const id = randomUUID();
    await fixture.plainClient().create('accounts', { accountid: id, name: 'Flaky' });
    await fixture.setFault('flaky', { failureRate: 1 });
    await fixture.resetStats();

    await failureOf(client.retrieve('accounts', id));
    expect(await fixture.requestCount()).toBe(3);
    await fixture.setFault('none');
    await client.upsert('accounts', { accountid: id }, { name: 'Back' });

    const scrape = await app.scrape();
    expect(attempts(scrape, { method: 'GET', outcome: '5xx' })).toBe(3);
    expect(attempts(scrape, { method: 'PATCH', outcome: '2xx' })).toBe(1);
    expect(scrape.value('dve_dataverse_retries_total', { instance: 'b' })).toBe(2);
    expect(scrape.value('dve_dataverse_request_duration_seconds_count', { instance: 'b' })).toBe(4);
    expect(scrape.value('dve_circuit_opened_total', { instance: 'b' })).toBe(0);
    expect(scrape.text).not.toContain(id); // no URL, key or id in any label
  });

  it('keeps the hooks it was given: their onResponse still sees every attempt', async () => {
    const { metrics, app } = await instrumentedClient(FAST_SETTINGS);
    const seen: Array<number | undefined> = [];
    const client = new WebApiClient({ url: fixture.url, hooks: metrics.instrumentDataverseHooks('c', { onResponse: (_request, outcome) => seen.push(outcome.status) }) });
    clients.push(client);
    await client.create('accounts', { accountid: randomUUID(), name: 'Observed' });
    expect(seen).toEqual([204]);
    expect((await app.scrape()).value('dve_dataverse_requests_total', { instance: 'c', method: 'POST', outcome: '2xx' })).toBe(1);
  });
});

describe('dve_circuit_state and dve_circuit_opened_total', () => {
  it('go to 2 when the target is down and the breaker opens, 1 once the open time is over, and back to 0 when a probe succeeds', async () => {
    const { client, resilience, app } = await instrumentedClient({ ...FAST_SETTINGS, maxAttempts: 2, halfOpenAfterMs: 300, breaker: { kind: 'consecutive', threshold: 3 } });
    const id = randomUUID();
    await fixture.plainClient().create('accounts', { accountid: id, name: 'Probe' });
    let scrape = await app.scrape();
    expect(scrape.value('dve_circuit_state', { instance: 'b' })).toBe(0);
    expect(scrape.help('dve_circuit_state')).toMatch(/0 closed, 1 half-open.*2 open.*3 isolated/);

    await fixture.setFault('down');
    await failureOf(client.retrieve('accounts', id)); // 2 attempts, no answer
    await failureOf(client.retrieve('accounts', id)); // the 3rd failed attempt opens the circuit
    expect(resilience.breaker.state()).toBe('open');
    await failureOf(client.retrieve('accounts', id)); // refused without being sent
    scrape = await app.scrape();
    expect(scrape.value('dve_circuit_state', { instance: 'b' })).toBe(2);
    expect(scrape.value('dve_circuit_opened_total', { instance: 'b' })).toBe(1);
    expect(scrape.value('dve_circuit_rejected_total', { instance: 'b' })).toBe(1);
    expect(attempts(scrape, { method: 'GET', outcome: 'error' })).toBe(3);

    await fixture.setFault('none');
    await sleep(350);
    // Read from the breaker at scrape time: half-open before any request moved the state machine.
    expect((await app.scrape()).value('dve_circuit_state', { instance: 'b' })).toBe(1);
    expect((await client.retrieve('accounts', id, { select: ['name'] })).name).toBe('Probe');
    scrape = await app.scrape();
    expect(scrape.value('dve_circuit_state', { instance: 'b' })).toBe(0);
    expect(scrape.value('dve_circuit_opened_total', { instance: 'b' })).toBe(1);
    expect(attempts(scrape, { method: 'GET', outcome: '2xx' })).toBe(1);
  });

  it('shows 3 while isolated by hand, and follows events alone when no breaker is given', async () => {
    const { app, metrics } = await startAppWithMetrics(new RecordingService(), createMetrics({ defaultMetrics: false }));
    apps.push(app);
    const resilience = createResilientHooks('b', FAST_SETTINGS);
    const stop = metrics.observeResilience('b', resilience.on);
    const hold = resilience.breaker.isolate();
    expect((await app.scrape()).value('dve_circuit_state', { instance: 'b' })).toBe(3);
    hold.release();
    expect((await app.scrape()).value('dve_circuit_state', { instance: 'b' })).toBe(0);
    stop();
    resilience.breaker.isolate();
    expect((await app.scrape()).value('dve_circuit_state', { instance: 'b' })).toBe(0); // unsubscribed
  });
});

describe('dve_dataverse_dop_hint', () => {
  it("shows the instance's latest x-ms-dop-hint, and nothing before it sent one", async () => {
    const { client, resilience, metrics, app } = await instrumentedClient(FAST_SETTINGS);
    metrics.observeParallelism('b', resilience.parallelism);
    await client.query('accounts', { top: 1 });
    expect((await app.scrape()).value('dve_dataverse_dop_hint', { instance: 'b' })).toBeUndefined();
    await fixture.setFault('none', { dopHint: 12 });
    await client.query('accounts', { top: 1 });
    expect((await app.scrape()).value('dve_dataverse_dop_hint', { instance: 'b' })).toBe(12);
    await fixture.setFault('none', { dopHint: 3 });
    await client.query('accounts', { top: 1 });
    expect((await app.scrape()).value('dve_dataverse_dop_hint', { instance: 'b' })).toBe(3);
  });
});

describe('dve_dataverse_identity_*', () => {
  const post = (path: string, body: unknown) => fetch(new URL(path, fixture.url), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  afterEach(async () => {
    await post('/_admin/limits', { enabled: false });
  });

  it("show each application user's requests under way, remaining budget, rest after a 429 and pacing", async () => {
    const { app, metrics } = await startAppWithMetrics(new RecordingService(), createMetrics({ defaultMetrics: false }));
    apps.push(app);
    const client = new WebApiClient({ url: fixture.url, identities: [{ name: 'app1', auth: { kind: 'localUser', name: 'app1' } }, { name: 'app2', auth: { kind: 'localUser', name: 'app2' } }] });
    clients.push(client);
    metrics.observeIdentities('b', client);
    let scrape = await app.scrape();
    expect(scrape.value('dve_dataverse_identity_requests_under_way', { instance: 'b', identity: 'app1' })).toBe(0);
    expect(scrape.value('dve_dataverse_identity_burst_remaining', { instance: 'b', identity: 'app1' })).toBeUndefined(); // nothing sent yet
    expect(scrape.value('dve_dataverse_identity_resting_seconds', { instance: 'b', identity: 'app2' })).toBe(0);

    // Two requests per identity allowed in the window: one each, then both budgets are nearly spent.
    expect((await post('/_admin/limits', { enabled: true, windowSeconds: 300, maxRequests: 2 })).status).toBe(200);
    await client.query('accounts', { top: 1 });
    await client.query('accounts', { top: 1 });
    scrape = await app.scrape();
    expect(scrape.value('dve_dataverse_identity_burst_remaining', { instance: 'b', identity: 'app1' })).toBe(1);
    expect(scrape.value('dve_dataverse_identity_burst_remaining', { instance: 'b', identity: 'app2' })).toBe(1);
    expect(scrape.value('dve_dataverse_identity_paced', { instance: 'b', identity: 'app1' })).toBe(1); // 1 left: one at a time

    // Each identity's second request spends its budget; the third answer is a 429 that rests one of them.
    await client.query('accounts', { top: 1 });
    await client.query('accounts', { top: 1 });
    await failureOf(client.query('accounts', { top: 1 }));
    scrape = await app.scrape();
    const resting = ['app1', 'app2'].map((identity) => scrape.value('dve_dataverse_identity_resting_seconds', { instance: 'b', identity }) ?? 0);
    expect(Math.max(...resting)).toBeGreaterThan(0);
  });
});
