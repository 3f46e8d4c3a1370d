/**
 * Dataverse's service protection API limits, per caller identity and over a sliding window: the number
 * of requests, their combined execution time and the requests under way at once. Past a limit the
 * request is refused with 429, Retry-After and the documented error; every answer says what is left in
 * the window. Off unless configured (`/_admin/limits`), so the rest of the local Dataverse behaves as
 * before. Limits, codes and headers:
 * https://learn.microsoft.com/power-apps/developer/data-platform/api-limits
 */
import { z } from 'zod';
import { DataverseErrors, type DataverseHttpError } from '../errors/DataverseErrorFactory';
import { CallerUsage } from './CallerUsage';

export const limitSettingsSchema = z
  .object({
    enabled: z.boolean(),
    windowSeconds: z.number().int().min(1).max(3600).default(300),
    maxRequests: z.number().int().min(1).default(6000),
    maxExecutionMs: z.number().int().min(1).default(1_200_000),
    maxConcurrent: z.number().int().min(1).default(52),
  })
  .strict();

export type LimitSettings = z.infer<typeof limitSettingsSchema>;
/** The settings as given: every limit may be left to its default. */
export type LimitSettingsInput = z.input<typeof limitSettingsSchema>;

export const BURST_REMAINING_HEADER = 'x-ms-ratelimit-burst-remaining-xrm-requests';
export const TIME_REMAINING_HEADER = 'x-ms-ratelimit-time-remaining-xrm-requests';

/** What a request may do: refused now, or run and then `complete()` once answered (or dropped). */
export interface Admission {
  refusal?: DataverseHttpError;
  /** Books the request's execution time, frees its concurrency slot (once) and returns the rate-limit headers. */
  complete(): Record<string, string>;
}

export interface CallerUsageSummary {
  requests: number;
  executionMs: number;
  concurrent: number;
}

/** Idle callers are forgotten every this many admissions, so many one-off tokens cannot grow the map for good. */
const SWEEP_EVERY = 4096;

export class ServiceProtectionLimits {
  private settings: LimitSettings = limitSettingsSchema.parse({ enabled: false });
  private callers = new Map<string, CallerUsage>();
  private admissions = 0;

  /** `now` is injectable so tests can move the window without waiting. */
  constructor(private readonly now: () => number = Date.now) {}

  get enabled(): boolean {
    return this.settings.enabled;
  }

  get current(): LimitSettings {
    return this.settings;
  }

  /** New settings start every caller afresh. */
  configure(settings: LimitSettings): void {
    this.settings = settings;
    this.callers = new Map();
  }

  /**
   * One request of `callerId` arrived. The concurrency limit trips at once; the requests and
   * execution-time limits once the window's budget is used up. A refused request uses no budget.
   */
  admit(callerId: string): Admission {
    const { windowSeconds, maxRequests, maxExecutionMs, maxConcurrent } = this.settings;
    const windowMs = windowSeconds * 1000;
    const arrivedAt = this.now();
    if (++this.admissions % SWEEP_EVERY === 0) this.sweep(arrivedAt, windowMs);
    const usage = this.usageOf(callerId, arrivedAt, windowMs);
    let refusal: DataverseHttpError | undefined;
    if (usage.concurrent >= maxConcurrent) {
      refusal = DataverseErrors.tooManyConcurrentRequests(1, maxConcurrent);
    } else if (usage.requests >= maxRequests) {
      refusal = DataverseErrors.throttled(retryAfterSeconds(usage.msUntilRequestsBelow(maxRequests, arrivedAt, windowMs)), maxRequests, windowSeconds);
    } else if (usage.executionMs >= maxExecutionMs) {
      refusal = DataverseErrors.executionTimeExceeded(
        retryAfterSeconds(usage.msUntilExecutionBelow(maxExecutionMs, arrivedAt, windowMs)),
        maxExecutionMs,
        windowSeconds,
      );
    } else {
      usage.addRequest(arrivedAt);
      usage.concurrent += 1;
    }
    let headers: Record<string, string> | undefined;
    return {
      refusal,
      complete: () => {
        if (headers) return headers;
        const answeredAt = this.now();
        if (!refusal) {
          usage.concurrent -= 1;
          usage.addExecution(answeredAt, answeredAt - arrivedAt);
        }
        headers = this.remainingHeaders(callerId, answeredAt);
        return headers;
      },
    };
  }

  /** Each caller's use of the current window (callers with none are left out). */
  usage(): Record<string, CallerUsageSummary> {
    const now = this.now();
    this.sweep(now, this.settings.windowSeconds * 1000);
    const summary: Record<string, CallerUsageSummary> = {};
    for (const [callerId, usage] of this.callers) {
      summary[callerId] = { requests: usage.requests, executionMs: usage.executionMs, concurrent: usage.concurrent };
    }
    return summary;
  }

  private remainingHeaders(callerId: string, now: number): Record<string, string> {
    if (!this.settings.enabled) return {};
    const usage = this.usageOf(callerId, now, this.settings.windowSeconds * 1000);
    return {
      [BURST_REMAINING_HEADER]: String(Math.max(0, this.settings.maxRequests - usage.requests)),
      [TIME_REMAINING_HEADER]: String(Math.max(0, this.settings.maxExecutionMs - usage.executionMs)),
    };
  }

  private usageOf(callerId: string, now: number, windowMs: number): CallerUsage {
    let usage = this.callers.get(callerId);
    if (!usage) this.callers.set(callerId, (usage = new CallerUsage()));
    usage.prune(now, windowMs);
    return usage;
  }

  private sweep(now: number, windowMs: number): void {
    for (const [callerId, usage] of this.callers) {
      usage.prune(now, windowMs);
      if (usage.idle) this.callers.delete(callerId);
    }
  }
}

/** Whole seconds, at least 1: a client told 0 would come straight back. */
function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
