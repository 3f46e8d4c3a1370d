/**
 * One application user of an instance, as the limiter sees it: its token provider, how many requests
 * it has under way, what Dataverse last said about its limits, and whether it is resting after a 429.
 * The rules that read this state are here; the choice between identities is IdentityPool's.
 */
import type { TokenProvider } from '../auth/TokenProvider';
import type { BudgetReading } from './RateLimitHeaders';
import { SendLog } from './SendLog';

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
  /** Dataverse's sliding window (300 s): a request gives its budget back once it has left it. */
  readonly windowMs: number;
  /** Held (no start) while the budget expected now is at most this many requests, until a logged request leaves the window. */
  readonly holdReserveRequests: number;
  /**
   * The longest such hold: a request that would wait longer is sent, and Dataverse's 429 says how long
   * to rest — the circuit breaker then answers 202 and the queue delivers, rather than the request
   * waiting out its attempt's timeout (30 s by default) in the line.
   */
  readonly maxHoldMs: number;
}

export const DEFAULT_PACING: PacingRule = {
  reserveRequests: 5,
  executionEstimateMs: 2_000,
  pacedIntervalMs: 50,
  defaultRestMs: 5_000,
  windowMs: 300_000,
  holdReserveRequests: 1,
  maxHoldMs: 15_000,
};

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
  /** Milliseconds it is held until a request of its leaves the window; 0 when not held by time. */
  readonly heldForMs: number;
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
  /** Answered requests since its first budget reading, for when each leaves the window. */
  private readonly log = new SendLog();
  /** The latest clock time it was told; the clock time of its latest burst reading (at most its true time). */
  private seenAt = -Infinity;
  private readAt = -Infinity;
  /** Requests the latest reading may not have counted yet: under way when it came, or started since. */
  private spentSinceReading = 0;
  /** Requests the latest reading counted that have left the window since. */
  private returnedSinceReading = 0;

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
    if (now < (this.heldUntil(now) ?? now)) return false;
    if (this.isPaced()) return this.underWay === 0 && now >= this.nextStartAt;
    return this.underWay < this.ceiling;
  }

  start(now: number): void {
    this.tell(now);
    if (this.isPaced()) this.nextStartAt = now + this.rule.pacedIntervalMs;
    if (this.burstRemaining !== undefined) this.spentSinceReading++;
    this.underWay++;
  }

  /** A request sent at `sentAt` was answered (Dataverse counted it): logged until it leaves the window. */
  answered(sentAt: number, answeredAt: number): void {
    this.tell(answeredAt);
    if (this.burstRemaining !== undefined) this.log.push(sentAt, answeredAt);
  }

  /** The clock time now, before an answer is observed (IdentityPool tells it). */
  tell(now: number): void {
    this.seenAt = Math.max(this.seenAt, now);
  }

  /**
   * The burst budget expected now: the latest reading, less the requests it may not have counted, plus
   * those it counted that have left the window since. Undefined before any reading.
   */
  expectedBudget(now: number): number | undefined {
    if (this.burstRemaining === undefined) return undefined;
    const { windowMs } = this.rule;
    for (let answeredAt = this.log.oldestAnsweredAt; answeredAt !== undefined && answeredAt + windowMs <= now; answeredAt = this.log.oldestAnsweredAt) {
      // Sent before the reading's window opened: perhaps not in its count, so not counted back either.
      if (this.log.oldestSentAt! > this.readAt - windowMs) this.returnedSinceReading++;
      this.log.shift();
    }
    return this.burstRemaining - this.spentSinceReading + this.returnedSinceReading;
  }

  /**
   * Held while the budget expected now is within the reserve: until its oldest logged request leaves
   * the window (one more request is then available) if that is at most `maxHoldMs` away, or — with none
   * logged — until an answer under way says more (Infinity). Undefined: not held.
   */
  heldUntil(now: number): number | undefined {
    const expected = this.expectedBudget(now);
    if (expected === undefined || expected > this.rule.holdReserveRequests) return undefined;
    const oldest = this.log.oldestAnsweredAt;
    if (oldest !== undefined) return oldest + this.rule.windowMs - now <= this.rule.maxHoldMs ? oldest + this.rule.windowMs : undefined;
    return this.underWay > 0 ? Infinity : undefined; // nothing to wait for: the pacing interval alone
  }

  /** When waiting for time (not for a request to end) could let it start: its rest's, hold's or pace's end. */
  wakeAt(now: number): number | undefined {
    if (this.isResting(now)) return this.restingUntil;
    const held = this.heldUntil(now);
    if (held === Infinity) return undefined;
    let at = held ?? now;
    if (this.isPaced()) {
      if (this.underWay > 0) return undefined;
      at = Math.max(at, this.nextStartAt);
    }
    return at > now ? at : undefined;
  }

  observe(dopHint: number | undefined, budget: BudgetReading): void {
    if (dopHint !== undefined) this.dopHint = dopHint;
    if (budget.burstRemaining !== undefined) this.read(budget.burstRemaining);
    if (budget.timeRemainingMs !== undefined) this.timeRemainingMs = budget.timeRemainingMs;
  }

  /** A fresh burst reading replaces the estimate; the answer being observed is still counted under way. */
  private read(burstRemaining: number): void {
    this.burstRemaining = burstRemaining;
    this.readAt = this.seenAt;
    this.spentSinceReading = Math.max(0, this.underWay - 1);
    this.returnedSinceReading = 0;
    // Requests sent before this reading's window opened can never be counted back: drop them.
    const opened = this.readAt - this.rule.windowMs;
    while (this.log.oldestSentAt !== undefined && this.log.oldestSentAt <= opened) this.log.shift();
  }

  rest(now: number, retryAfterMs: number | undefined): void {
    this.restingUntil = Math.max(this.restingUntil, now + Math.max(1, retryAfterMs ?? this.rule.defaultRestMs));
  }

  snapshot(now: number): IdentitySnapshot {
    const paced = this.isPaced();
    const held = this.heldUntil(now);
    return {
      name: this.name,
      underWay: this.underWay,
      limit: paced ? 1 : this.ceiling,
      dopHint: this.dopHint,
      burstRemaining: this.burstRemaining,
      timeRemainingMs: this.timeRemainingMs,
      paced,
      restingForMs: Math.max(0, this.restingUntil - now),
      heldForMs: held === undefined || held === Infinity ? 0 : Math.max(0, held - now),
    };
  }
}
