/**
 * Deterministic JSON for the generated files: 2-space indentation and a trailing newline; an
 * `arrange` function may fix the key order of any object by its path (e.g. sort `paths`). Objects
 * it leaves alone keep their order — for schemas that order is what the designer shows.
 */
export type ArrangeKeys = (path: readonly string[], keys: readonly string[]) => readonly string[];

const keepOrder: ArrangeKeys = (_path, keys) => keys;

function arrangeValue(value: unknown, path: string[], arrange: ArrangeKeys): unknown {
  if (Array.isArray(value)) return value.map((item, index) => arrangeValue(item, [...path, String(index)], arrange));
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  const ordered = arrange(path, keys);
  const result: Record<string, unknown> = {};
  for (const key of [...ordered, ...keys.filter((key) => !ordered.includes(key))]) result[key] = arrangeValue(record[key], [...path, key], arrange);
  return result;
}

export function stableJson(value: unknown, arrange: ArrangeKeys = keepOrder): string {
  return `${JSON.stringify(arrangeValue(value, [], arrange), null, 2)}\n`;
}

/** Puts the listed keys first, in that order, then the others as they were. */
export function preferredFirst(preferred: readonly string[], keys: readonly string[]): string[] {
  return [...preferred.filter((key) => keys.includes(key)), ...keys.filter((key) => !preferred.includes(key))];
}
