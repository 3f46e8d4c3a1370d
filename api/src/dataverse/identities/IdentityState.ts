/**
 * One application user of an instance, as the limiter sees it: its token provider, how many requests
 * it has under way, what Dataverse last said about its limits, and whether it is resting after a 429.
 * The rules that read this state are here; the choice between identities is IdentityPool's.
 */
import type { TokenProvider } from '../auth/TokenProvider';
import type { BudgetReading } from './RateLimitHeaders';

/** Dataverse's concurrent-request limit per user (0x80072326). */
export const MAX_CONCURRENT_PER_IDENTITY = 52;

/** When and how an identity is slowed down before Dataverse has to answer 429 (README, "Identities"). */
export interface PacingRule {
  /** Requests kept in reserve: paced once the burst remaining is at most those under way plus this. */
  readonly reserveRequests: number;
  /** Execution time one request is assumed to cost (ms): paced once the time remaining is at most (under way + reserve) × this. */
  readonly executionEstimateMs: number;
  /** While paced: one request at a time, started at least this far apart (300 s / 6,000 requests = 50 ms). */
  readonly pacedIntervalMs: number;
  /** How long an identity rests after a 429 that named no `Retry-After`. */
  readonly defaultRestMs: number;
}

export const DEFAULT_PACING: PacingRule = { reserveRequests: 5, executionEstimateMs: 2_000, pacedIntervalMs: 50, defaultRestMs: 5_000 };

export interface IdentitySnapshot {
  readonly name: string;
  readonly underWay: number;
  /** Most requests it may have under way now: min(52, latest dop hint, maxConcurrent); 1 while paced. */
  readonly limit: number;
  readonly dopHint: number | undefined;
  readonly burstRemaining: number | undefined;
  readonly timeRemainingMs: number | undefined;
  readonly paced: boolean;
  /** Milliseconds until its rest after a 429 ends; 0 when not resting. */
  readonly restingForMs: number;
}

export class IdentityState {
  underWay = 0;
  dopHint: number | undefined;
  burstRemaining: number | undefined;
  timeRemainingMs: number | undefined;
  /** Clock time its rest ends (0: never rested). */
  restingUntil = 0;
  /** While paced, the earliest clock time of its next start. */
  nextStartAt = 0;

  constructor(
    readonly name: string,
    readonly tokenProvider: TokenProvider,
    /** Configured ceiling, at most 52. */
    readonly maxConcurrent: number,
    private readonly rule: PacingRule,
  ) {}

  isResting(now: number): boolean {
    return now < this.restingUntil;
  }

  /** Its budget is nearly spent: hold it to one request at a time until an answer says otherwise. */
  isPaced(): boolean {
    const margin = this.underWay + this.rule.reserveRequests;
    return (
      (this.burstRemaining !== undefined && this.burstRemaining <= margin) ||
      (this.timeRemainingMs !== undefined && this.timeRemainingMs <= margin * this.rule.executionEstimateMs)
    );
  }

  /** Requests it may have under way, leaving pacing aside. */
  get ceiling(): number {
    return Math.min(MAX_CONCURRENT_PER_IDENTITY, this.dopHint ?? MAX_CONCURRENT_PER_IDENTITY, this.maxConcurrent);
  }

  canStart(now: number): boolean {
    if (this.isResting(now)) return false;
    if (this.isPaced()) return this.underWay === 0 && now >= this.nextStartAt;
    return this.underWay < this.ceiling;
  }

  start(now: number): void {
    if (this.isPaced()) this.nextStartAt = now + this.rule.pacedIntervalMs;
    this.underWay++;
  }

  /** When waiting for time (not for a request to end) could let it start: its rest's or its pace's end. */
  wakeAt(now: number): number | undefined {
    if (this.isResting(now)) return this.restingUntil;
    if (this.underWay === 0 && now < this.nextStartAt && this.isPaced()) return this.nextStartAt;
    return undefined;
  }

  observe(dopHint: number | undefined, budget: BudgetReading): void {
    if (dopHint !== undefined) this.dopHint = dopHint;
    if (budget.burstRemaining !== undefined) this.burstRemaining = budget.burstRemaining;
    if (budget.timeRemainingMs !== undefined) this.timeRemainingMs = budget.timeRemainingMs;
  }

  rest(now: number, retryAfterMs: number | undefined): void {
    this.restingUntil = Math.max(this.restingUntil, now + Math.max(1, retryAfterMs ?? this.rule.defaultRestMs));
  }

  snapshot(now: number): IdentitySnapshot {
    const paced = this.isPaced();
    return {
      name: this.name,
      underWay: this.underWay,
      limit: paced ? 1 : this.ceiling,
      dopHint: this.dopHint,
      burstRemaining: this.burstRemaining,
      timeRemainingMs: this.timeRemainingMs,
      paced,
      restingForMs: Math.max(0, this.restingUntil - now),
    };
  }
}
