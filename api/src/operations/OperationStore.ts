/**
 * The `dve.operation` table: every write action the API accepted, its idempotency key, its lane (the
 * record it writes) and, once done, the exact answer. It is the truth about an operation; pg-boss jobs
 * only say "look at operation X now" (see OperationWorker). Every statement is a single SQL statement
 * through pg-boss' `executeSql`, so it runs the same on PGlite (one connection, no transactions across
 * calls) and on a PostgreSQL pool shared by several replicas: the conditional UPDATEs below are what
 * keep two processes from running one operation, or two operations of one lane, at once.
 */
import type { StoredRequest } from './OperationRequest';

export interface SqlDatabase {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

/**
 * `queued` (waiting: accepted with 202, or behind an earlier operation on the same record);
 * `running` (claimed by one process until its lease ends); `succeeded`; `rejected` (a permanent error
 * the caller was told at once); `failed` (a dead letter: accepted, then failed permanently or expired).
 */
export type OperationState = 'queued' | 'running' | 'succeeded' | 'rejected' | 'failed';
export const OPERATION_STATES: readonly OperationState[] = ['queued', 'running', 'succeeded', 'rejected', 'failed'];

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
  extract(epoch from ${a}finished_at) * 1000 AS finished_ms, extract(epoch from ${a}not_before) * 1000 AS not_before_ms`;
}
const COLUMNS = columns();

const PENDING = `('queued', 'running')`;

export const OPERATION_SCHEMA_SQL = `
CREATE SCHEMA IF NOT EXISTS dve;
CREATE TABLE IF NOT EXISTS dve.operation (
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
  response jsonb,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  accepted boolean NOT NULL DEFAULT false,
  lease_owner text,
  lease_until timestamptz,
  not_before timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX IF NOT EXISTS operation_pending_lane ON dve.operation (lane, seq) WHERE state IN ${PENDING};
CREATE INDEX IF NOT EXISTS operation_state_created ON dve.operation (state, created_at, id);
CREATE INDEX IF NOT EXISTS operation_created ON dve.operation (created_at, id);
`;

export class OperationStore {
  constructor(private readonly db: SqlDatabase) {}

  /** Creates the table once (idempotent; several replicas may race: the loser's error is retried once). */
  async migrate(): Promise<void> {
    try {
      await this.db.executeSql(OPERATION_SCHEMA_SQL);
    } catch {
      await this.db.executeSql(OPERATION_SCHEMA_SQL);
    }
  }

  /**
   * Inserts the operation unless its idempotency key is known, in one statement. It starts `running`
   * (claimed by `owner`) when it may run now — not asked to queue, and no earlier operation of its lane
   * is pending — else `queued`. A new operation retires the derived idempotency keys of the finished
   * operations of its lane: "the same payload again" after another write to the record is a new write.
   */
  async insert(operation: NewOperation): Promise<InsertResult> {
    const { rows } = await this.db.executeSql(
      `WITH busy AS (
         SELECT EXISTS (SELECT 1 FROM dve.operation WHERE lane = $5 AND state IN ${PENDING}) AS busy
       ), retired AS (
         UPDATE dve.operation SET idempotency_key = NULL
         WHERE lane = $5 AND idempotency_key LIKE 'd:%' AND idempotency_key <> $2 AND state NOT IN ${PENDING}
       )
       INSERT INTO dve.operation (id, idempotency_key, request_hash, instance, action, lane, request, state, accepted, lease_owner, lease_until, not_before, attempts)
       SELECT $1::uuid, $2, $3, $4, $6, $5, $7::jsonb,
         CASE WHEN $8::boolean OR busy.busy THEN 'queued' ELSE 'running' END,
         $8::boolean OR busy.busy,
         CASE WHEN $8::boolean OR busy.busy THEN NULL ELSE $9 END,
         CASE WHEN $8::boolean OR busy.busy THEN NULL ELSE now() + make_interval(secs => $10) END,
         $11::timestamptz,
         CASE WHEN $8::boolean OR busy.busy THEN 0 ELSE 1 END
       FROM busy
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        operation.id,
        operation.idempotencyKey,
        operation.requestHash,
        operation.request.instance,
        operation.lane,
        operation.request.action,
        JSON.stringify(operation.request),
        operation.queue,
        operation.owner,
        operation.leaseSeconds,
        operation.notBefore?.toISOString() ?? null,
      ],
    );
    if (rows[0]) {
      const inserted = toRecord(rows[0]);
      // Queued without being asked to: an earlier operation of the lane is pending, it wakes this one.
      const laneHead = inserted.state === 'running' || (operation.queue && !(await this.hasEarlierPending(inserted.id, inserted.lane)));
      return { kind: 'inserted', operation: inserted, laneHead };
    }
    const existing = await this.findByIdempotencyKey(operation.idempotencyKey);
    // Gone between the two statements (retention ran): insert again.
    return existing ? { kind: 'existing', operation: existing } : this.insert(operation);
  }

  async get(id: string): Promise<OperationRecord | undefined> {
    const { rows } = await this.db.executeSql(`SELECT ${COLUMNS} FROM dve.operation WHERE id = $1::uuid`, [id]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  private async findByIdempotencyKey(key: string): Promise<OperationRecord | undefined> {
    const { rows } = await this.db.executeSql(`SELECT ${COLUMNS} FROM dve.operation WHERE idempotency_key = $1`, [key]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  private async hasEarlierPending(id: string, lane: string): Promise<boolean> {
    const { rows } = await this.db.executeSql(
      `SELECT 1 FROM dve.operation p, dve.operation o
       WHERE o.id = $1::uuid AND p.lane = $2 AND p.seq < o.seq AND p.state IN ${PENDING} LIMIT 1`,
      [id, lane],
    );
    return rows.length > 0;
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
   * operation of its lane (to wake it), in one statement. `undefined` finished: the lease was lost.
   */
  async finish(id: string, owner: string, finish: Finish): Promise<{ finished: boolean; next?: string }> {
    const { rows } = await this.db.executeSql(
      `WITH done AS (
         UPDATE dve.operation SET state = $3, status = $4, response = $5::jsonb, last_error = $6,
           lease_owner = NULL, lease_until = NULL, updated_at = now(), finished_at = now()
         WHERE id = $1::uuid AND state = 'running' AND lease_owner = $2
         RETURNING lane, seq
       )
       SELECT true AS finished, (
         SELECT n.id::text FROM dve.operation n, done WHERE n.lane = done.lane AND n.seq > done.seq AND n.state = 'queued' ORDER BY n.seq LIMIT 1
       ) AS next FROM done`,
      [id, owner, finish.state, finish.status, JSON.stringify(finish.response ?? null), finish.error ?? null],
    );
    const row = rows[0];
    if (!row) return { finished: false };
    return row.next ? { finished: true, next: row.next as string } : { finished: true };
  }

  /** A running operation met a transient failure: back to `queued` until `notBefore`, answered 202 from now on. */
  async release(id: string, owner: string, notBefore: Date, error: string): Promise<boolean> {
    const { rows } = await this.db.executeSql(
      `UPDATE dve.operation SET state = 'queued', accepted = true, lease_owner = NULL, lease_until = NULL, not_before = $3::timestamptz,
         last_error = $4, updated_at = now()
       WHERE id = $1::uuid AND state = 'running' AND lease_owner = $2 RETURNING id`,
      [id, owner, notBefore.toISOString(), error],
    );
    return rows.length > 0;
  }

  /** Puts a dead letter back in the queue (`POST /v1/operations/{id}/retry`). */
  async requeue(id: string): Promise<OperationRecord | undefined> {
    const { rows } = await this.db.executeSql(
      `UPDATE dve.operation SET state = 'queued', status = NULL, response = NULL, not_before = NULL, finished_at = NULL, updated_at = now()
       WHERE id = $1::uuid AND state = 'failed' RETURNING ${COLUMNS}`,
      [id],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /**
   * Queued operations that are due, at the head of their lane, and not touched for `idleSeconds` (their
   * wake-up may be lost: a process died between two statements), plus running ones whose lease ended.
   */
  async stalled(instance: string, idleSeconds: number, limit: number): Promise<string[]> {
    const { rows } = await this.db.executeSql(
      `SELECT o.id::text AS id FROM dve.operation o
       WHERE o.instance = $1
         AND ((o.state = 'queued' AND o.updated_at < now() - make_interval(secs => $2) AND (o.not_before IS NULL OR o.not_before <= now()))
           OR (o.state = 'running' AND o.lease_until < now()))
         AND NOT EXISTS (SELECT 1 FROM dve.operation p WHERE p.lane = o.lane AND p.seq < o.seq AND p.state IN ${PENDING})
       ORDER BY o.seq LIMIT $3`,
      [instance, idleSeconds, limit],
    );
    return rows.map((row) => row.id as string);
  }

  /** Marks operations as just looked at, so `stalled` does not return them again at once. */
  async touch(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.executeSql(`UPDATE dve.operation SET updated_at = now() WHERE id = ANY($1::uuid[]) AND state = 'queued'`, [ids]);
  }

  /** After a restart on a data folder only this process can open: nothing is running any more. */
  async releaseAllRunning(): Promise<number> {
    const { rows } = await this.db.executeSql(
      `UPDATE dve.operation SET state = 'queued', accepted = true, lease_owner = NULL, lease_until = NULL, updated_at = now() - interval '1 hour'
       WHERE state = 'running' RETURNING id`,
    );
    return rows.length;
  }

  async list(query: ListQuery): Promise<OperationRecord[]> {
    const conditions: string[] = [];
    const values: unknown[] = [];
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
      conditions.push(`(created_at, id) > ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
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
         response = jsonb_build_object('error', jsonb_build_object('code', 'OperationExpired',
           'message', 'The target could not be reached for ' || $1::text || ' hours; the operation was not applied. Replay it with POST /v1/operations/{id}/retry.')),
         last_error = coalesce(last_error, 'expired'), finished_at = now(), updated_at = now()
       WHERE state = 'queued' AND created_at < now() - make_interval(secs => $2) RETURNING id`,
      [String(settings.maxPendingHours), settings.maxPendingHours * 3600],
    );
    await this.db.executeSql(
      `DELETE FROM dve.operation WHERE (state IN ('succeeded', 'rejected') AND finished_at < now() - make_interval(secs => $1))
         OR (state = 'failed' AND finished_at < now() - make_interval(secs => $2))`,
      [settings.completedRetentionHours * 3600, settings.deadLetterRetentionDays * 86400],
    );
    return rows.length;
  }
}

function toDate(ms: unknown): Date | null {
  return ms === null || ms === undefined ? null : new Date(Number(ms));
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
    createdAt: toDate(row.created_ms)!,
    updatedAt: toDate(row.updated_ms)!,
    finishedAt: toDate(row.finished_ms),
    notBefore: toDate(row.not_before_ms),
  };
}
