/**
 * The stub summary (`GET /v1/instances/{instance}/stubs/summary`, and the local preview's header
 * numbers) computed from `ec_stub` rows: counts by state and table, time-to-hydrate percentiles
 * (nearest rank over `ec_secondstohydrate` of Hydrated rows), the oldest Pending stub and, when asked,
 * how many were hydrated recently. Dataverse has no percentile aggregate (and `$count` stops at
 * 5,000), so the core reads the few columns this needs from every row, 5,000 per page.
 */
import type { StubCounts, StubSummary, StubSummaryOptions, TableStubSummary, TimeToHydrate } from '../EnsureService';
import { stateOf } from './StubTable';

/** The columns the summary reads. */
export const SUMMARY_COLUMNS = ['ec_table', 'ec_recordid', 'ec_stubstate', 'ec_secondstohydrate', 'ec_hydratedon', 'createdon'] as const;

/** Nearest-rank percentile of ascending `sorted` (p in 0–100). */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

function timeToHydrate(seconds: number[]): TimeToHydrate {
  const sorted = [...seconds].sort((a, b) => a - b);
  if (sorted.length === 0) return { count: 0 };
  return { count: sorted.length, p50Seconds: percentile(sorted, 50)!, p95Seconds: percentile(sorted, 95)!, maxSeconds: sorted[sorted.length - 1]! };
}

interface TableAccumulator {
  counts: StubCounts;
  seconds: number[];
  oldestPending?: { recordId: string; createdOn: string; at: number };
}

export class StubSummaryBuilder {
  private readonly tables = new Map<string, TableAccumulator>();
  private hydratedRecently = 0;

  constructor(
    private readonly instance: string,
    private readonly now: Date = new Date(),
    private readonly options: StubSummaryOptions = {},
  ) {}

  add(row: Record<string, unknown>): void {
    const table = String(row.ec_table ?? '');
    const accumulator = this.tables.get(table) ?? { counts: { pending: 0, hydrated: 0, abandoned: 0, total: 0 }, seconds: [] };
    this.tables.set(table, accumulator);
    accumulator.counts.total++;
    const state = stateOf(row.ec_stubstate);
    if (state === 'Hydrated') {
      accumulator.counts.hydrated++;
      if (typeof row.ec_secondstohydrate === 'number' && Number.isFinite(row.ec_secondstohydrate)) accumulator.seconds.push(row.ec_secondstohydrate);
      const within = this.options.hydratedWithinSeconds;
      const hydratedOn = typeof row.ec_hydratedon === 'string' ? Date.parse(row.ec_hydratedon) : Number.NaN;
      if (within !== undefined && this.now.getTime() - hydratedOn <= within * 1000) this.hydratedRecently++;
    } else if (state === 'Abandoned') {
      accumulator.counts.abandoned++;
    } else {
      accumulator.counts.pending++;
      const createdOn = String(row.createdon);
      const at = Date.parse(createdOn);
      if (Number.isFinite(at) && (accumulator.oldestPending === undefined || at < accumulator.oldestPending.at)) {
        accumulator.oldestPending = { recordId: String(row.ec_recordid), createdOn, at };
      }
    }
  }

  build(): StubSummary {
    const ageOf = (at: number) => Math.max(0, Math.round((this.now.getTime() - at) / 1000));
    const counts: StubCounts = { pending: 0, hydrated: 0, abandoned: 0, total: 0 };
    const allSeconds: number[] = [];
    let oldest: (StubSummary['oldestPending'] & { at: number }) | undefined;
    const tables: TableStubSummary[] = [...this.tables.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([table, accumulator]) => {
        counts.pending += accumulator.counts.pending;
        counts.hydrated += accumulator.counts.hydrated;
        counts.abandoned += accumulator.counts.abandoned;
        counts.total += accumulator.counts.total;
        allSeconds.push(...accumulator.seconds);
        const pending = accumulator.oldestPending;
        if (pending && (oldest === undefined || pending.at < oldest.at)) {
          oldest = { table, recordId: pending.recordId, createdOn: pending.createdOn, ageSeconds: ageOf(pending.at), at: pending.at };
        }
        return {
          table,
          ...accumulator.counts,
          timeToHydrate: timeToHydrate(accumulator.seconds),
          ...(pending ? { oldestPendingSeconds: ageOf(pending.at) } : {}),
        };
      });
    return {
      instance: this.instance,
      generatedOn: this.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      counts,
      tables,
      timeToHydrate: timeToHydrate(allSeconds),
      ...(oldest ? { oldestPending: { table: oldest.table, recordId: oldest.recordId, createdOn: oldest.createdOn, ageSeconds: oldest.ageSeconds } } : {}),
      ...(this.options.hydratedWithinSeconds !== undefined ? { hydratedRecently: { withinSeconds: this.options.hydratedWithinSeconds, count: this.hydratedRecently } } : {}),
    };
  }
}
