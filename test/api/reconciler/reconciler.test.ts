/**
 * The hydration reconciler over real HTTP against two local Dataverse instances (a = source,
 * b = target), with its lease in the queue's database (pg-boss on in-memory PGlite):
 * hydrated within one round with one source request per round; updated by someone else → marked
 * Hydrated without writing the record; missing at the source → attempts (with backoff) → Abandoned,
 * never deleted; a hydration request is served first; a down source (or its open circuit) delays and
 * loses nothing; a stub from an alternate key is found at the source by that key; one leader at a time.
 */
import { randomUUID } from 'node:crypto';
import { context, reconcilerFixtureForFile } from './reconcilerFixture';

jest.setTimeout(60_000);

const fixture = reconcilerFixtureForFile();

beforeEach(() => {
  fixture.events.length = 0;
});

afterEach(async () => {
  await fixture.stopReconcilers();
});

/** Pending rows in b, so each test starts from settled stubs (a test leaves none Pending unless it says so). */
async function pendingIn(table = 'account'): Promise<string[]> {
  const page = await fixture.core.listStubs('b', { state: 'Pending', table, top: 5000 });
  return page.value.map((stub) => stub.recordId);
}

describe('the reconciler', () => {
  it('hydrates stubs whose source record exists within one round, through the hydrate path, reading the source once per round', async () => {
    const reconciler = fixture.reconciler();
    const accountId = await fixture.sourceAccount({ name: 'Contoso Ltd', telephone1: '+1 425 555 0100', revenue: 1200.5 });
    const contactId = randomUUID();
    await fixture.clientA.upsert('contacts', contactId, { firstname: 'Maria', lastname: 'Campbell', emailaddress1: 'maria@contoso.com' }, { condition: 'createOnly' });
    await fixture.stub(accountId);
    await fixture.stub(contactId, 'contact');
    expect((await fixture.stubRow(accountId)).state).toBe('Pending');

    const report = await reconciler.runOnce();
    expect(report.leader).toBe(true);
    expect(report.instances).toEqual([expect.objectContaining({ instance: 'b', source: 'a', examined: 2, hydrated: 2, markedExternal: 0, missing: 0, deferred: 0 })]);

    const account = await fixture.record(fixture.b, `accounts(${accountId})?$select=name,telephone1,revenue,accountnumber`);
    expect(account).toMatchObject({ name: 'Contoso Ltd', telephone1: '+1 425 555 0100', revenue: 1200.5, accountnumber: `A-${accountId.slice(0, 8)}` });
    const contact = await fixture.record(fixture.b, `contacts(${contactId})?$select=firstname,lastname,emailaddress1`);
    expect(contact).toMatchObject({ firstname: 'Maria', lastname: 'Campbell', emailaddress1: 'maria@contoso.com' });
    const row = await fixture.stubRow(accountId);
    expect(row).toMatchObject({ state: 'Hydrated', hydratedOn: expect.any(String), secondsToHydrate: expect.any(Number), attempts: 0 });
    expect(fixture.events.map((event) => [event.type, event.cause, event.table, event.recordId]).sort()).toEqual(
      [
        ['stub.hydrated', 'reconciler', 'account', accountId],
        ['stub.hydrated', 'reconciler', 'contact', contactId],
      ].sort(),
    );

    // Metadata is cached now: a round with stubs of both tables reads the source exactly once
    // (one $batch, one GET per table), and the target a fixed number of times plus two per hydration.
    const ids = await Promise.all([fixture.sourceAccount(), fixture.sourceAccount(), fixture.sourceAccount()]);
    const contactIds = [randomUUID(), randomUUID()];
    for (const id of contactIds) await fixture.clientA.upsert('contacts', id, { lastname: `Contact ${id.slice(0, 4)}` }, { condition: 'createOnly' });
    for (const id of ids) await fixture.stub(id);
    for (const id of contactIds) await fixture.stub(id, 'contact');
    await fixture.resetStats();
    const second = await reconciler.runOnce();
    expect(second.instances[0]).toMatchObject({ examined: 5, hydrated: 5 });
    expect(await fixture.requests(fixture.a)).toMatchObject({ http: 1, byMethod: { POST: 1 }, operations: 2, operationsByMethod: { GET: 2 } });
    // target: the pending query and the stub records ($batch each), then per stub the hydrate's row read and change set.
    expect((await fixture.requests(fixture.b)).http).toBe(2 + 2 * 5);
    expect(await pendingIn()).toEqual([]);
  });

  it('marks a stub that someone else updated as Hydrated without writing the record, even while the source is down', async () => {
    const reconciler = fixture.reconciler();
    const id = randomUUID(); // not in the source at all
    await fixture.stub(id);
    expect(await fixture.writeAs('replication', fixture.b, `accounts(${id})`, { name: 'Written by replication', telephone1: '+44 20 7946 0000' })).toBe(204);
    const before = await fixture.record(fixture.b, `accounts(${id})?$select=name,versionnumber,_modifiedby_value`);
    await fixture.fault(fixture.a, { mode: 'down' });
    await fixture.resetStats();
    try {
      const report = await reconciler.runOnce();
      expect(report.instances[0]).toMatchObject({ examined: 1, markedExternal: 1, hydrated: 0, missing: 0, sourceError: expect.any(String) });
    } finally {
      await fixture.fault(fixture.a, { mode: 'none' });
    }
    // One write: the ec_stub row (If-Match), no write to the account.
    expect((await fixture.requests(fixture.b)).operationsByMethod).toEqual({ GET: 2 + 1, PATCH: 1 });
    expect(await fixture.record(fixture.b, `accounts(${id})?$select=name,versionnumber,_modifiedby_value`)).toEqual(before);
    expect(await fixture.stubRow(id)).toMatchObject({ state: 'Hydrated', attempts: 0, hydratedOn: expect.any(String), secondsToHydrate: expect.any(Number) });
    expect(fixture.events).toEqual([expect.objectContaining({ type: 'stub.hydrated', cause: 'external', recordId: id, state: 'Hydrated', secondsToHydrate: expect.any(Number) })]);
    expect((await reconciler.runOnce()).instances[0]!.examined).toBe(0);
  });

  it('counts attempts on a stub missing at the source, then abandons it after maxAttempts; the row is kept', async () => {
    const reconciler = fixture.reconciler({ maxAttempts: 3 });
    const id = randomUUID();
    await fixture.stub(id);
    for (const attempt of [1, 2]) {
      const report = await reconciler.runOnce();
      expect(report.instances[0]).toMatchObject({ examined: 1, missing: 1, abandoned: 0 });
      const row = await fixture.stubRow(id);
      expect(row).toMatchObject({ state: 'Pending', attempts: attempt, lastError: expect.stringContaining(`attempt ${attempt}: account ${id} not found in the source instance 'a'`) });
    }
    expect(fixture.events).toEqual([]);
    const third = await reconciler.runOnce();
    expect(third.instances[0]).toMatchObject({ examined: 1, missing: 1, abandoned: 1 });
    expect(await fixture.stubRow(id)).toMatchObject({ state: 'Abandoned', attempts: 3, lastError: expect.stringContaining('attempt 3') });
    expect(fixture.events).toEqual([expect.objectContaining({ type: 'stub.abandoned', cause: 'reconciler', recordId: id, state: 'Abandoned', attempts: 3, lastError: expect.stringContaining('not found') })]);
    expect((await reconciler.runOnce()).instances[0]!.examined).toBe(0);
    // Never deleted: the stub and its row are still there.
    expect(await fixture.record(fixture.b, `accounts(${id})?$select=name`)).toMatchObject({ name: `Stub ${id.slice(0, 8)}` });
  });

  it('waits before trying a failed stub again (doubling), and abandons one older than abandonAfterHours', async () => {
    const reconciler = fixture.reconciler({ retryBaseSeconds: 3600, maxAttempts: 5 });
    const id = randomUUID();
    await fixture.stub(id);
    expect((await reconciler.runOnce()).instances[0]).toMatchObject({ examined: 1, missing: 1 });
    expect((await reconciler.runOnce()).instances[0]!.examined).toBe(0); // due in an hour
    await fixture.stubRow(id).then((row) => expect(row.attempts).toBe(1));
    await reconciler.stop();

    const aged = fixture.reconciler({ abandonAfterHours: 0.0005 }); // 1.8 s
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const report = await aged.runOnce();
    expect(report.instances[0]).toMatchObject({ examined: 1, missing: 1, abandoned: 1 });
    expect(await fixture.stubRow(id)).toMatchObject({ state: 'Abandoned', attempts: 2 });
  });

  it('serves a hydration request first, then the oldest stubs', async () => {
    const reconciler = fixture.reconciler({ batchSize: 1 });
    const older = await fixture.sourceAccount();
    await fixture.stub(older);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // createdon has whole seconds
    const newer = await fixture.sourceAccount();
    await fixture.stub(newer);
    // A person (another caller) asks for the newer one from the control.
    const requestedOn = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    expect(await fixture.writeAs('person', fixture.b, `ec_stubs(ec_table='account',ec_recordid='${newer}')`, { ec_hydrationrequestedon: requestedOn })).toBe(204);

    expect((await reconciler.runOnce()).instances[0]).toMatchObject({ examined: 1, hydrated: 1 });
    expect((await fixture.stubRow(newer)).state).toBe('Hydrated');
    expect((await fixture.stubRow(older)).state).toBe('Pending');
    expect((await reconciler.runOnce()).instances[0]).toMatchObject({ examined: 1, hydrated: 1 });
    expect((await fixture.stubRow(older)).state).toBe('Hydrated');
  });

  it('a hydration request on an Abandoned stub is served too: missing → one more attempt, request cleared; found → Hydrated', async () => {
    const reconciler = fixture.reconciler({ maxAttempts: 1 });
    const id = randomUUID();
    await fixture.stub(id);
    await reconciler.runOnce();
    expect((await fixture.stubRow(id)).state).toBe('Abandoned');
    const request = () => fixture.writeAs('person', fixture.b, `ec_stubs(ec_table='account',ec_recordid='${id}')`, { ec_hydrationrequestedon: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') });
    await request();
    expect((await reconciler.runOnce()).instances[0]).toMatchObject({ examined: 1, missing: 1, abandoned: 0 });
    expect(await fixture.stubRow(id)).toMatchObject({ state: 'Abandoned', attempts: 2 });
    expect((await fixture.stubRow(id)).hydrationRequestedOn).toBeNull();
    await fixture.clientA.upsert('accounts', id, { name: 'Arrived late' }, { condition: 'createOnly' });
    await request();
    expect((await reconciler.runOnce()).instances[0]).toMatchObject({ examined: 1, hydrated: 1 });
    expect((await fixture.stubRow(id)).state).toBe('Hydrated');
    expect(await fixture.record(fixture.b, `accounts(${id})?$select=name`)).toMatchObject({ name: 'Arrived late' });
  });

  it('a down source delays hydration and loses nothing; an open source circuit is not even called', async () => {
    const reconciler = fixture.reconciler();
    const ids = [await fixture.sourceAccount(), await fixture.sourceAccount()];
    for (const id of ids) await fixture.stub(id);
    await fixture.fault(fixture.a, { mode: 'down' });
    try {
      const report = await reconciler.runOnce();
      expect(report.instances[0]).toMatchObject({ examined: 2, hydrated: 0, missing: 0, deferred: 2, sourceError: expect.any(String) });
    } finally {
      await fixture.fault(fixture.a, { mode: 'none' });
    }
    for (const id of ids) expect(await fixture.stubRow(id)).toMatchObject({ state: 'Pending', attempts: 0, lastError: null });

    const openSource = fixture.instances.map((instance) => (instance.name === 'a' ? { ...instance, breaker: { snapshot: () => ({ state: 'open' as const }) } } : instance));
    await reconciler.stop(); // gives the lease to the next one
    const guarded = fixture.reconciler({}, { instances: openSource });
    await fixture.resetStats();
    expect((await guarded.runOnce()).instances[0]).toMatchObject({ examined: 2, deferred: 2, sourceError: "the circuit of 'a' is open" });
    expect((await fixture.requests(fixture.a)).http).toBe(0);
    await guarded.stop();

    expect((await fixture.reconciler().runOnce()).instances[0]).toMatchObject({ examined: 2, hydrated: 2 });
    for (const id of ids) expect((await fixture.stubRow(id)).state).toBe('Hydrated');
  });

  it('finds a stub created from an alternate key (before the source had the record) by that key', async () => {
    const reconciler = fixture.reconciler();
    const accountnumber = `K-${randomUUID().slice(0, 8)}`;
    const ensured = await fixture.core.ensure('b', { table: 'account', key: { accountnumber }, name: 'Keyed' }, context);
    expect(ensured.outcome).toBe('created-stub');
    const sourceId = await fixture.sourceAccount({ accountnumber, name: 'Keyed in A' });
    expect(sourceId).not.toBe(ensured.id);
    expect((await reconciler.runOnce()).instances[0]).toMatchObject({ examined: 1, hydrated: 1 });
    expect(await fixture.record(fixture.b, `accounts(${ensured.id})?$select=name,accountnumber`)).toMatchObject({ name: 'Keyed in A', accountnumber });
  });

  it('runs on its timer, and only the replica holding the lease works; stopping gives the lease up', async () => {
    const first = fixture.reconciler({}, { holder: 'replica-1' });
    const second = fixture.reconciler({}, { holder: 'replica-2' });
    expect((await first.runOnce()).leader).toBe(true);
    expect(await second.runOnce()).toMatchObject({ leader: false, instances: [] });
    expect((await first.runOnce()).leader).toBe(true);
    await first.stop();
    expect((await second.runOnce()).leader).toBe(true);
    await second.stop();

    const timed = fixture.reconciler({ enabled: true, intervalSeconds: 0.2 });
    const id = await fixture.sourceAccount();
    await fixture.stub(id);
    const deadline = Date.now() + 10_000;
    while ((await fixture.stubRow(id)).state !== 'Hydrated' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await fixture.stubRow(id)).state).toBe('Hydrated');
    await timed.stop();
  });
});
