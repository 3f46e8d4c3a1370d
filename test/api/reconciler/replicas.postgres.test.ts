/**
 * Two replicas on PostgreSQL (Debian's, through test/support/postgres.ts): two reconcilers, each with
 * its own pg-boss and pg pool on one database — as two API processes would run — never hydrate the
 * same stub twice. Rounds run side by side: exactly one of the two leads each time; when the leader
 * stops, the other takes over; every stub is hydrated once (the target sees exactly one record write
 * and one row write per stub). A leader that dies without releasing is replaced when its lease expires.
 */
import { randomUUID } from 'node:crypto';
import { ReconcilerLease } from '../../../api/src/reconciler';
import { startPostgres, type TestPostgres } from '../../support/postgres';
import { ReconcilerFixture } from './reconcilerFixture';

jest.setTimeout(180_000);

const STUBS = 200;
let postgres: TestPostgres;
const fixture = new ReconcilerFixture();

beforeAll(async () => {
  postgres = await startPostgres();
  await fixture.start({ databaseUrl: postgres.url });
});

afterEach(async () => {
  await fixture.stopReconcilers();
});

afterAll(async () => {
  await fixture.stop();
  await postgres?.stop();
});

it('two API processes never hydrate the same stub twice, and both do work', async () => {
  const secondBoss = await fixture.openBoss(postgres.url);
  const ids: string[] = [];
  for (let i = 0; i < STUBS; i += 20) {
    const chunk = Array.from({ length: Math.min(20, STUBS - i) }, () => randomUUID());
    await Promise.all(chunk.map((id) => fixture.clientA.upsert('accounts', id, { name: `Replicated ${id.slice(0, 8)}`, telephone1: '+1 555 0199' }, { condition: 'createOnly' })));
    await Promise.all(chunk.map((id) => fixture.stub(id)));
    ids.push(...chunk);
  }
  await fixture.resetStats();

  const replicas = [
    { name: 'replica-1', reconciler: fixture.reconciler({ batchSize: 25 }, { holder: 'replica-1' }), hydrated: 0, stopped: false },
    { name: 'replica-2', reconciler: fixture.reconciler({ batchSize: 25 }, { boss: secondBoss, holder: 'replica-2' }), hydrated: 0, stopped: false },
  ];
  let rounds = 0;
  let switched = false;
  for (;;) {
    const running = replicas.filter((replica) => !replica.stopped);
    const reports = await Promise.all(running.map((replica) => replica.reconciler.runOnce()));
    rounds++;
    expect(reports.filter((report) => report.leader)).toHaveLength(1);
    let examined = 0;
    reports.forEach((report, i) => {
      running[i]!.hydrated += report.instances[0]?.hydrated ?? 0;
      examined += report.instances[0]?.examined ?? 0;
    });
    // Halfway, the leader stops (a deploy): it gives the lease up and the other replica takes over.
    if (!switched && replicas[0]!.hydrated + replicas[1]!.hydrated >= STUBS / 2) {
      const leader = running[reports.findIndex((report) => report.leader)]!;
      await leader.reconciler.stop();
      leader.stopped = true;
      switched = true;
    }
    if (examined === 0 && rounds > 1) break;
    if (rounds > 40) throw new Error('the stubs were not hydrated in 40 rounds');
  }
  expect(replicas[0]!.hydrated + replicas[1]!.hydrated).toBe(STUBS);
  expect(replicas[0]!.hydrated).toBeGreaterThan(0);
  expect(replicas[1]!.hydrated).toBeGreaterThan(0);

  // Exactly one write of each record and one of its ec_stub row: nothing hydrated twice.
  const target = await fixture.requests(fixture.b);
  expect(target.operationsByMethod['PATCH']).toBe(2 * STUBS);
  const events = fixture.events.filter((event) => event.type === 'stub.hydrated');
  expect(events).toHaveLength(STUBS);
  expect(new Set(events.map((event) => event.recordId))).toEqual(new Set(ids));
  const page = await fixture.core.listStubs('b', { state: 'Hydrated', top: 5000 });
  expect(page.value.filter((stub) => ids.includes(stub.recordId))).toHaveLength(STUBS);
});

it('a leader that dies without releasing its lease is replaced once the lease expires', async () => {
  const boss = await fixture.openBoss(postgres.url);
  const dead = new ReconcilerLease(boss.getDb(), 'reconciler', 'crashed-replica', 5);
  expect(await dead.acquire()).toBe(true);
  const survivor = fixture.reconciler({}, { holder: 'survivor' });
  expect((await survivor.runOnce()).leader).toBe(false);
  const started = Date.now();
  while (!(await survivor.runOnce()).leader) {
    if (Date.now() - started > 15_000) throw new Error('the lease never expired');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  expect(Date.now() - started).toBeGreaterThan(3000);
  expect(await dead.acquire()).toBe(false);
});
