import {
  BusinessRuleError,
  ConcurrencyMismatchError,
  DuplicateRecordError,
  InvalidDataverseInputError,
  NotFoundError,
  ThrottledError,
  TransientError,
  UnauthorizedError,
} from '../../../api/src/dataverse/DataverseErrors';
import type { DataverseRequestDescription, DataverseResponseOutcome } from '../../../api/src/dataverse/DataverseHttpTransport';
import { ENTITY_DEFINITION_QUERY } from '../../../api/src/dataverse/EntityDefinitionReader';
import { guid } from '../../../api/src/dataverse/ODataKeyLiteral';
import { filterEquals } from '../../../api/src/dataverse/ODataQuery';
import { idFromEntityUrl, WebApiClient, webApiRoot } from '../../../api/src/dataverse/WebApiClient';
import { dataverseError, RecordingDataverseServer } from './fixtures/RecordingDataverseServer';

const ID = '5531d753-95af-e711-a94e-000d3a11e605';
const API = '/api/data/v9.2/';

let server: RecordingDataverseServer;
let client: WebApiClient;

beforeEach(async () => {
  server = await RecordingDataverseServer.start();
  client = new WebApiClient({ url: server.url, timeoutMs: 5000 });
});

afterEach(async () => {
  await client.close();
  await server.close();
});

function accountDefinition() {
  return {
    LogicalName: 'account',
    EntitySetName: 'accounts',
    PrimaryIdAttribute: 'accountid',
    PrimaryNameAttribute: 'name',
    Keys: [{ LogicalName: 'ec_accountnumber', KeyAttributes: ['accountnumber'] }],
    ManyToOneRelationships: [
      {
        SchemaName: 'account_primary_contact',
        ReferencingAttribute: 'primarycontactid',
        ReferencedEntity: 'contact',
        ReferencedAttribute: 'contactid',
        ReferencingEntityNavigationPropertyName: 'primarycontactid',
      },
    ],
    Attributes: [
      { LogicalName: 'name', AttributeType: 'String', IsValidForCreate: true, IsValidForUpdate: true, DisplayName: { UserLocalizedLabel: { Label: 'Account Name', LanguageCode: 1033 } } },
      { LogicalName: 'createdon', AttributeType: 'DateTime', IsValidForCreate: false, IsValidForUpdate: false, DisplayName: { UserLocalizedLabel: null } },
    ],
  };
}

describe('base URL', () => {
  it('accepts the environment URL or its Web API root and refuses anything else', () => {
    expect(webApiRoot('https://org.crm.dynamics.com').href).toBe('https://org.crm.dynamics.com/api/data/v9.2/');
    expect(webApiRoot('https://org.crm.dynamics.com/').href).toBe('https://org.crm.dynamics.com/api/data/v9.2/');
    expect(webApiRoot('http://127.0.0.1:5000/api/data/v9.2').href).toBe('http://127.0.0.1:5000/api/data/v9.2/');
    expect(webApiRoot('http://127.0.0.1:5000/api/data/v9.1/').href).toBe('http://127.0.0.1:5000/api/data/v9.1/');
    expect(() => webApiRoot('https://org.crm.dynamics.com/main.aspx')).toThrow(InvalidDataverseInputError);
    expect(() => webApiRoot('https://user:pw@org.crm.dynamics.com')).toThrow(InvalidDataverseInputError);
    expect(() => webApiRoot('not a url')).toThrow(InvalidDataverseInputError);
    expect(idFromEntityUrl(`https://x/api/data/v9.2/accounts(${ID.toUpperCase()})`)).toBe(ID);
    expect(idFromEntityUrl("https://x/api/data/v9.2/accounts(accountnumber='A')")).toBeUndefined();
  });
});

describe('create (ref 1.1, 1.2)', () => {
  it('POSTs JSON with the default OData headers and no Authorization locally; id from OData-EntityId', async () => {
    server.responder = () => ({ status: 204, headers: { 'OData-EntityId': `${server.webApiUrl}accounts(${ID})` } });
    const result = await client.create('accounts', { name: 'Contoso', accountnumber: "O'Neil" });
    expect(result).toEqual({ id: ID, entityIdUrl: `${server.webApiUrl}accounts(${ID})`, outcome: 'unknown', etag: undefined, record: undefined });
    const sent = server.last;
    expect(sent.method).toBe('POST');
    expect(sent.rawUrl).toBe(`${API}accounts`);
    expect(sent.headers.accept).toBe('application/json');
    expect(sent.headers['odata-maxversion']).toBe('4.0');
    expect(sent.headers['odata-version']).toBe('4.0');
    expect(sent.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.headers.prefer).toBeUndefined();
    expect(JSON.parse(sent.body)).toEqual({ name: 'Contoso', accountnumber: "O'Neil" });
  });

  it('asks for a representation with $select; takes the id from the primary key column via metadata', async () => {
    server.responder = (request) =>
      request.rawUrl.startsWith(`${API}EntityDefinitions?`)
        ? { status: 200, body: { value: [accountDefinition()] } }
        : { status: 201, headers: { 'Preference-Applied': 'return=representation' }, body: { '@odata.etag': 'W/"12"', name: 'Contoso', accountid: ID } };
    const result = await client.create('accounts', { name: 'Contoso' }, { returnRepresentation: true, select: ['name', 'accountid'] });
    expect(result).toMatchObject({ id: ID, outcome: 'created', etag: 'W/"12"', record: { name: 'Contoso', accountid: ID } });
    expect(server.requests[0]?.rawUrl).toBe(`${API}accounts?$select=name,accountid`);
    expect(server.requests[0]?.headers.prefer).toBe('return=representation');
    expect(server.requests[1]?.rawUrl).toBe(`${API}EntityDefinitions?${ENTITY_DEFINITION_QUERY}&$filter=EntitySetName%20eq%20%27accounts%27`);
  });

  it('refuses an invalid entity set without sending anything', async () => {
    await expect(client.create('accounts?$x', {})).rejects.toThrow(InvalidDataverseInputError);
    await expect(client.create('accounts', [] as unknown as Record<string, unknown>)).rejects.toThrow(InvalidDataverseInputError);
    expect(server.requests).toHaveLength(0);
  });
});

describe('conditional upsert (ref 2.1–2.4, 7.2)', () => {
  it.each([
    ['createOnly', { 'if-none-match': '*' }],
    ['updateOnly', { 'if-match': '*' }],
    [{ etag: 'W/"502186"' }, { 'if-match': 'W/"502186"' }],
    [undefined, {}],
  ] as const)('condition %p sends %p', async (condition, expected) => {
    server.responder = () => ({ status: 204, headers: { 'OData-EntityId': `${server.webApiUrl}accounts(${ID})` } });
    const result = await client.upsert('accounts', ID, { name: 'x' }, condition === undefined ? {} : { condition });
    expect(result.id).toBe(ID);
    const sent = server.last;
    expect(sent.method).toBe('PATCH');
    expect(sent.rawUrl).toBe(`${API}accounts(${ID})`);
    expect(sent.headers['if-none-match']).toBe((expected as Record<string, string>)['if-none-match']);
    expect(sent.headers['if-match']).toBe((expected as Record<string, string>)['if-match']);
  });

  it('maps 412 on create-only to DuplicateRecordError, 404 on update-only to NotFoundError, stale etag to ConcurrencyMismatch', async () => {
    server.responder = (request) => {
      if (request.headers['if-none-match'] === '*') return { status: 412, body: dataverseError('0x80040237', 'A record with matching key values already exists.') };
      if (request.headers['if-match'] === '*') return { status: 404, body: dataverseError('0x80040217', `Entity 'account' With Id = ${ID} Does Not Exist`) };
      return { status: 412, body: dataverseError('', "The version of the existing record doesn't match the RowVersion property provided.") };
    };
    await expect(client.upsert('accounts', ID, {}, { condition: 'createOnly' })).rejects.toBeInstanceOf(DuplicateRecordError);
    await expect(client.upsert('accounts', ID, {}, { condition: 'updateOnly' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.upsert('accounts', ID, {}, { condition: { etag: 'W/"1"' } })).rejects.toBeInstanceOf(ConcurrencyMismatchError);
  });

  it('tells created from updated with a representation (201 vs 200) and uses the GUID key as id', async () => {
    server.responder = (request) => ({ status: request.headers['if-none-match'] ? 201 : 200, headers: { ETag: 'W/"7"' }, body: { accountid: ID, name: 'x' } });
    expect(await client.upsert('accounts', ID, { name: 'x' }, { returnRepresentation: true, condition: 'createOnly' })).toMatchObject({ outcome: 'created', id: ID, etag: 'W/"7"' });
    expect(await client.upsert('accounts', ID, { name: 'x' }, { returnRepresentation: true })).toMatchObject({ outcome: 'updated', id: ID });
    expect(server.requests).toHaveLength(2); // the GUID key named the record: no metadata lookup
  });

  it('refuses ETags that are not quoted or carry line breaks', async () => {
    await expect(client.upsert('accounts', ID, {}, { condition: { etag: '502186' } })).rejects.toThrow(InvalidDataverseInputError);
    await expect(client.upsert('accounts', ID, {}, { condition: { etag: 'W/"1"\r\nX-Evil: 1' } })).rejects.toThrow(InvalidDataverseInputError);
    await expect(client.upsert('accounts', ID, {}, { condition: 'sometimes' as never })).rejects.toThrow(InvalidDataverseInputError);
    expect(server.requests).toHaveLength(0);
  });
});

describe('retrieve (ref 4.1–4.3)', () => {
  it('addresses alternate keys with encoded literals exactly as built, with $select', async () => {
    server.responder = () => ({ status: 200, body: { accountid: ID, name: 'n' } });
    await client.retrieve('accounts', { accountnumber: "A'1/#?,&$%é" }, { select: ['name'] });
    expect(server.last.rawUrl).toBe(`${API}accounts(accountnumber='A%27%271%2F%23%3F%2C%26%24%25%C3%A9')?$select=name`);
    await client.retrieve('contacts', { firstname: 'Joe', emailaddress1: 'abc@example.com' });
    expect(server.last.rawUrl).toBe(`${API}contacts(firstname='Joe',emailaddress1='abc%40example.com')`);
    await client.retrieve('accounts', ID.toUpperCase());
    expect(server.last.rawUrl).toBe(`${API}accounts(${ID})`);
  });

  it('sends a 4000-character and an empty key value intact', async () => {
    server.responder = () => ({ status: 200, body: {} });
    // 4000 characters, ~8.6k once encoded (Node's server, like IIS, caps the request line near 16k).
    const long = `${"'".repeat(100)}${'x/'.repeat(1949)}éé`;
    expect(long).toHaveLength(4000);
    await client.retrieve('ec_stubs', { ec_table: long, ec_recordid: '' });
    const raw = server.last.rawUrl;
    expect(raw.startsWith(`${API}ec_stubs(ec_table='`)).toBe(true);
    expect(raw.endsWith(",ec_recordid='')")).toBe(true);
    const encodedValue = raw.slice(`${API}ec_stubs(ec_table='`.length, -",ec_recordid='')".length - 1);
    expect(decodeURIComponent(encodedValue).replace(/''/g, "'")).toBe(long);
  });

  it('tryRetrieve resolves undefined for a missing record and rethrows other failures', async () => {
    server.responder = () => ({ status: 404, body: dataverseError('0x80040217', 'Does Not Exist') });
    await expect(client.tryRetrieve('accounts', ID)).resolves.toBeUndefined();
    server.responder = () => ({ status: 404, body: dataverseError('0x80060891', 'A record with the specified key values does not exist in account entity') });
    await expect(client.tryRetrieve('accounts', { accountnumber: 'x' })).resolves.toBeUndefined();
    server.responder = () => ({ status: 500, body: dataverseError('0x80040216', 'boom') });
    await expect(client.tryRetrieve('accounts', ID)).rejects.toBeInstanceOf(TransientError);
  });

  it('DELETE sends If-Match only when an etag is given', async () => {
    await client.delete('accounts', ID, { etag: 'W/"3"' });
    expect(server.last).toMatchObject({ method: 'DELETE', rawUrl: `${API}accounts(${ID})` });
    expect(server.last.headers['if-match']).toBe('W/"3"');
  });
});

describe('query and paging (ref 4.4–4.8)', () => {
  it('sends the query options and Prefer: odata.maxpagesize, follows @odata.nextLink unchanged', async () => {
    const next = `${server.webApiUrl}accounts?$select=name&$skiptoken=%3Ccookie%20pagenumber=%222%22%20pagingcookie=%22%253ccookie%2520%252f%253e%22%20/%3E`;
    server.responder = (request) =>
      request.rawUrl.includes('$skiptoken')
        ? { status: 200, body: { value: [{ name: 'c' }] } }
        : { status: 200, headers: { 'Preference-Applied': 'odata.maxpagesize=2' }, body: { '@odata.count': 3, value: [{ name: 'a' }, { name: 'b' }], '@odata.nextLink': next } };
    const pages = [];
    for await (const page of client.queryPages('accounts', { select: ['name'], filter: filterEquals('accountnumber', 'A 1'), orderBy: [{ column: 'name' }], count: true, maxPageSize: 2 })) {
      pages.push(page);
    }
    expect(pages.map((p) => p.records.map((r) => r.name))).toEqual([['a', 'b'], ['c']]);
    expect(pages[0]?.count).toBe(3);
    expect(pages[1]?.nextLink).toBeUndefined();
    expect(server.requests[0]?.rawUrl).toBe(`${API}accounts?$select=name&$filter=accountnumber%20eq%20%27A%201%27&$orderby=name%20asc&$count=true`);
    expect(server.requests[0]?.headers.prefer).toBe('odata.maxpagesize=2');
    expect(server.requests[1]?.rawUrl).toBe(next.slice(server.url.length));
    expect(server.requests[1]?.headers.prefer).toBe('odata.maxpagesize=2');
  });

  it('never follows a nextLink to another host or outside the Web API', async () => {
    await expect(client.queryNextPage('https://evil.example/api/data/v9.2/accounts?$skiptoken=1')).rejects.toThrow(/outside/);
    await expect(client.queryNextPage(`${server.url}/other/accounts`)).rejects.toThrow(/outside/);
    await expect(client.queryNextPage('/api/data/v9.2/accounts')).rejects.toThrow(/absolute/);
    await expect(client.query('accounts', { maxPageSize: 5001 })).rejects.toThrow(InvalidDataverseInputError);
    expect(server.requests).toHaveLength(0);
  });
});

describe('failures over HTTP', () => {
  it('429 → ThrottledError with Retry-After and limit; message names method and path only', async () => {
    server.responder = () => ({ status: 429, headers: { 'Retry-After': '3' }, body: dataverseError('0x80072326', 'Number of concurrent requests exceeded the limit of 52.') });
    const error = await client.retrieve('accounts', ID).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottledError);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 3000, limit: 'concurrent-requests', request: { method: 'GET', path: `${API}accounts(${ID})` } });
  });

  it('a timeout and a refused connection are TransientErrors carrying the cause', async () => {
    const slow = new WebApiClient({ url: server.url, timeoutMs: 150 });
    server.responder = () => ({ status: 200, body: { value: [] }, delayMs: 2000 });
    const timedOut = await slow.query('accounts').catch((e: unknown) => e);
    await slow.close();
    expect(timedOut).toBeInstanceOf(TransientError);
    expect((timedOut as TransientError).status).toBeUndefined();
    expect(((timedOut as TransientError).cause as Error).name).toBe('TimeoutError');

    const closed = await RecordingDataverseServer.start();
    const deadUrl = closed.url;
    await closed.close();
    const dead = new WebApiClient({ url: deadUrl });
    const refused = await dead.retrieve('accounts', ID).catch((e: unknown) => e);
    await dead.close();
    expect(refused).toBeInstanceOf(TransientError);
    expect((refused as TransientError).message).toMatch(/ECONNREFUSED/);
  });

  it('sends the bearer token from the provider and never puts it in an error', async () => {
    const secret = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.secret';
    const authed = new WebApiClient({ url: server.url, tokenProvider: { getToken: async () => secret } });
    server.responder = () => ({ status: 403, body: dataverseError('0x80040220', 'Principal user is missing prvReadAccount privilege') });
    const error = await authed.retrieve('accounts', ID).catch((e: unknown) => e);
    expect(server.last.headers.authorization).toBe(`Bearer ${secret}`);
    expect(JSON.stringify(error)).not.toContain(secret);
    expect(String((error as Error).message)).not.toContain(secret);
    expect(String((error as Error).stack)).not.toContain(secret);

    const failing = new WebApiClient({ url: server.url, tokenProvider: { getToken: async () => Promise.reject(new Error('AADSTS700016: application not found')) } });
    await expect(failing.retrieve('accounts', ID)).rejects.toBeInstanceOf(UnauthorizedError);
    await Promise.all([authed.close(), failing.close()]);
  });

  it('reuses kept-alive connections', async () => {
    server.responder = () => ({ status: 200, body: { value: [] } });
    for (let i = 0; i < 10; i += 1) await client.query('accounts');
    // undici may open a second socket while the first is being released; never one per request.
    expect(new Set(server.requests.map((r) => r.remotePort)).size).toBeLessThanOrEqual(2);
  });
});

describe('hooks for the resilience layer', () => {
  it('wrap sees each exchange and may re-run it; observers see every attempt; a throwing observer changes nothing', async () => {
    const seen: DataverseRequestDescription[] = [];
    const outcomes: DataverseResponseOutcome[] = [];
    let answer = 503;
    server.responder = () => (answer === 503 ? ((answer = 200), { status: 503, body: dataverseError('', 'busy') }) : { status: 200, body: { accountid: ID } });
    const wrapped = new WebApiClient({
      url: server.url,
      hooks: {
        wrap: async (request, attempt) => {
          seen.push(request);
          try {
            return await attempt();
          } catch (error) {
            if (error instanceof TransientError) return attempt(); // what a retry policy would do
            throw error;
          }
        },
        onRequest: () => {
          throw new Error('observer bug');
        },
        onResponse: (_request, outcome) => outcomes.push(outcome),
      },
    });
    expect(await wrapped.retrieve('accounts', ID)).toEqual({ accountid: ID });
    await wrapped.close();
    expect(seen).toEqual([{ operation: 'retrieve', method: 'GET', url: `${server.webApiUrl}accounts(${ID})` }]);
    expect(server.requests).toHaveLength(2);
    expect(outcomes.map((o) => o.status)).toEqual([503, 200]);
    expect(outcomes[0]?.error).toBeInstanceOf(TransientError);
    expect(outcomes.every((o) => o.durationMs >= 0)).toBe(true);
  });
});

describe('$batch over HTTP (ref 5.1–5.4)', () => {
  it('posts multipart/mixed with CRLF and continue-on-error; reads per-part results', async () => {
    server.responder = (request) => {
      const boundary = /boundary=(\S+)/.exec(request.headers['content-type'] ?? '')?.[1] ?? '';
      const changeSetBoundary = /boundary=(changeset_\S+)/.exec(request.body)?.[1] ?? '';
      expect(boundary).toMatch(/^batch_/);
      expect(changeSetBoundary).toMatch(/^changeset_/);
      const body = [
        '--batchresponse_1',
        'Content-Type: multipart/mixed; boundary=changesetresponse_1',
        '',
        '--changesetresponse_1',
        'Content-Type: application/http',
        'Content-Transfer-Encoding: binary',
        'Content-ID: 1',
        '',
        'HTTP/1.1 204 No Content',
        `OData-EntityId: ${server.webApiUrl}accounts(${ID})`,
        '',
        '--changesetresponse_1--',
        '--batchresponse_1',
        'Content-Type: application/http',
        'Content-Transfer-Encoding: binary',
        '',
        'HTTP/1.1 412 Precondition Failed',
        'Content-Type: application/json; odata.metadata=minimal',
        '',
        JSON.stringify(dataverseError('0x80040237', 'A record with matching key values already exists.')),
        '--batchresponse_1--',
        '',
      ].join('\r\n');
      return { status: 200, headers: { 'Content-Type': 'multipart/mixed; boundary=batchresponse_1' }, body };
    };
    const result = await client.executeBatch(
      [
        { changeSet: [{ method: 'POST', target: { entitySet: 'accounts' }, body: { name: 'A' }, contentId: '1' }] },
        { method: 'PATCH', target: { entitySet: 'accounts', key: { accountnumber: 'A,1' } }, body: { name: 'B' }, condition: 'createOnly' },
      ],
      { continueOnError: true },
    );
    const sent = server.last;
    expect(sent.rawUrl).toBe(`${API}$batch`);
    expect(sent.headers.prefer).toBe('odata.continue-on-error');
    expect(sent.headers['content-type']).toMatch(/^multipart\/mixed; boundary=batch_[0-9a-f-]{36}$/);
    expect(sent.body).not.toMatch(/[^\r]\n/);
    expect(sent.body).toContain(`PATCH ${API}accounts(accountnumber='A%2C1') HTTP/1.1\r\nIf-None-Match: *\r\n`);
    expect(result.ok).toBe(false);
    expect(result.operations.map((o) => [o.outcome, o.id])).toEqual([
      ['succeeded', ID],
      ['failed', undefined],
    ]);
    expect(result.operations[1]?.error).toBeInstanceOf(DuplicateRecordError);
    expect(result.operations[1]?.error?.request).toEqual({ method: 'PATCH', path: `${API}accounts(accountnumber='A%2C1')` });
  });

  it('returns the failed batch (status ≥ 400 + multipart) and throws when the batch itself is refused', async () => {
    server.responder = () => ({
      status: 400,
      headers: { 'Content-Type': 'multipart/mixed; boundary=batchresponse_f' },
      body: ['--batchresponse_f', 'Content-Type: application/http', 'Content-Transfer-Encoding: binary', '', 'HTTP/1.1 400 Bad Request', '', JSON.stringify(dataverseError('0x80044331', 'too long')), '--batchresponse_f--', ''].join('\r\n'),
    });
    const result = await client.executeBatch([{ method: 'POST', target: { entitySet: 'tasks' }, body: { subject: 'x' } }]);
    expect(result).toMatchObject({ status: 400, ok: false });
    expect(result.operations[0]?.error).toBeInstanceOf(BusinessRuleError);

    server.responder = () => ({ status: 400, body: dataverseError('0x80048d19', 'Stream was not readable.') });
    await expect(client.executeBatch([{ method: 'GET', target: { entitySet: 'accounts' } }])).rejects.toBeInstanceOf(BusinessRuleError);
    server.responder = () => ({ status: 200, headers: { 'Content-Type': 'multipart/mixed; boundary=x' }, body: 'garbage' });
    await expect(client.executeBatch([{ method: 'GET', target: { entitySet: 'accounts' } }])).rejects.toThrow(/unreadable \$batch response/);
  });

  it('writes GET parts with query options and a page size, and $n references', async () => {
    server.responder = () => ({ status: 200, headers: { 'Content-Type': 'multipart/mixed; boundary=b' }, body: '--b--\r\n' });
    await client.executeBatch([
      { changeSet: [
        { method: 'POST', target: { entitySet: 'accounts' }, body: { name: 'A' }, contentId: 'acc' },
        { method: 'POST', target: { entitySet: 'contacts' }, body: { lastname: 'L', 'parentcustomerid_account@odata.bind': '$acc' } },
        { method: 'PATCH', target: { reference: 'acc' }, body: { name: 'A2' } },
      ] },
      { method: 'GET', target: { entitySet: 'accounts' }, query: { select: ['name'], filter: filterEquals('accountid', guid(ID)), maxPageSize: 10 } },
    ]);
    const body = server.last.body;
    expect(body).toContain('PATCH $acc HTTP/1.1\r\n');
    expect(body).toContain(`GET ${API}accounts?$select=name&$filter=accountid%20eq%20${ID} HTTP/1.1\r\nPrefer: odata.maxpagesize=10\r\n`);
    await expect(client.executeBatch([{ changeSet: [{ method: 'PATCH', target: { reference: 'nope' }, body: {} }] }])).rejects.toThrow(InvalidDataverseInputError);
  });
});

describe('EntityDefinitions metadata', () => {
  it('asks for names, keys, ManyToOne relationships and attributes once, then serves from the cache (by logical or set name)', async () => {
    server.responder = () => ({ status: 200, body: accountDefinition() });
    const metadata = await client.getEntityMetadata('account');
    expect(metadata).toEqual({
      logicalName: 'account',
      entitySetName: 'accounts',
      primaryIdAttribute: 'accountid',
      primaryNameAttribute: 'name',
      keys: [{ logicalName: 'ec_accountnumber', keyAttributes: ['accountnumber'] }],
      manyToOne: [{ schemaName: 'account_primary_contact', referencingAttribute: 'primarycontactid', navigationProperty: 'primarycontactid', referencedEntity: 'contact', referencedAttribute: 'contactid' }],
      attributes: [
        { logicalName: 'name', attributeType: 'String', validForCreate: true, validForUpdate: true, displayName: 'Account Name' },
        { logicalName: 'createdon', attributeType: 'DateTime', validForCreate: false, validForUpdate: false, displayName: undefined },
      ],
    });
    expect(server.last.rawUrl).toBe(`${API}EntityDefinitions(LogicalName='account')?${ENTITY_DEFINITION_QUERY}`);
    expect(await client.getEntityMetadata('account')).toBe(metadata);
    expect(await client.getEntityMetadataBySetName('accounts')).toBe(metadata);
    expect(server.requests).toHaveLength(1);
    await expect(client.getEntityMetadata("account')")).rejects.toThrow(InvalidDataverseInputError);
  });
});
