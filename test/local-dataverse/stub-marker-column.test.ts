/**
 * The stub marker column `ec_isstub` (docs/stub-marker.md) on the default `account` and `contact`: a
 * Yes/No column described as Dataverse describes one (BooleanAttributeMetadata, DefaultValue, the
 * Yes/No options), stored false when a create leaves it out, and filterable.
 */
import { ENTITY_DEFINITION_QUERY, readEntityDefinition } from '../../api/src/dataverse/EntityDefinitionReader';
import { Schema } from '../../api/src/local-dataverse/schema/TableSchema';
import { keyLiteral, LocalDataverseFixture } from './localDataverseFixture';

const dv = new LocalDataverseFixture();
const q = (text: string) => encodeURIComponent(text);

beforeAll(() => dv.start());
afterAll(() => dv.stop());

type Attribute = Record<string, unknown> & { LogicalName: string };

async function attributes(table: string, suffix = ''): Promise<Attribute[]> {
  const response = await dv.request('GET', `EntityDefinitions(LogicalName='${table}')/Attributes${suffix}`);
  expect(response.status).toBe(200);
  return response.json().value as Attribute[];
}

describe('ec_isstub metadata', () => {
  test.each(['account', 'contact'])('%s.ec_isstub is a Boolean attribute, default false, options Yes (1) and No (0)', async (table) => {
    const marker = (await attributes(table)).find((a) => a.LogicalName === 'ec_isstub');
    expect(marker).toMatchObject({
      '@odata.type': '#Microsoft.Dynamics.CRM.BooleanAttributeMetadata',
      LogicalName: 'ec_isstub',
      SchemaName: 'Ec_Isstub',
      EntityLogicalName: table,
      AttributeType: 'Boolean',
      IsValidForCreate: true,
      IsValidForUpdate: true,
      DefaultValue: false,
      OptionSet: {
        OptionSetType: 'Boolean',
        TrueOption: { Value: 1, Label: { UserLocalizedLabel: { Label: 'Yes', LanguageCode: 1033 } } },
        FalseOption: { Value: 0, Label: { UserLocalizedLabel: { Label: 'No', LanguageCode: 1033 } } },
      },
    });
  });

  test('the Web API type cast narrows Attributes to the Boolean ones; an unknown cast is 404', async () => {
    const booleans = await attributes('account', '/Microsoft.Dynamics.CRM.BooleanAttributeMetadata?$select=LogicalName&$expand=OptionSet');
    expect(booleans.map((a) => a.LogicalName)).toEqual(['ec_isstub']);
    expect(await attributes('ec_stub', '/Microsoft.Dynamics.CRM.BooleanAttributeMetadata')).toEqual([]);
    expect((await dv.request('GET', `EntityDefinitions(LogicalName='account')/Attributes/Microsoft.Dynamics.CRM.NoSuchAttributeMetadata`)).status).toBe(404);
    expect((await dv.request('GET', `EntityDefinitions(LogicalName='account')/Keys/Microsoft.Dynamics.CRM.BooleanAttributeMetadata`)).status).toBe(404);
    expect((await dv.request('GET', `EntityDefinitions(LogicalName='account')/Attributes/ec_isstub`)).status).toBe(404);
  });

  test("the service's metadata reader sees the column as a Boolean attribute (how the core detects the marker)", async () => {
    const response = await dv.request('GET', `EntityDefinitions(LogicalName='account')?${ENTITY_DEFINITION_QUERY}`);
    const account = readEntityDefinition(response.json());
    expect(account.attributes.find((a) => a.logicalName === 'ec_isstub')).toMatchObject({ attributeType: 'Boolean', validForCreate: true, validForUpdate: true });
    expect(account.attributes.find((a) => a.logicalName === 'ec_isstub' && a.attributeType !== 'Boolean')).toBeUndefined();
  });

  test('the ec_stub tracking table has no marker column', async () => {
    expect((await attributes('ec_stub')).some((a) => a.LogicalName === 'ec_isstub')).toBe(false);
  });
});

describe('ec_isstub values', () => {
  test('a create without the column reads back false (the default value); true when written true', async () => {
    const real = await dv.create('accounts', { name: 'Real', accountnumber: 'M-1' });
    const stub = await dv.create('accounts', { name: 'M-2', accountnumber: 'M-2', ec_isstub: true });
    expect((await dv.request('GET', `accounts(${real})?$select=ec_isstub`)).json().ec_isstub).toBe(false);
    expect((await dv.request('GET', `accounts(${stub})?$select=ec_isstub`)).json().ec_isstub).toBe(true);
    const contact = await dv.create('contacts', { lastname: 'Lovelace' });
    expect((await dv.request('GET', `contacts(${contact})`)).json().ec_isstub).toBe(false);
  });

  test('an upsert that creates applies the default; one that updates keeps the stored value unless sent', async () => {
    expect((await dv.request('PATCH', `accounts(accountnumber=${keyLiteral('M-3')})`, { name: 'Created by upsert' })).status).toBe(204);
    expect((await dv.request('GET', `accounts(accountnumber=${keyLiteral('M-3')})?$select=ec_isstub`)).json().ec_isstub).toBe(false);
    await dv.create('accounts', { name: 'M-4', accountnumber: 'M-4', ec_isstub: true });
    await dv.request('PATCH', `accounts(accountnumber=${keyLiteral('M-4')})`, { telephone1: '+1 555 0100' });
    expect((await dv.request('GET', `accounts(accountnumber=${keyLiteral('M-4')})?$select=ec_isstub`)).json().ec_isstub).toBe(true);
    await dv.request('PATCH', `accounts(accountnumber=${keyLiteral('M-4')})`, { name: 'Hydrated', ec_isstub: false });
    expect((await dv.request('GET', `accounts(accountnumber=${keyLiteral('M-4')})?$select=ec_isstub`)).json().ec_isstub).toBe(false);
  });

  test('$filter=ec_isstub eq true finds the stubs; ne true leaves out null, eq false or eq null does not', async () => {
    await dv.create('accounts', { name: 'F-stub', accountnumber: 'F-1', ec_isstub: true });
    await dv.create('accounts', { name: 'F-real', accountnumber: 'F-2' });
    await dv.create('accounts', { name: 'F-null', accountnumber: 'F-3', ec_isstub: null });
    const names = async (filter: string) =>
      ((await dv.request('GET', `accounts?$select=name&$filter=${q(`startswith(name,'F-') and (${filter})`)}&$orderby=name`)).json().value as Array<{ name: string }>).map((r) => r.name);
    expect(await names('ec_isstub eq true')).toEqual(['F-stub']);
    expect(await names('ec_isstub ne true')).toEqual(['F-real']);
    expect(await names('ec_isstub eq false or ec_isstub eq null')).toEqual(['F-null', 'F-real']);
  });

  test('a value that is not a boolean is refused with Edm.Boolean named', async () => {
    const response = await dv.request('POST', 'accounts', { name: 'Bad', ec_isstub: 'yes' });
    expect(response.status).toBe(400);
    expect(response.json().error.message).toContain('Edm.Boolean');
  });
});

describe('boolean columns in a schema file', () => {
  const table = (column: unknown) => ({
    tables: [{ logicalName: 'x_t', entitySetName: 'x_ts', displayName: 'T', primaryIdAttribute: 'x_tid', primaryNameAttribute: 'x_name', columns: { x_name: { type: 'string', maxLength: 10 }, x_flag: column } }],
  });

  test('default and labels are optional; the labels default to Yes and No', () => {
    const flag = Schema.fromJson(table({ type: 'boolean' })).table('x_t')!.columns.get('x_flag');
    expect(flag).toEqual({ type: 'boolean', trueLabel: 'Yes', falseLabel: 'No' });
  });

  test('a default that is not a boolean names the field', () => {
    expect(() => Schema.fromJson(table({ type: 'boolean', default: 0 }))).toThrow(/tables\.0\.columns\.x_flag\.default/);
  });
});
