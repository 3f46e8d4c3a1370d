/**
 * The per-key subscription limit holds across replicas: two Webhooks on one PostgreSQL (two pg pools,
 * as two API replicas have), a burst of parallel subscriptions for one key split between them —
 * exactly the limit is created, however the inserts interleave; other keys are not affected.
 */
import pino from 'pino';
import { createQueue, type QueueBoss } from '../../../api/src/database/createQueue';
import { SubscriptionLimitError, startWebhooks, type Webhooks } from '../../../api/src/webhooks';
import { startPostgres, type TestPostgres } from '../../support/postgres';

jest.setTimeout(120_000);

const LIMIT = 3;
const silent = pino({ level: 'silent' });
let postgres: TestPostgres;
const bosses: QueueBoss[] = [];
const replicas: Webhooks[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
  for (let i = 0; i < 2; i++) {
    const boss = await createQueue({ databaseUrl: postgres.url, boss: { supervise: false, schedule: false } });
    bosses.push(boss);
    replicas.push(await startWebhooks({ boss, instances: [{ name: 'b', tables: ['account'] }], deliver: false, settings: { maxSubscriptionsPerKey: LIMIT }, logger: silent }));
  }
});

afterAll(async () => {
  for (const webhooks of replicas) await webhooks.stop();
  for (const boss of bosses) await boss.stop({ graceful: false });
  await postgres?.stop();
});

it(`a burst of parallel subscriptions for one key on two replicas creates exactly ${LIMIT}`, async () => {
  for (const apiKey of ['burst-1', 'burst-2', 'burst-3']) {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, index) => replicas[index % 2]!.subscribe({ instance: 'b', events: ['stub.created'], callbackUrl: `http://127.0.0.1:9/${apiKey}/${index}`, apiKey })),
    );
    const created = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    expect([apiKey, created.length]).toEqual([apiKey, LIMIT]);
    expect(refused.every((reason) => reason instanceof SubscriptionLimitError)).toBe(true);
    expect(await replicas[0]!.store.countOf(apiKey)).toBe(LIMIT);
  }
  await replicas[1]!.subscribe({ instance: 'b', events: ['stub.created'], callbackUrl: 'http://127.0.0.1:9/other', apiKey: 'other' });
  expect(await replicas[0]!.store.countOf('other')).toBe(1);
});
