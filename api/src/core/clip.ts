/** Text cut to `max` characters with an ellipsis, for columns and messages with a length limit. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
