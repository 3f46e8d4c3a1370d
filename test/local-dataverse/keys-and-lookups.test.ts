/** ref 2.6–2.8 (alternate keys and literal parsing) and ref 3 (@odata.bind with referential integrity). */
import { randomUUID } from 'node:crypto';
import { keyLiteral, LocalDataverseFixture } from './localDataverseFixture';

const dv = new LocalDataverseFixture();
beforeAll(() => dv.start());
afterAll(() => dv.stop());

describe('alternate keys (ref 2.6–2.8)', () => {
  const hostile = ["O'Bryan", 'A,B', 'hash#tag', '100%', 'a/b', 'ÄÖÜ-東京-🙂', "')", '%27', 'a$b&c+d;e=f?g@h:i', "''"];

  test.each(hostile)('a key value %p round-trips: created, retrieved and upserted by key', async (value) => {
    const url = `accounts(accountnumber=${keyLiteral(value)})`;
    expect((await dv.request('PATCH', url, { name: `named ${value}` }, { 'If-None-Match': '*' })).status).toBe(204);
    const record = await dv.request('GET', `${url}?$select=name,accountnumber`);
    expect(record.status).toBe(200);
    expect(record.json()).toMatchObject({ name: `named ${value}`, accountnumber: value });
    expect((await dv.request('PATCH', url, { name: 'again' }, { 'If-None-Match': '*' })).status).toBe(412);
  });

  test('key lookup is case-insensitive, like the service collation', async () => {
    await dv.create('accounts', { name: 'Case', accountnumber: 'CASE-1' });
    expect((await dv.request('GET', `accounts(accountnumber=${keyLiteral('case-1')})`)).status).toBe(200);
  });

  test('the primary key can be named: accounts(accountid=<guid>)', async () => {
    const id = await dv.create('accounts', { name: 'Named pk' });
    expect((await dv.request('GET', `accounts(accountid=${id})?$select=name`)).json().name).toBe('Named pk');
  });

  test('multi-part alternate key (ec_stub_record on ec_table + ec_recordid), parts in any order', async () => {
    const recordId = randomUUID();
    const url = `ec_stubs(ec_table=${keyLiteral('account')},ec_recordid=${keyLiteral(recordId)})`;
    expect((await dv.request('PATCH', url, { ec_name: `account:${recordId}` }, { 'If-None-Match': '*' })).status).toBe(204);
    const swapped = `ec_stubs(ec_recordid=${keyLiteral(recordId)},ec_table=${keyLiteral('account')})`;
    expect((await dv.request('GET', swapped)).json()).toMatchObject({ ec_table: 'account', ec_recordid: recordId, ec_stubstate: 100000000 });
  });

  test('2.8 columns that are not a defined key answer 400 with the documented message', async () => {
    const r = await dv.request('GET', `accounts(name=${keyLiteral('x')})`);
    expect(r.status).toBe(400);
    expect(r.json().error.message).toBe(
      "The key in the request URI is not valid for resource 'Microsoft.Dynamics.CRM.account'. Ensure that the names and number of key properties match the declared or alternate key properties for the resource 'Microsoft.Dynamics.CRM.account'.",
    );
    expect((await dv.request('GET', `ec_stubs(ec_table=${keyLiteral('account')})`)).status).toBe(400); // one part of a two-part key
  });

  test('2.7 an unterminated literal answers 400 naming its position', async () => {
    const r = await dv.request('GET', `accounts(accountnumber=${encodeURIComponent("'abc")})`);
    expect(r.status).toBe(400);
    expect(r.json().error.message).toBe("There is an unterminated literal at position 14 in 'accountnumber='abc'.");
  });

  test('a quote that is not doubled cannot close the literal early (no key injection)', async () => {
    await dv.create('accounts', { name: 'Victim', accountnumber: 'V-1' });
    // accountnumber='V-1' or '1'='1' would be an injection if literals were concatenated raw.
    const r = await dv.request('GET', `accounts(accountnumber=${encodeURIComponent("'V-1' or '1'='1'")})`);
    expect(r.status).toBe(400);
  });

  test('a record missing by key answers 404 0x80060891', async () => {
    const r = await dv.request('GET', `accounts(accountnumber=${keyLiteral('MISSING')})`);
    expect(r.status).toBe(404);
    expect(r.json().error).toEqual({ code: '0x80060891', message: 'A record with the specified key values does not exist in account entity' });
  });

  test('a malformed GUID key answers 400', async () => {
    expect((await dv.request('GET', 'accounts(not-a-guid)')).status).toBe(400);
  });
});

describe('@odata.bind (ref 3)', () => {
  test('3.1 bind by GUID with and without a leading slash, and by absolute URL; _x_value is returned', async () => {
    const accountId = await dv.create('accounts', { name: 'Parent' });
    for (const url of [`/accounts(${accountId})`, `accounts(${accountId})`, `${dv.api}accounts(${accountId})`]) {
      const id = await dv.create('contacts', { lastname: 'Child', 'parentcustomerid_account@odata.bind': url });
      const body = (await dv.request('GET', `contacts(${id})?$select=_parentcustomerid_value`)).json();
      expect(body._parentcustomerid_value).toBe(accountId);
    }
  });

  test('3.1 polymorphic lookup: parentcustomerid_contact binds a contact; annotations name the target', async () => {
    const parentId = await dv.create('contacts', { lastname: 'Parent contact' });
    const id = await dv.create('contacts', { lastname: 'Child', 'parentcustomerid_contact@odata.bind': `/contacts(${parentId})` });
    const r = await dv.request('GET', `contacts(${id})?$select=_parentcustomerid_value`, undefined, { Prefer: 'odata.include-annotations="*"' });
    expect(r.json()).toMatchObject({
      _parentcustomerid_value: parentId,
      '_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'contact',
      '_parentcustomerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty': 'parentcustomerid_contact',
    });
  });

  test('3.2 bind by alternate key', async () => {
    const accountId = await dv.create('accounts', { name: 'Keyed parent', accountnumber: 'BIND-1' });
    const id = await dv.create('accounts', { name: 'Child', [`parentaccountid@odata.bind`]: `/accounts(accountnumber='BIND-1')` });
    expect((await dv.request('GET', `accounts(${id})?$select=_parentaccountid_value`)).json()._parentaccountid_value).toBe(accountId);
  });

  test('3.3 bind to a missing GUID answers 404 0x80040217 and creates nothing', async () => {
    const missing = randomUUID();
    const before = (await dv.request('GET', 'contacts/$count')).text;
    const r = await dv.request('POST', 'contacts', { lastname: 'Orphan', 'parentcustomerid_account@odata.bind': `/accounts(${missing})` });
    expect(r.status).toBe(404);
    expect(r.json().error).toEqual({ code: '0x80040217', message: `Entity 'account' With Id = ${missing} Does Not Exist` });
    expect((await dv.request('GET', 'contacts/$count')).text).toBe(before);
  });

  test('3.4 bind to a missing alternate key answers 404 0x80060891', async () => {
    const r = await dv.request('POST', 'contacts', { lastname: 'Orphan', 'parentcustomerid_account@odata.bind': "/accounts(accountnumber='NOT-THERE')" });
    expect(r.status).toBe(404);
    expect(r.json().error).toEqual({ code: '0x80060891', message: 'A record with the specified key values does not exist in account entity' });
  });

  test('1.5 an undeclared navigation property answers 400 0x80048d19', async () => {
    const r = await dv.request('POST', 'contacts', { lastname: 'x', 'parentcustomerid@odata.bind': '/accounts(00000000-0000-0000-0000-000000000001)' });
    expect(r.status).toBe(400);
    expect(r.json().error.code).toBe('0x80048d19');
    expect(r.json().error.message).toContain("An undeclared property 'parentcustomerid'");
  });

  test('a bind to another table than the navigation property targets answers 400', async () => {
    const contactId = await dv.create('contacts', { lastname: 'Not an account' });
    const r = await dv.request('POST', 'accounts', { name: 'x', 'parentaccountid@odata.bind': `/contacts(${contactId})` });
    expect(r.status).toBe(400);
    expect(r.json().error.code).toBe('0x80048d19');
  });

  test('2.11 a null bind disassociates', async () => {
    const parent = await dv.create('accounts', { name: 'P' });
    const child = await dv.create('accounts', { name: 'C', 'parentaccountid@odata.bind': `/accounts(${parent})` });
    await dv.request('PATCH', `accounts(${child})`, { 'parentaccountid@odata.bind': null });
    expect((await dv.request('GET', `accounts(${child})?$select=_parentaccountid_value`)).json()._parentaccountid_value).toBeNull();
  });
});
