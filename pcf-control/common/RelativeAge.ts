/**
 * Ages shown to people: short and relative ("45 min", "3 h", "2 d"), with the unit words taken from
 * the control's strings. The exact local date-time goes in a tooltip next to it.
 */
import type { LocalizedStrings } from './LocalizedStrings';

export type AgeStringKey = 'Age_JustNow' | 'Age_Minutes' | 'Age_Hours' | 'Age_Days';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

export type AgeUnit = 'justNow' | 'minutes' | 'hours' | 'days';

export interface RelativeAge {
  unit: AgeUnit;
  amount: number;
}

/** Minutes below one hour, hours below two days, days after that; always rounded down. */
export function relativeAge(elapsedMs: number): RelativeAge {
  const elapsed = Math.max(0, elapsedMs);
  if (elapsed < MINUTE_MS) return { unit: 'justNow', amount: 0 };
  if (elapsed < HOUR_MS) return { unit: 'minutes', amount: Math.floor(elapsed / MINUTE_MS) };
  if (elapsed < 2 * DAY_MS) return { unit: 'hours', amount: Math.floor(elapsed / HOUR_MS) };
  return { unit: 'days', amount: Math.floor(elapsed / DAY_MS) };
}

export function formatRelativeAge(elapsedMs: number, strings: LocalizedStrings<AgeStringKey>): string {
  const age = relativeAge(elapsedMs);
  switch (age.unit) {
    case 'justNow':
      return strings.get('Age_JustNow');
    case 'minutes':
      return strings.get('Age_Minutes', age.amount);
    case 'hours':
      return strings.get('Age_Hours', age.amount);
    case 'days':
      return strings.get('Age_Days', age.amount);
  }
}

/** The exact local date-time for tooltips, in the browser's locale and time zone. */
export function formatLocalDateTime(date: Date, locale?: string): string {
  return date.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
}

export function elapsedSince(date: Date, now: Date): number {
  return now.getTime() - date.getTime();
}

export type DurationStringKey = 'Duration_Seconds' | 'Duration_Minutes' | 'Duration_Hours' | 'Duration_Days';

/** A duration ("after 7 min"): seconds below one minute, then minutes, hours, days, rounded down. */
export function formatDuration(seconds: number, strings: LocalizedStrings<DurationStringKey>): string {
  const elapsed = Math.max(0, Math.floor(seconds));
  if (elapsed < 60) return strings.get('Duration_Seconds', elapsed);
  const age = relativeAge(elapsed * 1000);
  switch (age.unit) {
    case 'days':
      return strings.get('Duration_Days', age.amount);
    case 'hours':
      return strings.get('Duration_Hours', age.amount);
    default:
      return strings.get('Duration_Minutes', age.amount);
  }
}
