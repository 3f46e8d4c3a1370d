/**
 * One caller's use of the service over a sliding window: a queue of (time, requests, execution ms)
 * entries, appended at the back and dropped from the front once older than the window, with running
 * sums, so a check costs O(1) plus the entries that just expired. Only the Retry-After of a refused
 * request walks the queue.
 */
interface UsageEntry {
  at: number;
  requests: 0 | 1;
  executionMs: number;
}

export class CallerUsage {
  private entries: UsageEntry[] = [];
  private head = 0;
  requests = 0;
  executionMs = 0;
  /** Requests admitted and not yet answered. */
  concurrent = 0;

  /** Drops the entries the window (ending at `now`) no longer holds. */
  prune(now: number, windowMs: number): void {
    const oldest = now - windowMs;
    while (this.head < this.entries.length && this.entries[this.head]!.at <= oldest) {
      const entry = this.entries[this.head++]!;
      this.requests -= entry.requests;
      this.executionMs -= entry.executionMs;
    }
    if (this.head === this.entries.length) {
      this.entries = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  addRequest(now: number): void {
    this.entries.push({ at: now, requests: 1, executionMs: 0 });
    this.requests += 1;
  }

  addExecution(now: number, executionMs: number): void {
    if (executionMs <= 0) return;
    this.entries.push({ at: now, requests: 0, executionMs });
    this.executionMs += executionMs;
  }

  get idle(): boolean {
    return this.concurrent === 0 && this.head === this.entries.length;
  }

  /** Milliseconds until the window holds fewer than `limit` requests. */
  msUntilRequestsBelow(limit: number, now: number, windowMs: number): number {
    let toExpire = this.requests - limit + 1;
    for (let i = this.head; i < this.entries.length && toExpire > 0; i++) {
      const entry = this.entries[i]!;
      toExpire -= entry.requests;
      if (toExpire <= 0) return entry.at + windowMs - now;
    }
    return 0;
  }

  /** Milliseconds until the window holds less than `limit` ms of execution time. */
  msUntilExecutionBelow(limit: number, now: number, windowMs: number): number {
    let remaining = this.executionMs;
    for (let i = this.head; i < this.entries.length && remaining >= limit; i++) {
      const entry = this.entries[i]!;
      remaining -= entry.executionMs;
      if (remaining < limit) return entry.at + windowMs - now;
    }
    return 0;
  }
}
