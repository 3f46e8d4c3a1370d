import { writeBatchRequest } from '../../../api/src/dataverse/BatchRequestWriter';
import { BatchResponseFormatError, multipartBoundary, readBatchResponse } from '../../../api/src/dataverse/BatchResponseReader';
import type { BatchItem } from '../../../api/src/dataverse/DataverseClient';
import { DuplicateRecordError, InvalidDataverseInputError, BusinessRuleError } from '../../../api/src/dataverse/DataverseErrors';
import { attributeBatchResponses } from '../../../api/src/dataverse/WebApiClient';

/** Writes a wire text from readable lines: every line ends with CRLF (ref 5.1). */
const crlf = (...lines: string[]) => lines.map((line) => `${line}\r\n`).join('');

function fixedIds(...ids: string[]): () => string {
  const queue = [...ids];
  return () => {
    const id = queue.shift();
    if (id === undefined) throw new Error('test ran out of ids');
    return id;
  };
}

describe('writeBatchRequest (ref 5.1, 5.2)', () => {
  it('writes top-level requests and a change set with Content-IDs and $n references, all CRLF', () => {
    const written = writeBatchRequest(
      [
        {
          changeSet: [
            { method: 'POST', url: 'accounts', body: '{"name":"A"}', contentId: '1' },
            { method: 'POST', url: 'contacts', body: '{"lastname":"B","parentcustomerid_account@odata.bind":"$1"}' },
            { method: 'PATCH', url: '$1', headers: { 'If-Match': '*' }, body: '{"name":"A2"}' },
          ],
        },
        { method: 'GET', url: "accounts(accountnumber='A%2F1')?$select=name" },
      ],
      { webApiPath: '/api/data/v9.2/', newId: fixedIds('B', 'C') },
    );
    expect(written.contentType).toBe('multipart/mixed; boundary=batch_B');
    expect(written.body).toBe(
      crlf(
        '--batch_B',
        'Content-Type: multipart/mixed; boundary=changeset_C',
        '',
        '--changeset_C',
        'Content-Type: application/http',
        'Content-Transfer-Encoding: binary',
        'Content-ID: 1',
        '',
        'POST /api/data/v9.2/accounts HTTP/1.1',
        'Content-Type: application/json; type=entry',
        '',
        '{"name":"A"}',
        '--changeset_C',
        'Content-Type: application/http',
        'Content-Transfer-Encoding: binary',
        'Content-ID: 2',
        '',
        'POST /api/data/v9.2/contacts HTTP/1.1',
        'Content-Type: application/json; type=entry',
        '',
        '{"lastname":"B","parentcustomerid_account@odata.bind":"$1"}',
        '--changeset_C',
        'Content-Type: application/http',
        'Content-Transfer-Encoding: binary',
        'Content-ID: 3',
        '',
        'PATCH $1 HTTP/1.1',
        'If-Match: *',
        'Content-Type: application/json; type=entry',
        '',
        '{"name":"A2"}',
        '--changeset_C--',
        '--batch_B',
        'Content-Type: application/http',
        'Content-Transfer-Encoding: binary',
        '',
        "GET /api/data/v9.2/accounts(accountnumber='A%2F1')?$select=name HTTP/1.1",
        '',
        '',
        '--batch_B--',
      ),
    );
    expect(written.body).not.toMatch(/[^\r]\n/);
    expect(written.parts.map((p) => [p.index, p.method, p.contentId, p.changeSetIndex])).toEqual([
      [0, 'POST', '1', 0],
      [1, 'POST', '2', 0],
      [2, 'PATCH', '3', 0],
      [3, 'GET', undefined, undefined],
    ]);
  });

  it('assigns Content-IDs that do not collide with the caller’s', () => {
    const written = writeBatchRequest(
      [{ changeSet: [{ method: 'POST', url: 'accounts', body: '{}' }, { method: 'POST', url: 'accounts', body: '{}', contentId: '1' }] }],
      { webApiPath: '/api/data/v9.2/' },
    );
    expect(written.parts.map((p) => p.contentId)).toEqual(['2', '1']);
  });

  it('refuses what the server would refuse, before sending', () => {
    const opts = { webApiPath: '/api/data/v9.2/' };
    expect(() => writeBatchRequest([], opts)).toThrow(InvalidDataverseInputError);
    expect(() => writeBatchRequest([{ changeSet: [] }, { method: 'GET', url: 'accounts' }], opts)).toThrow(/empty/);
    expect(() => writeBatchRequest([{ changeSet: [{ method: 'GET', url: 'accounts' }] }], opts)).toThrow(/GET is not allowed/);
    // ref 5.2: "Content-ID Reference: '$1' does not exist in the batch context."
    expect(() =>
      writeBatchRequest(
        [{ changeSet: [{ method: 'PATCH', url: '$1', body: '{}', contentId: '2' }, { method: 'POST', url: 'accounts', body: '{}', contentId: '1' }] }],
        opts,
      ),
    ).toThrow(/does not name an earlier request/);
    expect(() => writeBatchRequest([{ method: 'PATCH', url: '$1', body: '{}' }], opts)).toThrow(/only valid inside a change set/);
    expect(() => writeBatchRequest([{ method: 'GET', url: 'accounts HTTP/1.1\r\nX: y' }], opts)).toThrow(InvalidDataverseInputError);
    expect(() => writeBatchRequest([{ method: 'GET', url: 'https://evil.example/x' }], opts)).toThrow(/relative/);
    expect(() => writeBatchRequest([{ method: 'GET', url: 'accounts', headers: { 'If-Match': '*\r\nX: y' } }], opts)).toThrow(/line break/);
    expect(() =>
      writeBatchRequest([{ changeSet: [{ method: 'POST', url: 'a', body: '{}', contentId: 'x' }, { method: 'POST', url: 'b', body: '{}', contentId: 'x' }] }], opts),
    ).toThrow(/used twice/);
    expect(() => writeBatchRequest(Array.from({ length: 1001 }, () => ({ method: 'GET' as const, url: 'accounts' })), opts)).toThrow(/at most 1000/);
    expect(() =>
      writeBatchRequest([{ method: 'POST', url: 'accounts', body: '{"name":"--batch_X"}' }], { ...opts, newId: fixedIds('X') }),
    ).toThrow(/boundary/);
  });
});

// The change set response of the docs' "Reference URIs in request body" example (ref 5.3), CRLF.
const CHANGESET_RESPONSE = crlf(
  '--batchresponse_3cace264',
  'Content-Type: multipart/mixed; boundary=changesetresponse_1a5db8a1',
  '',
  '--changesetresponse_1a5db8a1',
  'Content-Type: application/http',
  'Content-Transfer-Encoding: binary',
  'Content-ID: 1',
  '',
  'HTTP/1.1 204 No Content',
  'OData-Version: 4.0',
  'Location: https://org.example/api/data/v9.2/leads(425195a4-7a75-e911-a97a-000d3a34a1bd)',
  'OData-EntityId: https://org.example/api/data/v9.2/leads(425195a4-7a75-e911-a97a-000d3a34a1bd)',
  '',
  '--changesetresponse_1a5db8a1',
  'Content-Type: application/http',
  'Content-Transfer-Encoding: binary',
  'Content-ID: 2',
  '',
  'HTTP/1.1 204 No Content',
  'OData-Version: 4.0',
  'Location:https://org.example/api/data/v9.2/contacts(495195a4-7a75-e911-a97a-000d3a34a1bd)',
  'OData-EntityId:https://org.example/api/data/v9.2/contacts(495195a4-7a75-e911-a97a-000d3a34a1bd)',
  '',
  '',
  '--changesetresponse_1a5db8a1--',
  '--batchresponse_3cace264',
  'Content-Type: application/http',
  'Content-Transfer-Encoding: binary',
  '',
  'HTTP/1.1 200 OK',
  'Content-Type: application/json; odata.metadata=minimal; odata.streaming=true',
  'OData-Version: 4.0',
  '',
  '{"@odata.context":"https://org.example/api/data/v9.2/$metadata#tasks(subject)","value":[{"subject":"Task 1"}]}',
  '--batchresponse_3cace264--',
);

// The docs' failed batch without continue-on-error (ref 5.4): status 400, only the failing response.
const FAILED_BATCH_RESPONSE = crlf(
  '--batchresponse_156da4b8',
  'Content-Type: application/http',
  'Content-Transfer-Encoding: binary',
  '',
  'HTTP/1.1 400 Bad Request',
  'REQ_ID: 5ecd1cb3-1730-4ffc-909c-d44c22270026',
  'Content-Type: application/json; odata.metadata=minimal',
  'OData-Version: 4.0',
  '',
  `{"error":{"code":"0x80044331","message":"A validation error occurred.  The length of the 'subject' attribute of the 'task' entity exceeded the maximum allowed length of '200'."}}`,
  '--batchresponse_156da4b8--',
);

describe('readBatchResponse (ref 5.3, 5.4)', () => {
  it('reads the boundary quoted or bare', () => {
    expect(multipartBoundary('multipart/mixed; boundary=batchresponse_1')).toBe('batchresponse_1');
    expect(multipartBoundary('multipart/mixed;boundary="batchresponse_2"')).toBe('batchresponse_2');
    expect(multipartBoundary('application/json')).toBeUndefined();
  });

  it('flattens nested change set responses with their Content-IDs, statuses, headers and JSON bodies', () => {
    const parts = readBatchResponse('multipart/mixed; boundary=batchresponse_3cace264', CHANGESET_RESPONSE);
    expect(parts).toHaveLength(3);
    expect(parts[0]).toMatchObject({ status: 204, statusText: 'No Content', contentId: '1', changeSetOrdinal: 0, bodyText: '', body: undefined });
    expect(parts[0]?.headers['odata-entityid']).toBe('https://org.example/api/data/v9.2/leads(425195a4-7a75-e911-a97a-000d3a34a1bd)');
    expect(parts[1]?.headers.location).toBe('https://org.example/api/data/v9.2/contacts(495195a4-7a75-e911-a97a-000d3a34a1bd)');
    expect(parts[2]).toMatchObject({ status: 200, contentId: undefined, changeSetOrdinal: undefined });
    expect(parts[2]?.body).toEqual({ '@odata.context': 'https://org.example/api/data/v9.2/$metadata#tasks(subject)', value: [{ subject: 'Task 1' }] });
  });

  it('reads LF-only bodies too', () => {
    const parts = readBatchResponse('multipart/mixed; boundary=batchresponse_3cace264', CHANGESET_RESPONSE.replace(/\r\n/g, '\n'));
    expect(parts.map((p) => p.status)).toEqual([204, 204, 200]);
  });

  it('reads the failed-batch body: just the failing response', () => {
    const parts = readBatchResponse('multipart/mixed; boundary=batchresponse_156da4b8', FAILED_BATCH_RESPONSE);
    expect(parts).toHaveLength(1);
    expect(parts[0]?.status).toBe(400);
    expect(parts[0]?.headers['req_id']).toBe('5ecd1cb3-1730-4ffc-909c-d44c22270026');
    expect((parts[0]?.body as { error: { code: string } }).error.code).toBe('0x80044331');
  });

  it('rejects bodies that are not a batch response', () => {
    expect(() => readBatchResponse('application/json', '{}')).toThrow(BatchResponseFormatError);
    expect(() => readBatchResponse('multipart/mixed; boundary=b', crlf('--b', 'Content-Type: application/http', '', 'HTTP/1.1 204 No Content', ''))).toThrow(/closing delimiter/);
    expect(() => readBatchResponse('multipart/mixed; boundary=b', crlf('--b', 'Content-Type: application/http', '', 'nonsense', '--b--'))).toThrow(/status line/);
  });
});

describe('attributing responses to requests', () => {
  const opts = { webApiPath: '/api/data/v9.2/' };

  it('maps a 200 batch by Content-ID and order, with ids from OData-EntityId', () => {
    const items: BatchItem[] = [
      { changeSet: [
        { method: 'POST', target: { entitySet: 'leads' }, body: {}, contentId: '1' },
        { method: 'POST', target: { entitySet: 'contacts' }, body: {}, contentId: '2' },
      ] },
      { method: 'GET', target: { entitySet: 'tasks' } },
    ];
    const written = writeBatchRequest(
      [{ changeSet: [{ method: 'POST', url: 'leads', body: '{}', contentId: '1' }, { method: 'POST', url: 'contacts', body: '{}', contentId: '2' }] }, { method: 'GET', url: 'tasks' }],
      opts,
    );
    const result = attributeBatchResponses(items, written.parts, readBatchResponse('multipart/mixed; boundary=batchresponse_3cace264', CHANGESET_RESPONSE), 200);
    expect(result.ok).toBe(true);
    expect(result.operations.map((o) => [o.outcome, o.id])).toEqual([
      ['succeeded', '425195a4-7a75-e911-a97a-000d3a34a1bd'],
      ['succeeded', '495195a4-7a75-e911-a97a-000d3a34a1bd'],
      ['succeeded', undefined],
    ]);
  });

  it('matches change set responses without Content-ID by position inside their changesetresponse', () => {
    const body = crlf(
      '--batchresponse_n',
      'Content-Type: multipart/mixed; boundary=changesetresponse_n',
      '',
      '--changesetresponse_n',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      '',
      'HTTP/1.1 204 No Content',
      'OData-EntityId: https://org.example/api/data/v9.2/accounts(00000000-0000-0000-0000-00000000000a)',
      '',
      '--changesetresponse_n',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      '',
      'HTTP/1.1 204 No Content',
      'OData-EntityId: https://org.example/api/data/v9.2/contacts(00000000-0000-0000-0000-00000000000b)',
      '',
      '--changesetresponse_n--',
      '--batchresponse_n',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      '',
      'HTTP/1.1 200 OK',
      'Content-Type: application/json',
      '',
      '{"value":[]}',
      '--batchresponse_n--',
    );
    const items: BatchItem[] = [
      { changeSet: [{ method: 'POST', target: { entitySet: 'accounts' }, body: {} }, { method: 'POST', target: { entitySet: 'contacts' }, body: {} }] },
      { method: 'GET', target: { entitySet: 'accounts' } },
    ];
    const written = writeBatchRequest(
      [{ changeSet: [{ method: 'POST', url: 'accounts', body: '{}' }, { method: 'POST', url: 'contacts', body: '{}' }] }, { method: 'GET', url: 'accounts' }],
      opts,
    );
    const result = attributeBatchResponses(items, written.parts, readBatchResponse('multipart/mixed; boundary=batchresponse_n', body), 200);
    expect(result.ok).toBe(true);
    expect(result.operations.map((o) => [o.outcome, o.id, o.response?.status])).toEqual([
      ['succeeded', '00000000-0000-0000-0000-00000000000a', 204],
      ['succeeded', '00000000-0000-0000-0000-00000000000b', 204],
      ['succeeded', undefined, 200],
    ]);
  });

  it('maps the failed batch (status 400, one response) to the only request and types its error', () => {
    const items: BatchItem[] = [{ method: 'POST', target: { entitySet: 'tasks' }, body: { subject: 'x' } }];
    const written = writeBatchRequest([{ method: 'POST', url: 'tasks', body: '{"subject":"x"}' }], opts);
    const result = attributeBatchResponses(items, written.parts, readBatchResponse('multipart/mixed; boundary=batchresponse_156da4b8', FAILED_BATCH_RESPONSE), 400);
    expect(result.ok).toBe(false);
    expect(result.status).toBe(400);
    expect(result.operations[0]?.outcome).toBe('failed');
    const error = result.operations[0]?.error;
    expect(error).toBeInstanceOf(BusinessRuleError);
    expect(error).toMatchObject({ status: 400, code: '0x80044331', request: { method: 'POST', path: '/api/data/v9.2/tasks' }, batchPart: { index: 0 } });
    expect(result.errors).toEqual([error]);
  });

  it('marks a change set whose member failed as rolled back, and a failure without a request position as unattributed', () => {
    const failingMember = crlf(
      '--batchresponse_x',
      'Content-Type: multipart/mixed; boundary=changesetresponse_y',
      '',
      '--changesetresponse_y',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      'Content-ID: 1',
      '',
      'HTTP/1.1 204 No Content',
      '',
      '--changesetresponse_y',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      'Content-ID: 2',
      '',
      'HTTP/1.1 412 Precondition Failed',
      'Content-Type: application/json; odata.metadata=minimal',
      '',
      '{"error":{"code":"0x80040237","message":"A record with matching key values already exists."}}',
      '--changesetresponse_y--',
      '--batchresponse_x--',
    );
    const items: BatchItem[] = [
      { method: 'GET', target: { entitySet: 'accounts' } },
      { changeSet: [
        { method: 'POST', target: { entitySet: 'accounts' }, body: {} },
        { method: 'PATCH', target: { entitySet: 'accounts', key: { accountnumber: 'A' } }, body: {}, condition: 'createOnly' },
      ] },
    ];
    const written = writeBatchRequest(
      [{ method: 'GET', url: 'accounts' }, { changeSet: [{ method: 'POST', url: 'accounts', body: '{}' }, { method: 'PATCH', url: "accounts(accountnumber='A')", body: '{}', headers: { 'If-None-Match': '*' } }] }],
      opts,
    );
    const result = attributeBatchResponses(items, written.parts, readBatchResponse('multipart/mixed; boundary=batchresponse_x', failingMember), 412);
    expect(result.operations.map((o) => o.outcome)).toEqual(['no-response', 'rolled-back', 'failed']);
    expect(result.operations[2]?.error).toBeInstanceOf(DuplicateRecordError);
    expect(result.operations[2]?.error?.batchPart).toEqual({ index: 2, contentId: '2' });

    const noContentId = crlf(
      '--batchresponse_z',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      '',
      'HTTP/1.1 400 Bad Request',
      '',
      '{"error":{"code":"0x80044331","message":"bad"}}',
      '--batchresponse_z--',
    );
    const unknown = attributeBatchResponses(items, written.parts, readBatchResponse('multipart/mixed; boundary=batchresponse_z', noContentId), 400);
    expect(unknown.operations.every((o) => o.outcome === 'no-response')).toBe(true);
    expect(unknown.errors).toHaveLength(1);
    expect(unknown.errors[0]).toBeInstanceOf(BusinessRuleError);
    expect(unknown.errors[0]?.batchPart).toEqual({});
  });
});
