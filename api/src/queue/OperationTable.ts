/**
 * The `dve.operation` table itself: its DDL (created on start, idempotent; a column added since is
 * added to older tables), and the housekeeping the embedded database needs (no autovacuum on PGlite).
 */
import type { SqlDatabase } from '../database/SqlDatabase';

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
