/**
 * The reconciler's reads of the stub records themselves: who created and last modified each in the
 * target, and the source's data for each (by GUID, or by the alternate key the stub was created from).
 * One $batch per instance per round, one GET per table per 100 stubs.
 */
import { rowMatchesKey, type ResolvedKey } from '../core/RecordKeys';
import { STUB_MARKER_COLUMN } from '../core/StubMarker';
import { decodeStubKey, type PendingStub } from '../core/stubs';
import { filterAnyOf, filterEquals, guid, MAX_BATCH_REQUESTS, type BatchOperation, type DataverseClient, type DataverseRecord, type EntityMetadata } from '../dataverse';
import { chunk } from './BatchParts';
import { hydrationColumns, hydrationRecord } from './HydrationColumns';

/** Ids per GET: keeps each request URL around 5 KB (Dataverse limits URLs; a $batch part is a URL too). */
const IDS_PER_QUERY = 100;

/** The round's stubs of one table, with the table's metadata in the target. */
export interface TableGroup {
  table: string;
  rows: PendingStub[];
  targetMeta: EntityMetadata;
}

export async function tableGroups(target: DataverseClient, rows: PendingStub[]): Promise<TableGroup[]> {
  const byTable = new Map<string, PendingStub[]>();
  for (const row of rows) byTable.set(row.table, [...(byTable.get(row.table) ?? []), row]);
  return Promise.all([...byTable.entries()].map(async ([table, tableRows]) => ({ table, rows: tableRows, targetMeta: await target.getEntityMetadata(table) })));
}

/**
 * Who created and last modified each stub record in the target, per table and record id: one $batch.
 * `markerTables`: the tables whose stubs carry the stub marker; their records' marker is read too.
 */
export async function readTargetRecords(target: DataverseClient, groups: TableGroup[], markerTables: ReadonlySet<string> = new Set()): Promise<Map<string, Map<string, DataverseRecord>>> {
  const queries = groups.flatMap((group) =>
    chunk(group.rows, IDS_PER_QUERY).map((rows) => ({
      group,
      operation: {
        method: 'GET',
        target: { entitySet: group.targetMeta.entitySetName },
        query: {
          select: [group.targetMeta.primaryIdAttribute, '_createdby_value', '_modifiedby_value', 'modifiedon', ...(markerTables.has(group.table) ? [STUB_MARKER_COLUMN] : [])],
          filter: filterAnyOf(group.targetMeta.primaryIdAttribute, rows.map((row) => guid(row.recordId))),
          maxPageSize: 5000,
        },
      } satisfies BatchOperation,
    })),
  );
  const found = new Map<string, Map<string, DataverseRecord>>();
  for (const [i, rows] of (await batchGet(target, queries.map((q) => q.operation))).entries()) {
    const meta = queries[i]!.group.targetMeta;
    const byId = found.get(meta.logicalName) ?? new Map<string, DataverseRecord>();
    found.set(meta.logicalName, byId);
    for (const row of rows) byId.set(String(row[meta.primaryIdAttribute]).toLowerCase(), row);
  }
  return found;
}

/**
 * The source records, by the stub's GUID or — for a stub created from an alternate key whose GUID
 * could not be learnt then — by that key: one $batch, one GET per table (per 100 stubs).
 * Answers, per table, the source row of each pending row id (only the columns to hydrate).
 */
export async function readSource(
  source: DataverseClient,
  groups: TableGroup[],
  columnsByTable: Readonly<Record<string, string[]>>,
): Promise<Map<string, Map<string, Record<string, unknown>>>> {
  const plans = await Promise.all(
    groups.map(async (group) => {
      const sourceMeta = await source.getEntityMetadata(group.table);
      const columns = hydrationColumns(group.targetMeta, sourceMeta, columnsByTable[group.table]);
      return { group, sourceMeta, columns };
    }),
  );
  const queries = plans.flatMap((plan) =>
    chunk(plan.group.rows, IDS_PER_QUERY).map((rows) => {
      const keyed = rows.map((row) => ({ row, key: alternateKeyOf(plan.sourceMeta, row.key) }));
      const keyColumns = [...new Set(keyed.flatMap(({ key }) => (key ? Object.keys(key.values) : [])))];
      const conditions = [
        filterAnyOf(plan.sourceMeta.primaryIdAttribute, rows.map((row) => guid(row.recordId))),
        ...keyed.flatMap(({ key }) => (key ? [`(${Object.entries(key.values).map(([column, value]) => filterEquals(column, value)).join(' and ')})`] : [])),
      ];
      return {
        plan,
        keyed,
        operation: {
          method: 'GET',
          target: { entitySet: plan.sourceMeta.entitySetName },
          query: { select: [...new Set([plan.sourceMeta.primaryIdAttribute, ...plan.columns, ...keyColumns])], filter: conditions.join(' or '), maxPageSize: 5000 },
        } satisfies BatchOperation,
      };
    }),
  );
  const found = new Map<string, Map<string, Record<string, unknown>>>();
  for (const [i, sourceRows] of (await batchGet(source, queries.map((q) => q.operation))).entries()) {
    const { plan, keyed } = queries[i]!;
    const byRow = found.get(plan.group.table) ?? new Map<string, Record<string, unknown>>();
    found.set(plan.group.table, byRow);
    const byId = new Map(sourceRows.map((row) => [String(row[plan.sourceMeta.primaryIdAttribute]).toLowerCase(), row]));
    for (const { row, key } of keyed) {
      const match = byId.get(row.recordId) ?? (key ? sourceRows.find((candidate) => rowMatchesKey(plan.sourceMeta, candidate, key)) : undefined);
      if (match) byRow.set(row.rowId, hydrationRecord(match, plan.columns));
    }
  }
  return found;
}

/** GETs in as few $batch requests as Dataverse allows; the rows of each, in order. */
async function batchGet(client: DataverseClient, operations: BatchOperation[]): Promise<DataverseRecord[][]> {
  const rows: DataverseRecord[][] = [];
  for (const part of chunk(operations, MAX_BATCH_REQUESTS)) {
    const result = await client.executeBatch(part);
    if (result.errors.length > 0) throw result.errors[0]!;
    for (const operation of result.operations) rows.push(((operation.response?.body as { value?: DataverseRecord[] } | undefined)?.value) ?? []);
  }
  return rows;
}

/** The alternate key a stub was created from (its `ec_key`, read by the stub key codec), when it is one of the source table's keys. */
function alternateKeyOf(meta: EntityMetadata, keyText: string): Extract<ResolvedKey, { kind: 'alternate' }> | undefined {
  const key = decodeStubKey(meta, keyText);
  return key?.kind === 'alternate' ? key : undefined;
}
