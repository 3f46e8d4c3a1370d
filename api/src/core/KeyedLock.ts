/**
 * Per-key mutual exclusion inside one process: concurrent submits that need the same missing record
 * queue behind the first, which creates the stub; the others then find it (single-flight). Keys are
 * taken in sorted order so two callers never wait on each other in a cycle.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async acquire(keys: readonly string[]): Promise<() => void> {
    const unique = [...new Set(keys)].sort();
    const releases: Array<() => void> = [];
    for (const key of unique) releases.push(await this.acquireOne(key));
    return () => releases.reverse().forEach((release) => release());
  }

  private async acquireOne(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => current);
    this.tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}
