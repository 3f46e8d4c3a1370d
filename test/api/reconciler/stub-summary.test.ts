/**
 * The core's stub summary from real `ec_stub` rows in a local Dataverse: counts by state and table
 * after the reconciler hydrated some stubs and abandoned one, time to hydrate over the hydrated rows,
 * the oldest pending stub; and an instance without stubs.
 */
import { randomUUID } from 'node:crypto';
import { reconcilerFixtureForFile } from './reconcilerFixture';

jest.setTimeout(60_000);

const fixture = reconcilerFixtureForFile();

it('counts stubs by state and table, with time to hydrate and the oldest pending stub', async () => {
  expect(await fixture.core.stubSummary('b')).toEqual({ instance: 'b', generatedOn: expect.any(String), counts: { pending: 0, hydrated: 0, abandoned: 0, total: 0 }, tables: [], timeToHydrate: { count: 0 } });

  const hydrated = [await fixture.sourceAccount(), await fixture.sourceAccount()];
  for (const id of hydrated) await fixture.stub(id);
  const missing = randomUUID();
  await fixture.stub(missing);
  await fixture.reconciler({ maxAttempts: 1 }).runOnce();
  await fixture.stopReconcilers();
  const pendingContact = randomUUID();
  await fixture.stub(pendingContact, 'contact');

  const summary = await fixture.core.stubSummary('b');
  const stub = await fixture.stubRow(pendingContact, 'contact');
  expect(summary).toEqual({
    instance: 'b',
    generatedOn: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    counts: { pending: 1, hydrated: 2, abandoned: 1, total: 4 },
    tables: [
      { table: 'account', pending: 0, hydrated: 2, abandoned: 1, total: 3, timeToHydrate: { count: 2, p50Seconds: expect.any(Number), p95Seconds: expect.any(Number), maxSeconds: expect.any(Number) } },
      { table: 'contact', pending: 1, hydrated: 0, abandoned: 0, total: 1, timeToHydrate: { count: 0 }, oldestPendingSeconds: expect.any(Number) },
    ],
    timeToHydrate: { count: 2, p50Seconds: expect.any(Number), p95Seconds: expect.any(Number), maxSeconds: expect.any(Number) },
    oldestPending: { table: 'contact', recordId: pendingContact, createdOn: stub.createdOn, ageSeconds: expect.any(Number) },
  });
  expect(summary.timeToHydrate.p50Seconds).toBeLessThanOrEqual(summary.timeToHydrate.p95Seconds!);
  expect(summary.oldestPending!.ageSeconds).toBeLessThan(60);
  await expect(fixture.core.stubSummary('zz')).rejects.toMatchObject({ status: 404, code: 'UnknownInstance' });
});
