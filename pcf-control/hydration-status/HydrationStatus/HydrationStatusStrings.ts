/**
 * Every string key the HydrationStatus components use; values in
 * `strings/HydrationStatus.1033.resx` (a test checks each key has one).
 */
import type { LocalizedStrings } from '../../common/LocalizedStrings';

export const HydrationStatusStringKeys = [
  'Badge_Label',
  'Badge_Stub',
  'Badge_Pending',
  'Badge_Abandoned',
  'Badge_Attempts',
  'Badge_LastError',
  'Badge_HydrationRequested',
  'Badge_Hydrated',
  'Badge_HydratedNoDuration',
  'Badge_SourceInstance',
  'Duration_Seconds',
  'Duration_Minutes',
  'Duration_Hours',
  'Duration_Days',
] as const;

export type HydrationStatusStringKey = (typeof HydrationStatusStringKeys)[number];

export type HydrationStatusStrings = LocalizedStrings<HydrationStatusStringKey>;
