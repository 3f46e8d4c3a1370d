/** ref 4: retrieve and query — $select, $filter, $orderby, $top, $count, paging. */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { LocalDataverseFixture } from './localDataverseFixture';

/** fetch cannot set Host; node:http can, as a reverse proxy in front of the service would. */
function getWithHost(url: string, host: string, headers: Record<string, string>): Promise<{ headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { ...headers, Host: host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const dv = new LocalDataverseFixture();
const q = (text: string) => encodeURIComponent(text);

beforeAll(async () => {
  await dv.start();
  const rows = [
    { name: 'Alpha', revenue: 100, telephone1: '1' },
    { name: 'beta', revenue: 300, telephone1: null },
    { name: 'Gamma', revenue: 200, telephone1: '3' },
    { name: "O'Hara", revenue: 50, telephone1: '4' },
    { name: 'Delta', telephone1: '5' },
  ];
  for (const row of rows) await dv.create('accounts', row);
});
afterAll(() => dv.stop());

const names = (body: { value: Array<{ name: string }> }) => body.value.map((r) => r.name);

describe('query (ref 4)', () => {
  test('4.4 collection shape: context, etag per row, null columns present', async () => {
    const body = (await dv.request('GET', 'accounts?$select=name,telephone1')).json();
    expect(body['@odata.context']).toBe(`${dv.api}$metadata#accounts(name,telephone1)`);
    expect(body.value).toHaveLength(5);
    for (const row of body.value) {
      expect(row['@odata.etag']).toMatch(/^W\/"\d+"$/);
      expect(Object.keys(row).sort()).toEqual(['@odata.etag', 'accountid', 'name', 'telephone1']);
    }
  });

  test.each([
    ["name eq 'alpha'", ['Alpha']], // case-insensitive
    ['revenue gt 100', ['beta', 'Gamma']],
    ['revenue ge 100 and revenue le 200', ['Alpha', 'Gamma']],
    ["revenue lt 100 or name eq 'Delta'", ['Delta', "O'Hara"]],
    ['not (revenue gt 100)', ['Alpha', "O'Hara"]], // null revenue is excluded by the comparison
    ['revenue eq null', ['Delta']],
    ['telephone1 ne null', ['Alpha', 'Delta', 'Gamma', "O'Hara"]],
    ["contains(name,'ET')", ['beta']],
    ["startswith(name,'g')", ['Gamma']],
    ["endswith(name,'A')", ['Alpha', 'beta', 'Delta', 'Gamma', "O'Hara"]],
    ['not (telephone1 eq null)', ['Alpha', 'Delta', 'Gamma', "O'Hara"]],
    ["revenue gt 100 or name eq 'Delta'", ['beta', 'Delta', 'Gamma']], // true or unknown is true
    ["name eq 'O''Hara'", ["O'Hara"]],
    ['revenue gt 1e2', ['beta', 'Gamma']],
  ])('4.5 $filter=%s', async (filter, expected) => {
    const r = await dv.request('GET', `accounts?$select=name&$orderby=name&$filter=${q(filter)}`);
    expect(r.status).toBe(200);
    expect(names(r.json())).toEqual(expected);
  });

  test('4.5 key filters (answered from the indexes) return the same rows as a scan would', async () => {
    const all = (await dv.request('GET', 'accounts?$select=name,accountid')).json().value as Array<{ name: string; accountid: string }>;
    const [x, y] = [all[0]!, all[2]!];
    const byIds = await dv.request('GET', `accounts?$select=name&$orderby=name&$filter=${q(`accountid eq ${y.accountid} or accountid eq ${x.accountid} or accountid eq 00000000-0000-0000-0000-000000000001`)}`);
    expect(names(byIds.json())).toEqual([x.name, y.name].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })));
    await dv.request('PATCH', `accounts(${x.accountid})`, { accountnumber: 'IDX-1' });
    expect(names((await dv.request('GET', `accounts?$select=name&$filter=${q("accountnumber eq 'idx-1'")}`)).json())).toEqual([x.name]);
    // A key equality and-ed with another condition is still filtered by that condition.
    expect((await dv.request('GET', `accounts?$select=name&$filter=${q(`accountid eq ${x.accountid} and revenue gt 100000`)}`)).json().value).toEqual([]);
  });

  test('4.5 column-to-column comparison and dates', async () => {
    const r = await dv.request('GET', `accounts?$select=name&$filter=${q('modifiedon ge createdon and createdon gt 2020-01-01T00:00:00Z')}`);
    expect(r.json().value).toHaveLength(5);
  });

  test('4.5 unknown columns and syntax errors answer 400', async () => {
    const unknown = await dv.request('GET', `accounts?$filter=${q("nosuch eq 'x'")}`);
    expect(unknown.status).toBe(400);
    expect(unknown.json().error.message).toBe("Could not find a property named 'nosuch' on type 'Microsoft.Dynamics.CRM.account'.");
    expect((await dv.request('GET', `accounts?$filter=${q("name eq 'x")}`)).status).toBe(400);
    expect((await dv.request('GET', `accounts?$filter=${q('name eq')}`)).status).toBe(400);
    expect((await dv.request('GET', `accounts?$filter=${q("(name eq 'x'")}`)).status).toBe(400);
    expect((await dv.request('GET', `accounts?$select=nosuch`)).status).toBe(400);
  });

  test('4.6 $orderby with several columns and directions, $top', async () => {
    expect(names((await dv.request('GET', `accounts?$select=name&$orderby=${q('revenue desc,name asc')}`)).json())).toEqual([
      'beta', 'Gamma', 'Alpha', "O'Hara", 'Delta',
    ]);
    expect(names((await dv.request('GET', `accounts?$select=name&$orderby=name&$top=2`)).json())).toEqual(['Alpha', 'beta']);
  });

  test('4.6 $skip is not supported', async () => {
    const r = await dv.request('GET', 'accounts?$skip=1');
    expect(r.status).toBe(400);
    expect(r.json().error.message).toBe('The query parameter $skip is not supported');
  });

  test('4.8 $count=true puts @odata.count before value; /$count answers text', async () => {
    const r = await dv.request('GET', `accounts?$select=name&$count=true&$filter=${q('revenue gt 0')}`);
    const body = r.json();
    expect(Object.keys(body).indexOf('@odata.count')).toBeLessThan(Object.keys(body).indexOf('value'));
    expect(body['@odata.count']).toBe(4);
    const count = await dv.request('GET', 'accounts/$count');
    expect(count.headers.get('Content-Type')).toMatch(/^text\/plain/);
    expect(count.text).toBe('5');
  });

  test('4.7 paging: odata.maxpagesize across 3 pages with nextLink built from the Host; $top ignored', async () => {
    const seen: string[] = [];
    let next: string | undefined = `${dv.api}accounts?$select=name&$orderby=name&$top=1`;
    let pages = 0;
    while (next) {
      const response = await getWithHost(next, 'dataverse.example:1234', { Prefer: 'odata.maxpagesize=2' });
      expect(response.headers['preference-applied']).toBe('odata.maxpagesize=2');
      const body = JSON.parse(response.body) as { value: Array<{ name: string }>; '@odata.nextLink'?: string };
      seen.push(...body.value.map((r) => r.name));
      pages++;
      next = body['@odata.nextLink'];
      if (next) {
        expect(next.startsWith('http://dataverse.example:1234/api/data/v9.2/accounts?')).toBe(true);
        next = next.replace('http://dataverse.example:1234/api/data/v9.2/', dv.api);
      }
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(['Alpha', 'beta', 'Delta', 'Gamma', "O'Hara"]);
  });

  test('4.7 a tampered $skiptoken answers 400', async () => {
    expect((await dv.request('GET', 'accounts?$skiptoken=garbage')).status).toBe(400);
  });

  test('$expand is named as unsupported rather than ignored', async () => {
    const r = await dv.request('GET', 'accounts?$expand=primarycontactid');
    expect(r.status).toBe(501);
    expect(r.json().error.message).toContain('$expand');
  });
});

describe('EntityDefinitions', () => {
  test('by LogicalName with $select and $expand=Keys', async () => {
    const r = await dv.request('GET', `EntityDefinitions(LogicalName='account')?$select=EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute&$expand=Keys($select=KeyAttributes)`);
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({
      EntitySetName: 'accounts',
      PrimaryIdAttribute: 'accountid',
      PrimaryNameAttribute: 'name',
      Keys: [{ LogicalName: 'accountnumber', KeyAttributes: ['accountnumber'] }],
    });
  });

  test('lookup navigation properties of a polymorphic lookup', async () => {
    const r = await dv.request('GET', `EntityDefinitions(LogicalName='contact')/ManyToOneRelationships`);
    const rels = r.json().value as Array<Record<string, string>>;
    expect(rels.filter((x) => x.ReferencingAttribute === 'parentcustomerid').map((x) => [x.ReferencingEntityNavigationPropertyName, x.ReferencedEntity])).toEqual([
      ['parentcustomerid_account', 'account'],
      ['parentcustomerid_contact', 'contact'],
    ]);
  });

  test('attributes carry types, lengths and choice options; ec_stub matches docs/data-model.md', async () => {
    const attrs = (await dv.request('GET', `EntityDefinitions(LogicalName='ec_stub')/Attributes`)).json().value as Array<Record<string, unknown>>;
    const byName = new Map(attrs.map((a) => [a.LogicalName as string, a]));
    expect(byName.get('ec_name')).toMatchObject({ AttributeType: 'String', MaxLength: 400, IsPrimaryName: true });
    expect(byName.get('ec_lasterror')).toMatchObject({ AttributeType: 'Memo', MaxLength: 4000 });
    expect((byName.get('ec_stubstate') as { OptionSet: { Options: Array<{ Value: number }> } }).OptionSet.Options.map((o) => o.Value)).toEqual([
      100000000, 100000001, 100000002,
    ]);
    expect(byName.get('ec_stubid')).toMatchObject({ AttributeType: 'Uniqueidentifier', IsPrimaryId: true });
  });

  test('$filter over definitions, and unknown tables answer 404', async () => {
    const r = await dv.request('GET', `EntityDefinitions?$select=LogicalName,EntitySetName&$filter=${q("LogicalName eq 'contact'")}`);
    expect(r.json().value).toEqual([expect.objectContaining({ LogicalName: 'contact', EntitySetName: 'contacts' })]);
    expect((await dv.request('GET', `EntityDefinitions(LogicalName='nosuch')`)).status).toBe(404);
  });
});
