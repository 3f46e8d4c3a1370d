/**
 * The SQL the durable queue, the reconciler and the webhooks need, through the queue's own database: pg-boss'
 * `boss.getDb()` — PGlite through the queue's adapter, or PostgreSQL through pg-boss' pool. Both run
 * several statements in one call when no values are given, and one parameterised statement otherwise.
 * Our tables live in the schema `dve`, next to pg-boss' own `pgboss`.
 */

/** What `boss.getDb()` offers (pg-boss' `Db`). */
export interface SqlDatabase {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows are whatever the statement selects
  executeSql(text: string, values?: any[]): Promise<{ rows: any[] }>;
}

export const DVE_SCHEMA = 'dve';

/** Serialises our DDL across replicas (an arbitrary constant: the key of a transaction-scoped advisory lock). */
const DDL_LOCK_KEY = 872_041_953;

/**
 * Runs `CREATE … IF NOT EXISTS` statements in one (implicit) transaction under an advisory lock, so replicas
 * starting together do not race each other's catalog inserts (PostgreSQL can fail a concurrent
 * `CREATE … IF NOT EXISTS` with a unique violation). Every `dve` table (operations, leases, webhook
 * subscriptions) is created through here; a lost race with pg-boss' own start is retried.
 */
export async function ensureDveTables(db: SqlDatabase, ddl: readonly string[]): Promise<void> {
  // Several statements in one call (no values): PostgreSQL runs them as one implicit transaction, so
  // the transaction-scoped lock is held to the end and a failure leaves nothing behind — no explicit
  // BEGIN, which would leave a pooled connection in an aborted transaction after an error.
  const statements = [`SELECT pg_advisory_xact_lock(${DDL_LOCK_KEY})`, `CREATE SCHEMA IF NOT EXISTS ${DVE_SCHEMA}`, ...ddl];
  for (let attempt = 1; ; attempt++) {
    try {
      await db.executeSql(`${statements.join(';\n')};`);
      return;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      // 23505 unique_violation, 42P06 duplicate_schema, 42P07 duplicate_table: someone created it
      // meanwhile; 40P01 deadlock_detected: raced pg-boss' own start on the catalog. Try again.
      if (attempt >= 3 || !(code === '23505' || code === '42P06' || code === '42P07' || code === '40P01')) throw error;
    }
  }
}
