/**
 * The `dve.operation` table: every write action the API accepted, its idempotency key, its lane (the
 * record it writes) and, once done, the exact answer. It is the truth about an operation; pg-boss jobs
 * only say "look at operation X now" (WakeUps.ts sends them, InstanceDrain.ts acts on them). Every statement is a single SQL statement
 * through pg-boss' `executeSql`, so it runs the same on PGlite (one connection, no transactions across
 * calls) and on a PostgreSQL pool shared by several replicas: the conditional UPDATEs below are what
 * keep two processes from running one operation, or two operations of one lane, at once.
 */
import { ensureDveTables, type SqlDatabase } from '../database/SqlDatabase';
import { isDerivedKey, type StoredRequest } from './OperationRequest';
import { findUnstorableText, isDataException, storableText, storableValue, UnstorableValueError } from './StorableText';
import { ItemFailure, TickBatcher } from './TickBatcher';

/**
 * `queued` (waiting: accepted with 202, or behind an earlier operation on the same record);
 * `running` (claimed by one process until its lease ends); `succeeded`; `rejected` (a permanent error
 * the caller was told at once); `failed` (a dead letter: accepted, then failed permanently, ran out of
 * attempts or expired); `cancelled` (taken out of the queue before it ran; never runs).
 */
export type OperationState = 'queued' | 'running' | 'succeeded' | 'rejected' | 'failed' | 'cancelled';
export const OPERATION_STATES: readonly OperationState[] = ['queued', 'running', 'succeeded', 'rejected', 'failed', 'cancelled'];

/**
 * Whose operations a caller sees and acts on: those its API key created, or (`admin`) every one,
 * including those recorded before operations had an owner (`apiKeyName` null).
 */
export type OperationScope = { admin: true } | { admin?: false; apiKeyName: string };
export const EVERY_OPERATION: OperationScope = { admin: true };

/** The owner a statement filters on: null for an admin (no filter). */
function ownerFilter(scope: OperationScope): string | null {
  return scope.admin ? null : scope.apiKeyName;
}

/** The answer a cancelled operation gives its poller (`GET /v1/operations/{id}`). */
export const CANCELLED_STATUS = 409;

export interface OperationRecord {
  id: string;
  instance: string;
  action: StoredRequest['action'];
  lane: string;
  request: StoredRequest;
  requestHash: string;
  state: OperationState;
  /** The HTTP status of the final answer (200, or the error's). */
  status: number | null;
  /** The final answer's body: the action's result or `{ error }`. */
  response: unknown;
  attempts: number;
  lastError: string | null;
  /** Set when the first answer was 202: the caller polls, and a permanent failure is a dead letter. */
  accepted: boolean;
  /** The name of the API key that created it; null for operations recorded before owners were. */
  apiKeyName: string | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
  notBefore: Date | null;
}

export interface NewOperation {
  id: string;
  idempotencyKey: string;
  requestHash: string;
  request: StoredRequest;
  lane: string;
  /** Queue it even if it could run now (`Prefer: respond-async`, circuit open). */
  queue: boolean;
  /** When queued: not before this time (the circuit's `openUntil`). */
  notBefore?: Date;
  owner: string;
  leaseSeconds: number;
  /** The API key that sent it: only that key (and admins) sees the operation. */
  apiKeyName?: string;
}

export type InsertResult =
  /** A new operation, `running` (claimed by the caller: run it now) or `queued` (answer 202). */
  | { kind: 'inserted'; operation: OperationRecord; laneHead: boolean }
  /** The idempotency key is known: this is the earlier operation. */
  | { kind: 'existing'; operation: OperationRecord };

export interface Finish {
  state: 'succeeded' | 'rejected' | 'failed';
  status: number;
  response: unknown;
  error?: string;
}

/** A finish waiting for its batch. */
interface PendingFinish {
  id: string;
  owner: string;
  finish: Finish;
}

/** `finished: false` when the lease was lost; `next`: the lane's next queued operation, to wake. */
export interface FinishResult {
  finished: boolean;
  next?: string;
}

export interface OperationCounts {
  byState: Record<OperationState, number>;
  oldestPendingAgeSeconds: number | null;
}

export interface ListQuery {
  state?: OperationState;
  instance?: string;
  top: number;
  /** The `createdAt|id` of the last row of the previous page. */
  after?: { createdAtMs: number; id: string };
}

function columns(alias = ''): string {
  const a = alias ? `${alias}.` : '';
  return `${a}id::text AS id, ${a}instance AS instance, ${a}action AS action, ${a}lane AS lane, ${a}request AS request, ${a}request_hash AS request_hash,
  ${a}state AS state, ${a}status AS status, ${a}response AS response, ${a}attempts AS attempts, ${a}last_error AS last_error, ${a}accepted AS accepted,
  extract(epoch from ${a}created_at) * 1000 AS created_ms, extract(epoch from ${a}updated_at) * 1000 AS updated_ms,
  extract(epoch from ${a}finished_at) * 1000 AS finished_ms, extract(epoch from ${a}not_before) * 1000 AS not_before_ms, ${a}api_key_name AS api_key_name`;
}
const COLUMNS = columns();

const PENDING = `('queued', 'running')`;
/** How long a background finish waits for others (see `finish`): a few ms against seconds of polling. */
const BACKGROUND_FINISH_LINGER_MS = 20;

export const OPERATION_TABLE_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS dve.operation (
  id uuid PRIMARY KEY,
  seq bigserial NOT NULL,
  idempotency_key text UNIQUE,
  request_hash text NOT NULL,
  instance text NOT NULL,
  action text NOT NULL,
  lane text NOT NULL,
  request jsonb NOT NULL,
  state text NOT NULL,
  status integer,
  -- json, not jsonb: the answer is replayed byte for byte as first given (jsonb reorders keys).
  response json,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  accepted boolean NOT NULL DEFAULT false,
  lease_owner text,
  lease_until timestamptz,
  not_before timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
)`,
  `-- Every lane lookup (pending predecessors, retiring derived keys of finished operations) goes through it.
CREATE INDEX IF NOT EXISTS operation_lane ON dve.operation (lane, seq)`,
  `-- The drain's sweep: an instance's queued operations in arrival order, and leases that ran out.
CREATE INDEX IF NOT EXISTS operation_queued ON dve.operation (instance, seq) WHERE state = 'queued'`,
  `CREATE INDEX IF NOT EXISTS operation_running ON dve.operation (instance, lease_until) WHERE state = 'running'`,
  `CREATE INDEX IF NOT EXISTS operation_state_created ON dve.operation (state, created_at, id)`,
  `CREATE INDEX IF NOT EXISTS operation_created ON dve.operation (created_at, id)`,
  `-- The API key that created the operation: tables from before it was recorded get the column, their rows stay NULL (admins
-- only). Checked first: ALTER TABLE locks the table against every reader, even when the column exists, on each replica's start.
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'dve' AND table_name = 'operation' AND column_name = 'api_key_name') THEN
    ALTER TABLE dve.operation ADD COLUMN api_key_name text;
  END IF;
END $$`,
  `CREATE INDEX IF NOT EXISTS operation_api_key_created ON dve.operation (api_key_name, created_at, id)`,
];

export class OperationStore {
  private readonly inserts = new TickBatcher<NewOperation, Record<string, unknown> | undefined>((operations) => this.insertBatch(operations));
  private readonly finishes = new TickBatcher<PendingFinish, FinishResult>((items) => this.finishBatch(items));
  /** Finishes of accepted operations (answered 202, nobody waits on the connection) wait a little to share a statement. */
  private readonly backgroundFinishes = new TickBatcher<PendingFinish, FinishResult>((items) => this.finishBatch(items), 200, BACKGROUND_FINISH_LINGER_MS);

  constructor(private readonly db: SqlDatabase) {}

  /** Creates the table and its indexes if missing, under the DDL lock replicas share (idempotent). */
  async migrate(): Promise<void> {
    await ensureDveTables(this.db, OPERATION_TABLE_DDL);
  }

  /**
   * Inserts the operation unless its idempotency key is known. It starts `running` (claimed by `owner`)
   * when it may run now — not asked to queue, and no earlier operation of its lane pending — else
   * `queued`. A derived idempotency key held by a finished operation with a later one in its lane is
   * retired on the repeat (`retireDerivedKey`). The inserts of one event-loop turn share one statement
   * (see TickBatcher). A request the database cannot store fails alone with `UnstorableValueError`.
   */
  async insert(operation: NewOperation): Promise<InsertResult> {
    // Refused here, alone, rather than failing the statement it would share with other requests.
    const unstorable = findUnstorableText(operation.request.input, 'body');
    if (unstorable) throw unstorable;
    const row = await this.inserts.add(operation);
    if (row) {
      const inserted = insertedRecord(operation, row);
      // Queued without being asked to: an earlier operation of the lane is pending, and wakes this one.
      const laneHead = inserted.state === 'running' || (operation.queue && row.lane_busy !== true);
      return { kind: 'inserted', operation: inserted, laneHead };
    }
    const existing = await this.findByIdempotencyKey(operation.idempotencyKey);
    // Gone between the two statements (retention ran): insert again.
    if (!existing) return this.insert(operation);
    // A derived key stops meaning "the same write" once another write to the record came after it.
    if (isDerivedKey(operation.idempotencyKey) && (await this.retireDerivedKey(existing.id, operation.idempotencyKey))) return this.insert(operation);
    return { kind: 'existing', operation: existing };
  }

  /**
   * Frees a derived idempotency key held by a finished operation when a later operation of its lane
   * exists: the same payload after another write to the record (P1, P2, P1) is a new write, so that
   * the record ends at P1. Checked here, on the rare repeat, rather than on every insert. A pending
   * holder keeps its key (a repeat while it is queued or running is the same write).
   */
  private async retireDerivedKey(id: string, key: string): Promise<boolean> {
    const { rows } = await this.db.executeSql(
      `UPDATE dve.operation o SET idempotency_key = NULL
       WHERE o.id = $1::uuid AND o.idempotency_key = $2 AND o.state NOT IN ${PENDING}
         AND EXISTS (SELECT 1 FROM dve.operation l WHERE l.lane = o.lane AND l.seq > o.seq)
       RETURNING o.id`,
      [id, key],
    );
    return rows.length > 0;
  }

  /**
   * One statement for the batch. When it fails, each operation is inserted alone, in order: a row the
   * database refuses then fails only its own request, and the others are inserted as if alone.
   */
  private async insertBatch(operations: NewOperation[]): Promise<Array<Record<string, unknown> | undefined | ItemFailure>> {
    try {
      return await this.insertRows(operations);
    } catch (error) {
      if (operations.length === 1) return [new ItemFailure(unstorableOr(error))];
      const results: Array<Record<string, unknown> | undefined | ItemFailure> = [];
      for (const operation of operations) results.push(await this.insertRows([operation]).then(([row]) => row, (alone: unknown) => new ItemFailure(unstorableOr(alone))));
      return results;
    }
  }

  private async insertRows(operations: NewOperation[]): Promise<Array<Record<string, unknown> | undefined>> {
    // Arrays, not a joined record set: every lookup stays an index lookup (the planner cannot size a
    // record set, and would scan the table to join it).
    const column = <T>(pick: (operation: NewOperation) => T) => operations.map(pick);
    const { rows } = await this.db.executeSql(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::timestamptz[], $12::text[])
           WITH ORDINALITY AS x(id, idempotency_key, request_hash, instance, action, lane, queue, not_before, api_key_name, ord)
       ), lanes AS (
         SELECT i.id, EXISTS (SELECT 1 FROM dve.operation o WHERE o.lane = i.lane AND o.state IN ${PENDING}) AS busy FROM input i
       )
       INSERT INTO dve.operation AS op (id, idempotency_key, request_hash, instance, action, lane, request, state, accepted, lease_owner, lease_until, not_before, attempts, api_key_name)
       SELECT i.id, i.idempotency_key, i.request_hash, i.instance, i.action, i.lane, ($9::jsonb) -> (i.ord::int - 1),
         CASE WHEN i.queue OR l.busy THEN 'queued' ELSE 'running' END,
         i.queue OR l.busy,
         CASE WHEN i.queue OR l.busy THEN NULL ELSE $10 END,
         CASE WHEN i.queue OR l.busy THEN NULL ELSE now() + make_interval(secs => $11) END,
         i.not_before,
         CASE WHEN i.queue OR l.busy THEN 0 ELSE 1 END,
         i.api_key_name
       FROM input i JOIN lanes l ON l.id = i.id ORDER BY i.ord
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING op.id::text AS id, op.state, op.accepted, op.attempts, extract(epoch from op.created_at) * 1000 AS created_ms,
         (SELECT l.busy FROM lanes l WHERE l.id = op.id) AS lane_busy`,
      [
        column((o) => o.id),
        column((o) => o.idempotencyKey),
        column((o) => o.requestHash),
        column((o) => o.request.instance),
        column((o) => o.request.action),
        column((o) => o.lane),
        column((o) => o.queue),
        column((o) => o.notBefore?.toISOString() ?? null),
        JSON.stringify(column((o) => o.request)),
        // One process, one lease length: the same for every operation of the batch.
        operations[0]!.owner,
        operations[0]!.leaseSeconds,
        column((o) => o.apiKeyName ?? null),
      ],
    );
    const byId = new Map(rows.map((row) => [row.id as string, row]));
    return operations.map((operation) => byId.get(operation.id));
  }

  /** The operation, if it exists and `scope` may see it (another key's operation is as unknown as a missing one). */
  async get(id: string, scope: OperationScope = EVERY_OPERATION): Promise<OperationRecord | undefined> {
    const { rows } = await this.db.executeSql(`SELECT ${COLUMNS} FROM dve.operation WHERE id = $1::uuid AND ($2::text IS NULL OR api_key_name = $2)`, [id, ownerFilter(scope)]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  private async findByIdempotencyKey(key: string): Promise<OperationRecord | undefined> {
    const { rows } = await this.db.executeSql(`SELECT ${COLUMNS} FROM dve.operation WHERE idempotency_key = $1`, [key]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /**
   * Claims the given queued operations for `owner`, each only if it is due and the head of its lane
   * (no earlier operation of the lane pending). A `running` one whose lease ran out (its process died)
   * is claimed again. Returns the claimed ones; the others are someone else's or must wait.
   */
  async claim(ids: readonly string[], owner: string, leaseSeconds: number): Promise<OperationRecord[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.db.executeSql(
      `UPDATE dve.operation o SET state = 'running', lease_owner = $2, lease_until = now() + make_interval(secs => $3),
         attempts = o.attempts + 1, updated_at = now()
       WHERE o.id = ANY($1::uuid[])
         AND (o.state = 'queued' OR (o.state = 'running' AND o.lease_until < now()))
         AND (o.not_before IS NULL OR o.not_before <= now())
         AND NOT EXISTS (SELECT 1 FROM dve.operation p WHERE p.lane = o.lane AND p.seq < o.seq AND p.state IN ${PENDING})
       RETURNING ${columns('o')}`,
      [ids, owner, leaseSeconds],
    );
    return rows.map(toRecord);
  }

  /**
   * Records the final answer of a running operation this owner holds, and returns the next queued
   * operation of its lane (to wake it); `finished: false` when the lease was lost. Batched per turn;
   * `background` (an accepted operation: the caller polls) batches over a few milliseconds instead.
   */
  finish(id: string, owner: string, finish: Finish, options: { background?: boolean } = {}): Promise<FinishResult> {
    return (options.background ? this.backgroundFinishes : this.finishes).add({ id, owner, finish });
  }

  /**
   * One statement for the batch. When it fails, each finish is recorded alone, so one answer the
   * database refuses cannot keep the others running (they would be run again when their lease ends).
   */
  private async finishBatch(items: PendingFinish[]): Promise<Array<FinishResult | ItemFailure>> {
    try {
      return await this.finishRows(items);
    } catch {
      const results: Array<FinishResult | ItemFailure> = [];
      for (const item of items) results.push(await this.finishAlone(item));
      return results;
    }
  }

  /**
   * A finish on its own. An answer holding what the database cannot store (U+0000 or a lone surrogate,
   * say, echoed from a record) is recorded with those characters replaced: the outcome is what must
   * not be lost (the write was applied or refused), not those characters.
   */
  private async finishAlone(item: PendingFinish): Promise<FinishResult | ItemFailure> {
    try {
      return (await this.finishRows([item]))[0]!;
    } catch (error) {
      if (!isDataException(error)) return new ItemFailure(error);
      try {
        return (await this.finishRows([{ ...item, finish: { ...item.finish, response: storableValue(item.finish.response) } }]))[0]!;
      } catch (again) {
        return new ItemFailure(again);
      }
    }
  }

  private async finishRows(items: PendingFinish[]): Promise<FinishResult[]> {
    const { rows } = await this.db.executeSql(
      `WITH done AS (
         UPDATE dve.operation o SET state = k.state, status = k.status, response = k.response, last_error = k.error,
           lease_owner = NULL, lease_until = NULL, updated_at = now(), finished_at = now()
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::json[], $6::text[]) AS k(id, owner, state, status, response, error)
         WHERE o.id = k.id AND o.state = 'running' AND o.lease_owner = k.owner
         RETURNING o.id, o.lane, o.seq
       )
       SELECT d.id::text AS id, (
         SELECT n.id::text FROM dve.operation n WHERE n.lane = d.lane AND n.seq > d.seq AND n.state = 'queued' ORDER BY n.seq LIMIT 1
       ) AS next FROM done d`,
      [
        items.map((item) => item.id),
        items.map((item) => item.owner),
        items.map((item) => item.finish.state),
        items.map((item) => item.finish.status),
        // One JSON text per operation: json[] keeps each answer's text byte for byte.
        items.map((item) => JSON.stringify(item.finish.response ?? null)),
        items.map((item) => (item.finish.error === undefined ? null : storableText(item.finish.error))),
      ],
    );
    const byId = new Map(rows.map((row) => [row.id as string, row.next as string | null]));
    return items.map(({ id }) => {
      if (!byId.has(id)) return { finished: false };
      const next = byId.get(id);
      return next ? { finished: true, next } : { finished: true };
    });
  }

  /**
   * A running operation met a transient failure: back to `queued` until `notBefore`, answered 202 from
   * now on. `uncounted`: the attempt was the target's failure, not the operation's (see
   * `countsAsAttempt`), and is taken off `attempts` again.
   */
  async release(id: string, owner: string, notBefore: Date, error: string, options: { uncounted?: boolean } = {}): Promise<boolean> {
    const { rows } = await this.db.executeSql(
      `UPDATE dve.operation SET state = 'queued', accepted = true, lease_owner = NULL, lease_until = NULL, not_before = $3::timestamptz,
         last_error = $4, attempts = CASE WHEN $5::boolean THEN greatest(attempts - 1, 0) ELSE attempts END, updated_at = now()
       WHERE id = $1::uuid AND state = 'running' AND lease_owner = $2 RETURNING id`,
      [id, owner, notBefore.toISOString(), storableText(error), Boolean(options.uncounted)],
    );
    return rows.length > 0;
  }

  /**
   * Puts a dead letter `scope` may see back in the queue (`POST /v1/operations/{id}/retry`), with a
   * fresh count of attempts (`queue.maxAttempts`).
   */
  async requeue(id: string, scope: OperationScope = EVERY_OPERATION): Promise<OperationRecord | undefined> {
    const { rows } = await this.db.executeSql(
      `UPDATE dve.operation SET state = 'queued', status = NULL, response = NULL, not_before = NULL, finished_at = NULL, attempts = 0, updated_at = now()
       WHERE id = $1::uuid AND state = 'failed' AND ($2::text IS NULL OR api_key_name = $2) RETURNING ${COLUMNS}`,
      [id, ownerFilter(scope)],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /**
   * Cancels a queued operation `scope` may see (`POST /v1/operations/{id}/cancel`): it never runs, and
   * its poller gets `409 OperationCancelled`. Conditional on `queued`, so a drain claiming it at the same
   * moment and this cancel cannot both win. `next`: the lane's next queued operation, to wake.
   */
  async cancel(id: string, scope: OperationScope, message: string): Promise<{ operation: OperationRecord; next?: string } | undefined> {
    const { rows } = await this.db.executeSql(
      `UPDATE dve.operation o SET state = 'cancelled', status = ${CANCELLED_STATUS},
         response = json_build_object('error', json_build_object('code', 'OperationCancelled', 'message', $3::text)),
         last_error = 'cancelled', lease_owner = NULL, lease_until = NULL, not_before = NULL, finished_at = now(), updated_at = now()
       WHERE o.id = $1::uuid AND o.state = 'queued' AND ($2::text IS NULL OR o.api_key_name = $2)
       RETURNING ${columns('o')},
         (SELECT n.id::text FROM dve.operation n WHERE n.lane = o.lane AND n.seq > o.seq AND n.state = 'queued' ORDER BY n.seq LIMIT 1) AS next`,
      [id, ownerFilter(scope), storableText(message)],
    );
    if (!rows[0]) return undefined;
    const next = rows[0].next as string | null;
    return next ? { operation: toRecord(rows[0]), next } : { operation: toRecord(rows[0]) };
  }

  /**
   * Claims up to `limit` due lane heads of an instance in one statement, oldest first. `idleSeconds`
   * > 0 takes only queued operations untouched that long (their wake-up may be lost). Rows another
   * process is claiming at the same moment are skipped (SKIP LOCKED), not waited for.
   */
  async claimDue(instance: string, owner: string, leaseSeconds: number, limit: number, idleSeconds = 0): Promise<OperationRecord[]> {
    const { rows } = await this.db.executeSql(
      `UPDATE dve.operation o SET state = 'running', lease_owner = $2, lease_until = now() + make_interval(secs => $3),
         attempts = o.attempts + 1, updated_at = now()
       WHERE o.id IN (
         SELECT c.id FROM dve.operation c
         WHERE c.instance = $1 AND c.state = 'queued'
           AND c.updated_at <= now() - make_interval(secs => $5) AND (c.not_before IS NULL OR c.not_before <= now())
           AND NOT EXISTS (SELECT 1 FROM dve.operation p WHERE p.lane = c.lane AND p.seq < c.seq AND p.state IN ${PENDING})
         ORDER BY c.seq LIMIT $4
         FOR UPDATE SKIP LOCKED
       ) AND o.state = 'queued'
       RETURNING ${columns('o')}`,
      [instance, owner, leaseSeconds, limit, idleSeconds],
    );
    return rows.map(toRecord);
  }

  /** Takes over running operations of an instance whose lease ran out (their process died). */
  async claimExpired(instance: string, owner: string, leaseSeconds: number, limit: number): Promise<OperationRecord[]> {
    const { rows } = await this.db.executeSql(
      `UPDATE dve.operation o SET lease_owner = $2, lease_until = now() + make_interval(secs => $3), attempts = o.attempts + 1, updated_at = now()
       WHERE o.id IN (
         SELECT c.id FROM dve.operation c WHERE c.instance = $1 AND c.state = 'running' AND c.lease_until < now()
         ORDER BY c.seq LIMIT $4 FOR UPDATE SKIP LOCKED
       ) AND o.state = 'running' AND o.lease_until < now()
       RETURNING ${columns('o')}`,
      [instance, owner, leaseSeconds, limit],
    );
    return rows.map(toRecord);
  }

  /** After a restart on a data folder only this process can open: nothing is running any more. */
  async releaseAllRunning(): Promise<number> {
    const { rows } = await this.db.executeSql(
      `UPDATE dve.operation SET state = 'queued', accepted = true, lease_owner = NULL, lease_until = NULL, updated_at = now() - interval '1 hour'
       WHERE state = 'running' RETURNING id`,
    );
    return rows.length;
  }

  async list(query: ListQuery, scope: OperationScope = EVERY_OPERATION): Promise<OperationRecord[]> {
    const conditions: string[] = [];
    const values: unknown[] = [];
    const owner = ownerFilter(scope);
    if (owner !== null) {
      values.push(owner);
      conditions.push(`api_key_name = $${values.length}`);
    }
    if (query.state) {
      values.push(query.state);
      conditions.push(`state = $${values.length}`);
    }
    if (query.instance) {
      values.push(query.instance);
      conditions.push(`instance = $${values.length}`);
    }
    if (query.after) {
      values.push(new Date(query.after.createdAtMs).toISOString(), query.after.id);
      // The token's time has milliseconds, PostgreSQL's created_at microseconds: compared with the
      // token's time, the last row of the previous page would come again (forever with top=1). Its
      // own created_at is exact; the token's time serves only once that row is gone (retention).
      const after = `$${values.length}::uuid`;
      conditions.push(`(created_at, id) > (coalesce((SELECT p.created_at FROM dve.operation p WHERE p.id = ${after}), $${values.length - 1}::timestamptz), ${after})`);
    }
    values.push(query.top);
    const { rows } = await this.db.executeSql(
      `SELECT ${COLUMNS} FROM dve.operation ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''} ORDER BY created_at, id LIMIT $${values.length}`,
      values,
    );
    return rows.map(toRecord);
  }

  async counts(): Promise<OperationCounts> {
    const { rows } = await this.db.executeSql(
      `SELECT state, count(*)::int AS n, extract(epoch from now() - min(created_at)) AS oldest FROM dve.operation GROUP BY state`,
    );
    const byState = Object.fromEntries(OPERATION_STATES.map((state) => [state, 0])) as Record<OperationState, number>;
    let oldest: number | null = null;
    for (const row of rows) {
      byState[row.state as OperationState] = Number(row.n);
      if (row.state === 'queued' || row.state === 'running') oldest = Math.max(oldest ?? 0, Number(row.oldest));
    }
    return { byState, oldestPendingAgeSeconds: oldest };
  }

  /**
   * Housekeeping: queued operations older than `maxPendingHours` become dead letters (`Expired`);
   * finished ones are deleted after their retention. Returns how many expired.
   */
  async maintain(settings: { maxPendingHours: number; completedRetentionHours: number; deadLetterRetentionDays: number }): Promise<number> {
    const { rows } = await this.db.executeSql(
      `UPDATE dve.operation SET state = 'failed', status = 504,
         response = json_build_object('error', json_build_object('code', 'OperationExpired',
           'message', 'The target could not be reached for ' || $1::text || ' hours; the operation was not applied. Replay it with POST /v1/operations/{id}/retry.')),
         last_error = coalesce(last_error, 'expired'), finished_at = now(), updated_at = now()
       WHERE state = 'queued' AND created_at < now() - make_interval(secs => $2) RETURNING id`,
      [String(settings.maxPendingHours), settings.maxPendingHours * 3600],
    );
    await this.db.executeSql(
      `DELETE FROM dve.operation WHERE (state IN ('succeeded', 'rejected', 'cancelled') AND finished_at < now() - make_interval(secs => $1))
         OR (state = 'failed' AND finished_at < now() - make_interval(secs => $2))`,
      [settings.completedRetentionHours * 3600, settings.deadLetterRetentionDays * 86400],
    );
    return rows.length;
  }
}

/** The operations table, as the housekeeping below names it. */
export const OPERATION_TABLE = 'dve.operation';
/** pg-boss 10's tables with churn (its default schema, which createQueue keeps). */
export const PG_BOSS_CHURN_TABLES: readonly string[] = ['pgboss.job', 'pgboss.archive'];

/**
 * PGlite runs PostgreSQL without its background workers: no autovacuum. Without this, dead row
 * versions of every update and delete pile up (the table and its indexes only grow, scans slow down)
 * and the planner keeps the statistics of an empty table — it then scans whole indexes where one
 * lookup would do. Only the tables with churn: the operations and pg-boss' jobs (a whole-database
 * ANALYZE held the one connection for some 200 ms). Not needed on PostgreSQL, whose autovacuum does it.
 */
export async function vacuumEmbeddedDatabase(db: SqlDatabase, options: { analyzeOnly?: boolean; tables?: readonly string[] } = {}): Promise<void> {
  const tables = (options.tables ?? [OPERATION_TABLE]).join(', ');
  await db.executeSql(options.analyzeOnly ? `ANALYZE ${tables}` : `VACUUM (ANALYZE) ${tables}`);
}

function toDate(ms: unknown): Date | null {
  return ms === null || ms === undefined ? null : new Date(Number(ms));
}

/**
 * The record of a row just inserted, from what was inserted and the few columns the database chose.
 * Returning every column instead (the request parsed back from jsonb above all) cost about a third of
 * an insert's time on PGlite, on the path of every action's answer.
 */
function insertedRecord(operation: NewOperation, row: Record<string, unknown>): OperationRecord {
  const createdAt = toDate(row.created_ms)!;
  return {
    id: row.id as string,
    instance: operation.request.instance,
    action: operation.request.action,
    lane: operation.lane,
    request: operation.request,
    requestHash: operation.requestHash,
    state: row.state as OperationState,
    status: null,
    response: null,
    attempts: Number(row.attempts),
    lastError: null,
    accepted: Boolean(row.accepted),
    apiKeyName: operation.apiKeyName ?? null,
    createdAt,
    updatedAt: createdAt,
    finishedAt: null,
    notBefore: operation.notBefore ?? null,
  };
}

function toRecord(row: Record<string, unknown>): OperationRecord {
  return {
    id: row.id as string,
    instance: row.instance as string,
    action: row.action as StoredRequest['action'],
    lane: row.lane as string,
    request: row.request as StoredRequest,
    requestHash: row.request_hash as string,
    state: row.state as OperationState,
    status: row.status === null ? null : Number(row.status),
    response: row.response,
    attempts: Number(row.attempts),
    lastError: (row.last_error as string | null) ?? null,
    accepted: Boolean(row.accepted),
    apiKeyName: (row.api_key_name as string | null) ?? null,
    createdAt: toDate(row.created_ms)!,
    updatedAt: toDate(row.updated_ms)!,
    finishedAt: toDate(row.finished_ms),
    notBefore: toDate(row.not_before_ms),
  };
}

/** A data exception (a value the database refuses) as the caller's 400, naming the body; other errors unchanged. */
function unstorableOr(error: unknown): unknown {
  if (!isDataException(error)) return error;
  return new UnstorableValueError('body', `cannot be stored: ${storableText((error as Error).message)}`);
}
