/**
 * Settings of the durable queue (`queue` in the configuration file). Every one has a default, so the
 * embedded default needs none; `DATABASE_URL` (environment only: it may hold a password) switches the
 * queue from PGlite in the data folder to a PostgreSQL server shared by several replicas.
 */
import { z } from 'zod';

export const QueueSettingsSchema = z.strictObject({
  /**
   * The most operations one process runs against one instance at once (Dataverse allows 52 concurrent
   * requests per user). An instance's `x-ms-dop-hint` lowers it while the hint is lower.
   */
  concurrency: z.number().int().min(1).max(52).optional(),
  /** Seconds between looks for new work when the queue seemed empty (new work in this process wakes it at once). */
  pollIntervalSeconds: z.number().min(0.05).max(60).optional(),
  /** Seconds an operation stays claimed by the process running it; after a crash another process takes it over then. */
  leaseSeconds: z.number().int().min(5).max(3600).optional(),
  /** The `Retry-After` sent with `202 Accepted` and with `GET /v1/operations/{id}` while pending. */
  retryAfterSeconds: z.number().int().min(1).max(3600).optional(),
  /** Hours a transient failure (target down, throttled) is retried before the operation is dead-lettered. */
  maxPendingHours: z.number().min(0.01).max(24 * 90).optional(),
  /**
   * Attempts an operation gets (the first included) before a failure makes it a dead letter, however
   * transient: a write that keeps failing should not hold a slot and hammer the target for days.
   * Failures while the instance is down, throttling or its circuit open are not the operation's and do
   * not count (see `countsAsAttempt`).
   */
  maxAttempts: z.number().int().min(1).max(1000).optional(),
  /** Hours a finished operation (and its idempotency key) is kept. */
  completedRetentionHours: z.number().min(0.01).max(24 * 90).optional(),
  /** Days a dead letter (failed operation) is kept for `POST /v1/operations/{id}/retry`. */
  deadLetterRetentionDays: z.number().min(0.01).max(365).optional(),
});

export type QueueSettingsInput = z.infer<typeof QueueSettingsSchema>;
export type QueueSettings = Required<QueueSettingsInput>;

export const QUEUE_DEFAULTS: QueueSettings = {
  // With the reconciler's 8, 40 of the 52 concurrent requests Dataverse allows one user: room is left
  // for the actions answered at once. Several replicas sharing one application user: lower it.
  concurrency: 32,
  pollIntervalSeconds: 1,
  leaseSeconds: 120,
  retryAfterSeconds: 5,
  maxPendingHours: 72,
  maxAttempts: 10,
  completedRetentionHours: 24,
  deadLetterRetentionDays: 14,
};

export function queueSettings(input: QueueSettingsInput = {}): QueueSettings {
  return { ...QUEUE_DEFAULTS, ...Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) };
}
