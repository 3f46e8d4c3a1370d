/**
 * Every hostile input from issue 3 is refused with 400 (413 / 415 where the body itself is wrong)
 * naming the field, and the service is never called.
 */
import { TestApp } from './httpTestApp';

const ENSURE = '/v1/instances/b/ensure';
const SUBMIT = '/v1/instances/b/submit';
const HYDRATE = '/v1/instances/b/hydrate';
const ensureWithKey = (value: unknown) => ({ table: 'account', key: { accountnumber: value } });

describe('hostile input is refused before the service', () => {
  const app = new TestApp();
  beforeAll(() => app.start());
  afterAll(() => app.stop());
  beforeEach(() => {
    app.service.calls.length = 0;
  });
  afterEach(() => {
    expect(app.service.calls).toEqual([]);
  });

  describe('key values', () => {
    it.each([
      ['a quote closing the key segment', "A-1') or (accountid ne null"],
      ['a percent-encoded quote', 'A-1%27'],
      ['a slash', 'A/1'],
      ['a dollar (system query option)', 'A-1$filter=name'],
      ['a hash (fragment)', 'A-1#x'],
      ['a question mark', 'A-1?x=1'],
      ['a backslash', 'A\\1'],
      ['an ampersand', 'A&1'],
      ['a control character', 'A\u00001'],
      ['a huge string', 'x'.repeat(100_000)],
      ['an empty string', ''],
      ['an object', { $ne: null }],
      ['an array', ['A-1']],
      ['null', null],
      ['a boolean', true],
    ])('%s → 400 body.key.accountnumber', async (_label, value) => {
      const response = await app.request('POST', ENSURE, { body: ensureWithKey(value) });
      expect(response.status).toBe(400);
      expect(response.body.error).toMatchObject({ code: 'InvalidRequest', field: 'body.key.accountnumber' });
      expect(response.body.error.message).toMatch(/^body\.key\.accountnumber: /);
    });

    it('the same checks apply to submit keys, hydrate keys and reference keys', async () => {
      const submit = await app.request('POST', SUBMIT, { body: { table: 'contact', key: { emailaddress1: 'a/b' }, record: { lastname: 'X' } } });
      expect(submit.body.error.field).toBe('body.key.emailaddress1');
      const hydrate = await app.request('POST', HYDRATE, { body: { table: 'account', key: { accountnumber: "')" }, record: { name: 'X' } } });
      expect(hydrate.body.error.field).toBe('body.key.accountnumber');
      const reference = await app.request('POST', SUBMIT, {
        body: { table: 'contact', record: { lastname: 'X' }, references: { parentcustomerid_account: { table: 'account', key: { accountnumber: 'A#1' } } } },
      });
      expect(reference.status).toBe(400);
      expect(reference.body.error.field).toBe('body.references.parentcustomerid_account.key.accountnumber');
    });

    it('refuses a key with no columns, a bad column name, too many columns, or too long as JSON', async () => {
      const cases: Array<[unknown, string]> = [
        [{}, 'body.key'],
        [{ 'account number': 'A' }, 'body.key.account number'],
        [{ "accountnumber='x'": 'A' }, "body.key.accountnumber='x'"],
        [Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`c${i}`, 'v'])), 'body.key'],
        [{ a: 'x'.repeat(600), b: 'y'.repeat(600) }, 'body.key'],
        ['A-100', 'body.key'],
      ];
      for (const [key, field] of cases) {
        const response = await app.request('POST', ENSURE, { body: { table: 'account', key } });
        expect([response.status, response.body.error.field]).toEqual([400, field]);
      }
    });
  });

  describe('characters Dataverse refuses (not XML 1.0 characters), in every field', () => {
    // Each is refused with the code point and its index, never the raw character.
    const POISON: Array<[string, string, string]> = [
      ['NUL', '\u0000', 'U+0000'],
      ['a C0 control (backspace)', '\u0008', 'U+0008'],
      ['U+001F', '\u001f', 'U+001F'],
      ['a lone high surrogate', '\ud800', 'U+D800'],
      ['a lone low surrogate', '\udc00', 'U+DC00'],
      ['a reversed surrogate pair', '\ude00\ud83d', 'U+DE00'],
      ['U+FFFE', '\ufffe', 'U+FFFE'],
      ['U+FFFF', '\uffff', 'U+FFFF'],
    ];
    const NAV = 'parentcustomerid_account';
    const BIND = `${NAV}@odata.bind`;
    // [path, body with the poison at index 2 of the field (27 in the bind path), field]
    const FIELDS: Array<[string, (p: string) => unknown, string, number?]> = [
      [ENSURE, (p) => ensureWithKey(`ab${p}c`), 'body.key.accountnumber'],
      [ENSURE, (p) => ({ ...ensureWithKey('A-1'), name: `ab${p}c` }), 'body.name'],
      [ENSURE, (p) => ({ ...ensureWithKey('A-1'), columns: { description: `ab${p}c` } }), 'body.columns.description'],
      [ENSURE, (p) => ({ ...ensureWithKey('A-1'), columns: { data: { list: ['ok', `ab${p}c`] } } }), 'body.columns.data.list[1]'],
      [ENSURE, (p) => ({ table: `ab${p}c`, key: { accountnumber: 'A-1' } }), 'body.table'],
      [SUBMIT, (p) => ({ table: 'account', key: { accountnumber: `ab${p}c` }, record: { name: 'X' } }), 'body.key.accountnumber'],
      [SUBMIT, (p) => ({ table: 'contact', record: { lastname: `ab${p}c` } }), 'body.record.lastname'],
      [SUBMIT, (p) => ({ table: 'contact', record: { lastname: 'X', data: [1, { note: `ab${p}c` }] } }), 'body.record.data[1].note'],
      [SUBMIT, (p) => ({ table: 'contact', record: { lastname: 'X' }, references: { [NAV]: { table: 'account', key: { accountnumber: `ab${p}c` } } } }), `body.references.${NAV}.key.accountnumber`],
      [SUBMIT, (p) => ({ table: 'contact', record: { lastname: 'X' }, references: { [NAV]: { table: 'account', key: { accountnumber: 'A-1' }, name: `ab${p}c` } } }), `body.references.${NAV}.name`],
      [SUBMIT, (p) => ({ table: 'contact', record: { lastname: 'X', [BIND]: `/accounts(accountnumber='ab${p}c')` } }), `body.record.${BIND}`, 27],
      [HYDRATE, (p) => ({ table: 'account', key: { accountnumber: `ab${p}c` }, record: { name: 'X' } }), 'body.key.accountnumber'],
      [HYDRATE, (p) => ({ table: 'account', key: { accountnumber: 'A-1' }, record: { name: `ab${p}c` } }), 'body.record.name'],
      [HYDRATE, (p) => ({ table: 'account', key: { accountnumber: 'A-1' }, record: { name: 'X', data: { deep: [[`ab${p}c`]] } } }), 'body.record.data.deep[0][0]'],
    ];
    const rows = POISON.flatMap(([label, poison, codePoint]) => FIELDS.map(([path, body, field, index = 2]) => [label, path, field, body(poison), poison, codePoint, index] as const));

    it.each(rows)('%s → 400 on %s naming %s', async (_label, path, field, body, poison, codePoint, index) => {
      const response = await app.request('POST', path, { body });
      expect([response.status, response.body.error.code, response.body.error.field]).toEqual([400, 'InvalidRequest', field]);
      expect(response.body.error.message).toContain(`${field}: contains ${codePoint} at index ${index}, a character that is not valid in XML 1.0`);
      expect(response.body.error.message).not.toContain(poison);
    });

    it.each(POISON)('%s in a property name → 400 naming the object that holds it', async (_label, poison, codePoint) => {
      const cases: Array<[string, unknown, string]> = [
        [SUBMIT, { table: 'contact', record: { lastname: 'X', data: { [`ab${poison}`]: 1 } } }, 'body.record.data'],
        [SUBMIT, { table: 'contact', record: { [`la${poison}stname`]: 'X' } }, 'body.record'],
        [ENSURE, { ...ensureWithKey('A-1'), columns: { [`de${poison}`]: 'x' } }, 'body.columns'],
        [ENSURE, { ...ensureWithKey('A-1'), [`na${poison}me`]: 'x' }, 'body'],
        [HYDRATE, { table: 'account', key: { [`ac${poison}`]: 'A-1' }, record: { name: 'X' } }, 'body.key'],
      ];
      for (const [path, body, field] of cases) {
        const response = await app.request('POST', path, { body });
        expect([field, response.status, response.body.error.code, response.body.error.field]).toEqual([field, 400, 'InvalidRequest', field]);
        expect(response.body.error.message).toContain(`has a property name that contains ${codePoint} at index 2`);
        expect(response.body.error.message).not.toContain(poison);
      }
    });

    it('tab, CR, LF, surrogate pairs, C1 controls and U+FFFD are text Dataverse stores: they reach the service', async () => {
      const text = 'a\tb\r\nc 😀 \u0085 \ufffd \u{10fffd}';
      const response = await app.request('POST', SUBMIT, { body: { table: 'contact', record: { lastname: text, data: { [text]: [text] } } } });
      expect(response.status).toBe(200);
      expect(app.service.calls).toHaveLength(1);
      expect((app.service.calls[0]!.args[1] as { record: unknown }).record).toEqual({ lastname: text, data: { [text]: [text] } });
      app.service.calls.length = 0;
    });
  });

  describe('keys inside @odata.bind paths, after percent-decoding', () => {
    const BIND = 'parentcustomerid_account@odata.bind';
    const FIELD = `body.record.${BIND}`;
    it.each([
      ['%00 (the reported attack)', "/accounts(accountnumber='nul%00x')", 'U+0000 at index 3'],
      ['a percent-encoded lone surrogate (CESU-8)', "/accounts(accountnumber='a%ED%A0%80')", 'not correctly percent-encoded'],
      ['%EF%BF%BF (U+FFFF)', "/accounts(accountnumber='a%EF%BF%BFb')", 'U+FFFF at index 1'],
      ['%EF%BF%BE (U+FFFE)', "/accounts(accountnumber='a%EF%BF%BEb')", 'U+FFFE at index 1'],
      ['%0D%0A (CR LF)', "/accounts(accountnumber='a%0D%0Ab')", 'U+000D at index 1'],
      ['%0A alone (LF)', "/accounts(accountnumber='a%0A')", 'U+000A at index 1'],
      ['%09 (tab)', "/accounts(accountnumber='%09a')", 'U+0009 at index 0'],
      ['%2F (slash)', "/accounts(accountnumber='a%2Fb')", '"/" (U+002F) at index 1'],
      ['%23 (hash)', "/accounts(accountnumber='a%23b')", '"#" (U+0023) at index 1'],
      ['%3F (question mark)', "/accounts(accountnumber='a%3Fb')", '"?" (U+003F) at index 1'],
      ['%2500 (double-encoded NUL)', "/accounts(accountnumber='a%2500')", '"%" (U+0025) at index 1'],
      ['%24 (dollar)', "/accounts(accountnumber='a%24filter')", '"$" (U+0024) at index 1'],
      ['a raw slash', "/accounts(accountnumber='a/b')", '"/" (U+002F) at index 1'],
      ['a raw hash', "/accounts(accountnumber='a#b')", '"#" (U+0023) at index 1'],
      ['a percent-encoded quote closing the segment', "/accounts(accountnumber='a%27)')", 'text after a key value'],
      ['malformed percent-encoding', "/accounts(accountnumber='%E0%A4%A')", 'not correctly percent-encoded'],
      ['an empty key value', "/accounts(accountnumber='')", 'must not be empty'],
      ['a key value over 1000 characters', `/accounts(accountnumber='${'x'.repeat(1001)}')`, 'at most 1000 characters'],
      ['a percent-encoded NUL in a second key column', "/contacts(a='x',b='%00')", 'U+0000 at index 0'],
      ['a percent-encoded NUL in a column name', "/accounts(account%00number='x')", 'not a column name'],
      ['raw CR LF', "/accounts(accountnumber='a\r\nb')", 'U+000D at index 1'],
      ['a raw DEL', "/accounts(accountnumber='a\u007fb')", 'U+007F at index 1'],
      ['an absolute URL', "https://org.crm.dynamics.com/api/data/v9.2/accounts(accountnumber='a')", 'no valid entity set'],
      ['a path after the key', "/accounts(accountnumber='x')/../contacts", 'record path'],
    ])('%s → 400 naming the bind', async (_label, bind, fragment) => {
      const response = await app.request('POST', SUBMIT, { body: { table: 'contact', record: { lastname: 'x', [BIND]: bind } } });
      expect([response.status, response.body.error.code, response.body.error.field]).toEqual([400, 'InvalidRequest', FIELD]);
      expect(response.body.error.message).toContain(fragment);
      // eslint-disable-next-line no-control-regex -- the message must hold no control character
      expect(response.body.error.message).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    });

    it('the reported body, byte for byte, is refused', async () => {
      const rawBody = `{"table":"contact","record":{"lastname":"x","parentcustomerid_account@odata.bind":"/accounts(accountnumber='nul%00x')"}}`;
      const response = await app.request('POST', SUBMIT, { rawBody, headers: { 'Content-Type': 'application/json' } });
      expect(response.status).toBe(400);
      expect(response.body.error).toMatchObject({ code: 'InvalidRequest', field: FIELD });
      expect(response.body.error.message).toContain('U+0000 at index 3');
    });

    it.each([
      ['%00', 'ab%00', '"%" (U+0025) at index 2'],
      ['%2F', 'ab%2F', '"%" (U+0025) at index 2'],
      ['%2500', 'ab%2500', '"%" (U+0025) at index 2'],
      ['CR LF', 'ab\r\n', 'U+000D at index 2'],
      ['a raw question mark', 'ab?x', '"?" (U+003F) at index 2'],
      ['%23', 'ab%23', '"%" (U+0025) at index 2'],
      ['%3F', 'ab%3F', '"%" (U+0025) at index 2'],
      ['a raw hash', 'ab#', '"#" (U+0023) at index 2'],
    ])('%s in a key given as JSON is refused the same way (body keys are not decoded: "%%" itself is refused)', async (_label, value, fragment) => {
      for (const [path, body, field] of [
        [ENSURE, ensureWithKey(value), 'body.key.accountnumber'],
        [HYDRATE, { table: 'account', key: { accountnumber: value }, record: { name: 'X' } }, 'body.key.accountnumber'],
        [SUBMIT, { table: 'account', key: { accountnumber: value }, record: { name: 'X' } }, 'body.key.accountnumber'],
        [SUBMIT, { table: 'contact', record: { lastname: 'X' }, references: { p: { table: 'account', key: { accountnumber: value } } } }, 'body.references.p.key.accountnumber'],
      ] as const) {
        const response = await app.request('POST', path, { body });
        expect([field, response.status, response.body.error.code, response.body.error.field]).toEqual([field, 400, 'InvalidRequest', field]);
        expect(response.body.error.message).toContain(fragment);
      }
    });
  });

  describe('malformed percent-encoding in the URL', () => {
    it.each([
      ['POST', '/v1/instances/%E0%A4%A/ensure'],
      ['POST', '/v1/instances/%zz/submit'],
      ['GET', '/v1/instances/%/tables'],
      ['GET', '/v1/instances/b/tables/%C0%AF/schema'],
      ['GET', '/v1/instances/b/stubs/account/%ED%A0%80'],
      ['GET', '/v1/instances/b/stubs/%E0%A4%A/6f1c1c6e-2a4b-4c8e-9f00-0a1b2c3d4e5f'],
    ])('%s %s → 400 naming the path', async (method, path) => {
      const response = await app.request(method, path, method === 'POST' ? { body: ensureWithKey('A-1') } : {});
      expect(response.status).toBe(400);
      expect(response.body.error).toMatchObject({ code: 'InvalidRequest', field: 'path' });
      expect(response.body.error.message).toContain('percent-encoded');
      expect(response.body.error.message).not.toContain('%E0');
    });

    it.each([
      ['table=%E0%A4%A', 'query.table'],
      ['table=%zz', 'query.table'],
      ['top=%', 'query.top'],
      ['state=%00', 'query.state'],
      ['state=Pending%EF%BF%BF', 'query.state'],
      ['skipToken=%ED%A0%80', 'query.skipToken'],
    ])('a query with a bad escape ?%s → 400 %s', async (query, field) => {
      const response = await app.request('GET', `/v1/instances/b/stubs?${query}`);
      expect([response.status, response.body.error?.code, response.body.error?.field]).toEqual([400, 'InvalidRequest', field]);
    });
  });

  describe('table names', () => {
    it.each([
      ['upper case', 'Account'],
      ['a quote', "account'"],
      ['an entity set with a key', 'accounts(1)'],
      ['a path', '../account'],
      ['a space', 'account x'],
      ['empty', ''],
      ['too long', `a${'b'.repeat(200)}`],
      ['a leading digit', '1account'],
      ['a non-string', 42],
    ])('%s → 400 body.table', async (_label, table) => {
      const response = await app.request('POST', ENSURE, { body: { table, key: { accountnumber: 'A-1' } } });
      expect(response.status).toBe(400);
      expect(response.body.error.field).toBe('body.table');
    });

    it('in paths and queries too', async () => {
      const cases: Array<[string, string]> = [
        ['/v1/instances/b/tables/Account/schema', 'params.table'],
        ["/v1/instances/b/tables/account'/schema", 'params.table'],
        ['/v1/instances/b/tables/account%27/schema', 'params.table'],
        ['/v1/instances/b/tables/account%2F..%2Fx/schema', 'params.table'],
        ['/v1/instances/b/stubs/account$/6f1c1c6e-2a4b-4c8e-9f00-0a1b2c3d4e5f', 'params.table'],
        ['/v1/instances/b/stubs?table=account%27', 'query.table'],
        ['/v1/instances/B/tables', 'params.instance'],
        ["/v1/instances/b')/tables", 'params.instance'],
      ];
      for (const [path, field] of cases) {
        const response = await app.request('GET', path);
        expect([path, response.status, response.body?.error?.field]).toEqual([path, 400, field]);
      }
    });
  });

  describe('prototype pollution', () => {
    it.each([
      ['__proto__ at the top', '{"table":"account","key":{"accountnumber":"A"},"__proto__":{"polluted":true}}', ENSURE, 'body.__proto__'],
      ['__proto__ in the key', '{"table":"account","key":{"__proto__":{"accountnumber":"A"}}}', ENSURE, 'body.key.__proto__'],
      ['constructor in columns', '{"table":"account","key":{"accountnumber":"A"},"columns":{"constructor":{"prototype":{"x":1}}}}', ENSURE, 'body.columns.constructor'],
      ['prototype in a record', '{"table":"contact","record":{"lastname":"X","prototype":1}}', SUBMIT, 'body.record.prototype'],
      ['__proto__ deep in a reference', '{"table":"contact","record":{"lastname":"X"},"references":{"p":{"table":"account","key":{"accountnumber":"A"},"name":{"__proto__":1}}}}', SUBMIT, 'body.references.p.name.__proto__'],
      ['__proto__ inside an array', '{"table":"account","key":{"accountnumber":"A"},"record":{"tags":[{"__proto__":{}}]}}', HYDRATE, 'body.record.tags[0].__proto__'],
    ])('%s → 400 naming where', async (_label, rawBody, path, field) => {
      const response = await app.request('POST', path, { rawBody, headers: { 'Content-Type': 'application/json' } });
      expect(response.status).toBe(400);
      expect(response.body.error).toMatchObject({ code: 'InvalidRequest', field });
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    });
  });

  describe('bodies', () => {
    it('non-JSON with a JSON content type → 400 body', async () => {
      for (const rawBody of ['{not json', "{'table':'account'}", '{"table":"account",}']) {
        const response = await app.request('POST', ENSURE, { rawBody, headers: { 'Content-Type': 'application/json' } });
        expect(response.status).toBe(400);
        expect(response.body.error).toMatchObject({ code: 'InvalidRequest', field: 'body', message: 'body: is not valid JSON (a JSON object is expected)' });
      }
    });

    it('JSON that is not an object (array, string, nothing) → 400 body', async () => {
      for (const rawBody of ['[]', '"account"', '42']) {
        const response = await app.request('POST', ENSURE, { rawBody, headers: { 'Content-Type': 'application/json' } });
        expect([rawBody, response.status, response.body.error.field]).toEqual([rawBody, 400, 'body']);
      }
      const empty = await app.request('POST', ENSURE);
      expect([empty.status, empty.body.error.field]).toEqual([400, 'body']);
    });

    it('another content type → 415', async () => {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml']) {
        const response = await app.request('POST', ENSURE, { rawBody: '{"table":"account","key":{"accountnumber":"A"}}', headers: { 'Content-Type': type } });
        expect([type, response.status, response.body.error.code]).toEqual([type, 415, 'UnsupportedMediaType']);
      }
    });

    it('over the 1 MB default limit → 413', async () => {
      const body = { table: 'contact', record: { lastname: 'x', description: 'd'.repeat(1_100_000) } };
      const response = await app.request('POST', SUBMIT, { body });
      expect(response.status).toBe(413);
      expect(response.body.error).toMatchObject({ code: 'PayloadTooLarge', field: 'body' });
    });

    it('nesting deeper than 32 levels → 400', async () => {
      let deep: unknown = 'x';
      for (let i = 0; i < 40; i++) deep = { a: deep };
      const response = await app.request('POST', SUBMIT, { body: { table: 'contact', record: { lastname: 'X', data: deep } } });
      expect(response.status).toBe(400);
      expect(response.body.error.message).toContain('nested deeper than 32 levels');
    });

    it('unknown, missing or mistyped properties → 400 naming them', async () => {
      const cases: Array<[string, unknown, string, string]> = [
        [ENSURE, { table: 'account', key: { accountnumber: 'A' }, extra: 1 }, 'body.extra', 'is not a property of this object'],
        [ENSURE, { key: { accountnumber: 'A' } }, 'body.table', 'is required'],
        [ENSURE, { table: 'account' }, 'body.key', 'is required'],
        [ENSURE, { table: 'account', key: { accountnumber: 'A' }, name: 'n'.repeat(401) }, 'body.name', 'at most 400'],
        [ENSURE, { table: 'account', key: { accountnumber: 'A' }, columns: { 'Bad Column': 1 } }, 'body.columns.Bad Column', 'column logical name'],
        [SUBMIT, { table: 'contact' }, 'body.record', 'is required'],
        [SUBMIT, { table: 'contact', record: {} }, 'body.record', 'at least one column'],
        [SUBMIT, { table: 'contact', record: { 'last name': 'X' } }, 'body.record.last name', 'column or'],
        [SUBMIT, { table: 'contact', record: { 'parentcustomerid_account@odata.bind': 'accounts' } }, 'body.record.parentcustomerid_account@odata.bind', 'record path'],
        [SUBMIT, { table: 'contact', record: { 'parentcustomerid_account@odata.bind': "/accounts(accountnumber='A')?$x=1\n" } }, 'body.record.parentcustomerid_account@odata.bind', 'record path'],
        [SUBMIT, { table: 'contact', record: { lastname: 'X' }, references: { 'bad nav': { table: 'account', key: { accountnumber: 'A' } } } }, 'body.references.bad nav', 'navigation property'],
        [SUBMIT, { table: 'contact', record: { lastname: 'X' }, references: { p: { table: 'Account', key: { accountnumber: 'A' } } } }, 'body.references.p.table', 'table logical name'],
        [HYDRATE, { table: 'account', key: { accountnumber: 'A' } }, 'body.record', 'is required'],
      ];
      for (const [path, body, field, fragment] of cases) {
        const response = await app.request('POST', path, { body });
        expect([field, response.status, response.body.error.field]).toEqual([field, 400, field]);
        expect(response.body.error.message).toContain(fragment);
      }
    });
  });

  describe('stub queries and ids', () => {
    it.each([
      ['top=0', 'query.top'],
      ['top=5001', 'query.top'],
      ['top=abc', 'query.top'],
      ['top=1&top=2', 'query.top'],
      ['olderThanSeconds=-1', 'query.olderThanSeconds'],
      ['state=Bogus', 'query.state'],
      ['skipToken=a%20b', 'query.skipToken'],
      [`skipToken=${'t'.repeat(3000)}`, 'query.skipToken'],
      ['filter=name', 'query.filter'],
      ['%24filter=name', 'query.$filter'],
    ])('?%s → 400 %s', async (query, field) => {
      const response = await app.request('GET', `/v1/instances/b/stubs?${query}`);
      expect(response.status).toBe(400);
      expect(response.body.error.field).toBe(field);
    });

    it('a record id that is not a GUID → 400 params.id', async () => {
      for (const id of ['not-a-guid', "6f1c1c6e-2a4b-4c8e-9f00-0a1b2c3d4e5f')", '6f1c1c6e-2a4b-4c8e-9f00-0a1b2c3d4e5f%27']) {
        const response = await app.request('GET', `/v1/instances/b/stubs/account/${id}`);
        expect([id, response.status, response.body.error.field]).toEqual([id, 400, 'params.id']);
      }
    });

    it('an unknown schema part → 400 query.part', async () => {
      const response = await app.request('GET', '/v1/instances/b/tables/account/schema?part=everything');
      expect([response.status, response.body.error.field]).toEqual([400, 'query.part']);
    });
  });
});

describe('a configured body limit', () => {
  const app = new TestApp();
  beforeAll(() => app.start({ bodyLimit: 200 }));
  afterAll(() => app.stop());

  it('answers 413 just over it and 200 under it', async () => {
    const small = await app.request('POST', ENSURE, { body: { table: 'account', key: { accountnumber: 'A-1' } } });
    expect(small.status).toBe(200);
    const large = await app.request('POST', ENSURE, { body: { table: 'account', key: { accountnumber: 'A-1' }, name: 'n'.repeat(250) } });
    expect(large.status).toBe(413);
    expect(large.body.error.message).toContain('200 bytes');
  });
});
