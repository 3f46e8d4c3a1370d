/**
 * One active reconciler across replicas: a lease row in `dve.lease`, taken or renewed with one
 * conditional upsert — the row is (re)written only when it expired or already names this holder — and
 * `RETURNING` tells whether it was. Time is the database's (`now()`), so replicas' clocks do not matter.
 * A holder that stops deletes its row, so another replica takes over at its next round; one that dies
 * loses the lease when it expires.
 */
import { ensureDveTables, type SqlDatabase } from '../database/SqlDatabase';

export const LEASE_TABLE_DDL = `CREATE TABLE IF NOT EXISTS dve.lease (
  name text PRIMARY KEY,
  holder text NOT NULL,
  expires_at timestamptz NOT NULL,
  acquired_at timestamptz NOT NULL
)`;

const ACQUIRE = `INSERT INTO dve.lease AS held (name, holder, expires_at, acquired_at)
VALUES ($1, $2, now() + make_interval(secs => $3::double precision), now())
ON CONFLICT (name) DO UPDATE
  SET holder = EXCLUDED.holder,
      expires_at = EXCLUDED.expires_at,
      acquired_at = CASE WHEN held.holder = EXCLUDED.holder THEN held.acquired_at ELSE EXCLUDED.acquired_at END
  WHERE held.expires_at < now() OR held.holder = EXCLUDED.holder
RETURNING holder`;

const RELEASE = 'DELETE FROM dve.lease WHERE name = $1 AND holder = $2';

export class ReconcilerLease {
  private ready: Promise<void> | undefined;

  constructor(
    private readonly db: SqlDatabase,
    readonly name: string,
    readonly holder: string,
    private readonly seconds: number,
  ) {}

  /** Takes or renews the lease; true while this holder has it. */
  async acquire(): Promise<boolean> {
    await this.prepare();
    const { rows } = await this.db.executeSql(ACQUIRE, [this.name, this.holder, this.seconds]);
    return rows.length === 1;
  }

  /** Gives the lease up (only if this holder has it). */
  async release(): Promise<void> {
    await this.prepare();
    await this.db.executeSql(RELEASE, [this.name, this.holder]);
  }

  private prepare(): Promise<void> {
    this.ready ??= ensureDveTables(this.db, [LEASE_TABLE_DDL]).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }
}
