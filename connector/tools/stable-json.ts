/**
 * Deterministic JSON for the generated files: 2-space indentation, a trailing newline, and keys
 * in a fixed order — the order given for known keys first, then the rest alphabetically — so
 * the output depends on content only, never on the order files or annotations were read.
 */
export type KeyOrder = (path: readonly string[]) => readonly string[] | undefined;

function order(value: unknown, path: string[], keyOrder: KeyOrder): unknown {
  if (Array.isArray(value)) return value.map((item) => order(item, [...path, '[]'], keyOrder));
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  const preferred = keyOrder(path) ?? [];
  const keys = Object.keys(record);
  const first = preferred.filter((key) => keys.includes(key));
  const rest = keys.filter((key) => !preferred.includes(key)).sort();
  const sorted: Record<string, unknown> = {};
  for (const key of [...first, ...rest]) sorted[key] = order(record[key], [...path, key], keyOrder);
  return sorted;
}

export function stableJson(value: unknown, keyOrder: KeyOrder = () => undefined): string {
  return `${JSON.stringify(order(value, [], keyOrder), null, 2)}\n`;
}
