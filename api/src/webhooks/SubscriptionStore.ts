/**
 * Webhook subscriptions in `dve.webhook_subscription`, in the queue's database (PGlite in the data
 * folder, or the PostgreSQL replicas share): they survive restarts and every replica sees them.
 * The secret is stored as given (deliveries need it to sign) and returned only once, at creation;
 * callback URLs may hold secrets too (Power Automate's carry a `sig`): the database is as sensitive
 * as the API keys.
 *
 * Each subscription belongs to the API key that created it (`api_key`, the key's name): a caller
 * sees, counts and deletes only its own, an admin every one (`SubscriptionViewer`). Rows from before
 * owners were recorded have none and are visible to admins only.
 */
import { randomUUID } from 'node:crypto';
import { ensureDveTables, type SqlDatabase } from '../database/SqlDatabase';
import type { StubEventType } from '../events/StubEvents';
import { newWebhookSecret } from './WebhookSignature';

export const SUBSCRIPTION_DDL = [
  `CREATE TABLE IF NOT EXISTS dve.webhook_subscription (
  id uuid PRIMARY KEY,
  instance text NOT NULL,
  events text[] NOT NULL,
  table_name text,
  callback_url text NOT NULL,
  secret text NOT NULL,
  created_by text,
  created_on timestamptz NOT NULL DEFAULT now()
)`,
  'CREATE INDEX IF NOT EXISTS webhook_subscription_instance ON dve.webhook_subscription (instance)',
  // The owning key's name; added to tables created before owners were recorded (their rows stay NULL).
  'ALTER TABLE dve.webhook_subscription ADD COLUMN IF NOT EXISTS api_key text',
  // Which of its key's numbered places (1..limit) a subscription takes: unique per key, so two replicas
  // subscribing for one key at once cannot take the same place and together exceed the limit.
  'ALTER TABLE dve.webhook_subscription ADD COLUMN IF NOT EXISTS slot integer',
  'CREATE UNIQUE INDEX IF NOT EXISTS webhook_subscription_key_slot ON dve.webhook_subscription (api_key, slot)',
];

export interface Subscription {
  id: string;
  instance: string;
  events: StubEventType[];
  table?: string;
  callbackUrl: string;
  /** The name of the API key that created it; absent on rows from before owners were recorded. */
  apiKey?: string;
  createdOn: string;
}

/** Who is asking: a caller sees its own subscriptions, an admin every one. */
export interface SubscriptionViewer {
  apiKey: string;
  admin: boolean;
}

/** A subscription with its secret: what deliveries need. */
export interface SubscriptionWithSecret extends Subscription {
  secret: string;
}

export interface NewSubscription {
  instance: string;
  events: readonly StubEventType[];
  table?: string;
  callbackUrl: string;
  /** The name of the API key creating it (its owner). */
  apiKey?: string;
  /** `ec_origin`-style text of the call that created it. */
  createdBy?: string;
}

const COLUMNS = `id::text AS id, instance, events, table_name, callback_url, secret, api_key, to_char(created_on AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_on`;

export class SubscriptionStore {
  private ready: Promise<void> | undefined;

  constructor(private readonly db: SqlDatabase) {}

  /** Creates the table if needed (once per store; safe with several replicas). */
  prepare(): Promise<void> {
    this.ready ??= ensureDveTables(this.db, SUBSCRIPTION_DDL).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  /**
   * Creates the subscription, or answers undefined when its key already holds `maxPerKey` (ownerless
   * ones are not limited). An owned subscription takes the lowest free place 1..maxPerKey of its key
   * (`slot`, unique per key) while the key holds fewer than `maxPerKey`: a concurrent insert that took
   * the same place makes this one conflict, and it tries the next free place.
   */
  async create(input: NewSubscription, maxPerKey = Number.POSITIVE_INFINITY): Promise<SubscriptionWithSecret | undefined> {
    await this.prepare();
    const values = () => [randomUUID(), input.instance, [...new Set(input.events)], input.table ?? null, input.callbackUrl, newWebhookSecret(), input.createdBy ?? null, input.apiKey ?? null];
    if (input.apiKey === undefined || !Number.isFinite(maxPerKey)) {
      const { rows } = await this.db.executeSql(
        `INSERT INTO dve.webhook_subscription (id, instance, events, table_name, callback_url, secret, created_by, api_key)
         VALUES ($1::uuid, $2, $3::text[], $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
        values(),
      );
      return toSubscription(rows[0]);
    }
    for (let attempt = 0; attempt < maxPerKey + 2; attempt++) {
      const { rows } = await this.db.executeSql(
        `INSERT INTO dve.webhook_subscription (id, instance, events, table_name, callback_url, secret, created_by, api_key, slot)
         SELECT $1::uuid, $2, $3::text[], $4, $5, $6, $7, $8, free.slot
         FROM generate_series(1, $9::int) AS free(slot)
         WHERE free.slot NOT IN (SELECT slot FROM dve.webhook_subscription WHERE api_key = $8 AND slot IS NOT NULL)
           AND (SELECT count(*) FROM dve.webhook_subscription WHERE api_key = $8) < $9
         ORDER BY free.slot LIMIT 1
         ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
        [...values(), maxPerKey],
      );
      if (rows[0]) return toSubscription(rows[0]);
      // Nothing inserted: the key is full, or another insert took the place meanwhile (try again).
      if ((await this.countOf(input.apiKey)) >= maxPerKey) return undefined;
    }
    return undefined;
  }

  /** How many subscriptions the key holds. */
  async countOf(apiKey: string): Promise<number> {
    await this.prepare();
    const { rows } = await this.db.executeSql('SELECT count(*)::int AS n FROM dve.webhook_subscription WHERE api_key = $1', [apiKey]);
    return Number(rows[0]?.n ?? 0);
  }

  /** The subscriptions the viewer may see, oldest first. */
  async visibleTo(viewer: SubscriptionViewer): Promise<SubscriptionWithSecret[]> {
    await this.prepare();
    const { rows } = await this.db.executeSql(
      `SELECT ${COLUMNS} FROM dve.webhook_subscription WHERE $1::boolean OR api_key = $2 ORDER BY created_on, id`,
      [viewer.admin, viewer.apiKey],
    );
    return rows.map(toSubscription);
  }

  /** The subscription when the viewer may see it (another key's is as absent as an unknown id). */
  async getVisible(id: string, viewer: SubscriptionViewer): Promise<SubscriptionWithSecret | undefined> {
    const found = await this.get(id);
    return found && mayView(found, viewer) ? found : undefined;
  }

  /** Deletes it when the viewer may see it; true when it existed and was the viewer's to delete. */
  async deleteVisible(id: string, viewer: SubscriptionViewer): Promise<boolean> {
    await this.prepare();
    const { rows } = await this.db.executeSql(
      'DELETE FROM dve.webhook_subscription WHERE id = $1::uuid AND ($2::boolean OR api_key = $3) RETURNING id',
      [id, viewer.admin, viewer.apiKey],
    );
    return rows.length > 0;
  }

  async get(id: string): Promise<SubscriptionWithSecret | undefined> {
    await this.prepare();
    const { rows } = await this.db.executeSql(`SELECT ${COLUMNS} FROM dve.webhook_subscription WHERE id = $1::uuid`, [id]);
    return rows[0] ? toSubscription(rows[0]) : undefined;
  }

  /** Every subscription of an instance. */
  async forInstance(instance: string): Promise<SubscriptionWithSecret[]> {
    await this.prepare();
    const { rows } = await this.db.executeSql(`SELECT ${COLUMNS} FROM dve.webhook_subscription WHERE instance = $1 ORDER BY created_on, id`, [instance]);
    return rows.map(toSubscription);
  }

  /** True when it existed. */
  async delete(id: string): Promise<boolean> {
    await this.prepare();
    const { rows } = await this.db.executeSql('DELETE FROM dve.webhook_subscription WHERE id = $1::uuid RETURNING id', [id]);
    return rows.length > 0;
  }
}

function mayView(subscription: Subscription, viewer: SubscriptionViewer): boolean {
  return viewer.admin || subscription.apiKey === viewer.apiKey;
}

function toSubscription(row: Record<string, unknown>): SubscriptionWithSecret {
  return {
    id: String(row.id),
    instance: String(row.instance),
    events: parseTextArray(row.events) as StubEventType[],
    ...(row.table_name ? { table: String(row.table_name) } : {}),
    callbackUrl: String(row.callback_url),
    ...(row.api_key ? { apiKey: String(row.api_key) } : {}),
    secret: String(row.secret),
    createdOn: String(row.created_on),
  };
}

/** node-postgres and PGlite give `text[]` as an array; a raw `{a,b}` literal is parsed just in case. */
function parseTextArray(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') return value.replace(/^\{|\}$/g, '').split(',').filter(Boolean).map((item) => item.replace(/^"|"$/g, ''));
  return [];
}
