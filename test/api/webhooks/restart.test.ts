/**
 * Subscriptions and queued deliveries survive a restart: pg-boss on PGlite in a data folder, a
 * subscription made and an event published while the receiver is down, everything stopped; a new
 * queue on the same folder finds the subscription and delivers the event once the receiver is up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { stubEvent } from '../../../api/src/events';
import { createQueue, type QueueBoss } from '../../../api/src/database/createQueue';
import { QUEUE_PGDATA } from '../../../api/src/database/PgliteDatabase';
import { startWebhooks, verifyWebhookSignature, type Webhooks } from '../../../api/src/webhooks';
import { seedPgliteCluster } from '../../support/pgliteTemplate';
import { waitFor, WebhookReceiver } from './webhookReceiver';

jest.setTimeout(90_000);

const silent = pino({ level: 'silent' });
const instances = [{ name: 'b', tables: ['account'] }];
let dataDir: string;
let boss: QueueBoss | undefined;
let webhooks: Webhooks | undefined;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'dve-webhooks-restart-'));
  // An empty cluster copied in (no initdb): the first open creates the queue's tables in it.
  seedPgliteCluster(join(dataDir, QUEUE_PGDATA));
});

afterAll(async () => {
  await webhooks?.stop();
  await boss?.stop({ graceful: false });
  rmSync(dataDir, { recursive: true, force: true });
});

async function open(): Promise<Webhooks> {
  boss = await createQueue({ dataDir, boss: { supervise: false, schedule: false } });
  webhooks = await startWebhooks({ boss, instances, settings: { retryDelaySeconds: 1, timeoutSeconds: 2 }, logger: silent });
  return webhooks;
}

it('keeps subscriptions and undelivered events across a restart', async () => {
  const receiver = await new WebhookReceiver().start();
  await receiver.stop(); // down: the port is known, nothing listens
  const first = await open();
  const subscription = await first.subscribe({ instance: 'b', events: ['stub.abandoned'], callbackUrl: receiver.url('/restart') });
  const event = stubEvent({ type: 'stub.abandoned', instance: 'b', table: 'account', recordId: randomUUID(), state: 'Abandoned', cause: 'reconciler', attempts: 20, lastError: 'not found' });
  expect(await first.publish(event)).toBe(1);
  await first.stop();
  await boss!.stop({ graceful: false });

  const second = await open();
  expect(await second.store.get(subscription.id)).toEqual({ ...subscription });
  await receiver.start();
  await waitFor(() => receiver.deliveries.length >= 1 || undefined, 60_000, 'the delivery after the restart');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  expect(receiver.deliveries).toHaveLength(1);
  const [delivery] = receiver.deliveries;
  expect(delivery!.body).toMatchObject({ id: event.id, type: 'stub.abandoned', subscriptionId: subscription.id });
  expect(verifyWebhookSignature(delivery!.headers['x-dve-signature'] as string, delivery!.rawBody, subscription.secret).valid).toBe(true);
  await receiver.stop();
});
