/**
 * Settings of the hydration reconciler (`reconciler` in the configuration file). Every one has a
 * default, chosen so that `npm start`'s local setup hydrates a stub within about 5 seconds of its source
 * record existing. README.md (api/src/reconciler) explains each.
 */
import { z } from 'zod';

/** Table and column logical names (the same rule as config/ConfigSchema.ts, which imports this file). */
const TABLE_LOGICAL_NAME = /^[a-z][a-z0-9_]{0,127}$/;
const COLUMN_LOGICAL_NAME = TABLE_LOGICAL_NAME;

export const ReconcilerSettingsSchema = z.strictObject({
  /** Run rounds on a timer (false: never on its own; `runOnce()` still works). */
  enabled: z.boolean().optional(),
  /** Seconds between rounds (a round that found a full batch is followed by the next one at once). */
  intervalSeconds: z.number().min(0.1).max(86_400).optional(),
  /** Pending stubs taken per target instance per round (hydration requests first, then oldest first). */
  batchSize: z.number().int().min(1).max(1000).optional(),
  /** Hydrations in flight at once per target instance (Dataverse allows 52 concurrent requests per user). */
  concurrency: z.number().int().min(1).max(52).optional(),
  /** Failed attempts (record missing at the source, or refused by the target) after which a stub is Abandoned. */
  maxAttempts: z.number().int().min(1).max(1000).optional(),
  /** Age in hours after which a stub whose record is still missing at the source is Abandoned. */
  abandonAfterHours: z.number().min(0.001).max(24 * 3650).optional(),
  /** Seconds before a stub that failed once is tried again; doubles with every attempt (0: every round). */
  retryBaseSeconds: z.number().min(0).max(86_400).optional(),
  /** The longest wait between two attempts on one stub, in seconds. */
  retryMaxSeconds: z.number().min(0).max(30 * 86_400).optional(),
  /** Seconds a replica holds the reconciler lease without renewing it (another replica takes over after). */
  leaseSeconds: z.number().int().min(5).max(3600).optional(),
  /** Columns read from the source and written to the target, per table (default: every writable non-lookup column both share). */
  columns: z
    .record(
      z.string().regex(TABLE_LOGICAL_NAME, { message: 'must be a table logical name (a-z, 0-9, _)' }),
      z.array(z.string().regex(COLUMN_LOGICAL_NAME, { message: 'must be a column logical name (a-z, 0-9, _)' })).min(1, { message: 'must list at least one column' }),
    )
    .optional(),
});

export type ReconcilerSettingsInput = z.infer<typeof ReconcilerSettingsSchema>;
export type ReconcilerSettings = Required<Omit<ReconcilerSettingsInput, 'columns'>> & { columns: Record<string, string[]> };

export const RECONCILER_DEFAULTS: ReconcilerSettings = {
  enabled: true,
  intervalSeconds: 5,
  batchSize: 500,
  concurrency: 8,
  maxAttempts: 20,
  abandonAfterHours: 72,
  retryBaseSeconds: 10,
  retryMaxSeconds: 3600,
  leaseSeconds: 60,
  columns: {},
};

/** The settings with every default filled in. */
export function reconcilerSettings(input: ReconcilerSettingsInput = {}): ReconcilerSettings {
  const given = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as ReconcilerSettingsInput;
  return { ...RECONCILER_DEFAULTS, ...given, columns: { ...(given.columns ?? {}) } };
}

/** Seconds to wait after the `attempts`-th failed attempt (`attempts` ≥ 1). */
export function retryDelaySeconds(settings: Pick<ReconcilerSettings, 'retryBaseSeconds' | 'retryMaxSeconds'>, attempts: number): number {
  if (settings.retryBaseSeconds === 0) return 0;
  return Math.min(settings.retryMaxSeconds, settings.retryBaseSeconds * 2 ** Math.max(0, Math.min(attempts - 1, 40)));
}
