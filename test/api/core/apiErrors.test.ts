/**
 * The one error type: the kind picks status and code; the core names fields relative to the action's
 * input and the HTTP layer places them (http/errorFields.ts), the message written again with the path.
 */
import { randomUUID } from 'node:crypto';
import { ApiError, API_ERROR_KINDS, isRefusalOfTheRequest, isWorthRetrying } from '../../../api/src/core/ApiError';
import { ApiErrors } from '../../../api/src/core/ApiErrors';
import { createEnsureCore, type EnsureCore } from '../../../api/src/core/createEnsureCore';
import { actionsWithPlacedErrors, stubQueriesWithPlacedErrors } from '../../../api/src/http/errorFields';
import { startLocalAB, type LocalAB } from '../../support/abInstances';
import { context } from './coreFixture';

test('the kind picks status and code; the 502s and 503s keep the code TargetUnavailable', () => {
  expect(new ApiError('targetRefusedCredentials', 'x')).toMatchObject({ status: 502, code: 'TargetUnavailable' });
  expect(new ApiError('targetAnsweredUnexpectedly', 'x')).toMatchObject({ status: 502, code: 'TargetUnavailable' });
  expect(new ApiError('targetUnavailable', 'x')).toMatchObject({ status: 503, code: 'TargetUnavailable' });
  for (const [kind, { status }] of Object.entries(API_ERROR_KINDS)) {
    const error = new ApiError(kind as keyof typeof API_ERROR_KINDS, 'x');
    expect(isRefusalOfTheRequest(error)).toBe(status >= 400 && status < 429);
    expect(isWorthRetrying(error)).toBe(status === 429 || status === 503);
  }
});

test('a relative field is placed once, the message naming the placed path; placed errors stay as they are', () => {
  const error = ApiErrors.keyValueRefused('key.accountnumber', 'is empty');
  expect(error).toMatchObject({ field: 'key.accountnumber', message: 'key.accountnumber is empty.', relative: true });
  const placed = error.locate(() => 'body');
  expect(placed.toBody()).toEqual({ error: { code: 'InvalidKey', message: 'body.key.accountnumber is empty.', field: 'body.key.accountnumber' } });
  expect(placed.locate(() => 'query')).toBe(placed);
  const twice = ApiErrors.referenceGivenTwice('references.parentcustomerid_account', 'parentcustomerid_account').locate(() => 'body');
  expect(twice.message).toBe("body.references.parentcustomerid_account: 'parentcustomerid_account' is given both here and as 'parentcustomerid_account@odata.bind' in body.record; give it once.");
  const http = ApiErrors.invalidRequest('query.top', 'must be a number');
  expect(http.locate(() => 'body')).toBe(http);
});

describe('the core names fields relative to its input', () => {
  let ab: LocalAB;
  let core: EnsureCore;
  beforeAll(async () => {
    ab = await startLocalAB();
    core = createEnsureCore({ instances: ab.instances });
  });
  afterAll(async () => {
    await Promise.all([ab?.clientA.close(), ab?.clientB.close()]);
    await Promise.all([ab?.a.close(), ab?.b.close()]);
  });

  test.each([
    [{ table: 'account', key: { accountid: 'not-a-guid' } }, 'key.accountid', 'body.key.accountid'],
    [{ table: 'systemuser', key: { systemuserid: randomUUID() } }, 'table', 'body.table'],
    [{ table: 'account', key: { accountid: randomUUID() }, columns: { description: ['a\u0001'] } }, 'columns.description[0]', 'body.columns.description[0]'],
  ])('ensure %j: %s in the core, %s placed', async (input, relative, placed) => {
    const raw = (await core.ensure('b', input as never, context).catch((e: unknown) => e)) as ApiError;
    expect(raw).toMatchObject({ field: relative, relative: true });
    expect(raw.message.startsWith(relative)).toBe(true);
    const answered = (await actionsWithPlacedErrors(core).ensure('b', input as never, context).catch((e: unknown) => e)) as ApiError;
    expect(answered).toMatchObject({ field: placed, relative: false });
    expect(answered.message).toBe(`${placed}${raw.message.slice(relative.length)}`);
  });

  test('the instance is the URL’s, a stub list’s input the query', async () => {
    expect(await core.ensure('zz', { table: 'account', key: { accountid: randomUUID() } }, context).catch((e: unknown) => e)).toMatchObject({ code: 'UnknownInstance', field: 'instance' });
    expect((await actionsWithPlacedErrors(core).ensure('zz', { table: 'account', key: { accountid: randomUUID() } }, context).catch((e: unknown) => e)) as ApiError).toMatchObject({
      field: 'params.instance',
      message: "params.instance: no instance named 'zz' (configured: a, b).",
    });
    expect(await stubQueriesWithPlacedErrors(core).listStubs('b', { top: 0 }).catch((e: unknown) => e)).toMatchObject({ field: 'query.top', message: 'query.top must be a whole number from 1 to 5000.' });
    expect(await stubQueriesWithPlacedErrors(core).getStub('b', 'account', 'x').catch((e: unknown) => e)).toMatchObject({ field: 'params.id' });
  });
});
