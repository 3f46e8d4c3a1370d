/** ref 5: $batch over raw HTTP — written by hand here, independent of the server's own code. */
import { randomUUID } from 'node:crypto';
import { ANONYMOUS_CALLER_ID } from '../../api/src/local-dataverse/http/CallerIdentity';
import { LocalDataverseFixture } from './localDataverseFixture';
import { batchBody, httpPart, statuses, type Op } from './multipartBatch';

const dv = new LocalDataverseFixture();
beforeAll(() => dv.start());
afterAll(() => dv.stop());

const CRLF = '\r\n';

async function sendBatch(items: Array<Op | Op[]>, headers: Record<string, string> = {}) {
  const boundary = `batch_${randomUUID()}`;
  return dv.request('POST', '$batch', batchBody(boundary, items), { 'Content-Type': `multipart/mixed; boundary=${boundary}`, ...headers });
}

describe('$batch (ref 5)', () => {
  test('5.1/5.3 GET parts outside change sets and a change set of creates: response format clients parse', async () => {
    const id = await dv.create('accounts', { name: 'Batch read' });
    const r = await sendBatch([
      { method: 'GET', url: `accounts(${id})?$select=name` },
      [
        { method: 'POST', url: 'accounts', body: { name: 'B1' }, contentId: '1' },
        { method: 'POST', url: 'accounts', body: { name: 'B2' }, contentId: '2' },
      ],
    ]);
    expect(r.status).toBe(200);
    const boundary = /boundary=(batchresponse_[0-9a-f-]+)/.exec(r.headers.get('Content-Type') ?? '')![1]!;
    expect(r.text.startsWith(`--${boundary}\r\n`)).toBe(true);
    expect(r.text.trimEnd().endsWith(`--${boundary}--`)).toBe(true);
    expect(r.text).toMatch(/Content-Type: multipart\/mixed; boundary=changesetresponse_[0-9a-f-]+\r\n/);
    expect(r.text).toContain('Content-ID: 1\r\n');
    expect(r.text).toMatch(/OData-EntityId: http:\/\/127\.0\.0\.1:\d+\/api\/data\/v9\.2\/accounts\([0-9a-f-]{36}\)\r\n/);
    expect(r.text).not.toMatch(/[^\r]\n/); // CRLF everywhere
    expect(statuses(r.text)).toEqual([200, 204, 204]);
    expect(r.text).toContain('"name":"Batch read"');
  });

  test('5.2 change sets are atomic: a failing second operation leaves no trace of the first', async () => {
    const before = (await dv.request('GET', 'accounts/$count')).text;
    const marker = `rollback-${randomUUID()}`;
    const r = await sendBatch([
      [
        { method: 'POST', url: 'accounts', body: { name: marker }, contentId: '1' },
        { method: 'POST', url: 'contacts', body: { lastname: 'x', 'parentcustomerid_account@odata.bind': `/accounts(${randomUUID()})` }, contentId: '2' },
      ],
    ]);
    expect(r.status).toBe(404); // ref 5.4: the failure's status
    expect(statuses(r.text)).toEqual([404]);
    expect(r.text).toContain('0x80040217');
    expect((await dv.request('GET', 'accounts/$count')).text).toBe(before);
    const search = await dv.request('GET', `accounts?$filter=${encodeURIComponent(`name eq '${marker}'`)}`);
    expect(search.json().value).toEqual([]);
  });

  test('5.2 $n references in URLs and in @odata.bind bodies', async () => {
    const r = await sendBatch([
      [
        { method: 'POST', url: 'accounts', body: { name: 'Ref parent' }, contentId: '1' },
        { method: 'POST', url: 'contacts', body: { lastname: 'Ref child', 'parentcustomerid_account@odata.bind': '$1' }, contentId: '2' },
        { method: 'PATCH', url: '$1', body: { telephone1: '123', 'primarycontactid@odata.bind': '$2' }, contentId: '3' },
        { method: 'PUT', url: '$2/firstname', body: { value: 'Ada' }, contentId: '4' },
      ],
    ]);
    expect(r.status).toBe(200);
    expect(statuses(r.text)).toEqual([204, 204, 204, 204]);
    const accountId = /accounts\(([0-9a-f-]{36})\)/.exec(r.text)![1]!;
    const account = (await dv.request('GET', `accounts(${accountId})?$select=telephone1,_primarycontactid_value`)).json();
    expect(account.telephone1).toBe('123');
    const contact = (await dv.request('GET', `contacts(${account._primarycontactid_value})?$select=fullname,_parentcustomerid_value`)).json();
    expect(contact).toMatchObject({ fullname: 'Ada Ref child', _parentcustomerid_value: accountId });
  });

  test('5.2 a reference before its declaration fails the change set', async () => {
    const r = await sendBatch([[{ method: 'PATCH', url: '$9', body: { name: 'x' }, contentId: '1' }]]);
    expect(r.status).toBe(400);
    expect(r.text).toContain("Content-ID Reference: '$9' does not exist in the batch context.");
  });

  test('5.2 GET inside a change set is refused', async () => {
    const r = await sendBatch([[{ method: 'GET', url: 'accounts', contentId: '1' }]]);
    expect(r.status).toBe(400);
  });

  test('5.4 without continue-on-error processing stops at the first failure', async () => {
    const marker = `stop-${randomUUID()}`;
    const r = await sendBatch([
      { method: 'POST', url: 'accounts', body: { name: `${marker}-1` } },
      { method: 'POST', url: 'accounts', body: { nosuch: 1 } },
      { method: 'POST', url: 'accounts', body: { name: `${marker}-3` } },
    ]);
    expect(r.status).toBe(400);
    expect(statuses(r.text)).toEqual([400]);
    const created = (await dv.request('GET', `accounts?$select=name&$filter=${encodeURIComponent(`startswith(name,'${marker}')`)}`)).json();
    expect(created.value.map((v: { name: string }) => v.name)).toEqual([`${marker}-1`]);
  });

  test('5.4 with odata.continue-on-error every response is returned with 200, failed change set rolled back', async () => {
    const marker = `continue-${randomUUID()}`;
    const r = await sendBatch(
      [
        { method: 'POST', url: 'accounts', body: { name: `${marker}-1` } },
        [
          { method: 'POST', url: 'accounts', body: { name: `${marker}-cs` }, contentId: '1' },
          { method: 'POST', url: 'accounts', body: { name: 'x'.repeat(161) }, contentId: '2' },
        ],
        { method: 'POST', url: 'accounts', body: { name: `${marker}-3` } },
        { method: 'GET', url: `accounts(${randomUUID()})` },
      ],
      { Prefer: 'odata.continue-on-error' },
    );
    expect(r.status).toBe(200);
    expect(r.headers.get('Preference-Applied')).toBe('odata.continue-on-error');
    expect(statuses(r.text)).toEqual([204, 400, 204, 404]);
    expect(r.text).toContain('0x80044331');
    const created = (await dv.request('GET', `accounts?$select=name&$orderby=name&$filter=${encodeURIComponent(`startswith(name,'${marker}')`)}`)).json();
    expect(created.value.map((v: { name: string }) => v.name)).toEqual([`${marker}-1`, `${marker}-3`]);
  });

  test('request lines may use absolute URLs (as dynamics-web-api sends them)', async () => {
    const boundary = `batch_${randomUUID()}`;
    const body = `--${boundary}${CRLF}${httpPart({ method: 'POST', url: 'accounts', body: { name: 'Absolute' } }, dv.api)}--${boundary}--${CRLF}`;
    const r = await dv.request('POST', '$batch', body, { 'Content-Type': `multipart/mixed;boundary="${boundary}"` });
    expect(r.status).toBe(200);
    expect(statuses(r.text)).toEqual([204]);
  });

  test('5.1 more than 1000 operations are refused before anything runs', async () => {
    const before = (await dv.request('GET', 'accounts/$count')).text;
    const ops: Op[] = Array.from({ length: 1001 }, (_, i) => ({ method: 'POST', url: 'accounts', body: { name: `big ${i}` } }));
    const r = await sendBatch([ops.slice(0, 500), ops.slice(500)]);
    expect(r.status).toBe(400);
    expect(r.json().error.message).toContain('1000');
    expect((await dv.request('GET', 'accounts/$count')).text).toBe(before);
  });

  test('5.1 LF-only lines answer 400 "Stream was not readable"', async () => {
    const boundary = `batch_${randomUUID()}`;
    const body = batchBody(boundary, [{ method: 'POST', url: 'accounts', body: { name: 'LF' } }]).replace(/\r\n/g, '\n');
    const r = await dv.request('POST', '$batch', body, { 'Content-Type': `multipart/mixed; boundary=${boundary}` });
    expect(r.status).toBe(400);
    expect(r.json().error.code).toBe('0x80048d19');
    expect(r.json().error.message).toContain('Stream was not readable.');
  });

  test.each([
    ['no boundary in Content-Type', 'multipart/mixed', (b: string) => b],
    ['no closing boundary', null, (b: string) => b.replace(/--batch_[0-9a-f-]+--\r\n$/, '')],
    ['a part that is not application/http', null, (b: string) => b.replace('Content-Type: application/http', 'Content-Type: text/plain')],
    ['a garbled request line', null, (b: string) => b.replace('POST /api', 'POST')],
    ['JSON instead of multipart', 'application/json', () => '{"requests":[]}'],
  ])('broken multipart (%s) answers 400 and writes nothing', async (_name, contentType, mutate) => {
    const before = (await dv.request('GET', 'accounts/$count')).text;
    const boundary = `batch_${randomUUID()}`;
    const body = mutate(batchBody(boundary, [{ method: 'POST', url: 'accounts', body: { name: 'never' } }]));
    const r = await dv.request('POST', '$batch', body, { 'Content-Type': contentType ?? `multipart/mixed; boundary=${boundary}` });
    expect(r.status).toBe(400);
    expect(r.json().error.message.length).toBeGreaterThan(0);
    expect((await dv.request('GET', 'accounts/$count')).text).toBe(before);
  });

  test('operations inside a batch are counted by method in /_admin/stats', async () => {
    await dv.admin('POST', 'stats/reset');
    await sendBatch([{ method: 'GET', url: 'accounts?$top=1' }, [{ method: 'POST', url: 'accounts', body: { name: 's' }, contentId: '1' }, { method: 'PATCH', url: '$1', body: { name: 't' }, contentId: '2' }]]);
    const stats = (await dv.admin('GET', 'stats')).body;
    expect(stats.http).toEqual({ total: 1, byMethod: { POST: 1 }, byCaller: { [ANONYMOUS_CALLER_ID]: 1 } });
    expect(stats.batchOperations).toEqual({ total: 3, byMethod: { GET: 1, POST: 1, PATCH: 1 } });
  });
});
