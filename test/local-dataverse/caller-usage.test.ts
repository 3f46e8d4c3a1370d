/** The sliding window behind the service protection limits: sums stay exact while thousands of entries come and go. */
import { CallerUsage } from '../../api/src/local-dataverse/admin/CallerUsage';

describe('CallerUsage', () => {
  test('keeps exact sums over a window of thousands of entries as it slides', () => {
    const usage = new CallerUsage();
    const windowMs = 1000;
    for (let t = 0; t < 20_000; t++) {
      usage.prune(t, windowMs);
      usage.addRequest(t);
      usage.addExecution(t, 3);
      // Entries at t-999 … t are in the window (one exactly windowMs old has left it).
      const held = Math.min(t + 1, windowMs);
      if (usage.requests !== held || usage.executionMs !== 3 * held) throw new Error(`wrong sums at t=${t}: ${usage.requests}, ${usage.executionMs}`);
    }
    expect(usage.requests).toBe(1000);
    // Below 1000 requests once the oldest (t = 19000) leaves at 20000; below 998 once three have left.
    expect(usage.msUntilRequestsBelow(1000, 19_999, windowMs)).toBe(1);
    expect(usage.msUntilRequestsBelow(998, 19_999, windowMs)).toBe(3);
    expect(usage.msUntilExecutionBelow(2990, 19_999, windowMs)).toBe(4); // 3000 ms held: four entries must go
    usage.prune(30_000, windowMs);
    expect([usage.requests, usage.executionMs, usage.idle]).toEqual([0, 0, true]);
  });
});
