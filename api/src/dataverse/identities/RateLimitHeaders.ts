/**
 * What an answer tells about one identity's service-protection budget. Dataverse sends, with its
 * answers, the degree of parallelism it recommends (`x-ms-dop-hint`, "Send parallel requests":
 * https://learn.microsoft.com/power-apps/developer/data-platform/send-parallel-requests) and what is left
 * of the caller's two windowed limits (https://learn.microsoft.com/power-apps/developer/data-platform/api-limits):
 * requests (`x-ms-ratelimit-burst-remaining-xrm-requests`, of 6,000 per 300 s) and combined execution
 * time in ms (`x-ms-ratelimit-time-remaining-xrm-requests`, of 1,200,000 ms per 300 s). A header is
 * never trusted blindly: anything but a plain number is ignored.
 */
import type { ResponseHeaders } from '../DataverseHttpTransport';

export const DOP_HINT_HEADER = 'x-ms-dop-hint';
export const BURST_REMAINING_HEADER = 'x-ms-ratelimit-burst-remaining-xrm-requests';
export const TIME_REMAINING_HEADER = 'x-ms-ratelimit-time-remaining-xrm-requests';

export interface BudgetReading {
  /** Requests left in the identity's sliding window; undefined when the answer did not say. */
  readonly burstRemaining: number | undefined;
  /** Milliseconds of execution time left in the window; undefined when the answer did not say. */
  readonly timeRemainingMs: number | undefined;
}

/**
 * A non-negative number written with digits, optional thousands separators (`,` or `_` or a space
 * between groups of three) and an optional decimal part (`1,199,998.50`); undefined for anything else.
 */
export function parseBudgetHeader(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || value.length > 40) return undefined;
  const match = /^\s*(\d{1,3}(?:[, _]\d{3})+|\d+)(?:\.(\d+))?\s*$/.exec(value);
  if (!match) return undefined;
  const number = Number(`${match[1]!.replace(/[, _]/g, '')}${match[2] === undefined ? '' : `.${match[2]}`}`);
  return Number.isFinite(number) ? number : undefined;
}

export function readBudget(headers: ResponseHeaders): BudgetReading {
  return {
    burstRemaining: parseBudgetHeader(headers.get(BURST_REMAINING_HEADER)),
    timeRemainingMs: parseBudgetHeader(headers.get(TIME_REMAINING_HEADER)),
  };
}
