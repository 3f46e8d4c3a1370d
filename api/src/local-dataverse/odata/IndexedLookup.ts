/**
 * Answers the filters clients use to check many records at once — `pk eq <guid> or pk eq <guid>`, or an
 * alternate key's columns joined with `and`, or-ed together — from the primary and alternate-key
 * indexes instead of scanning the table, as Dataverse's SQL indexes do. Any other filter returns
 * `undefined` and the caller scans (the filter is still evaluated on every candidate).
 */
import type { RecordReader } from '../persistence/RecordStore';
import type { StoredRecord } from '../persistence/StoredRecord';
import type { Table } from '../schema/TableSchema';
import type { FilterNode } from './FilterExpression';

export function indexedCandidates(filter: FilterNode | undefined, table: Table, reader: RecordReader): StoredRecord[] | undefined {
  if (!filter) return undefined;
  const terms = disjuncts(filter);
  const found = new Map<string, StoredRecord>();
  for (const term of terms) {
    const equalities = conjunctEqualities(term);
    if (!equalities) return undefined;
    const names = Object.keys(equalities);
    if (names.length === 1 && names[0] === table.primaryIdAttribute) {
      const id = equalities[table.primaryIdAttribute];
      if (typeof id !== 'string') return undefined;
      const record = reader.get(table.logicalName, id.toLowerCase());
      if (record) found.set(record.id, record);
      continue;
    }
    const key = table.keys.find((k) => k.attributes.length === names.length && k.attributes.every((a) => names.includes(a)));
    if (!key) return undefined;
    const record = reader.findByKey(table.logicalName, key.logicalName, equalities);
    if (record) found.set(record.id, record);
  }
  return [...found.values()];
}

function disjuncts(node: FilterNode): FilterNode[] {
  return node.kind === 'or' ? [...disjuncts(node.left), ...disjuncts(node.right)] : [node];
}

/** `a eq 1 and b eq 'x'` → {a: 1, b: 'x'}; anything else → undefined. */
function conjunctEqualities(node: FilterNode): Record<string, string | number> | undefined {
  if (node.kind === 'and') {
    const left = conjunctEqualities(node.left);
    const right = conjunctEqualities(node.right);
    if (!left || !right) return undefined;
    for (const name of Object.keys(right)) if (name in left) return undefined;
    return { ...left, ...right };
  }
  if (node.kind !== 'compare' || node.op !== 'eq') return undefined;
  const [column, literal] = node.left.kind === 'column' ? [node.left, node.right] : [node.right, node.left];
  if (column.kind !== 'column' || literal.kind !== 'literal') return undefined;
  if (typeof literal.value !== 'string' && typeof literal.value !== 'number') return undefined;
  return { [column.name]: literal.value };
}
