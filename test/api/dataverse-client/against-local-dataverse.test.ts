/**
 * The product's Dataverse client against the real local Dataverse over HTTP: every operation, the
 * typed errors, hostile key values and $batch semantics (change set rollback, $n, continue-on-error).
 */
import { randomUUID } from 'node:crypto';
import { startLocalDataverse, type LocalDataverse } from '../../../api/src/local-dataverse';
import {
  ConcurrencyMismatchError,
  DuplicateRecordError,
  KeyNotDefinedError,
  NotFoundError,
  RecordNotFoundByKeyError,
  ResourceNotFoundError,
  ThrottledError,
  TransientError,
} from '../../../api/src/dataverse/DataverseErrors';
import { formatODataLiteral, recordBindPath } from '../../../api/src/dataverse/ODataKeyLiteral';
import { filterEquals } from '../../../api/src/dataverse/ODataQuery';
import { WebApiClient } from '../../../api/src/dataverse/WebApiClient';

let dataverse: LocalDataverse;
let client: WebApiClient;

beforeAll(async () => {
  dataverse = await startLocalDataverse({ port: 0, memory: true });
  client = new WebApiClient({ url: dataverse.url });
});

afterAll(async () => {
  await client?.close();
  await dataverse?.close();
});

/** A short unique account number (account.accountnumber is 20 characters at most). */
const uniqueNumber = (prefix: string) => `${prefix}${randomUUID().slice(0, 8)}`;

describe('create and retrieve', () => {
  it('creates a record (204 + OData-EntityId) and retrieves it by GUID with $select', async () => {
    expect(client.webApiUrl).toBe(dataverse.webApiUrl);
    const created = await client.create('accounts', { name: 'Contoso', accountnumber: uniqueNumber('C-') });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.outcome).toBe('unknown');
    const record = await client.retrieve('accounts', created.id as string, { select: ['name'] });
    expect(record.name).toBe('Contoso');
    expect(record.accountid).toBe(created.id);
    expect(record['@odata.etag']).toMatch(/^W\/"\d+"$/);
  });

  it('creates with return=representation (201) and reads the id from the primary key', async () => {
    const created = await client.create('accounts', { name: 'Fabrikam' }, { returnRepresentation: true, select: ['name', 'accountid'] });
    expect(created.outcome).toBe('created');
    expect(created.id).toBe(created.record?.accountid);
    expect(created.record?.name).toBe('Fabrikam');
  });

  it('a missing record is NotFoundError; an unknown entity set is ResourceNotFoundError', async () => {
    await expect(client.retrieve('accounts', randomUUID())).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.tryRetrieve('accounts', randomUUID())).resolves.toBeUndefined();
    const unknownSet = await client.query('nosuchthings').catch((e: unknown) => e);
    expect(unknownSet).toBeInstanceOf(ResourceNotFoundError);
    expect(unknownSet).not.toBeInstanceOf(NotFoundError);
  });
});

describe('conditional upsert (ref 2.1–2.4, 7.2)', () => {
  it('create-only creates once, then answers DuplicateRecordError and changes nothing', async () => {
    const id = randomUUID();
    const first = await client.upsert('accounts', id, { name: 'Stub' }, { condition: 'createOnly' });
    expect(first.id).toBe(id);
    const again = await client.upsert('accounts', id, { name: 'Overwritten?' }, { condition: 'createOnly' }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(DuplicateRecordError);
    expect(again).toMatchObject({ status: 412, request: { method: 'PATCH' } });
    expect((await client.retrieve('accounts', id, { select: ['name'] })).name).toBe('Stub');
  });

  it('update-only on a missing record is NotFoundError (by GUID and by alternate key)', async () => {
    await expect(client.upsert('accounts', randomUUID(), { name: 'x' }, { condition: 'updateOnly' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.upsert('accounts', { accountnumber: uniqueNumber('M-') }, { name: 'x' }, { condition: 'updateOnly' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('plain upsert creates then updates; the representation tells which (201 / 200)', async () => {
    const id = randomUUID();
    const created = await client.upsert('accounts', id, { name: 'v1' }, { returnRepresentation: true });
    const updated = await client.upsert('accounts', id, { name: 'v2' }, { returnRepresentation: true });
    expect([created.outcome, updated.outcome]).toEqual(['created', 'updated']);
    expect(updated.record?.name).toBe('v2');
  });

  it('If-Match with a stale ETag is ConcurrencyMismatchError; the current one succeeds', async () => {
    const id = randomUUID();
    await client.upsert('accounts', id, { name: 'v1' });
    const etag = (await client.retrieve('accounts', id))['@odata.etag'] as string;
    await client.upsert('accounts', id, { name: 'v2' }, { condition: { etag } });
    await expect(client.upsert('accounts', id, { name: 'v3' }, { condition: { etag } })).rejects.toBeInstanceOf(ConcurrencyMismatchError);
    expect((await client.retrieve('accounts', id)).name).toBe('v2');
  });
});

describe('alternate keys with hostile values (ref 2.6–2.8)', () => {
  const values = ["O'Neil", "')", '%27', 'a,b', 'A#1', '100%', 'x/y', '$top', 'a?b&c', 'Zürich 東京', "'", "''"];

  it.each(values)('upserts, retrieves and filters by accountnumber=%p', async (value) => {
    const created = await client.upsert('accounts', { accountnumber: value }, { name: `key ${value}` }, { condition: 'createOnly', returnRepresentation: true });
    expect(created.outcome).toBe('created');
    const byKey = await client.retrieve('accounts', { accountnumber: value }, { select: ['accountnumber', 'name'] });
    expect(byKey.accountnumber).toBe(value);
    expect(byKey.accountid).toBe(created.id);
    const page = await client.query('accounts', { select: ['accountnumber'], filter: filterEquals('accountnumber', value) });
    expect(page.records.map((r) => r.accountnumber)).toEqual([value]);
    await expect(client.upsert('accounts', { accountnumber: value }, { name: 'dup' }, { condition: 'createOnly' })).rejects.toBeInstanceOf(DuplicateRecordError);
  });

  it('keeps look-alike values apart (%27 is not a quote)', async () => {
    const quote = await client.retrieve('accounts', { accountnumber: "'" });
    const encoded = await client.retrieve('accounts', { accountnumber: '%27' });
    expect(quote.accountid).not.toBe(encoded.accountid);
  });

  it('addresses a two-part key with hostile values (ec_stub: ec_table, ec_recordid)', async () => {
    const key = { ec_table: "acc'ount,x=1)", ec_recordid: randomUUID() };
    const created = await client.upsert('ec_stubs', key, { ec_name: 'two-part' }, { condition: 'createOnly', returnRepresentation: true });
    const byKey = await client.retrieve('ec_stubs', key);
    expect(byKey.ec_stubid).toBe(created.id);
    expect(byKey.ec_table).toBe(key.ec_table);
    await expect(client.retrieve('ec_stubs', { ...key, ec_recordid: randomUUID() })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('key columns that are not an alternate key are KeyNotDefinedError', async () => {
    await expect(client.retrieve('accounts', { name: 'Contoso' })).rejects.toBeInstanceOf(KeyNotDefinedError);
  });
});

describe('lookups (ref 3.1–3.4)', () => {
  it('binding a missing record is NotFoundError; a missing alternate key is RecordNotFoundByKeyError', async () => {
    const byId = await client
      .create('contacts', { lastname: 'L', 'parentcustomerid_account@odata.bind': recordBindPath('accounts', randomUUID()) })
      .catch((e: unknown) => e);
    expect(byId).toBeInstanceOf(NotFoundError);
    const byKey = await client
      .create('contacts', { lastname: 'L', 'parentcustomerid_account@odata.bind': recordBindPath('accounts', { accountnumber: uniqueNumber('NX-') }) })
      .catch((e: unknown) => e);
    expect(byKey).toBeInstanceOf(RecordNotFoundByKeyError);
  });

  it('binds by an alternate key holding hostile characters', async () => {
    const account = await client.upsert('accounts', { accountnumber: "B'(#,/%)" }, { name: 'bound' }, { returnRepresentation: true });
    const contact = await client.create('contacts', { lastname: 'L', 'parentcustomerid_account@odata.bind': recordBindPath('accounts', { accountnumber: "B'(#,/%)" }) });
    const read = await client.retrieve('contacts', contact.id as string, { select: ['lastname', '_parentcustomerid_value'] });
    expect(read._parentcustomerid_value).toBe(account.id);
  });
});

describe('query paging (ref 4.6–4.8)', () => {
  it('follows @odata.nextLink across pages with Prefer: odata.maxpagesize and $count', async () => {
    const prefix = uniqueNumber('P').slice(0, 8);
    for (let i = 0; i < 7; i += 1) await client.create('accounts', { name: `${prefix}-${i}`, accountnumber: `${prefix}-${i}` });
    const options = {
      select: ['name'],
      filter: `startswith(accountnumber,${formatODataLiteral(prefix)})`,
      orderBy: [{ column: 'name', descending: true }],
      count: true,
      maxPageSize: 3,
    };
    const pages = [];
    for await (const page of client.queryPages('accounts', options)) pages.push(page);
    expect(pages.map((p) => p.records.length)).toEqual([3, 3, 1]);
    expect(pages[0]?.count).toBe(7);
    expect(pages.flatMap((p) => p.records.map((r) => r.name))).toEqual([6, 5, 4, 3, 2, 1, 0].map((i) => `${prefix}-${i}`));
    expect(pages[0]?.nextLink?.startsWith(dataverse.webApiUrl)).toBe(true);
    expect(pages[2]?.nextLink).toBeUndefined();
    const top = await client.query('accounts', { select: ['name'], filter: options.filter, top: 2 });
    expect(top.records).toHaveLength(2);
  });
});

describe('$batch (ref 5.1–5.4)', () => {
  it('a change set with $n references in URL and body commits together', async () => {
    const number = uniqueNumber('BN-');
    const result = await client.executeBatch([
      {
        changeSet: [
          { method: 'POST', target: { entitySet: 'accounts' }, body: { name: 'Batch parent', accountnumber: number }, contentId: '1' },
          { method: 'POST', target: { entitySet: 'contacts' }, body: { lastname: 'Batch child', 'parentcustomerid_account@odata.bind': '$1' }, contentId: '2' },
          { method: 'PATCH', target: { reference: '1' }, body: { name: 'Batch parent renamed' } },
        ],
      },
      { method: 'GET', target: { entitySet: 'accounts', key: { accountnumber: number } }, query: { select: ['name'] } },
    ]);
    expect(result.ok).toBe(true);
    expect(result.status).toBe(200);
    const [account, contact, patch, get] = result.operations;
    expect(account?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(contact?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(patch?.outcome).toBe('succeeded');
    expect((get?.response?.body as { name: string }).name).toBe('Batch parent renamed');
    const child = await client.retrieve('contacts', contact?.id as string, { select: ['_parentcustomerid_value'] });
    expect(child._parentcustomerid_value).toBe(account?.id);
  });

  it('a failing change set rolls back entirely; the batch status is the failure (no continue-on-error)', async () => {
    const existing = randomUUID();
    await client.upsert('accounts', existing, { name: 'Already there' });
    const number = uniqueNumber('RB-');
    const result = await client.executeBatch([
      {
        changeSet: [
          { method: 'POST', target: { entitySet: 'accounts' }, body: { name: 'Rolled back', accountnumber: number }, contentId: '1' },
          { method: 'PATCH', target: { entitySet: 'accounts', key: existing }, body: { name: 'Must not change' }, condition: 'createOnly' },
        ],
      },
    ]);
    expect(result.ok).toBe(false);
    expect(result.status).toBe(412);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toBeInstanceOf(DuplicateRecordError);
    const failed = result.operations.find((o) => o.outcome === 'failed');
    expect(failed?.index).toBe(1);
    expect(result.operations[0]?.outcome).not.toBe('succeeded');
    await expect(client.tryRetrieve('accounts', { accountnumber: number })).resolves.toBeUndefined();
    expect((await client.retrieve('accounts', existing)).name).toBe('Already there');
  });

  it('with continue-on-error every request is answered: a failed change set rolls back, the others commit', async () => {
    const existing = randomUUID();
    await client.upsert('accounts', existing, { name: 'Existing' });
    const kept = uniqueNumber('K-');
    const lost = uniqueNumber('L-');
    const result = await client.executeBatch(
      [
        { changeSet: [{ method: 'PATCH', target: { entitySet: 'accounts', key: { accountnumber: kept } }, body: { name: 'kept' }, condition: 'createOnly' }] },
        {
          changeSet: [
            { method: 'PATCH', target: { entitySet: 'accounts', key: { accountnumber: lost } }, body: { name: 'lost' }, condition: 'createOnly' },
            { method: 'PATCH', target: { entitySet: 'accounts', key: existing }, body: { name: 'x' }, condition: 'createOnly' },
          ],
        },
        { method: 'GET', target: { entitySet: 'accounts', key: existing }, query: { select: ['name'] } },
      ],
      { continueOnError: true },
    );
    expect(result.status).toBe(200);
    expect(result.ok).toBe(false);
    expect(result.operations.map((o) => o.outcome)).toEqual(['succeeded', expect.stringMatching(/rolled-back|no-response/), 'failed', 'succeeded']);
    expect(result.operations[2]?.error).toBeInstanceOf(DuplicateRecordError);
    expect(result.operations[2]?.error?.batchPart?.index).toBe(2);
    expect((result.operations[3]?.response?.body as { name: string }).name).toBe('Existing');
    await expect(client.tryRetrieve('accounts', { accountnumber: kept })).resolves.toMatchObject({ name: 'kept' });
    await expect(client.tryRetrieve('accounts', { accountnumber: lost })).resolves.toBeUndefined();
  });
});

describe('EntityDefinitions metadata', () => {
  it('reads entity set, primary attributes, keys and ManyToOne navigation properties', async () => {
    const account = await client.getEntityMetadata('account');
    expect(account).toMatchObject({ logicalName: 'account', entitySetName: 'accounts', primaryIdAttribute: 'accountid', primaryNameAttribute: 'name' });
    expect(account.keys).toEqual([{ logicalName: 'accountnumber', keyAttributes: ['accountnumber'] }]);
    expect(account.manyToOne).toEqual(
      expect.arrayContaining([expect.objectContaining({ referencingAttribute: 'primarycontactid', navigationProperty: 'primarycontactid', referencedEntity: 'contact' })]),
    );
    const contact = await client.getEntityMetadata('contact');
    expect(contact.manyToOne).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ referencingAttribute: 'parentcustomerid', navigationProperty: 'parentcustomerid_account', referencedEntity: 'account' }),
        expect.objectContaining({ referencingAttribute: 'parentcustomerid', navigationProperty: 'parentcustomerid_contact', referencedEntity: 'contact' }),
      ]),
    );
    const stub = await client.getEntityMetadataBySetName('ec_stubs');
    expect(stub).toMatchObject({ logicalName: 'ec_stub', primaryIdAttribute: 'ec_stubid', primaryNameAttribute: 'ec_name' });
    expect(stub.keys).toEqual([{ logicalName: 'ec_stub_record', keyAttributes: ['ec_table', 'ec_recordid'] }]);
    await expect(client.getEntityMetadata('nosuchtable')).rejects.toBeInstanceOf(ResourceNotFoundError);
  });

  it('reads display names and requirement levels, and the choice, state and status options with their labels', async () => {
    const account = await client.getEntityMetadata('account');
    expect(account.displayName).toBe('Account');
    const byName = new Map(account.attributes.map((attribute) => [attribute.logicalName, attribute]));
    expect(byName.get('name')).toMatchObject({ displayName: 'Account Name', requiredLevel: 'ApplicationRequired' });
    expect(byName.get('telephone1')).toMatchObject({ displayName: 'Main Phone', requiredLevel: 'None' });
    expect(byName.get('accountid')).toMatchObject({ displayName: 'Account', requiredLevel: 'SystemRequired' });
    expect(byName.get('statecode')?.attributeType).toBe('State');
    expect(byName.get('statuscode')?.attributeType).toBe('Status');
    const choices = await client.getChoiceOptions('account');
    expect([...choices.keys()].sort()).toEqual(['statecode', 'statuscode']);
    expect(choices.get('statecode')).toEqual([{ value: 0, label: 'Active' }, { value: 1, label: 'Inactive' }]);
    expect(choices.get('statuscode')).toEqual([{ value: 1, label: 'Active' }, { value: 2, label: 'Inactive' }]);
  });
});

describe('faults map to the errors the resilience layer acts on (ref 6.4)', () => {
  async function setFault(settings: Record<string, unknown>): Promise<void> {
    const response = await fetch(`${dataverse.url}/_admin/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(settings) });
    expect(response.status).toBe(200);
  }

  afterEach(async () => setFault({ mode: 'none' }));

  it('throttle → ThrottledError with Retry-After in ms and the service-protection limit', async () => {
    await setFault({ mode: 'throttle', retryAfterSeconds: 7 });
    const error = await client.query('accounts', { top: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottledError);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 7000 });
    expect((error as ThrottledError).limit).toBeDefined();
  });

  it('unavailable → TransientError 503; down → TransientError without status; slow beyond the timeout → TransientError', async () => {
    await setFault({ mode: 'unavailable' });
    await expect(client.retrieve('accounts', randomUUID())).rejects.toMatchObject({ kind: 'Transient', status: 503 });
    await setFault({ mode: 'down' });
    const dropped = await client.retrieve('accounts', randomUUID()).catch((e: unknown) => e);
    expect(dropped).toBeInstanceOf(TransientError);
    expect((dropped as TransientError).status).toBeUndefined();
    await setFault({ mode: 'slow', latencyMs: 1000 });
    const impatient = new WebApiClient({ url: dataverse.url, timeoutMs: 200 });
    const slow = await impatient.query('accounts', { top: 1 }).catch((e: unknown) => e);
    await impatient.close();
    expect(slow).toBeInstanceOf(TransientError);
    expect((slow as TransientError).message).toMatch(/timeout/);
  });
});
