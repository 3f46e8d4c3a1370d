/** Ensure record: every outcome, GUID and alternate key, never touching an existing record. */
import { randomUUID } from 'node:crypto';
import { ApiError } from '../../../api/src/core/ApiError';
import { context, CoreFixture } from './coreFixture';

const f = new CoreFixture();
beforeAll(() => f.start());
afterAll(() => f.stop());

describe('ensure', () => {
  test('a missing record by GUID gets a stub carrying that GUID and a Pending ec_stub row', async () => {
    const id = randomUUID();
    const result = await f.core.ensure('b', { table: 'account', key: { accountid: id }, name: 'Contoso (stub)' }, context);
    expect(result).toEqual({ id, table: 'account', outcome: 'created-stub' });
    const account = await f.get(f.b, `accounts(${id})?$select=name`);
    expect(account.body.name).toBe('Contoso (stub)');
    const row = await f.get(f.b, `ec_stubs(ec_table='account',ec_recordid='${id}')`);
    expect(row.body).toMatchObject({
      ec_name: `account:${id}`,
      ec_key: id,
      ec_recordname: 'Contoso (stub)',
      ec_sourceinstance: 'a',
      ec_stubstate: 100000000,
      ec_attempts: 0,
      ec_origin: 'test:core',
    });
  });

  test('ensuring it again answers exists-as-stub; after hydration, exists', async () => {
    const id = randomUUID();
    await f.core.ensure('b', { table: 'account', key: { accountid: id } }, context);
    expect((await f.core.ensure('b', { table: 'account', key: { accountid: id } }, context)).outcome).toBe('exists-as-stub');
    await f.core.hydrate('b', { table: 'account', key: { accountid: id }, record: { name: 'Real name' } }, context);
    expect((await f.core.ensure('b', { table: 'account', key: { accountid: id } }, context)).outcome).toBe('exists');
  });

  test('an existing (never stubbed) record answers exists and is not modified', async () => {
    const id = randomUUID();
    await fetch(`${f.b.webApiUrl}accounts(${id})`, { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'Hydrated data', telephone1: '555' }) });
    const before = await f.get(f.b, `accounts(${id})`);
    const result = await f.core.ensure('b', { table: 'account', key: { accountid: id }, name: 'Would overwrite' }, context);
    expect(result.outcome).toBe('exists');
    const after = await f.get(f.b, `accounts(${id})`);
    expect(after.body['@odata.etag']).toBe(before.body['@odata.etag']);
    expect(after.body.name).toBe('Hydrated data');
    expect((await f.get(f.b, `ec_stubs(ec_table='account',ec_recordid='${id}')`)).status).toBe(404);
  });

  test('by alternate key: the stub takes the GUID the source instance uses', async () => {
    const sourceId = randomUUID();
    await fetch(`${f.a.webApiUrl}accounts(${sourceId})`, { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'In A', accountnumber: 'ENS-SRC-1' }) });
    const result = await f.core.ensure('b', { table: 'account', key: { accountnumber: 'ENS-SRC-1' } }, context);
    expect(result).toEqual({ id: sourceId, table: 'account', outcome: 'created-stub' });
    const stub = await f.get(f.b, `accounts(accountnumber='ENS-SRC-1')?$select=name,accountnumber`);
    expect(stub.body).toMatchObject({ accountid: sourceId, accountnumber: 'ENS-SRC-1', name: 'ENS-SRC-1' });
    const row = await f.get(f.b, `ec_stubs(ec_table='account',ec_recordid='${sourceId}')`);
    expect(row.body.ec_key).toBe('{"accountnumber":"ENS-SRC-1"}');
  });

  test('by alternate key unknown at the source: a new GUID; existing by key: exists', async () => {
    const result = await f.core.ensure('b', { table: 'account', key: { accountnumber: "O'Neil,#%/1" } }, context);
    expect(result.outcome).toBe('created-stub');
    expect(result.id).toMatch(/^[0-9a-f-]{36}$/);
    const again = await f.core.ensure('b', { table: 'account', key: { accountnumber: "o'neil,#%/1" } }, context);
    expect(again).toEqual({ id: result.id, table: 'account', outcome: 'exists-as-stub' });
  });

  test('contact stubs write their name to the configured column (fullname is computed)', async () => {
    const id = randomUUID();
    await f.core.ensure('b', { table: 'contact', key: { contactid: id }, name: 'Ada' }, context);
    expect((await f.get(f.b, `contacts(${id})?$select=lastname,fullname`)).body).toMatchObject({ lastname: 'Ada', fullname: 'Ada' });
  });

  test('concurrent ensures of one missing record: one stub, one row, consistent outcomes', async () => {
    const id = randomUUID();
    const results = await Promise.all(Array.from({ length: 20 }, () => f.core.ensure('b', { table: 'account', key: { accountid: id } }, context)));
    expect(results.filter((r) => r.outcome === 'created-stub')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'exists-as-stub')).toHaveLength(19);
    expect(await f.count(f.b, 'ec_stubs', `ec_recordid eq '${id}'`)).toBe(1);
  });

  test.each([
    [{ table: 'account', key: {} }, 'InvalidKey', 'body.key'],
    [{ table: 'account', key: { accountid: 'not-a-guid' } }, 'InvalidKey', 'body.key.accountid'],
    [{ table: 'account', key: { name: 'x' } }, 'InvalidKey', 'body.key'],
    [{ table: 'account', key: { accountnumber: 'x'.repeat(1001) } }, 'InvalidKey', 'body.key.accountnumber'],
    [{ table: 'account', key: { accountnumber: 'a\u0000' } }, 'InvalidKey', 'body.key.accountnumber'],
    [{ table: 'account', key: { accountnumber: 'a\ud800' } }, 'InvalidKey', 'body.key.accountnumber'],
    [{ table: 'account', key: { accountid: randomUUID() }, name: 'a\uffff' }, 'InvalidRecord', 'body.name'],
    [{ table: 'account', key: { accountid: randomUUID() }, columns: { description: ['ok', 'a\u0001'] } }, 'InvalidRecord', 'body.columns.description[1]'],
    [{ table: 'ec_stub', key: { ec_stubid: randomUUID() } }, 'TableNotAllowed', 'body.table'],
    [{ table: 'systemuser', key: { systemuserid: randomUUID() } }, 'TableNotAllowed', 'body.table'],
    [{ table: 'account', key: { accountid: randomUUID() }, columns: { 'parentaccountid@odata.bind': '/accounts(x)' } }, 'InvalidRecord', 'body.columns.parentaccountid@odata.bind'],
  ])('refuses %j with 400 %s naming %s, writing nothing', async (input, code, field) => {
    const before = await f.count(f.b, 'accounts');
    const error = await f.core.ensure('b', input as never, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code, field });
    expect(await f.count(f.b, 'accounts')).toBe(before);
  });

  test('an unknown instance is 404', async () => {
    await expect(f.core.ensure('zz', { table: 'account', key: { accountid: randomUUID() } }, context)).rejects.toMatchObject({ status: 404, code: 'UnknownInstance' });
  });
});

describe('an instance without a source (the source itself) takes no writes', () => {
  test.each([
    ['ensure', () => f.core.ensure('a', { table: 'account', key: { accountid: randomUUID() } }, context)],
    ['submit', () => f.core.submit('a', { table: 'account', record: { name: 'Never written' } }, context)],
    ['hydrate', () => f.core.hydrate('a', { table: 'account', key: { accountid: randomUUID() }, record: { name: 'Never written' } }, context)],
  ])('%s on a: 400 naming params.instance, nothing written', async (_action, write) => {
    const before = await f.get(f.a, 'accounts?$select=accountid');
    const error = await write().then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).toBody()).toEqual({
      error: {
        code: 'InvalidRequest',
        message: "params.instance: instance 'a' has no source, so a stub written there would never be hydrated; write to an instance replicated from another (b).",
        field: 'params.instance',
      },
    });
    expect((await f.get(f.a, 'accounts?$select=accountid')).body.value).toHaveLength(before.body.value.length);
  });
});
