/**
 * The form's record (table and id). PCF has no documented API for it; model-driven apps expose it as
 * `context.mode.contextInfo` and `context.page`. Both are read defensively: when neither is there
 * (a new unsaved record, a canvas app, the harness) the badge shows nothing.
 */
export interface CurrentRecord {
  table?: string;
  id?: string;
}

interface RecordInfo {
  entityTypeName?: unknown;
  entityId?: unknown;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

export function currentRecordOf(context: unknown): CurrentRecord {
  const candidates: (RecordInfo | undefined)[] = [];
  if (typeof context === 'object' && context !== null) {
    const mode = (context as { mode?: { contextInfo?: RecordInfo } }).mode;
    candidates.push(mode?.contextInfo, (context as { page?: RecordInfo }).page);
  }
  for (const candidate of candidates) {
    const table = nonEmpty(candidate?.entityTypeName);
    const id = nonEmpty(candidate?.entityId);
    if (table && id) return { table, id };
  }
  return {};
}
