/**
 * The stub marker `ec_isstub` (docs/stub-marker.md) and the reconciler: a hydration it makes goes
 * through the hydrate path, so the marker is cleared in the change set that marks the row Hydrated; the
 * source's own `ec_isstub` is never copied (HydrationColumns.ts), neither by default nor from a
 * configured column list. A stub someone else hydrated (replication, a person) has its marker cleared
 * in the change set that marks its row Hydrated: one record PATCH, only where the table uses the marker
 * and the record still says Yes.
 */
import { randomUUID } from 'node:crypto';
import { createEnsureCore } from '../../../api/src/core/createEnsureCore';
import type { EntityMetadata } from '../../../api/src/dataverse';
import { hydrationColumns } from '../../../api/src/reconciler/HydrationColumns';
import { reconcilerFixtureForFile } from './reconcilerFixture';

jest.setTimeout(60_000);

const fixture = reconcilerFixtureForFile();

beforeAll(() => {
  // The marker on for b's tables (the fixture's instances have it off), in a core that sees it.
  const b = fixture.instances.find((instance) => instance.name === 'b')!;
  b.stubDefaults = { account: { marker: true }, contact: { nameColumn: 'lastname', marker: true } };
  fixture.core = createEnsureCore({ instances: fixture.instances });
});

afterEach(async () => {
  await fixture.stopReconcilers();
});

it('a stub hydrated by the reconciler has ec_isstub = false; the source value (here true) is not copied', async () => {
  const id = await fixture.sourceAccount({ name: 'Marked at the source', ec_isstub: true });
  await fixture.stub(id);
  expect((await fixture.record(fixture.b, `accounts(${id})?$select=ec_isstub`)).ec_isstub).toBe(true);
  const report = await fixture.reconciler().runOnce();
  expect(report.instances[0]).toMatchObject({ examined: 1, hydrated: 1, failed: 0 });
  expect(await fixture.record(fixture.b, `accounts(${id})?$select=name,ec_isstub`)).toMatchObject({ name: 'Marked at the source', ec_isstub: false });
  expect((await fixture.stubRow(id)).state).toBe('Hydrated');
});

it('hydrationColumns leaves ec_isstub out, from metadata and from a configured list', async () => {
  const [target, source]: EntityMetadata[] = await Promise.all([fixture.clientB.getEntityMetadata('account'), fixture.clientA.getEntityMetadata('account')]);
  expect(target!.attributes.some((attribute) => attribute.logicalName === 'ec_isstub')).toBe(true);
  expect(hydrationColumns(target!, source!, undefined)).not.toContain('ec_isstub');
  expect(hydrationColumns(target!, source!, ['name', 'ec_isstub'])).toEqual(['name']);
});

describe('a stub hydrated by someone else', () => {
  /** A stub of a new account (ec_isstub = true), then written by replication under its own user. */
  async function stubWrittenByReplication(body: Record<string, unknown>): Promise<string> {
    const id = randomUUID(); // not in the source: only the external mark can complete it
    await fixture.stub(id);
    expect((await fixture.record(fixture.b, `accounts(${id})?$select=ec_isstub`)).ec_isstub).toBe(true);
    expect(await fixture.writeAs('replication', fixture.b, `accounts(${id})`, body)).toBe(204);
    await fixture.resetStats();
    return id;
  }

  it('has ec_isstub cleared in the change set that marks its row Hydrated; the data replication wrote is kept', async () => {
    const id = await stubWrittenByReplication({ name: 'Written by replication', telephone1: '+44 20 7946 0000' });
    const report = await fixture.reconciler().runOnce();
    expect(report.instances[0]).toMatchObject({ examined: 1, markedExternal: 1, hydrated: 0, missing: 0, deferred: 0 });
    // Two $batch reads (pending rows, the stub records) and one $batch with the change set: row + record.
    const requests = await fixture.requests(fixture.b);
    expect(requests.byMethod).toEqual({ POST: 3 });
    expect(requests.operationsByMethod).toEqual({ GET: 2 + 1, PATCH: 2 });
    expect(await fixture.record(fixture.b, `accounts(${id})?$select=name,telephone1,ec_isstub`)).toMatchObject({ name: 'Written by replication', telephone1: '+44 20 7946 0000', ec_isstub: false });
    expect(await fixture.stubRow(id)).toMatchObject({ state: 'Hydrated', attempts: 0 });
    expect(fixture.events.filter((event) => event.recordId === id)).toEqual([expect.objectContaining({ type: 'stub.hydrated', cause: 'external', state: 'Hydrated' })]);
  });

  it('is marked without a record write where the table does not use the marker (ec_isstub left as it is)', async () => {
    const id = await stubWrittenByReplication({ name: 'Written by replication' });
    const unmarked = fixture.instances.map((instance) => (instance.name === 'b' ? { ...instance, stubDefaults: {} } : instance));
    const report = await fixture.reconciler({}, { instances: unmarked }).runOnce();
    expect(report.instances[0]).toMatchObject({ examined: 1, markedExternal: 1 });
    expect((await fixture.requests(fixture.b)).operationsByMethod).toEqual({ GET: 2 + 1, PATCH: 1 });
    expect((await fixture.record(fixture.b, `accounts(${id})?$select=ec_isstub`)).ec_isstub).toBe(true);
    expect((await fixture.stubRow(id)).state).toBe('Hydrated');
  });

  it('is marked without a record write when replication already wrote ec_isstub = false', async () => {
    const id = await stubWrittenByReplication({ name: 'Written by replication', ec_isstub: false });
    const report = await fixture.reconciler().runOnce();
    expect(report.instances[0]).toMatchObject({ examined: 1, markedExternal: 1 });
    expect((await fixture.requests(fixture.b)).operationsByMethod).toEqual({ GET: 2 + 1, PATCH: 1 });
    expect((await fixture.stubRow(id)).state).toBe('Hydrated');
  });

  it('is marked alone when the target refuses the record write (the row does not come back Pending every round)', async () => {
    const id = await stubWrittenByReplication({ name: 'Written by replication' });
    // b refuses the marker's record write as a plug-in would: the record part carries a column b does
    // not have (400 "Invalid property"), which rolls back its change set, row mark included.
    const refusing = Object.create(fixture.clientB) as typeof fixture.clientB;
    refusing.executeBatch = (items, options) =>
      fixture.clientB.executeBatch(
        items.map((item) => ('changeSet' in item ? { changeSet: item.changeSet.map((operation) => (operation.contentId?.startsWith('record') ? { ...operation, body: { ...operation.body, nosuchcolumn: 1 } } : operation)) } : item)),
        options,
      );
    const instances = fixture.instances.map((instance) => (instance.name === 'b' ? { ...instance, client: refusing } : instance));
    const report = await fixture.reconciler({}, { instances }).runOnce();
    expect(report.instances[0]).toMatchObject({ examined: 1, markedExternal: 1, deferred: 0 });
    // The change set (row + record) failed; the row alone was then marked.
    expect((await fixture.requests(fixture.b)).operationsByMethod).toEqual({ GET: 2 + 1, PATCH: 3 });
    expect(await fixture.stubRow(id)).toMatchObject({ state: 'Hydrated', attempts: 0 });
    expect((await fixture.record(fixture.b, `accounts(${id})?$select=ec_isstub`)).ec_isstub).toBe(true);
  });

  it('stays Pending when the record was deleted before the mark (the change set fails as a whole; no record is re-created)', async () => {
    const id = await stubWrittenByReplication({ name: 'Written by replication' });
    // The record goes between the reconciler's read and its change set: a second stub, hydrated from the
    // source in the same round (before the row updates), deletes it on its way through the service.
    const other = await fixture.sourceAccount();
    await fixture.stub(other);
    const service = {
      hydrate: async (...args: Parameters<typeof fixture.core.hydrate>) => {
        expect((await fetch(`${fixture.b.webApiUrl}accounts(${id})`, { method: 'DELETE' })).status).toBe(204);
        return fixture.core.hydrate(...args);
      },
    };
    const report = await fixture.reconciler({}, { service }).runOnce();
    expect(report.instances[0]).toMatchObject({ examined: 2, hydrated: 1, markedExternal: 0, deferred: 1 });
    expect((await fetch(`${fixture.b.webApiUrl}accounts(${id})`)).status).toBe(404);
    expect((await fixture.stubRow(id)).state).toBe('Pending');
  });
});
