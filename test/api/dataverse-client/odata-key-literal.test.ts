import { InvalidDataverseInputError } from '../../../api/src/dataverse/DataverseErrors';
import { assertODataIdentifier } from '../../../api/src/dataverse/ODataIdentifier';
import {
  formatODataLiteral,
  guid,
  keySegment,
  percentEncodeODataText,
  recordBindPath,
  recordPath,
} from '../../../api/src/dataverse/ODataKeyLiteral';
import { filterAnyOf, filterEquals, queryString } from '../../../api/src/dataverse/ODataQuery';

/** What a server does before parsing the key (ref 2.7): percent-decode the segment. */
function decodedSegment(segment: string): string {
  return decodeURIComponent(segment);
}

/** Parses `name='…'` back the way an OData server would, to prove the literal round-trips. */
function parseSingleStringKey(decoded: string): { column: string; value: string } {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)='((?:[^']|'')*)'$/s.exec(decoded);
  if (!match) throw new Error(`not a single string key: ${decoded}`);
  return { column: match[1] as string, value: (match[2] as string).replace(/''/g, "'") };
}

describe('formatODataLiteral (ref 2.6, 2.7)', () => {
  it('quotes strings and doubles embedded single quotes', () => {
    expect(formatODataLiteral("O'Bryan")).toBe("'O''Bryan'");
    expect(formatODataLiteral("''")).toBe("''''''");
    expect(formatODataLiteral('')).toBe("''");
  });

  it('writes numbers and booleans unquoted and refuses non-finite numbers', () => {
    expect(formatODataLiteral(2)).toBe('2');
    expect(formatODataLiteral(-17.5)).toBe('-17.5');
    expect(formatODataLiteral(true)).toBe('true');
    expect(formatODataLiteral(false)).toBe('false');
    expect(() => formatODataLiteral(Number.NaN)).toThrow(InvalidDataverseInputError);
    expect(() => formatODataLiteral(Number.POSITIVE_INFINITY)).toThrow(InvalidDataverseInputError);
  });

  it('writes GUIDs unquoted in lower case after validation', () => {
    expect(formatODataLiteral(guid('6D4C6E7A-1B2C-4D5E-8F90-A1B2C3D4E5F6'))).toBe('6d4c6e7a-1b2c-4d5e-8f90-a1b2c3d4e5f6');
    expect(() => guid("6d4c6e7a-1b2c-4d5e-8f90-a1b2c3d4e5f6')")).toThrow(InvalidDataverseInputError);
    expect(() => guid('{6d4c6e7a-1b2c-4d5e-8f90-a1b2c3d4e5f6}')).toThrow(InvalidDataverseInputError);
    expect(() => formatODataLiteral({ kind: 'guid', value: 'not-a-guid' })).toThrow(InvalidDataverseInputError);
  });
});

describe('percentEncodeODataText', () => {
  it('encodes everything encodeURIComponent does plus the OData syntax characters it leaves', () => {
    expect(percentEncodeODataText("'()*!")).toBe('%27%28%29%2A%21');
    expect(percentEncodeODataText('$&+,/:;=?@# %')).toBe('%24%26%2B%2C%2F%3A%3B%3D%3F%40%23%20%25');
    expect(percentEncodeODataText('-_.~AZaz09')).toBe('-_.~AZaz09');
  });

  it('refuses a lone surrogate instead of throwing URIError', () => {
    expect(() => percentEncodeODataText('a\uD800b')).toThrow(InvalidDataverseInputError);
  });
});

describe('keySegment and recordPath (ref 2.6)', () => {
  const id = '00000000-0000-0000-0000-000000000001';

  it('addresses a primary key by bare GUID', () => {
    expect(recordPath('accounts', id)).toBe(`accounts(${id})`);
    expect(recordPath('accounts', id.toUpperCase())).toBe(`accounts(${id})`);
    expect(() => recordPath('accounts', 'A-100')).toThrow(InvalidDataverseInputError);
  });

  it('writes single and multi-part alternate keys with typed literals', () => {
    expect(recordPath('accounts', { accountnumber: 'ABC123' })).toBe("accounts(accountnumber='ABC123')");
    expect(keySegment({ firstname: 'Joe', emailaddress1: 'abc@example.com' })).toBe("firstname='Joe',emailaddress1='abc%40example.com'");
    expect(keySegment({ example_key1: 2, example_key2: 2 })).toBe('example_key1=2,example_key2=2');
    expect(keySegment({ _primarycontactid_value: guid(id) })).toBe(`_primarycontactid_value=${id}`);
    expect(keySegment({ ec_table: 'account', ec_recordid: id, ec_flag: true })).toBe(`ec_table='account',ec_recordid='${id}',ec_flag=true`);
  });

  it('builds @odata.bind paths with the same rules (ref 3.1, 3.2)', () => {
    expect(recordBindPath('accounts', id)).toBe(`/accounts(${id})`);
    expect(recordBindPath('accounts', { accountnumber: "O'Neil" })).toBe("/accounts(accountnumber='O%27%27Neil')");
  });

  it('refuses bad entity sets, key columns and empty or null keys', () => {
    for (const set of ['accounts)', 'accounts/x', '', '1accounts', 'acc ounts', 'accounts?$top=1', 'a'.repeat(129)]) {
      expect(() => recordPath(set, id)).toThrow(InvalidDataverseInputError);
    }
    expect(() => keySegment({ "accountnumber')": 'x' })).toThrow(InvalidDataverseInputError);
    expect(() => keySegment({ 'account number': 'x' })).toThrow(InvalidDataverseInputError);
    expect(() => keySegment({})).toThrow(InvalidDataverseInputError);
    expect(() => keySegment({ accountnumber: null as unknown as string })).toThrow(InvalidDataverseInputError);
    expect(() => keySegment({ accountnumber: undefined as unknown as string })).toThrow(InvalidDataverseInputError);
    expect(() => keySegment({ accountnumber: {} as unknown as string })).toThrow(InvalidDataverseInputError);
    expect(() => keySegment([] as unknown as Record<string, string>)).toThrow(InvalidDataverseInputError);
    expect(() => assertODataIdentifier(42, 'column')).toThrow(/column must match/);
  });

  describe('hostile alternate-key values never escape the literal', () => {
    const hostile: Array<[string, string]> = [
      ['closing quote and paren', "')"],
      ['injection attempt', "x') or (accountnumber='y"],
      ['already-encoded quote', '%27'],
      ['slash', 'A/B'],
      ['dollar', '$batch'],
      ['hash', 'A#1'],
      ['question mark', 'A?$top=1'],
      ['comma', 'A,accountid=00000000-0000-0000-0000-000000000001'],
      ['ampersand', 'A&B'],
      ['percent', '100%'],
      ['non-ASCII', 'Zürich – 東京 🚀'],
      ['empty', ''],
      ['whitespace and CRLF', ' a\r\nb\t'],
      ['4000 characters', `${"'".repeat(10)}${'x'.repeat(3990)}`],
    ];

    it.each(hostile)('%s', (_label, value) => {
      const path = recordPath('accounts', { accountnumber: value });
      const segment = path.slice('accounts('.length, -1);
      // Nothing structural is left raw: only identifiers, '=', the delimiting quotes and %XX escapes.
      expect(segment).toMatch(/^accountnumber='(?:[A-Za-z0-9\-_.~]|%[0-9A-F]{2})*'$/);
      expect(path.endsWith(')')).toBe(true);
      // The server's view after percent-decoding parses back to the same value (ref 2.7).
      expect(parseSingleStringKey(decodedSegment(segment))).toEqual({ column: 'accountnumber', value });
      // And the path survives WHATWG URL parsing unchanged (no '#' fragment, no '?' query split).
      const url = new URL(path, 'https://org.crm.dynamics.com/api/data/v9.2/');
      expect(url.pathname).toBe(`/api/data/v9.2/${path}`);
      expect(url.search).toBe('');
      expect(url.hash).toBe('');
    });

    it('keeps multi-part keys apart even when values contain "," and "="', () => {
      const segment = keySegment({ firstname: "a',b='c", emailaddress1: 'x=y,z' });
      expect(segment.split(',')).toHaveLength(2);
      expect(segment).toBe("firstname='a%27%27%2Cb%3D%27%27c',emailaddress1='x%3Dy%2Cz'");
    });
  });
});

describe('query strings (ref 4.4–4.8)', () => {
  it('validates identifiers, encodes the filter whole with %20 for spaces, never +', () => {
    const text = queryString({
      select: ['name', 'accountnumber'],
      filter: filterEquals('accountnumber', "A&B 'x'+"),
      orderBy: [{ column: 'name' }, { column: 'createdon', descending: true }],
      top: 10,
      count: true,
    });
    expect(text).toBe(
      "?$select=name,accountnumber&$filter=accountnumber%20eq%20%27A%26B%20%27%27x%27%27%2B%27&$orderby=name%20asc,createdon%20desc&$top=10&$count=true",
    );
    expect(new URL(`https://x.example/api/data/v9.2/accounts${text}`).searchParams.get('$filter')).toBe("accountnumber eq 'A&B ''x''+'");
  });

  it('builds any-of filters and refuses an empty list', () => {
    expect(filterAnyOf('accountid', [guid('00000000-0000-0000-0000-000000000001'), guid('00000000-0000-0000-0000-000000000002')])).toBe(
      '(accountid eq 00000000-0000-0000-0000-000000000001 or accountid eq 00000000-0000-0000-0000-000000000002)',
    );
    expect(() => filterAnyOf('accountid', [])).toThrow(InvalidDataverseInputError);
  });

  it('refuses bad $select columns, $top and empty filters', () => {
    expect(() => queryString({ select: ['name,accountid'] })).toThrow(InvalidDataverseInputError);
    expect(() => queryString({ select: [] })).toThrow(InvalidDataverseInputError);
    expect(() => queryString({ orderBy: [{ column: 'name desc' }] })).toThrow(InvalidDataverseInputError);
    expect(() => queryString({ top: 0 })).toThrow(InvalidDataverseInputError);
    expect(() => queryString({ top: 1.5 })).toThrow(InvalidDataverseInputError);
    expect(() => queryString({ filter: '  ' })).toThrow(InvalidDataverseInputError);
    expect(queryString({})).toBe('');
  });
});
