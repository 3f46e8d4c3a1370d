/**
 * The local Dataverse through an independent client, the `dynamics-web-api` npm package, configured
 * as its pitfalls file says (propagateErrors). It neither escapes key values nor accepts commas in
 * them, so keys here are pre-escaped and comma cases are covered over raw HTTP elsewhere.
 */
import { randomUUID } from 'node:crypto';
import { DynamicsWebApi } from 'dynamics-web-api';
import { LocalDataverseFixture } from './localDataverseFixture';

const dv = new LocalDataverseFixture();
let client: DynamicsWebApi;

beforeAll(async () => {
  await dv.start();
  client = new DynamicsWebApi({
    serverUrl: dv.instance.url,
    dataApi: { version: '9.2' },
    onTokenRefresh: async () => 'any-token-is-accepted',
    propagateErrors: true,
  });
});
afterAll(() => dv.stop());

/** The client passes key values verbatim: double quotes and percent-encode them first (pitfall 2). */
const key = (column: string, value: string) => `${column}=${encodeURIComponent(`'${value.replace(/'/g, "''")}'`)}`;

interface ClientError {
  status: number;
  code: string;
  message: string;
  headers?: Record<string, string>;
}

async function failure(promise: Promise<unknown>): Promise<ClientError> {
  try {
    await promise;
  } catch (error) {
    return error as ClientError;
  }
  throw new Error('expected the call to fail');
}

describe('dynamics-web-api against the local Dataverse', () => {
  test('create, retrieve with $select, update, delete', async () => {
    const id = await client.create<object, string>({ collection: 'accounts', data: { name: 'DWA', accountnumber: 'DWA-1' } });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const record = await client.retrieve({ collection: 'accounts', key: id, select: ['name', 'accountnumber'] });
    expect(record).toMatchObject({ name: 'DWA', accountnumber: 'DWA-1', accountid: id });
    await client.update({ collection: 'accounts', key: id, data: { telephone1: '42' } });
    expect((await client.retrieve({ collection: 'accounts', key: id, select: ['telephone1'] })).telephone1).toBe('42');
    await client.deleteRecord({ collection: 'accounts', key: id });
    expect((await failure(client.retrieve({ collection: 'accounts', key: id }))).status).toBe(404);
  });

  test('create with return=representation', async () => {
    const record = await client.create<object, Record<string, string>>({ collection: 'accounts', data: { name: 'Rep' }, returnRepresentation: true, select: ['name'] });
    expect(record).toMatchObject({ name: 'Rep' });
    expect(record['@odata.etag']).toMatch(/^W\/"\d+"$/);
  });

  test('conditional upserts: If-None-Match * creates once then 412; If-Match * on a missing record 404', async () => {
    const id = randomUUID();
    await client.upsert({ collection: 'accounts', key: id, data: { name: 'Stub' }, ifnonematch: '*' });
    const duplicate = await failure(client.upsert({ collection: 'accounts', key: id, data: { name: 'Overwrite' }, ifnonematch: '*' }));
    expect(duplicate.status).toBe(412);
    expect(duplicate.code).toBe('0x80040237');
    expect((await client.retrieve({ collection: 'accounts', key: id, select: ['name'] })).name).toBe('Stub');
    const missing = await failure(client.upsert({ collection: 'accounts', key: randomUUID(), data: { name: 'x' }, ifmatch: '*' }));
    expect(missing.status).toBe(404);
    expect(missing.code).toBe('0x80040217');
  });

  test.each(["O'Bryan", 'hash#tag', '100%', 'a/b', 'Zürich-東京', 'q?x=1'])('alternate key %p (escaped by the caller)', async (value) => {
    await client.upsert({ collection: 'accounts', key: key('accountnumber', value), data: { name: `k ${value}` }, ifnonematch: '*' });
    const record = await client.retrieve({ collection: 'accounts', key: key('accountnumber', value), select: ['name', 'accountnumber'] });
    expect(record).toMatchObject({ name: `k ${value}`, accountnumber: value });
  });

  test('the missing-lookup failures the product exists for', async () => {
    const byId = await failure(
      client.create({ collection: 'contacts', data: { lastname: 'x', 'parentcustomerid_account@odata.bind': `accounts(${randomUUID()})` } }),
    );
    expect(byId.status).toBe(404);
    expect(byId.code).toBe('0x80040217');
    expect(byId.message).toMatch(/^Entity 'account' With Id = [0-9a-f-]{36} Does Not Exist$/);
    const byKey = await failure(
      client.create({ collection: 'contacts', data: { lastname: 'x', 'parentcustomerid_account@odata.bind': `accounts(${key('accountnumber', 'NOT-YET')})` } }),
    );
    expect(byKey.status).toBe(404);
    expect(byKey.code).toBe('0x80060891');
  });

  test('ETag concurrency: update with a stale If-Match fails with 412', async () => {
    const id = await client.create<object, string>({ collection: 'accounts', data: { name: 'v1' } });
    const { '@odata.etag': etag } = await client.retrieve({ collection: 'accounts', key: id, select: ['name'] });
    await client.update({ collection: 'accounts', key: id, data: { name: 'v2' }, ifmatch: etag });
    const stale = await failure(client.update({ collection: 'accounts', key: id, data: { name: 'v3' }, ifmatch: etag }));
    expect(stale.status).toBe(412);
    expect(stale.code).toBe('0x80060882');
  });

  test('paging across 3 pages with retrieveAll (nextLink on the configured host)', async () => {
    const tag = `page-${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 7; i++) await client.create<object, string>({ collection: 'contacts', data: { lastname: `${tag}-${i}` } });
    const pages: number[] = [];
    let response = await client.retrieveMultiple({ collection: 'contacts', select: ['lastname'], filter: `startswith(lastname,'${tag}')`, maxPageSize: 3 });
    pages.push(response.value.length);
    while (response.oDataNextLink) {
      response = await client.retrieveMultiple({ collection: 'contacts', select: ['lastname'], maxPageSize: 3 }, response.oDataNextLink);
      pages.push(response.value.length);
    }
    expect(pages).toEqual([3, 3, 1]);
    const all = await client.retrieveAll({ collection: 'contacts', select: ['lastname'], filter: `startswith(lastname,'${tag}')`, maxPageSize: 3 });
    expect(all.value.map((v: { lastname: string }) => v.lastname).sort()).toEqual(Array.from({ length: 7 }, (_, i) => `${tag}-${i}`));
  });

  test('batch: change set with $n references commits together', async () => {
    client.startBatch();
    client.create({ collection: 'accounts', data: { name: 'Batch parent' }, contentId: '1' });
    client.create({ collection: 'contacts', data: { lastname: 'Batch child', 'parentcustomerid_account@odata.bind': '$1' }, contentId: '2' });
    const results = await client.executeBatch();
    expect(results).toHaveLength(2);
    const [accountId, contactId] = results as string[];
    const contact = await client.retrieve({ collection: 'contacts', key: contactId!, select: ['_parentcustomerid_value'] });
    expect(contact._parentcustomerid_value).toBe(accountId);
  });

  test('batch: change-set rollback — a failing second operation leaves no trace of the first', async () => {
    const marker = `dwa-rollback-${randomUUID()}`;
    client.startBatch();
    client.create({ collection: 'accounts', data: { name: marker } });
    client.create({ collection: 'contacts', data: { lastname: 'x', 'parentcustomerid_account@odata.bind': `accounts(${randomUUID()})` } });
    const error = await failure(client.executeBatch());
    expect(JSON.stringify(error)).toContain('0x80040217');
    const found = await client.retrieveMultiple({ collection: 'accounts', select: ['name'], filter: `name eq '${marker}'` });
    expect(found.value).toEqual([]);
  });

  test('batch: continue-on-error returns every response', async () => {
    const marker = `dwa-continue-${randomUUID()}`;
    client.startBatch();
    client.create({ collection: 'accounts', data: { name: marker }, inChangeSet: false });
    client.create({ collection: 'accounts', data: { name: 'x'.repeat(161) }, inChangeSet: false });
    client.retrieveMultiple({ collection: 'accounts', select: ['name'], filter: `name eq '${marker}'` });
    const results = await client.executeBatch({ continueOnError: true });
    expect(results).toHaveLength(3);
    expect(typeof results[0]).toBe('string');
    expect(JSON.stringify(results[1])).toContain('0x80044331');
    expect(results[2].value.map((v: { name: string }) => v.name)).toEqual([marker]);
  });

  test('metadata: EntityDefinitions by logical name', async () => {
    const definition = await client.retrieveEntity({ key: "LogicalName='account'", select: ['EntitySetName', 'PrimaryIdAttribute', 'PrimaryNameAttribute'] });
    expect(definition).toMatchObject({ EntitySetName: 'accounts', PrimaryIdAttribute: 'accountid', PrimaryNameAttribute: 'name' });
  });

  test('throttling surfaces as 429 with Retry-After', async () => {
    await dv.admin('POST', 'faults', { mode: 'throttle', retryAfterSeconds: 5 });
    try {
      const throttled = await failure(client.retrieveMultiple({ collection: 'accounts', top: 1 }));
      expect(throttled.status).toBe(429);
      expect(throttled.headers?.['retry-after']).toBe('5');
    } finally {
      await dv.admin('POST', 'faults', { mode: 'none' });
    }
  });
});
