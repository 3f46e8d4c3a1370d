/**
 * Queue metrics over real HTTP: the counters the queue feeds, and the gauges read from its collector
 * at scrape time — once per scrape, absent until a collector is registered, and a collector that throws
 * or hangs still yields a 200 scrape with the last values.
 */
import { createMetrics, type QueueSnapshot, type ServiceMetrics } from '../../../api/src/metrics';
import { RecordingService } from '../http/httpTestApp';
import { startAppWithMetrics, type RunningApp } from './metricsTestApp';

let app: RunningApp;
let metrics: ServiceMetrics;
beforeEach(async () => {
  ({ app, metrics } = await startAppWithMetrics(new RecordingService(), createMetrics({ defaultMetrics: false, queueCollectTimeoutMs: 200 })));
});
afterEach(() => app.stop());

const snapshot = (queued: number, deadLetters: number, oldest: number | null): QueueSnapshot => ({
  byState: { queued, running: 2, failed: 1, succeeded: 40, rejected: 3, cancelled: 4 },
  oldestPendingAgeSeconds: oldest,
  deadLetters,
});

describe('dve_operations_accepted_total and dve_operations_finished_total', () => {
  it('count what the queue reports, by instance, action and outcome', async () => {
    metrics.recordOperationAccepted('b', 'submit');
    metrics.recordOperationAccepted('b', 'submit');
    metrics.recordOperationAccepted('b', 'ensure');
    metrics.recordOperationFinished('b', 'submit', 'succeeded');
    metrics.recordOperationFinished('b', 'submit', 'failed');
    const scrape = await app.scrape();
    expect(scrape.value('dve_operations_accepted_total', { instance: 'b', action: 'submit' })).toBe(2);
    expect(scrape.value('dve_operations_accepted_total', { instance: 'b', action: 'ensure' })).toBe(1);
    expect(scrape.value('dve_operations_finished_total', { instance: 'b', action: 'submit', outcome: 'succeeded' })).toBe(1);
    expect(scrape.value('dve_operations_finished_total', { instance: 'b', action: 'submit', outcome: 'failed' })).toBe(1);
  });
});

describe('the queue gauges', () => {
  it('are absent until a collector is registered', async () => {
    const scrape = await app.scrape();
    expect(scrape.text).not.toContain('dve_operations{');
    expect(scrape.text).not.toContain('dve_operations_dead_letters');
    expect(scrape.text).not.toContain('dve_operations_oldest_pending_age_seconds');
  });

  it('show the collector values, read once per scrape', async () => {
    let calls = 0;
    let next = snapshot(5, 3, 120.5);
    metrics.setQueueCollector(async () => {
      calls += 1;
      return next;
    });
    let scrape = await app.scrape();
    expect(calls).toBe(1);
    expect(scrape.value('dve_operations', { state: 'queued' })).toBe(5);
    expect(scrape.value('dve_operations', { state: 'running' })).toBe(2);
    expect(scrape.value('dve_operations', { state: 'failed' })).toBe(1);
    expect(scrape.value('dve_operations', { state: 'succeeded' })).toBe(40);
    expect(scrape.value('dve_operations', { state: 'cancelled' })).toBe(4);
    expect(scrape.value('dve_operations_oldest_pending_age_seconds')).toBe(120.5);
    expect(scrape.value('dve_operations_dead_letters')).toBe(3);

    next = snapshot(0, 0, null); // nothing pending: age 0
    scrape = await app.scrape();
    expect(calls).toBe(2);
    expect(scrape.value('dve_operations', { state: 'queued' })).toBe(0);
    expect(scrape.value('dve_operations_oldest_pending_age_seconds')).toBe(0);
    expect(scrape.value('dve_operations_collect_failures_total')).toBe(0);
  });

  it('keep their last values and the scrape answers 200 when the collector throws, hangs or answers nonsense', async () => {
    let mode: 'ok' | 'throw' | 'hang' | 'nonsense' = 'ok';
    metrics.setQueueCollector(async () => {
      if (mode === 'throw') throw new Error('database unreachable');
      if (mode === 'hang') return new Promise<QueueSnapshot>(() => undefined);
      if (mode === 'nonsense') return { byState: { queued: 'many' } } as unknown as QueueSnapshot;
      return snapshot(7, 1, 60);
    });
    await app.scrape();

    for (const [failures, failing] of [[1, 'throw'], [2, 'hang'], [3, 'nonsense']] as const) {
      mode = failing;
      const answer = await app.request('GET', '/metrics', { key: null });
      expect(answer.status).toBe(200);
      const scrape = await app.scrape();
      expect(scrape.value('dve_operations', { state: 'queued' })).toBe(7);
      expect(scrape.value('dve_operations_oldest_pending_age_seconds')).toBe(60);
      expect(scrape.value('dve_operations_dead_letters')).toBe(1);
      expect(scrape.value('dve_operations_collect_failures_total')).toBe(failures * 2);
      expect(scrape.text).toMatch(/^# HELP dve_http_requests_total /m); // the rest of the scrape is there
    }

    mode = 'ok';
    metrics.setQueueCollector(async () => snapshot(9, 0, null));
    expect((await app.scrape()).value('dve_operations', { state: 'queued' })).toBe(9);
  });

  it('a collector that throws synchronously does not break the scrape either', async () => {
    metrics.setQueueCollector((() => {
      throw new Error('not even a promise');
    }) as unknown as () => Promise<QueueSnapshot>);
    const answer = await app.request('GET', '/metrics', { key: null });
    expect(answer.status).toBe(200);
    expect(answer.text).toMatch(/^dve_operations_collect_failures_total 1$/m);
  });
});
