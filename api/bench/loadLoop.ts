/** The load loops the benchmarks use: `count` calls (or calls for a fixed time) from `concurrency` callers, timed one by one. */
export interface LoadResult {
  perSecond: number;
  p50: number;
  p99: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function runLoad(count: number, concurrency: number, operation: (i: number) => Promise<void>): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) {
        const t = performance.now();
        await operation(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: count / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/**
 * `concurrency` callers calling `operation` back to back until `durationMs` has passed (a call under
 * way then finishes): how many calls a budget lets through in a fixed time. `perSecond` counts to the
 * last answer, so a call held back by a Retry-After at the end weighs in.
 */
export async function runFor(durationMs: number, concurrency: number, operation: (i: number) => Promise<void>): Promise<LoadResult & { count: number; seconds: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await operation(next++);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { count: latencies.length, seconds, perSecond: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}
