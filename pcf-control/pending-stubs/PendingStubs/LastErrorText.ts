/**
 * The message of `ec_lasterror` as the grid shows it. The service's reconciler writes the column as
 * `<UTC time> attempt <n>: <table> <record id> <reason>.` (docs/data-model.md), so the first ~30
 * characters a narrow column has room for were the time and the attempt number: the reason never
 * showed. The cell shows the reason; the full stored text stays on hover.
 */

/** ISO 8601 UTC or offset date-time, as `Date.toISOString()` (with or without milliseconds) writes it. */
const LEADING_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})\s+/;
const LEADING_ATTEMPT = /^attempt\s+\d+\s*:\s*/i;

/**
 * The reason of a stored last error: without the leading time and "attempt n:", and without the
 * stubbed record's table and id when they are the row's own (the row already shows them). Text in
 * any other shape (written by a flow, an older service, a person) is shown as it is.
 */
export function lastErrorMessage(text: string, record: { table: string; recordId: string }): string {
  const timestamp = LEADING_TIMESTAMP.exec(text);
  if (!timestamp) return text;
  let rest = text.slice(timestamp[0].length).replace(LEADING_ATTEMPT, '');
  const subject = `${record.table} ${record.recordId} `;
  if (record.table !== '' && record.recordId !== '' && rest.toLowerCase().startsWith(subject.toLowerCase())) {
    rest = rest.slice(subject.length);
  }
  rest = rest.trim();
  return rest === '' ? text : rest;
}
