import {
  BusinessRuleError,
  ConcurrencyMismatchError,
  DataverseError,
  dataverseErrorFromResponse,
  DataverseRequestError,
  DuplicateRecordError,
  ForbiddenError,
  KeyNotDefinedError,
  NotFoundError,
  parseRetryAfter,
  RecordNotFoundByKeyError,
  ResourceNotFoundError,
  ThrottledError,
  TransientError,
  transientErrorFromException,
  UnauthorizedError,
} from '../../../api/src/dataverse/DataverseErrors';

const request = { method: 'PATCH', path: "/api/data/v9.2/accounts(accountnumber='A')" };

function map(status: number, body: unknown, headers: Record<string, string> = {}, requestHeaders?: Record<string, string>) {
  return dataverseErrorFromResponse(
    { status, bodyText: typeof body === 'string' ? body : JSON.stringify(body), header: (name) => headers[name.toLowerCase()] },
    { request, ...(requestHeaders ? { requestHeaders } : {}), now: () => Date.parse('2026-11-26T10:00:00Z') },
  );
}
const err = (code: string, message: string) => ({ error: { code, message } });

describe('dataverseErrorFromResponse (ref 6.1–6.4)', () => {
  it.each([
    ['404 ObjectDoesNotExist', 404, err('0x80040217', "Entity 'account' With Id = 1 Does Not Exist"), NotFoundError],
    ['404 with the 2021 empty code', 404, err('', 'account With Id = 1 Does Not Exist'), NotFoundError],
    ['RecordNotFoundByEntityKey', 404, err('0x80060891', 'A record with the specified key values does not exist in account entity'), RecordNotFoundByKeyError],
    ['resource not found for the segment', 404, err('0x8006088a', "Resource not found for the segment 'Account'."), ResourceNotFoundError],
    ['412 DuplicateRecord', 412, err('0x80040237', 'A record with matching key values already exists.'), DuplicateRecordError],
    ['DuplicateRecordEntityKey', 412, err('0x80060892', 'Entity Key account_number violated.'), DuplicateRecordError],
    ['412 with empty code (ref 2.4 text)', 412, err('', 'A record with matching key values already exists.'), DuplicateRecordError],
    ['EntityKeyNotDefined', 400, err('0x80060890', 'The specified key attributes are not a defined key for the account entity'), KeyNotDefinedError],
    [
      'the key in the request URI is not valid (ref 2.8, no code)',
      400,
      err('', "The key in the request URI is not valid for resource 'Microsoft.Dynamics.CRM.account'. Ensure that the names and number of key properties match the declared or alternate key properties for the resource 'Microsoft.Dynamics.CRM.account'."),
      KeyNotDefinedError,
    ],
    ['ConcurrencyVersionMismatch', 412, err('0x80060882', "The version of the existing record doesn't match the RowVersion property provided."), ConcurrencyMismatchError],
    ['412 with empty code (ref 7.2 text)', 412, err('', "The version of the existing record doesn't match the RowVersion property provided."), ConcurrencyMismatchError],
    ['validation 0x80044331', 400, err('0x80044331', 'A validation error occurred.'), BusinessRuleError],
    ['unknown property 0x0', 400, err('0x0', "Invalid property 'Name' was found"), BusinessRuleError],
    ['payload error', 400, err('0x80048d19', 'Stream was not readable.'), BusinessRuleError],
    ['401', 401, '', UnauthorizedError],
    ['403', 403, err('0x80040220', 'Principal user is missing prvCreateAccount privilege'), ForbiddenError],
    ['408', 408, '', TransientError],
    ['500', 500, err('0x80040216', 'An unexpected error occurred.'), TransientError],
    ['502 with an HTML body', 502, '<html>Bad gateway</html>', TransientError],
    ['503', 503, '', TransientError],
    ['504', 504, '', TransientError],
    ['501 is not transient', 501, '', DataverseRequestError],
    ['405', 405, '', DataverseRequestError],
    ['413', 413, '', DataverseRequestError],
  ])('%s', (_label, status, body, type) => {
    const error = map(status, body);
    expect(error).toBeInstanceOf(type);
    expect(error).toBeInstanceOf(DataverseError);
    expect(error.status).toBe(status);
    expect(error.request).toEqual(request);
    expect(error.message).toContain(`HTTP ${status}`);
    expect(error.message).toContain(request.path);
  });

  it('keeps the Dataverse code and message', () => {
    const error = map(404, err('0x80040217', "Entity 'account' With Id = 1 Does Not Exist"));
    expect(error.code).toBe('0x80040217');
    expect(error.dataverseMessage).toBe("Entity 'account' With Id = 1 Does Not Exist");
    expect(error.kind).toBe('NotFound');
    expect(map(404, err('0x80060891', 'x')).kind).toBe('RecordNotFoundByKey');
    expect(map(404, err('0x80060891', 'x'))).toBeInstanceOf(NotFoundError);
  });

  it('tells a 412 without code or known text apart by the request’s condition', () => {
    expect(map(412, err('', 'Precondition failed'), {}, { 'If-Match': 'W/"5"' })).toBeInstanceOf(ConcurrencyMismatchError);
    expect(map(412, err('', 'Precondition failed'), {}, { 'If-None-Match': '*' })).toBeInstanceOf(DuplicateRecordError);
  });

  describe('429 service protection (ref 6.4)', () => {
    it('parses Retry-After seconds and the limit from the code', () => {
      const error = map(429, err('0x80072322', 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.'), { 'retry-after': '17' });
      expect(error).toBeInstanceOf(ThrottledError);
      expect((error as ThrottledError).retryAfterMs).toBe(17_000);
      expect((error as ThrottledError).limit).toBe('requests');
    });

    it('parses an HTTP-date Retry-After against the clock', () => {
      const error = map(429, err('0x80072321', 'Combined execution time…'), { 'retry-after': 'Thu, 26 Nov 2026 10:00:30 GMT' }) as ThrottledError;
      expect(error.retryAfterMs).toBe(30_000);
      expect(error.limit).toBe('execution-time');
      expect((map(429, err('0x80072326', 'Number of concurrent requests exceeded the limit of 52.')) as ThrottledError).limit).toBe('concurrent-requests');
      expect((map(429, '') as ThrottledError).retryAfterMs).toBeUndefined();
    });

    it('parseRetryAfter handles decimals, past dates and garbage', () => {
      const now = Date.parse('2026-11-26T10:00:00Z');
      expect(parseRetryAfter('0', now)).toBe(0);
      expect(parseRetryAfter('1.5', now)).toBe(1500);
      expect(parseRetryAfter('Thu, 26 Nov 2026 09:59:00 GMT', now)).toBe(0);
      expect(parseRetryAfter('soon', now)).toBeUndefined();
      expect(parseRetryAfter('-3', now)).toBeUndefined();
      expect(parseRetryAfter(undefined, now)).toBeUndefined();
    });

    it('keeps a 503 Retry-After on the transient error', () => {
      expect((map(503, '', { 'retry-after': '2' }) as TransientError).retryAfterMs).toBe(2000);
    });
  });

  it('wraps connection failures and timeouts as transient with the cause', () => {
    const refused = new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') });
    const error = transientErrorFromException(refused, { request });
    expect(error).toBeInstanceOf(TransientError);
    expect(error.status).toBeUndefined();
    expect(error.cause).toBe(refused);
    expect(error.message).toContain('ECONNREFUSED');
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(transientErrorFromException(timeout, { request }).message).toMatch(/timeout/);
  });

  it('caps very long messages', () => {
    const error = map(400, err('0x80044331', 'x'.repeat(10_000)));
    expect(error.dataverseMessage.length).toBeLessThan(2100);
  });
});
