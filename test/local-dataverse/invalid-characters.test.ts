/**
 * Dataverse's invalid-character rule (InvalidCharactersInField, 0x80040278) over raw HTTP and through
 * the independent `dynamics-web-api` client, on an instance with a data folder: values in creates,
 * updates, upserts and single-property updates; key literals in URL key segments; `@odata.bind`
 * values; `$batch` parts and change sets. After every refusal a good write succeeds, and at the end a
 * restart from the folder comes back with exactly the good data.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamicsWebApi } from 'dynamics-web-api';
import { hasInvalidXmlCharacter } from '../../api/src/local-dataverse/odata/XmlCharacters';
import { keyLiteral, LocalDataverseFixture, type RawResponse } from './localDataverseFixture';
import { INVALID_CHARACTERS_CODE, INVALID_VALUES, invalidCharactersMessage, URL_ENCODABLE_INVALID_VALUES, VALID_VALUES } from './invalidCharacters';
import { sendBatch, statuses } from './multipartBatch';
import { seedPgliteCluster } from '../support/pgliteTemplate';

jest.setTimeout(60_000);

const dv = new LocalDataverseFixture();
let folder: string;
let unexpected: unknown[] = [];

/** Every record a good write left, by table and id, with the values written: what a restart must show. */
const kept = { account: new Map<string, Record<string, unknown>>(), contact: new Map<string, Record<string, unknown>>() };
const ACCOUNT_COLUMNS = ['name', 'accountnumber', 'description', 'telephone1'];
const CONTACT_COLUMNS = ['firstname', 'lastname', '_parentcustomerid_value'];

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'local-dataverse-invalid-'));
  seedPgliteCluster(join(folder, 'pgdata')); // an empty cluster copied in: no initdb
  await dv.start({ dataDir: folder, onUnexpectedError: (error) => unexpected.push(error) });
});
afterAll(async () => {
  await dv.stop();
  rmSync(folder, { recursive: true, force: true });
});
afterEach(() => {
  // Every refusal here is validation: the journal never sees a bad value.
  expect(unexpected).toEqual([]);
  unexpected = [];
});

function expectInvalidCharacters(response: RawResponse, column: string): void {
  expect({ status: response.status, error: response.json().error }).toEqual({
    status: 400,
    error: { code: INVALID_CHARACTERS_CODE, message: invalidCharactersMessage(column) },
  });
}

/** A good create; remembers it for the restart check. */
async function goodAccount(values: Record<string, unknown> = {}): Promise<string> {
  const body = { name: `good ${randomUUID()}`, ...values };
  const r = await dv.request('POST', 'accounts', body);
  expect(r.status).toBe(204);
  const id = /\(([0-9a-f-]{36})\)$/.exec(r.headers.get('OData-EntityId') ?? '')![1]!;
  kept.account.set(id, { accountnumber: null, description: null, telephone1: null, ...body });
  return id;
}

async function accountCount(): Promise<number> {
  return Number((await dv.request('GET', 'accounts/$count')).text);
}

describe('values in record bodies', () => {
  test.each(INVALID_VALUES)('%s: create, update, upsert and PUT are refused naming the column; nothing changes', async (_name, value) => {
    const before = await accountCount();
    expectInvalidCharacters(await dv.request('POST', 'accounts', { name: value }), 'name');
    expectInvalidCharacters(await dv.request('POST', 'accounts', { name: 'ok', description: value }, { Prefer: 'return=representation' }), 'description');
    expectInvalidCharacters(await dv.request('POST', 'contacts', { lastname: 'ok', firstname: value }), 'firstname');

    const id = await goodAccount({ telephone1: '1' });
    const etag = (await dv.request('GET', `accounts(${id})?$select=telephone1`)).json()['@odata.etag'];
    expectInvalidCharacters(await dv.request('PATCH', `accounts(${id})`, { telephone1: value }), 'telephone1');
    expectInvalidCharacters(await dv.request('PATCH', `accounts(${id})`, { name: 'renamed', telephone1: value }, { 'If-Match': etag }), 'telephone1');
    expectInvalidCharacters(await dv.request('PUT', `accounts(${id})/telephone1`, { value }), 'telephone1');
    const unchanged = (await dv.request('GET', `accounts(${id})?$select=name,telephone1`)).json();
    expect(unchanged).toMatchObject({ telephone1: '1', '@odata.etag': etag, name: kept.account.get(id)!.name });

    const upsertId = randomUUID();
    expectInvalidCharacters(await dv.request('PATCH', `accounts(${upsertId})`, { name: value }), 'name');
    expect((await dv.request('GET', `accounts(${upsertId})`)).status).toBe(404);

    expect(await accountCount()).toBe(before + 1); // only the good account
    await goodAccount({ description: `after ${_name}` });
  });

  test.each(VALID_VALUES)('%s round-trips unchanged', async (_name, value) => {
    const id = await goodAccount({ description: value });
    expect((await dv.request('GET', `accounts(${id})?$select=description`)).json().description).toBe(value);
  });
});

describe('key literals in URL key segments', () => {
  test.each(URL_ENCODABLE_INVALID_VALUES)('%s: read, upsert and delete by the key answer 400 naming the key column', async (_name, value) => {
    const before = await accountCount();
    const segment = `accounts(accountnumber=${keyLiteral(value)})`;
    expectInvalidCharacters(await dv.request('GET', segment), 'accountnumber');
    expectInvalidCharacters(await dv.request('PATCH', segment, { name: 'upserted' }), 'accountnumber');
    expectInvalidCharacters(await dv.request('PATCH', segment, { name: 'upserted' }, { 'If-None-Match': '*' }), 'accountnumber');
    expectInvalidCharacters(await dv.request('DELETE', segment), 'accountnumber');
    expectInvalidCharacters(await dv.request('PUT', `${segment}/name`, { value: 'x' }), 'accountnumber');
    // A multi-part key names the part that holds the character.
    const stubKey = `ec_stubs(ec_table='account',ec_recordid=${keyLiteral(value)})`;
    expectInvalidCharacters(await dv.request('PATCH', stubKey, { ec_name: 'stub' }), 'ec_recordid');
    expect(await accountCount()).toBe(before);
    await goodAccount({ accountnumber: `K-${randomUUID().slice(0, 8)}` });
  });

  test('the exact segment from the incident: accountnumber=\'nul%00x\'', async () => {
    expectInvalidCharacters(await dv.request('PATCH', "accounts(accountnumber='nul%00x')", { name: 'x' }), 'accountnumber');
    expectInvalidCharacters(await dv.request('GET', "accounts(accountnumber='nul%00x')"), 'accountnumber');
  });

  test.each([
    ['a lone high surrogate', '%ED%A0%80'],
    ['a lone low surrogate', '%ED%B0%80'],
  ])('%s has no UTF-8 form: its bytes answer 400 as a badly encoded URL', async (_name, bytes) => {
    const r = await dv.request('PATCH', `accounts(accountnumber='a${bytes}')`, { name: 'x' });
    expect(r.status).toBe(400);
    expect(r.json().error.code).toBe('0x80060888');
    await goodAccount();
  });

  test.each(VALID_VALUES.filter(([, v]) => v.length <= 20))('%s as a key literal: upsert then read by the key', async (_name, value) => {
    const segment = `accounts(accountnumber=${keyLiteral(value)})`;
    const created = await dv.request('PATCH', segment, { name: `keyed ${_name}` }, { Prefer: 'return=representation' });
    expect(created.status).toBe(201);
    const id = created.json().accountid as string;
    kept.account.set(id, { name: `keyed ${_name}`, accountnumber: value, description: null, telephone1: null });
    expect((await dv.request('GET', `${segment}?$select=accountnumber`)).json()).toMatchObject({ accountid: id, accountnumber: value });
  });
});

describe('@odata.bind values', () => {
  let parentId: string;
  beforeAll(async () => {
    parentId = await goodAccount({ accountnumber: 'BIND-PARENT' });
  });

  test('the bind from the incident is refused naming the lookup column', async () => {
    const r = await dv.request('POST', 'contacts', { lastname: 'x', 'parentcustomerid_account@odata.bind': "/accounts(accountnumber='nul%00x')" });
    expectInvalidCharacters(r, 'parentcustomerid');
  });

  test.each(INVALID_VALUES)('%s in a bind (raw or percent-encoded) answers 400 and writes nothing', async (_name, value) => {
    const before = Number((await dv.request('GET', 'contacts/$count')).text);
    const raw = `/accounts(accountnumber='${value.replace(/'/g, "''")}')`;
    expectInvalidCharacters(await dv.request('POST', 'contacts', { lastname: 'x', 'parentcustomerid_account@odata.bind': raw }), 'parentcustomerid');
    expectInvalidCharacters(await dv.request('POST', 'accounts', { name: 'x', 'primarycontactid@odata.bind': `/contacts(${randomUUID()})${value}` }), 'primarycontactid');
    expectInvalidCharacters(await dv.request('PATCH', `accounts(${parentId})`, { 'parentaccountid@odata.bind': `${dv.api}accounts(${parentId})?${value}` }), 'parentaccountid');
    if (URL_ENCODABLE_INVALID_VALUES.some(([, v]) => v === value)) {
      const encoded = `/accounts(accountnumber=${keyLiteral(value)})`;
      expectInvalidCharacters(await dv.request('POST', 'contacts', { lastname: 'x', 'parentcustomerid_account@odata.bind': encoded }), 'parentcustomerid');
    }
    expect(Number((await dv.request('GET', 'contacts/$count')).text)).toBe(before);
    const good = await dv.request('POST', 'contacts', { lastname: `bound ${_name}`, 'parentcustomerid_account@odata.bind': "/accounts(accountnumber='BIND-PARENT')" }, { Prefer: 'return=representation' });
    expect(good.status).toBe(201);
    kept.contact.set(good.json().contactid, { firstname: null, lastname: `bound ${_name}`, _parentcustomerid_value: parentId });
  });
});

describe('$batch', () => {
  test.each(INVALID_VALUES)('%s in a change set fails the whole change set, which leaves no trace', async (_name, value) => {
    const before = await accountCount();
    const marker = `cs-${randomUUID()}`;
    const r = await sendBatch(dv, [
      [
        { method: 'POST', url: 'accounts', body: { name: marker }, contentId: '1' },
        { method: 'PATCH', url: '$1', body: { description: value }, contentId: '2' },
        { method: 'POST', url: 'accounts', body: { name: `${marker}-never` }, contentId: '3' },
      ],
    ]);
    expect(r.status).toBe(400);
    expect(statuses(r.text)).toEqual([400]);
    expect(r.text).toContain(INVALID_CHARACTERS_CODE);
    expect(r.text).toContain(invalidCharactersMessage('description'));
    expect(await accountCount()).toBe(before);
    await goodAccount();
  });

  test.each(URL_ENCODABLE_INVALID_VALUES)('%s in a request line key and a bind inside a change set fail it too', async (_name, value) => {
    const before = await accountCount();
    const keyed = await sendBatch(dv, [[
      { method: 'POST', url: 'accounts', body: { name: 'first' }, contentId: '1' },
      { method: 'PATCH', url: `accounts(accountnumber=${keyLiteral(value)})`, body: { name: 'keyed' }, contentId: '2' },
    ]]);
    expect(keyed.status).toBe(400);
    expect(keyed.text).toContain(invalidCharactersMessage('accountnumber'));
    const bound = await sendBatch(dv, [[
      { method: 'POST', url: 'accounts', body: { name: 'first' }, contentId: '1' },
      { method: 'POST', url: 'contacts', body: { lastname: 'x', 'parentcustomerid_account@odata.bind': `/accounts(accountnumber=${keyLiteral(value)})` }, contentId: '2' },
    ]]);
    expect(bound.status).toBe(400);
    expect(bound.text).toContain(invalidCharactersMessage('parentcustomerid'));
    expect(await accountCount()).toBe(before);
  });

  test('without continue-on-error processing stops at the refused part; the parts before it are kept', async () => {
    const marker = `stop-${randomUUID()}`;
    const r = await sendBatch(dv, [
      { method: 'POST', url: 'accounts', body: { name: `${marker}-1` } },
      { method: 'POST', url: 'accounts', body: { name: `${marker}-\u0000` } },
      { method: 'POST', url: 'accounts', body: { name: `${marker}-3` } },
    ]);
    expect(r.status).toBe(400);
    expect(statuses(r.text)).toEqual([400]);
    const created = (await dv.request('GET', `accounts?$select=name,accountnumber,description,telephone1&$filter=${encodeURIComponent(`startswith(name,'${marker}')`)}`)).json().value;
    expect(created.map((v: { name: string }) => v.name)).toEqual([`${marker}-1`]);
    kept.account.set(created[0].accountid, { name: `${marker}-1`, accountnumber: null, description: null, telephone1: null });
  });

  test('with continue-on-error only the refused parts fail; the others are written', async () => {
    const marker = `continue-${randomUUID()}`;
    const r = await sendBatch(
      dv,
      [
        { method: 'POST', url: 'accounts', body: { name: `${marker}-1` } },
        { method: 'POST', url: 'accounts', body: { name: `${marker}-\ud800` } },
        [
          { method: 'POST', url: 'accounts', body: { name: `${marker}-cs` }, contentId: '1' },
          { method: 'PATCH', url: `accounts(accountnumber=${keyLiteral('\ufffe')})`, body: { name: 'x' }, contentId: '2' },
        ],
        { method: 'POST', url: 'contacts', body: { lastname: marker, 'parentcustomerid_account@odata.bind': "/accounts(accountnumber='nul%00x')" } },
        { method: 'POST', url: 'accounts', body: { name: `${marker}-5`, telephone1: '\u000b' } },
        { method: 'POST', url: 'accounts', body: { name: `${marker}-6` } },
      ],
      { Prefer: 'odata.continue-on-error' },
    );
    expect(r.status).toBe(200);
    expect(statuses(r.text)).toEqual([204, 400, 400, 400, 400, 204]);
    expect(r.text.match(new RegExp(INVALID_CHARACTERS_CODE, 'g'))).toHaveLength(4);
    const created = (await dv.request('GET', `accounts?$select=name&$orderby=name&$filter=${encodeURIComponent(`startswith(name,'${marker}')`)}`)).json().value;
    expect(created.map((v: { name: string }) => v.name)).toEqual([`${marker}-1`, `${marker}-6`]);
    for (const record of created) kept.account.set(record.accountid, { name: record.name, accountnumber: null, description: null, telephone1: null });
    expect((await dv.request('GET', `contacts?$filter=${encodeURIComponent(`lastname eq '${marker}'`)}`)).json().value).toEqual([]);
  });
});

describe('dynamics-web-api against the rule', () => {
  let client: DynamicsWebApi;
  beforeAll(() => {
    client = new DynamicsWebApi({ serverUrl: dv.instance.url, dataApi: { version: '9.2' }, onTokenRefresh: async () => 'any-token', propagateErrors: true });
  });

  async function failure(promise: Promise<unknown>): Promise<{ status: number; code: string; message: string }> {
    try {
      await promise;
    } catch (error) {
      return error as { status: number; code: string; message: string };
    }
    throw new Error('expected the call to fail');
  }

  const expectRefused = (error: { status: number; code: string; message: string }, column: string) =>
    expect({ status: error.status, code: error.code, message: error.message }).toEqual({ status: 400, code: INVALID_CHARACTERS_CODE, message: invalidCharactersMessage(column) });

  async function goodThroughClient(): Promise<void> {
    const name = `dwa good ${randomUUID()}`;
    const id = await client.create<object, string>({ collection: 'accounts', data: { name } });
    kept.account.set(id, { name, accountnumber: null, description: null, telephone1: null });
  }

  test.each(INVALID_VALUES)('%s: create, update, upsert and bind are refused', async (_name, value) => {
    const before = await accountCount();
    expectRefused(await failure(client.create({ collection: 'accounts', data: { name: value } })), 'name');
    const id = await client.create<object, string>({ collection: 'accounts', data: { name: `dwa ${_name}` } });
    kept.account.set(id, { name: `dwa ${_name}`, accountnumber: null, description: null, telephone1: null });
    expectRefused(await failure(client.update({ collection: 'accounts', key: id, data: { description: value } })), 'description');
    expectRefused(await failure(client.upsert({ collection: 'accounts', key: randomUUID(), data: { telephone1: value } })), 'telephone1');
    expectRefused(
      await failure(client.create({ collection: 'contacts', data: { lastname: 'x', 'parentcustomerid_account@odata.bind': `accounts(accountnumber='${value}')` } })),
      'parentcustomerid',
    );
    expect((await client.retrieve({ collection: 'accounts', key: id, select: ['description'] })).description).toBeNull();
    expect(await accountCount()).toBe(before + 1);
    await goodThroughClient();
  });

  test.each(URL_ENCODABLE_INVALID_VALUES)('%s in an alternate key (escaped by the caller) is refused', async (_name, value) => {
    const key = `accountnumber=${keyLiteral(value)}`;
    expectRefused(await failure(client.upsert({ collection: 'accounts', key, data: { name: 'x' } })), 'accountnumber');
    expectRefused(await failure(client.retrieve({ collection: 'accounts', key })), 'accountnumber');
    await goodThroughClient();
  });

  test('batch: a change set with a refused value rolls back; continue-on-error fails only that part', async () => {
    const marker = `dwa-batch-${randomUUID()}`;
    client.startBatch();
    client.create({ collection: 'accounts', data: { name: marker } });
    client.create({ collection: 'accounts', data: { name: `${marker}\u0000` } });
    const error = await failure(client.executeBatch());
    expect(JSON.stringify(error)).toContain(INVALID_CHARACTERS_CODE);
    expect((await client.retrieveMultiple({ collection: 'accounts', select: ['name'], filter: `name eq '${marker}'` })).value).toEqual([]);

    client.startBatch();
    client.create({ collection: 'accounts', data: { name: marker }, inChangeSet: false });
    client.create({ collection: 'accounts', data: { name: `${marker}\udfff` }, inChangeSet: false });
    client.retrieveMultiple({ collection: 'accounts', select: ['name'], filter: `name eq '${marker}'` });
    const results = await client.executeBatch({ continueOnError: true });
    expect(typeof results[0]).toBe('string');
    expect(JSON.stringify(results[1])).toContain(invalidCharactersMessage('name'));
    expect(results[2].value.map((v: { name: string }) => v.name)).toEqual([marker]);
    kept.account.set(results[0] as string, { name: marker, accountnumber: null, description: null, telephone1: null });
  });
});

describe('after all of it', () => {
  test('a restart from the data folder comes back healthy with exactly the good data', async () => {
    await goodAccount({ name: 'last good write before the restart' });
    await dv.stop();
    await dv.start({ dataDir: folder, onUnexpectedError: (error) => unexpected.push(error) });

    const accounts = (await dv.request('GET', `accounts?$select=${ACCOUNT_COLUMNS.join(',')}`)).json().value as Array<Record<string, unknown>>;
    expect(project(accounts, 'accountid', ACCOUNT_COLUMNS)).toEqual(expected(kept.account, ACCOUNT_COLUMNS));
    const contacts = (await dv.request('GET', `contacts?$select=${CONTACT_COLUMNS.join(',')}`)).json().value as Array<Record<string, unknown>>;
    expect(project(contacts, 'contactid', CONTACT_COLUMNS)).toEqual(expected(kept.contact, CONTACT_COLUMNS));
    for (const table of ['account', 'contact', 'ec_stub']) {
      for (const record of dv.instance.store.rows(table)) {
        for (const value of Object.values(record.values)) if (typeof value === 'string') expect(hasInvalidXmlCharacter(value)).toBe(false);
      }
    }
    // And it keeps accepting writes.
    const id = await goodAccount({ description: 'after the restart' });
    expect((await dv.request('GET', `accounts(${id})?$select=description`)).json().description).toBe('after the restart');
  });
});

function project(rows: Array<Record<string, unknown>>, idColumn: string, columns: string[]): Array<Record<string, unknown>> {
  return rows
    .map((row) => Object.fromEntries([[idColumn, row[idColumn]], ...columns.map((c) => [c, row[c]])]))
    .sort((a, b) => String(a[idColumn]).localeCompare(String(b[idColumn])));
}

function expected(records: Map<string, Record<string, unknown>>, columns: string[]): Array<Record<string, unknown>> {
  const idColumn = records === kept.account ? 'accountid' : 'contactid';
  return project([...records].map(([id, values]) => ({ [idColumn]: id, ...values })), idColumn, columns);
}
