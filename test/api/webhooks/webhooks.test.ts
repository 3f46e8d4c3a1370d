/**
 * Webhooks end to end over real HTTP: the API (createApp with subscriptionsRouter, the core reporting
 * its stub changes to the bus) on two local Dataverse instances, the reconciler, pg-boss on in-memory PGlite,
 * and local receivers (node:http).
 *
 * - subscribe → 201 + absolute Location + a secret shown once; invalid callback URLs, tables and
 *   instances are refused naming the field; DELETE at the Location → 204, again → 404;
 * - stub.created (an ensure through the API), stub.hydrated and stub.abandoned (the reconciler) reach
 *   every matching subscription exactly once, after the receiver refused connections and then answered
 *   503 for a while; every signature verifies; filters by event and table apply;
 * - an event's key is an object: `{ accountid: <guid> }` or the alternate key's columns;
 * - a receiver answering 410 Gone is unsubscribed and gets nothing more;
 * - an event handed over twice is delivered once.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { hashApiKey } from '../../../api/src/config/ApiKeys';
import { StubEventBus, stubEvent, type StubEvent } from '../../../api/src/events';
import { createApp } from '../../../api/src/http';
import { startWebhooks, verifyWebhookSignature, type Webhooks } from '../../../api/src/webhooks';
import { subscriptionsRouter } from '../../../api/src/http/routes/subscriptions';
import { ReconcilerFixture, silent } from '../reconciler/reconcilerFixture';
import { waitFor, WebhookReceiver, type Delivery } from './webhookReceiver';

jest.setTimeout(90_000);

const API_KEY = 'webhook-test-key-0123456789';
const fixture = new ReconcilerFixture();
const bus = new StubEventBus();
let webhooks: Webhooks;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  await fixture.start({ bus });
  webhooks = await startWebhooks({
    boss: fixture.boss,
    instances: fixture.instances.map((instance) => ({ name: instance.name, tables: instance.tables })),
    events: bus,
    settings: { retryDelaySeconds: 1, timeoutSeconds: 2, cacheSeconds: 0 },
    logger: silent,
  });
  const service = fixture.core;
  const app = createApp({ service, config: { apiKeys: [{ name: 'test', sha256: hashApiKey(API_KEY) }] }, logger: silent, routers: [subscriptionsRouter(webhooks)] });
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
  await fixture.stop();
});

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; headers: Headers; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'X-API-Key': API_KEY, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

async function subscribe(callbackUrl: string, extra: Record<string, unknown> = {}): Promise<{ id: string; secret: string; location: string }> {
  const answer = await api('POST', '/v1/instances/b/subscriptions', { callbackUrl, ...extra });
  expect(answer.status).toBe(201);
  return { id: answer.body.id, secret: answer.body.secret, location: answer.headers.get('location')! };
}

/** (event type, record id) of each delivery, after checking its signature and headers. */
function verified(deliveries: Delivery[], secret: string): Array<[string, string]> {
  return deliveries.map((delivery) => {
    expect(verifyWebhookSignature(delivery.headers['x-dve-signature'] as string, delivery.rawBody, secret)).toEqual({ valid: true, timestamp: expect.any(Number) });
    expect(delivery.headers['content-type']).toBe('application/json');
    expect(delivery.headers['x-dve-event']).toBe(delivery.body['type']);
    expect(delivery.headers['x-dve-event-id']).toBe(delivery.body['id']);
    return [String(delivery.body['type']), String(delivery.body['recordId'])];
  });
}

describe('subscriptions over HTTP', () => {
  it('subscribe answers 201 with the absolute Location and the secret once; DELETE there unsubscribes', async () => {
    const answer = await api('POST', '/v1/instances/b/subscriptions', { callbackUrl: 'https://prod-00.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=xyz', events: ['stub.hydrated'], table: 'account' });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), instance: 'b', events: ['stub.hydrated'], table: 'account', secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/), createdOn: expect.stringMatching(/Z$/) });
    expect(answer.headers.get('location')).toBe(`${baseUrl}/v1/subscriptions/${answer.body.id}`);
    expect(JSON.stringify(answer.body)).not.toContain('sig=xyz');

    const all = await api('POST', '/v1/instances/b/subscriptions', { callbackUrl: 'https://example.com/hook' });
    expect(all.body.events).toEqual(['stub.created', 'stub.hydrated', 'stub.abandoned']);
    expect(all.body).not.toHaveProperty('table');

    const location = new URL(answer.headers.get('location')!);
    expect((await api('DELETE', location.pathname)).status).toBe(204);
    expect((await api('DELETE', location.pathname)).body.error.code).toBe('NotFound');
    expect((await api('DELETE', `/v1/subscriptions/${all.body.id}`)).status).toBe(204);
  });

  it('refuses bad callback URLs, events, tables and instances, naming the field', async () => {
    const refused = async (body: unknown, status = 400) => {
      const answer = await api('POST', '/v1/instances/b/subscriptions', body);
      expect(answer.status).toBe(status);
      return answer.body.error as { code: string; field?: string; message: string };
    };
    expect(await refused({ callbackUrl: 'ftp://example.com/hook' })).toMatchObject({ code: 'InvalidRequest', field: 'body.callbackUrl' });
    expect(await refused({ callbackUrl: 'https://user:pass@example.com/hook' })).toMatchObject({ field: 'body.callbackUrl', message: expect.stringContaining('credentials') });
    expect(await refused({ callbackUrl: 'http://169.254.169.254/latest/meta-data' })).toMatchObject({ field: 'body.callbackUrl', message: expect.stringContaining('link-local') });
    expect(await refused({ callbackUrl: 'not a url' })).toMatchObject({ field: 'body.callbackUrl' });
    expect(await refused({})).toMatchObject({ field: 'body.callbackUrl', message: expect.stringContaining('required') });
    expect(await refused({ callbackUrl: 'https://example.com/hook', events: ['stub.deleted'] })).toMatchObject({ field: 'body.events[0]' });
    expect(await refused({ callbackUrl: 'https://example.com/hook', table: 'systemuser' })).toMatchObject({ code: 'TableNotAllowed', field: 'body.table' });
    expect(await refused({ callbackUrl: 'https://example.com/hook', secret: 'mine' })).toMatchObject({ field: 'body.secret' });
    const unknown = await api('POST', '/v1/instances/zz/subscriptions', { callbackUrl: 'https://example.com/hook' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('UnknownInstance');
    expect((await api('DELETE', '/v1/subscriptions/not-a-guid')).body.error.field).toBe('params.id');
    const anonymous = await fetch(`${baseUrl}/v1/subscriptions/${randomUUID()}`, { method: 'DELETE' });
    expect(anonymous.status).toBe(401);
  });
});

describe('deliveries', () => {
  it('every event reaches each matching subscription exactly once after receiver outages, signed', async () => {
    const receiver = await new WebhookReceiver().start();
    const everything = await subscribe(receiver.url('/all'));
    const hydratedAccounts = await subscribe(receiver.url('/hydrated-accounts'), { events: ['stub.hydrated'], table: 'account' });
    await receiver.stop(); // outage 1: connections refused

    // stub.created ×3 through the API; then the reconciler: two hydrated, one abandoned.
    const accountId = await fixture.sourceAccount();
    const contactId = randomUUID();
    await fixture.clientA.upsert('contacts', contactId, { lastname: 'Hooked' }, { condition: 'createOnly' });
    const missingId = randomUUID();
    for (const [table, id] of [['account', accountId], ['contact', contactId], ['account', missingId]] as const) {
      const ensured = await api('POST', '/v1/instances/b/ensure', { table, key: { [`${table}id`]: id } });
      expect(ensured.body.outcome).toBe('created-stub');
    }
    const reconciler = fixture.reconciler({ maxAttempts: 1 });
    expect((await reconciler.runOnce()).instances[0]).toMatchObject({ examined: 3, hydrated: 2, abandoned: 1 });
    await fixture.stopReconcilers();

    await new Promise((resolve) => setTimeout(resolve, 1500));
    receiver.status = 503; // outage 2: answers, but 503
    await receiver.start();
    await waitFor(() => receiver.attempts.length >= 3 || undefined, 30_000, 'attempts during the 503 outage');
    receiver.status = 200;

    const expectedAll = [
      ['stub.created', accountId],
      ['stub.created', contactId],
      ['stub.created', missingId],
      ['stub.hydrated', accountId],
      ['stub.hydrated', contactId],
      ['stub.abandoned', missingId],
    ].sort();
    await waitFor(() => receiver.at('/all').length >= 6 && receiver.at('/hydrated-accounts').length >= 1 || undefined, 60_000, 'every delivery');
    await new Promise((resolve) => setTimeout(resolve, 2500)); // nothing more arrives
    expect(verified(receiver.at('/all'), everything.secret).sort()).toEqual(expectedAll);
    expect(verified(receiver.at('/hydrated-accounts'), hydratedAccounts.secret)).toEqual([['stub.hydrated', accountId]]);
    expect(receiver.attempts.some((attempt) => attempt.status === 503)).toBe(true);

    const hydrated = receiver.at('/all').find((delivery) => delivery.body['type'] === 'stub.hydrated' && delivery.body['recordId'] === accountId)!;
    expect(hydrated.body).toEqual({
      id: expect.any(String),
      type: 'stub.hydrated',
      occurredOn: expect.any(String),
      instance: 'b',
      table: 'account',
      recordId: accountId,
      state: 'Hydrated',
      cause: 'reconciler',
      key: { accountid: accountId },
      secondsToHydrate: expect.any(Number),
      subscriptionId: everything.id,
    });
    expect(Number(hydrated.headers['x-dve-delivery-attempt'])).toBeGreaterThan(1);
    const abandoned = receiver.at('/all').find((delivery) => delivery.body['type'] === 'stub.abandoned')!;
    expect(abandoned.body).toMatchObject({ state: 'Abandoned', attempts: 1, lastError: expect.stringContaining('not found'), key: { accountid: missingId } });
    // The secret of one subscription does not verify another's deliveries.
    expect(verifyWebhookSignature(hydrated.headers['x-dve-signature'] as string, hydrated.rawBody, hydratedAccounts.secret).valid).toBe(false);

    await api('DELETE', `/v1/subscriptions/${everything.id}`);
    await api('DELETE', `/v1/subscriptions/${hydratedAccounts.id}`);
    await receiver.stop();
  });

  it("an event's key is an object of columns: the primary id column for a GUID key, an alternate key's columns", async () => {
    const receiver = await new WebhookReceiver().start();
    const subscription = await subscribe(receiver.url('/keys'), { events: ['stub.created'], table: 'account' });
    const byId = randomUUID();
    const number = `HOOK-${randomUUID().slice(0, 8)}`;
    await api('POST', '/v1/instances/b/ensure', { table: 'account', key: { accountid: byId.toUpperCase() } });
    const byNumber = (await api('POST', '/v1/instances/b/ensure', { table: 'account', key: { accountnumber: number } })).body.id as string;
    await waitFor(() => receiver.deliveries.length >= 2 || undefined, 20_000, 'both deliveries');
    const keys = Object.fromEntries(receiver.deliveries.map((delivery) => [delivery.body['recordId'], delivery.body['key']]));
    expect(keys).toEqual({ [byId]: { accountid: byId }, [byNumber]: { accountnumber: number } });
    await api('DELETE', `/v1/subscriptions/${subscription.id}`);
    await receiver.stop();
  });

  it('a receiver answering 410 Gone is unsubscribed and gets nothing more', async () => {
    const receiver = await new WebhookReceiver().start();
    receiver.status = 410;
    const gone = await subscribe(receiver.url('/gone'), { events: ['stub.created'] });
    await api('POST', '/v1/instances/b/ensure', { table: 'account', key: { accountid: randomUUID() } });
    await waitFor(() => receiver.attempts.length >= 1 || undefined, 20_000, 'the first delivery');
    await waitFor(async () => ((await webhooks.store.get(gone.id)) === undefined ? true : undefined), 10_000, 'the unsubscription');
    receiver.status = 200;
    await api('POST', '/v1/instances/b/ensure', { table: 'account', key: { accountid: randomUUID() } });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(receiver.attempts).toEqual([{ path: '/gone', status: 410 }]);
    expect((await api('DELETE', `/v1/subscriptions/${gone.id}`)).status).toBe(404);
    await receiver.stop();
  });

  it('an event handed over twice is delivered once per subscription', async () => {
    const receiver = await new WebhookReceiver().start();
    const subscription = await subscribe(receiver.url('/twice'), { events: ['stub.created'] });
    const event: StubEvent = stubEvent({ type: 'stub.created', instance: 'b', table: 'contact', recordId: randomUUID(), state: 'Pending', cause: 'submit' });
    expect(await webhooks.publish(event)).toBe(1);
    expect(await webhooks.publish(event)).toBe(1);
    await bus.emit(event);
    await waitFor(() => receiver.deliveries.length >= 1 || undefined, 20_000, 'the delivery');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(receiver.deliveries.map((delivery) => delivery.body['id'])).toEqual([event.id]);
    // Other instances' and other events' stubs do not match.
    expect(await webhooks.publish(stubEvent({ type: 'stub.created', instance: 'a', table: 'contact', recordId: randomUUID(), state: 'Pending', cause: 'submit' }))).toBe(0);
    expect(await webhooks.publish(stubEvent({ type: 'stub.hydrated', instance: 'b', table: 'contact', recordId: randomUUID(), state: 'Hydrated', cause: 'hydrate' }))).toBe(0);
    await api('DELETE', `/v1/subscriptions/${subscription.id}`);
    await receiver.stop();
  });
});
