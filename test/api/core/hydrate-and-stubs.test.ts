/** Hydrate record, and the stubs listing/paging/get that the PCF control and flows read. */
import { randomUUID } from 'node:crypto';
import { createEnsureCore } from '../../../api/src/core/createEnsureCore';
import { WebApiClient } from '../../../api/src/dataverse';
import { context, CoreFixture } from './coreFixture';

const f = new CoreFixture();
beforeAll(() => f.start());
afterAll(() => f.stop());

describe('hydrate', () => {
  test('hydrating a stub upserts the full data and marks its row Hydrated with the time it took', async () => {
    const id = randomUUID();
    await f.core.ensure('b', { table: 'account', key: { accountid: id }, name: 'stub' }, context);
    const result = await f.core.hydrate('b', { table: 'account', key: { accountid: id }, record: { name: 'Contoso Ltd', telephone1: '+1 555' } }, context);
    expect(result).toMatchObject({ id, table: 'account', operation: 'updated', wasStub: true });
    expect(result.secondsToHydrate).toBeGreaterThanOrEqual(0);
    expect((await f.get(f.b, `accounts(${id})?$select=name,telephone1`)).body).toMatchObject({ name: 'Contoso Ltd', telephone1: '+1 555' });
    const row = (await f.get(f.b, `ec_stubs(ec_table='account',ec_recordid='${id}')`)).body;
    expect(row).toMatchObject({ ec_stubstate: 100000001, ec_secondstohydrate: result.secondsToHydrate });
    expect(row.ec_hydratedon).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    // Hydrating again is a plain upsert: the row stays as it was.
    const again = await f.core.hydrate('b', { table: 'account', key: { accountid: id }, record: { name: 'Contoso 2' } }, context);
    expect(again.wasStub).toBe(false);
  });

  test('hydrating by alternate key finds the stub created from a key reference', async () => {
    await f.core.ensure('b', { table: 'account', key: { accountnumber: 'HYD-K-1' } }, context);
    const result = await f.core.hydrate('b', { table: 'account', key: { accountnumber: 'HYD-K-1' }, record: { name: 'Real', telephone1: '1' } }, context);
    expect(result).toMatchObject({ operation: 'updated', wasStub: true });
    const stub = await f.core.getStub('b', 'account', result.id);
    expect(stub).toMatchObject({ state: 'Hydrated', recordId: result.id, key: { accountnumber: 'HYD-K-1' } });
  });

  test('hydrating a record that was never a stub is a plain upsert (created)', async () => {
    const id = randomUUID();
    const result = await f.core.hydrate('b', { table: 'account', key: { accountid: id }, record: { name: 'Fresh' } }, context);
    expect(result).toEqual({ id, table: 'account', operation: 'created', wasStub: false });
    expect(await f.core.getStub('b', 'account', id)).toBeUndefined();
  });

  test('a hydrate change set retried after its answer was lost (first attempt landed) is a success, not 409', async () => {
    // Hooks that send each $batch twice and answer with the second response, as the resilience layer's
    // retry after a lost answer does: the retry's If-Match on the row carries the ETag the first attempt changed.
    let batches = 0;
    const replaying = new WebApiClient({
      url: f.b.url,
      hooks: { wrap: async (request, attempt) => (request.operation === 'batch' ? (batches++, await attempt(), attempt()) : attempt()) },
    });
    const core = createEnsureCore({ instances: [{ name: 'a', url: f.a.url, client: f.clientA, tables: ['account', 'contact'], stubDefaults: {} }, { name: 'b', url: f.b.url, client: replaying, source: 'a', tables: ['account', 'contact'], stubDefaults: {} }] });
    try {
      const keys: Array<Record<string, string>> = [{ accountid: randomUUID() }, { accountnumber: `HYD-LOST-${Date.now() % 1e6}` }];
      for (const key of keys) {
        const stub = await f.core.ensure('b', { table: 'account', key, name: 'stub' }, context);
        batches = 0;
        const result = await core.hydrate('b', { table: 'account', key, record: { name: 'Hydrated once', telephone1: '42' } }, context);
        expect(batches).toBe(1); // the change set was sent (twice); its 412 led to a re-read, not to a second change set
        // Re-read: the row is already Hydrated (by the first attempt), so a plain upsert answers. The
        // caller cannot be told it was its own hydration (a concurrent one looks the same): wasStub false.
        expect(result).toEqual({ id: stub.id, table: 'account', operation: 'updated', wasStub: false });
        expect((await f.get(f.b, `accounts(${stub.id})?$select=name,telephone1`)).body).toMatchObject({ name: 'Hydrated once', telephone1: '42' });
        expect(await f.core.getStub('b', 'account', stub.id)).toMatchObject({ state: 'Hydrated', secondsToHydrate: expect.any(Number) });
      }
    } finally {
      await replaying.close();
    }
  });

  test('a stub hydrated by someone else between read and write: re-read once, then a plain upsert (wasStub false)', async () => {
    const id = randomUUID();
    await f.core.ensure('b', { table: 'account', key: { accountid: id }, name: 'stub' }, context);
    // Between the core's read of the row and its change set, another replica hydrates the stub.
    let raced = false;
    const racing = new WebApiClient({
      url: f.b.url,
      hooks: {
        wrap: async (request, attempt) => {
          if (request.operation === 'batch' && !raced) {
            raced = true;
            await f.core.hydrate('b', { table: 'account', key: { accountid: id }, record: { name: 'Other replica' } }, context);
          }
          return attempt();
        },
      },
    });
    const core = createEnsureCore({ instances: [{ name: 'a', url: f.a.url, client: f.clientA, tables: ['account', 'contact'], stubDefaults: {} }, { name: 'b', url: f.b.url, client: racing, source: 'a', tables: ['account', 'contact'], stubDefaults: {} }] });
    try {
      const result = await core.hydrate('b', { table: 'account', key: { accountid: id }, record: { name: 'This replica' } }, context);
      expect(result).toEqual({ id, table: 'account', operation: 'updated', wasStub: false });
      expect((await f.get(f.b, `accounts(${id})?$select=name`)).body.name).toBe('This replica');
      expect((await f.core.getStub('b', 'account', id))?.state).toBe('Hydrated');
    } finally {
      await racing.close();
    }
  });

  test('hydrate binds that point at missing records answer 422 and change nothing', async () => {
    const id = randomUUID();
    await f.core.ensure('b', { table: 'account', key: { accountid: id } }, context);
    await expect(
      f.core.hydrate('b', { table: 'account', key: { accountid: id }, record: { name: 'x', 'parentaccountid@odata.bind': `/accounts(${randomUUID()})` } }, context),
    ).rejects.toMatchObject({ status: 422, code: 'ReferenceNotFound' });
    expect((await f.core.getStub('b', 'account', id))?.state).toBe('Pending');
  });
});

describe('stubs', () => {
  test('list by state and table, oldest first, paging with an opaque skip token', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await f.core.ensure('b', { table: 'contact', key: { contactid: randomUUID() }, name: `page ${i}` }, context)).id);
    const seen: Array<{ recordId: string; createdOn: string }> = [];
    let page = await f.core.listStubs('b', { state: 'Pending', table: 'contact', top: 2 });
    let pages = 1;
    seen.push(...page.value);
    while (page.nextSkipToken) {
      page = await f.core.listStubs('b', { skipToken: page.nextSkipToken, top: 2 });
      seen.push(...page.value);
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(ids.length);
    expect(seen.map((s) => s.recordId).sort()).toEqual([...ids].sort());
    // Oldest first (createdon has whole seconds, as in Dataverse; ties keep a stable order).
    const times = seen.map((s) => Date.parse(s.createdOn));
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(page.value[0]).toMatchObject({ table: 'contact', state: 'Pending', attempts: 0, sourceInstance: 'a', origin: 'test:core' });
  });

  test('olderThanSeconds filters out young stubs', async () => {
    await f.core.ensure('b', { table: 'account', key: { accountid: randomUUID() } }, context);
    const old = await f.core.listStubs('b', { olderThanSeconds: 3600 });
    expect(old.value).toEqual([]);
  });

  test('a tampered skip token, a table outside the allow-list and a bad id are 400', async () => {
    await expect(f.core.listStubs('b', { skipToken: Buffer.from('http://evil.example/x').toString('base64url') })).rejects.toMatchObject({ status: 400, field: 'query.skipToken' });
    // Dataverse's own next link, as the service once passed it through: no longer a token.
    const nextLink = `${f.clientB.webApiUrl}ec_stubs?$select=ec_stubid&$filter=ec_table eq 'systemuser'`;
    await expect(f.core.listStubs('b', { skipToken: Buffer.from(nextLink).toString('base64url') })).rejects.toMatchObject({ status: 400, field: 'query.skipToken' });
    await expect(f.core.listStubs('b', { table: 'ec_stub' })).rejects.toMatchObject({ status: 400, field: 'query.table' });
    await expect(f.core.getStub('b', 'account', "x' or 1 eq 1")).rejects.toMatchObject({ status: 400, field: 'params.id' });
  });
});

describe('instances and tables', () => {
  test('instances report roles and reachability; a down instance is unreachable, not an error', async () => {
    await fetch(`${f.a.url}/_admin/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"mode":"unavailable"}' });
    try {
      const instances = await f.core.instances();
      expect(instances).toEqual([
        { name: 'a', url: f.a.url, role: 'source', title: 'a', reachable: false, error: expect.stringContaining('unavailable') },
        { name: 'b', url: f.b.url, source: 'a', role: 'target', title: 'b — replicated from a', reachable: true, stubMarker: [] },
      ]);
    } finally {
      await fetch(`${f.a.url}/_admin/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"mode":"none"}' });
    }
  });

  test('tables and the JSON schema of writable columns (lookups as binds, computed columns left out)', async () => {
    const tables = await f.core.tables('b');
    expect(tables.map((t) => [t.logicalName, t.entitySetName, t.keys])).toEqual([
      ['account', 'accounts', [{ name: 'accountnumber', attributes: ['accountnumber'] }]],
      ['contact', 'contacts', []],
    ]);
    expect(tables.map((t) => t.title)).toEqual(['Account (account)', 'Contact (contact)']);
    expect((await f.core.instances()).map((i) => i.title)).toEqual(['a', 'b — replicated from a']);
    const schema = await f.core.tableSchema('b', 'contact');
    expect(schema.properties.lastname).toMatchObject({ type: 'string', title: 'Last Name', 'x-ms-summary': 'Last Name' });
    // the table's required columns (RequiredLevel), but not state / status (Dataverse sets their defaults)
    expect(schema.required).toEqual(['lastname']);
    expect(schema.properties.statecode).toMatchObject({ type: 'integer', title: 'Status', enum: [0, 1], 'x-ms-enum-values': [{ value: 0, displayName: 'Active' }, { value: 1, displayName: 'Inactive' }] });
    expect(schema.properties.statuscode).toMatchObject({ enum: [1, 2], 'x-ms-enum-values': [{ value: 1, displayName: 'Active' }, { value: 2, displayName: 'Inactive' }] });
    expect(schema.properties['parentcustomerid_account@odata.bind']).toMatchObject({ type: 'string' });
    expect(schema.properties.fullname).toBeUndefined();
    expect(schema.properties.createdon).toBeUndefined();
    expect(schema.properties.contactid).toMatchObject({ type: 'string', format: 'uuid' });
  });
});
