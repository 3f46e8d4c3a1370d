/**
 * The stub marker `ec_isstub` (docs/stub-marker.md) and the reconciler: a hydration it makes goes
 * through the hydrate path, so the marker is cleared in the change set that marks the row Hydrated; the
 * source's own `ec_isstub` is never copied (HydrationColumns.ts), neither by default nor from a
 * configured column list.
 */
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
