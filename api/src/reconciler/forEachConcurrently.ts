/**
 * Runs `task` on every item, at most `limit` at once, starting them in order: `limit` lanes each take
 * the next item when their previous one settles. (What `p-limit` does; it is not a dependency of the
 * project, and this is all the reconciler needs of it.) A task that throws rejects the returned promise
 * — the other lanes still run to the end — so tasks catch what they mean to survive.
 */
export async function forEachConcurrently<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
