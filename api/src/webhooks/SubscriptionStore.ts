/**
 * Webhook subscriptions in `dve.webhook_subscription`, in the queue's database (PGlite in the data
 * folder, or the PostgreSQL replicas share): they survive restarts and every replica sees them.
 * The secret is stored as given (deliveries need it to sign) and returned only once, at creation;
 * callback URLs may hold secrets too (Power Automate's carry a `sig`): the database is as sensitive
 * as the API keys.
 */
import { randomUUID } from 'node:crypto';
import { ensureDveTables, type SqlDatabase } from '../queue/SqlDatabase';
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
];

export interface Subscription {
  id: string;
  instance: string;
  events: StubEventType[];
  table?: string;
  callbackUrl: string;
  createdOn: string;
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
  createdBy?: string;
}

const COLUMNS = `id::text AS id, instance, events, table_name, callback_url, secret, to_char(created_on AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_on`;

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

  async create(input: NewSubscription): Promise<SubscriptionWithSecret> {
    await this.prepare();
    const { rows } = await this.db.executeSql(
      `INSERT INTO dve.webhook_subscription (id, instance, events, table_name, callback_url, secret, created_by)
       VALUES ($1::uuid, $2, $3::text[], $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [randomUUID(), input.instance, [...new Set(input.events)], input.table ?? null, input.callbackUrl, newWebhookSecret(), input.createdBy ?? null],
    );
    return toSubscription(rows[0]);
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

function toSubscription(row: Record<string, unknown>): SubscriptionWithSecret {
  return {
    id: String(row.id),
    instance: String(row.instance),
    events: parseTextArray(row.events) as StubEventType[],
    ...(row.table_name ? { table: String(row.table_name) } : {}),
    callbackUrl: String(row.callback_url),
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
