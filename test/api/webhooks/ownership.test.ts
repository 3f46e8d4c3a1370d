/**
 * Subscriptions belong to the API key that made them, over real HTTP (createApp with
 * subscriptionsRouter, pg-boss on in-memory PGlite, no deliveries): two caller keys and an admin key.
 *
 * - a caller lists, gets and deletes only its own; another key's id answers exactly like an unknown id;
 * - an admin key sees and deletes every one, including rows from before owners were recorded (the
 *   column is added to an existing table; those rows stay invisible to callers);
 * - a key holds at most `maxSubscriptionsPerKey`: past it 409 `SubscriptionLimitReached` naming the
 *   limit and how to delete, also for a burst of parallel requests; other keys are not affected.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { hashApiKey } from '../../../api/src/config/ApiKeys';
import { createApp } from '../../../api/src/http';
import { createQueue, type QueueBoss } from '../../../api/src/database/createQueue';
import type { SqlDatabase } from '../../../api/src/database/SqlDatabase';
import { startWebhooks, type Webhooks } from '../../../api/src/webhooks';
import { subscriptionsRouter } from '../../../api/src/http/routes/subscriptions';
import { RecordingService } from '../http/httpTestApp';
import { pgliteTemplateDump } from '../../support/pgliteTemplate';

jest.setTimeout(60_000);

const LIMIT = 3;
const KEYS = {
  alice: 'alice-key-0123456789abcdef',
  bob: 'bob-key-0123456789abcdef',
  ops: 'ops-admin-key-0123456789abcdef',
  carol: 'carol-key-0123456789abcdef',
} as const;
type KeyName = keyof typeof KEYS;
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const silent = pino({ level: 'silent' });

let boss: QueueBoss;
let webhooks: Webhooks;
let server: Server;
let baseUrl: string;
let legacyId: string;

beforeAll(async () => {
  boss = await createQueue({ memory: true, template: pgliteTemplateDump(), boss: { supervise: false, schedule: false } });
  // A table as an earlier version created it (no api_key column), holding one subscription.
  await (boss.getDb() as SqlDatabase).executeSql(`CREATE SCHEMA IF NOT EXISTS dve;
CREATE TABLE dve.webhook_subscription (id uuid PRIMARY KEY, instance text NOT NULL, events text[] NOT NULL, table_name text,
  callback_url text NOT NULL, secret text NOT NULL, created_by text, created_on timestamptz NOT NULL DEFAULT now());
INSERT INTO dve.webhook_subscription (id, instance, events, callback_url, secret, created_by)
  VALUES ('11111111-1111-4111-8111-111111111111', 'b', '{stub.created}', 'http://127.0.0.1:9/legacy', 'whsec_legacy', 'flow:old/run');`);
  legacyId = '11111111-1111-4111-8111-111111111111';
  webhooks = await startWebhooks({ boss, instances: [{ name: 'b', tables: ['account'] }], deliver: false, settings: { maxSubscriptionsPerKey: LIMIT }, logger: silent });
  const apiKeys = [
    { name: 'alice', sha256: hashApiKey(KEYS.alice) },
    { name: 'bob', sha256: hashApiKey(KEYS.bob) },
    { name: 'ops', sha256: hashApiKey(KEYS.ops), role: 'admin' as const },
    { name: 'carol', sha256: hashApiKey(KEYS.carol) },
  ];
  const app = createApp({ service: new RecordingService(), config: { apiKeys }, logger: silent, routers: [subscriptionsRouter(webhooks)] });
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await webhooks?.stop();
  await new Promise<void>((resolve) => {
    server?.close(() => resolve());
    server?.closeAllConnections();
  });
  await boss?.stop({ graceful: false });
});

async function api(key: KeyName, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'X-API-Key': KEYS[key], ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function subscribe(key: KeyName, path = '/hook'): Promise<string> {
  const answer = await api(key, 'POST', '/v1/instances/b/subscriptions', { callbackUrl: `http://127.0.0.1:9${path}?sig=receiver-secret` });
  expect(answer.status).toBe(201);
  return answer.body.id as string;
}

const idsOf = (answer: { body: { value: Array<{ id: string }> } }) => answer.body.value.map((subscription) => subscription.id);

/** The answer to an id the key may not see, with the id replaced: it must not tell "another key's" from "unknown". */
async function notFoundShape(key: KeyName, method: string, id: string): Promise<unknown> {
  const answer = await api(key, method, `/v1/subscriptions/${id}`);
  return { status: answer.status, body: JSON.parse(JSON.stringify(answer.body).replaceAll(id, '<id>')) };
}

describe('subscriptions belong to their key', () => {
  let aliceId: string;
  let bobId: string;

  beforeAll(async () => {
    aliceId = await subscribe('alice', '/alice');
    bobId = await subscribe('bob', '/bob');
  });

  it('a caller lists and gets only its own, without secrets or callback paths', async () => {
    const alice = await api('alice', 'GET', '/v1/subscriptions');
    expect(alice.status).toBe(200);
    expect(idsOf(alice)).toEqual([aliceId]);
    expect(alice.body.value[0]).toEqual({ id: aliceId, instance: 'b', events: ['stub.created', 'stub.hydrated', 'stub.abandoned'], callbackOrigin: 'http://127.0.0.1:9', apiKeyName: 'alice', createdOn: expect.any(String) });
    expect(JSON.stringify(alice.body)).not.toMatch(/secret|sig=|\/alice/);
    expect(idsOf(await api('bob', 'GET', '/v1/subscriptions'))).toEqual([bobId]);
    expect(await api('alice', 'GET', `/v1/subscriptions/${aliceId.toUpperCase()}`)).toMatchObject({ status: 200, body: { id: aliceId, apiKeyName: 'alice' } });
  });

  it("another key's id is 404 exactly like an unknown id, for get and delete, and nothing is deleted", async () => {
    const unknown = await notFoundShape('bob', 'GET', UNKNOWN_ID);
    expect(unknown).toEqual({ status: 404, body: { error: { code: 'NotFound', message: 'There is no subscription <id>.' } } });
    expect(await notFoundShape('bob', 'GET', aliceId)).toEqual(unknown);
    expect(await notFoundShape('bob', 'DELETE', aliceId)).toEqual(await notFoundShape('bob', 'DELETE', UNKNOWN_ID));
    expect(await notFoundShape('alice', 'DELETE', legacyId)).toEqual(unknown);
    expect(await webhooks.store.get(aliceId)).toBeDefined();
    expect(await webhooks.store.get(legacyId)).toBeDefined();
  });

  it('an admin key sees every subscription, ownerless ones included, and deletes any', async () => {
    const all = await api('ops', 'GET', '/v1/subscriptions');
    expect(idsOf(all)).toEqual(expect.arrayContaining([legacyId, aliceId, bobId]));
    expect(all.body.value.find((subscription: { id: string }) => subscription.id === legacyId)).not.toHaveProperty('apiKeyName');
    expect(await api('ops', 'GET', `/v1/subscriptions/${bobId}`)).toMatchObject({ status: 200, body: { apiKeyName: 'bob' } });
    expect((await api('ops', 'DELETE', `/v1/subscriptions/${bobId}`)).status).toBe(204);
    expect((await api('bob', 'GET', `/v1/subscriptions/${bobId}`)).status).toBe(404);
    expect((await api('ops', 'DELETE', `/v1/subscriptions/${legacyId}`)).status).toBe(204);
    expect(idsOf(await api('ops', 'GET', '/v1/subscriptions'))).not.toContain(legacyId);
  });

  it('the owner deletes its own: 204, then 404', async () => {
    expect((await api('alice', 'DELETE', `/v1/subscriptions/${aliceId}`)).status).toBe(204);
    expect((await api('alice', 'DELETE', `/v1/subscriptions/${aliceId}`)).status).toBe(404);
    expect(idsOf(await api('alice', 'GET', '/v1/subscriptions'))).toEqual([]);
  });

  it('refuses a query on the list and a malformed id naming the field', async () => {
    expect(await api('alice', 'GET', '/v1/subscriptions?apiKey=bob')).toMatchObject({ status: 400, body: { error: { field: 'query.apiKey' } } });
    expect(await api('alice', 'GET', '/v1/subscriptions/not-a-guid')).toMatchObject({ status: 400, body: { error: { field: 'params.id' } } });
  });
});

describe('subscriptions per key are limited', () => {
  it(`past ${LIMIT}, 409 SubscriptionLimitReached naming the limit and how to delete; another key is not affected`, async () => {
    const ids = [await subscribe('alice'), await subscribe('alice'), await subscribe('alice')];
    const refused = await api('alice', 'POST', '/v1/instances/b/subscriptions', { callbackUrl: 'http://127.0.0.1:9/one-more' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('SubscriptionLimitReached');
    expect(refused.body.error.message).toContain(`already holds ${LIMIT} subscriptions`);
    expect(refused.body.error.message).toContain('webhooks.maxSubscriptionsPerKey');
    expect(refused.body.error.message).toContain('DELETE /v1/subscriptions/{id}');
    expect(idsOf(await api('alice', 'GET', '/v1/subscriptions')).sort()).toEqual([...ids].sort());

    const bob = await subscribe('bob');
    expect((await api('alice', 'DELETE', `/v1/subscriptions/${ids[0]}`)).status).toBe(204);
    await subscribe('alice');
    expect((await api('alice', 'POST', '/v1/instances/b/subscriptions', { callbackUrl: 'http://127.0.0.1:9/again' })).status).toBe(409);
    expect((await api('bob', 'DELETE', `/v1/subscriptions/${bob}`)).status).toBe(204);
  });

  it('a burst of parallel requests from one key creates no more than the limit', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, (_, index) => api('carol', 'POST', '/v1/instances/b/subscriptions', { callbackUrl: `http://127.0.0.1:9/burst/${index}` })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 201, 201, 409, 409, 409, 409, 409]);
    expect(await webhooks.store.countOf('carol')).toBe(LIMIT);
  });
});
