/**
 * Which referenced records exist in an instance: one by one (a GET by key), or many at once (one query
 * per table, all in one round trip: a round of their own). `ExistenceLookups` (one per instance) coalesces concurrent lookups
 * with the client's group commit: a lookup on an idle instance goes out at once, as before; those that
 * arrive while `maxInFlight` are under way wait and then share one query per table (keys OR-ed in
 * `$filter`, at most `MAX_KEYS_PER_QUERY` per query), each caller getting its own answer.
 */
import {
  filterEquals,
  GroupCommit,
  refusedForItsContent,
  settle,
  type BatchOperation,
  type DataverseClient,
  type EntityMetadata,
  type Settled,
} from '../dataverse';
import { keysFilter, referenceId, rowMatchesKey, toEntityKey, type ResolvedKey } from './RecordKeys';
import type { Reference } from './ReferenceResolution';

/** Keys in one coalesced query, and the longest its `$filter` may be (percent-encoded), so the URL stays well under server limits. */
export const MAX_KEYS_PER_QUERY = 100;
const MAX_FILTER_CHARACTERS = 6000;
/** References in one round (a round is one request: a query, or a `$batch` of queries). */
const MAX_REFERENCES_PER_ROUND = 1000;

/** The GUID of the record `key` names in the instance behind `client`, or undefined (one GET). */
export async function recordIdIn(client: DataverseClient, meta: EntityMetadata, key: ResolvedKey): Promise<string | undefined> {
  const row = await client.tryRetrieve(meta.entitySetName, toEntityKey(key), { select: [meta.primaryIdAttribute] });
  return row ? String(row[meta.primaryIdAttribute]).toLowerCase() : undefined;
}

function queryOptions(meta: EntityMetadata, keys: ResolvedKey[]) {
  const keyColumns = new Set(keys.flatMap((key) => (key.kind === 'alternate' ? Object.keys(key.values) : [])));
  return { select: [meta.primaryIdAttribute, ...keyColumns], filter: keysFilter(meta, keys, filterEquals), maxPageSize: 5000 };
}

/** One caller's lookup: one key (`recordId`) or a submit's references (`findRecordIds`). */
type Lookup = { readonly kind: 'one'; readonly meta: EntityMetadata; readonly key: ResolvedKey } | { readonly kind: 'many'; readonly references: Reference[] };
type LookupAnswer = string | undefined | Map<string, string>;

/** One query of a round: a table and distinct keys; afterwards its rows, or why there are none. */
interface RoundQuery {
  readonly meta: EntityMetadata;
  /** Distinct keys, as written in the `$filter`. */
  readonly keys: ResolvedKey[];
  /** Every lookup's key object this query answers (duplicates of the distinct keys included). */
  readonly covers: Set<ResolvedKey>;
  outcome?: { rows: Record<string, unknown>[] } | { error: unknown };
}

/** An instance's existence lookups, coalesced (see the file's comment); `maxInFlight` undefined: every lookup is its own request. */
export class ExistenceLookups {
  private readonly rounds: GroupCommit<Lookup, LookupAnswer> | undefined;

  constructor(
    private readonly client: DataverseClient,
    maxInFlight: number | undefined,
  ) {
    this.rounds =
      maxInFlight === undefined
        ? undefined
        : new GroupCommit<Lookup, LookupAnswer>({ maxInFlight, nextGroup: (waiting) => nextRound(waiting), send: (group) => this.send(group) });
  }

  /** `recordIdIn` on this instance. */
  recordId(meta: EntityMetadata, key: ResolvedKey): Promise<string | undefined> {
    const lookup: Lookup = { kind: 'one', meta, key };
    return (this.rounds ? this.rounds.run(lookup) : this.alone(lookup)) as Promise<string | undefined>;
  }

  /** Which references exist, by reference id → record GUID: one query per table, all in one round trip. */
  findRecordIds(references: Reference[]): Promise<Map<string, string>> {
    if (references.length === 0) return Promise.resolve(new Map());
    const lookup: Lookup = { kind: 'many', references };
    return (this.rounds ? this.rounds.run(lookup) : this.alone(lookup)) as Promise<Map<string, string>>;
  }

  /** One lookup as its own request: a GET by key, or a submit's references as one round of their own. */
  private async alone(lookup: Lookup): Promise<LookupAnswer> {
    if (lookup.kind === 'one') return recordIdIn(this.client, lookup.meta, lookup.key);
    const queries = roundQueries([lookup]);
    await this.run(queries);
    for (const query of queries) if (query.outcome && 'error' in query.outcome) throw query.outcome.error;
    return answer(lookup, queries);
  }

  private async send(group: readonly Lookup[]): Promise<Settled<LookupAnswer>[]> {
    if (group.length === 1) return [await settle(() => this.alone(group[0]!))];
    const queries = roundQueries(group);
    await this.run(queries);
    return Promise.all(
      group.map((lookup) => {
        const needed = lookupKeys(lookup).map(({ meta, key }) => queryFor(queries, meta, key));
        const failed = needed.find((query) => query.outcome && 'error' in query.outcome)?.outcome as { error: unknown } | undefined;
        // A query refused for what is in it must not fail the others that shared it: they look again alone.
        if (failed) return refusedForItsContent(failed.error) ? settle(() => this.alone(lookup)) : Promise.resolve({ ok: false, error: failed.error } as const);
        return Promise.resolve({ ok: true, value: answer(lookup, queries) } as const);
      }),
    );
  }

  /** Runs the round's queries: one alone, several in one `$batch` of GETs (continue-on-error: each its own outcome). */
  private async run(queries: RoundQuery[]): Promise<void> {
    const operations = queries.map((query) => ({ method: 'GET', target: { entitySet: query.meta.entitySetName }, query: queryOptions(query.meta, query.keys) }) satisfies BatchOperation);
    try {
      if (queries.length === 1) {
        queries[0]!.outcome = { rows: (await this.client.query(operations[0]!.target.entitySet, operations[0]!.query)).records };
        return;
      }
      const result = await this.client.executeBatch(operations, { continueOnError: true });
      queries.forEach((query, i) => {
        const operation = result.operations[i];
        const rows = (operation?.response?.body as { value?: Record<string, unknown>[] } | undefined)?.value;
        query.outcome = operation?.outcome === 'succeeded' && Array.isArray(rows) ? { rows } : { error: operation?.error ?? result.errors[0] ?? new Error('$batch sent no answer for this query') };
      });
    } catch (error) {
      for (const query of queries) query.outcome = { error };
    }
  }
}

/** The oldest lookups up to MAX_REFERENCES_PER_ROUND references (the first always goes). */
function nextRound(waiting: readonly Lookup[]): number[] {
  const picked: number[] = [];
  let references = 0;
  for (let i = 0; i < waiting.length; i += 1) {
    const size = lookupKeys(waiting[i]!).length;
    if (picked.length > 0 && references + size > MAX_REFERENCES_PER_ROUND) break;
    picked.push(i);
    references += size;
  }
  return picked;
}

function lookupKeys(lookup: Lookup): { meta: EntityMetadata; key: ResolvedKey }[] {
  return lookup.kind === 'one' ? [{ meta: lookup.meta, key: lookup.key }] : lookup.references.map(({ meta, key }) => ({ meta, key }));
}

/** The round's queries: per table, its distinct keys in chunks that keep each `$filter` short. */
function roundQueries(group: readonly Lookup[]): RoundQuery[] {
  const queries: RoundQuery[] = [];
  const byTable = new Map<string, { meta: EntityMetadata; keys: Map<string, ResolvedKey[]> }>();
  for (const { meta, key } of group.flatMap(lookupKeys)) {
    const table = byTable.get(meta.logicalName) ?? { meta, keys: new Map<string, ResolvedKey[]>() };
    byTable.set(meta.logicalName, table);
    const identity = referenceId('', meta.logicalName, key);
    table.keys.set(identity, [...(table.keys.get(identity) ?? []), key]);
  }
  for (const { meta, keys } of byTable.values()) {
    let current: RoundQuery | undefined;
    let length = 0;
    for (const same of keys.values()) {
      const size = encodeURIComponent(` or ${keysFilter(meta, [same[0]!], filterEquals)}`).length;
      if (!current || current.keys.length >= MAX_KEYS_PER_QUERY || length + size > MAX_FILTER_CHARACTERS) {
        current = { meta, keys: [], covers: new Set() };
        queries.push(current);
        length = 0;
      }
      current.keys.push(same[0]!);
      for (const key of same) current.covers.add(key);
      length += size;
    }
  }
  return queries;
}

/** The lookup's answer from the round's rows. */
function answer(lookup: Lookup, queries: readonly RoundQuery[]): LookupAnswer {
  const idOf = (meta: EntityMetadata, key: ResolvedKey): string | undefined => {
    const query = queryFor(queries, meta, key);
    const rows = query.outcome && 'rows' in query.outcome ? query.outcome.rows : [];
    const row = rows.find((r) => rowMatchesKey(meta, r, key));
    return row ? String(row[meta.primaryIdAttribute]).toLowerCase() : undefined;
  };
  if (lookup.kind === 'one') return idOf(lookup.meta, lookup.key);
  const found = new Map<string, string>();
  for (const reference of lookup.references) {
    const id = idOf(reference.meta, reference.key);
    if (id) found.set(reference.id, id);
  }
  return found;
}

function queryFor(queries: readonly RoundQuery[], meta: EntityMetadata, key: ResolvedKey): RoundQuery {
  return queries.find((query) => query.meta.logicalName === meta.logicalName && query.covers.has(key))!;
}
