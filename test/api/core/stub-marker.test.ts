/**
 * The stub marker `ec_isstub` (docs/stub-marker.md) as the core writes it, against local Dataverse
 * instances over HTTP: true on every stub (ensure, submit's references, both strategies), false in the
 * hydration's change set, never on a submitted record, refused from callers; no request of its own
 * (the same round trips and batch operations as a core without the marker); a table whose schema lacks
 * the column works on without it, with one warning; `instances()` names the tables with the marker.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEnsureCore, type EnsureCore, type SubmitStrategy } from '../../../api/src/core/createEnsureCore';
import type { CoreInstance } from '../../../api/src/core/InstanceRegistry';
import { WebApiClient } from '../../../api/src/dataverse';
import { serviceWithPlacedErrors } from '../../../api/src/http/errorFields';
import { startLocalDataverse, type LocalDataverse } from '../../../api/src/local-dataverse';
import { DEFAULT_SCHEMA_PATH } from '../../../api/src/local-dataverse/schema/defaultSchema';
import { startLocalAB, type LocalAB } from '../../support/abInstances';
import { context } from './coreFixture';

const MARKED = { account: { marker: true }, contact: { nameColumn: 'lastname', marker: true } };

let ab: LocalAB;
/** The same instances with the marker on for b's tables, and as the fixture has them (off). */
let marked: CoreInstance[];
const cores = new Map<string, EnsureCore>();
function core(marker: boolean, submitStrategy: SubmitStrategy = 'single-round-trip'): EnsureCore {
  const name = `${marker}:${submitStrategy}`;
  if (!cores.has(name)) cores.set(name, serviceWithPlacedErrors(createEnsureCore({ submitStrategy, instances: marker ? marked : ab.instances })));
  return cores.get(name)!;
}

beforeAll(async () => {
  ab = await startLocalAB();
  marked = ab.instances.map((instance) => (instance.name === 'b' ? { ...instance, stubDefaults: MARKED } : instance));
  await core(false).tables('b'); // metadata is cached per client: the round trips below are the actions' own
});
afterAll(async () => {
  await Promise.all([ab.clientA.close(), ab.clientB.close()]);
  await Promise.all([ab.a.close(), ab.b.close()]);
});

async function get(instance: LocalDataverse, path: string): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const response = await fetch(`${instance.webApiUrl}${path}`);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}
const markerOf = async (entitySet: string, id: string) => (await get(ab.b, `${entitySet}(${id})?$select=ec_isstub`)).body.ec_isstub;

async function resetStats(): Promise<void> {
  await Promise.all([ab.a, ab.b].map((instance) => fetch(`${instance.url}/_admin/stats/reset`, { method: 'POST' })));
}
async function bRequests(): Promise<{ http: number; operations: number }> {
  const stats = (await (await fetch(`${ab.b.url}/_admin/stats`)).json()) as { http: { total: number }; batchOperations: { total: number } };
  return { http: stats.http.total, operations: stats.batchOperations.total };
}
/** The requests b answered for `run`. */
async function requestsOf(run: () => Promise<unknown>): Promise<{ http: number; operations: number }> {
  await resetStats();
  await run();
  return bRequests();
}

test('the marker is never offered as a field of a record schema (the connector\'s dynamic fields)', async () => {
  const record = await core(true).tableSchema('b', 'account');
  expect(Object.keys(record.properties)).toContain('name');
  expect(Object.keys(record.properties)).not.toContain('ec_isstub');
});

describe('ensure', () => {
  test('creates the stub with ec_isstub = true, in the same requests as without the marker', async () => {
    const id = randomUUID();
    const withMarker = await requestsOf(async () => expect((await core(true).ensure('b', { table: 'account', key: { accountid: id }, name: 'Stub' }, context)).outcome).toBe('created-stub'));
    expect(await markerOf('accounts', id)).toBe(true);
    const other = randomUUID();
    const without = await requestsOf(() => core(false).ensure('b', { table: 'account', key: { accountid: other }, name: 'Stub' }, context));
    expect(await markerOf('accounts', other)).toBe(false); // the column's default: the marker is off in this core
    expect(withMarker).toEqual(without);
    expect(withMarker).toEqual({ http: 2, operations: 2 }); // the look-up GET; one $batch: the stub and its ec_stub row
  });

  test('a contact stub by alternate-key-less GUID too, whatever the caller puts in columns', async () => {
    const id = randomUUID();
    await core(true).ensure('b', { table: 'contact', key: { contactid: id }, name: 'Lovelace', columns: { ec_isstub: false } }, context);
    expect(await markerOf('contacts', id)).toBe(true);
  });
});

describe.each<SubmitStrategy>(['single-round-trip', 'atomic'])('submit (%s)', (strategy) => {
  test('the stub of a missing reference is marked, the submitted record is not; no extra request', async () => {
    const submitWith = (marker: boolean) => {
      const account = randomUUID();
      let contact = '';
      return {
        account,
        contactId: () => contact,
        run: async () => {
          const result = await core(marker, strategy).submit(
            'b',
            { table: 'contact', record: { lastname: 'Submitted', ec_isstub: false, 'parentcustomerid_account@odata.bind': `/accounts(${account})` } },
            context,
          );
          expect(result.stubsCreated).toEqual([{ table: 'account', id: account, key: { accountid: account } }]);
          contact = result.id;
        },
      };
    };
    const marked = submitWith(true);
    const withMarker = await requestsOf(marked.run);
    expect(await markerOf('accounts', marked.account)).toBe(true);
    expect(await markerOf('contacts', marked.contactId())).toBe(false);
    const unmarked = submitWith(false);
    expect(await requestsOf(unmarked.run)).toEqual(withMarker);
  });

  test('an alternate-key reference: the stub is marked', async () => {
    const number = `MARK-${randomUUID().slice(0, 8)}`;
    const result = await core(true, strategy).submit('b', { table: 'contact', record: { lastname: 'By key', 'parentcustomerid_account@odata.bind': `/accounts(accountnumber='${number}')` } }, context);
    expect(result.stubsCreated).toHaveLength(1);
    expect(await markerOf('accounts', result.stubsCreated[0]!.id)).toBe(true);
  });

  test('a record carrying ec_isstub: true is refused (400 InvalidRecord, body.record.ec_isstub) and nothing is written', async () => {
    const account = randomUUID();
    const lastname = `Refused ${randomUUID()}`;
    const attempt = core(true, strategy).submit('b', { table: 'contact', record: { lastname, ec_isstub: true, 'parentcustomerid_account@odata.bind': `/accounts(${account})` } }, context);
    await expect(attempt).rejects.toMatchObject({ status: 400, code: 'InvalidRecord', field: 'body.record.ec_isstub' });
    await expect(attempt).rejects.toThrow(/^body\.record\.ec_isstub: only this service marks a record as a stub/);
    expect((await get(ab.b, `accounts(${account})`)).status).toBe(404);
    expect((await get(ab.b, `contacts?$filter=lastname eq '${lastname}'`)).body.value).toEqual([]);
  });
});

test('ec_isstub: true is refused before any request: 400 even while the target is down', async () => {
  const client = new WebApiClient({ url: ab.b.url }); // its own metadata cache: nothing known yet
  const fresh = serviceWithPlacedErrors(createEnsureCore({ instances: [marked[0]!, { ...marked[1]!, client }] }));
  await fetch(`${ab.b.url}/_admin/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"mode":"unavailable"}' });
  try {
    await expect(fresh.submit('b', { table: 'account', record: { name: 'x', ec_isstub: true } }, context)).rejects.toMatchObject({ status: 400, field: 'body.record.ec_isstub' });
    await expect(fresh.hydrate('b', { table: 'account', key: { accountid: randomUUID() }, record: { ec_isstub: true } }, context)).rejects.toMatchObject({ status: 400, field: 'body.record.ec_isstub' });
  } finally {
    await fetch(`${ab.b.url}/_admin/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"mode":"none"}' });
    await client.close();
  }
});

describe('hydrate', () => {
  test('clears the marker in the change set that marks the row Hydrated, in the same requests as without it', async () => {
    const hydrateWith = async (marker: boolean) => {
      const id = randomUUID();
      await core(marker).ensure('b', { table: 'account', key: { accountid: id }, name: 'Stub' }, context);
      const requests = await requestsOf(async () => expect((await core(marker).hydrate('b', { table: 'account', key: { accountid: id }, record: { name: 'Real' } }, context)).wasStub).toBe(true));
      return { id, requests };
    };
    const marked = await hydrateWith(true);
    expect(await markerOf('accounts', marked.id)).toBe(false);
    expect((await get(ab.b, `ec_stubs(ec_table='account',ec_recordid='${marked.id}')?$select=ec_stubstate`)).body.ec_stubstate).toBe(100000001);
    expect(marked.requests).toEqual((await hydrateWith(false)).requests);
  });

  test('a record carrying ec_isstub: true is refused and the stub stays a stub; false is accepted', async () => {
    const id = randomUUID();
    await core(true).ensure('b', { table: 'account', key: { accountid: id }, name: 'Stub' }, context);
    const attempt = core(true).hydrate('b', { table: 'account', key: { accountid: id }, record: { name: 'Real', ec_isstub: true } }, context);
    await expect(attempt).rejects.toMatchObject({ status: 400, code: 'InvalidRecord', field: 'body.record.ec_isstub' });
    expect(await markerOf('accounts', id)).toBe(true);
    expect((await core(true).hydrate('b', { table: 'account', key: { accountid: id }, record: { name: 'Real', ec_isstub: false } }, context)).wasStub).toBe(true);
    expect(await markerOf('accounts', id)).toBe(false);
  });
});

test('instances() names the tables whose stubs carry the marker', async () => {
  const instances = await core(true).instances();
  expect(instances.map(({ name, stubMarker }) => ({ name, stubMarker }))).toEqual([
    { name: 'a', stubMarker: [] },
    { name: 'b', stubMarker: ['account', 'contact'] },
  ]);
});

describe('a table whose schema has no ec_isstub', () => {
  let folder: string;
  let target: LocalDataverse;
  let client: WebApiClient;
  const warnings: string[] = [];
  let noColumn: EnsureCore;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'marker-schema-'));
    const schema = JSON.parse(readFileSync(DEFAULT_SCHEMA_PATH, 'utf8')) as { tables: Array<{ logicalName: string; columns: Record<string, unknown> }> };
    delete schema.tables.find((table) => table.logicalName === 'contact')!.columns['ec_isstub'];
    writeFileSync(join(folder, 'schema.json'), JSON.stringify(schema));
    target = await startLocalDataverse({ memory: true, schemaPath: join(folder, 'schema.json') });
    client = new WebApiClient({ url: target.url });
    noColumn = serviceWithPlacedErrors(
      createEnsureCore({
        // c is written to, so it names a source (an instance without one is refused); the source is a's.
        instances: [ab.instances.find((instance) => instance.name === 'a')!, { name: 'c', url: target.url, client, source: 'a', tables: ['account', 'contact'], stubDefaults: MARKED }],
        onStubMarkerMissing: (instance, table) => warnings.push(`${instance}.${table}`),
      }),
    );
  });
  afterAll(async () => {
    await client.close();
    await target.close();
    rmSync(folder, { recursive: true, force: true });
  });

  test('works on without the marker (ensure, submit, hydrate), warns once, and instances() leaves it out', async () => {
    const contact = randomUUID();
    expect((await noColumn.ensure('c', { table: 'contact', key: { contactid: contact }, name: 'Lovelace' }, context)).outcome).toBe('created-stub');
    const account = randomUUID();
    const submitted = await noColumn.submit('c', { table: 'account', record: { name: 'Parent', 'primarycontactid@odata.bind': `/contacts(${randomUUID()})`, 'parentaccountid@odata.bind': `/accounts(${account})` } }, context);
    expect(submitted.stubsCreated).toHaveLength(2);
    expect((await noColumn.hydrate('c', { table: 'contact', key: { contactid: contact }, record: { lastname: 'Lovelace', firstname: 'Ada' } }, context)).wasStub).toBe(true);
    const read = await fetch(`${target.webApiUrl}contacts(${contact})`);
    expect(await read.json()).toMatchObject({ lastname: 'Lovelace', firstname: 'Ada' });
    // The table that has the column still gets it.
    const parent = (await (await fetch(`${target.webApiUrl}accounts(${account})?$select=ec_isstub`)).json()) as { ec_isstub: unknown };
    expect(parent.ec_isstub).toBe(true);
    expect(warnings).toEqual(['c.contact']);
    expect((await noColumn.instances()).map((instance) => [instance.name, instance.stubMarker])).toEqual([['a', []], ['c', ['account']]]);
  });
});
