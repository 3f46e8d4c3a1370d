/**
 * Every setting of the per-instance resilience policy, with its default, in one place. The zod schema
 * is exported so the configuration file can embed it (e.g. `instances[].resilience`); every field is
 * optional and an empty object gives the defaults below.
 */
import { z } from 'zod';

/**
 * Opens the circuit after `threshold` failed attempts in a row (the default: deterministic at any
 * request rate, see README "Why a consecutive breaker").
 */
export const ConsecutiveBreakerSettingsSchema = z.strictObject({
  kind: z.literal('consecutive'),
  /** Failed attempts in a row (retries included) that open the circuit. Default 5. */
  threshold: z.number().int().min(1).max(1000).default(5),
});

/**
 * Opens the circuit when at least `threshold` (0–1) of the attempts in the last `windowMs` failed,
 * provided the rate was at least `minimumRps` (so a handful of failures under light load does not trip it).
 */
export const SamplingBreakerSettingsSchema = z.strictObject({
  kind: z.literal('sampling'),
  /** Share of failed attempts over the window above which the circuit opens (0 < t < 1). Default 0.5. */
  threshold: z.number().gt(0).lt(1).default(0.5),
  /** Length of the sampling window in ms. Default 30 000. */
  windowMs: z.number().int().min(100).max(3_600_000).default(30_000),
  /** Requests per second needed in the window before the breaker may open. Default 5. */
  minimumRps: z.number().positive().max(10_000).default(5),
});

export const BreakerSettingsSchema = z.discriminatedUnion('kind', [ConsecutiveBreakerSettingsSchema, SamplingBreakerSettingsSchema]);

export const DEFAULT_RESILIENCE_SETTINGS = {
  maxAttempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 30_000,
  maxBreakForRetryAfterMs: 300_000,
  attemptTimeoutMs: 30_000,
  halfOpenAfterMs: 10_000,
  breaker: { kind: 'consecutive', threshold: 5 },
} as const;

const d = DEFAULT_RESILIENCE_SETTINGS;

export const ResilienceSettingsSchema = z.strictObject({
  /** Attempts per request, the first one included (1 = never retry). Default 4. */
  maxAttempts: z.number().int().min(1).max(20).default(d.maxAttempts),
  /** First retry delay of the exponential backoff (decorrelated jitter around it). Default 200 ms. */
  baseDelayMs: z.number().int().min(0).max(60_000).default(d.baseDelayMs),
  /** Longest backoff delay between two attempts when the target gave no Retry-After. Default 5 000 ms. */
  maxDelayMs: z.number().int().min(0).max(300_000).default(d.maxDelayMs),
  /**
   * Longest `Retry-After` (429, or 503 with the header) a caller waits for inline before retrying. A
   * longer one ends the retries at once: the error is thrown and the circuit stays open for it.
   * Default 30 000 ms.
   */
  maxRetryAfterMs: z.number().int().min(0).max(3_600_000).default(d.maxRetryAfterMs),
  /**
   * Longest time a `Retry-After` keeps the circuit open (a guard against absurd values; Dataverse's
   * service-protection window is 300 s, ref 6.4). Default 300 000 ms.
   */
  maxBreakForRetryAfterMs: z.number().int().min(0).max(86_400_000).default(d.maxBreakForRetryAfterMs),
  /**
   * Time allowed for one attempt before it counts as a transient failure. Default 30 000 ms, the same
   * as the HTTP transport's own timeout; set it lower to fail over to the queue sooner.
   */
  attemptTimeoutMs: z.number().int().min(1).max(600_000).default(d.attemptTimeoutMs),
  /** Cool-down after the circuit opened on failures, before one probe request is let through. Default 10 000 ms. */
  halfOpenAfterMs: z.number().int().min(1).max(3_600_000).default(d.halfOpenAfterMs),
  /** How the circuit decides to open. Default `{ kind: 'consecutive', threshold: 5 }`. */
  breaker: BreakerSettingsSchema.default({ ...d.breaker }),
});

/** Settings as written in a configuration file (every field optional). */
export type ResilienceSettingsInput = z.input<typeof ResilienceSettingsSchema>;
/** Settings with every default filled in. */
export type ResilienceSettings = z.output<typeof ResilienceSettingsSchema>;
export type BreakerSettings = z.output<typeof BreakerSettingsSchema>;

/** Validates partial settings and fills in the defaults; throws a ZodError naming the bad field. */
export function resolveResilienceSettings(input: ResilienceSettingsInput = {}): ResilienceSettings {
  return ResilienceSettingsSchema.parse(input);
}
