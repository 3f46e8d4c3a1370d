/**
 * The queue follows the degree of parallelism the target recommends (`x-ms-dop-hint`, which Dataverse
 * sends with its answers): it never has more requests under way at b than the latest hint, and it
 * follows a new hint. Measured at b itself (its peak of concurrent requests), over real HTTP.
 */
import { call, countRows, inParallel, setFault, startQueueFixture, waitForDrain, type QueueFixture } from './queueFixture';

jest.setTimeout(120_000);

async function peakAtB(fixture: QueueFixture): Promise<number> {
  const stats = (await (await fetch(`${fixture.b}/_admin/stats`)).json()) as { peakConcurrentRequests: number };
  return stats.peakConcurrentRequests;
}

/** `count` creates accepted at once (`Prefer: respond-async`), each its own record, drained by the queue. */
async function drainAccepted(fixture: QueueFixture, prefix: string, count: number): Promise<void> {
  await fetch(`${fixture.b}/_admin/stats/reset`, { method: 'POST' });
  const answers = await inParallel(count, 10, (i) =>
    call(fixture.url, 'POST', '/v1/instances/b/submit', { table: 'contact', record: { lastname: `${prefix} ${i}` } }, { Prefer: 'respond-async' }),
  );
  expect(answers.map((a) => a.status)).toEqual(new Array(count).fill(202));
  await waitForDrain(fixture.url);
  expect(await countRows(fixture.b, 'contacts', `startswith(lastname,'${prefix} ')`)).toBe(count);
}

describe('queue concurrency and x-ms-dop-hint', () => {
  let fixture: QueueFixture;
  beforeAll(async () => {
    // Nothing else talks to b while the queue drains: the peak at b is the queue's.
    fixture = await startQueueFixture({ reconciler: { enabled: false } });
  });
  afterAll(async () => fixture?.close());

  it('never has more requests under way at b than its latest x-ms-dop-hint, and follows a new hint', async () => {
    // Each answer takes 150 ms, so 30 operations overlap as far as the queue lets them.
    await setFault(fixture.b, { mode: 'slow', latencyMs: 150, dopHint: 2 });
    // One answer from b carries the hint to the API.
    expect((await call(fixture.url, 'POST', '/v1/instances/b/submit', { table: 'contact', record: { lastname: 'DOP first' } })).status).toBe(200);

    await drainAccepted(fixture, 'DOP two', 30);
    expect(await peakAtB(fixture)).toBe(2);

    // A higher hint: more at once (queue.concurrency, 32 by default, stays the ceiling).
    await setFault(fixture.b, { mode: 'slow', latencyMs: 150, dopHint: 6 });
    expect((await call(fixture.url, 'POST', '/v1/instances/b/submit', { table: 'contact', record: { lastname: 'DOP second' } })).status).toBe(200);
    await drainAccepted(fixture, 'DOP six', 30);
    const peak = await peakAtB(fixture);
    expect(peak).toBeGreaterThan(2);
    expect(peak).toBeLessThanOrEqual(6);
  });
});
