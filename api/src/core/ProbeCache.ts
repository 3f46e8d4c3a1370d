/**
 * Reachability probes, shared and kept for a few seconds. `/ready` is open (no API key) and each probe
 * is a Dataverse request made as the application user, which counts against its service protection
 * limits (https://learn.microsoft.com/power-apps/developer/data-platform/api-limits): without this,
 * anyone who reaches the port could spend that budget one request per call. At most one probe per key
 * runs at a time (concurrent callers share it), and its result is reused for `ttlMs` after it arrived.
 */
export class ProbeCache<T> {
  private readonly entries = new Map<string, { result: Promise<T>; settledAt?: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The probe's result for `key`: the one in flight, the last one while fresh, or a new one. */
  get(key: string, probe: () => Promise<T>): Promise<T> {
    const entry = this.entries.get(key);
    if (entry && (entry.settledAt === undefined || this.now() - entry.settledAt < this.ttlMs)) return entry.result;
    const fresh: { result?: Promise<T>; settledAt?: number } = {};
    const result = probe().finally(() => {
      fresh.settledAt = this.now();
    });
    this.entries.set(key, Object.assign(fresh, { result }));
    return result;
  }
}
