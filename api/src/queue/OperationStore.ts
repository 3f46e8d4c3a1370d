/**
 * The `dve.operation` table: every write action the API accepted, its idempotency key, its lane (the
 * record it writes) and, once done, the exact answer. It is the truth about an operation; pg-boss jobs
 * only say "look at operation X now" (WakeUps.ts sends them, InstanceDrain.ts acts on them). Every statement is a single SQL statement
 * through pg-boss' `executeSql`, so it runs the same on PGlite (one connection, no transactions across
 * calls) and on a PostgreSQL pool shared by several replicas: the conditional UPDATEs below are what
 * keep two processes from running one operation, or two operations of one lane, at once.
 *
 * This class is the table's one entry point. Beside it: `OperationRecord.ts` (states, scope, row
 * mapping), `OperationTable.ts` (DDL, housekeeping of the embedded database), `OperationInserts.ts`
 * (intake under idempotency keys) and `OperationFinishes.ts` (recording answers), both batched.
 */
import { ensureDveTables, type SqlDatabase } from '../database/SqlDatabase';
import { OperationFinishes, type Finish, type FinishResult } from './OperationFinishes';
import { OperationInserts, type InsertResult, type NewOperation } from './OperationInserts';
import { CANCELLED_STATUS, columns, COLUMNS, EVERY_OPERATION, OPERATION_STATES, ownerFilter, PENDING, toRecord, type OperationRecord, type OperationScope, type OperationState } from './OperationRecord';
import { OPERATION_TABLE_DDL } from './OperationTable';
import { storableText } from './StorableText';

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

export class OperationStore {
  private readonly inserts: OperationInserts;
  private readonly finishes: OperationFinishes;

  constructor(private readonly db: SqlDatabase) {
    this.inserts = new OperationInserts(db);
    this.finishes = new OperationFinishes(db);
  }

  /** Creates the table and its indexes if missing, under the DDL lock replicas share (idempotent). */
  async migrate(): Promise<void> {
    await ensureDveTables(this.db, OPERATION_TABLE_DDL);
  }

  /** See `OperationInserts.insert`. */
  insert(operation: NewOperation): Promise<InsertResult> {
    return this.inserts.insert(operation);
  }

  /** The operation, if it exists and `scope` may see it (another key's operation is as unknown as a missing one). */
  async get(id: string, scope: OperationScope = EVERY_OPERATION): Promise<OperationRecord | undefined> {
    const { rows } = await this.db.executeSql(`SELECT ${COLUMNS} FROM dve.operation WHERE id = $1::uuid AND ($2::text IS NULL OR api_key_name = $2)`, [id, ownerFilter(scope)]);
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

  /** See `OperationFinishes.finish`. */
  finish(id: string, owner: string, finish: Finish, options: { background?: boolean } = {}): Promise<FinishResult> {
    return this.finishes.finish(id, owner, finish, options);
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
