/**
 * Stub changes reported where the `ec_stub` rows are written (core/stubs/StubRepository.ts), with the
 * real core on two local Dataverse instances: stub.created for what ensure and submit created (the
 * key as columns: the primary id or the alternate key), stub.hydrated for what hydrate marked (cause
 * hydrate, or reconciler when the reconciler runs it; with the key either way), nothing for what was not written; a listener that fails fails nothing. And
 * the stub queries the preview uses: requestHydration, and the summary's count of recent hydrations.
 */
import { randomUUID } from 'node:crypto';
import { StubEventBus, type StubEvent } from '../../../api/src/events';
import { context, CoreFixture } from './coreFixture';

jest.setTimeout(60_000);

const listenerErrors: unknown[] = [];
const bus = new StubEventBus((error) => listenerErrors.push(error));
const events: StubEvent[] = [];
bus.subscribe((event) => {
  events.push(event);
});
const fixture = new CoreFixture();

beforeAll(() => fixture.start(undefined, bus));
afterAll(() => fixture.stop());
beforeEach(() => {
  events.length = 0;
  listenerErrors.length = 0;
});

const facts = (event: StubEvent) => [event.type, event.cause, event.table, event.recordId, event.key ?? null, typeof event.secondsToHydrate];

describe('stub changes as events', () => {
  it('ensure and submit report the stubs they created, with the key as columns', async () => {
    const id = randomUUID();
    await fixture.core.ensure('b', { table: 'account', key: { accountid: id.toUpperCase() } }, context);
    const number = `EV-${randomUUID().slice(0, 8)}`;
    const submitted = await fixture.core.submit('b', { table: 'contact', record: { lastname: 'Events' }, references: { parentcustomerid_account: { table: 'account', key: { accountnumber: number } } } }, context);
    const stubId = submitted.stubsCreated[0]!.id;
    expect(events.map(facts)).toEqual([
      ['stub.created', 'ensure', 'account', id, { accountid: id }, 'undefined'],
      ['stub.created', 'submit', 'account', stubId, { accountnumber: number }, 'undefined'],
    ]);
    expect((await fixture.core.getStub('b', 'account', stubId))!.key).toEqual(events[1]!.key);
    expect(new Set(events.map((event) => event.id)).size).toBe(2);
    expect(events.every((event) => event.instance === 'b' && event.state === 'Pending')).toBe(true);

    // Found again: nothing created, nothing reported.
    expect((await fixture.core.ensure('b', { table: 'account', key: { accountid: id } }, context)).outcome).toBe('exists-as-stub');
    expect(events).toHaveLength(2);
  });

  it('hydrate reports the stub it marked (cause hydrate, or reconciler), a plain upsert nothing', async () => {
    const byCaller = randomUUID();
    const byReconciler = randomUUID();
    for (const id of [byCaller, byReconciler]) await fixture.core.ensure('b', { table: 'account', key: { accountid: id } }, context);
    events.length = 0;
    await fixture.core.hydrate('b', { table: 'account', key: { accountid: byCaller }, record: { name: 'Hydrated' } }, context);
    await fixture.core.hydrate('b', { table: 'account', key: { accountid: byReconciler }, record: { name: 'Hydrated' } }, { origin: 'reconciler', byReconciler: true });
    await fixture.core.hydrate('b', { table: 'account', key: { accountid: byCaller }, record: { name: 'Again' } }, context);
    await fixture.core.hydrate('b', { table: 'account', key: { accountid: randomUUID() }, record: { name: 'Never a stub' } }, context);
    expect(events.map(facts)).toEqual([
      ['stub.hydrated', 'hydrate', 'account', byCaller, { accountid: byCaller }, 'number'],
      ['stub.hydrated', 'reconciler', 'account', byReconciler, { accountid: byReconciler }, 'number'],
    ]);
    expect(events.every((event) => event.state === 'Hydrated')).toBe(true);
  });

  it('a listener that fails fails nothing: the stub is created and tracked', async () => {
    const unsubscribe = bus.subscribe(() => {
      throw new Error('listener down');
    });
    try {
      const id = randomUUID();
      expect((await fixture.core.ensure('b', { table: 'account', key: { accountid: id } }, context)).outcome).toBe('created-stub');
      expect(listenerErrors).toHaveLength(1);
      expect((await fixture.core.getStub('b', 'account', id))?.state).toBe('Pending');
      expect(events.map((event) => event.recordId)).toEqual([id]);
    } finally {
      unsubscribe();
    }
  });
});

describe('stub queries of the local preview', () => {
  it('requestHydration stamps the row; another id is 404, a malformed one 400', async () => {
    const id = randomUUID();
    await fixture.core.ensure('b', { table: 'contact', key: { contactid: id } }, context);
    const stub = (await fixture.core.getStub('b', 'contact', id))!;
    expect(stub.hydrationRequestedOn).toBeNull();
    await fixture.core.requestHydration('b', stub.id.toUpperCase(), new Date('2026-11-26T12:00:00.000Z'));
    expect(Date.parse((await fixture.core.getStub('b', 'contact', id))!.hydrationRequestedOn!)).toBe(Date.parse('2026-11-26T12:00:00Z'));
    await expect(fixture.core.requestHydration('b', id, new Date())).rejects.toMatchObject({ status: 404, code: 'NotFound', message: `Instance "b" has no ec_stub row ${id}.` });
    await expect(fixture.core.requestHydration('b', 'not-a-guid', new Date())).rejects.toMatchObject({ status: 400, field: 'params.id' });
    await expect(fixture.core.requestHydration('zz', id, new Date())).rejects.toMatchObject({ status: 404, code: 'UnknownInstance' });
  });

  it('the summary counts recent hydrations only when asked', async () => {
    const id = randomUUID();
    await fixture.core.ensure('b', { table: 'account', key: { accountid: id } }, context);
    await fixture.core.hydrate('b', { table: 'account', key: { accountid: id }, record: { name: 'Recent' } }, context);
    const plain = await fixture.core.stubSummary('b');
    expect(plain).not.toHaveProperty('hydratedRecently');
    const asked = await fixture.core.stubSummary('b', { hydratedWithinSeconds: 3600 });
    expect(asked.hydratedRecently).toEqual({ withinSeconds: 3600, count: plain.counts.hydrated });
    expect(asked.counts.hydrated).toBeGreaterThanOrEqual(1);
  });
});
