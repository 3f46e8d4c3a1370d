/**
 * Which referenced records exist in an instance: one by one (a GET by key), or many at once (one query
 * per table, all in one round trip).
 */
import { filterEquals, type BatchOperation, type DataverseClient, type EntityMetadata } from '../dataverse';
import { keysFilter, rowMatchesKey, toEntityKey, type ResolvedKey } from './RecordKeys';
import type { Reference } from './ReferenceResolution';

/** The GUID of the record `key` names in the instance behind `client`, or undefined (one GET). */
export async function recordIdIn(client: DataverseClient, meta: EntityMetadata, key: ResolvedKey): Promise<string | undefined> {
  const row = await client.tryRetrieve(meta.entitySetName, toEntityKey(key), { select: [meta.primaryIdAttribute] });
  return row ? String(row[meta.primaryIdAttribute]).toLowerCase() : undefined;
}

/** Which references exist, by reference id → record GUID: one query per table, all in one round trip. */
export async function findRecordIds(client: DataverseClient, references: Reference[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (references.length === 0) return found;
  const byTable = new Map<string, Reference[]>();
  for (const reference of references) byTable.set(reference.meta.logicalName, [...(byTable.get(reference.meta.logicalName) ?? []), reference]);
  const queries = [...byTable.values()].map((group) => {
    const meta = group[0]!.meta;
    const keyColumns = new Set(group.flatMap((r) => (r.key.kind === 'alternate' ? Object.keys(r.key.values) : [])));
    return {
      group,
      meta,
      options: { select: [meta.primaryIdAttribute, ...keyColumns], filter: keysFilter(meta, group.map((r) => r.key), filterEquals), maxPageSize: 5000 },
    };
  });
  const rowsPerQuery: Array<Record<string, unknown>[]> = [];
  if (queries.length === 1) {
    rowsPerQuery.push((await client.query(queries[0]!.meta.entitySetName, queries[0]!.options)).records);
  } else {
    const result = await client.executeBatch(queries.map((q) => ({ method: 'GET', target: { entitySet: q.meta.entitySetName }, query: q.options }) satisfies BatchOperation));
    if (result.errors.length > 0) throw result.errors[0]!;
    for (const operation of result.operations) rowsPerQuery.push(((operation.response?.body as { value?: Record<string, unknown>[] } | undefined)?.value) ?? []);
  }
  queries.forEach((query, i) => {
    for (const reference of query.group) {
      const row = rowsPerQuery[i]!.find((r) => rowMatchesKey(query.meta, r, reference.key));
      if (row) found.set(reference.id, String(row[query.meta.primaryIdAttribute]).toLowerCase());
    }
  });
  return found;
}
