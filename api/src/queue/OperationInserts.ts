/**
 * Intake: new operations inserted under their idempotency key. The inserts of one event-loop turn
 * share one statement (`TickBatcher`); a request the database cannot store fails alone.
 */
import type { SqlDatabase } from '../database/SqlDatabase';
import { COLUMNS, PENDING, toDate, toRecord, type OperationRecord, type OperationState } from './OperationRecord';
import { isDerivedKey, type StoredRequest } from './OperationRequest';
import { findUnstorableText, isDataException, storableText, UnstorableValueError } from './StorableText';
import { ItemFailure, TickBatcher } from './TickBatcher';

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

export class OperationInserts {
  private readonly batch = new TickBatcher<NewOperation, Record<string, unknown> | undefined>((operations) => this.insertBatch(operations));

  constructor(private readonly db: SqlDatabase) {}

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
    const row = await this.batch.add(operation);
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

  private async findByIdempotencyKey(key: string): Promise<OperationRecord | undefined> {
    const { rows } = await this.db.executeSql(`SELECT ${COLUMNS} FROM dve.operation WHERE idempotency_key = $1`, [key]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }
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

/** A data exception (a value the database refuses) as the caller's 400, naming the body; other errors unchanged. */
function unstorableOr(error: unknown): unknown {
  if (!isDataException(error)) return error;
  return new UnstorableValueError('body', `cannot be stored: ${storableText((error as Error).message)}`);
}
