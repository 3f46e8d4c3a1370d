/** Submit record: references in both styles, round trips, concurrency, stale cache, hostile input. */
import { randomUUID } from 'node:crypto';
import { ApiError } from '../../../api/src/core/ApiError';
import { createEnsureCore, type SubmitStrategy } from '../../../api/src/core/createEnsureCore';
import { WebApiClient } from '../../../api/src/dataverse';
import { context, CoreFixture } from './coreFixture';

describe.each<[SubmitStrategy, { mixed: { http: number; operations: number } }]>([
  ['single-round-trip', { mixed: { http: 1, operations: 5 } }], // change sets (stub + row) for account and contact, then the record
  ['atomic', { mixed: { http: 2, operations: 5 } }], // existence $batch of one GET per table, then one change set (stub, row, record)
])('submit (%s)', (strategy, expected) => {
  const f = new CoreFixture();
  beforeAll(async () => {
    await f.start(strategy);
    await f.core.tables('b'); // table metadata is cached once per process; round trips below are per submit
  });
  afterAll(() => f.stop());

  async function createIn(instance: 'a' | 'b', entitySet: string, body: Record<string, unknown>): Promise<string> {
    const target = instance === 'a' ? f.a : f.b;
    const response = await fetch(`${target.webApiUrl}${entitySet}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    if (response.status !== 204) throw new Error(await response.text());
    return /\(([0-9a-f-]{36})\)/.exec(response.headers.get('OData-EntityId')!)![1]!;
  }

    test('without references: created, one round trip', async () => {
      await f.resetStats();
      const result = await f.core.submit('b', { table: 'account', record: { name: 'Plain' } }, context);
      expect(result).toMatchObject({ table: 'account', operation: 'created', stubsCreated: [] });
      expect(await f.bRequests()).toEqual({ http: 1, operations: 0 });
      expect((await f.get(f.b, `accounts(${result.id})?$select=name`)).body.name).toBe('Plain');
    });

    test('upsert by key: created, then updated', async () => {
      const first = await f.core.submit('b', { table: 'account', key: { accountnumber: 'SUB-UP-1' }, record: { name: 'v1' } }, context);
      expect(first.operation).toBe('created');
      const second = await f.core.submit('b', { table: 'account', key: { accountnumber: 'SUB-UP-1' }, record: { name: 'v2' } }, context);
      expect(second).toMatchObject({ id: first.id, operation: 'updated' });
    });

    test('the failure the product exists for: a direct write fails, submit succeeds with a stub', async () => {
      const accountId = randomUUID();
      const direct = await fetch(`${f.b.webApiUrl}contacts`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ lastname: 'Direct', 'parentcustomerid_account@odata.bind': `/accounts(${accountId})` }),
      });
      expect(direct.status).toBe(404);
      const result = await f.core.submit('b', { table: 'contact', record: { lastname: 'Via API', 'parentcustomerid_account@odata.bind': `/accounts(${accountId})` } }, context);
      expect(result.stubsCreated).toEqual([{ table: 'account', id: accountId, key: { accountid: accountId } }]);
      expect((await f.get(f.b, `contacts(${result.id})?$select=_parentcustomerid_value`)).body._parentcustomerid_value).toBe(accountId);
    });

    test('three references of mixed tables in both styles: stubs for the missing ones only, 2 round trips', async () => {
      const existing = await createIn('b', 'accounts', { name: 'Existing parent', accountnumber: 'SUB-EX-1' });
      const missingAccount = randomUUID();
      const missingContactKey = randomUUID();
      await f.resetStats();
      const result = await f.core.submit(
        'b',
        {
          table: 'account',
          record: {
            name: 'Child',
            'parentaccountid@odata.bind': "/accounts(accountnumber='SUB-EX-1')",
          },
          references: {
            primarycontactid: { table: 'contact', key: { contactid: missingContactKey }, name: 'Grace' },
          },
        },
        context,
      );
      expect(result.stubsCreated).toEqual([{ table: 'contact', id: missingContactKey, key: { contactid: missingContactKey } }]);
      expect(await f.bRequests()).toEqual(expected.mixed);
      const child = (await f.get(f.b, `accounts(${result.id})?$select=_parentaccountid_value,_primarycontactid_value`)).body;
      expect(child).toMatchObject({ _parentaccountid_value: existing, _primarycontactid_value: missingContactKey });
      expect((await f.get(f.b, `contacts(${missingContactKey})?$select=lastname`)).body.lastname).toBe('Grace');

      // A third reference style: explicit by alternate key on a contact's polymorphic lookup.
      const contact = await f.core.submit(
        'b',
        {
          table: 'contact',
          record: { lastname: 'Three refs' },
          references: { parentcustomerid_account: { table: 'account', key: { accountid: missingAccount } } },
        },
        context,
      );
      expect(contact.stubsCreated.map((s) => s.id)).toEqual([missingAccount]);
    });

    test('references known to the existence cache cost one round trip', async () => {
      const accountId = randomUUID();
      await f.core.submit('b', { table: 'contact', record: { lastname: 'first', 'parentcustomerid_account@odata.bind': `/accounts(${accountId})` } }, context);
      await f.resetStats();
      await f.core.submit('b', { table: 'contact', record: { lastname: 'second', 'parentcustomerid_account@odata.bind': `/accounts(${accountId})` } }, context);
      expect(await f.bRequests()).toEqual({ http: 1, operations: 0 });
    });

    test('an existing record referenced by alternate key is learned: the next submit is one round trip, no stub attempt, no source lookup', async () => {
      const aStats = async () => ((await (await fetch(`${f.a.url}/_admin/stats`)).json()) as { http: { total: number } }).http.total;
      const tag = strategy === 'atomic' ? 'AT' : 'SR';
      const number = `LRN-${tag}`; // accountnumber: at most 20 characters
      // The account exists in B (replicated earlier) and in A under the same GUID.
      const existing = await createIn('b', 'accounts', { name: 'Existing by key', accountnumber: number });
      await createIn('a', 'accounts', { accountid: existing, name: 'Existing by key', accountnumber: number });
      const bind = { 'parentcustomerid_account@odata.bind': `/accounts(accountnumber='${number}')` };

      await f.resetStats();
      const first = await f.core.submit('b', { table: 'contact', record: { lastname: 'first', ...bind } }, context);
      expect(first.stubsCreated).toEqual([]);
      // single-round-trip: 1 $batch (stub change set refused with 412, then the record); atomic: existence query + record.
      expect((await f.bRequests()).http).toBe(strategy === 'atomic' ? 2 : 1);

      // Both reference styles, a create and an upsert by key (whose answer also carries the lookup).
      const seconds = [
        () => f.core.submit('b', { table: 'contact', record: { lastname: 'second', ...bind } }, context),
        () => f.core.submit('b', { table: 'contact', record: { lastname: 'third' }, references: { parentcustomerid_account: { table: 'account', key: { accountnumber: number } } } }, context),
      ];
      for (const submit of seconds) {
        await f.resetStats();
        const result = await submit();
        expect(result).toMatchObject({ operation: 'created', stubsCreated: [] });
        expect(await f.bRequests()).toEqual({ http: 1, operations: 0 }); // one plain create, no $batch, no stub
        expect(await aStats()).toBe(0); // no source lookup
        expect((await f.get(f.b, `contacts(${result.id})?$select=_parentcustomerid_value`)).body._parentcustomerid_value).toBe(existing);
      }
      expect(await f.count(f.b, 'ec_stubs', `ec_recordid eq '${existing}'`)).toBe(0);

      // An upsert by key referencing another existing account by key: learned from its answer too.
      const parentNumber = `LRP-${tag}`;
      const parent = await createIn('b', 'accounts', { name: 'Parent by key', accountnumber: parentNumber });
      const parentBind = { 'parentaccountid@odata.bind': `/accounts(accountnumber='${parentNumber}')` };
      await f.core.submit('b', { table: 'account', key: { accountnumber: `${parentNumber}-C1` }, record: { name: 'child 1', ...parentBind } }, context);
      await f.resetStats();
      const child = await f.core.submit('b', { table: 'account', key: { accountnumber: `${parentNumber}-C2` }, record: { name: 'child 2', ...parentBind } }, context);
      expect(child).toMatchObject({ operation: 'created', stubsCreated: [] });
      expect(await f.bRequests()).toEqual({ http: 1, operations: 0 });
      expect(await aStats()).toBe(0);
      expect((await f.get(f.b, `accounts(${child.id})?$select=_parentaccountid_value`)).body._parentaccountid_value).toBe(parent);
    });

    test('100 concurrent submits referencing the same missing account: 100 successes, one stub, one row', async () => {
      const accountId = randomUUID();
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          f.core.submit('b', { table: 'contact', record: { lastname: `c${i}` }, references: { parentcustomerid_account: { table: 'account', key: { accountid: accountId }, name: 'Shared' } } }, context),
        ),
      );
      expect(results).toHaveLength(100);
      expect(results.filter((r) => r.stubsCreated.length === 1)).toHaveLength(1);
      expect(await f.count(f.b, 'accounts', `accountid eq ${accountId}`)).toBe(1);
      expect(await f.count(f.b, 'ec_stubs', `ec_recordid eq '${accountId}'`)).toBe(1);
      expect(await f.count(f.b, 'contacts', `_parentcustomerid_value eq ${accountId}`)).toBe(100);
    });

    test('a stub created elsewhere between check and write (another replica): 412 is success', async () => {
      // A second core (another process in production) with its own cache and locks, racing the first.
      const other = createEnsureCore({ submitStrategy: strategy, instances: [{ name: 'a', url: f.a.url, client: f.clientA, tables: ['account', 'contact'], stubDefaults: {} }, { name: 'b', url: f.b.url, client: f.clientB, source: 'a', tables: ['account', 'contact'], stubDefaults: {} }] });
      const accountId = randomUUID();
      const submit = (core: typeof other, i: number) =>
        core.submit('b', { table: 'contact', record: { lastname: `race ${i}`, 'parentcustomerid_account@odata.bind': `/accounts(${accountId})` } }, context);
      const results = await Promise.all([...Array.from({ length: 10 }, (_, i) => submit(f.core, i)), ...Array.from({ length: 10 }, (_, i) => submit(other, i + 10))]);
      expect(results).toHaveLength(20);
      expect(await f.count(f.b, 'ec_stubs', `ec_recordid eq '${accountId}'`)).toBe(1);
      expect(await f.count(f.b, 'contacts', `_parentcustomerid_value eq ${accountId}`)).toBe(20);
    });

    test('a write retried after its answer was lost is not applied twice (the record carries our GUID)', async () => {
      // Hooks that send each write twice and answer with the second response, as a retry after a lost answer does.
      const replaying = new WebApiClient({
        url: f.b.url,
        hooks: { wrap: async (request, attempt) => (request.method === 'GET' ? attempt() : (await attempt(), attempt())) },
      });
      const core = createEnsureCore({ submitStrategy: strategy, instances: [{ name: 'a', url: f.a.url, client: f.clientA, tables: ['account', 'contact'], stubDefaults: {} }, { name: 'b', url: f.b.url, client: replaying, source: 'a', tables: ['account', 'contact'], stubDefaults: {} }] });
      const marker = `replayed-${randomUUID()}`;
      const plain = await core.submit('b', { table: 'account', record: { name: marker } }, context);
      const accountId = randomUUID();
      const withStub = await core.submit('b', { table: 'account', record: { name: marker, 'parentaccountid@odata.bind': `/accounts(${accountId})` } }, context);
      expect(plain.operation).toBe('created');
      expect(withStub.operation).toBe('created');
      const rows = (await f.get(f.b, `accounts?$select=accountid&$filter=${encodeURIComponent(`name eq '${marker}'`)}`)).body.value.map((r: { accountid: string }) => r.accountid);
      expect(rows.sort()).toEqual([plain.id, withStub.id].sort());
      expect(await f.count(f.b, 'ec_stubs', `ec_recordid eq '${accountId}'`)).toBe(1);
    });

    test('a stale cache entry (record deleted) is detected and retried once', async () => {
      const accountId = randomUUID();
      await f.core.submit('b', { table: 'contact', record: { lastname: 'warm', 'parentcustomerid_account@odata.bind': `/accounts(${accountId})` } }, context);
      await fetch(`${f.b.webApiUrl}accounts(${accountId})`, { method: 'DELETE' });
      const result = await f.core.submit('b', { table: 'contact', record: { lastname: 'after delete', 'parentcustomerid_account@odata.bind': `/accounts(${accountId})` } }, context);
      expect(result.stubsCreated.map((s) => s.id)).toEqual([accountId]);
      expect((await f.get(f.b, `accounts(${accountId})`)).status).toBe(200);
    });

    test('a record Dataverse rejects answers 422; atomic leaves no stub, single-round-trip a tracked one', async () => {
      const accountId = randomUUID();
      const before = await f.count(f.b, 'ec_stubs');
      const error = await f.core
        .submit('b', { table: 'contact', record: { lastname: 'x'.repeat(51), 'parentcustomerid_account@odata.bind': `/accounts(${accountId})` } }, context)
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 422, code: 'RecordRejected' });
      expect((error as Error).message).toContain("exceeded the maximum allowed length of '50'");
      if (strategy === 'atomic') {
        expect((await f.get(f.b, `accounts(${accountId})`)).status).toBe(404);
        expect(await f.count(f.b, 'ec_stubs')).toBe(before);
      } else {
        expect((await f.get(f.b, `accounts(${accountId})`)).status).toBe(200);
        expect((await f.core.getStub('b', 'account', accountId))?.state).toBe('Pending');
        expect(await f.count(f.b, 'ec_stubs')).toBe(before + 1);
      }
    });

    test.each([
      [{ 'parentcustomerid_account@odata.bind': "/accounts(accountnumber='x')/../contacts" }, 'InvalidReference'],
      [{ 'parentcustomerid_account@odata.bind': "/accounts(accountnumber='x') or 1 eq 1" }, 'InvalidReference'],
      [{ 'parentcustomerid_account@odata.bind': "/accounts(accountnumber='unterminated)" }, 'InvalidReference'],
      [{ 'parentcustomerid_account@odata.bind': '/accounts($1)' }, 'InvalidReference'],
      [{ 'parentcustomerid_account@odata.bind': `/contacts(${randomUUID()})` }, 'InvalidReference'],
      [{ 'parentcustomerid_account@odata.bind': `/ec_stubs(${randomUUID()})` }, 'TableNotAllowed'],
      [{ 'parentcustomerid@odata.bind': `/accounts(${randomUUID()})` }, 'InvalidReference'],
      [{ 'parentcustomerid_account@odata.bind': 42 }, 'InvalidReference'],
      [{ 'name@odata.type': 'x' }, 'InvalidRecord'],
      // Characters Dataverse refuses (not XML 1.0), raw or percent-encoded, in binds and values.
      [{ 'parentcustomerid_account@odata.bind': "/accounts(accountnumber='nul%00x')" }, 'InvalidReference'],
      [{ 'parentcustomerid_account@odata.bind': "/accounts(accountnumber='a%EF%BF%BF')" }, 'InvalidReference'],
      [{ 'parentcustomerid_account@odata.bind': "/accounts(accountnumber='a\ud800')" }, 'InvalidReference'],
      [{ firstname: 'a\u0000b' }, 'InvalidRecord'],
      [{ firstname: 'a\udc00' }, 'InvalidRecord'],
      [{ data: { list: ['ok', '\ufffe'] } }, 'InvalidRecord'],
    ])('a hostile or wrong bind %j is refused with 400 %s and writes nothing', async (extra, code) => {
      const before = [await f.count(f.b, 'contacts'), await f.count(f.b, 'accounts')];
      const error = await f.core.submit('b', { table: 'contact', record: { lastname: 'hostile', ...extra } }, context).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ status: 400, code });
      expect((error as ApiError).field).toMatch(/^body\.record\./);
      expect([await f.count(f.b, 'contacts'), await f.count(f.b, 'accounts')]).toEqual(before);
    });

    test('hostile key values in explicit references stay literal data (quotes, slashes, $, #)', async () => {
      for (const value of ["')", '%27', 'a/b', '$batch', '#x', "x' or 'y'='y"]) {
        const result = await f.core.submit('b', { table: 'contact', record: { lastname: 'k' }, references: { parentcustomerid_account: { table: 'account', key: { accountnumber: value } } } }, context);
        expect(result.stubsCreated).toHaveLength(1);
        const stub = await f.get(f.b, `accounts(${result.stubsCreated[0]!.id})?$select=accountnumber`);
        expect(stub.body.accountnumber).toBe(value);
      }
    });

    test('the same lookup given twice, and a reference to a table the lookup does not target, are 400', async () => {
      await expect(
        f.core.submit('b', { table: 'contact', record: { lastname: 'x', 'parentcustomerid_account@odata.bind': `/accounts(${randomUUID()})` }, references: { parentcustomerid_account: { table: 'account', key: { accountid: randomUUID() } } } }, context),
      ).rejects.toMatchObject({ status: 400, field: 'body.references.parentcustomerid_account' });
      await expect(
        f.core.submit('b', { table: 'contact', record: { lastname: 'x' }, references: { parentcustomerid_account: { table: 'contact', key: { contactid: randomUUID() } } } }, context),
      ).rejects.toMatchObject({ status: 400, field: 'body.references.parentcustomerid_account.table' });
    });
});
