/**
 * Starts the durable queue: pg-boss 10 either on PGlite embedded in the process (the default: a data
 * folder, or memory for tests) or on a PostgreSQL server (`DATABASE_URL`, for several API replicas
 * sharing one queue).
 *
 * pg-boss 10 only: 11+ requires Node 22, and this service supports Node 20.
 *
 * The answer is a started pg-boss whose `stop()` also closes what createQueue opened: on PGlite, it
 * waits for pg-boss to stop (graceful, as pg-boss' own options say), then closes PGlite and releases
 * the data folder's lock, so the same folder can be opened again (by this process or another).
 */
import PgBoss from 'pg-boss';
import { PgliteDatabase } from './PgliteDatabase';

/** pg-boss' own settings, minus how it reaches its database (createQueue decides that). */
export type QueueBossOptions = Omit<PgBoss.ConstructorOptions, 'db' | 'connectionString' | 'host' | 'port' | 'database' | 'user' | 'password' | 'ssl'>;

export type QueueLocation =
  /** PGlite persisted in this folder (guarded by `<dataDir>/queue.lock`). */
  | { dataDir: string; memory?: never; template?: never; databaseUrl?: never }
  /**
   * PGlite in memory: nothing survives the process. `template`: a PGlite data-folder dump (tar) to
   * start from instead of running initdb (tests; see PgliteDatabase.inMemory).
   */
  | { memory: true; template?: string; dataDir?: never; databaseUrl?: never }
  /** A PostgreSQL server, e.g. `postgres://user:pass@host:5432/db` (DATABASE_URL). */
  | { databaseUrl: string; dataDir?: never; memory?: never; template?: never };

export type CreateQueueOptions = QueueLocation & {
  boss?: QueueBossOptions;
  /** pg-boss reports background failures (maintenance, polling) as 'error' events; default: stderr. */
  onError?: (error: Error) => void;
};

export type QueueBackend = 'pglite' | 'postgres';

/** A started pg-boss that also knows where it runs and closes its embedded database on stop. */
export class QueueBoss extends PgBoss {
  private stopping: Promise<void> | undefined;

  constructor(
    options: PgBoss.ConstructorOptions,
    readonly backend: QueueBackend,
    private readonly embedded: PgliteDatabase | undefined,
  ) {
    super(options);
  }

  /**
   * Stops pg-boss (workers, maintenance; by default gracefully, waiting up to `timeout` for handlers in
   * flight), then closes the embedded database and releases its folder. Safe to call more than once.
   */
  override stop(options: PgBoss.StopOptions = {}): Promise<void> {
    this.stopping ??= this.stopAndClose(options);
    return this.stopping;
  }

  private async stopAndClose(options: PgBoss.StopOptions): Promise<void> {
    try {
      // The embedded database may only close once pg-boss has finished with it: always wait.
      await super.stop({ ...options, wait: true });
    } finally {
      await this.embedded?.close();
    }
  }
}

export async function createQueue(options: CreateQueueOptions): Promise<QueueBoss> {
  const onError = options.onError ?? ((error: Error) => process.stderr.write(`queue: ${error.stack ?? error.message}\n`));
  // No cron schedules are used: without `schedule`, pg-boss does not poll its send-it queue every 5 s
  // nor check the schedule table every 30 s (statements that would queue behind the actions' on PGlite).
  const bossOptions: PgBoss.ConstructorOptions = { schedule: false, ...options.boss };

  if (options.databaseUrl !== undefined) {
    const boss = new QueueBoss({ ...bossOptions, connectionString: options.databaseUrl }, 'postgres', undefined);
    return start(boss, onError);
  }

  const db = options.dataDir !== undefined ? await PgliteDatabase.open(options.dataDir) : await PgliteDatabase.inMemory({ template: options.template });
  try {
    // PGlite is a single connection: pg-boss' pool size means nothing there.
    const boss = new QueueBoss({ ...bossOptions, db }, 'pglite', db);
    return await start(boss, onError);
  } catch (error) {
    await db.close();
    throw error;
  }
}

async function start(boss: QueueBoss, onError: (error: Error) => void): Promise<QueueBoss> {
  boss.on('error', onError);
  await boss.start();
  return boss;
}

/**
 * Creates a pg-boss queue unless it exists. Replicas starting together on one PostgreSQL create their
 * queues at the same moment, and pg-boss attaches each queue's partition to its job table: two such
 * transactions can deadlock, and PostgreSQL then aborts one (40P01). That one simply tries again.
 */
export async function ensureQueue(boss: Pick<PgBoss, 'getQueue' | 'createQueue'>, name: string, options: Omit<PgBoss.Queue, 'name'> = {}): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    if (await boss.getQueue(name)) return;
    try {
      await boss.createQueue(name, { ...options, name });
      return;
    } catch (error) {
      if (attempt >= 5 || (error as { code?: unknown }).code !== '40P01') throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200 * attempt));
    }
  }
}
