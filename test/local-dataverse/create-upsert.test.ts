/** ref 1 (create) and 2 (update / upsert), over raw HTTP. */
import { randomUUID } from 'node:crypto';
import { GUID, keyLiteral, LocalDataverseFixture } from './localDataverseFixture';

const dv = new LocalDataverseFixture();
beforeAll(() => dv.start());
afterAll(() => dv.stop());

describe('create (ref 1)', () => {
  test('1.1 POST answers 204 with OData-EntityId and no body', async () => {
    const r = await dv.request('POST', 'accounts', { name: 'Contoso' });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expect(r.headers.get('OData-Version')).toBe('4.0');
    expect(r.headers.get('OData-EntityId')).toMatch(new RegExp(`^${dv.api.replace(/[.$]/g, '\\$&')}accounts\\([0-9a-f-]{36}\\)$`));
  });

  test('1.2 return=representation answers 201 with the record, ETag, context and no OData-EntityId', async () => {
    const r = await dv.request('POST', 'accounts?$select=name,revenue', { name: 'Fabrikam', revenue: 1000 }, { Prefer: 'return=representation' });
    expect(r.status).toBe(201);
    expect(r.headers.get('Preference-Applied')).toBe('return=representation');
    expect(r.headers.get('OData-EntityId')).toBeNull();
    const body = r.json();
    expect(body['@odata.context']).toBe(`${dv.api}$metadata#accounts(name,revenue)/$entity`);
    expect(body['@odata.etag']).toMatch(/^W\/"\d+"$/);
    expect(r.headers.get('ETag')).toBe(body['@odata.etag']);
    expect(body).toMatchObject({ name: 'Fabrikam', revenue: 1000 });
    expect(body.accountid).toMatch(GUID);
    expect(Object.keys(body).sort()).toEqual(['@odata.context', '@odata.etag', 'accountid', 'name', 'revenue']);
  });

  test('1.3 a primary key in the body is used as the id', async () => {
    const id = randomUUID();
    expect(await dv.create('accounts', { accountid: id, name: 'Given id' })).toBe(id);
  });

  test('1.4 POST with an existing primary key answers 412 0x80040237', async () => {
    const id = await dv.create('accounts', { name: 'Dup' });
    const r = await dv.request('POST', 'accounts', { accountid: id, name: 'Dup again' });
    expect(r.status).toBe(412);
    expect(r.json().error.code).toBe('0x80040237');
    const unchanged = await dv.request('GET', `accounts(${id})?$select=name`);
    expect(unchanged.json().name).toBe('Dup');
  });

  test('1.5 unknown property answers 400 0x0 naming it', async () => {
    const r = await dv.request('POST', 'accounts', { Name: 'Wrong case' });
    expect(r.status).toBe(400);
    expect(r.json().error).toEqual({ code: '0x0', message: "Invalid property 'Name' was found in entity 'Microsoft.Dynamics.CRM.account'." });
  });

  test('1.6 unknown entity set answers 404 0x8006088a (names are case-sensitive)', async () => {
    const r = await dv.request('POST', 'Accounts', { name: 'x' });
    expect(r.status).toBe(404);
    expect(r.json().error).toEqual({ code: '0x8006088a', message: "Resource not found for the segment 'Accounts'." });
  });

  test('system columns are maintained by the server', async () => {
    const id = await dv.create('accounts', { name: 'Audited' });
    const body = (await dv.request('GET', `accounts(${id})`)).json();
    expect(body.createdon).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(body.modifiedon).toBe(body.createdon);
    expect(body._createdby_value).toMatch(GUID);
    expect(body.statecode).toBe(0);
    expect(body.statuscode).toBe(1);
    expect(body.telephone1).toBeNull(); // ref 4.4: null columns are present
  });

  test('computed contact.fullname follows firstname and lastname', async () => {
    const id = await dv.create('contacts', { firstname: 'Joe', lastname: 'Smith' });
    expect((await dv.request('GET', `contacts(${id})?$select=fullname`)).json().fullname).toBe('Joe Smith');
  });
});

describe('update and upsert (ref 2)', () => {
  test('2.1 PATCH without conditions upserts: 204 both times, record created then updated', async () => {
    const id = randomUUID();
    const created = await dv.request('PATCH', `accounts(${id})`, { name: 'Upserted' });
    expect(created.status).toBe(204);
    expect(created.headers.get('OData-EntityId')).toBe(`${dv.api}accounts(${id})`);
    const updated = await dv.request('PATCH', `accounts(${id})`, { telephone1: '555' });
    expect(updated.status).toBe(204);
    const body = (await dv.request('GET', `accounts(${id})?$select=name,telephone1`)).json();
    expect(body).toMatchObject({ name: 'Upserted', telephone1: '555' });
  });

  test('2.2 return=representation: 201 when created, 200 when updated, with ETag', async () => {
    const id = randomUUID();
    const created = await dv.request('PATCH', `accounts(${id})`, { name: 'R' }, { Prefer: 'return=representation' });
    expect(created.status).toBe(201);
    expect(created.headers.get('ETag')).toMatch(/^W\/"\d+"$/);
    const updated = await dv.request('PATCH', `accounts(${id})`, { name: 'R2' }, { Prefer: 'return=representation' });
    expect(updated.status).toBe(200);
    expect(updated.json().name).toBe('R2');
    expect(updated.headers.get('ETag')).not.toBe(created.headers.get('ETag'));
  });

  test('2.3 If-Match: * updates an existing record and answers 404 0x80040217 for a missing one', async () => {
    const id = await dv.create('accounts', { name: 'Existing' });
    expect((await dv.request('PATCH', `accounts(${id})`, { name: 'Changed' }, { 'If-Match': '*' })).status).toBe(204);
    const missing = randomUUID();
    const r = await dv.request('PATCH', `accounts(${missing})`, { name: 'Nope' }, { 'If-Match': '*' });
    expect(r.status).toBe(404);
    expect(r.json().error).toEqual({ code: '0x80040217', message: `Entity 'account' With Id = ${missing} Does Not Exist` });
    expect((await dv.request('GET', `accounts(${missing})`)).status).toBe(404);
  });

  test('2.4 If-None-Match: * creates a missing record and answers 412 0x80040237 for an existing one, changing nothing', async () => {
    const id = randomUUID();
    expect((await dv.request('PATCH', `accounts(${id})`, { name: 'Stub' }, { 'If-None-Match': '*' })).status).toBe(204);
    const again = await dv.request('PATCH', `accounts(${id})`, { name: 'Overwrite?' }, { 'If-None-Match': '*' });
    expect(again.status).toBe(412);
    expect(again.json().error).toEqual({ code: '0x80040237', message: 'A record with matching key values already exists.' });
    expect((await dv.request('GET', `accounts(${id})?$select=name`)).json().name).toBe('Stub');
  });

  test('2.5 If-Match and If-None-Match together answer 400', async () => {
    const r = await dv.request('PATCH', `accounts(${randomUUID()})`, { name: 'x' }, { 'If-Match': '*', 'If-None-Match': '*' });
    expect(r.status).toBe(400);
  });

  test('2.9 upsert by alternate key: URL key copied on create; key columns in the body ignored on update', async () => {
    const created = await dv.request('PATCH', `accounts(accountnumber=${keyLiteral('UP-1')})`, { name: 'By key' });
    expect(created.status).toBe(204);
    expect(created.headers.get('OData-EntityId')).toBe(`${dv.api}accounts(accountnumber=${keyLiteral('UP-1')})`);
    const record = (await dv.request('GET', `accounts(accountnumber=${keyLiteral('UP-1')})?$select=name,accountnumber`)).json();
    expect(record).toMatchObject({ name: 'By key', accountnumber: 'UP-1' });
    await dv.request('PATCH', `accounts(accountnumber=${keyLiteral('UP-1')})`, { name: 'Renamed', accountnumber: 'UP-2' });
    const after = (await dv.request('GET', `accounts(${record.accountid})?$select=name,accountnumber`)).json();
    expect(after).toMatchObject({ name: 'Renamed', accountnumber: 'UP-1' });
  });

  test('2.9 upsert by alternate key with If-Match: * on a missing key answers 404 0x80060891', async () => {
    const r = await dv.request('PATCH', `accounts(accountnumber=${keyLiteral('NOPE-1')})`, { name: 'x' }, { 'If-Match': '*' });
    expect(r.status).toBe(404);
    expect(r.json().error.code).toBe('0x80060891');
  });

  test('2.10 a second record with the same alternate key answers 412 0x80060892', async () => {
    await dv.create('accounts', { name: 'First', accountnumber: 'UNIQ-1' });
    const r = await dv.request('POST', 'accounts', { name: 'Second', accountnumber: 'uniq-1' });
    expect(r.status).toBe(412);
    expect(r.json().error.code).toBe('0x80060892');
    expect(r.json().error.message).toContain('Entity Key accountnumber violated');
  });

  test('2.11 null clears a column', async () => {
    const id = await dv.create('accounts', { name: 'Clear me', telephone1: '1' });
    await dv.request('PATCH', `accounts(${id})`, { telephone1: null });
    expect((await dv.request('GET', `accounts(${id})?$select=telephone1`)).json().telephone1).toBeNull();
  });

  test('2.12 DELETE removes a record; a missing one answers 404', async () => {
    const id = await dv.create('accounts', { name: 'Delete me' });
    expect((await dv.request('DELETE', `accounts(${id})`)).status).toBe(204);
    expect((await dv.request('GET', `accounts(${id})`)).status).toBe(404);
    expect((await dv.request('DELETE', `accounts(${id})`)).status).toBe(404);
  });

  test('PUT of a single property and DELETE of a property value', async () => {
    const id = await dv.create('accounts', { name: 'Prop', telephone1: '1' });
    expect((await dv.request('PUT', `accounts(${id})/telephone1`, { value: '2' })).status).toBe(204);
    expect((await dv.request('GET', `accounts(${id})/telephone1`)).json().value).toBe('2');
    expect((await dv.request('DELETE', `accounts(${id})/telephone1`)).status).toBe(204);
    expect((await dv.request('GET', `accounts(${id})/telephone1`)).json().value).toBeNull();
  });
});

describe('concurrency (ref 7)', () => {
  test('7.1 / 7.2 weak ETags: a stale If-Match answers 412 0x80060882, the current one succeeds', async () => {
    const id = await dv.create('accounts', { name: 'Versioned' });
    const etag = (await dv.request('GET', `accounts(${id})`)).json()['@odata.etag'];
    expect((await dv.request('PATCH', `accounts(${id})`, { name: 'v2' }, { 'If-Match': etag })).status).toBe(204);
    const stale = await dv.request('PATCH', `accounts(${id})`, { name: 'v3' }, { 'If-Match': etag });
    expect(stale.status).toBe(412);
    expect(stale.json().error).toEqual({ code: '0x80060882', message: "The version of the existing record doesn't match the RowVersion property provided." });
    expect((await dv.request('DELETE', `accounts(${id})`, undefined, { 'If-Match': etag })).status).toBe(412);
    const current = (await dv.request('GET', `accounts(${id})`)).json()['@odata.etag'];
    expect((await dv.request('DELETE', `accounts(${id})`, undefined, { 'If-Match': current })).status).toBe(204);
  });

  test('4.9 If-None-Match with the current ETag on GET answers 304', async () => {
    const id = await dv.create('accounts', { name: 'Cached' });
    const etag = (await dv.request('GET', `accounts(${id})`)).headers.get('ETag')!;
    expect((await dv.request('GET', `accounts(${id})`, undefined, { 'If-None-Match': etag })).status).toBe(304);
    await dv.request('PATCH', `accounts(${id})`, { name: 'Changed' });
    expect((await dv.request('GET', `accounts(${id})`, undefined, { 'If-None-Match': etag })).status).toBe(200);
  });

  test('concurrent If-None-Match creates of one id: exactly one succeeds', async () => {
    const id = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => dv.request('PATCH', `accounts(${id})`, { name: `racer ${i}` }, { 'If-None-Match': '*' })),
    );
    expect(results.filter((r) => r.status === 204)).toHaveLength(1);
    expect(results.filter((r) => r.status === 412)).toHaveLength(19);
  });
});
