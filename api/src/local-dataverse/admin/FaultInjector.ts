/**
 * Makes the local Dataverse misbehave on purpose, for demos and resilience tests:
 * `down` drops connections without answering (an unreachable host), `unavailable` answers 503,
 * `throttle` answers 429 with Retry-After and the service-protection error (ref 6.4), `slow` adds
 * latency (`latencyPerBatchOperationMs` more for each operation of a `$batch` after its first, as
 * Dataverse runs a batch's operations one after another), `flaky` fails that fraction of requests with 503. `dopHint`, with any mode, is sent as
 * `x-ms-dop-hint` with every answer, as Dataverse recommends a degree of parallelism to its clients
 * (to test clients that follow it).
 */
import { z } from 'zod';

export const faultSettingsSchema = z
  .object({
    mode: z.enum(['none', 'down', 'unavailable', 'throttle', 'slow', 'flaky']),
    retryAfterSeconds: z.number().int().min(0).max(3600).default(2),
    latencyMs: z.number().int().min(0).max(120_000).default(1000),
    latencyPerBatchOperationMs: z.number().int().min(0).max(10_000).default(0),
    failureRate: z.number().min(0).max(1).default(0.3),
    dopHint: z.number().int().min(1).max(1000).optional(),
  })
  .strict();

export type FaultSettings = z.infer<typeof faultSettingsSchema>;

export type FaultDecision =
  | { kind: 'pass' }
  | { kind: 'drop' }
  | { kind: 'delay'; ms: number; perBatchOperationMs: number }
  | { kind: 'unavailable' }
  | { kind: 'throttle'; retryAfterSeconds: number };

export class FaultInjector {
  private settings: FaultSettings = faultSettingsSchema.parse({ mode: 'none' });

  constructor(private readonly random: () => number = Math.random) {}

  get current(): FaultSettings {
    return this.settings;
  }

  set(settings: FaultSettings): void {
    this.settings = settings;
  }

  decide(): FaultDecision {
    const s = this.settings;
    switch (s.mode) {
      case 'none':
        return { kind: 'pass' };
      case 'down':
        return { kind: 'drop' };
      case 'unavailable':
        return { kind: 'unavailable' };
      case 'throttle':
        return { kind: 'throttle', retryAfterSeconds: s.retryAfterSeconds };
      case 'slow':
        return { kind: 'delay', ms: s.latencyMs, perBatchOperationMs: s.latencyPerBatchOperationMs };
      case 'flaky':
        return this.random() < s.failureRate ? { kind: 'unavailable' } : { kind: 'pass' };
    }
  }
}
