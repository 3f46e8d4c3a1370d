/**
 * Settings of the write and lookup coalescers (`coalescing` in the configuration file). README.md in
 * this folder explains each.
 */
import { z } from 'zod';
import { MAX_BATCH_REQUESTS } from '../BatchRequestWriter';

export const CoalescingSettingsSchema = z.strictObject({
  /** Coalesce concurrent writes and existence lookups per instance (false: every call is its own request, as before). */
  enabled: z.boolean().optional(),
  /** Write requests (and lookup rounds) under way at once per instance; what arrives meanwhile waits for the next `$batch`. */
  maxBatchesInFlight: z.number().int().min(1).max(52).optional(),
  /** Requests in one merged `$batch` (Dataverse allows 1000). */
  maxOperations: z.number().int().min(1).max(MAX_BATCH_REQUESTS).optional(),
  /** Bytes of request bodies in one merged `$batch`. */
  maxBytes: z.number().int().min(1024).max(64 * 1024 * 1024).optional(),
});

export type CoalescingSettingsInput = z.infer<typeof CoalescingSettingsSchema>;
export type CoalescingSettings = Required<CoalescingSettingsInput>;

export const COALESCING_DEFAULTS: CoalescingSettings = {
  enabled: true,
  maxBatchesInFlight: 4,
  maxOperations: MAX_BATCH_REQUESTS,
  maxBytes: 4 * 1024 * 1024,
};

/** The settings with every default filled in. */
export function coalescingSettings(input: CoalescingSettingsInput = {}): CoalescingSettings {
  const given = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as CoalescingSettingsInput;
  return { ...COALESCING_DEFAULTS, ...given };
}
