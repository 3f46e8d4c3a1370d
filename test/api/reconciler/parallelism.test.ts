/**
 * The reconciler follows the degree of parallelism the target recommends (`x-ms-dop-hint`, which
 * Dataverse sends with its answers): a round never has more hydrations under way at b than the latest
 * hint (nor than `concurrency`), and it follows a new hint. Measured at b itself (its peak of
 * concurrent requests), over real HTTP, with b's client behind its resilience hooks as in `npm start`.
 */
import { createEnsureCore } from '../../../api/src/core/createEnsureCore';
import { WebApiClient } from '../../../api/src/dataverse';
import { createResilientHooks } from '../../../api/src/resilience';
import { reconcilerFixtureForFile } from './reconcilerFixture';

jest.setTimeout(60_000);

const fixture = reconcilerFixtureForFile();

/** `count` accounts in the source, each a Pending stub in b. */
async function pendingStubs(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await fixture.stub(await fixture.sourceAccount());
}

it('never has more hydrations under way at b than its latest x-ms-dop-hint, and follows a new hint', async () => {
  const resilience = createResilientHooks('b', {});
  const clientB = new WebApiClient({ url: fixture.b.url, hooks: resilience.hooks });
  const instances = fixture.instances.map((instance) => (instance.name === 'b' ? { ...instance, client: clientB } : instance));
  const core = createEnsureCore({ instances });
  try {
    const reconciler = fixture.reconciler(
      { concurrency: 8 },
      { service: core, instances: instances.map((instance) => (instance.name === 'b' ? { ...instance, parallelism: resilience.parallelism } : instance)) },
    );

    // Each answer of b takes 150 ms, so a round's 10 hydrations overlap as far as the reconciler lets
    // them; the round's first request to b (taking its pending stubs) brings the hint.
    await pendingStubs(10);
    await fixture.fault(fixture.b, { mode: 'slow', latencyMs: 150, dopHint: 2 });
    await fixture.resetStats();
    let report = await reconciler.runOnce();
    expect(report.instances).toEqual([expect.objectContaining({ instance: 'b', examined: 10, hydrated: 10, deferred: 0 })]);
    expect(resilience.parallelism.value).toBe(2);
    expect(await fixture.peakConcurrentRequests(fixture.b)).toBe(2);

    // A higher hint: more at once, `concurrency` (8) staying the ceiling.
    await fixture.fault(fixture.b, { mode: 'none' });
    await pendingStubs(10);
    await fixture.fault(fixture.b, { mode: 'slow', latencyMs: 150, dopHint: 5 });
    await fixture.resetStats();
    report = await reconciler.runOnce();
    expect(report.instances).toEqual([expect.objectContaining({ instance: 'b', examined: 10, hydrated: 10, deferred: 0 })]);
    const peak = await fixture.peakConcurrentRequests(fixture.b);
    expect(peak).toBeGreaterThan(2);
    expect(peak).toBeLessThanOrEqual(5);
  } finally {
    await fixture.fault(fixture.b, { mode: 'none' });
    await fixture.stopReconcilers();
    // Not core.close(): it would close a's client too, which the fixture's core shares.
    await clientB.close();
  }
});
