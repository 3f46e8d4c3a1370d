/**
 * The stub marker column `ec_isstub` (docs/stub-marker.md): Yes on a record while it is a stub, No once
 * hydrated. When the badge is bound to that column the form already holds the answer, so no `ec_stub`
 * query is needed. Any other binding, or an empty value (rows that existed before the column was added),
 * answers undefined: the badge then looks the `ec_stub` row up as before.
 */
export const STUB_MARKER_COLUMN = 'ec_isstub';

interface BoundProperty {
  raw?: unknown;
  attributes?: { LogicalName?: unknown };
}

export function stubMarkerOf(property: unknown): boolean | undefined {
  if (typeof property !== 'object' || property === null) return undefined;
  const { raw, attributes } = property as BoundProperty;
  if (attributes?.LogicalName !== STUB_MARKER_COLUMN) return undefined;
  return typeof raw === 'boolean' ? raw : undefined;
}
