/**
 * One stub shape: a Hydrated stub carries no `lastError`. A stub whose earlier hydration attempts
 * failed (missing at the source: `ec_lasterror` written) loses that error in the same update that
 * marks it Hydrated — whether the hydrate action marks it (a caller, or the reconciler hydrating it
 * from the source) or the reconciler marks it because someone else wrote the record. Real HTTP against
 * two local Dataverse instances (a = source, b = target).
 */
import { randomUUID } from 'node:crypto';
import { context, reconcilerFixtureForFile } from './reconcilerFixture';

jest.setTimeout(60_000);

const fixture = reconcilerFixtureForFile();

afterEach(async () => {
  await fixture.stopReconcilers();
});

/** A stub of a new account id in b whose first hydration attempt failed (not in the source yet). */
async function stubThatFailedOnce(): Promise<string> {
  const id = randomUUID();
  await fixture.stub(id);
  const report = await fixture.reconciler().runOnce();
  await fixture.stopReconcilers();
  expect(report.instances[0]).toMatchObject({ missing: 1 });
  expect(await fixture.stubRow(id)).toMatchObject({ state: 'Pending', attempts: 1, lastError: expect.stringContaining('not found in the source') });
  return id;
}

describe('a stub marked Hydrated has no last error', () => {
  it('when the hydrate action marks it', async () => {
    const id = await stubThatFailedOnce();
    const result = await fixture.core.hydrate('b', { table: 'account', key: { accountid: id }, record: { name: 'Full record' } }, context);
    expect(result).toMatchObject({ wasStub: true });
    expect(await fixture.stubRow(id)).toMatchObject({ state: 'Hydrated', lastError: null, hydratedOn: expect.any(String) });
  });

  it('when the reconciler hydrates it from the source (through the hydrate action)', async () => {
    const id = await stubThatFailedOnce();
    await fixture.clientA.upsert('accounts', id, { name: `Source ${id.slice(0, 8)}` }, { condition: 'createOnly' });
    expect((await fixture.reconciler().runOnce()).instances[0]).toMatchObject({ examined: 1, hydrated: 1 });
    expect(await fixture.stubRow(id)).toMatchObject({ state: 'Hydrated', lastError: null });
  });

  it('when the reconciler marks it because someone else wrote the record', async () => {
    const id = await stubThatFailedOnce();
    expect(await fixture.writeAs('replication', fixture.b, `accounts(${id})`, { name: 'Written by replication' })).toBe(204);
    expect((await fixture.reconciler().runOnce()).instances[0]).toMatchObject({ examined: 1, markedExternal: 1 });
    expect(await fixture.stubRow(id)).toMatchObject({ state: 'Hydrated', lastError: null });
  });
});
