/**
 * Collects the calls made in one event-loop turn and runs them as one batch (one SQL statement for
 * many operations). PGlite is a single connection where every statement costs a fixed toll, so
 * concurrent requests share a statement instead of queueing one behind the other — group commit, as
 * the local Dataverse does for its journal. A batch runs only after the previous one finished.
 */
/** A batch result that fails only its own call (the other calls of the batch get theirs). */
export class ItemFailure {
  constructor(readonly error: unknown) {}
}

export class TickBatcher<T, R> {
  private pending: Array<{ item: T; resolve: (result: R) => void; reject: (error: unknown) => void }> = [];
  private scheduled = false;
  private running: Promise<void> = Promise.resolve();
  /** The newest call's outcome: batches run in call order, so once it is in, every earlier one is. */
  private last: Promise<unknown> = Promise.resolve();

  /**
   * `lingerMs` > 0 waits that long for more calls before a batch runs (larger batches, fewer
   * statements) — for work no caller is waiting on, such as finishing operations answered 202.
   */
  constructor(
    private readonly run: (items: T[]) => Promise<Array<R | ItemFailure>>,
    private readonly maxBatch = 200,
    private readonly lingerMs = 0,
  ) {}

  add(item: T): Promise<R> {
    const result = new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        const flush = () => {
          this.scheduled = false;
          this.running = this.running.then(() => this.flush());
        };
        if (this.lingerMs > 0) setTimeout(flush, this.lingerMs);
        else setImmediate(flush);
      }
    });
    this.last = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every call made so far, and any made while waiting, has run. */
  async settled(): Promise<void> {
    let last: Promise<unknown>;
    do {
      last = this.last;
      await last;
    } while (last !== this.last);
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      try {
        const results = await this.run(batch.map((entry) => entry.item));
        batch.forEach((entry, i) => {
          const result = results[i]!;
          if (result instanceof ItemFailure) entry.reject(result.error);
          else entry.resolve(result);
        });
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
  }
}
