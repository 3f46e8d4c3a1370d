/**
 * Final answers recorded: the finishes of one event-loop turn share one statement (`TickBatcher`);
 * those of accepted operations, whose callers poll, linger a little to share it with more. One answer
 * the database refuses never keeps the others from being recorded.
 */
import type { SqlDatabase } from '../database/SqlDatabase';
import { isDataException, storableText, storableValue } from './StorableText';
import { ItemFailure, TickBatcher } from './TickBatcher';

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

/** How long a background finish waits for others (see `finish`): a few ms against seconds of polling. */
const BACKGROUND_FINISH_LINGER_MS = 20;

export class OperationFinishes {
  private readonly finishes = new TickBatcher<PendingFinish, FinishResult>((items) => this.finishBatch(items));
  /** Finishes of accepted operations (answered 202, nobody waits on the connection) wait a little to share a statement. */
  private readonly backgroundFinishes = new TickBatcher<PendingFinish, FinishResult>((items) => this.finishBatch(items), 200, BACKGROUND_FINISH_LINGER_MS);

  constructor(private readonly db: SqlDatabase) {}

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

}
