/**
 * Counts what reached the Web API — HTTP requests by method and by caller identity, and the operations
 * inside `$batch` requests by method — and keeps a bounded log of recent requests with their arrival
 * time, so tests can prove how many round trips a client made and that it waited out a Retry-After.
 */
export interface RequestLogEntry {
  /** Milliseconds since the epoch when the request arrived. */
  at: number;
  method: string;
  path: string;
  status: number;
}

export interface StatsSnapshot {
  /** `byCaller`: requests per caller id (`http/CallerIdentity.ts`), to see load spread across identities. */
  http: { total: number; byMethod: Record<string, number>; byCaller: Record<string, number> };
  batchOperations: { total: number; byMethod: Record<string, number> };
  /** The most Web API requests under way at once (arrived, not yet answered). */
  peakConcurrentRequests: number;
  since: string;
}

const LOG_LIMIT = 10_000;

export class RequestStats {
  private http = new Map<string, number>();
  private byCaller = new Map<string, number>();
  private batch = new Map<string, number>();
  /** Ring buffer of the last LOG_LIMIT requests; `next` is where the next entry goes. */
  private log: RequestLogEntry[] = [];
  private next = 0;
  private since = new Date();
  private underWay = 0;
  private peak = 0;

  countRequest(method: string, callerId: string): void {
    this.http.set(method, (this.http.get(method) ?? 0) + 1);
    this.byCaller.set(callerId, (this.byCaller.get(callerId) ?? 0) + 1);
  }

  /** A request arrived: returns what to call once it is answered (or dropped). */
  started(): () => void {
    this.underWay += 1;
    this.peak = Math.max(this.peak, this.underWay);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.underWay -= 1;
    };
  }

  countBatchOperation(method: string): void {
    this.batch.set(method, (this.batch.get(method) ?? 0) + 1);
  }

  record(entry: RequestLogEntry): void {
    if (this.log.length < LOG_LIMIT) this.log.push(entry);
    else this.log[this.next] = entry;
    this.next = (this.next + 1) % LOG_LIMIT;
  }

  snapshot(): StatsSnapshot {
    return {
      http: { ...summarize(this.http), byCaller: Object.fromEntries(this.byCaller) },
      batchOperations: summarize(this.batch),
      peakConcurrentRequests: this.peak,
      since: this.since.toISOString(),
    };
  }

  /** Recent requests in arrival order. */
  requests(sinceMs = 0): RequestLogEntry[] {
    const ordered = this.log.length < LOG_LIMIT ? this.log : [...this.log.slice(this.next), ...this.log.slice(0, this.next)];
    return ordered.filter((e) => e.at >= sinceMs);
  }

  reset(): void {
    this.http = new Map();
    this.byCaller = new Map();
    this.batch = new Map();
    this.log = [];
    this.next = 0;
    this.peak = this.underWay;
    this.since = new Date();
  }
}

function summarize(counts: Map<string, number>) {
  const byMethod: Record<string, number> = {};
  let total = 0;
  for (const [method, n] of counts) {
    byMethod[method] = n;
    total += n;
  }
  return { total, byMethod };
}
